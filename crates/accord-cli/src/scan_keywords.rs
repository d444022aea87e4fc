//! `accord scan keywords`: a keyword library (a content-safety list, say)
//! matched over text, JSON lines, CSV and Parquet, with per-source hit rates
//! (TC260-003 clause 5.1), a reproducible review sample and `evidence/v1` of
//! kind `keyword-scan`.

use std::collections::BTreeMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use serde_json::json;

use accord_data::{Compression, Input};
use accord_model::Diagnostic;
use accord_model::doc::Position;
use accord_scan::keywords::{
    BUILTIN_TAXONOMIES, Hit, KeywordList, Matcher, SOURCE_HARMFUL_RATIO_MAX, ScanOptions,
    ScanReport, Taxonomy,
};

use crate::bad_rows::{self, MaxBadRows};
use crate::output::{Diagnostics, emit, write_atomically};

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeywordFormat {
    /// A summary: hits per category and per file, sources over 5%, top keywords.
    Text,
    /// The same summary as one JSON object.
    Json,
    /// One hit per line: {path, offset, length, keyword, category}, plus record and field for
    /// JSONL, CSV and Parquet.
    Jsonl,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
List files: UTF-8, one keyword per line, optionally `keyword<TAB>category`; blank lines and \
lines starting with # are skipped. Keywords and text are compared after Unicode case folding \
and full-width/half-width folding (ＡＢＣ = abc, ｶﾞ = ガ); hits are leftmost-longest and never \
overlap; offsets are bytes of the original text (of the file for plain text, of the field's \
value for JSONL, CSV and Parquet).

Items: a non-empty line of plain text, or a record of JSONL, CSV or Parquet with text in the \
scanned fields. A source is a file, or the value of --source-field; a source with more than 5% of its items hit is flagged \
(TC260-003 clause 5.1: do not use it).

Rows of JSON lines, CSV and Parquet that are malformed are rejected: they are named on stderr and in the evidence, \
the rest is scanned and every output written, and the command then exits 2 unless --max-bad-rows allows them. \
An input that cannot be read is reported the same way.

Examples:
  accord scan keywords corpus/ --list library.txt --taxonomy tc260-003
  accord scan keywords data.jsonl.zst --list library.txt --field text --source-field site --format jsonl > hits.jsonl
  accord scan keywords corpus/ --list library.txt --sample 4000 --seed 7 --sample-out review.jsonl --evidence keywords.json")]
pub struct KeywordArgs {
    /// Text, JSON lines, CSV/TSV or Parquet files (optionally .gz or .zst), or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The keyword list (repeatable; duplicates across lists are counted once).
    #[arg(long = "list", short = 'l', required = true, value_name = "FILE")]
    lists: Vec<PathBuf>,
    /// Check list categories against this taxonomy (built in: tc260-003; or a taxonomy YAML file):
    /// an unknown category is an error.
    #[arg(long, value_name = "ID")]
    taxonomy: Option<String>,
    /// JSONL fields (names or JSON pointers) or CSV/Parquet columns to scan; repeatable or
    /// comma-separated. Default: every string value.
    #[arg(
        long = "field",
        visible_alias = "column",
        value_name = "FIELD",
        value_delimiter = ','
    )]
    fields: Vec<String>,
    /// The JSONL field or CSV/Parquet column that names each record's source, for per-source hit
    /// rates (default: the file is the source). Needs --field.
    #[arg(long, value_name = "FIELD", requires = "fields")]
    source_field: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = KeywordFormat::Text)]
    format: KeywordFormat,
    /// Write the report (or the hits) to this file, atomically, instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Draw a reproducible random sample of N items for manual review (needs --sample-out).
    #[arg(long, value_name = "N", requires = "sample_out")]
    sample: Option<usize>,
    /// Seed of the sample: the same seed and inputs give the same sample (reservoir sampling,
    /// SplitMix64).
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Where to write the sample: JSON lines of {path, record, field, text}, one per field of each
    /// sampled item (record is the 0-based line for plain text).
    #[arg(long, value_name = "FILE", requires = "sample")]
    sample_out: Option<PathBuf>,
    /// Also write evidence/v1 (kind keyword-scan) here, for `accord assess --evidence`.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    #[command(flatten)]
    subject: crate::subject::SubjectArgs,
    /// Items in the whole training corpus when the scan covers part of it
    /// (technical_sample_fraction = items scanned / N; default: the scan is the whole corpus).
    #[arg(long, value_name = "N")]
    corpus_items: Option<u64>,
    /// How many of the most frequent keywords the summary lists.
    #[arg(long, value_name = "N", default_value_t = 20)]
    top: usize,
    /// Malformed rows of JSON lines, CSV and Parquet to accept, in all inputs together: a
    /// number, or a percentage of the rows read such as 0.5%. Beyond it (by default, any)
    /// the command exits 2 after writing its outputs, and the evidence does not pass.
    #[arg(long, value_name = "N|P%", default_value_t = MaxBadRows::default())]
    max_bad_rows: MaxBadRows,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N", hide = true)]
    threads: Option<usize>,
}

