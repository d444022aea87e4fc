//! CSV and TSV, with a header row.
//!
//! Arrow's CSV reader stops at the first malformed row, so records are first
//! split here with `csv-core` (the parser inside Arrow's reader, with the same
//! settings: `"` quotes, doubled to escape, any of `\r`, `\n`, `\r\n` ending a
//! record, empty lines skipped). A record with the wrong number of fields is
//! reported and skipped; when it spans several lines (an unbalanced quote
//! swallowing the lines that follow), only its first line is dropped and
//! reading resumes at the next line. The text scanners take the split fields
//! directly (the values exactly as written, `007` stays `007`); tables hand the
//! well-formed records' bytes to Arrow's CSV decoder, and when a batch fails
//! there (a value that does not parse as its column's type) decode its rows one
//! by one to report the bad ones.

use std::collections::VecDeque;
use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use csv_core::ReadRecordResult;

use crate::read::{SAMPLE_RECORDS, io_error, lossy, open, record_limit, size};
use crate::{DataError, Input, ReadReport, RecordBatch, TableOptions, TextOptions, TextUnit};

const READ_CHUNK: usize = 256 << 10;

/// A table batch holds about this many bytes of records at most (as well as
/// `batch_rows` rows), to bound memory whatever the length of rows.
const BATCH_BYTES: usize = 8 << 20;

/// One record as split by [`Records`]: its bytes as written and its fields.
pub(crate) struct Record<'a> {
    pub(crate) raw: &'a [u8],
    /// 1-based line where the record starts.
    pub(crate) line: u64,
    /// Whether the record spans more than one line.
    pub(crate) multiline: bool,
    fields: &'a [u8],
    ends: &'a [usize],
    /// Fields are `fields` split at the offsets in `ends` (a record without
    /// quotes, taken as it is); otherwise `ends` are the ends of unescaped
    /// fields laid end to end.
    separated: bool,
}

impl<'a> Record<'a> {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn field(&self, i: usize) -> &'a [u8] {
        let start = match i {
            0 => 0,
            _ if self.separated => self.ends[i - 1] + 1,
            _ => self.ends[i - 1],
        };
        &self.fields[start..self.ends[i]]
    }
}

pub(crate) enum Split<'a> {
    Record(Record<'a>),
    /// A record longer than [`record_limit`]; skipped up to the end of its first line.
    TooLong {
        line: u64,
    },
    End,
}

/// Splits a stream into CSV records, keeping each record's bytes.
pub(crate) struct Records {
    input: Input,
    reader: Box<dyn Read + Send>,
    parser: csv_core::Reader,
    /// `buffer[start..end]` is read and not yet split; `position` is how far the parser got.
    buffer: Vec<u8>,
    start: usize,
    position: usize,
    end: usize,
    eof: bool,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// 1-based line number at `buffer[start]`.
    line: u64,
    /// The last record given out: its place in `buffer` and first line.
    last: (usize, usize, u64),
    /// After a record too long: bytes are dropped up to the next line end.
    skipping: bool,
    pub(crate) bytes: u64,
    limit: usize,
    delimiter: u8,
    /// Whether the first record was split (by `csv-core`, which drops a byte order mark).
    started: bool,
}

impl Records {
    pub(crate) fn new(input: &Input) -> Result<Self, DataError> {
        Self::from_reader(input, open(input)?)
    }

    fn from_reader(input: &Input, reader: Box<dyn Read + Send>) -> Result<Self, DataError> {
        let mut builder = csv_core::ReaderBuilder::new();
        if input.tab_separated {
            builder.delimiter(b'\t');
        }
        Ok(Records {
            input: input.clone(),
            reader,
            parser: builder.build(),
            buffer: vec![0; READ_CHUNK],
            start: 0,
            position: 0,
            end: 0,
            eof: false,
            fields: vec![0; 4096],
            ends: vec![0; 64],
            line: 1,
            last: (0, 0, 1),
            skipping: false,
            bytes: 0,
            limit: record_limit(),
            delimiter: if input.tab_separated { b'\t' } else { b',' },
            started: false,
        })
    }

