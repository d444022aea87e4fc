//! Reading the inputs that scanners and audits consume.
//!
//! - [`discover`] expands files and folders (recursively, sorted) into
//!   [`Input`]s, detecting format and compression from the file name
//!   (`corpus.jsonl.zst`, `scores.csv.gz`, `table.parquet`).
//! - [`open`] gives the decompressed bytes.
//! - [`text_units`] streams the text to scan — plain text in chunks with byte
//!   offsets, or the chosen fields of JSON lines, CSV and Parquet records —
//!   with a [`ReadReport`] of what was malformed, never silently dropped.
//! - [`table`] streams Arrow record batches of chosen columns for audits.
//!
//! Everything streams: memory stays bounded by the chunk and batch sizes,
//! whatever the size of the input (a few tens of MB per reader; a record
//! longer than 256 MiB is reported as malformed rather than held). Inputs of
//! 4 MiB and more are read on threads: decompressing and splitting on one,
//! decoding (Arrow, JSON) on one per core, results handed out in file order.
//!
//! CSV and TSV are read to RFC 4180 as the `csv` crate reads them (see the
//! `csv` module: LF, CRLF and CR line ends, quoted fields holding delimiters,
//! quotes and line breaks, a byte order mark, blank lines); the conformance
//! suite is the case files in `tests/csv/` and the csv-spectrum corpus.
//!
//! Malformed records (a JSON line that does not parse, a CSV row with the
//! wrong number of fields or a quote that never closes, and in typed tables a
//! value that does not parse as its column's inferred type) are skipped,
//! counted and listed in the reader's [`ReadReport`] with their 1-based line
//! numbers: every record is either given out or reported. An error that
//! stops one input (it cannot be opened, its compressed stream is corrupt, it
//! is not Parquet) is a [`DataError`], and callers report it and go on with
//! the other inputs.
//!
//! A UTF-8 byte order mark at the start of a CSV, TSV or JSON lines input
//! (compressed or not) is dropped before the header or the first line. In
//! plain text it is text like any other (U+FEFF, three bytes, in the first
//! unit), so that offsets stay byte offsets of the file.
//!
//! ```
//! # fn main() -> Result<(), accord_data::DataError> {
//! # let folder = tempfile::tempdir().map_err(|e| accord_data::DataError::Internal(e.to_string()))?;
//! # std::fs::write(folder.path().join("notes.txt"), "call 555-0100\n").map_err(|e| accord_data::DataError::Internal(e.to_string()))?;
//! let inputs = accord_data::discover(&[folder.path().to_path_buf()])?;
//! for input in &inputs {
//!     let mut units = accord_data::text_units(input, &accord_data::TextOptions::default())?;
//!     for unit in &mut units {
//!         let unit = unit?;
//!         assert_eq!(unit.offset, 0);
//!         assert_eq!(unit.text, "call 555-0100\n");
//!     }
//!     assert_eq!(units.report().malformed, 0);
//! }
//! # Ok(())
//! # }
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

mod csv;
mod discover;
mod jsonl;
mod parallel;
mod parquet;
mod pipeline;
mod plain;
mod read;

use std::path::PathBuf;

pub use arrow_array::RecordBatch;
pub use arrow_schema::SchemaRef;
pub use discover::discover;
use pipeline::Feed;
pub use read::open;

/// What a file holds, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Anything not recognised below: scanned as UTF-8 text (invalid bytes replaced, and counted).
    Text,
    /// `.jsonl`, `.ndjson`: one JSON object per line.
    Jsonl,
    /// `.csv` (and `.tsv`, tab-separated), with a header row.
    Csv,
    /// `.parquet`.
    Parquet,
}

/// How a file is compressed, from its last extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    /// `.gz`
    Gzip,
    /// `.zst`
    Zstd,
}

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    /// The path as shown in output and messages (as the user wrote it, joined with the relative path inside a folder).
    pub display: String,
    pub format: Format,
    pub compression: Compression,
    /// Size on disk in bytes (compressed size for compressed files).
    pub size: u64,
    /// `.tsv`: tab-separated CSV.
    pub tab_separated: bool,
}

/// Something went wrong that stops reading one input (other inputs go on).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    #[error("Cannot read `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` does not exist")]
    NotFound { path: String },
    /// A requested column or field is not in the input.
    #[error(
        "`{path}` has no column {}; it has: {}",
        quote(missing),
        quote(available)
    )]
    MissingColumns {
        path: String,
        missing: Vec<String>,
        available: Vec<String>,
    },
    /// The input cannot be read as its format at all (not a Parquet file, no CSV header, ...).
    #[error("`{path}`{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default())]
    Format {
        path: String,
        row: Option<u64>,
        message: String,
    },
    #[error("Internal error (this is a bug): {0}")]
    Internal(String),
}

