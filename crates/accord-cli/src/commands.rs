//! The subcommands.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use serde::Serialize;

use accord_assess::conformance::{self, Report};
use accord_assess::{Assessor, Options};
use accord_model::assessment::Question;
use accord_model::doc::did_you_mean;
use accord_model::{Assessment, Diagnostic, Status};
use accord_rules::{RuleKind, RuleSet};

use crate::output::{Diagnostics, emit, stdout_color};
use crate::{
    AssessArgs, CrosswalkArgs, ExplainArgs, FailOn, Format, QuestionsArgs, RuleOptions, SchemaName,
    input, interactive,
};

fn json<T: Serialize>(value: &T) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

fn unsupported(format: Format, command: &str, supported: &str) -> anyhow::Error {
    let name = format!("{format:?}").to_lowercase();
    Diagnostics::from(
        Diagnostic::new(
            "--format",
            None,
            format!("`accord {command}` does not write {name}"),
        )
        .with_hint(format!("use one of: {supported}")),
    )
    .into()
}

fn failed(assessment: &Assessment, fail_on: FailOn) -> bool {
    match fail_on {
        FailOn::Never => false,
        FailOn::Prohibited => assessment.summary.prohibited,
        FailOn::Gap => assessment.summary.gaps > 0 || assessment.summary.prohibited,
        FailOn::EvidenceFailed => {
            assessment.summary.evidence_failed > 0
                || assessment
                    .evidence
                    .iter()
                    .any(|e| e.counted && e.passed == Some(false))
        }
        FailOn::Undetermined => assessment.jurisdictions.iter().any(|j| {
            j.classifications
                .iter()
                .any(|c| c.status == Status::Undetermined)
                || j.obligations
                    .iter()
                    .any(|o| o.status == Status::Undetermined)
        }),
    }
}