/// One hit as CONTRACT.md §7 prints it.
#[derive(Serialize)]
struct HitLine<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    offset: u64,
    length: u64,
    keyword: &'a str,
    category: Option<&'a str>,
}

pub fn run(args: KeywordArgs) -> anyhow::Result<ExitCode> {
    let subject = args.subject.resolve()?;
    let taxonomy = args.taxonomy.as_deref().map(load_taxonomy).transpose()?;
    let list = load_lists(&args.lists, taxonomy.as_ref())?;
    let inputs = accord_data::discover(&args.paths)
        .map_err(|e| bad_input("accord scan keywords", e.to_string()))?;
    if inputs.is_empty() {
        return Err(bad_input(
            "accord scan keywords",
            "No files to scan in the paths given",
        ));
    }
    let matcher = Matcher::new(&list)?;
    let options = ScanOptions {
        fields: args.fields.clone(),
        source_field: args.source_field.clone(),
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        sample: args.sample.map(|n| (n, args.seed)),
        ..ScanOptions::default()
    };

    let mut hits_out = match args.format {
        KeywordFormat::Jsonl => Some(HitWriter::new(args.output.as_deref())?),
        _ => None,
    };
    let keywords = list.keywords();
    let mut on_hit = |hit: &Hit<'_>| -> std::io::Result<()> {
        let Some(out) = hits_out.as_mut() else {
            return Ok(());
        };
        let keyword = &keywords[hit.keyword as usize];
        let line = HitLine {
            path: hit.path,
            record: hit.record,
            field: hit.field,
            offset: hit.offset,
            length: hit.length,
            keyword: &keyword.text,
            category: keyword.category.as_deref(),
        };
        serde_json::to_writer(&mut out.writer, &line)?;
        out.writer.write_all(b"\n")
    };
    let mut progress = ProgressBar::new(&inputs);
    let report = accord_scan::keywords::scan(
        &inputs,
        &matcher,
        list.len(),
        &options,
        &mut on_hit,
        &mut |p| progress.update(p),
    )?;
    progress.clear();
    if let Some(out) = hits_out {
        out.finish()?;
    }

    let rows = RowCheck::new(&report, args.max_bad_rows);
    let unreadable = report_problems(&report, &rows);
    let failed = unreadable || !rows.allowed;
    let summary = Summary::new(&list, taxonomy.as_ref(), &report, &args);
    if let Some(path) = &args.sample_out {
        let mut text = String::new();
        for entry in &report.sample {
            let mut line = json!({"path": entry.path, "record": entry.record, "field": entry.field, "text": entry.text});
            if entry.truncated {
                line["truncated"] = json!(true);
            }
            text.push_str(&line.to_string());
            text.push('\n');
        }
        write_atomically(path, text.as_bytes())?;
    }
    if let Some(path) = &args.evidence {
        let mut evidence = evidence(&summary, &inputs, &args.lists, &rows)?;
        if let Some(subject) = &subject {
            evidence["subject"] = serde_json::to_value(subject)?;
        }
        let mut text = serde_json::to_string_pretty(&evidence)?;
        text.push('\n');
        write_atomically(path, text.as_bytes())?;
    }
    match args.format {
        KeywordFormat::Text => emit(args.output.as_deref(), &summary.text(args.top))?,
        KeywordFormat::Json => {
            let mut text = serde_json::to_string_pretty(&summary.json(args.top))?;
            text.push('\n');
            emit(args.output.as_deref(), &text)?;
        }
        KeywordFormat::Jsonl => {
            eprintln!("{}", summary.headline());
        }
    }
    rows.report_total();
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn bad_input(subject: &str, message: impl Into<String>) -> anyhow::Error {
    Diagnostics::from(Diagnostic::new(subject, None, message)).into()
}