    pub(crate) fn next_record(&mut self) -> Result<Split<'_>, DataError> {
        let mut field_bytes = 0;
        let mut field_count = 0;
        loop {
            if self.skipping {
                match memchr::memchr(b'\n', &self.buffer[self.position..self.end]) {
                    Some(i) => {
                        self.position += i + 1;
                        self.start = self.position;
                        self.skipping = false;
                    }
                    None => {
                        self.position = self.end;
                        self.start = self.end;
                        if self.eof {
                            return Ok(Split::End);
                        }
                        self.fill()?;
                        continue;
                    }
                }
            }
            if self.position == self.start
                && self.started
                && !self.skipping
                && let Some((length, body)) = self.simple_line()
            {
                // A line without quotes or carriage returns inside: its fields are
                // what lies between delimiters, as `csv-core` would split them,
                // found many times faster.
                let start = self.start;
                let raw = &self.buffer[start..start + length];
                let leading = body.start - start;
                let line =
                    self.line + raw[..leading].iter().filter(|&&b| b == b'\n').count() as u64;
                self.line += memchr::memchr_iter(b'\n', raw).count() as u64;
                self.ends.clear();
                self.ends.extend(memchr::memchr_iter(
                    self.delimiter,
                    &self.buffer[body.clone()],
                ));
                self.ends.push(body.len());
                self.last = (start, start + length, line);
                self.start += length;
                self.position = self.start;
                return Ok(Split::Record(Record {
                    raw: &self.buffer[start..start + length],
                    line,
                    multiline: false,
                    fields: &self.buffer[body],
                    ends: &self.ends,
                    separated: true,
                }));
            }
            if !self.started && self.end - self.position < 4 && !self.eof {
                // `csv-core` drops a byte order mark only when it sees all of it at
                // once, and takes what follows it being empty for the end of input.
                self.fill()?;
                continue;
            }
            if self.position == self.end && !self.eof {
                // An empty input tells `csv-core` the stream has ended: read first.
                if self.position - self.start > self.limit {
                    let line = self.skip_first_line();
                    return Ok(Split::TooLong { line });
                }
                self.fill()?;
                continue;
            }
            let (result, read, written, ended) = self.parser.read_record(
                &self.buffer[self.position..self.end],
                &mut self.fields[field_bytes..],
                &mut self.ends[field_count..],
            );
            self.position += read;
            field_bytes += written;
            field_count += ended;
            match result {
                // More input is read at the top of the loop; at the end, `read_record`
                // is then given an empty input, which finishes the last record.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let length = self.fields.len() * 2;
                    self.fields.resize(length, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let length = (self.ends.len() * 2).max(64);
                    self.ends.resize(length, 0);
                }
                ReadRecordResult::Record if self.position - self.start > self.limit => {
                    let line = self.skip_first_line();
                    return Ok(Split::TooLong { line });
                }
                ReadRecordResult::Record => {
                    self.started = true;
                    let (start, end) = (self.start, self.position);
                    let raw = &self.buffer[start..end];
                    let leading = raw
                        .iter()
                        .take_while(|&&b| b == b'\n' || b == b'\r')
                        .count();
                    let line =
                        self.line + raw[..leading].iter().filter(|&&b| b == b'\n').count() as u64;
                    let newlines = memchr::memchr_iter(b'\n', raw).count() as u64;
                    let body = &raw[leading..];
                    // The terminator of the record itself is not a line inside it.
                    let inner = body.strip_suffix(b"\n").unwrap_or(body);
                    let multiline = memchr::memchr(b'\n', inner).is_some();
                    self.last = (start, end, line);
                    self.line += newlines;
                    self.start = end;
                    return Ok(Split::Record(Record {
                        raw: &self.buffer[start..end],
                        line,
                        multiline,
                        fields: &self.fields[..field_bytes],
                        ends: &self.ends[..field_count],
                        separated: false,
                    }));
                }
                ReadRecordResult::End => return Ok(Split::End),
            }
        }
    }

    /// The next record when it is one simple line in the buffer: its length
    /// with blank lines before it and its line end, and where its fields are.
    fn simple_line(&self) -> Option<(usize, std::ops::Range<usize>)> {
        let available = &self.buffer[self.start..self.end];
        let leading = available
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let (body, length) = match memchr::memchr(b'\n', &available[leading..]) {
            Some(i) => (&available[leading..leading + i], leading + i + 1),
            None if self.eof && leading < available.len() => {
                (&available[leading..], available.len())
            }
            None => return None,
        };
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if length > self.limit || memchr::memchr2(b'"', b'\r', body).is_some() {
            return None;
        }
        let from = self.start + leading;
        Some((length, from..from + body.len()))
    }

    /// Drops the last record given out but its first line, and splits again
    /// from the line that follows (for a record that swallowed lines).
    pub(crate) fn resume_after_first_line(&mut self) {
        let (start, end, line) = self.last;
        let raw = &self.buffer[start..end];
        let leading = raw
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        if let Some(i) = memchr::memchr(b'\n', &raw[leading..]) {
            let next = start + leading + i + 1;
            if next < end {
                self.start = next;
                self.position = next;
                self.line = line + 1;
                self.parser.reset();
            }
        }
    }

    /// After a record too long: drop it from the end of its first line onward.
    /// Returns the line where the record starts.
    fn skip_first_line(&mut self) -> u64 {
        self.parser.reset();
        let leading = self.buffer[self.start..self.end]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let from = self.start + leading;
        self.line += self.buffer[self.start..from]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        let line = self.line;
        match memchr::memchr(b'\n', &self.buffer[from..self.end]) {
            Some(i) => {
                self.start = from + i + 1;
                self.position = self.start;
            }
            None => {
                self.start = self.end;
                self.position = self.end;
                self.skipping = true;
            }
        }
        self.line += 1;
        line
    }

    /// Reads more input after `end`, first moving the unsplit part to the front.
    fn fill(&mut self) -> Result<(), DataError> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.position -= self.start;
            self.end -= self.start;
            self.start = 0;
        }
        if self.buffer.len() - self.end < READ_CHUNK / 2 {
            let length = (self.buffer.len() * 2).max(self.end + READ_CHUNK);
            self.buffer.resize(length, 0);
        }
        loop {
            match self.reader.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.end += read;
                    self.bytes += read as u64;
                    return Ok(());
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(io_error(&self.input, error)),
            }
        }
    }
}

