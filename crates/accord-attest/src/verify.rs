//! Verifying an attestation: envelope, signatures, key trust, revocation,
//! validity, subjects and scope — in that order, stopping at the first
//! failure with a [`Rejection`] whose code is stable.
//!
//! | code | meaning |
//! |---|---|
//! | `too-large`, `too-deep`, `malformed-envelope` | not a well-formed DSSE envelope |
//! | `payload-encoding`, `signature-encoding` | base64 that is not canonical |
//! | `payload-type` | not `application/vnd.in-toto+json` |
//! | `no-signature`, `too-many-signatures`, `duplicate-signature` | signature list refused |
//! | `key-id-mismatch` | a signature names another key than the one given |
//! | `untrusted-issuer` | signed by a key no issuer of the agreement holds |
//! | `bad-signature` | the signature does not verify over the exact bytes |
//! | `extra-signature` | another signature, by a key not trusted, rides along |
//! | `revoked-key` | the agreement revokes the signing key |
//! | `key-not-in-force`, `agreement-not-in-force` | outside the key's or the agreement's dates |
//! | `malformed-statement`, `statement-type`, `predicate-type`, `malformed-predicate` | payload refused |
//! | `issuer-mismatch` | the predicate names another key than the one that signed |
//! | `not-yet-valid`, `expired`, `validity-too-long` | validity window |
//! | `subject-mismatch` | a file given is not what was signed |
//! | `evidence-failed` | a control or obligation is attested satisfied although its evidence failed (as attested, or as the evidence file given says) |
//! | `evidence-subject` | attested evidence is about another system than the attested profile |
//! | `out-of-scope` | the issuer is not trusted for this jurisdiction or these controls |

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::Rejection;
use crate::agreement::{Agreement, IssuerEntry};
use crate::dsse::{self, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::PublicKey;
use crate::statement::{PREDICATE_TYPE, Predicate, STATEMENT_TYPE, Statement, Subject};
use accord_model::EvidenceStatus;

/// Whom the verifier trusts.
#[derive(Clone, Copy, Debug)]
pub enum Trust<'a> {
    /// Exactly this key (`--key PUB`).
    Key(&'a PublicKey),
    /// The issuers of a recognition agreement (`--trust AGREEMENT`).
    Agreement(&'a Agreement),
}

/// What a file handed to `verify` is meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Profile,
    Assessment,
    Evidence,
}

impl Role {
    fn prefix(self) -> &'static str {
        match self {
            Role::Profile => "profile:",
            Role::Assessment => "assessment:",
            Role::Evidence => "evidence:",
        }
    }
}

/// A file to check against the statement's subjects.
#[derive(Clone, Debug, Serialize)]
pub struct GivenFile {
    pub role: Role,
    pub path: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// For evidence: the file's result as judged from what it says
    /// ([`accord_assess::LoadedEvidence`]); checked against what is attested.
    #[serde(skip)]
    pub verdict: Option<accord_assess::Verdict>,
}

#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub trust: Trust<'a>,
    /// The moment to verify at (now, or `--at`).
    pub at: Timestamp,
    pub files: &'a [GivenFile],
    /// The jurisdiction recognition is asked for (`--as`), checked against the issuer's scope.
    pub recognise_as: Option<&'a str>,
}

/// One check and how it went.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// A verified attestation.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The exact payload bytes the signature covers.
    pub payload: Vec<u8>,
    pub statement: Statement,
    /// The key that verified the (first) signature.
    pub key_id: String,
    /// The agreement's entry for the issuer, when verifying under an agreement.
    pub issuer: Option<IssuerEntry>,
    pub valid_from: Timestamp,
    pub valid_until: Timestamp,
}

/// The outcome: every check run, then either the verified statement or why not.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub checks: Vec<Check>,
    pub result: Result<Verified, Rejection>,
}

struct Run {
    checks: Vec<Check>,
}

impl Run {
    fn pass(&mut self, check: &'static str, detail: impl Into<String>) {
        self.checks.push(Check {
            check,
            passed: true,
            detail: detail.into(),
        });
    }