fn load_taxonomy(id: &str) -> anyhow::Result<Taxonomy> {
    if let Some(taxonomy) = Taxonomy::builtin(id) {
        return Ok(taxonomy);
    }
    let path = Path::new(id);
    if path.is_file() {
        let text = crate::input::read_text(path)?;
        return Taxonomy::parse(&text, id).map_err(|d| Diagnostics::from(d).into());
    }
    Err(Diagnostics::from(
        Diagnostic::new("--taxonomy", None, format!("Unknown taxonomy `{id}`")).with_hint(format!(
            "built in: {}; or give the path of a taxonomy YAML file",
            BUILTIN_TAXONOMIES
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    )
    .into())
}

/// Reads every list; all malformed lines of all lists are reported together.
fn load_lists(paths: &[PathBuf], taxonomy: Option<&Taxonomy>) -> anyhow::Result<KeywordList> {
    let mut list = KeywordList::default();
    let mut problems = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| bad_input(&display, format!("Cannot read the keyword list: {e}")))?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let column =
                    valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
                problems.push(
                    Diagnostic::new(&display, Some(Position { line, column }), "Not UTF-8 text")
                        .with_hint("keyword lists are UTF-8; convert it first, e.g. with iconv -f GB18030 -t UTF-8"),
                );
                continue;
            }
        };
        let before = (list.duplicates, list.conflicting_categories);
        if let Err(found) = list.add(&text, &display, taxonomy) {
            problems.extend(found);
            continue;
        }
        let duplicates = list.duplicates - before.0;
        if duplicates > 0 {
            let conflicting = list.conflicting_categories - before.1;
            let example = list
                .duplicate_examples
                .iter()
                .find(|(file, ..)| *file == display)
                .map(|(_, line, keyword, first)| {
                    format!("; first at line {line}: `{keyword}`, as line {first}")
                })
                .unwrap_or_default();
            eprintln!(
                "warning: {display}: {duplicates} duplicate keyword{} ignored (the same after case and width folding{}){example}",
                plural(duplicates),
                if conflicting > 0 {
                    format!("; {conflicting} with another category than the first, which is kept")
                } else {
                    String::new()
                },
            );
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }
    if list.is_empty() {
        return Err(bad_input(
            &paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            "The keyword list is empty",
        ));
    }
    Ok(list)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Rows of structured inputs read and rejected, against --max-bad-rows.
struct RowCheck {
    allowance: MaxBadRows,
    /// Rows of JSON lines, CSV and Parquet read, rejected ones included.
    read: u64,
    rejected: u64,
    allowed: bool,
    /// The first rejected rows: input, line, what was wrong.
    examples: Vec<(String, u64, String)>,
}

impl RowCheck {
    /// How many rejected rows the evidence names.
    const MAX_EXAMPLES: usize = 100;

    fn new(report: &ScanReport, allowance: MaxBadRows) -> RowCheck {
        let structured = report
            .inputs
            .iter()
            .filter(|i| i.format != accord_data::Format::Text);
        let read = structured
            .clone()
            .map(|i| i.read.records + i.read.malformed)
            .sum();
        let rejected = report.inputs.iter().map(|i| i.read.malformed).sum();
        let examples = report
            .inputs
            .iter()
            .flat_map(|i| {
                i.read
                    .malformed_examples
                    .iter()
                    .map(|(line, what)| (i.path.clone(), *line, what.clone()))
            })
            .take(Self::MAX_EXAMPLES)
            .collect();
        RowCheck {
            allowance,
            read,
            rejected,
            allowed: allowance.allows(rejected, read),
            examples,
        }
    }

    fn limit(&self) -> u64 {
        self.allowance.limit(self.read)
    }

    /// The last word on rejected rows, after the outputs are written.
    fn report_total(&self) {
        if self.rejected == 0 {
            return;
        }
        if self.allowed {
            eprintln!(
                "{} malformed row{} rejected in all, within {} (at most {} of {} rows); the rest was scanned",
                thousands(self.rejected),
                plural_u(self.rejected),
                self.allowance.flag(),
                thousands(self.limit()),
                thousands(self.read)
            );
        } else {
            eprintln!(
                "{} malformed row{} rejected in all, more than {} allows (at most {} of {} rows); the rest was scanned and the outputs written",
                thousands(self.rejected),
                plural_u(self.rejected),
                self.allowance.flag(),
                thousands(self.limit()),
                thousands(self.read)
            );
            eprintln!("{}", bad_rows::HINT);
        }
    }
}