/// The header: the names of the first record, or none for an empty file.
fn header(records: &mut Records, report: &mut ReadReport) -> Result<Vec<String>, DataError> {
    loop {
        return match records.next_record()? {
            Split::Record(record) => Ok((0..record.len())
                .map(|i| lossy(record.field(i), report))
                .collect()),
            Split::TooLong { line } => {
                report.malformed(line, too_long(records.limit));
                continue;
            }
            Split::End => Ok(Vec::new()),
        };
    }
}

fn too_long(limit: usize) -> String {
    format!(
        "a record longer than the limit of {} (an unbalanced quote?)",
        size(limit)
    )
}

pub(crate) fn columns(input: &Input) -> Result<Vec<String>, DataError> {
    header(&mut Records::new(input)?, &mut ReadReport::default())
}

/// What to do with a split record, given the header's field count.
enum Checked<'a> {
    Good(Record<'a>),
    /// Malformed, reported; when `resume`, the record swallowed lines and
    /// [`Records::resume_after_first_line`] must be called.
    Bad {
        resume: bool,
    },
    End,
}

/// The next data record, reporting those with the wrong number of fields.
/// `row` counts data records (good and bad), 0-based.
fn next_checked<'a>(
    records: &'a mut Records,
    width: usize,
    row: &mut u64,
    report: &mut ReadReport,
) -> Result<Checked<'a>, DataError> {
    let limit = records.limit;
    let checked = match records.next_record()? {
        Split::End => return Ok(Checked::End),
        Split::TooLong { line } => {
            report.malformed(line, format!("row {row}: {}", too_long(limit)));
            Checked::Bad { resume: false }
        }
        Split::Record(record)
            if record.multiline
                && !memchr::memchr_iter(b'"', record.raw)
                    .count()
                    .is_multiple_of(2) =>
        {
            // Only the end of the input ends a quoted field that never closes.
            report.malformed(
                record.line,
                format!("row {row}: a quote that is never closed"),
            );
            Checked::Bad { resume: true }
        }
        Split::Record(record) if record.len() == width => Checked::Good(record),
        Split::Record(record) => {
            let what = if record.multiline {
                ", spanning lines (an unbalanced quote?)"
            } else {
                ""
            };
            report.malformed(
                record.line,
                format!(
                    "row {row}: expected {width} fields, found {}{what}",
                    record.len()
                ),
            );
            Checked::Bad {
                resume: record.multiline,
            }
        }
    };
    *row += 1;
    Ok(checked)
}

