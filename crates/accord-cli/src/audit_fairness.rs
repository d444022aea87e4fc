//! `accord audit fairness`: selection rates, impact ratios, error rates, the
//! four-fifths screen and the NYC LL144 bias-audit tables from a CSV, JSON
//! lines or Parquet table; writes `evidence/v1` of kind `fairness-audit`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use accord_data::{DataError, Input, TableOptions};
use accord_fairness::engine::{self, AuditSpec};
use accord_fairness::filter::Filter;
use accord_fairness::metrics::{self, AuditOptions};
use accord_fairness::report::{
    self, Auditor, DataQuality, InputDigest, MalformedRow, ReportContext, SkippedInput,
};
use accord_fairness::{FairnessError, Tally};
use accord_model::Diagnostic;

use crate::output::{Diagnostics, emit, write_atomically};

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FairnessFormat {
    Text,
    /// The evidence/v1 object (CONTRACT.md §7).
    Json,
    /// One self-contained page with a bar chart of selection rates.
    Html,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FairnessFailOn {
    /// Exit 0 whatever the metrics.
    Never,
    /// Exit 1 when an impact ratio is below 0.8 (29 CFR 1607.4(D)).
    FourFifths,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Label and prediction values: 1/0, true/false or yes/no (any case; numbers 1.0/0.0 too). \
1, true, yes is the positive outcome (selected, for the prediction). Any other value, \
empty included, stops the audit with exit code 2 and its row number.

Groups: every observed combination of the --group columns' values (a missing value is a \
group value of its own, null). The LL144 tables take each column alone and all together; \
rows whose value is missing, empty, `unknown` or a --unknown value are counted as the \
unknown category and left out of those tables' rates.

Examples:
  accord audit fairness hires.csv --group sex --group race --label hired --pred selected
  accord audit fairness scores.parquet -g sex -g race --label y --pred p --score s --format html -o audit.html
  accord audit fairness data/ -g sex --label y --pred p --where \"region = 'EU' and year >= 2025\" --evidence fairness.json")]
pub struct FairnessArgs {
    /// CSV, TSV, JSON lines or Parquet files (optionally .gz or .zst), or folders of them; all are read as one table.
    #[arg(required = true, value_name = "DATA")]
    data: Vec<PathBuf>,
    /// A group column (sex, race/ethnicity, ...); repeat it, or separate with commas, for intersectional groups.
    #[arg(
        long = "group",
        short = 'g',
        required = true,
        value_name = "COL",
        value_delimiter = ','
    )]
    groups: Vec<String>,
    /// The column of true outcomes (1/0, true/false, yes/no).
    #[arg(long, value_name = "COL")]
    label: String,
    /// The column of the system's decisions: 1 = selected (1/0, true/false, yes/no).
    #[arg(long = "pred", visible_alias = "prediction", value_name = "COL")]
    pred: String,
    /// A numeric score column: adds LL144 scoring rates (share scoring above the sample median).
    #[arg(long, value_name = "COL")]
    score: Option<String>,
    /// Keep only the rows that match, e.g. "region = 'EU' and year >= 2025"
    /// (=, !=, <, <=, >, >=; and, or, not, parentheses; 'text' or numbers).
    #[arg(long = "where", value_name = "FILTER")]
    filter: Option<String>,
    /// A group value that means "unknown" for the LL144 tables (besides missing, empty and `unknown`); repeatable.
    #[arg(long = "unknown", value_name = "VALUE")]
    unknown: Vec<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = FairnessFormat::Text)]
    format: FairnessFormat,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Also write the evidence/v1 file (kind fairness-audit) here, for `accord assess --evidence`.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// The auditor's name, recorded in the evidence (LL144 audits name their auditor).
    #[arg(long, value_name = "NAME")]
    auditor: Option<String>,
    /// State that the auditor is independent (6 RCNY § 5-300: not involved in developing,
    /// distributing or using the tool, no employment or financial interest); the evidence then
    /// also names the control `independent-audit`. Accord records the statement, it cannot check it.
    #[arg(long, requires = "auditor")]
    independent: bool,
    /// Exit 1 when this is found.
    #[arg(long, value_enum, default_value_t = FairnessFailOn::Never)]
    fail_on: FairnessFailOn,
    /// Threads that count rows, besides the one reading (default: the number of cores less one, 1 to 4).
    #[arg(long, value_name = "N", hide = true)]
    threads: Option<usize>,
}

fn bad_input(subject: &str, message: impl Into<String>) -> anyhow::Error {
    Diagnostics::from(Diagnostic::new(subject, None, message)).into()
}