/// Reports unreadable inputs and rejected rows (errors, or warnings when
/// --max-bad-rows allows them) and replaced bytes (warnings); whether any
/// input could not be read.
fn report_problems(report: &ScanReport, rows: &RowCheck) -> bool {
    let mut failed = false;
    let level = if rows.allowed { "warning" } else { "error" };
    for input in &report.inputs {
        if let Some(error) = &input.error {
            eprintln!("error: {error}; skipped");
            failed = true;
        }
        if input.read.malformed > 0 {
            eprintln!(
                "{level}: `{}`: {}",
                input.path,
                bad_rows::describe(
                    input.read.malformed,
                    input.read.records + input.read.malformed,
                    &input.read.malformed_examples
                )
            );
        }
        if input.read.invalid_utf8 > 0 {
            eprintln!(
                "warning: {}: {} invalid UTF-8 sequence{} replaced",
                input.path,
                input.read.invalid_utf8,
                if input.read.invalid_utf8 == 1 {
                    ""
                } else {
                    "s"
                }
            );
        }
    }
    failed
}

/// JSON lines of hits to stdout, or to a temporary file renamed at the end.
struct HitWriter {
    writer: BufWriter<Box<dyn Write>>,
    file: Option<(tempfile::TempPath, PathBuf)>,
}

impl HitWriter {
    fn new(path: Option<&Path>) -> anyhow::Result<HitWriter> {
        match path {
            None => Ok(HitWriter {
                writer: BufWriter::with_capacity(1 << 16, Box::new(std::io::stdout())),
                file: None,
            }),
            Some(path) => {
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let file = tempfile::NamedTempFile::new_in(dir)
                    .map_err(|e| anyhow::anyhow!("Cannot write to `{}`: {e}", dir.display()))?;
                let (file, temp) = file.into_parts();
                Ok(HitWriter {
                    writer: BufWriter::with_capacity(1 << 16, Box::new(file)),
                    file: Some((temp, path.to_path_buf())),
                })
            }
        }
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush()?;
        drop(self.writer);
        if let Some((temp, path)) = self.file {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path)
                    .map(|m| m.permissions().mode() & 0o7777)
                    .unwrap_or(0o644);
                std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode))?;
            }
            temp.persist(&path)
                .map_err(|e| anyhow::anyhow!("Cannot write `{}`: {}", path.display(), e.error))?;
        }
        Ok(())
    }
}

/// A bar over the bytes of the inputs, on stderr, once the scan has taken more than a second.
struct ProgressBar {
    start: Instant,
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
    /// Size of each input and of all inputs before it.
    sizes: Vec<(u64, u64, bool)>,
    total: u64,
}

impl ProgressBar {
    fn new(inputs: &[Input]) -> ProgressBar {
        let mut before = 0;
        let sizes = inputs
            .iter()
            .map(|input| {
                let entry = (before, input.size, input.compression == Compression::None);
                before += input.size;
                entry
            })
            .collect();
        ProgressBar {
            start: Instant::now(),
            enabled: std::io::stderr().is_terminal(),
            bar: None,
            sizes,
            total: before,
        }
    }