pub(crate) struct CsvText {
    records: Records,
    names: Vec<String>,
    selected: Vec<usize>,
    width: usize,
    row: u64,
    pending: VecDeque<TextUnit>,
    started: bool,
}

impl CsvText {
    pub(crate) fn new(input: &Input, options: &TextOptions) -> Result<Self, DataError> {
        let mut records = Records::new(input)?;
        let mut report = ReadReport::default();
        let names = header(&mut records, &mut report)?;
        let selected = if options.fields.is_empty() || names.is_empty() {
            (0..names.len()).collect()
        } else {
            crate::resolve_columns(input, &options.fields, &names)?
        };
        // The header was read with a throwaway report; it is read again (cheaply) on the first call.
        let records = Records::new(input)?;
        Ok(CsvText {
            records,
            width: names.len(),
            names,
            selected,
            row: 0,
            pending: VecDeque::new(),
            started: false,
        })
    }

    pub(crate) fn next_unit(
        &mut self,
        report: &mut ReadReport,
    ) -> Result<Option<TextUnit>, DataError> {
        if !self.started {
            self.started = true;
            header(&mut self.records, report)?;
        }
        loop {
            if let Some(unit) = self.pending.pop_front() {
                return Ok(Some(unit));
            }
            let row = self.row;
            report.bytes = self.records.bytes;
            match next_checked(&mut self.records, self.width, &mut self.row, report)? {
                Checked::End => {
                    report.bytes = self.records.bytes;
                    return Ok(None);
                }
                Checked::Bad { resume } => {
                    if resume {
                        self.records.resume_after_first_line();
                    }
                }
                Checked::Good(record) => {
                    report.records += 1;
                    for &i in &self.selected {
                        let bytes = record.field(i);
                        if bytes.is_empty() {
                            continue;
                        }
                        self.pending.push_back(TextUnit {
                            record: Some(row),
                            field: Some(self.names[i].clone()),
                            offset: 0,
                            text: lossy(bytes, report),
                        });
                    }
                }
            }
        }
    }
}

/// Well-formed records of one batch, as written, for Arrow's decoder.
pub(crate) struct RawBatch {
    bytes: Vec<u8>,
    /// Where each record starts in `bytes`, its first line and its row.
    starts: Vec<(usize, u64, u64)>,
}

/// The first stage of a CSV table: splitting and checking records, in batches.
pub(crate) struct CsvSplit {
    records: Records,
    width: usize,
    row: u64,
    batch_rows: usize,
    started: bool,
}

/// The second stage: Arrow's CSV decoder over well-formed records.
pub(crate) struct CsvDecode {
    input: Input,
    /// Every column, with inferred types.
    full: SchemaRef,
    /// The requested columns, in order.
    schema: SchemaRef,
    projection: Vec<usize>,
    delimiter: u8,
}

