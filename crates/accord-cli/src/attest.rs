//! `accord keygen`, `accord certify` and `accord verify`: signed assessment
//! attestations and their recognition under another jurisdiction.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use jiff::Timestamp;

use accord_assess::{LoadedEvidence, ProfileInput};
use accord_attest::agreement::Agreement;
use accord_attest::recognise::{self, RecognitionReport, Trusted};
use accord_attest::report::VerificationReport;
use accord_attest::statement::{self, CertifyInput, EvidenceInput, Issuer};
use accord_attest::verify::{GivenFile, Request, Role, Trust};
use accord_attest::{PublicKey, SecretKey};
use accord_model::doc::Document;
use accord_model::{Assessment, Diagnostic};

use crate::output::{Diagnostics, emit, sha256_file, stdout_color, write_atomically};
use crate::{Color, RuleOptions, input};

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Folder to write `accord.key` (private, mode 0600) and `accord.pub` into; created if missing.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing key pair in DIR.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
pub struct CertifyArgs {
    /// An assessment written by `accord assess --format json`.
    #[arg(value_name = "ASSESSMENT")]
    assessment: PathBuf,
    /// The issuer's private key (PKCS#8 PEM, from `accord keygen`).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The evidence files the assessment used (each given to `accord assess --evidence`).
    #[arg(long, value_name = "FILE")]
    evidence: Vec<PathBuf>,
    /// The profile assessed; default: the path recorded in the assessment.
    #[arg(long, value_name = "PROFILE")]
    profile: Option<PathBuf>,
    /// The issuer's name as it should appear to verifiers; default: the key id.
    #[arg(long, value_name = "NAME")]
    issuer: Option<String>,
    /// How many days the attestation holds.
    #[arg(long, value_name = "DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    valid_for: u32,
    /// The issue time (RFC 3339), for reproducible attestations; default now.
    #[arg(long, value_name = "TIME")]
    issued_at: Option<String>,
    /// Where to write the attestation (a DSSE envelope, JSON); default standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    rules: RuleOptions,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Text,
    Json,
    Html,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecognitionFailOn {
    /// Exit 1 when any obligation is only partly recognised or not covered.
    Partial,
    /// Exit 1 when any obligation is not covered at all.
    NotCovered,
    Never,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("trust-anchor").required(true).args(["key", "trust"])))]
pub struct VerifyArgs {
    /// The attestation (a DSSE envelope written by `accord certify`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Trust exactly this public key (SPKI PEM, `accord.pub`).
    #[arg(long, value_name = "PUB")]
    key: Option<PathBuf>,
    /// Trust the issuers of this recognition agreement (agreement/v1 YAML).
    #[arg(long, value_name = "AGREEMENT")]
    trust: Option<PathBuf>,
    /// Show which obligations of this jurisdiction the attestation meets (EU, CN, US-CA, …).
    #[arg(long = "as", value_name = "JURISDICTION")]
    as_jurisdiction: Option<String>,
    /// Check the profile file against the attestation, and assess it (instead of the attested copy).
    #[arg(long, value_name = "PROFILE")]
    profile: Option<PathBuf>,
    /// Check evidence files against the attestation.
    #[arg(long, value_name = "FILE")]
    evidence: Vec<PathBuf>,
    /// Check the assessment file against the attestation.
    #[arg(long, value_name = "FILE")]
    assessment: Option<PathBuf>,
    /// Verify as at this moment (RFC 3339 or YYYY-MM-DD); default now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Apply the --as jurisdiction's law as of this date; default: the --at date.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = VerifyFormat::Text)]
    format: VerifyFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// With --as: exit 1 when recognition falls short like this.
    #[arg(long, value_enum, default_value_t = RecognitionFailOn::Never)]
    fail_on: RecognitionFailOn,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(flatten)]
    rules: RuleOptions,
}

fn bad(file: impl Into<String>, message: impl Into<String>) -> anyhow::Error {
    Diagnostics::from(Diagnostic::new(file, None, message)).into()
}

