//! `accord audit fairness`: selection rates, impact ratios, error rates, the
//! four-fifths screen and the NYC LL144 bias-audit tables from a CSV, JSON
//! lines or Parquet table; writes `evidence/v1` of kind `fairness-audit`.
//!
//! Every row is read or the audit fails: an input that cannot be read, or
//! any malformed row beyond what `--max-bad-rows` allows, stops it with exit
//! code 2 before anything is written.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use accord_data::{Input, TableOptions};

use crate::bad_rows::MaxBadRows;
use accord_fairness::Tally;
use accord_fairness::engine::{self, AuditSpec};
use accord_fairness::filter::Filter;
use accord_fairness::metrics::{self, AuditOptions};
use accord_fairness::report::{
    self, Auditor, DataQuality, InputDigest, RejectedAllowance, RejectedRow, ReportContext,
};
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
    /// Exit 1 when the four-fifths screen (29 CFR 1607.4(D)) does not pass: an impact ratio
    /// below 0.8, or no row selected so that it cannot be applied. Needs --pred.
    FourFifths,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Columns: --group and --pred give selection rates, impact ratios, the four-fifths screen and \
the NYC LL144 selection-rate tables; --score gives the LL144 scoring-rate tables (with or \
without --pred); --label (ground truth) adds error rates and equalized odds, and needs --pred.

Label and prediction values: 1/0, true/false or yes/no (any case; numbers 1.0/0.0 too). \
1, true, yes is the positive outcome (selected, for the prediction). Any other value, \
empty included, stops the audit with exit code 2 and its row number. Scores are numbers; \
an empty cell is a missing score (counted and reported), any other text stops the audit.

Groups: every observed combination of the --group columns' values (a missing value is a \
group value of its own, null). The LL144 tables take each column alone and all together; \
rows whose value is missing, empty, `unknown` or a --unknown value are counted as the \
unknown category and left out of those tables' rates. Categories under 2% of the data are \
marked; --exclude-small-categories leaves them out of the impact ratios (6 RCNY § 5-301(d)).

Every row is read or the audit fails: an input that cannot be read, or a malformed row \
(the wrong number of fields, a value that does not fit its column), stops it with exit \
code 2 and nothing written, unless --max-bad-rows allows that many.

Examples:
  accord audit fairness hires.csv --group sex --group race --pred selected
  accord audit fairness hires.csv -g sex -g race --label hired --pred selected --fail-on four-fifths
  accord audit fairness scores.parquet -g sex -g race --score s --format html -o audit.html
  accord audit fairness data/ -g sex --pred p --where \"region = 'EU' and year >= 2025\" --evidence fairness.json")]
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
    /// The column of true outcomes (1/0, true/false, yes/no): adds error rates and equalized
    /// odds. Optional; needs --pred.
    #[arg(long, value_name = "COL")]
    label: Option<String>,
    /// The column of the system's decisions: 1 = selected (1/0, true/false, yes/no). This or
    /// --score is required.
    #[arg(long = "pred", visible_alias = "prediction", value_name = "COL")]
    pred: Option<String>,
    /// A numeric score column: the LL144 scoring-rate tables (share of each category scoring
    /// above the sample median score). This or --pred is required.
    #[arg(long, value_name = "COL")]
    score: Option<String>,
    /// Keep only the rows that match, e.g. "region = 'EU' and year >= 2025"
    /// (=, !=, <, <=, >, >=; and, or, not, parentheses; 'text' or numbers).
    #[arg(long = "where", value_name = "FILTER")]
    filter: Option<String>,
    /// A group value that means "unknown" for the LL144 tables (besides missing, empty and `unknown`); repeatable.
    #[arg(long = "unknown", value_name = "VALUE")]
    unknown: Vec<String>,
    /// Leave LL144 categories under 2% of the data out of the impact-ratio calculations, as
    /// 6 RCNY § 5-301(d) lets the auditor do; they are still reported with their counts and
    /// rates, marked excluded, with the reason.
    #[arg(long)]
    exclude_small_categories: bool,
    /// The auditor's justification for excluding small categories, reported with each one.
    #[arg(long, value_name = "TEXT", requires = "exclude_small_categories")]
    exclusion_reason: Option<String>,
    /// Malformed rows the audit may leave out, as a count (`10`) or a percentage of the rows
    /// read (`0.5%`); they are then reported and recorded in the evidence. Default: none, so
    /// any malformed row stops the audit (exit 2, nothing written).
    #[arg(long, value_name = "N|P%")]
    max_bad_rows: Option<MaxBadRows>,
    #[arg(long, short = 'f', value_enum, default_value_t = FairnessFormat::Text)]
    format: FairnessFormat,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Also write the evidence/v1 file (kind fairness-audit) here, for `accord assess --evidence`.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    #[command(flatten)]
    subject: crate::subject::SubjectArgs,
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