/// Opens a CSV table: the header, types inferred from the first records, the projection.
pub(crate) fn table(
    input: &Input,
    options: &TableOptions,
) -> Result<(CsvSplit, CsvDecode), DataError> {
    let delimiter = if input.tab_separated { b'\t' } else { b',' };
    // Sample the first well-formed records to infer types.
    let mut records = Records::new(input)?;
    let mut report = ReadReport::default();
    let names = header(&mut records, &mut report)?;
    let mut sample = Vec::new();
    let mut row = 0;
    let mut sampled = 0;
    while sampled < SAMPLE_RECORDS {
        match next_checked(&mut records, names.len(), &mut row, &mut report)? {
            Checked::End => break,
            Checked::Bad { resume } => {
                if resume {
                    records.resume_after_first_line();
                }
            }
            Checked::Good(record) => {
                push_record(&mut sample, record.raw);
                sampled += 1;
            }
        }
    }
    let format = arrow_csv::reader::Format::default()
        .with_header(false)
        .with_delimiter(delimiter);
    let inferred = format.infer_schema(Cursor::new(sample), None).ok();
    let fields: Vec<Field> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let data_type = inferred
                .as_ref()
                .and_then(|(schema, _)| schema.fields().get(i).map(|f| f.data_type().clone()))
                .filter(|t| t != &DataType::Null)
                .unwrap_or(DataType::Utf8);
            Field::new(name, data_type, true)
        })
        .collect();
    let full = Arc::new(Schema::new(fields));
    let projection = if options.columns.is_empty() {
        (0..names.len()).collect()
    } else if names.is_empty() {
        // An empty file: no header to check against; it yields no rows.
        Vec::new()
    } else {
        crate::resolve_columns(input, &options.columns, &names)?
    };
    let schema = Arc::new(
        full.project(&projection)
            .map_err(|e| DataError::Internal(e.to_string()))?,
    );
    let split = CsvSplit {
        records: Records::new(input)?,
        width: names.len(),
        row: 0,
        batch_rows: options.batch_rows,
        started: false,
    };
    Ok((
        split,
        CsvDecode {
            input: input.clone(),
            full,
            schema,
            projection,
            delimiter,
        },
    ))
}

/// Appends a record's bytes, ending it with a line end if it had none (the last one).
fn push_record(bytes: &mut Vec<u8>, raw: &[u8]) {
    bytes.extend_from_slice(raw);
    if !raw.ends_with(b"\n") && !raw.ends_with(b"\r") {
        bytes.push(b'\n');
    }
}

impl crate::pipeline::Stage for CsvSplit {
    type Item = RawBatch;

    fn next_item(&mut self, report: &mut ReadReport) -> Result<Option<RawBatch>, DataError> {
        if !self.started {
            self.started = true;
            header(&mut self.records, report)?;
        }
        let mut batch = RawBatch {
            bytes: Vec::new(),
            starts: Vec::with_capacity(self.batch_rows.min(1 << 16)),
        };
        while batch.starts.len() < self.batch_rows && batch.bytes.len() < BATCH_BYTES {
            let row = self.row;
            report.bytes = self.records.bytes;
            match next_checked(&mut self.records, self.width, &mut self.row, report)? {
                Checked::End => {
                    report.bytes = self.records.bytes;
                    break;
                }
                Checked::Bad { resume } => {
                    if resume {
                        self.records.resume_after_first_line();
                    }
                }
                Checked::Good(record) => {
                    batch.starts.push((batch.bytes.len(), record.line, row));
                    push_record(&mut batch.bytes, record.raw);
                }
            }
        }
        Ok((!batch.starts.is_empty()).then_some(batch))
    }
}

impl CsvDecode {
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn decode_rows(&self, rows: usize, bytes: &[u8]) -> Result<RecordBatch, ArrowError> {
        let mut decoder = arrow_csv::ReaderBuilder::new(self.full.clone())
            .with_header(false)
            .with_delimiter(self.delimiter)
            .with_batch_size(rows.max(1))
            .with_projection(self.projection.clone())
            .build_decoder();
        let mut position = 0;
        while position < bytes.len() {
            let read = decoder.decode(&bytes[position..])?;
            if read == 0 {
                break;
            }
            position += read;
        }
        // Signal the end of input so that a last record without a line end is complete.
        decoder.decode(&[])?;
        if position < bytes.len() {
            return Err(ArrowError::CsvError("more records than expected".into()));
        }
        Ok(decoder
            .flush()?
            .unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone())))
    }
}

impl crate::parallel::Decode for CsvDecode {
    type Input = RawBatch;
    type Output = RecordBatch;