    fn update(&mut self, progress: accord_scan::keywords::Progress) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() > Duration::from_secs(1) {
            let bar = indicatif::ProgressBar::new(self.total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} scanning [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar
            && let Some(&(before, size, plain)) = self.sizes.get(progress.input)
        {
            let within = if plain {
                progress.input_bytes.min(size)
            } else {
                0
            };
            bar.set_position(before + within);
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Hits and keywords per category.
#[derive(Default)]
struct CategoryCount {
    keywords: u64,
    hits: u64,
}

/// Everything the report and the evidence say.
struct Summary<'a> {
    list: &'a KeywordList,
    taxonomy: Option<&'a Taxonomy>,
    report: &'a ScanReport,
    lists: Vec<String>,
    sample: Option<(usize, u64, String)>,
    corpus_items: Option<u64>,
    source_field: Option<String>,
    /// Per category as listed (`None`: no category).
    categories: BTreeMap<Option<String>, CategoryCount>,
}

impl<'a> Summary<'a> {
    fn new(
        list: &'a KeywordList,
        taxonomy: Option<&'a Taxonomy>,
        report: &'a ScanReport,
        args: &KeywordArgs,
    ) -> Summary<'a> {
        let mut categories: BTreeMap<Option<String>, CategoryCount> = BTreeMap::new();
        for (keyword, hits) in list.keywords().iter().zip(&report.keyword_hits) {
            let entry = categories.entry(keyword.category.clone()).or_default();
            entry.keywords += 1;
            entry.hits += hits;
        }
        Summary {
            list,
            taxonomy,
            report,
            lists: args.lists.iter().map(|p| p.display().to_string()).collect(),
            sample: args
                .sample
                .zip(args.sample_out.as_ref())
                .map(|(n, path)| (n, args.seed, path.display().to_string())),
            corpus_items: args.corpus_items,
            source_field: args.source_field.clone(),
            categories,
        }
    }

    fn items(&self) -> u64 {
        self.report.items()
    }

    fn hit_rate(&self) -> Option<f64> {
        rate(self.report.items_with_hits(), self.items())
    }

    fn technical_sample_fraction(&self) -> Option<f64> {
        rate(self.items(), self.corpus_items.unwrap_or(self.items()))
    }

    fn technical_sample_pass_rate(&self) -> Option<f64> {
        self.hit_rate().map(|r| 1.0 - r)
    }

    fn max_source_ratio(&self) -> Option<f64> {
        self.report
            .sources
            .iter()
            .map(|s| s.hit_rate())
            .reduce(f64::max)
    }

    fn over_threshold(&self) -> impl Iterator<Item = &accord_scan::keywords::SourceReport> {
        self.report
            .sources
            .iter()
            .filter(|s| s.hit_rate() > SOURCE_HARMFUL_RATIO_MAX)
    }

    /// Top-level taxonomy category of a listed category.
    fn parent(&self, category: &str) -> Option<&str> {
        self.taxonomy
            .and_then(|t| t.entry(category))
            .map(|e| e.category)
    }

    /// Rolled up to the taxonomy's top-level categories (with a taxonomy).
    fn top_level(&self) -> Vec<(String, String, String, CategoryCount)> {
        let Some(taxonomy) = self.taxonomy else {
            return Vec::new();
        };
        taxonomy
            .categories
            .iter()
            .map(|category| {
                let mut count = CategoryCount::default();
                for (listed, c) in &self.categories {
                    if listed.as_deref().and_then(|l| self.parent(l))
                        == Some(category.code.as_str())
                    {
                        count.keywords += c.keywords;
                        count.hits += c.hits;
                    }
                }
                (
                    category.code.clone(),
                    category.title.clone(),
                    category.title_zh.clone().unwrap_or_default(),
                    count,
                )
            })
            .collect()
    }

    /// The taxonomy's risks that no keyword is listed under.
    fn uncovered_risks(&self) -> Vec<&str> {
        let Some(taxonomy) = self.taxonomy else {
            return Vec::new();
        };
        taxonomy
            .categories
            .iter()
            .flat_map(|c| &c.risks)
            .map(|r| r.code.as_str())
            .filter(|code| !self.categories.contains_key(&Some((*code).to_string())))
            .collect()
    }

    fn top_keywords(&self, n: usize) -> Vec<(usize, u64)> {
        let mut top: Vec<(usize, u64)> = self
            .report
            .keyword_hits
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, h)| *h > 0)
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(n);
        top
    }

    fn headline(&self) -> String {
        format!(
            "{} hit{} in {} of {} item{} ({}) from {} file{}; {} keyword{}",
            thousands(self.report.hits()),
            plural_u(self.report.hits()),
            thousands(self.report.items_with_hits()),
            thousands(self.items()),
            plural_u(self.items()),
            percent(self.hit_rate()),
            self.report.inputs.len(),
            plural(self.report.inputs.len()),
            thousands(self.list.len() as u64),
            plural(self.list.len()),
        )
    }