pub fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let private_path = args.out.join("accord.key");
    let public_path = args.out.join("accord.pub");
    if !args.force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                return Err(Diagnostics::from(
                    Diagnostic::new(
                        path.display().to_string(),
                        None,
                        "a key already exists here",
                    )
                    .with_hint("use another --out folder, or --force to replace it"),
                )
                .into());
            }
        }
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("Cannot create `{}`: {e}", args.out.display()))?;
    let key = SecretKey::generate().map_err(anyhow::Error::msg)?;
    let private_pem = key.to_pem().map_err(anyhow::Error::msg)?;
    let public = key.public();
    let public_pem = public.to_pem().map_err(anyhow::Error::msg)?;
    // The private key goes through a temporary file, which is created 0600
    // and stays so: `persist` keeps the mode of a file it replaces.
    write_private(&private_path, private_pem.as_bytes())?;
    write_atomically(&public_path, public_pem.as_bytes())?;
    let report = format!(
        "key id      {}\nprivate key {} (mode 0600: keep it secret)\npublic key  {} (share it, or list it in a recognition agreement)\n",
        public.id(),
        private_path.display(),
        public_path.display()
    );
    emit(None, &report)?;
    Ok(ExitCode::SUCCESS)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("Cannot write to `{}`: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path)
        .map_err(|e| anyhow::anyhow!("Cannot write `{}`: {}", path.display(), e.error))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn read_secret_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = input::read_text(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: `{}` can be read by other users (mode {:o}); `chmod 600` it",
                path.display(),
                meta.permissions().mode() & 0o777
            );
        }
    }
    SecretKey::from_pem(&text).map_err(|m| bad(path.display().to_string(), m))
}

fn read_public_key(path: &Path) -> anyhow::Result<PublicKey> {
    let text = input::read_text(path)?;
    PublicKey::from_pem(&text).map_err(|m| bad(path.display().to_string(), m))
}