    /// Decodes a batch; rows that fail are decoded one by one to report them.
    /// `None` when no row of the batch could be read.
    fn decode(
        &self,
        raw: RawBatch,
        report: &mut ReadReport,
    ) -> Result<Option<RecordBatch>, DataError> {
        let rows = raw.starts.len();
        if let Ok(batch) = self.decode_rows(rows, &raw.bytes)
            && batch.num_rows() == rows
        {
            report.records += rows as u64;
            return Ok(Some(batch));
        }
        let mut good = Vec::with_capacity(raw.bytes.len());
        let mut good_rows = 0;
        for (i, &(start, line, row)) in raw.starts.iter().enumerate() {
            let end = raw.starts.get(i + 1).map_or(raw.bytes.len(), |next| next.0);
            let bytes = &raw.bytes[start..end];
            match self.decode_rows(1, bytes) {
                Ok(batch) if batch.num_rows() == 1 => {
                    good.extend_from_slice(bytes);
                    good_rows += 1;
                }
                Ok(batch) => report.malformed(
                    line,
                    format!("row {row}: read as {} rows", batch.num_rows()),
                ),
                Err(error) => report.malformed(
                    line,
                    format!("row {row}: {}", parse_message(&error, &self.full)),
                ),
            }
        }
        if good_rows == 0 {
            return Ok(None);
        }
        let batch = self.decode_rows(good_rows, &good).map_err(|e| {
            DataError::Internal(format!(
                "rows of `{}` that decoded one by one failed together: {e}",
                self.input.display
            ))
        })?;
        report.records += good_rows as u64;
        Ok(Some(batch))
    }
}

/// Arrow's parse message, naming the column and without the line number it
/// counts within a batch.
fn parse_message(error: &ArrowError, schema: &Schema) -> String {
    let mut message = crate::jsonl::arrow_message(error);
    if let Some(i) = message.find(" at line ") {
        let rest = &message[i + " at line ".len()..];
        let after = rest
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .to_owned();
        message = format!("{}{after}", &message[..i]);
    }
    if let Some(i) = message.find(" for column ") {
        let rest = &message[i + " for column ".len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if let Some(field) = rest[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|c| schema.fields().get(c))
        {
            message = format!(
                "{} for column `{}`{}",
                &message[..i],
                field.name(),
                &rest[digits..]
            );
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::{Records, Split};
    use crate::Input;

    /// Gives at most a few bytes per read, to split records across refills.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn split(bytes: &[u8], step: usize, tab: bool) -> Vec<Vec<Vec<u8>>> {
        let input = Input::new(if tab { "t.tsv" } else { "t.csv" }.into(), "t".into(), 0);
        let reader = Box::new(Trickle {
            bytes: bytes.to_vec(),
            at: 0,
            step,
        });
        let mut records = Records::from_reader(&input, reader).unwrap();
        let mut out = Vec::new();
        let mut consumed = 0;
        loop {
            match records.next_record().unwrap() {
                Split::Record(record) => {
                    consumed += record.raw.len();
                    out.push(
                        (0..record.len())
                            .map(|i| record.field(i).to_vec())
                            .collect(),
                    );
                }
                Split::TooLong { .. } => unreachable!(),
                Split::End => break,
            }
        }
        // Every byte belongs to a record, except blank lines at the end (and a
        // byte order mark when there is no record).
        let rest = if consumed == 0 {
            bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
        } else {
            &bytes[consumed..]
        };
        assert!(
            rest.iter().all(|b| *b == b'\n' || *b == b'\r'),
            "{bytes:?} {consumed} {out:?}"
        );
        out
    }

    /// The splitter (with its fast path for simple lines) agrees with the `csv`
    /// crate on random inputs full of quotes, delimiters and line ends, however
    /// the input arrives.
    #[test]
    fn splitting_agrees_with_the_csv_crate() {
        let pieces: &[&[u8]] = &[
            b"a",
            b"bc",
            b",",
            b",",
            b"\t",
            b"\"",
            b"\"\"",
            b"\n",
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            "é".as_bytes(),
            b"\xEF\xBB\xBF",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..3000 {
            let length = (next() % 40) as usize;
            let mut bytes = Vec::new();
            for _ in 0..length {
                bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
            let tab = case % 5 == 0;
            let expected: Vec<Vec<Vec<u8>>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(if tab { b'\t' } else { b',' })
                .from_reader(bytes.as_slice())
                .byte_records()
                .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
                .collect();
            for step in [1, 3, 1 << 20] {
                assert_eq!(
                    split(&bytes, step, tab),
                    expected,
                    "{:?} in steps of {step}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }
}