fn quote(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What reading met without stopping: counted, with the first examples kept.
///
/// Line numbers are 1-based lines of the decompressed file where the record
/// starts, counting `\n` (for CSV the header is line 1 unless blank lines
/// precede it; a quoted field may span lines). Messages of CSV records start
/// with `row N: `, N the 0-based data row (as [`TextUnit::record`]), malformed
/// rows included.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadReport {
    /// Records given out (lines of JSONL, rows of CSV/Parquet) or chunks of text read;
    /// with [`ReadReport::malformed`], every record of the input.
    pub records: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Malformed records (unparseable JSON line, CSV row with the wrong number of fields, ...), skipped.
    pub malformed: u64,
    /// The first malformed records: 1-based row or line number and what was wrong.
    pub malformed_examples: Vec<(u64, String)>,
    /// Invalid UTF-8 sequences (maximal invalid subparts, as counted by
    /// [`String::from_utf8_lossy`]) replaced. In fields of structured input
    /// each sequence becomes U+FFFD. In plain text each invalid *byte* becomes
    /// U+001A SUBSTITUTE, a one-byte character, so that byte offsets within a
    /// unit's text stay byte offsets of the file.
    pub invalid_utf8: u64,
}

impl ReadReport {
    /// How many malformed records are kept in [`ReadReport::malformed_examples`].
    pub const MAX_EXAMPLES: usize = 100;

    pub(crate) fn malformed(&mut self, line: u64, message: impl Into<String>) {
        self.malformed += 1;
        if self.malformed_examples.len() < Self::MAX_EXAMPLES {
            self.malformed_examples.push((line, message.into()));
        }
    }
}

/// A piece of text to scan, and where it came from (CONTRACT.md §7 offsets).
#[derive(Clone, Debug, PartialEq)]
pub struct TextUnit {
    /// For plain text: `None`. For structured input: the 0-based record (line or row).
    pub record: Option<u64>,
    /// For structured input: the column name or JSON pointer of the field.
    pub field: Option<String>,
    /// For plain text: the byte offset of `text` in the (decompressed) file; 0 for fields,
    /// whose findings are offsets into the field's decoded value (a byte order
    /// mark before a CSV header or a first JSON line shifts nothing).
    ///
    /// Plain text units are cut at UTF-8 character boundaries and invalid bytes
    /// are replaced one for one (see [`ReadReport::invalid_utf8`]), so a match at
    /// byte `i` of `text` is at byte `offset + i` of the file, always.
    pub offset: u64,
    pub text: String,
}

/// Which text to take from structured inputs, and chunking of plain text.
///
/// Plain text ignores `fields`. CSV and Parquet: the chosen columns, in the
/// order asked for, record by record; Parquet values that are not strings are
/// written as Arrow displays them. JSON lines: each record is walked in
/// document order and each selected value is taken once, however many
/// requested fields cover it; a field asked for by name is labelled with that
/// name, and a number or boolean there is written as text; an object or array
/// there yields every string inside it, labelled with its JSON pointer. A
/// field absent from a record yields nothing for that record, but a field that
/// none of the first 1,000 records has is a [`DataError::MissingColumns`] (a
/// typo would otherwise scan nothing). Empty strings and nulls yield no unit.
#[derive(Clone, Debug)]
pub struct TextOptions {
    /// JSONL: top-level keys or JSON pointers (`/meta/title`); CSV/Parquet: column names.
    /// Empty: every string value (JSONL: every string anywhere in the object, with its pointer).
    pub fields: Vec<String>,
    /// Plain text is cut into units of at most this many bytes (1 to 1 GiB; a
    /// unit holds at least one character), after the last line end in reach,
    /// else after the last whitespace, else at a character boundary. A match
    /// that spans a cut (only possible where a line is longer than this) is
    /// split between two units.
    pub chunk_bytes: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            fields: Vec::new(),
            chunk_bytes: 1 << 20,
        }
    }
}