fn parse_time(text: &str, flag: &str) -> anyhow::Result<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(date) = accord_model::facts::parse_date(text)
        && let Ok(t) = date.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(t.timestamp());
    }
    Err(Diagnostics::from(
        Diagnostic::new(flag, None, format!("`{text}` is not a time"))
            .with_hint("give RFC 3339 (2027-01-31T12:00:00Z) or a date (2027-01-31)"),
    )
    .into())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub fn certify(args: CertifyArgs) -> anyhow::Result<ExitCode> {
    let assessment_name = args.assessment.display().to_string();
    let assessment_text = input::read_text(&args.assessment)?;
    let document =
        Document::parse(&assessment_text, &assessment_name).map_err(Diagnostics::from)?;
    if document.value.is_array() {
        return Err(bad(
            assessment_name,
            "this file holds several assessments; certify one at a time (assess one profile per file)",
        ));
    }
    if document.value.get("accord").and_then(|v| v.as_str()) != Some("assessment/v1") {
        return Err(Diagnostics::from(
            document
                .error_at_value("/accord", "not an assessment (`accord: assessment/v1`)")
                .with_hint("write one with `accord assess PROFILE --format json --output FILE`"),
        )
        .into());
    }
    let assessment: Assessment = document.deserialize().map_err(Diagnostics::from)?;
    let assessment_digest = accord_assess::sha256_digest(assessment_text.as_bytes());
    let key = read_secret_key(&args.key)?;

    // The profile: the file must be the one assessed.
    let profile_path = match &args.profile {
        Some(p) => p.clone(),
        None => {
            let recorded = assessment.profile.path.clone().ok_or_else(|| {
                bad(
                    &assessment_name,
                    "the assessment records no profile path; give --profile",
                )
            })?;
            let recorded = PathBuf::from(recorded);
            let beside = args
                .assessment
                .parent()
                .map(|d| d.join(&recorded))
                .filter(|p| p.exists());
            if recorded.exists() {
                recorded
            } else {
                beside.unwrap_or(recorded)
            }
        }
    };
    let profile_text = input::read_text(&profile_path)?;
    let profile_digest = accord_assess::sha256_digest(profile_text.as_bytes());
    if profile_digest != assessment.profile.digest {
        return Err(Diagnostics::from(
            Diagnostic::new(
                profile_path.display().to_string(),
                None,
                format!(
                    "this profile ({profile_digest}) is not the one assessed ({})",
                    assessment.profile.digest
                ),
            )
            .with_hint("the profile changed since the assessment: run `accord assess` again"),
        )
        .into());
    }
    let profile_document = Document::parse(&profile_text, &profile_path.display().to_string())
        .map_err(Diagnostics::from)?;

    // Evidence: exactly the files the assessment used, each about this profile.
    let profile_identity = accord_assess::ProfileIdentity {
        name: &assessment.profile.name,
        version: assessment.profile.version.as_deref(),
        digest: &assessment.profile.digest,
    };
    let mut evidence = Vec::new();
    let mut loaded_files = Vec::new();
    for path in &args.evidence {
        let text = input::read_text(path)?;
        let loaded =
            LoadedEvidence::parse(&text, &path.display().to_string()).map_err(Diagnostics::from)?;
        match loaded.binding(profile_identity) {
            accord_assess::Binding::Other(reason) => {
                return Err(Diagnostics::from(
                    Diagnostic::new(path.display().to_string(), None, format!("evidence about another system cannot be certified for `{}`: {reason}", assessment.profile.name))
                        .with_hint("run the test for this system with `--subject PROFILE`, then assess and certify again"),
                )
                .into());
            }
            accord_assess::Binding::Unbound => eprintln!(
                "warning: {}: {}",
                path.display(),
                accord_assess::evidence::UNBOUND_NOTE
            ),
            accord_assess::Binding::Bound => {}
        }
        if !assessment
            .evidence
            .iter()
            .any(|e| e.sha256 == loaded.sha256)
        {
            return Err(Diagnostics::from(
                Diagnostic::new(
                    path.display().to_string(),
                    None,
                    format!(
                        "the assessment did not use this evidence (sha256 {})",
                        loaded.sha256
                    ),
                )
                .with_hint(
                    "assess with it first: `accord assess PROFILE --evidence FILE --format json`",
                ),
            )
            .into());
        }
        evidence.push(EvidenceInput::from_loaded(file_name(path), &loaded));
        loaded_files.push(loaded);
    }
    for used in &assessment.evidence {
        if !evidence.iter().any(|e| e.sha256 == used.sha256) {
            return Err(Diagnostics::from(
                Diagnostic::new(
                    &assessment_name,
                    None,
                    format!(
                        "the assessment used evidence `{}` (sha256 {}), which was not given",
                        used.path, used.sha256
                    ),
                )
                .with_hint(format!("add --evidence {}", used.path)),
            )
            .into());
        }
    }

    // Sign only what the same judgement reproduces: assess the profile again
    // with this evidence and these rulepacks, as of the assessment's date.
    rejudge(
        &args,
        &assessment,
        &assessment_name,
        &profile_text,
        &profile_path,
        &loaded_files,
    )?;

    let issued_at = match &args.issued_at {
        Some(t) => parse_time(t, "--issued-at")?,
        None => Timestamp::now(),
    };
    // Whole seconds, truncated: rounding up would make an attestation that
    // is not yet valid when verified at once.
    let issued_at = Timestamp::from_second(issued_at.as_second())?;
    let valid_until = issued_at
        .checked_add(jiff::SignedDuration::from_hours(
            24 * i64::from(args.valid_for),
        ))
        .map_err(|e| anyhow::anyhow!("--valid-for: {e}"))?;
    let public = key.public();
    let issuer = Issuer {
        name: args
            .issuer
            .clone()
            .unwrap_or_else(|| format!("key {}", &public.id()[..16])),
        key_id: public.id().to_string(),
    };
    let statement = statement::build(CertifyInput {
        assessment: &assessment,
        assessment_digest,
        assessment_name: file_name(&args.assessment),
        profile_document: profile_document.value,
        evidence,
        issuer,
        issued_at,
        valid_until,
    });
    let envelope = accord_attest::sign_statement(&statement, &key).map_err(anyhow::Error::msg)?;
    let mut text = envelope.to_json();
    text.push('\n');
    emit(args.out.as_deref(), &text)?;
    let satisfied = statement.predicate.satisfied_controls().count();
    let failed = statement
        .predicate
        .controls
        .iter()
        .filter(|c| c.evidence == accord_model::EvidenceStatus::Failed)
        .count();
    eprintln!(
        "certified `{}` as of {}: {} subject(s), {} jurisdiction(s), {} control(s) satisfied{}; signed by key {}; valid until {}{}",
        assessment.profile.name,
        assessment.as_of,
        statement.subject.len(),
        statement.predicate.jurisdictions.len(),
        satisfied,
        if failed > 0 {
            format!(", {failed} FAILED (recorded as failed)")
        } else {
            String::new()
        },
        public.id(),
        valid_until,
        args.out
            .as_ref()
            .map(|p| format!("; wrote {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// Refuses to certify an assessment whose evidence statuses the evidence,
/// profile and rulepacks given do not reproduce (an assessment edited by
/// hand, or made by an older judgement).
fn rejudge(
    args: &CertifyArgs,
    assessment: &Assessment,
    assessment_name: &str,
    profile_text: &str,
    profile_path: &Path,
    evidence: &[LoadedEvidence],
) -> anyhow::Result<()> {
    let rules = input::rules(&args.rules)?;
    for used in &assessment.rulepacks {
        match rules.packs.iter().find(|p| p.id == used.id) {
            Some(p) if p.digest == used.digest => {}
            found => {
                return Err(Diagnostics::from(
                    Diagnostic::new(
                        assessment_name,
                        None,
                        format!(
                            "the assessment used rulepack `{}` {} ({}), but {}",
                            used.id,
                            used.version,
                            used.digest,
                            match found {
                                Some(p) =>
                                    format!("{} {} ({}) is loaded", p.id, p.version, p.digest),
                                None => "no pack with that id is loaded".to_string(),
                            }
                        ),
                    )
                    .with_hint("certify with the same rulepacks (--rules DIR), or assess again"),
                )
                .into());
            }
        }
    }
    let profile = ProfileInput::parse(profile_text, &profile_path.display().to_string(), &rules)
        .map_err(Diagnostics)?;
    let as_of = accord_model::facts::parse_date(&assessment.as_of)
        .map_err(|m| bad(assessment_name, format!("`as_of`: {m}")))?;
    let assessor = accord_assess::Assessor {
        rules: &rules,
        evidence,
        options: accord_assess::Options {
            as_of,
            jurisdictions: assessment
                .jurisdictions
                .iter()
                .map(|j| j.jurisdiction.clone())
                .collect(),
        },
    };
    let again = assessor.assess(&profile);
    let differences = accord_assess::evidence::disagreements(assessment, &again);
    if differences.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "the assessment's evidence statuses are not what its evidence gives ({} difference{}):",
        differences.len(),
        if differences.len() == 1 { "" } else { "s" }
    );
    for line in differences.iter().take(10) {
        message.push_str("\n  ");
        message.push_str(line);
    }
    if differences.len() > 10 {
        message.push_str(&format!("\n  and {} more", differences.len() - 10));
    }
    Err(Diagnostics::from(
        Diagnostic::new(assessment_name, None, message).with_hint(
            "assess again with this version of Accord and the same --evidence, then certify the new file",
        ),
    )
    .into())
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let file = args.file.display().to_string();
    // Read at most one byte more than an envelope may be, so that a huge
    // file is refused (`too-large`) without being loaded.
    let bytes = {
        use std::io::Read;
        let limit = accord_attest::dsse::MAX_ENVELOPE_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        std::fs::File::open(&args.file)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| anyhow::anyhow!("Cannot read `{file}`: {e}"))?;
        bytes
    };
    let key;
    let agreement;
    let rules;
    let needs_rules = args.trust.is_some() || args.as_jurisdiction.is_some();
    let rule_set = if needs_rules {
        Some(input::rules(&args.rules)?)
    } else {
        None
    };
    let trust = match (&args.key, &args.trust) {
        (Some(path), _) => {
            key = read_public_key(path)?;
            Trust::Key(&key)
        }
        (None, Some(path)) => {
            let text = input::read_text(path)?;
            rules = rule_set.as_ref();
            let controls: Vec<&str> = rules
                .map(|r| r.catalogue.controls.iter().map(|c| c.id.as_str()).collect())
                .unwrap_or_default();
            agreement = Agreement::parse(
                &text,
                &path.display().to_string(),
                &controls,
                accord_rules::pack::EVIDENCE_KINDS,
            )
            .map_err(Diagnostics)?;
            Trust::Agreement(&agreement)
        }
        (None, None) => return Err(bad("accord verify", "give --key PUB or --trust AGREEMENT")),
    };
    if let Some(j) = &args.as_jurisdiction {
        input::jurisdictions(std::slice::from_ref(j))?;
    }
    let at = match &args.at {
        Some(t) => parse_time(t, "--at")?,
        None => Timestamp::now(),
    };
    let mut files = Vec::new();
    let mut add = |role: Role, path: &Path| -> anyhow::Result<()> {
        let sha256 = sha256_file(path)
            .map_err(|e| anyhow::anyhow!("Cannot read `{}`: {e}", path.display()))?;
        // Evidence is judged by what it says, and checked against what is attested.
        // A file that is not evidence at all is left to the subject check.
        let verdict = if role == Role::Evidence {
            input::read_text(path)
                .ok()
                .and_then(|text| LoadedEvidence::parse(&text, &path.display().to_string()).ok())
                .map(|e| e.verdict)
        } else {
            None
        };
        files.push(GivenFile {
            role,
            path: path.display().to_string(),
            sha256,
            verdict,
        });
        Ok(())
    };
    if let Some(p) = &args.profile {
        add(Role::Profile, p)?;
    }
    if let Some(p) = &args.assessment {
        add(Role::Assessment, p)?;
    }
    for p in &args.evidence {
        add(Role::Evidence, p)?;
    }
    let request = Request {
        trust,
        at,
        files: &files,
        recognise_as: args.as_jurisdiction.as_deref(),
    };
    let outcome = accord_attest::verify(&bytes, &request);

    let mut recognition = None;
    if let (Ok(verified), Some(j), Some(rules)) =
        (&outcome.result, &args.as_jurisdiction, rule_set.as_ref())
    {
        let profile = match &args.profile {
            Some(path) => input::profile(path, rules)?,
            None => {
                let p = &verified.statement.predicate.profile;
                let text = serde_json::to_string_pretty(&p.document)?;
                let name = format!("{file} (attested profile `{}`)", p.name);
                let document = Document::parse(&text, &name).map_err(Diagnostics::from)?;
                let mut input = ProfileInput::from_document(document, text.as_bytes(), rules).map_err(|d| {
                    anyhow::Error::from(Diagnostics(d)).context(
                        "The attested profile cannot be assessed with these rulepacks (it may use facts of a pack you do not have; add it with --rules)",
                    )
                })?;
                input.digest.clone_from(&p.digest);
                input
            }
        };
        let as_of = match &args.as_of {
            Some(d) => input::as_of(Some(d))?,
            None => at.to_zoned(jiff::tz::TimeZone::UTC).date(),
        };
        let trusted = match trust {
            Trust::Agreement(a) => Trusted {
                scope: verified.issuer.as_ref().map(|i| &i.scope),
                conditions: Some(&a.file.conditions),
            },
            Trust::Key(_) => Trusted::default(),
        };
        // The issuer entry is cloned into `verified`; borrow its scope from there.
        let _ = &trusted;
        recognition = Some(recognise::recognise(
            rules,
            &profile,
            &verified.statement.predicate,
            j,
            as_of,
            at,
            trusted,
        ));
    }
    let report = VerificationReport::new(&file, trust, at, &outcome, recognition);
    let rendered = match args.format {
        VerifyFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report)?;
            text.push('\n');
            text
        }
        VerifyFormat::Html => accord_report::verification_html(&report)?,
        VerifyFormat::Text => {
            let color = args.output.is_none() && stdout_color(args.color);
            text_report(&report, color)
        }
    };
    emit(args.output.as_deref(), &rendered)?;
    if let Some(rejection) = &report.rejection {
        if args.format != VerifyFormat::Text || args.output.is_some() {
            eprintln!("rejected: {} [{}]", rejection.message, rejection.code);
        }
        return Ok(ExitCode::from(1));
    }
    let short = report
        .recognition
        .as_ref()
        .is_some_and(|r| match args.fail_on {
            RecognitionFailOn::Never => false,
            RecognitionFailOn::NotCovered => r.summary.not_covered > 0,
            RecognitionFailOn::Partial => r.summary.not_covered + r.summary.partly_recognised > 0,
        });
    Ok(if short {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn text_report(report: &VerificationReport, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    match &report.rejection {
        Some(r) => {
            let _ = writeln!(out, "{} {}", paint("1;31", "REJECTED"), report.file);
            let _ = writeln!(out, "  reason: {} [{}]", r.message, r.code);
        }
        None => {
            let _ = writeln!(out, "{} {}", paint("1;32", "VERIFIED"), report.file);
        }
    }
    if let Some(a) = &report.attestation {
        let _ = writeln!(out, "  issuer:   {} (key {})", a.issuer, a.key_id);
        if let (Some(i), Some(agreement)) = (&a.agreement_issuer, &report.trust.agreement) {
            let _ = writeln!(
                out,
                "  trusted:  as `{}` ({}) under agreement `{}` — {}",
                i.id, i.name, agreement.id, agreement.title
            );
        }
        let _ = writeln!(
            out,
            "  profile:  {}{} ({})",
            a.profile,
            a.profile_version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default(),
            a.profile_digest
        );
        let _ = writeln!(
            out,
            "  assessed: as of {}; valid {} to {}",
            a.as_of, a.valid_from, a.valid_until
        );
        for j in &a.jurisdictions {
            let classes: Vec<String> = j
                .classifications
                .iter()
                .filter(|c| c.status != accord_model::Status::NotApplicable)
                .map(|c| format!("{} ({})", c.id, c.status.as_str()))
                .collect();
            let _ = writeln!(
                out,
                "    {:<10} {}; {} obligation(s)",
                j.jurisdiction,
                if classes.is_empty() {
                    "no classification".to_string()
                } else {
                    classes.join(", ")
                },
                j.obligations.len()
            );
        }
        let satisfied: Vec<&str> = a
            .controls
            .iter()
            .filter(|c| c.evidence == accord_model::EvidenceStatus::Satisfied)
            .map(|c| c.id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  controls satisfied with evidence: {}",
            if satisfied.is_empty() {
                "none".to_string()
            } else {
                satisfied.join(", ")
            }
        );
        let failed: Vec<&str> = a
            .controls
            .iter()
            .filter(|c| c.evidence == accord_model::EvidenceStatus::Failed)
            .map(|c| c.id.as_str())
            .collect();
        if !failed.is_empty() {
            let _ = writeln!(
                out,
                "  controls whose evidence FAILED: {}",
                failed.join(", ")
            );
        }
    }
    let _ = writeln!(out, "\nChecks");
    for c in &report.checks {
        let mark = if c.passed {
            paint("32", "✓")
        } else {
            paint("31", "✗")
        };
        let _ = writeln!(out, "  {mark} {:<13} {}", c.check, c.detail);
    }
    if let Some(r) = &report.recognition {
        recognition_text(&mut out, r, &paint);
    }
    out
}

fn recognition_text(out: &mut String, r: &RecognitionReport, paint: &dyn Fn(&str, &str) -> String) {
    use accord_assess::crosswalk::Recognition;
    let _ = writeln!(
        out,
        "\nRecognition under {}{} as of {}",
        r.jurisdiction,
        r.name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default(),
        r.as_of
    );
    if r.market_added {
        let _ = writeln!(
            out,
            "  (the profile does not list {0} among its markets: assessed as if placed on the {0} market)",
            r.jurisdiction
        );
    }
    if r.classifications.is_empty() {
        let _ = writeln!(out, "  classified as: nothing in {}", r.jurisdiction);
    }
    for c in &r.classifications {
        let _ = writeln!(
            out,
            "  classified as: {} — {} ({}; {})",
            c.id,
            c.title,
            c.status.as_str(),
            c.citation
        );
    }
    let s = &r.summary;
    let _ = writeln!(
        out,
        "  {} obligation(s): {} recognised, {} partly recognised, {} not covered{}",
        s.obligations,
        s.recognised,
        s.partly_recognised,
        s.not_covered,
        if s.undetermined > 0 {
            format!(" ({} depend on unknown facts)", s.undetermined)
        } else {
            String::new()
        }
    );
    for (kind, heading, code) in [
        (Recognition::Full, "Recognised", "32"),
        (
            Recognition::Partial,
            "Partly recognised — what to add",
            "33",
        ),
        (Recognition::NotCovered, "Not covered", "31"),
    ] {
        let items: Vec<_> = r
            .obligations
            .iter()
            .filter(|o| o.recognition == kind)
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n  {}", paint(code, heading));
        for o in items {
            let when = match (o.status, &o.applies_from) {
                (accord_model::Status::Upcoming, Some(d)) => format!(", from {d}"),
                (accord_model::Status::Undetermined, _) => ", undetermined".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(out, "    {} — {} ({}{when})", o.id, o.title, o.citation);
            for v in &o.via {
                let _ = writeln!(
                    out,
                    "        via {} ({}), evidence: {}",
                    v.control,
                    v.relation.as_str(),
                    v.evidence.join(", ")
                );
            }
            for s in &o.supplement {
                let _ = writeln!(out, "        + {s}");
            }
            for reason in &o.reasons {
                let _ = writeln!(out, "        - {reason}");
            }
        }
    }
    for d in &r.rulepack_differences {
        let _ = writeln!(out, "\n  note: {d}");
    }
}