    fn text(&self, top: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let mb = self.report.bytes() as f64 / 1e6;
        let _ = writeln!(out, "Keyword scan: {}", self.headline());
        let _ = writeln!(
            out,
            "{:.1} MB scanned{}",
            mb,
            if self.list.duplicates > 0 {
                format!(
                    "; {} duplicate keyword{} ignored",
                    thousands(self.list.duplicates as u64),
                    plural(self.list.duplicates)
                )
            } else {
                String::new()
            }
        );

        let _ = writeln!(
            out,
            "\nBy category{}:",
            self.taxonomy
                .map(|t| format!(" ({})", t.id))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "  {:<12} {:>10} {:>10}",
            "category", "keywords", "hits"
        );
        if self.taxonomy.is_some() {
            for (code, title, title_zh, count) in self.top_level() {
                let _ = writeln!(
                    out,
                    "  {:<12} {:>10} {:>10}  {title_zh} / {title}",
                    code,
                    thousands(count.keywords),
                    thousands(count.hits)
                );
                for (listed, c) in &self.categories {
                    if let Some(listed) = listed.as_deref()
                        && listed != code
                        && self.parent(listed) == Some(code.as_str())
                    {
                        let _ = writeln!(
                            out,
                            "    {:<10} {:>10} {:>10}",
                            listed,
                            thousands(c.keywords),
                            thousands(c.hits)
                        );
                    }
                }
            }
            if let Some(c) = self.categories.get(&None) {
                let _ = writeln!(
                    out,
                    "  {:<12} {:>10} {:>10}",
                    "(none)",
                    thousands(c.keywords),
                    thousands(c.hits)
                );
            }
            let uncovered = self.uncovered_risks();
            if !uncovered.is_empty() {
                let _ = writeln!(
                    out,
                    "  Risks without keywords ({} of {}): {}",
                    uncovered.len(),
                    self.taxonomy.map_or(0, Taxonomy::risk_count),
                    uncovered.join(", ")
                );
            }
        } else {
            for (listed, c) in &self.categories {
                let _ = writeln!(
                    out,
                    "  {:<12} {:>10} {:>10}",
                    listed.as_deref().unwrap_or("(none)"),
                    thousands(c.keywords),
                    thousands(c.hits)
                );
            }
        }

        let _ = writeln!(out, "\nBy file:");
        // Long folders: the files with most hits (and any that failed); --format json lists all.
        let mut shown: Vec<&accord_scan::keywords::InputReport> =
            self.report.inputs.iter().collect();
        if shown.len() > TEXT_FILES {
            shown.sort_by(|a, b| {
                b.error
                    .is_some()
                    .cmp(&a.error.is_some())
                    .then(b.hits.cmp(&a.hits))
            });
            shown.truncate(TEXT_FILES);
        }
        for input in shown {
            let status = match (&input.error, input.read.malformed) {
                (Some(_), _) => "  (not read completely)".to_string(),
                (None, 0) => String::new(),
                (None, n) => format!("  ({} malformed row{} rejected)", thousands(n), plural_u(n)),
            };
            let _ = writeln!(
                out,
                "  {}: {} hit{} in {} of {} item{} ({}){status}",
                input.path,
                thousands(input.hits),
                plural_u(input.hits),
                thousands(input.items_with_hits),
                thousands(input.items),
                plural_u(input.items),
                percent(rate(input.items_with_hits, input.items)),
            );
        }

        if self.report.inputs.len() > TEXT_FILES {
            let _ = writeln!(
                out,
                "  ... {} files in all; these are the {TEXT_FILES} with most hits (--format json lists them all)",
                thousands(self.report.inputs.len() as u64)
            );
        }

        let over: Vec<_> = self.over_threshold().collect();
        let _ = writeln!(
            out,
            "\nSources ({}): {}; {} with over 5% of items hit (TC260-003 5.1: do not use){}",
            self.source_kind(),
            self.report.sources.len(),
            over.len(),
            if over.is_empty() { "." } else { ":" }
        );
        for source in over.iter().take(50) {
            let _ = writeln!(
                out,
                "  {}: {} of {} items ({})",
                source.name,
                thousands(source.items_with_hits),
                thousands(source.items),
                percent(Some(source.hit_rate()))
            );
        }
        if over.len() > 50 {
            let _ = writeln!(
                out,
                "  ... and {} more (--format json lists them all)",
                over.len() - 50
            );
        }

        let top_keywords = self.top_keywords(top);
        if !top_keywords.is_empty() {
            let _ = writeln!(out, "\nTop keywords:");
            for (index, hits) in top_keywords {
                let keyword = &self.list.keywords()[index];
                let _ = writeln!(
                    out,
                    "  {:>10}  {}{}",
                    thousands(hits),
                    keyword.text,
                    keyword
                        .category
                        .as_deref()
                        .map(|c| format!("  ({c})"))
                        .unwrap_or_default()
                );
            }
        }
        if let Some((_, seed, path)) = &self.sample {
            let drawn = self.report.sample_items();
            let _ = writeln!(
                out,
                "\nReview sample: {} item{} (seed {seed}) written to {path}",
                thousands(drawn as u64),
                plural(drawn),
            );
        }
        out
    }

    fn source_kind(&self) -> String {
        match &self.source_field {
            Some(field) => format!("values of `{field}`; files without it"),
            None => "files".to_string(),
        }
    }