/// Malformed rows kept as examples for the report and the evidence.
const REJECTED_EXAMPLES: usize = 20;

/// Malformed rows named on stderr when they stop the audit.
const REJECTED_SHOWN: usize = 5;

pub fn run(args: FairnessArgs) -> anyhow::Result<ExitCode> {
    let subject = args.subject.resolve()?;
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
    if args.pred.is_none() && args.score.is_none() {
        return Err(Diagnostics::from(
            Diagnostic::new(
                "--pred",
                None,
                "name the system's selections (--pred COL) or its scores (--score COL): an audit needs one of them",
            )
            .with_hint("--pred gives selection rates, impact ratios and the four-fifths screen; --score gives the LL144 scoring rates; --label alone is not enough"),
        )
        .into());
    }
    if args.label.is_some() && args.pred.is_none() {
        return Err(Diagnostics::from(
            Diagnostic::new(
                "--label",
                None,
                "--label needs --pred: error rates compare the true outcomes with the system's selections",
            )
            .with_hint("leave out --label for an audit of scores alone"),
        )
        .into());
    }
    if args.fail_on == FairnessFailOn::FourFifths && args.pred.is_none() {
        return Err(bad_input(
            "--fail-on",
            "the four-fifths screen compares selection rates: `--fail-on four-fifths` needs --pred",
        ));
    }
    let spec = AuditSpec {
        groups,
        label: args.label.clone(),
        prediction: args.pred.clone(),
        score: args.score.clone(),
        filter,
    };
    spec.check().map_err(|e| bad_input("DATA", e.to_string()))?;
    let inputs = accord_data::discover(&args.data).map_err(|e| bad_input("DATA", e.to_string()))?;
    if inputs.is_empty() {
        return Err(bad_input(
            "DATA",
            "no input files found (CSV, TSV, JSON lines or Parquet)",
        ));
    }

    // Check every input's columns before reading any rows: a missing column is
    // a mistake in the command, not in one file; an input that cannot be read
    // at all stops the audit here.
    let wanted = spec.columns();
    let mut problems = Vec::new();
    for input in &inputs {
        let available = match accord_data::columns(input) {
            Ok(columns) => columns,
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
        let missing: Vec<String> = spec
            .label
            .iter()
            .chain(spec.prediction.iter())
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
                .with_hint("name columns with --group, --pred, --score and --label"),
            );
            continue;
        }
        if let Some(Err(error)) = spec.filter.as_ref().map(|f| f.check_columns(&available)) {
            problems.push(Diagnostic::new("--where", None, error.to_string()));
            continue;
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }

    // Digests are computed on another thread while the rows are read.
    let paths: Vec<(String, PathBuf)> = inputs
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
    let mut data = DataQuality::default();
    // Every malformed row, by input: (input, line, message), the first few kept.
    let mut rejected: Vec<(&Input, u64, String)> = Vec::new();
    let mut progress = Progress::new();
    // CSV and JSON lines columns are read as text and interpreted by the
    // audit (outcomes, scores, --where numbers), so that a value that does not
    // fit a type guessed from the first rows is never a "malformed" row.
    let options = TableOptions {
        columns: wanted,
        batch_rows: 1 << 16,
        text: true,
    };
    for input in &inputs {
        let read = accord_data::table(input, &options).map(|mut reader| {
            let display = input.display.clone();
            let result = engine::run(&mut reader, &spec, workers, |_, rows| {
                progress.update(&display, rows)
            });
            (result, reader.report().clone())
        });
        let (result, report) = match read {
            Ok(read) => read,
            Err(error) => {
                progress.clear();
                return Err(bad_input(&input.display, error.to_string()));
            }
        };
        match result {
            Ok(mut part) => {
                progress.finish_input(part.rows_read);
                part.rows_rejected = report.malformed;
                tally.merge(part);
            }
            Err(error) => {
                // A read error (a corrupt stream) or a value that is not an
                // outcome or a score: the audit cannot stand on part of the data.
                progress.clear();
                return Err(bad_input(&input.display, error.to_string()));
            }
        }
        data.invalid_utf8 += report.invalid_utf8;
        for (line, message) in report.malformed_examples {
            if rejected.len() < REJECTED_EXAMPLES {
                rejected.push((input, line, message));
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
    }
    progress.clear();

    // Rejected rows: none unless --max-bad-rows allows them.
    let rows_read = tally.rows_read + tally.rows_rejected;
    let allowed = args.max_bad_rows.as_ref().map_or(0, |m| m.limit(rows_read));
    if tally.rows_rejected > allowed {
        let mut problems = vec![
            Diagnostic::new(
                "DATA",
                None,
                format!(
                    "{} of the {} rows read {} malformed{}; an audit must read every row, so nothing was written",
                    tally.rows_rejected,
                    rows_read,
                    if tally.rows_rejected == 1 { "is" } else { "are" },
                    match &args.max_bad_rows {
                        Some(m) => format!(", more than {} allows ({allowed})", m.flag()),
                        None => String::new(),
                    }
                ),
            )
            .with_hint(format!(
                "fix the rows named below, or allow them with --max-bad-rows {} (a count) or a percentage of the rows read such as --max-bad-rows 1%; allowed rows are left out and recorded in the evidence",
                tally.rows_rejected
            )),
        ];
        for (input, line, message) in rejected.iter().take(REJECTED_SHOWN) {
            problems.push(Diagnostic::new(
                format!("{}:{line}", input.display),
                None,
                message.clone(),
            ));
        }
        return Err(Diagnostics(problems).into());
    }
    if tally.rows_rejected > 0 {
        let shown: Vec<String> = rejected
            .iter()
            .take(REJECTED_SHOWN)
            .map(|(input, line, message)| format!("  {}:{line}: {message}", input.display))
            .collect();
        eprintln!(
            "warning: {} malformed row{} left out, as --max-bad-rows {} allows ({allowed}){}\n{}",
            tally.rows_rejected,
            if tally.rows_rejected == 1 { "" } else { "s" },
            args.max_bad_rows
                .as_ref()
                .map(MaxBadRows::to_string)
                .unwrap_or_default(),
            if tally.rows_rejected as usize > shown.len() {
                format!("; the first {}:", shown.len())
            } else {
                ":".to_string()
            },
            shown.join("\n")
        );
    }
    data.max_bad_rows = args.max_bad_rows.as_ref().map(|m| RejectedAllowance {
        given: m.to_string(),
        allowed,
    });
    data.rejected_examples = rejected
        .iter()
        .map(|(input, line, message)| RejectedRow {
            path: input.display.clone(),
            line: *line,
            message: message.clone(),
        })
        .collect();

    let digests = hashing.join().map_err(|_| {
        anyhow::anyhow!("Internal error (this is a bug): the hashing thread panicked")
    })?;
    let mut input_digests = Vec::new();
    for (display, digest) in digests {
        let sha256 = digest.with_context(|| format!("Cannot read `{display}`"))?;
        input_digests.push(InputDigest {
            path: display,
            sha256,
        });
    }

    let shown = inputs
        .iter()
        .map(|i| format!("`{}`", i.display))
        .collect::<Vec<_>>()
        .join(", ");
    if tally.rows_read == 0 {
        return Err(bad_input(
            "DATA",
            format!(
                "{shown} {} no rows to audit{}",
                if inputs.len() == 1 { "has" } else { "have" },
                if tally.rows_rejected > 0 {
                    format!(" ({} malformed rows left out)", tally.rows_rejected)
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
            exclude_small: args.exclude_small_categories,
            exclusion_justification: args.exclusion_reason.clone(),
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
    let mut evidence = report::evidence(&audit, &context)?;
    evidence.subject = subject;
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

    if args.fail_on == FairnessFailOn::FourFifths
        && report::four_fifths_passed(&audit) == Some(false)
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