/// Columns, batch size and types for tabular reading.
///
/// Types. Parquet keeps its own types whatever `text` says. CSV and JSON
/// lines:
///
/// - With `text` (what audits should ask for), every column is `Utf8` and no
///   type is guessed, so a value can never make its row malformed. A CSV value
///   is the field as written, unquoted; an empty field is null. A JSON value
///   that is a string is that string; a number or a boolean is its JSON text
///   as written (`1.50`, `1e3`, `true`); an object or an array is its JSON
///   text without the whitespace between tokens (`{"a":[1,2]}`); `null` and a
///   missing key are null.
/// - Without `text` (the default), types are inferred by Arrow's inference
///   over the first 1,000 well-formed records (CSV: `Boolean`, `Int64`,
///   `Float64`, dates and timestamps, else `Utf8`; JSON: per column, its JSON
///   type, `Utf8` where records disagree). An all-empty (or all-null) column
///   is `Utf8`. A later value that does not parse as its column's type makes
///   its whole row malformed: reported in [`ReadReport`] with its line, row,
///   column and value, and skipped. So a column of integers with `NA` at row
///   5,000 loses that row. Empty CSV values are null; JSON numbers and
///   booleans in a `Utf8` column are their text.
///
/// Invalid UTF-8 in CSV and JSON lines is replaced by U+FFFD and counted in
/// [`ReadReport::invalid_utf8`]; it does not make a row malformed.
#[derive(Clone, Debug)]
pub struct TableOptions {
    /// The columns to read (projection), in this order in every batch; all must
    /// exist. Empty: every column.
    pub columns: Vec<String>,
    /// Rows per batch at most. CSV and JSON lines batches also stop at about
    /// 8 MiB of input, so long rows make smaller batches.
    pub batch_rows: usize,
    /// Read every CSV and JSON lines column as `Utf8`, values as written (see above).
    pub text: bool,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            columns: Vec::new(),
            batch_rows: 8192,
            text: false,
        }
    }
}

/// Streams [`TextUnit`]s from one input; see [`text_units`].
pub struct TextReader {
    source: TextSource,
    report: ReadReport,
    done: bool,
}

enum TextSource {
    Feed(Feed<TextInner>),
    /// JSON lines: split into batches of lines on one thread, parsed on one per core.
    Jsonl {
        pipeline: parallel::Pipeline<jsonl::JsonlSplit, jsonl::JsonlUnits>,
        reports: parallel::Reports,
        pending: std::vec::IntoIter<TextUnit>,
    },
}

enum TextInner {
    Plain(plain::PlainText),
    Csv(Box<csv::CsvText>),
    Parquet(parquet::ParquetText),
}

impl pipeline::Stage for TextInner {
    type Item = TextUnit;

    const GROUP_BYTES: usize = 1 << 20;

    fn next_item(&mut self, report: &mut ReadReport) -> Result<Option<TextUnit>, DataError> {
        match self {
            TextInner::Plain(reader) => reader.next_unit(report),
            TextInner::Csv(reader) => reader.next_unit(report),
            TextInner::Parquet(reader) => reader.next_unit(report),
        }
    }

    fn weight(unit: &TextUnit) -> usize {
        unit.text.len() + 64
    }
}

impl TextReader {
    /// What was read so far, and what was malformed; complete once the iterator is exhausted.
    pub fn report(&self) -> &ReadReport {
        &self.report
    }
}

impl Iterator for TextReader {
    type Item = Result<TextUnit, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match &mut self.source {
            TextSource::Feed(feed) => feed.next(&mut self.report),
            TextSource::Jsonl {
                pipeline,
                reports,
                pending,
            } => loop {
                if let Some(unit) = pending.next() {
                    break Ok(Some(unit));
                }
                let batch = pipeline.next(reports);
                self.report = pipeline::merge(&reports.read, &reports.decoded);
                match batch {
                    Ok(Some(units)) => *pending = units.into_iter(),
                    Ok(None) => break Ok(None),
                    Err(error) => break Err(error),
                }
            },
        };
        self.done = !matches!(next, Ok(Some(_)));
        next.transpose()
    }
}

impl std::fmt::Debug for TextReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextReader")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// Streams the text to scan from one input: plain text in units of about
/// [`TextOptions::chunk_bytes`] with byte offsets, or the chosen fields of
/// each record of JSON lines, CSV and Parquet, in file order.
///
/// Fails up front when the input cannot be opened or a requested column is
/// missing; errors met later (a corrupt compressed stream) end the iterator
/// with one `Err`. Malformed records are skipped and counted in
/// [`TextReader::report`]. Inputs of 4 MiB and more are read ahead on a
/// thread of their own, so that reading overlaps with scanning (JSON lines:
/// parsed on one thread per core, handed out in file order).
pub fn text_units(input: &Input, options: &TextOptions) -> Result<TextReader, DataError> {
    let inner = match input.format {
        Format::Text => TextInner::Plain(plain::PlainText::new(input, options)?),
        Format::Jsonl => {
            let (split, units) = jsonl::text(input, options)?;
            let source = TextSource::Jsonl {
                pipeline: parallel::Pipeline::new(split, units, input.size),
                reports: parallel::Reports::default(),
                pending: Vec::new().into_iter(),
            };
            return Ok(TextReader {
                source,
                report: ReadReport::default(),
                done: false,
            });
        }
        Format::Csv => TextInner::Csv(Box::new(csv::CsvText::new(input, options)?)),
        Format::Parquet => TextInner::Parquet(parquet::ParquetText::new(input, options)?),
    };
    let source = TextSource::Feed(Feed::new(inner, input.size));
    Ok(TextReader {
        source,
        report: ReadReport::default(),
        done: false,
    })
}