    fn json(&self, top: usize) -> serde_json::Value {
        let categories: Vec<serde_json::Value> = self
            .categories
            .iter()
            .map(|(listed, c)| {
                let entry = listed
                    .as_deref()
                    .and_then(|l| self.taxonomy.and_then(|t| t.entry(l)));
                json!({
                    "category": listed,
                    "parent": entry.map(|e| e.category),
                    "title": entry.map(|e| e.title),
                    "title_zh": entry.map(|e| e.title_zh),
                    "keywords": c.keywords,
                    "hits": c.hits,
                })
            })
            .collect();
        let taxonomy_categories: Vec<serde_json::Value> = self
            .top_level()
            .into_iter()
            .map(|(code, title, title_zh, c)| {
                json!({"code": code, "title": title, "title_zh": title_zh, "keywords": c.keywords, "hits": c.hits})
            })
            .collect();
        let inputs: Vec<serde_json::Value> = self
            .report
            .inputs
            .iter()
            .map(|i| {
                json!({
                    "path": i.path,
                    "format": format!("{:?}", i.format).to_lowercase(),
                    "bytes": i.read.bytes,
                    "items": i.items,
                    "items_with_hits": i.items_with_hits,
                    "hits": i.hits,
                    "hit_rate": rate(i.items_with_hits, i.items),
                    "malformed_records": i.read.malformed,
                    "invalid_utf8": i.read.invalid_utf8,
                    "error": i.error,
                })
            })
            .collect();
        let sources: Vec<serde_json::Value> = self
            .report
            .sources
            .iter()
            .map(|s| {
                json!({
                    "source": s.name,
                    "items": s.items,
                    "items_with_hits": s.items_with_hits,
                    "hit_rate": s.hit_rate(),
                    "over_threshold": s.hit_rate() > SOURCE_HARMFUL_RATIO_MAX,
                })
            })
            .collect();
        let top_keywords: Vec<serde_json::Value> = self
            .top_keywords(top)
            .into_iter()
            .map(|(index, hits)| {
                let k = &self.list.keywords()[index];
                json!({"keyword": k.text, "category": k.category, "hits": hits})
            })
            .collect();
        json!({
            "keywords": {
                "lists": self.lists,
                "count": self.list.len(),
                "duplicates": self.list.duplicates,
                "taxonomy": self.taxonomy.map(|t| t.id.as_str()),
            },
            "items": self.items(),
            "items_with_hits": self.report.items_with_hits(),
            "hit_rate": self.hit_rate(),
            "hits": self.report.hits(),
            "bytes": self.report.bytes(),
            "source_threshold": SOURCE_HARMFUL_RATIO_MAX,
            "categories": categories,
            "taxonomy_categories": if self.taxonomy.is_some() { json!(taxonomy_categories) } else { json!(null) },
            "inputs": inputs,
            "sources": sources,
            "sources_over_threshold": self.over_threshold().count(),
            "top_keywords": top_keywords,
            "sample": self.sample.as_ref().map(|(n, seed, path)| json!({
                "requested": n, "drawn": self.report.sample_items(), "seed": seed, "path": path,
                "method": "reservoir sampling (Algorithm R), SplitMix64"
            })),
        })
    }
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_string(), |r| format!("{:.2}%", r * 100.0))
}