fn quote(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A spinner on stderr once reading has taken more than a second, when stderr is a terminal.
struct Progress {
    start: Instant,
    bar: Option<indicatif::ProgressBar>,
    enabled: bool,
    rows_before: u64,
}

impl Progress {
    fn new() -> Self {
        Progress {
            start: Instant::now(),
            bar: None,
            enabled: std::io::stderr().is_terminal(),
            rows_before: 0,
        }
    }

    fn update(&mut self, path: &str, rows: u64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() > Duration::from_secs(1) {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} {human_pos} rows {per_sec} {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_message(path.to_string());
            bar.set_position(self.rows_before + rows);
        }
    }

    fn finish_input(&mut self, rows: u64) {
        self.rows_before += rows;
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Counting threads: one core is the reader's; more than four never keep up
/// with less than the reader gives them, and each holds two batches in flight.
fn workers(requested: Option<usize>) -> usize {
    requested
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .saturating_sub(1)
                .min(4)
        })
        .max(1)
}

pub fn run(args: FairnessArgs) -> anyhow::Result<ExitCode> {
    let filter = match &args.filter {
        Some(text) => Some(Filter::parse(text).map_err(|e| bad_input("--where", e.to_string()))?),
        None => None,
    };
    let groups: Vec<String> = args
        .groups
        .iter()
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
        .collect();
    if groups.is_empty() {
        return Err(bad_input("--group", "name at least one group column"));
    }
    let spec = AuditSpec {
        groups,
        label: args.label.clone(),
        prediction: args.pred.clone(),
        score: args.score.clone(),
        filter,
    };
    let inputs = accord_data::discover(&args.data).map_err(|e| bad_input("DATA", e.to_string()))?;
    if inputs.is_empty() {
        return Err(bad_input(
            "DATA",
            "no input files found (CSV, TSV, JSON lines or Parquet)",
        ));
    }

    // Check every input's columns before reading any rows: a missing column is
    // a mistake in the command, not in one file.
    let wanted = spec.columns();
    let mut skipped: Vec<SkippedInput> = Vec::new();
    let mut readable: Vec<&Input> = Vec::new();
    let mut problems = Vec::new();
    for input in &inputs {
        let available = match accord_data::columns(input) {
            Ok(columns) => columns,
            Err(error @ (DataError::Io { .. } | DataError::NotFound { .. })) => {
                eprintln!("error: {error}; skipped");
                skipped.push(SkippedInput {
                    path: input.display.clone(),
                    error: error.to_string(),
                });
                continue;
            }
            Err(error) => {
                problems.push(Diagnostic::new(
                    input.display.clone(),
                    None,
                    error.to_string(),
                ));
                continue;
            }
        };
        if available.is_empty() {
            problems.push(Diagnostic::new(
                input.display.clone(),
                None,
                "the input is empty: no columns and no rows to audit",
            ));
            continue;
        }
        let missing: Vec<String> = [&spec.label, &spec.prediction]
            .into_iter()
            .chain(&spec.groups)
            .chain(spec.score.iter())
            .filter(|c| !available.contains(c))
            .cloned()
            .collect();
        if !missing.is_empty() {
            problems.push(
                Diagnostic::new(
                    input.display.clone(),
                    None,
                    format!(
                        "no column {}; the columns are: {}",
                        quote(&missing),
                        quote(&available)
                    ),
                )
                .with_hint("name columns with --group, --label, --pred and --score"),
            );
            continue;
        }
        if let Some(Err(error)) = spec.filter.as_ref().map(|f| f.check_columns(&available)) {
            problems.push(Diagnostic::new("--where", None, error.to_string()));
            continue;
        }
        readable.push(input);
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }

    // Digests are computed on another thread while the rows are read.
    let paths: Vec<(String, PathBuf)> = readable
        .iter()
        .map(|i| (i.display.clone(), i.path.clone()))
        .collect();
    let hashing = std::thread::Builder::new()
        .name("fairness-sha256".into())
        .spawn(move || {
            paths
                .into_iter()
                .map(|(display, path)| (display, crate::output::sha256_file(&path)))
                .collect::<Vec<_>>()
        })
        .context("Cannot start a thread")?;

    let workers = workers(args.threads);
    let mut tally = Tally::new(spec.groups.clone());
    tally.scored = spec.score.is_some();
    let mut data = DataQuality::default();
    let mut progress = Progress::new();
    let options = TableOptions {
        columns: wanted,
        batch_rows: 1 << 16,
        ..TableOptions::default()
    };
    for input in &readable {
        let mut reader = match accord_data::table(input, &options) {
            Ok(reader) => reader,
            Err(error) => {
                eprintln!("error: {error}; skipped");
                skipped.push(SkippedInput {
                    path: input.display.clone(),
                    error: error.to_string(),
                });
                continue;
            }
        };
        let display = input.display.clone();
        let result = engine::run(&mut reader, &spec, workers, |_, rows| {
            progress.update(&display, rows)
        });
        let report = reader.report();
        match result {
            Ok(part) => {
                progress.finish_input(part.rows_read);
                tally.merge(part);
            }
            Err(error @ FairnessError::Data(_)) => {
                // The input broke off (a corrupt stream): none of its rows are counted.
                eprintln!("error: {error}; skipped");
                skipped.push(SkippedInput {
                    path: input.display.clone(),
                    error: error.to_string(),
                });
                continue;
            }
            Err(error) => {
                progress.clear();
                return Err(bad_input(&input.display, error.to_string()));
            }
        }
        data.malformed_rows += report.malformed;
        data.invalid_utf8 += report.invalid_utf8;
        for (row, message) in &report.malformed_examples {
            if data.malformed_examples.len() < 20 {
                data.malformed_examples.push(MalformedRow {
                    row: *row,
                    message: if readable.len() > 1 {
                        format!("{}: {message}", input.display)
                    } else {
                        message.clone()
                    },
                });
            }
        }
        if report.invalid_utf8 > 0 {
            eprintln!(
                "warning: {}: {} invalid UTF-8 sequence{} replaced by U+FFFD",
                input.display,
                report.invalid_utf8,
                if report.invalid_utf8 == 1 { "" } else { "s" }
            );
        }
        if report.malformed > 0 {
            let examples: Vec<String> = report
                .malformed_examples
                .iter()
                .take(5)
                .map(|(row, message)| format!("  {}:{row}: {message}", input.display))
                .collect();
            eprintln!(
                "warning: {}: {} malformed row{} skipped{}\n{}",
                input.display,
                report.malformed,
                if report.malformed == 1 { "" } else { "s" },
                if report.malformed as usize > examples.len() {
                    format!(" (the first {} shown)", examples.len())
                } else {
                    String::new()
                },
                examples.join("\n")
            );
        }
    }
    progress.clear();
    data.inputs_skipped = skipped.clone();

    let digests = hashing.join().map_err(|_| {
        anyhow::anyhow!("Internal error (this is a bug): the hashing thread panicked")
    })?;
    let mut input_digests = Vec::new();
    for (display, digest) in digests {
        if skipped.iter().any(|s| s.path == display) {
            continue;
        }
        let sha256 = digest.with_context(|| format!("Cannot read `{display}`"))?;
        input_digests.push(InputDigest {
            path: display,
            sha256,
        });
    }

    let shown = readable
        .iter()
        .map(|i| format!("`{}`", i.display))
        .collect::<Vec<_>>()
        .join(", ");
    if tally.rows_read == 0 {
        if readable.is_empty() {
            return Err(bad_input(
                "DATA",
                "no input could be read; nothing to audit",
            ));
        }
        return Err(bad_input(
            "DATA",
            format!(
                "{shown} {} no rows to audit{}",
                if readable.len() == 1 { "has" } else { "have" },
                if data.malformed_rows > 0 {
                    format!(" ({} malformed rows skipped)", data.malformed_rows)
                } else {
                    " (the input is empty)".to_string()
                }
            ),
        ));
    }
    if tally.rows_audited == 0 {
        return Err(bad_input(
            "--where",
            format!(
                "the filter `{}` kept none of the {} rows read",
                args.filter.as_deref().unwrap_or_default(),
                tally.rows_read
            ),
        ));
    }

    let mut unknown_values = vec!["unknown".to_string()];
    unknown_values.extend(args.unknown.iter().cloned());
    let audit = metrics::audit(
        &tally,
        &AuditOptions {
            label: spec.label.clone(),
            prediction: spec.prediction.clone(),
            score: spec.score.clone(),
            filter: args.filter.clone(),
            unknown_values,
            ..AuditOptions::default()
        },
    );
    let produced_at = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let context = ReportContext {
        produced_at,
        inputs: input_digests,
        version: env!("CARGO_PKG_VERSION").to_string(),
        data,
        auditor: args.auditor.as_ref().map(|name| Auditor {
            name: name.clone(),
            independent: args.independent,
        }),
    };
    let evidence = report::evidence(&audit, &context)?;
    let evidence_json = {
        let mut text = serde_json::to_string_pretty(&evidence)?;
        text.push('\n');
        text
    };
    let rendered = match args.format {
        FairnessFormat::Text => report::text(&audit, &context),
        FairnessFormat::Json => evidence_json.clone(),
        FairnessFormat::Html => report::html(&audit, &context)?,
    };
    if let Some(path) = &args.evidence {
        write_atomically(path, evidence_json.as_bytes())?;
    }
    emit(args.output.as_deref(), &rendered)?;

    if !skipped.is_empty() {
        eprintln!(
            "error: {} input{} could not be read and {} skipped: {}",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            if skipped.len() == 1 { "was" } else { "were" },
            skipped
                .iter()
                .map(|s| format!("`{}`", s.path))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    if args.fail_on == FairnessFailOn::FourFifths && audit.four_fifths.flagged == Some(true) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