    fn fail(&mut self, check: &'static str, rejection: Rejection) -> Rejection {
        self.checks.push(Check {
            check,
            passed: false,
            detail: rejection.message.clone(),
        });
        rejection
    }
}

/// Verifies an envelope's bytes.
pub fn verify(bytes: &[u8], request: &Request<'_>) -> Outcome {
    let mut run = Run { checks: Vec::new() };
    let result = verify_inner(bytes, request, &mut run);
    Outcome {
        checks: run.checks,
        result,
    }
}

#[derive(Deserialize)]
struct RawStatement<'a> {
    #[serde(rename = "_type")]
    type_: String,
    #[allow(dead_code)] // parsed so that a malformed subject list is reported here
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    #[serde(borrow, default)]
    predicate: Option<&'a RawValue>,
}

fn verify_inner(bytes: &[u8], request: &Request<'_>, run: &mut Run) -> Result<Verified, Rejection> {
    // 1. The envelope.
    let envelope = Envelope::parse(bytes).map_err(|r| run.fail("envelope", r))?;
    run.pass(
        "envelope",
        format!(
            "DSSE envelope, {} payload bytes, {} signature(s)",
            envelope.payload.len(),
            envelope.signatures.len()
        ),
    );
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(run.fail(
            "payload-type",
            Rejection::new(
                "payload-type",
                format!(
                    "payload type is `{}`; an Accord attestation is `{IN_TOTO_PAYLOAD_TYPE}`",
                    envelope.payload_type
                ),
            ),
        ));
    }
    run.pass("payload-type", IN_TOTO_PAYLOAD_TYPE);

    // 2. Signatures, over the exact bytes.
    let signers = check_signatures(&envelope, request, run)?;

    // 3. The statement (only verified bytes are parsed past this point).
    if let Err(offset) = dsse::check_depth(&envelope.payload, dsse::MAX_DEPTH) {
        let (line, column) = dsse::line_column(&envelope.payload, offset);
        return Err(run.fail(
            "statement",
            Rejection::new(
                "too-deep",
                format!("the statement nests deeper than {} levels (payload line {line}, column {column})", dsse::MAX_DEPTH),
            ),
        ));
    }
    // One typed pass for a well-formed statement (the fields Accord reads
    // refuse duplicate keys: serde's derive for struct fields, and the maps'
    // own deserialisers); a slower pass only to say precisely what is wrong.
    let statement = match serde_json::from_slice::<Statement>(&envelope.payload) {
        Ok(statement) => statement,
        Err(fast) => return Err(explain_statement(&envelope.payload, &fast, run)),
    };
    if statement.type_ != STATEMENT_TYPE {
        return Err(run.fail(
            "statement",
            Rejection::new(
                "statement-type",
                format!(
                    "`_type` is `{}`; expected `{STATEMENT_TYPE}`",
                    statement.type_
                ),
            ),
        ));
    }
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(run.fail(
            "statement",
            Rejection::new(
                "predicate-type",
                format!(
                    "`predicateType` is `{}`; Accord verifies `{PREDICATE_TYPE}`",
                    statement.predicate_type
                ),
            ),
        ));
    }
    check_consistency(&statement).map_err(|r| run.fail("statement", r))?;
    run.pass(
        "statement",
        format!(
            "in-toto Statement v1, {} subject(s), profile `{}`",
            statement.subject.len(),
            statement.predicate.profile.name
        ),
    );
    let p = &statement.predicate;
    // The issuer is the signer the predicate names, whatever the order of signatures.
    let Some(key) = signers.iter().find(|k| k.id() == p.issuer.key_id).cloned() else {
        let ids: Vec<&str> = signers.iter().map(PublicKey::id).collect();
        return Err(run.fail(
            "issuer",
            Rejection::new(
                "issuer-mismatch",
                format!(
                    "the predicate names key `{}` as the issuer's, but key `{}` signed it",
                    p.issuer.key_id,
                    ids.join("`, `")
                ),
            ),
        ));
    };
    let issuer = match request.trust {
        Trust::Agreement(agreement) => agreement.issuer_of(key.id()).map(|(e, _)| e.clone()),
        Trust::Key(_) => None,
    };

    // 4. Validity.
    let timestamp = |text: &str, field: &str, run: &mut Run| {
        text.parse::<Timestamp>().map_err(|e| {
            run.fail(
                "validity",
                Rejection::new(
                    "malformed-predicate",
                    format!("`{field}` is not an RFC 3339 timestamp: {e}"),
                ),
            )
        })
    };
    let valid_from = timestamp(&p.valid_from, "valid_from", run)?;
    let valid_until = timestamp(&p.valid_until, "valid_until", run)?;
    if request.at < valid_from {
        return Err(run.fail(
            "validity",
            Rejection::new(
                "not-yet-valid",
                format!("valid from {valid_from}; it is now {}", request.at),
            ),
        ));
    }
    if request.at > valid_until {
        return Err(run.fail(
            "validity",
            Rejection::new(
                "expired",
                format!("expired on {valid_until}; it is now {}", request.at),
            ),
        ));
    }
    if let Trust::Agreement(agreement) = request.trust
        && let Some(max) = agreement.file.conditions.attestation_max_validity_days
    {
        let span = valid_until.as_second() - valid_from.as_second();
        if span > i64::from(max) * 86_400 {
            return Err(run.fail(
                "validity",
                Rejection::new(
                    "validity-too-long",
                    format!(
                        "valid for {} days; agreement `{}` accepts at most {max}",
                        span.div_euclid(86_400),
                        agreement.file.id
                    ),
                ),
            ));
        }
    }
    run.pass(
        "validity",
        format!("valid from {valid_from} until {valid_until}"),
    );

    // 5. Subjects: every file given is what was signed.
    for file in request.files {
        let found = statement.subject.iter().any(|s| {
            s.name.starts_with(file.role.prefix()) && s.sha256() == Some(file.sha256.as_str())
        });
        if !found {
            let expected: Vec<&str> = statement
                .subject
                .iter()
                .filter(|s| s.name.starts_with(file.role.prefix()))
                .filter_map(Subject::sha256)
                .collect();
            let role = file.role.prefix().trim_end_matches(':');
            return Err(run.fail(
                "subjects",
                Rejection::new(
                    "subject-mismatch",
                    format!(
                        "{role} file `{}` has SHA-256 {}; the attestation's {role} subject(s): {}",
                        file.path,
                        file.sha256,
                        if expected.is_empty() {
                            "none".to_string()
                        } else {
                            expected.join(", ")
                        }
                    ),
                ),
            ));
        }
    }
    check_given_evidence(&statement, request.files).map_err(|r| run.fail("subjects", r))?;
    if request.files.is_empty() {
        run.pass(
            "subjects",
            "no files given to compare (use --profile, --evidence, --assessment)",
        );
    } else {
        run.pass(
            "subjects",
            format!("{} file(s) match their subjects", request.files.len()),
        );
    }

    // 6. Scope.
    if let (Trust::Agreement(agreement), Some(entry)) = (request.trust, &issuer) {
        check_scope(agreement, entry, &statement.predicate, request.recognise_as)
            .map_err(|r| run.fail("scope", r))?;
        run.pass(
            "scope",
            format!(
                "issuer `{}` is trusted under agreement `{}`",
                entry.id, agreement.file.id
            ),
        );
    }
    Ok(Verified {
        payload: envelope.payload,
        statement,
        key_id: key.id().to_string(),
        issuer,
        valid_from,
        valid_until,
    })
}