pub fn assess(args: AssessArgs) -> anyhow::Result<ExitCode> {
    let rules = input::rules(&args.rules)?;
    let as_of = input::as_of(args.as_of.as_deref())?;
    let jurisdictions = input::jurisdictions(&args.jurisdictions)?;
    let evidence = input::evidence(&args.evidence)?;
    let mut paths = input::profile_paths(&args.profiles)?;
    let many = paths.len() > 1 || args.profiles.iter().any(|p| p.is_dir());
    let options = Options {
        as_of,
        jurisdictions,
    };
    let assessor = Assessor {
        rules: &rules,
        evidence: &evidence,
        options,
    };

    if args.interactive {
        if paths.len() != 1 {
            bail!(
                "--interactive completes one profile at a time; {} were given",
                paths.len()
            );
        }
        let completed = interactive::complete(&paths[0], &assessor, args.save.as_deref())?;
        paths = vec![completed];
    }

    if args.format == Format::Jsonl {
        return assess_stream(&assessor, &paths, &args);
    }

    // Read every profile before writing anything, so that one bad file stops the run cleanly.
    let mut inputs = Vec::with_capacity(paths.len());
    let mut problems = Vec::new();
    let bar = progress(paths.len(), "reading");
    for path in &paths {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        match input::profile(path, &rules) {
            Ok(p) => inputs.push(p),
            Err(e) => match e.downcast::<Diagnostics>() {
                Ok(d) => problems.extend(d.0),
                Err(e) => return Err(e),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let bar = progress(inputs.len(), "assessing");
    let assessments: Vec<Assessment> = inputs
        .iter()
        .map(|p| {
            if let Some(bar) = &bar {
                bar.inc(1);
            }
            assessor.assess(p)
        })
        .collect();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let content = match args.format {
        Format::Json if many => json(&assessments)?,
        Format::Json => json(&assessments[0])?,
        Format::Text => {
            let palette = accord_report::Palette {
                color: args.output.is_none() && stdout_color(args.color),
            };
            assessments
                .iter()
                .map(|a| accord_report::text::render(a, palette))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Format::Markdown => accord_report::markdown(&assessments)?,
        Format::Html => accord_report::html(&assessments)?,
        Format::Jsonl => unreachable!("handled above"),
    };
    emit(args.output.as_deref(), &content)?;
    if let Some(path) = &args.output {
        eprintln!(
            "wrote {} ({} profile{})",
            path.display(),
            assessments.len(),
            if assessments.len() == 1 { "" } else { "s" }
        );
    }
    let mut warned = std::collections::HashSet::new();
    for a in &assessments {
        warn_evidence(a, &mut warned);
    }
    let hit = assessments.iter().any(|a| failed(a, args.fail_on));
    Ok(if hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Says on stderr, once each, which evidence failed, was not counted or is not
/// bound to a system (the reports say it too; this reaches JSON users).
fn warn_evidence(assessment: &Assessment, warned: &mut std::collections::HashSet<String>) {
    for e in &assessment.evidence {
        for note in &e.notes {
            let line = if note.starts_with("not counted") {
                format!(
                    "warning: {} for `{}`: {note}",
                    e.path, assessment.profile.name
                )
            } else {
                format!("warning: {}: {note}", e.path)
            };
            if warned.insert(line.clone()) {
                eprintln!("{line}");
            }
        }
    }
}

/// A progress bar on stderr for runs long enough to want one, hidden when stderr is not a terminal.
fn progress(len: usize, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || len < 500 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    let template =
        format!("{{spinner}} {what} {{pos}}/{{len}} profiles [{{bar:30}}] {{per_sec}} {{eta}}");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// One assessment per line, streamed; a progress bar on stderr for long runs.
fn assess_stream(
    assessor: &Assessor<'_>,
    paths: &[PathBuf],
    args: &AssessArgs,
) -> anyhow::Result<ExitCode> {
    let bar = progress(paths.len(), "assessing");
    let mut temp = match &args.output {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Some(
                tempfile::NamedTempFile::new_in(dir)
                    .map_err(|e| anyhow::anyhow!("Cannot write to `{}`: {e}", dir.display()))?,
            )
        }
        None => None,
    };
    let stdout = std::io::stdout();
    let mut out: Box<dyn std::io::Write> = match &mut temp {
        Some(file) => Box::new(std::io::BufWriter::new(file.as_file_mut())),
        None => Box::new(std::io::BufWriter::new(stdout.lock())),
    };
    let mut hit = false;
    let mut bad = 0usize;
    let mut warned = std::collections::HashSet::new();
    for path in paths {
        match input::profile(path, assessor.rules) {
            Ok(profile) => {
                let assessment = assessor.assess(&profile);
                if let Some(bar) = &bar {
                    bar.suspend(|| warn_evidence(&assessment, &mut warned));
                } else {
                    warn_evidence(&assessment, &mut warned);
                }
                hit |= failed(&assessment, args.fail_on);
                serde_json::to_writer(&mut out, &assessment)?;
                out.write_all(b"\n")?;
            }
            Err(e) => {
                bad += 1;
                if let Some(bar) = &bar {
                    bar.suspend(|| crate::output::report_error(&e));
                } else {
                    crate::output::report_error(&e);
                }
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    out.flush()?;
    drop(out);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if bad > 0 {
        eprintln!(
            "{bad} of {} profiles could not be read; {}",
            paths.len(),
            if temp.is_some() {
                "nothing was written"
            } else {
                "they were skipped"
            }
        );
        return Ok(ExitCode::from(2));
    }
    if let (Some(file), Some(path)) = (temp, &args.output) {
        file.persist(path)
            .map_err(|e| anyhow::anyhow!("Cannot write `{}`: {}", path.display(), e.error))?;
        eprintln!("wrote {} ({} profiles)", path.display(), paths.len());
    }
    Ok(if hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Questions of all jurisdictions, merged by fact.
pub fn merged_questions(assessment: &Assessment) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    for j in &assessment.jurisdictions {
        for q in &j.questions {
            match out.iter_mut().find(|o| o.fact == q.fact) {
                Some(o) => {
                    for d in &q.decides {
                        if !o.decides.contains(d) {
                            o.decides.push(d.clone());
                        }
                    }
                }
                None => out.push(q.clone()),
            }
        }
    }
    out.sort_by(|a, b| {
        b.decides
            .len()
            .cmp(&a.decides.len())
            .then(a.fact.cmp(&b.fact))
    });
    out
}

pub fn questions(args: QuestionsArgs) -> anyhow::Result<ExitCode> {
    let rules = input::rules(&args.rules)?;
    let as_of = input::as_of(args.as_of.as_deref())?;
    let jurisdictions = input::jurisdictions(&args.jurisdictions)?;
    let profile = input::profile(&args.profile, &rules)?;
    let assessor = Assessor {
        rules: &rules,
        evidence: &[],
        options: Options {
            as_of,
            jurisdictions,
        },
    };
    let assessment = assessor.assess(&profile);
    let questions = merged_questions(&assessment);
    let content = match args.format {
        Format::Json => json(&questions)?,
        Format::Text => {
            let mut out = String::new();
            if questions.is_empty() {
                let _ = writeln!(
                    out,
                    "No open questions: every outcome for {} is determined.",
                    profile.name
                );
            } else {
                let _ = writeln!(
                    out,
                    "{} facts about {} are unknown and change the outcome:\n",
                    questions.len(),
                    profile.name
                );
            }
            for (i, q) in questions.iter().enumerate() {
                let _ = writeln!(out, "{:>2}. {}\n    {}", i + 1, q.fact, q.question);
                if args.zh
                    && let Some(zh) = &q.question_zh
                {
                    let _ = writeln!(out, "    {zh}");
                }
                let _ = writeln!(
                    out,
                    "    decides: {}\n",
                    accord_report::text::short_list(&q.decides, 8)
                );
            }
            if !questions.is_empty() {
                let _ = writeln!(
                    out,
                    "Answer them in the profile, or run `accord assess {} --interactive`.",
                    args.profile.display()
                );
            }
            out
        }
        other => return Err(unsupported(other, "questions", "text, json")),
    };
    emit(None, &content)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct PackListing<'a> {
    id: &'a str,
    version: &'a str,
    jurisdiction: &'a str,
    title: &'a str,
    title_zh: Option<&'a str>,
    builtin: bool,
    classifications: usize,
    obligations: usize,
    exemptions: usize,
    to_verify: usize,
    instruments: Vec<InstrumentListing<'a>>,
}

#[derive(Serialize)]
struct InstrumentListing<'a> {
    id: &'a str,
    title: &'a str,
    title_zh: Option<&'a str>,
    status: &'a str,
    source: &'a str,
}

pub fn rules_list(
    options: &RuleOptions,
    facts: bool,
    controls: bool,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let rules = input::rules(options)?;
    let mut out = String::new();
    if facts {
        #[derive(Serialize)]
        struct FactListing<'a> {
            id: &'a str,
            r#type: &'a str,
            values: &'a [String],
            declared_by: Option<&'a str>,
            question: &'a str,
        }
        let list: Vec<FactListing<'_>> = rules
            .registry
            .facts()
            .iter()
            .map(|f| FactListing {
                id: &f.id,
                r#type: f.kind.as_str(),
                values: &f.values,
                declared_by: f.declared_by.as_deref(),
                question: &f.question,
            })
            .collect();
        match format {
            Format::Json => out = json(&list)?,
            Format::Text => {
                for f in &list {
                    let by = f
                        .declared_by
                        .map(|b| format!("  (declared by {b})"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "{:<52} {:<8}{by}", f.id, f.r#type);
                    if !f.values.is_empty() {
                        let _ = writeln!(out, "    values: {}", f.values.join(", "));
                    }
                }
            }
            other => return Err(unsupported(other, "rules list", "text, json")),
        }
    } else if controls {
        let counts = |id: &str| {
            rules
                .rules
                .iter()
                .filter(|r| r.controls.iter().any(|m| m.id == id))
                .count()
        };
        match format {
            Format::Json => {
                let list: Vec<serde_json::Value> = rules
                    .catalogue
                    .controls
                    .iter()
                    .map(|c| serde_json::json!({"id": c.id, "title": c.title, "title_zh": c.title_zh, "description": c.description, "nist_ai_rmf": c.nist_ai_rmf, "obligations": counts(&c.id)}))
                    .collect();
                out = json(&list)?;
            }
            Format::Text => {
                for c in &rules.catalogue.controls {
                    let _ = writeln!(
                        out,
                        "{:<32} {:>3} obligations  {}",
                        c.id,
                        counts(&c.id),
                        c.title
                    );
                }
            }
            other => return Err(unsupported(other, "rules list", "text, json")),
        }
    } else {
        let list: Vec<PackListing<'_>> = rules
            .packs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let of = |k: RuleKind| {
                    rules
                        .rules
                        .iter()
                        .filter(|r| r.pack == i && r.kind == k)
                        .count()
                };
                PackListing {
                    id: &p.id,
                    version: &p.version,
                    jurisdiction: &p.jurisdiction,
                    title: &p.title,
                    title_zh: p.title_zh.as_deref(),
                    builtin: p.builtin,
                    classifications: of(RuleKind::Classification),
                    obligations: of(RuleKind::Obligation),
                    exemptions: of(RuleKind::Exemption),
                    to_verify: rules
                        .rules
                        .iter()
                        .filter(|r| {
                            r.pack == i
                                && r.verification == accord_rules::pack::Verification::ToVerify
                        })
                        .count(),
                    instruments: p
                        .instruments
                        .iter()
                        .map(|i| InstrumentListing {
                            id: &i.id,
                            title: &i.title,
                            title_zh: i.title_zh.as_deref(),
                            status: i.status.as_str(),
                            source: &i.source,
                        })
                        .collect(),
                }
            })
            .collect();
        match format {
            Format::Json => out = json(&list)?,
            Format::Text => {
                let _ = writeln!(
                    out,
                    "{:<18} {:<12} {:<10} {:>5} {:>5} {:>5} {:>9}  title",
                    "rulepack", "version", "juris.", "class", "oblig", "exempt", "to verify"
                );
                for p in &list {
                    let _ = writeln!(
                        out,
                        "{:<18} {:<12} {:<10} {:>5} {:>5} {:>5} {:>9}  {}{}",
                        p.id,
                        p.version,
                        p.jurisdiction,
                        p.classifications,
                        p.obligations,
                        p.exemptions,
                        p.to_verify,
                        p.title,
                        p.title_zh.map(|z| format!(" · {z}")).unwrap_or_default()
                    );
                }
                let total = rules.rules.len();
                let to_verify: usize = list.iter().map(|p| p.to_verify).sum();
                let _ = writeln!(
                    out,
                    "\n{} rulepacks, {total} rules ({to_verify} to verify against the primary text), {} controls",
                    list.len(),
                    rules.catalogue.controls.len()
                );
            }
            other => return Err(unsupported(other, "rules list", "text, json")),
        }
    }
    emit(None, &out)?;
    Ok(ExitCode::SUCCESS)
}

fn not_found(rules: &RuleSet, id: &str) -> anyhow::Error {
    let candidates = rules
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .chain(rules.classification_producers.keys().map(String::as_str))
        .chain(rules.catalogue.controls.iter().map(|c| c.id.as_str()))
        .chain(rules.registry.facts().iter().map(|f| f.id.as_str()))
        .chain(rules.packs.iter().map(|p| p.id.as_str()));
    let mut d = Diagnostic::new(
        id,
        None,
        format!("No rule, classification, control, fact or rulepack is called `{id}`"),
    );
    d = match did_you_mean(id, candidates) {
        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
        None => d.with_hint(
            "`accord rules list` lists the rulepacks; `accord rules list --controls` the controls",
        ),
    };
    Diagnostics::from(d).into()
}

fn rule_text(rules: &RuleSet, index: usize) -> String {
    let r = &rules.rules[index];
    let pack = &rules.packs[r.pack];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  ({} in rulepack `{}` {}, {})",
        r.id,
        r.kind.as_str(),
        pack.id,
        pack.version,
        r.jurisdiction
    );
    let _ = writeln!(out, "{}", r.title);
    if let Some(zh) = &r.title_zh {
        let _ = writeln!(out, "{zh}");
    }
    if let Some(c) = &r.classification {
        let _ = writeln!(
            out,
            "\nClassifies: {c}{}",
            r.effect
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(out, "\nCitation:   {}", r.citation);
    let _ = writeln!(
        out,
        "Instrument: {} [{}]",
        r.instrument.title,
        r.instrument.status.as_str()
    );
    if let Some(zh) = &r.instrument.title_zh {
        let _ = writeln!(out, "            {zh}");
    }
    let _ = writeln!(out, "Source:     {}", r.source);
    let _ = writeln!(
        out,
        "Checked:    {}",
        if r.verification == accord_rules::pack::Verification::Verified {
            "verified against the primary text"
        } else {
            "to verify against the primary text"
        }
    );
    if let Some(note) = r.note.as_ref().or(r.instrument.note.as_ref()) {
        let _ = writeln!(out, "Note:       {note}");
    }
    match (r.applies_from, r.applies_until) {
        (Some(f), Some(u)) => {
            let _ = writeln!(out, "Applies:    from {f} until {u}");
        }
        (Some(f), None) => {
            let _ = writeln!(out, "Applies:    from {f}");
        }
        (None, Some(u)) => {
            let _ = writeln!(out, "Applies:    until {u}");
        }
        (None, None) => {}
    }
    for t in &r.transitional {
        let _ = writeln!(
            out,
            "            from {} instead when:\n{}",
            t.applies_from,
            indent(&rules.describe(&t.when), 14)
        );
    }
    if !r.binds.is_empty() {
        let _ = writeln!(out, "Binds:      {}", r.binds.join(", "));
    }
    let _ = writeln!(
        out,
        "\nWhen (in markets within {}):\n{}",
        r.jurisdiction,
        indent(&rules.describe(&r.when), 2)
    );
    if let Some(b) = &r.because {
        let _ = writeln!(out, "Why: {b}");
    }
    if let Some(b) = &r.because_zh {
        let _ = writeln!(out, "     {b}");
    }
    if let Some(d) = &r.deadline {
        let _ = writeln!(out, "Deadline: {d}");
    }
    if !r.controls.is_empty() {
        let _ = writeln!(out, "\nWhat to do — controls that satisfy it:");
        for m in &r.controls {
            let title = rules
                .catalogue
                .get(&m.id)
                .map(|c| c.title.as_str())
                .unwrap_or("");
            let _ = writeln!(
                out,
                "  {} ({title}): obligation {} control — {}",
                m.id,
                m.relation.as_str(),
                m.rationale
            );
        }
    }
    if !r.evidence.is_empty() {
        let _ = writeln!(out, "\nEvidence expected:");
        for e in &r.evidence {
            let age = e
                .max_age_days
                .map(|d| format!(", at most {d} days old"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}: {}{age}", e.kind, e.description);
            for t in &e.thresholds {
                let _ = writeln!(out, "    {} {} {}", t.name, t.op.symbol(), t.value);
            }
        }
    }
    if !r.exempts.is_empty() {
        let _ = writeln!(
            out,
            "\nExempts: {}",
            r.exempts
                .iter()
                .map(|&t| rules.rules[t].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !r.exempted_by.is_empty() {
        let _ = writeln!(
            out,
            "\nExempted by: {}",
            r.exempted_by
                .iter()
                .map(|&t| rules.rules[t].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nDefined at {}:{}:{}",
        r.location.file, r.location.line, r.location.column
    );
    out
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rule_json(rules: &RuleSet, index: usize) -> serde_json::Value {
    let r = &rules.rules[index];
    serde_json::json!({
        "id": r.id, "kind": r.kind, "pack": rules.packs[r.pack].id, "jurisdiction": r.jurisdiction,
        "classification": r.classification, "effect": r.effect, "title": r.title, "title_zh": r.title_zh,
        "citation": r.citation, "source": r.source, "verification": r.verification, "note": r.note,
        "instrument": {"id": r.instrument.id, "title": r.instrument.title, "title_zh": r.instrument.title_zh, "status": r.instrument.status, "source": r.instrument.source},
        "applies_from": r.applies_from.map(|d| d.to_string()), "applies_until": r.applies_until.map(|d| d.to_string()),
        "condition": rules.describe(&r.when), "because": r.because, "because_zh": r.because_zh, "binds": r.binds,
        "controls": r.controls, "evidence": r.evidence, "deadline": r.deadline,
        "exempts": r.exempts.iter().map(|&t| rules.rules[t].id.clone()).collect::<Vec<_>>(),
        "exempted_by": r.exempted_by.iter().map(|&t| rules.rules[t].id.clone()).collect::<Vec<_>>(),
        "location": format!("{}:{}:{}", r.location.file, r.location.line, r.location.column),
    })
}

pub fn rules_show(options: &RuleOptions, id: &str, format: Format) -> anyhow::Result<ExitCode> {
    let rules = input::rules(options)?;
    let Some(index) = rules.rule_index(id) else {
        return Err(not_found(&rules, id));
    };
    let content = match format {
        Format::Json => json(&rule_json(&rules, index))?,
        Format::Text => rule_text(&rules, index),
        other => return Err(unsupported(other, "rules show", "text, json")),
    };
    emit(None, &content)?;
    Ok(ExitCode::SUCCESS)
}

pub fn rules_check(options: &RuleOptions, dirs: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let rules = input::rules_with(options, dirs)?;
    for dir in dirs {
        for source in input::pack_sources(dir)? {
            if let Some((i, pack)) = rules
                .packs
                .iter()
                .enumerate()
                .find(|(_, p)| p.root == source.root)
            {
                let count = rules.rules.iter().filter(|r| r.pack == i).count();
                let to_verify = rules
                    .rules
                    .iter()
                    .filter(|r| {
                        r.pack == i && r.verification == accord_rules::pack::Verification::ToVerify
                    })
                    .count();
                println!(
                    "ok: {} {} ({}): {count} rules, {to_verify} to verify",
                    pack.id, pack.version, pack.root
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a file a test refers to: from the built-in data for built-in packs, else from disk.
fn resolver(path: &str) -> Result<String, String> {
    if let Some(text) = accord_builtin::file(path) {
        return Ok(text.to_string());
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))
}

pub fn run_tests(rules: &RuleSet, sources: &[accord_rules::PackSource]) -> Vec<(String, Report)> {
    let mut reports = Vec::new();
    for source in sources {
        let Some(pack) = rules.packs.iter().find(|p| p.root == source.root) else {
            continue;
        };
        let tests: Vec<(String, String)> = source
            .files
            .iter()
            .filter(|f| f.relative.starts_with("tests/"))
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        let resolve = |p: &str| resolver(p);
        reports.push((
            pack.id.clone(),
            conformance::run_pack(rules, &pack.id, &tests, &resolve),
        ));
    }
    reports
}

pub fn rules_test(
    options: &RuleOptions,
    dirs: &[PathBuf],
    bless: bool,
) -> anyhow::Result<ExitCode> {
    let rules = input::rules_with(options, dirs)?;
    let sources: Vec<accord_rules::PackSource> = if dirs.is_empty() {
        accord_builtin::packs()
    } else {
        let mut all = Vec::new();
        for dir in dirs {
            all.extend(input::pack_sources(dir)?);
        }
        all
    };
    let mut reports = run_tests(&rules, &sources);
    if dirs.is_empty() {
        // The shipped examples' expected outcomes run with the built-in packs.
        let tests: Vec<(String, String)> = accord_builtin::files()
            .iter()
            .filter(|(p, _)| p.starts_with("examples/tests/"))
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let resolve = |p: &str| resolver(p);
        reports.push((
            "examples".to_string(),
            conformance::run_pack(&rules, "examples", &tests, &resolve),
        ));
    }
    let mut passed = 0;
    let mut failed = 0;
    let mut problems = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (pack, report) in &reports {
        writeln!(
            out,
            "{pack}: {} cases, {} passed, {} failed",
            report.cases.len(),
            report.passed(),
            report.failed()
        )?;
        for case in report.cases.iter().filter(|c| !c.passed()) {
            writeln!(out, "  FAIL {} ({}:{})", case.name, case.file, case.line)?;
            for f in &case.failures {
                writeln!(out, "       {}", f.replace('\n', "\n       "))?;
            }
            if let (true, Some(observed)) = (bless, &case.observed) {
                {
                    writeln!(
                        out,
                        "       what happened, to review before pasting into the case:"
                    )?;
                    for line in observed.lines() {
                        writeln!(out, "         {line}")?;
                    }
                }
            }
        }
        for p in &report.problems {
            writeln!(out, "  PROBLEM {p}")?;
        }
        passed += report.passed();
        failed += report.failed();
        problems += report.problems.len();
    }
    writeln!(out, "\n{passed} passed, {failed} failed")?;
    if problems > 0 {
        writeln!(
            out,
            "{problems} problems (coverage or unreadable test files)"
        )?;
    }
    Ok(if failed == 0 && problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let rules = input::rules(&args.rules)?;
    let id = args.id.as_str();
    let mut out = String::new();
    let data;
    if let Some(index) = rules.rule_index(id) {
        out = rule_text(&rules, index);
        data = rule_json(&rules, index);
    } else if let Some(producers) = rules.classification_producers.get(id) {
        let _ = writeln!(
            out,
            "{id} — a classification produced by {} rule{}:\n",
            producers.len(),
            if producers.len() == 1 { "" } else { "s" }
        );
        for &p in producers {
            let r = &rules.rules[p];
            let from = r
                .applies_from
                .map(|d| format!(", from {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} ({}{from})\n  {}\n  {}",
                r.title, r.citation, r.id, r.source
            );
            let _ = writeln!(out, "{}", indent(&rules.describe(&r.when), 4));
        }
        let dependents: Vec<&str> = rules
            .rules
            .iter()
            .filter(|r| r.kind == RuleKind::Obligation && mentions_class(&r.when, id))
            .map(|r| r.id.as_str())
            .collect();
        if !dependents.is_empty() {
            let _ = writeln!(
                out,
                "Obligations that follow from it: {}",
                dependents.join(", ")
            );
        }
        data = serde_json::json!({"classification": id, "rules": producers.iter().map(|&p| rule_json(&rules, p)).collect::<Vec<_>>(), "obligations": dependents});
    } else if let Some(control) = rules.catalogue.get(id) {
        let _ = writeln!(out, "{} — {}", control.id, control.title);
        if let Some(zh) = &control.title_zh {
            let _ = writeln!(out, "{zh}");
        }
        let _ = writeln!(out, "\n{}", control.description);
        if !control.nist_ai_rmf.is_empty() {
            let _ = writeln!(out, "NIST AI RMF 1.0: {}", control.nist_ai_rmf.join(", "));
        }
        let mapped: Vec<&accord_rules::Rule> = rules
            .rules
            .iter()
            .filter(|r| r.controls.iter().any(|m| m.id == id))
            .collect();
        let _ = writeln!(out, "\nObligations it serves ({}):", mapped.len());
        for r in &mapped {
            let m = r
                .controls
                .iter()
                .find(|m| m.id == id)
                .map(|m| m.relation.as_str())
                .unwrap_or("");
            let _ = writeln!(
                out,
                "  {:<10} {:<16} {}  ({})",
                r.jurisdiction, m, r.title, r.citation
            );
        }
        data = serde_json::json!({"control": control, "obligations": mapped.iter().map(|r| &r.id).collect::<Vec<_>>()});
    } else if let Some(fact) = rules.registry.get(id) {
        let _ = writeln!(out, "{} — a fact of type {}", fact.id, fact.kind.as_str());
        let _ = writeln!(out, "Question: {}", fact.question);
        if let Some(zh) = &fact.question_zh {
            let _ = writeln!(out, "问题：{zh}");
        }
        if !fact.values.is_empty() {
            let _ = writeln!(out, "Values: {}", fact.values.join(", "));
        }
        if let Some(by) = &fact.declared_by {
            let _ = writeln!(
                out,
                "Declared by rulepack `{by}`; give it in a profile under `facts:`."
            );
        }
        data = serde_json::json!({"fact": fact.id, "type": fact.kind, "values": fact.values, "question": fact.question, "question_zh": fact.question_zh, "declared_by": fact.declared_by});
    } else if let Some(pack) = rules.packs.iter().find(|p| p.id == id) {
        let _ = writeln!(
            out,
            "{} {} — {} ({})",
            pack.id, pack.version, pack.title, pack.jurisdiction
        );
        if let Some(zh) = &pack.title_zh {
            let _ = writeln!(out, "{zh}");
        }
        if let Some(d) = &pack.description {
            let _ = writeln!(out, "\n{d}");
        }
        let _ = writeln!(out, "\nInstruments:");
        for i in &pack.instruments {
            let _ = writeln!(
                out,
                "  [{}] {}{}\n      {}",
                i.status.as_str(),
                i.title,
                i.title_zh
                    .as_deref()
                    .map(|z| format!(" · {z}"))
                    .unwrap_or_default(),
                i.source
            );
            if let Some(n) = &i.note {
                let _ = writeln!(out, "      {n}");
            }
        }
        data = serde_json::json!({"id": pack.id, "version": pack.version, "title": pack.title, "title_zh": pack.title_zh, "jurisdiction": pack.jurisdiction, "digest": pack.digest, "instruments": pack.instruments});
    } else {
        return Err(not_found(&rules, id));
    }
    let content = match args.format {
        Format::Text => out,
        Format::Json => json(&data)?,
        other => return Err(unsupported(other, "explain", "text, json")),
    };
    emit(None, &content)?;
    Ok(ExitCode::SUCCESS)
}

fn mentions_class(node: &accord_rules::Node, id: &str) -> bool {
    match node {
        accord_rules::Node::All(c) | accord_rules::Node::Any(c) => {
            c.iter().any(|n| mentions_class(n, id))
        }
        accord_rules::Node::Not(n) => mentions_class(n, id),
        accord_rules::Node::Classification { id: c, .. } => c == id,
        _ => false,
    }
}

pub fn crosswalk(args: CrosswalkArgs) -> anyhow::Result<ExitCode> {
    let rules = input::rules(&args.rules)?;
    let sides = input::jurisdictions(&[args.left.clone(), args.right.clone()])?;
    let known = |j: &str| {
        rules
            .rules
            .iter()
            .any(|r| accord_model::markets::is_within(&r.jurisdiction, j))
    };
    for j in &sides {
        if !known(j) {
            let d = Diagnostic::new(
                j.clone(),
                None,
                format!("No loaded rulepack has obligations in `{j}`"),
            )
            .with_hint(format!(
                "jurisdictions with rules: {}",
                rules.jurisdictions.join(", ")
            ));
            return Err(Diagnostics::from(d).into());
        }
    }
    let c = accord_assess::crosswalk::crosswalk(&rules, &sides[0], &sides[1]);
    let content = match args.format {
        Format::Json => json(&c)?,
        Format::Markdown => accord_report::crosswalk_markdown(&c)?,
        Format::Html => accord_report::crosswalk_html(&c)?,
        Format::Text => {
            let mut out = String::new();
            let s = &c.summary;
            let _ = writeln!(
                out,
                "Crosswalk {} ↔ {}: {} shared controls\n",
                c.left, c.right, s.shared_controls
            );
            for row in &c.controls {
                let list = |m: &[accord_assess::crosswalk::Mapping]| {
                    if m.is_empty() {
                        "—".to_string()
                    } else {
                        m.iter()
                            .map(|m| format!("{} [{}]", m.citation, m.relation.as_str()))
                            .collect::<Vec<_>>()
                            .join("; ")
                    }
                };
                let _ = writeln!(
                    out,
                    "{} — {}\n  {}: {}\n  {}: {}\n",
                    row.control,
                    row.title,
                    c.left,
                    list(&row.left),
                    c.right,
                    list(&row.right)
                );
            }
            let _ = writeln!(
                out,
                "{} evidence meets {} of {} {} obligations in full, {} in part; {} not covered.",
                c.left,
                s.right_recognised_in_full,
                s.right_obligations,
                c.right,
                s.right_recognised_in_part,
                s.right_not_covered
            );
            let _ = writeln!(
                out,
                "{} evidence meets {} of {} {} obligations in full, {} in part; {} not covered.",
                c.right,
                s.left_recognised_in_full,
                s.left_obligations,
                c.left,
                s.left_recognised_in_part,
                s.left_not_covered
            );
            out
        }
        other => {
            return Err(unsupported(
                other,
                "crosswalk",
                "text, json, markdown, html",
            ));
        }
    };
    emit(args.output.as_deref(), &content)?;
    Ok(ExitCode::SUCCESS)
}

pub fn schema(name: SchemaName) -> anyhow::Result<ExitCode> {
    let schema = match name {
        SchemaName::Profile => schemars::schema_for!(accord_model::Profile),
        SchemaName::Assessment => schemars::schema_for!(accord_model::Assessment),
        SchemaName::Evidence => schemars::schema_for!(accord_model::assessment::Evidence),
        SchemaName::Rulepack => schemars::schema_for!(accord_rules::pack::Manifest),
        SchemaName::Rules => schemars::schema_for!(accord_rules::pack::RuleFile),
        SchemaName::Controls => schemars::schema_for!(accord_rules::pack::CatalogueFile),
        SchemaName::Agreement => {
            schemars::schema_for!(accord_attest::agreement::AgreementFile)
        }
        SchemaName::Attestation => schemars::schema_for!(accord_attest::Statement),
    };
    emit(None, &json(&schema)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Used by --interactive to show progress between rounds.
pub fn open_questions(assessment: &Assessment) -> Vec<Question> {
    merged_questions(assessment)
}