/// The column names of a CSV (header) or Parquet file, or the top-level field
/// names of JSON lines (in order of first appearance in the first 1,000 records).
/// An empty file has none. Plain text is a [`DataError::Format`].
pub fn columns(input: &Input) -> Result<Vec<String>, DataError> {
    match input.format {
        Format::Text => Err(not_a_table(input)),
        Format::Jsonl => jsonl::columns(input),
        Format::Csv => csv::columns(input),
        Format::Parquet => parquet::columns(input),
    }
}

/// Streams Arrow record batches of one input; see [`table`].
pub struct TableReader {
    inner: TableInner,
    schema: SchemaRef,
    reports: parallel::Reports,
    report: ReadReport,
    done: bool,
}

enum TableInner {
    Csv(parallel::Pipeline<csv::CsvSplit, csv::CsvDecode>),
    Jsonl(parallel::Pipeline<jsonl::JsonlSplit, jsonl::JsonlDecode>),
    Parquet(Feed<parquet::ParquetTable>),
}

impl TableReader {
    /// What was read so far, and what was malformed; complete once the iterator is exhausted.
    pub fn report(&self) -> &ReadReport {
        &self.report
    }

    /// The schema of every batch: the requested columns, in the requested order.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>, DataError> {
        match &mut self.inner {
            TableInner::Parquet(feed) => feed.next(&mut self.reports.read),
            TableInner::Csv(pipeline) => pipeline.next(&mut self.reports),
            TableInner::Jsonl(pipeline) => pipeline.next(&mut self.reports),
        }
    }
}

impl Iterator for TableReader {
    type Item = Result<RecordBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_batch();
        self.report = pipeline::merge(&self.reports.read, &self.reports.decoded);
        self.done = !matches!(next, Ok(Some(_)));
        next.transpose()
    }
}

impl std::fmt::Debug for TableReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableReader")
            .field("schema", &self.schema)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// Streams Arrow record batches of the requested columns (all when none are
/// named) of a CSV, JSON lines or Parquet input, `batch_rows` rows at most
/// each; see [`TableOptions`] for types. A requested column that is absent is
/// a [`DataError::MissingColumns`] before anything is read; malformed rows are
/// skipped and counted in [`TableReader::report`]. Inputs of 4 MiB and more
/// are read on threads (CSV and JSON lines: split into batches of records on
/// one, decoded by Arrow on one per core, handed out in file order).
pub fn table(input: &Input, options: &TableOptions) -> Result<TableReader, DataError> {
    let options = TableOptions {
        columns: options.columns.clone(),
        batch_rows: options.batch_rows.max(1),
        text: options.text,
    };
    let (inner, schema) = match input.format {
        Format::Text => return Err(not_a_table(input)),
        Format::Csv => {
            let (split, decode) = csv::table(input, &options)?;
            let schema = decode.schema();
            (
                TableInner::Csv(parallel::Pipeline::new(split, decode, input.size)),
                schema,
            )
        }
        Format::Jsonl => {
            let (split, decode) = jsonl::table(input, &options)?;
            let schema = decode.schema();
            (
                TableInner::Jsonl(parallel::Pipeline::new(split, decode, input.size)),
                schema,
            )
        }
        Format::Parquet => {
            let reader = parquet::ParquetTable::new(input, &options)?;
            let schema = reader.schema();
            (TableInner::Parquet(Feed::new(reader, input.size)), schema)
        }
    };
    Ok(TableReader {
        inner,
        schema,
        reports: parallel::Reports::default(),
        report: ReadReport::default(),
        done: false,
    })
}

fn not_a_table(input: &Input) -> DataError {
    DataError::Format {
        path: input.display.clone(),
        row: None,
        message: "plain text has no columns; tables are read from CSV, TSV, JSON lines or Parquet"
            .into(),
    }
}

/// Checks that requested names exist, returning their indices in `available`.
pub(crate) fn resolve_columns(
    input: &Input,
    requested: &[String],
    available: &[String],
) -> Result<Vec<usize>, DataError> {
    let mut indices = Vec::with_capacity(requested.len());
    let mut missing = Vec::new();
    for name in requested {
        match available.iter().position(|a| a == name) {
            Some(i) => indices.push(i),
            None => missing.push(name.clone()),
        }
    }
    if missing.is_empty() {
        Ok(indices)
    } else {
        Err(DataError::MissingColumns {
            path: input.display.clone(),
            missing,
            available: available.to_vec(),
        })
    }
}

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;