/// Why a payload is not an Accord statement, as precisely as can be said:
/// not JSON or not a statement, another statement or predicate type, or a
/// predicate Accord cannot read.
fn explain_statement(payload: &[u8], fast: &serde_json::Error, run: &mut Run) -> Rejection {
    let raw: RawStatement = match serde_json::from_slice(payload) {
        Ok(raw) => raw,
        Err(e) => {
            return run.fail(
                "statement",
                Rejection::new(
                    "malformed-statement",
                    format!(
                        "the payload is not an in-toto statement: {} (payload line {}, column {})",
                        dsse::strip_position(&e),
                        e.line(),
                        e.column()
                    ),
                ),
            );
        }
    };
    if raw.type_ != STATEMENT_TYPE {
        return run.fail(
            "statement",
            Rejection::new(
                "statement-type",
                format!("`_type` is `{}`; expected `{STATEMENT_TYPE}`", raw.type_),
            ),
        );
    }
    if raw.predicate_type != PREDICATE_TYPE {
        return run.fail(
            "statement",
            Rejection::new(
                "predicate-type",
                format!(
                    "`predicateType` is `{}`; Accord verifies `{PREDICATE_TYPE}`",
                    raw.predicate_type
                ),
            ),
        );
    }
    let message = match raw.predicate {
        None => "the statement has no predicate".to_string(),
        Some(p) => match serde_json::from_str::<Predicate>(p.get()) {
            Err(e) => format!(
                "the predicate is not an Accord assessment attestation: {}",
                dsse::strip_position(&e)
            ),
            Ok(_) => format!(
                "the payload is not an in-toto statement: {} (payload line {}, column {})",
                dsse::strip_position(fast),
                fast.line(),
                fast.column()
            ),
        },
    };
    let code = if message.starts_with("the predicate") || message.ends_with("no predicate") {
        "malformed-predicate"
    } else {
        "malformed-statement"
    };
    run.fail("statement", Rejection::new(code, message))
}