fn plural_u(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

use crate::bad_rows::thousands;

/// At most this many files are listed in the text summary.
const TEXT_FILES: usize = 50;

/// At most this many sources are named in an evidence file (highest rates first).
const EVIDENCE_SOURCES: usize = 1000;

/// The TC260-003 thresholds a keyword scan is evidence for. The values are the
/// cn-ai rulepack's (a test checks that they agree); `accord assess` checks the
/// rules' own thresholds again.
const THRESHOLDS: [(&str, &str, f64, &str); 4] = [
    (
        "keyword_count",
        "ge",
        10_000.0,
        "TC260-003-2024 clause 8.1 (GB/T 45654-2025)",
    ),
    (
        "max_source_harmful_ratio",
        "le",
        SOURCE_HARMFUL_RATIO_MAX,
        "TC260-003-2024 clause 5.1 (GB/T 45654-2025)",
    ),
    (
        "technical_sample_fraction",
        "ge",
        0.10,
        "TC260-003-2024 clause 9.2 b) (GB/T 45654-2025)",
    ),
    (
        "technical_sample_pass_rate",
        "ge",
        0.98,
        "TC260-003-2024 clause 9.2 b) (GB/T 45654-2025)",
    ),
];

fn evidence(
    summary: &Summary<'_>,
    inputs: &[Input],
    lists: &[PathBuf],
    rows: &RowCheck,
) -> anyhow::Result<serde_json::Value> {
    let metric = |name: &str| -> Option<f64> {
        match name {
            "keyword_count" => Some(summary.list.len() as f64),
            "max_source_harmful_ratio" => summary.max_source_ratio(),
            "technical_sample_fraction" => summary.technical_sample_fraction(),
            "technical_sample_pass_rate" => summary.technical_sample_pass_rate(),
            _ => None,
        }
    };
    let mut thresholds: Vec<serde_json::Value> = THRESHOLDS
        .iter()
        .map(|(name, op, value, source)| {
            // A metric this scan could not measure (no sample taken) is no
            // failure: `passed` is null, and the rules that need it find it missing.
            let actual = metric(name);
            let passed = actual.map(|a| if *op == "ge" { a >= *value } else { a <= *value });
            json!({"name": name, "op": op, "value": value, "actual": actual, "source": source, "passed": passed})
        })
        .collect();
    // The scan read what it was given: every input to the end, and no more
    // rejected rows than allowed.
    let unreadable = summary
        .report
        .inputs
        .iter()
        .filter(|i| i.error.is_some())
        .count();
    thresholds.push(json!({"name": "unreadable_inputs", "op": "le", "value": 0, "actual": unreadable, "source": "every input read to the end", "passed": unreadable == 0}));
    thresholds.push(json!({"name": "malformed_records", "op": "le", "value": rows.limit(), "actual": rows.rejected, "source": rows.allowance.flag(), "passed": rows.allowed}));
    let passed = thresholds.iter().all(|t| t["passed"] != json!(false));

    let mut digests = Vec::new();
    // An input that cannot be read has no digest (it was reported and skipped).
    for input in inputs {
        digests.push(
            json!({"path": input.display, "sha256": crate::output::sha256_file(&input.path).ok()}),
        );
    }
    for list in lists {
        digests.push(json!({"path": list.display().to_string(), "sha256": crate::output::sha256_file(list).with_context(|| format!("Cannot read `{}`", list.display()))?, "role": "keyword-list"}));
    }
    // Names of the flagged sources, and the sources with the highest rates: at most
    // EVIDENCE_SOURCES of each, so that the file stays small with many sources.
    let over: Vec<&str> = summary
        .over_threshold()
        .map(|s| s.name.as_str())
        .take(EVIDENCE_SOURCES)
        .collect();
    let mut metrics = json!({
        "keyword_count": summary.list.len(),
        "max_source_harmful_ratio": summary.max_source_ratio(),
        "technical_sample_fraction": summary.technical_sample_fraction(),
        "technical_sample_pass_rate": summary.technical_sample_pass_rate(),
        "items_scanned": summary.items(),
        "items_with_hits": summary.report.items_with_hits(),
        "corpus_items": summary.corpus_items.unwrap_or(summary.items()),
        "hits": summary.report.hits(),
        "bytes_scanned": summary.report.bytes(),
        "sources_scanned": summary.report.sources.len(),
        "sources_over_threshold": over,
        "sources_over_threshold_count": summary.over_threshold().count(),
        "risks_without_keywords": summary.uncovered_risks(),
        "unreadable_inputs": unreadable,
        "rows_read": rows.read,
        "malformed_records": rows.rejected,
        "malformed_examples": rows.examples.iter().map(|(path, line, what)| json!({"path": path, "line": line, "message": what})).collect::<Vec<_>>(),
        "invalid_utf8": summary.report.inputs.iter().map(|i| i.read.invalid_utf8).sum::<u64>(),
        "method": "Aho-Corasick, leftmost-longest, Unicode case and full-width/half-width folding; an item with a hit does not pass",
    });
    let json_summary = summary.json(20);
    for key in [
        "categories",
        "taxonomy_categories",
        "sources",
        "top_keywords",
        "sample",
    ] {
        metrics[key] = json_summary[key].clone();
    }
    if let Some(sources) = metrics["sources"].as_array_mut() {
        sources.sort_by(|a, b| {
            let rate = |v: &serde_json::Value| v["hit_rate"].as_f64().unwrap_or(0.0);
            rate(b).total_cmp(&rate(a))
        });
        sources.truncate(EVIDENCE_SOURCES);
    }
    metrics["taxonomy"] = json_summary["keywords"]["taxonomy"].clone();
    metrics["keyword_duplicates"] = json!(summary.list.duplicates);
    Ok(json!({
        "accord": "evidence/v1",
        "kind": "keyword-scan",
        "produced_at": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "tool": {"name": "accord", "version": env!("CARGO_PKG_VERSION")},
        "inputs": digests,
        "controls": ["content-safety-testing"],
        "metrics": metrics,
        "thresholds": thresholds,
        "passed": passed,
    }))
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
