//! `accord scan pii PATH...`: personal information in datasets.
//!
//! Inputs are read by `accord_data` (text, JSON lines, CSV, Parquet, folders,
//! `.gz`/`.zst`) on one thread, cut into batches of units, scanned on every
//! core (a bounded channel feeds the workers, so memory stays bounded), and
//! put back in input order by the collector on the main thread, which prints
//! as it goes: output is the same whatever the number of threads.
//!
//! A redacted copy (`--redact OUT`) is written by a second, sequential pass
//! per input that runs the same detectors: plain text keeps every byte but the
//! findings (read in step with `accord_data`'s units, whose offsets are file
//! offsets); JSON lines and CSV are rewritten record by record with the
//! scanned fields redacted. Each output file is written to a temporary file
//! and renamed, so nothing is half-written.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use accord_data::{Compression, Format, Input, ReadReport, TextOptions, TextUnit};
use accord_scan::pii::{self, Counts, Detector, Kind, Reason, Redaction, ScanTotals, Threshold};
use anyhow::Context as _;
use clap::ValueEnum;
use serde_json::{Value, json};

use crate::bad_rows::{self, MaxBadRows};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Kinds: email, phone, cn-resident-id, cn-uscc, cn-passport, payment-card, us-ssn, iban, ip-address. \
Each is validated (check digits, checksums, ranges), so look-alikes are not reported. \
A phone label just before a number (电话, 手机号, tel, phone, mobile, call me at, ...) makes its shape enough, \
whatever its area code or prefix. \
Names and postal addresses need named-entity recognition and are not detected.\n\n\
Rows of JSON lines, CSV and Parquet that are malformed are rejected: they are named on stderr and in the \
evidence, the rest is scanned and every output written, and the command then exits 2 unless \
--max-bad-rows allows them.\n\n\
Examples:\n  accord scan pii corpus/\n  accord scan pii chats.jsonl --field text --format jsonl\n  \
accord scan pii users.csv --column notes --redact users.redacted.csv\n  accord scan pii data/ --evidence pii-scan.json --fail-on sensitive\n  \
accord scan pii tickets.jsonl --field body --explain"
)]
pub struct PiiArgs {
    /// Files or folders (recursively): plain text, .jsonl, .csv, .tsv, .parquet, optionally .gz or .zst.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// JSON lines: a field to scan (top-level key or JSON pointer such as /meta/text); repeat for more.
    /// Default: every string in each record.
    #[arg(long = "field", value_name = "FIELD")]
    fields: Vec<String>,
    /// CSV and Parquet: a column to scan; repeat for more. Default: every column.
    #[arg(long = "column", value_name = "COLUMN")]
    columns: Vec<String>,
    /// Only these kinds (repeat, or separate with commas).
    #[arg(long = "kind", value_name = "KIND", value_delimiter = ',')]
    kinds: Vec<String>,
    /// text: counts and masked samples per file; json: a summary; jsonl: one finding per line
    /// (CONTRACT.md §7); evidence: the evidence/v1 document.
    #[arg(long, value_enum, default_value_t = PiiFormat::Text)]
    format: PiiFormat,
    /// Write the output here (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Print found values as they are. Without it, values are masked (`13*******78`).
    #[arg(long)]
    show_values: bool,
    /// Masked examples per kind and file in text and JSON output.
    #[arg(long, value_name = "N", default_value_t = 3)]
    samples: usize,
    /// Write a redacted copy: to this file for one input file, else into this folder
    /// (mirroring the inputs' paths). Compressed inputs are written decompressed.
    #[arg(long, value_name = "OUT")]
    redact: Option<PathBuf>,
    /// How --redact replaces a finding: mask keeps the length (letters and digits become `*`);
    /// token writes the kind, e.g. [PHONE].
    #[arg(long, value_enum, default_value_t = RedactWith::Mask)]
    redact_with: RedactWith,
    /// Also write the evidence/v1 (kind pii-scan) to FILE, for `accord assess --evidence`.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    #[command(flatten)]
    subject: crate::subject::SubjectArgs,
    /// Exit 1 (and mark the evidence as not passed) when anything (any) or anything in a
    /// PIPL sensitive category (sensitive: cards, IBANs, identity numbers) is found.
    #[arg(long, value_enum, default_value_t = PiiFailOn::Never)]
    fail_on: PiiFailOn,
    /// Also list candidates that looked like an identifier but failed its check, with the
    /// reason (a check digit, a number never issued, a known placeholder such as
    /// 123-45-6789, ...): counts of every one, and the first N (default 20) as examples.
    /// Values are masked unless --show-values. With --format jsonl they go to stderr.
    #[arg(long, value_name = "N", num_args = 0..=1, require_equals = true, default_missing_value = "20")]
    explain: Option<usize>,
    /// Malformed rows of JSON lines, CSV and Parquet to accept, in all inputs together: a
    /// number, or a percentage of the rows read such as 0.5%. Beyond it (by default, any)
    /// the command exits 2 after writing its outputs, and the evidence does not pass.
    #[arg(long, value_name = "N|P%", default_value_t = MaxBadRows::default())]
    max_bad_rows: MaxBadRows,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum PiiFormat {
    Text,
    Json,
    Jsonl,
    Evidence,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum RedactWith {
    Mask,
    Token,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum PiiFailOn {
    Never,
    Any,
    Sensitive,
}

/// Units per batch sent to a worker, and text bytes per batch.
const BATCH_UNITS: usize = 4096;
const BATCH_BYTES: usize = 1 << 20;

/// A masked (or, with --show-values, plain) example of a finding.
#[derive(Clone, Debug)]
struct Sample {
    kind: Kind,
    value: String,
    offset: u64,
    record: Option<u64>,
    field: Option<String>,
}

/// A candidate that looked like an identifier but was not one (with --explain).
#[derive(Clone, Debug)]
struct IgnoredSample {
    kind: Kind,
    reason: Reason,
    value: String,
    offset: u64,
    length: u64,
    record: Option<u64>,
    field: Option<String>,
}

/// Ignored candidates per kind and reason.
type IgnoredCounts = BTreeMap<(Kind, Reason), u64>;

/// What a worker found in one batch.
#[derive(Default)]
struct BatchResult {
    counts: Counts,
    samples: Vec<Sample>,
    ignored_counts: IgnoredCounts,
    /// The first ignored candidates of the batch (at most the --explain limit).
    ignored: Vec<IgnoredSample>,
    /// Pre-rendered JSON lines (only with --format jsonl).
    lines: String,
    text_bytes: u64,
}

enum Message {
    Batch {
        file: usize,
        seq: u64,
        result: BatchResult,
    },
    /// The reader is done with a file: how many batches it sent, and how reading ended.
    End {
        file: usize,
        batches: u64,
        report: ReadReport,
        error: Option<String>,
    },
}

/// What is known about one input after the scan.
struct FileSummary {
    display: String,
    format: Format,
    counts: Counts,
    samples: Vec<Sample>,
    ignored_counts: IgnoredCounts,
    /// Examples of ignored candidates, in order; the first --explain N of the whole scan.
    ignored: Vec<IgnoredSample>,
    report: ReadReport,
    error: Option<String>,
}

struct Settings {
    detector: Detector,
    show_values: bool,
    samples: usize,
    jsonl: bool,
    /// With --explain: how many ignored candidates to show.
    explain: Option<usize>,
}

pub fn run(args: PiiArgs) -> anyhow::Result<ExitCode> {
    let subject = args.subject.resolve()?;
    let kinds = parse_kinds(&args.kinds)?;
    let detector = Detector::with_kinds(&kinds)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);

    // Inputs: a path that cannot be found or listed is reported with the
    // unreadable files, and the others are still scanned.
    let mut inputs = Vec::new();
    let mut failures: Vec<(String, String)> = Vec::new();
    for path in &args.paths {
        match accord_data::discover(std::slice::from_ref(path)) {
            Ok(found) => inputs.extend(found),
            Err(error) => failures.push((path.display().to_string(), error.to_string())),
        }
    }
    let redact_plan = match &args.redact {
        Some(out) => Some(RedactPlan::new(out, &args.paths, &inputs)?),
        None => None,
    };

    let mut fields = args.fields.clone();
    fields.extend(args.columns.iter().cloned());
    let options = TextOptions {
        fields,
        ..TextOptions::default()
    };
    let settings = Settings {
        detector,
        show_values: args.show_values,
        samples: args.samples,
        jsonl: args.format == PiiFormat::Jsonl,
        explain: args.explain,
    };

    // Streamed output (text and JSON lines) goes to stdout or a temporary
    // file renamed at the end.
    let mut sink = Sink::new(args.output.as_deref())?;
    let mut text_out = String::new();
    let summaries = scan(&inputs, &options, &settings, threads, |event| {
        match (event, args.format) {
            (Event::Lines(lines), PiiFormat::Jsonl) => sink.write(lines.as_bytes())?,
            (Event::FileDone(summary), PiiFormat::Text) => {
                text_out.clear();
                render_file(&mut text_out, summary);
                sink.write(text_out.as_bytes())?;
            }
            (Event::FileDone(summary), PiiFormat::Jsonl) => {
                // Standard output holds findings only (CONTRACT.md §7).
                for line in ignored_lines(summary) {
                    eprintln!("{line}");
                }
            }
            _ => {}
        }
        Ok(())
    })?;

    let mut totals = ScanTotals::default();
    let mut ignored = settings.explain.map(|_| IgnoredCounts::new());
    for s in &summaries {
        totals.add_counts(&s.counts);
        totals.add_read(&s.display, &s.report, s.format != Format::Text);
        if let Some(ignored) = &mut ignored {
            for (key, n) in &s.ignored_counts {
                *ignored.entry(*key).or_default() += n;
            }
        }
        match &s.error {
            None => totals.files_scanned += 1,
            Some(message) => failures.push((s.display.clone(), message.clone())),
        }
    }
    totals.ignored = ignored;
    totals.files_unreadable = failures.len() as u64;
    let bad_rows_allowed = args
        .max_bad_rows
        .allows(totals.malformed_records, totals.rows_read);

    // Redacted copies, for the inputs read to the end.
    if let Some(plan) = &redact_plan {
        for (input, summary) in inputs.iter().zip(&summaries) {
            if summary.error.is_some() {
                continue;
            }
            let target = plan.target(input);
            let style = match args.redact_with {
                RedactWith::Mask => Redaction::Mask,
                RedactWith::Token => Redaction::Token,
            };
            if let Err(error) = redact_input(input, &options, &settings.detector, style, &target) {
                failures.push((
                    input.display.clone(),
                    format!(
                        "Cannot write the redacted copy of `{}`: {error:#}",
                        input.display
                    ),
                ));
            }
        }
    }

    // Every input read, and no more rows rejected than allowed; then --fail-on.
    let mut thresholds = vec![
        Threshold {
            name: "files_unreadable",
            value: 0,
            source: "every input read to the end".into(),
        },
        Threshold {
            name: "malformed_records",
            value: args.max_bad_rows.limit(totals.rows_read),
            source: args.max_bad_rows.flag(),
        },
    ];
    match args.fail_on {
        PiiFailOn::Never => {}
        PiiFailOn::Any => thresholds.push(Threshold {
            name: "findings",
            value: 0,
            source: "--fail-on any".into(),
        }),
        PiiFailOn::Sensitive => thresholds.push(Threshold {
            name: "sensitive_findings",
            value: 0,
            source: "--fail-on sensitive (PIPL Art. 28 sensitive personal information)".into(),
        }),
    }
    let hit = match args.fail_on {
        PiiFailOn::Never => false,
        PiiFailOn::Any => totals.counts.total() > 0,
        PiiFailOn::Sensitive => totals.counts.sensitive() > 0,
    };

    let detected = settings.detector.kinds();
    let evidence = if args.evidence.is_some() || args.format == PiiFormat::Evidence {
        let digests = input_digests(&inputs, &summaries);
        let produced_at = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let mut evidence = totals.evidence(
            produced_at,
            env!("CARGO_PKG_VERSION"),
            digests,
            &detected,
            &thresholds,
        );
        evidence.subject = subject;
        Some(evidence)
    } else {
        None
    };

    match args.format {
        PiiFormat::Text => {
            let mut tail = String::new();
            render_totals(&mut tail, &totals, &failures);
            sink.write(tail.as_bytes())?;
        }
        PiiFormat::Jsonl => {}
        PiiFormat::Json => {
            let summary = json_summary(&summaries, &totals, &failures, &detected, &settings);
            let mut text = serde_json::to_string_pretty(&summary)?;
            text.push('\n');
            sink.write(text.as_bytes())?;
        }
        PiiFormat::Evidence => {
            let mut text = serde_json::to_string_pretty(&evidence)?;
            text.push('\n');
            sink.write(text.as_bytes())?;
        }
    }
    sink.finish()?;
    if let (Some(path), Some(evidence)) = (&args.evidence, &evidence) {
        let mut text = serde_json::to_string_pretty(evidence)?;
        text.push('\n');
        crate::output::write_atomically(path, text.as_bytes())?;
    }

    for (_, message) in &failures {
        eprintln!("error: {message}");
    }
    if !failures.is_empty() {
        eprintln!(
            "{} input(s) could not be read; the others were scanned",
            failures.len()
        );
    }
    report_rejected_rows(&summaries, &totals, args.max_bad_rows, bad_rows_allowed);
    if !failures.is_empty() || !bad_rows_allowed {
        return Ok(ExitCode::from(2));
    }
    Ok(if hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Names the rejected rows of each input on stderr: errors when they are more
/// than --max-bad-rows allows (the run then exits 2), warnings otherwise.
fn report_rejected_rows(
    summaries: &[FileSummary],
    totals: &ScanTotals,
    allowance: MaxBadRows,
    allowed: bool,
) {
    if totals.malformed_records == 0 {
        return;
    }
    let level = if allowed { "warning" } else { "error" };
    for s in summaries.iter().filter(|s| s.report.malformed > 0) {
        let rows = s.report.records + s.report.malformed;
        eprintln!(
            "{level}: `{}`: {}",
            s.display,
            bad_rows::describe(s.report.malformed, rows, &s.report.malformed_examples)
        );
    }
    let limit = allowance.limit(totals.rows_read);
    if allowed {
        eprintln!(
            "{} malformed row(s) rejected in all, within {} (at most {limit} of {} rows); the rest was scanned",
            pii::thousands(totals.malformed_records),
            allowance.flag(),
            pii::thousands(totals.rows_read)
        );
    } else {
        eprintln!(
            "{} malformed row(s) rejected in all, more than {} allows (at most {limit} of {} rows); the rest was scanned and the outputs written",
            pii::thousands(totals.malformed_records),
            allowance.flag(),
            pii::thousands(totals.rows_read)
        );
        eprintln!("{}", bad_rows::HINT);
    }
}

fn parse_kinds(names: &[String]) -> anyhow::Result<Vec<Kind>> {
    if names.is_empty() {
        return Ok(Kind::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            n.trim()
                .parse::<Kind>()
                .map_err(|e| anyhow::anyhow!("--kind: {e}"))
        })
        .collect()
}

/// What the collector hands on, in input order.
enum Event<'a> {
    /// JSON lines of findings (with --format jsonl), as soon as they are in order.
    Lines(&'a str),
    /// An input is complete.
    FileDone(&'a FileSummary),
}

/// Scans every input on `threads` workers; calls `emit` with the findings'
/// JSON lines and each input's summary, in input order, as soon as they are ready.
fn scan(
    inputs: &[Input],
    options: &TextOptions,
    settings: &Settings,
    threads: usize,
    mut emit: impl FnMut(Event<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<FileSummary>> {
    let mut summaries: Vec<FileSummary> = inputs
        .iter()
        .map(|i| FileSummary {
            display: i.display.clone(),
            format: i.format,
            counts: Counts::default(),
            samples: Vec::new(),
            ignored_counts: IgnoredCounts::new(),
            ignored: Vec::new(),
            report: ReadReport::default(),
            error: None,
        })
        .collect();
    if inputs.is_empty() {
        return Ok(summaries);
    }
    let progress = Progress::new(inputs.iter().map(|i| i.size).sum());
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, u64, Vec<TextUnit>)>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (result_tx, result_rx) = mpsc::channel::<Message>();
    let paths: Vec<String> = inputs
        .iter()
        .map(|i| serde_json::to_string(&i.display).unwrap_or_else(|_| "\"?\"".into()))
        .collect();

    // Set when output fails (a closed pipe): the reader stops early.
    let stop = &AtomicBool::new(false);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // The reader: one input after another, in batches.
        let reader_tx = result_tx.clone();
        scope.spawn(move || {
            for (file, input) in inputs.iter().enumerate() {
                let (batches, report, error) = read_input(input, options, file, &work_tx, stop);
                if reader_tx
                    .send(Message::End {
                        file,
                        batches,
                        report,
                        error,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
        for _ in 0..threads {
            let tx = result_tx.clone();
            let rx = &work_rx;
            let paths = &paths;
            scope.spawn(move || {
                let mut findings = Vec::new();
                let mut ignored = Vec::new();
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((file, seq, units)) = job else { return };
                    let result =
                        scan_batch(settings, &paths[file], &units, &mut findings, &mut ignored);
                    if tx.send(Message::Batch { file, seq, result }).is_err() {
                        return;
                    }
                }
            });
        }
        drop(result_tx);

        // The collector: results back in input order.
        let mut pending: BTreeMap<(usize, u64), BatchResult> = BTreeMap::new();
        let mut ends: HashMap<usize, (u64, ReadReport, Option<String>)> = HashMap::new();
        let (mut file, mut seq) = (0usize, 0u64);
        // Ignored examples shown so far, in input order (--explain N bounds the whole scan).
        let mut ignored_shown = 0usize;
        let mut failed: anyhow::Result<()> = Ok(());
        for message in result_rx {
            if failed.is_err() {
                continue; // Drain so the workers and the reader can finish.
            }
            match message {
                Message::Batch { file, seq, result } => {
                    pending.insert((file, seq), result);
                }
                Message::End {
                    file,
                    batches,
                    report,
                    error,
                } => {
                    ends.insert(file, (batches, report, error));
                }
            }
            loop {
                if let Some(result) = pending.remove(&(file, seq)) {
                    let summary = &mut summaries[file];
                    summary.counts.merge(&result.counts);
                    for sample in result.samples {
                        let same_kind = summary
                            .samples
                            .iter()
                            .filter(|s| s.kind == sample.kind)
                            .count();
                        if same_kind < settings.samples {
                            summary.samples.push(sample);
                        }
                    }
                    for (key, n) in result.ignored_counts {
                        *summary.ignored_counts.entry(key).or_default() += n;
                    }
                    let room = settings.explain.unwrap_or(0).saturating_sub(ignored_shown);
                    ignored_shown += result.ignored.len().min(room);
                    summary
                        .ignored
                        .extend(result.ignored.into_iter().take(room));
                    progress.advance(result.text_bytes, &summary.display);
                    seq += 1;
                    if !result.lines.is_empty()
                        && let Err(e) = emit(Event::Lines(&result.lines))
                    {
                        stop.store(true, Ordering::Relaxed);
                        failed = Err(e);
                        break;
                    }
                    continue;
                }
                let complete = ends
                    .get(&file)
                    .is_some_and(|(batches, _, _)| *batches == seq);
                if !complete {
                    break;
                }
                if let Some((_, report, error)) = ends.remove(&file) {
                    summaries[file].report = report;
                    summaries[file].error = error;
                }
                summaries[file].samples.sort_by_key(|s| s.kind);
                if let Err(e) = emit(Event::FileDone(&summaries[file])) {
                    stop.store(true, Ordering::Relaxed);
                    failed = Err(e);
                    break;
                }
                file += 1;
                seq = 0;
                if file == inputs.len() {
                    break;
                }
            }
        }
        progress.finish();
        failed
    })?;
    Ok(summaries)
}

/// Reads one input into batches on the work channel; returns how many
/// batches were sent, the read report and the error that stopped reading.
fn read_input(
    input: &Input,
    options: &TextOptions,
    file: usize,
    work: &mpsc::SyncSender<(usize, u64, Vec<TextUnit>)>,
    stop: &AtomicBool,
) -> (u64, ReadReport, Option<String>) {
    let mut reader = match accord_data::text_units(input, options) {
        Ok(reader) => reader,
        Err(error) => return (0, ReadReport::default(), Some(error.to_string())),
    };
    let mut seq = 0;
    let mut batch = Vec::new();
    let mut bytes = 0;
    let mut error = None;
    for unit in reader.by_ref() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        match unit {
            Ok(unit) => {
                bytes += unit.text.len();
                batch.push(unit);
                if batch.len() >= BATCH_UNITS || bytes >= BATCH_BYTES {
                    if work.send((file, seq, std::mem::take(&mut batch))).is_err() {
                        break;
                    }
                    seq += 1;
                    bytes = 0;
                }
            }
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    if !batch.is_empty() && work.send((file, seq, batch)).is_ok() {
        seq += 1;
    }
    (seq, reader.report().clone(), error)
}

fn scan_batch(
    settings: &Settings,
    path_json: &str,
    units: &[TextUnit],
    findings: &mut Vec<pii::Finding>,
    ignored: &mut Vec<pii::Ignored>,
) -> BatchResult {
    let mut result = BatchResult::default();
    let mut taken = [0usize; 9];
    for unit in units {
        result.text_bytes += unit.text.len() as u64;
        if let Some(limit) = settings.explain {
            ignored.clear();
            settings.detector.explain_into(&unit.text, ignored);
            for i in ignored.iter() {
                *result.ignored_counts.entry((i.kind, i.reason)).or_default() += 1;
                if result.ignored.len() < limit {
                    let value = &unit.text[i.start..i.end];
                    result.ignored.push(IgnoredSample {
                        kind: i.kind,
                        reason: i.reason,
                        value: if settings.show_values {
                            value.to_string()
                        } else {
                            pii::mask(value)
                        },
                        offset: unit.offset + i.start as u64,
                        length: (i.end - i.start) as u64,
                        record: unit.record,
                        field: unit.field.clone(),
                    });
                }
            }
        }
        findings.clear();
        settings.detector.find_into(&unit.text, findings);
        if findings.is_empty() {
            continue;
        }
        let field_json = unit
            .field
            .as_ref()
            .map(|f| serde_json::to_string(f).unwrap_or_default());
        for f in findings.iter() {
            result.counts.add(f.kind);
            let value = &unit.text[f.start..f.end];
            let offset = unit.offset + f.start as u64;
            if taken[f.kind.index()] < settings.samples {
                taken[f.kind.index()] += 1;
                result.samples.push(Sample {
                    kind: f.kind,
                    value: if settings.show_values {
                        value.to_string()
                    } else {
                        pii::mask(value)
                    },
                    offset,
                    record: unit.record,
                    field: unit.field.clone(),
                });
            }
            if settings.jsonl {
                let lines = &mut result.lines;
                let _ = write!(
                    lines,
                    "{{\"path\":{path_json},\"offset\":{offset},\"length\":{},\"kind\":\"{}\"",
                    f.len(),
                    f.kind
                );
                if let (Some(record), Some(field)) = (unit.record, &field_json) {
                    let _ = write!(lines, ",\"record\":{record},\"field\":{field}");
                }
                if settings.show_values {
                    // Findings are ASCII without quotes or backslashes: no escaping needed.
                    let _ = write!(lines, ",\"value\":\"{value}\"");
                }
                lines.push_str("}\n");
            }
        }
    }
    result
}

/// A progress bar on stderr, shown once a scan has run for a second and only on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} scanning {wide_msg} {bytes} {bytes_per_sec} [{bar:25}] {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: std::cell::Cell::new(false),
        }
    }

    fn advance(&self, bytes: u64, file: &str) {
        let Some(bar) = &self.bar else { return };
        bar.inc(bytes);
        if !self.shown.get() && self.started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(200));
            self.shown.set(true);
        }
        if self.shown.get() {
            bar.set_message(file.to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Output to stdout, or to a temporary file renamed over `path` at the end.
struct Sink {
    target: Option<(PathBuf, tempfile::NamedTempFile)>,
    stdout: std::io::BufWriter<std::io::Stdout>,
}

impl Sink {
    fn new(path: Option<&Path>) -> anyhow::Result<Sink> {
        let target = match path {
            None => None,
            Some(path) => {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let file = tempfile::NamedTempFile::new_in(dir)
                    .map_err(|e| anyhow::anyhow!("Cannot write to `{}`: {e}", dir.display()))?;
                Some((path.to_path_buf(), file))
            }
        };
        Ok(Sink {
            target,
            stdout: std::io::BufWriter::new(std::io::stdout()),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        match &mut self.target {
            Some((_, file)) => file.write_all(bytes)?,
            None => self.stdout.write_all(bytes)?,
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.stdout.flush()?;
        if let Some((path, file)) = self.target.take() {
            crate::output::persist(file, &path)?;
        }
        Ok(())
    }
}

fn unit_name(format: Format) -> &'static str {
    match format {
        Format::Text => "chunks",
        Format::Jsonl => "lines",
        Format::Csv | Format::Parquet => "rows",
    }
}

fn render_file(out: &mut String, s: &FileSummary) {
    if s.error.is_some() {
        let _ = writeln!(out, "{}: not scanned (the error is on stderr)", s.display);
        return;
    }
    let total = s.counts.total();
    let size = format!("{} bytes", pii::thousands(s.report.bytes));
    let records = if s.format == Format::Text {
        String::new()
    } else {
        format!(
            ", {} {}",
            pii::thousands(s.report.records),
            unit_name(s.format)
        )
    };
    if total == 0 {
        let _ = write!(out, "{}: no findings ({size}{records})", s.display);
    } else {
        let _ = write!(
            out,
            "{}: {} findings ({size}{records})",
            s.display,
            pii::thousands(total)
        );
    }
    if s.report.invalid_utf8 > 0 {
        let _ = write!(
            out,
            "; {} invalid UTF-8 sequences replaced",
            pii::thousands(s.report.invalid_utf8)
        );
    }
    if s.report.malformed > 0 {
        let _ = write!(
            out,
            "; {} malformed {} rejected",
            pii::thousands(s.report.malformed),
            if s.report.malformed == 1 {
                "row"
            } else {
                "rows"
            }
        );
    }
    out.push('\n');
    for (line, message) in s.report.malformed_examples.iter().take(3) {
        let _ = writeln!(out, "  rejected: line {line}: {message}");
    }
    for kind in Kind::ALL {
        let n = s.counts.get(kind);
        if n == 0 {
            continue;
        }
        let examples: Vec<String> = s
            .samples
            .iter()
            .filter(|x| x.kind == kind)
            .map(|x| match (&x.record, &x.field) {
                (Some(record), Some(field)) => format!("{} (record {record}, {field})", x.value),
                _ => format!("{} (byte {})", x.value, x.offset),
            })
            .collect();
        let sensitive = if kind.sensitive_category().is_some() {
            " *"
        } else {
            ""
        };
        let _ = write!(
            out,
            "  {:<16}{:>10}{sensitive:<2}",
            kind.as_str(),
            pii::thousands(n)
        );
        if !examples.is_empty() {
            let _ = write!(out, "  e.g. {}", examples.join(", "));
        }
        out.push('\n');
    }
    if !s.ignored_counts.is_empty() {
        let counts: Vec<String> = s
            .ignored_counts
            .iter()
            .map(|((kind, reason), n)| format!("{kind} {reason} {}", pii::thousands(*n)))
            .collect();
        let _ = writeln!(
            out,
            "  ignored (looked like identifiers, failed their checks): {}",
            counts.join(", ")
        );
        for i in &s.ignored {
            let _ = writeln!(
                out,
                "    {} {} ({}): {}: {}",
                i.kind,
                i.value,
                place(i.record, i.field.as_deref(), i.offset),
                i.reason,
                pii::explanation(i.kind, i.reason)
            );
        }
    }
}

/// Where a value is: `record 8, body, byte 4` for structured input (the byte
/// within the field), `byte 1234` for text.
fn place(record: Option<u64>, field: Option<&str>, offset: u64) -> String {
    match (record, field) {
        (Some(record), Some(field)) => format!("record {record}, {field}, byte {offset}"),
        _ => format!("byte {offset}"),
    }
}

/// With --explain and --format jsonl: the ignored examples of one input, for stderr.
fn ignored_lines(s: &FileSummary) -> Vec<String> {
    s.ignored
        .iter()
        .map(|i| {
            format!(
                "ignored: {}: {} {} ({}): {}: {}",
                s.display,
                i.kind,
                i.value,
                place(i.record, i.field.as_deref(), i.offset),
                i.reason,
                pii::explanation(i.kind, i.reason)
            )
        })
        .collect()
}

fn render_totals(out: &mut String, totals: &ScanTotals, failures: &[(String, String)]) {
    let _ = writeln!(
        out,
        "\n{} file(s) scanned, {} bytes, {} findings{}",
        totals.files_scanned,
        pii::thousands(totals.bytes),
        pii::thousands(totals.counts.total()),
        if failures.is_empty() {
            String::new()
        } else {
            format!("; {} input(s) not read", failures.len())
        }
    );
    for category in pii::SensitiveCategory::ALL {
        let n: u64 = category.kinds().iter().map(|&k| totals.counts.get(k)).sum();
        if n > 0 {
            let kinds: Vec<&str> = category.kinds().iter().map(|k| k.as_str()).collect();
            let _ = writeln!(
                out,
                "* PIPL sensitive personal information, {} ({}): {} findings ({})",
                category.as_str(),
                category.title_zh(),
                pii::thousands(n),
                kinds.join(", ")
            );
        }
    }
    if let Some(ignored) = &totals.ignored {
        let total: u64 = ignored.values().sum();
        let _ = writeln!(
            out,
            "--explain: {} candidate(s) looked like identifiers but failed their checks and are not findings{}",
            pii::thousands(total),
            if total > 0 { ":" } else { "." }
        );
        for ((kind, reason), n) in ignored {
            let _ = writeln!(
                out,
                "  {kind} {reason} {}: {}",
                pii::thousands(*n),
                pii::explanation(*kind, *reason)
            );
        }
    }
    let _ = writeln!(
        out,
        "Names and postal addresses need named-entity recognition and are not detected."
    );
}

fn json_summary(
    summaries: &[FileSummary],
    totals: &ScanTotals,
    failures: &[(String, String)],
    detected: &[Kind],
    settings: &Settings,
) -> Value {
    let files: Vec<Value> = summaries
        .iter()
        .filter(|s| s.error.is_none())
        .map(|s| {
            let samples: Vec<Value> = s
                .samples
                .iter()
                .map(|x| {
                    let mut v =
                        json!({"kind": x.kind.as_str(), "value": x.value, "offset": x.offset});
                    if let (Some(record), Some(field)) = (x.record, &x.field) {
                        v["record"] = json!(record);
                        v["field"] = json!(field);
                    }
                    v
                })
                .collect();
            json!({
                "path": s.display,
                "findings": s.counts.total(),
                "counts": s.counts.to_json(),
                "records": s.report.records,
                "bytes": s.report.bytes,
                "invalid_utf8": s.report.invalid_utf8,
                "malformed_records": s.report.malformed,
                "malformed_examples": s.report.malformed_examples.iter().map(|(line, what)| {
                    json!({"line": line, "message": what})
                }).collect::<Vec<_>>(),
                "ignored": s.ignored_counts.values().sum::<u64>(),
                "samples": samples,
            })
        })
        .collect();
    let errors: Vec<Value> = failures
        .iter()
        .map(|(p, m)| json!({"path": p, "message": m}))
        .collect();
    let mut summary = json!({
        "accord": "pii-scan-summary/v1",
        "files": files,
        "totals": totals.metrics(detected),
        "errors": errors,
    });
    if let (Some(limit), Some(ignored)) = (settings.explain, &totals.ignored) {
        let examples: Vec<Value> = summaries
            .iter()
            .flat_map(|s| s.ignored.iter().map(move |i| (s, i)))
            .map(|(s, i)| {
                let mut v = json!({
                    "path": s.display,
                    "offset": i.offset,
                    "length": i.length,
                    "kind": i.kind.as_str(),
                    "reason": i.reason.as_str(),
                    "explanation": pii::explanation(i.kind, i.reason),
                    "value": i.value,
                });
                if let (Some(record), Some(field)) = (i.record, &i.field) {
                    v["record"] = json!(record);
                    v["field"] = json!(field);
                }
                v
            })
            .collect();
        summary["ignored"] = json!({
            "total": ignored.values().sum::<u64>(),
            "counts": pii::ignored_json(ignored),
            "limit": limit,
            "examples": examples,
        });
    }
    summary
}

/// `{path, sha256}` of each input read, digests of the bytes on disk.
fn input_digests(inputs: &[Input], summaries: &[FileSummary]) -> Vec<Value> {
    inputs
        .iter()
        .zip(summaries)
        .filter(|(_, s)| s.error.is_none())
        .map(|(input, _)| {
            let digest = crate::output::sha256_file(&input.path).unwrap_or_default();
            json!({"path": input.display, "sha256": digest})
        })
        .collect()
}

/// Where redacted copies go.
struct RedactPlan {
    out: PathBuf,
    /// One input file given: `out` is that file's copy. Otherwise `out` is a folder.
    single: bool,
    /// One folder given: copies mirror the paths inside it.
    base: Option<PathBuf>,
}

impl RedactPlan {
    fn new(out: &Path, paths: &[PathBuf], inputs: &[Input]) -> anyhow::Result<RedactPlan> {
        if let Some(parquet) = inputs.iter().find(|i| i.format == Format::Parquet) {
            anyhow::bail!(
                "--redact writes text, JSON lines and CSV; `{}` is Parquet\nhint: scan Parquet without --redact, or export it to CSV first",
                parquet.display
            );
        }
        let single = paths.len() == 1 && inputs.len() == 1 && paths[0].is_file();
        let out_canonical = out.canonicalize().ok();
        for input in inputs {
            if out_canonical.is_some() && input.path.canonicalize().ok() == out_canonical {
                anyhow::bail!(
                    "--redact `{}` would overwrite the input; choose another path",
                    out.display()
                );
            }
        }
        if !single {
            std::fs::create_dir_all(out)
                .with_context(|| format!("Cannot create the folder `{}`", out.display()))?;
        }
        let base = (paths.len() == 1 && paths[0].is_dir())
            .then(|| PathBuf::from(paths[0].display().to_string()));
        Ok(RedactPlan {
            out: out.to_path_buf(),
            single,
            base,
        })
    }

    fn target(&self, input: &Input) -> PathBuf {
        if self.single {
            return self.out.clone();
        }
        // Mirror the path inside the folder given (or the path as shown,
        // without a leading `/` or `..`), without the compression extension:
        // copies are written decompressed.
        let shown = Path::new(&input.display);
        let inside = self
            .base
            .as_deref()
            .and_then(|b| shown.strip_prefix(b).ok())
            .unwrap_or(shown);
        let mut relative = PathBuf::new();
        for part in inside.components() {
            if let std::path::Component::Normal(p) = part {
                relative.push(p);
            }
        }
        if input.compression != Compression::None {
            relative.set_extension("");
        }
        self.out.join(relative)
    }
}

/// Writes a redacted copy of one input to `target`, atomically.
fn redact_input(
    input: &Input,
    options: &TextOptions,
    detector: &Detector,
    style: Redaction,
    target: &Path,
) -> anyhow::Result<()> {
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("Cannot write to `{}`: {e}", dir.display()))?;
    let mut out = std::io::BufWriter::new(file);
    match input.format {
        Format::Text => redact_text(input, options, detector, style, &mut out)?,
        Format::Jsonl => redact_jsonl(input, &options.fields, detector, style, &mut out)?,
        Format::Csv => redact_csv(input, &options.fields, detector, style, &mut out)?,
        Format::Parquet => anyhow::bail!("Parquet is not redacted"),
    }
    out.flush()?;
    let file = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
    file.as_file().sync_all()?;
    crate::output::persist(file, target)
}

/// Plain text: the file's own bytes, read in step with `accord_data`'s units
/// (whose byte offsets are file offsets), with the findings replaced.
fn redact_text(
    input: &Input,
    options: &TextOptions,
    detector: &Detector,
    style: Redaction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut raw = accord_data::open(input)?;
    let mut buffer = Vec::new();
    let mut findings = Vec::new();
    for unit in accord_data::text_units(input, options)? {
        let unit = unit?;
        buffer.clear();
        (&mut raw)
            .take(unit.text.len() as u64)
            .read_to_end(&mut buffer)?;
        findings.clear();
        detector.find_into(&unit.text, &mut findings);
        let mut at = 0;
        for f in &findings {
            // Findings are ASCII, so the same bytes are in the raw buffer.
            out.write_all(buffer.get(at..f.start).unwrap_or_default())?;
            match style {
                Redaction::Mask => {
                    let masked: Vec<u8> = buffer
                        .get(f.start..f.end)
                        .unwrap_or_default()
                        .iter()
                        .map(|b| if b.is_ascii_alphanumeric() { b'*' } else { *b })
                        .collect();
                    out.write_all(&masked)?;
                }
                Redaction::Token => out.write_all(f.kind.token().as_bytes())?,
            }
            at = f.end;
        }
        out.write_all(buffer.get(at..).unwrap_or_default())?;
    }
    std::io::copy(&mut raw, out)?;
    Ok(())
}

fn redact_string(text: &str, detector: &Detector, style: Redaction) -> Option<String> {
    let findings = detector.find(text);
    (!findings.is_empty()).then(|| pii::redact(text, &findings, style))
}

/// Redacts every string in `value`; numbers with findings become redacted strings.
fn redact_value(value: &mut Value, detector: &Detector, style: Redaction, numbers: bool) -> bool {
    match value {
        Value::String(s) => match redact_string(s, detector, style) {
            Some(r) => {
                *s = r;
                true
            }
            None => false,
        },
        Value::Number(n) if numbers => match redact_string(&n.to_string(), detector, style) {
            Some(r) => {
                *value = Value::String(r);
                true
            }
            None => false,
        },
        Value::Array(items) => items.iter_mut().fold(false, |changed, v| {
            redact_value(v, detector, style, false) | changed
        }),
        Value::Object(map) => map.values_mut().fold(false, |changed, v| {
            redact_value(v, detector, style, false) | changed
        }),
        _ => false,
    }
}

/// JSON lines: each record with its scanned fields redacted (re-serialised
/// compactly; records without findings are copied byte for byte). A line
/// that is not JSON is redacted as text, so nothing unscanned slips through.
fn redact_jsonl(
    input: &Input,
    fields: &[String],
    detector: &Detector,
    style: Redaction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut reader = BufReader::new(accord_data::open(input)?);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let ending = if line.ends_with(b"\r\n") {
            2
        } else {
            usize::from(line.ends_with(b"\n"))
        };
        let (body, newline) = line.split_at(line.len() - ending);
        let parsed: Option<Value> = std::str::from_utf8(body)
            .ok()
            .and_then(|s| serde_json::from_str(s).ok());
        match parsed {
            Some(mut value) => {
                let changed = if fields.is_empty() {
                    redact_value(&mut value, detector, style, false)
                } else {
                    let mut changed = false;
                    for field in fields {
                        let selected = if field.starts_with('/') {
                            value.pointer_mut(field)
                        } else {
                            value.get_mut(field)
                        };
                        if let Some(selected) = selected {
                            changed |= redact_value(selected, detector, style, true);
                        }
                    }
                    changed
                };
                if changed {
                    serde_json::to_writer(&mut *out, &value)?;
                } else {
                    out.write_all(body)?;
                }
            }
            None if body.iter().all(u8::is_ascii_whitespace) => out.write_all(body)?,
            None => {
                let text = String::from_utf8_lossy(body);
                match redact_string(&text, detector, style) {
                    Some(r) => out.write_all(r.as_bytes())?,
                    None => out.write_all(body)?,
                }
            }
        }
        out.write_all(newline)?;
    }
    Ok(())
}

/// CSV: each row with its scanned columns redacted (all columns of a row
/// with the wrong number of fields); quoting as the csv crate writes it.
fn redact_csv(
    input: &Input,
    columns: &[String],
    detector: &Detector,
    style: Redaction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let delimiter = if input.tab_separated { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(accord_data::open(input)?);
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(out);
    let mut records = reader.byte_records();
    let Some(header) = records.next() else {
        return Ok(());
    };
    let header = header?;
    writer.write_byte_record(&header)?;
    let selected: Vec<bool> = header
        .iter()
        .map(|name| columns.is_empty() || columns.iter().any(|c| c.as_bytes() == name))
        .collect();
    for record in records {
        let record = record?;
        let whole_row = record.len() != header.len();
        let fields: Vec<Vec<u8>> = record
            .iter()
            .enumerate()
            .map(|(i, field)| {
                if !(whole_row || selected.get(i).copied().unwrap_or(false)) {
                    return field.to_vec();
                }
                let text = String::from_utf8_lossy(field);
                match redact_string(&text, detector, style) {
                    Some(r) => r.into_bytes(),
                    None => field.to_vec(),
                }
            })
            .collect();
        writer.write_record(&fields)?;
    }
    writer.flush()?;
    Ok(())
}