fn check_signatures(
    envelope: &Envelope,
    request: &Request<'_>,
    run: &mut Run,
) -> Result<Vec<PublicKey>, Rejection> {
    for (i, s) in envelope.signatures.iter().enumerate() {
        for (j, t) in envelope.signatures[..i].iter().enumerate() {
            let same_key = s.keyid.is_some() && s.keyid == t.keyid;
            if same_key || s.sig == t.sig {
                return Err(run.fail(
                    "signatures",
                    Rejection::new(
                        "duplicate-signature",
                        format!(
                            "signatures {} and {} repeat {}",
                            j + 1,
                            i + 1,
                            if same_key {
                                "the same key id"
                            } else {
                                "the same signature"
                            }
                        ),
                    ),
                ));
            }
        }
    }
    let pae = envelope.pae();
    let trusted: Vec<&PublicKey> = match request.trust {
        Trust::Key(key) => vec![key],
        Trust::Agreement(agreement) => agreement.keys().collect(),
    };
    let mut verified: Vec<&PublicKey> = Vec::new();
    let mut unknown: Option<(usize, Rejection)> = None;
    for (i, s) in envelope.signatures.iter().enumerate() {
        let n = i + 1;
        let candidates: Vec<&PublicKey> = match &s.keyid {
            Some(id) => trusted.iter().copied().filter(|k| k.id() == id).collect(),
            None => trusted.clone(),
        };
        if candidates.is_empty() {
            let id = s.keyid.as_deref().unwrap_or("");
            let rejection = match request.trust {
                Trust::Key(key) => Rejection::new(
                    "key-id-mismatch",
                    format!(
                        "signature {n} names key id `{id}`, but the key given has id `{}`",
                        key.id()
                    ),
                ),
                Trust::Agreement(agreement) => Rejection::new(
                    "untrusted-issuer",
                    format!(
                        "signature {n} is by key `{id}`, which no issuer of agreement `{}` holds",
                        agreement.file.id
                    ),
                ),
            };
            if unknown.is_none() {
                unknown = Some((i, rejection));
            }
            continue;
        }
        match candidates.iter().find(|k| k.verify(&pae, &s.sig)) {
            Some(key) => verified.push(key),
            None => {
                return Err(run.fail(
                    "signatures",
                    Rejection::new(
                        "bad-signature",
                        match &s.keyid {
                            Some(id) => format!(
                                "signature {n} does not verify with key `{id}` over the envelope's exact bytes: the payload, its type or the signature was changed"
                            ),
                            None => format!(
                                "signature {n} does not verify with any trusted key over the envelope's exact bytes"
                            ),
                        },
                    ),
                ));
            }
        }
    }
    match (verified.is_empty(), unknown) {
        (true, Some((_, rejection))) => return Err(run.fail("signatures", rejection)),
        (true, None) => {
            return Err(run.fail(
                "signatures",
                Rejection::new("bad-signature", "no signature verifies"),
            ));
        }
        (false, Some((i, rejection))) => {
            return Err(run.fail(
                "signatures",
                Rejection::new(
                    "extra-signature",
                    format!(
                        "signature {} is not by a trusted key ({}); Accord accepts an envelope only when every signature on it verifies",
                        i + 1,
                        rejection.message
                    ),
                ),
            ));
        }
        (false, None) => {}
    }
    // Every key that signed must still be trusted, not only the issuer's:
    // a revoked key may not ride along as a co-signature.
    if let Trust::Agreement(agreement) = request.trust {
        let date = request.at.to_zoned(jiff::tz::TimeZone::UTC).date();
        if date < agreement.valid_from || date > agreement.valid_until {
            return Err(run.fail(
                "trust",
                Rejection::new(
                    "agreement-not-in-force",
                    format!(
                        "agreement `{}` is in force from {} to {}; the verification date is {date}",
                        agreement.file.id, agreement.valid_from, agreement.valid_until
                    ),
                ),
            ));
        }
        for key in &verified {
            check_key_in_force(agreement, key, date).map_err(|r| run.fail("trust", r))?;
        }
    }
    let ids: Vec<&str> = verified.iter().map(|k| k.id()).collect();
    run.pass(
        "signatures",
        format!(
            "{} signature(s) verify; signed by key {}",
            envelope.signatures.len(),
            ids.join(", ")
        ),
    );
    if let Trust::Agreement(agreement) = request.trust {
        run.pass(
            "trust",
            format!(
                "every signing key is held by an issuer under agreement `{}` and not revoked",
                agreement.file.id
            ),
        );
    }
    Ok(verified.into_iter().cloned().collect())
}

fn check_key_in_force(
    agreement: &Agreement,
    key: &PublicKey,
    date: jiff::civil::Date,
) -> Result<(), Rejection> {
    if let Some(revocation) = agreement.revocation(key.id()) {
        return Err(Rejection::new(
            "revoked-key",
            format!(
                "key `{}` is revoked by agreement `{}`{}{}",
                key.id(),
                agreement.file.id,
                revocation
                    .date
                    .as_deref()
                    .map(|d| format!(" since {d}"))
                    .unwrap_or_default(),
                revocation
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some((entry, trusted_key)) = agreement.issuer_of(key.id()) {
        let before = trusted_key.valid_from.is_some_and(|d| date < d);
        let after = trusted_key.valid_until.is_some_and(|d| date > d);
        if before || after {
            return Err(Rejection::new(
                "key-not-in-force",
                format!(
                    "key `{}` of issuer `{}` is trusted {}{}; the verification date is {date}",
                    key.id(),
                    entry.id,
                    trusted_key
                        .valid_from
                        .map(|d| format!("from {d} "))
                        .unwrap_or_default(),
                    trusted_key
                        .valid_until
                        .map(|d| format!("until {d}"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// The predicate must agree with the subjects it is bound to.
fn check_consistency(statement: &Statement) -> Result<(), Rejection> {
    let p = &statement.predicate;
    let has = |prefix: &str, digest: &str| {
        let bare = digest.trim_start_matches("sha256:");
        statement
            .subject
            .iter()
            .any(|s| s.name.starts_with(prefix) && s.sha256() == Some(bare))
    };
    if !has("profile:", &p.profile.digest) {
        return Err(Rejection::new(
            "malformed-predicate",
            "the predicate's profile digest is not among the subjects",
        ));
    }
    if !has("assessment:", &p.assessment_digest) {
        return Err(Rejection::new(
            "malformed-predicate",
            "the predicate's assessment digest is not among the subjects",
        ));
    }
    for e in &p.evidence {
        if !has("evidence:", &e.sha256) {
            return Err(Rejection::new(
                "malformed-predicate",
                format!("evidence `{}` is not among the subjects", e.name),
            ));
        }
    }
    for c in &p.controls {
        for f in &c.evidence_files {
            let Some(file) = p.evidence_by_sha256(f) else {
                return Err(Rejection::new(
                    "malformed-predicate",
                    format!(
                        "control `{}` cites evidence {f}, which the predicate does not list",
                        c.id
                    ),
                ));
            };
            if c.evidence == EvidenceStatus::Satisfied && file.passed == Some(false) {
                return Err(Rejection::new(
                    "evidence-failed",
                    format!(
                        "control `{}` is attested satisfied, but its evidence `{}` did not pass",
                        c.id, file.name
                    ),
                ));
            }
        }
    }
    // An obligation cannot be satisfied while a control it relies on failed.
    for j in &p.jurisdictions {
        for o in j
            .obligations
            .iter()
            .filter(|o| o.evidence == EvidenceStatus::Satisfied)
        {
            if let Some(c) = p.controls.iter().find(|c| {
                c.evidence == EvidenceStatus::Failed && o.controls.iter().any(|id| id == &c.id)
            }) {
                return Err(Rejection::new(
                    "evidence-failed",
                    format!(
                        "obligation `{}` is attested satisfied, but control `{}` it relies on is attested failed",
                        o.id, c.id
                    ),
                ));
            }
        }
    }
    for e in &p.evidence {
        if let Some(subject) = &e.subject
            && subject.profile_digest != p.profile.digest
        {
            return Err(Rejection::new(
                "evidence-subject",
                format!(
                    "evidence `{}` is about `{}` ({}), not the attested profile `{}` ({})",
                    e.name, subject.name, subject.profile_digest, p.profile.name, p.profile.digest
                ),
            ));
        }
    }
    Ok(())
}

/// Evidence files given to `verify`, judged by what they say, must not
/// contradict what is attested about them.
fn check_given_evidence(statement: &Statement, files: &[GivenFile]) -> Result<(), Rejection> {
    let p = &statement.predicate;
    for file in files.iter().filter(|f| f.role == Role::Evidence) {
        let (Some(accord_assess::Verdict::Failed(reasons)), Some(attested)) =
            (&file.verdict, p.evidence_by_sha256(&file.sha256))
        else {
            continue;
        };
        let satisfied: Vec<&str> = p
            .controls
            .iter()
            .filter(|c| {
                c.evidence == EvidenceStatus::Satisfied && c.evidence_files.contains(&file.sha256)
            })
            .map(|c| c.id.as_str())
            .collect();
        if attested.passed != Some(false) || !satisfied.is_empty() {
            return Err(Rejection::new(
                "evidence-failed",
                format!(
                    "evidence `{}` did not pass ({}), but the attestation records it as {}{}",
                    file.path,
                    reasons.join("; "),
                    match attested.passed {
                        Some(true) => "passed",
                        Some(false) => "failed",
                        None => "without a result",
                    },
                    if satisfied.is_empty() {
                        String::new()
                    } else {
                        format!(" and control(s) {} as satisfied", satisfied.join(", "))
                    }
                ),
            ));
        }
    }
    Ok(())
}

fn check_scope(
    agreement: &Agreement,
    entry: &IssuerEntry,
    predicate: &Predicate,
    recognise_as: Option<&str>,
) -> Result<(), Rejection> {
    if let Some(j) = recognise_as
        && !entry.scope.allows_jurisdiction(j)
    {
        return Err(Rejection::new(
            "out-of-scope",
            format!(
                "issuer `{}` is trusted under agreement `{}` for {} only, not for {j}",
                entry.id,
                agreement.file.id,
                entry.scope.jurisdictions.join(", ")
            ),
        ));
    }
    let claimed: Vec<&str> = predicate
        .satisfied_controls()
        .map(|c| c.id.as_str())
        .collect();
    if !claimed.is_empty() && !claimed.iter().any(|c| entry.scope.allows_control(c)) {
        return Err(Rejection::new(
            "out-of-scope",
            format!(
                "issuer `{}` is trusted for controls {} only; this attestation claims {}",
                entry.id,
                entry.scope.controls.join(", "),
                claimed.join(", ")
            ),
        ));
    }
    Ok(())
}
