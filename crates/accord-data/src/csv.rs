//! CSV and TSV, with a header row, read to RFC 4180.
//!
//! Records are split with `csv-core`, the parser inside the `csv` crate and
//! inside Arrow's CSV reader, with their settings: `"` quotes fields and is
//! doubled inside them; a quoted field may hold delimiters, quotes and line
//! breaks; any of `\r`, `\n`, `\r\n` ends a record; blank lines are skipped; a
//! UTF-8 byte order mark at the start of the input is dropped; a last record
//! without a line end counts. Lines without a quote or a carriage return are
//! split by a fast path that gives the same fields (tested against the `csv`
//! crate on the conformance suite, `tests/csv/`, and on random inputs).
//!
//! A record is malformed when it has the wrong number of fields, or when a
//! quote never closes (the record runs to the end of the input), or when it
//! spans lines and its quotes do not pair up (a stray quote swallowing the
//! lines after it). Malformed records are reported and skipped; after the last
//! two kinds, only the record's first line is dropped and splitting resumes on
//! the line that follows, so that the lines a stray quote swallowed are read
//! as the records they are. Every record is either given out or reported.
//!
//! The text scanners take the split fields directly (the values exactly as
//! written, `007` stays `007`). Tables write each well-formed record again in
//! one canonical form (fields quoted only where needed, `\n` line ends) for
//! Arrow's CSV decoder, so that Arrow sees exactly the records and fields
//! split here whatever line ends and quoting the file used; when a batch fails
//! there (a value that does not parse as its column's inferred type), its rows
//! are decoded one by one to report the bad ones.

use std::collections::VecDeque;
use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use csv_core::ReadRecordResult;

use crate::read::{SAMPLE_RECORDS, io_error, lossy, open, record_limit, size};
use crate::{DataError, Input, ReadReport, RecordBatch, TableOptions, TextOptions, TextUnit};

const READ_CHUNK: usize = 256 << 10;

/// Byte classes of the simple-line path.
const PLAIN: u8 = 0;
const DELIMITER: u8 = 1;
const LINE_END: u8 = 2;
const SPECIAL: u8 = 3;

/// A table batch holds about this many bytes of records at most (as well as
/// `batch_rows` rows), to bound memory whatever the length of rows.
const BATCH_BYTES: usize = 8 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[cfg(test)]
thread_local! {
    /// The conformance tests split every case with and without the fast path.
    pub(crate) static TEST_NO_FAST_PATH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether lines without quotes take the fast path (always, outside tests).
fn fast_path() -> bool {
    #[cfg(test)]
    if TEST_NO_FAST_PATH.with(std::cell::Cell::get) {
        return false;
    }
    true
}

/// One record as split by [`Records`]: its bytes as written and its fields.
pub(crate) struct Record<'a> {
    /// The record as written, with the blank lines before it and its line end.
    pub(crate) raw: &'a [u8],
    /// 1-based line where the record starts.
    pub(crate) line: u64,
    /// Whether the record spans more than one line.
    pub(crate) multiline: bool,
    /// Whether the record reaches the end of the input (the last one).
    at_end: bool,
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
    fast: bool,
    /// The simple-line path's delimiter places (`ends` is `csv-core`'s output
    /// buffer, whose length must stay).
    simple_ends: Vec<usize>,
    /// What each byte is to the simple-line path: [`PLAIN`], [`DELIMITER`],
    /// [`LINE_END`] or [`SPECIAL`] (a quote or a carriage return).
    classes: [u8; 256],
}

impl Records {
    pub(crate) fn new(input: &Input) -> Result<Self, DataError> {
        Self::from_reader(input, open(input)?)
    }

    pub(crate) fn from_reader(
        input: &Input,
        reader: Box<dyn Read + Send>,
    ) -> Result<Self, DataError> {
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
            fast: fast_path(),
            simple_ends: Vec::with_capacity(64),
            classes: {
                let mut classes = [PLAIN; 256];
                classes[usize::from(if input.tab_separated { b'\t' } else { b',' })] = DELIMITER;
                classes[usize::from(b'\n')] = LINE_END;
                classes[usize::from(b'"')] = SPECIAL;
                classes[usize::from(b'\r')] = SPECIAL;
                classes
            },
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
            if self.fast
                && self.position == self.start
                && self.started
                && !self.skipping
                && let Some((length, body, leading_lines)) = self.simple_line()
            {
                // A line without quotes or carriage returns inside: its fields are
                // what lies between delimiters, as `csv-core` would split them,
                // found many times faster. `simple_line` left the delimiters'
                // places in `simple_ends`.
                let start = self.start;
                let line = self.line + leading_lines;
                let terminated = self.buffer[start + length - 1] == b'\n';
                self.line = line + u64::from(terminated);
                self.last = (start, start + length, line);
                self.start += length;
                self.position = self.start;
                return Ok(Split::Record(Record {
                    raw: &self.buffer[start..start + length],
                    line,
                    multiline: false,
                    at_end: false,
                    fields: &self.buffer[body],
                    ends: &self.simple_ends,
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
                    let first = !self.started;
                    self.started = true;
                    let (start, end) = (self.start, self.position);
                    let raw = &self.buffer[start..end];
                    // The byte order mark `csv-core` dropped is not part of a blank line.
                    let bom = if first && raw.starts_with(BOM) { 3 } else { 0 };
                    let leading = bom
                        + raw[bom..]
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
                        at_end: self.eof && end == self.end,
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
    /// with blank lines before it and its line end, where its fields are, and
    /// how many blank lines come before it; the delimiters' places (and the
    /// body's length) are left in `simple_ends`. One pass over the line with a byte
    /// table: lines are short, and one loop beats three searches.
    fn simple_line(&mut self) -> Option<(usize, std::ops::Range<usize>, u64)> {
        let available = &self.buffer[self.start..self.end];
        let mut leading = 0;
        let mut leading_lines = 0;
        while let Some(&b) = available.get(leading) {
            match b {
                b'\n' => leading_lines += 1,
                b'\r' => {}
                _ => break,
            }
            leading += 1;
        }
        let line = &available[leading..];
        let reach = line.len().min(self.limit);
        self.simple_ends.clear();
        let mut body = None;
        for (i, &b) in line[..reach].iter().enumerate() {
            match self.classes[usize::from(b)] {
                PLAIN => {}
                DELIMITER => self.simple_ends.push(i),
                LINE_END => {
                    body = Some((i, leading + i + 1));
                    break;
                }
                // A carriage return is a line end only right before `\n`.
                _ if b == b'\r' && line.get(i + 1) == Some(&b'\n') => {
                    body = Some((i, leading + i + 2));
                    break;
                }
                _ => return None,
            }
        }
        let (body, length) = match body {
            Some(found) => found,
            // The last line, without a line end.
            None if self.eof && reach == line.len() && !line.is_empty() => {
                (line.len(), available.len())
            }
            None => return None,
        };
        if length > self.limit {
            return None;
        }
        self.simple_ends.push(body);
        let from = self.start + leading;
        Some((length, from..from + body, leading_lines))
    }

    /// Moves whole lines, as many as possible up to `max_lines` and
    /// `max_bytes`, to `out` when each of them is one simple record: the
    /// stretch of input holds no quote, no carriage return but before a line
    /// feed, no blank line and no line longer than the record limit (so that
    /// `csv-core` would split each line as one record of the fields between
    /// delimiters). Returns how many lines were taken; 0 when the next line
    /// is not simple, or none is complete (the per-record path then goes on).
    fn simple_block(
        &mut self,
        max_lines: usize,
        max_bytes: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, DataError> {
        if !(self.fast && self.started && !self.skipping && self.position == self.start) {
            return Ok(0);
        }
        if self.end - self.start < READ_CHUNK / 2 && !self.eof {
            self.fill()?;
        }
        let available = &self.buffer[self.start..self.end];
        let mut window = &available[..available.len().min(max_bytes)];
        // Stop before anything that is not a simple line.
        if let Some(quote) = memchr::memchr(b'"', window) {
            window = &window[..quote];
        }
        for cr in memchr::memchr_iter(b'\r', window) {
            if window.get(cr + 1) != Some(&b'\n') {
                window = &window[..cr];
                break;
            }
        }
        if let Some(blank) = memchr::memmem::find(window, b"\n\n") {
            window = &window[..=blank];
        }
        if let Some(blank) = memchr::memmem::find(window, b"\n\r\n") {
            window = &window[..=blank];
        }
        if matches!(window.first(), Some(b'\n' | b'\r')) {
            return Ok(0);
        }
        let mut cut = 0;
        let mut lines = 0;
        for end in memchr::memchr_iter(b'\n', window) {
            if end + 1 - cut > self.limit {
                break;
            }
            cut = end + 1;
            lines += 1;
            if lines == max_lines {
                break;
            }
        }
        if lines == 0 {
            return Ok(0);
        }
        out.extend_from_slice(&window[..cut]);
        self.start += cut;
        self.position = self.start;
        self.line += lines as u64;
        Ok(lines)
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

/// Whether a record that reaches the end of the input ends inside a quoted
/// field. `csv-core` ends such a record at the end of the input like any
/// other; parsed again with a line end and one more field after it, the
/// record stays one when its quote is still open (the line end and the field
/// are then inside it) and is two otherwise.
fn quote_never_closed(raw: &[u8], delimiter: u8) -> bool {
    if memchr::memchr(b'"', raw).is_none() {
        return false;
    }
    let mut input = Vec::with_capacity(raw.len() + 2);
    input.extend_from_slice(raw);
    input.extend_from_slice(b"\nx");
    let mut parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut output = vec![0; input.len()];
    let mut ends = vec![0; input.len() + 1];
    let mut records = 0;
    let mut position = 0;
    loop {
        let (result, read, _, _) = parser.read_record(&input[position..], &mut output, &mut ends);
        position += read;
        match result {
            ReadRecordResult::Record => records += 1,
            ReadRecordResult::End => return records < 2,
            // The whole input is given at once: `InputEmpty` asks for the end
            // of input, which is given next time round (an empty slice).
            ReadRecordResult::InputEmpty if position == input.len() => {}
            // The buffers are as large as the input: this cannot happen.
            ReadRecordResult::InputEmpty
            | ReadRecordResult::OutputFull
            | ReadRecordResult::OutputEndsFull => return false,
        }
    }
}

/// The last line of a record that starts at `line`.
fn last_line(record: &Record<'_>) -> u64 {
    let raw = record.raw.strip_suffix(b"\n").unwrap_or(record.raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let leading = raw
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count();
    record.line + memchr::memchr_iter(b'\n', raw).count() as u64 - leading as u64
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
    let delimiter = records.delimiter;
    let checked = match records.next_record()? {
        Split::End => return Ok(Checked::End),
        Split::TooLong { line } => {
            report.malformed(line, format!("row {row}: {}", too_long(limit)));
            Checked::Bad { resume: false }
        }
        Split::Record(record) if record.at_end && quote_never_closed(record.raw, delimiter) => {
            let message = if record.multiline {
                format!(
                    "row {row}: a quote that is never closed (the record runs from line {} to the end of the input); \
                     only line {} is dropped, reading resumes at line {}",
                    record.line,
                    record.line,
                    record.line + 1
                )
            } else {
                format!("row {row}: a quote that is never closed")
            };
            report.malformed(record.line, message);
            Checked::Bad {
                resume: record.multiline,
            }
        }
        Split::Record(record)
            if record.multiline
                && !memchr::memchr_iter(b'"', record.raw)
                    .count()
                    .is_multiple_of(2) =>
        {
            // In RFC 4180 quotes come in pairs (around a field, or doubled inside
            // one): an odd number in a record over several lines is most likely a
            // stray quote that swallowed the lines after it.
            report.malformed(
                record.line,
                format!(
                    "row {row}: unbalanced quotes in a record spanning lines {} to {} (a stray quote?); \
                     only line {} is dropped, reading resumes at line {}",
                    record.line,
                    last_line(&record),
                    record.line,
                    record.line + 1
                ),
            );
            Checked::Bad { resume: true }
        }
        Split::Record(record) if record.len() == width => Checked::Good(record),
        Split::Record(record) => {
            let lines = if record.multiline {
                format!(
                    " (the record spans lines {} to {})",
                    record.line,
                    last_line(&record)
                )
            } else {
                String::new()
            };
            report.malformed(
                record.line,
                format!(
                    "row {row}: expected {width} fields, found {}{lines}",
                    record.len()
                ),
            );
            Checked::Bad { resume: false }
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

/// Well-formed records of one batch, in canonical form, for Arrow's decoder.
pub(crate) struct RawBatch {
    bytes: Vec<u8>,
    /// Where each record starts in `bytes`, its first line and its row.
    starts: Vec<(usize, u64, u64)>,
    /// Text tables: the projected fields, already split, one column each
    /// (`bytes` is then empty and `starts` has each record's line and row).
    columns: Option<Vec<TextColumn>>,
    /// Text tables: whole lines, not yet split (`bytes` holds them), when a
    /// stretch of input has no quote, no stray carriage return and no blank
    /// line, so that every line is one record — split on the decoding threads.
    block: Option<Block>,
}

/// Where a block of simple lines starts: its first line and row, and how many lines it has.
#[derive(Clone, Copy)]
struct Block {
    first_line: u64,
    first_row: u64,
    lines: usize,
}

/// One projected column of a text batch: the values laid end to end, where
/// each ends, and which are empty (null).
#[derive(Default)]
struct TextColumn {
    values: Vec<u8>,
    offsets: Vec<i32>,
    valid: Vec<bool>,
}

impl TextColumn {
    fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextColumn {
            values: Vec::with_capacity(bytes),
            offsets,
            valid: Vec::with_capacity(rows),
        }
    }

    fn push(&mut self, field: &[u8]) {
        self.values.extend_from_slice(field);
        // A batch holds at most BATCH_BYTES (8 MiB) of records, far below i32::MAX.
        self.offsets
            .push(i32::try_from(self.values.len()).unwrap_or(i32::MAX));
        self.valid.push(!field.is_empty());
    }

    /// The column as Arrow's `Utf8`; invalid UTF-8 becomes U+FFFD, counted.
    fn finish(mut self, report: &mut ReadReport) -> Result<arrow_array::ArrayRef, DataError> {
        if simdutf8::basic::from_utf8(&self.values).is_err() {
            let mut values = Vec::with_capacity(self.values.len() + 64);
            let mut offsets = Vec::with_capacity(self.offsets.len());
            offsets.push(0);
            for window in self.offsets.windows(2) {
                let (start, end) = (window[0] as usize, window[1] as usize);
                values.extend_from_slice(lossy(&self.values[start..end], report).as_bytes());
                offsets.push(i32::try_from(values.len()).unwrap_or(i32::MAX));
            }
            self.values = values;
            self.offsets = offsets;
        }
        let nulls =
            (!self.valid.iter().all(|&v| v)).then(|| arrow_buffer::NullBuffer::from(self.valid));
        let array = arrow_array::StringArray::try_new(
            arrow_buffer::OffsetBuffer::new(arrow_buffer::ScalarBuffer::from(self.offsets)),
            arrow_buffer::Buffer::from_vec(self.values),
            nulls,
        )
        .map_err(|e| DataError::Internal(format!("a text column: {e}")))?;
        Ok(Arc::new(array))
    }
}

/// The first stage of a CSV table: splitting and checking records, in batches.
pub(crate) struct CsvSplit {
    records: Records,
    width: usize,
    row: u64,
    batch_rows: usize,
    started: bool,
    /// Text tables: the projected fields are taken as they are split (the
    /// values exactly as the `csv` crate reads them), without Arrow's decoder.
    text: Option<Vec<usize>>,
    /// Bytes per column in the last batch, to size the next one.
    last_sizes: Vec<usize>,
    /// Bytes in the last block of simple lines, to size the next one.
    last_block: usize,
}

/// The second stage: Arrow's CSV decoder over well-formed records.
pub(crate) struct CsvDecode {
    input: Input,
    /// Every column, with inferred types (or all `Utf8`).
    full: SchemaRef,
    /// The requested columns, in order.
    schema: SchemaRef,
    projection: Vec<usize>,
    delimiter: u8,
}

/// Writes a record in the one form Arrow's decoder reads back as exactly
/// these fields: separated by the delimiter, ended by `\n`, and quoted (quotes
/// doubled) only where a field holds the delimiter, a quote or a line break,
/// where the record is one empty field (else a blank line, which is skipped),
/// and where the first field starts with a byte order mark (which a fresh
/// parser would drop).
fn write_canonical(out: &mut Vec<u8>, record: &Record<'_>, delimiter: u8) {
    if record.separated && !record.fields.starts_with(BOM) {
        // A line without quotes or carriage returns is already in this form.
        out.extend_from_slice(record.fields);
        out.push(b'\n');
        return;
    }
    let single = record.len() == 1;
    for i in 0..record.len() {
        if i > 0 {
            out.push(delimiter);
        }
        let field = record.field(i);
        let quote = (single && field.is_empty())
            || (i == 0 && field.starts_with(BOM))
            || memchr::memchr3(delimiter, b'"', b'\n', field).is_some()
            || memchr::memchr(b'\r', field).is_some();
        if quote {
            out.push(b'"');
            let mut rest = field;
            while let Some(at) = memchr::memchr(b'"', rest) {
                out.extend_from_slice(&rest[..=at]);
                out.push(b'"');
                rest = &rest[at + 1..];
            }
            out.extend_from_slice(rest);
            out.push(b'"');
        } else {
            out.extend_from_slice(field);
        }
    }
    out.push(b'\n');
}

/// Opens a CSV table: the header, the column types (inferred from the first
/// records, or all `Utf8` for text), the projection.
pub(crate) fn table(
    input: &Input,
    options: &TableOptions,
) -> Result<(CsvSplit, CsvDecode), DataError> {
    let delimiter = if input.tab_separated { b'\t' } else { b',' };
    let mut records = Records::new(input)?;
    let mut report = ReadReport::default();
    let names = header(&mut records, &mut report)?;
    let inferred = if options.text {
        None
    } else {
        // Sample the first well-formed records to infer types.
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
                    write_canonical(&mut sample, &record, delimiter);
                    sampled += 1;
                }
            }
        }
        let sample = String::from_utf8_lossy(&sample).into_owned();
        let format = arrow_csv::reader::Format::default()
            .with_header(false)
            .with_delimiter(delimiter);
        format.infer_schema(Cursor::new(sample), None).ok()
    };
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
        text: options.text.then(|| projection.clone()),
        last_sizes: vec![0; projection.len()],
        last_block: 0,
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

impl crate::pipeline::Stage for CsvSplit {
    type Item = RawBatch;

    fn next_item(&mut self, report: &mut ReadReport) -> Result<Option<RawBatch>, DataError> {
        if !self.started {
            self.started = true;
            header(&mut self.records, report)?;
        }
        if self.text.is_some() {
            let first_line = self.records.line;
            let mut bytes = Vec::with_capacity(self.last_block);
            let mut lines = 0;
            while lines < self.batch_rows && bytes.len() < BATCH_BYTES {
                match self.records.simple_block(
                    self.batch_rows - lines,
                    BATCH_BYTES - bytes.len(),
                    &mut bytes,
                )? {
                    0 => break,
                    n => lines += n,
                }
            }
            report.bytes = self.records.bytes;
            if lines > 0 {
                let first_row = self.row;
                self.row += lines as u64;
                self.last_block = bytes.len();
                return Ok(Some(RawBatch {
                    bytes,
                    starts: Vec::new(),
                    columns: None,
                    block: Some(Block {
                        first_line,
                        first_row,
                        lines,
                    }),
                }));
            }
        }
        let delimiter = self.records.delimiter;
        let rows = self.batch_rows.min(1 << 16);
        let mut batch = RawBatch {
            block: None,
            bytes: Vec::new(),
            starts: Vec::with_capacity(rows),
            columns: self.text.as_ref().map(|_| {
                self.last_sizes
                    .iter()
                    .map(|&bytes| TextColumn::with_capacity(rows, bytes + bytes / 8))
                    .collect()
            }),
        };
        let mut text_bytes = 0;
        while batch.starts.len() < self.batch_rows
            && batch.bytes.len() < BATCH_BYTES
            && text_bytes < BATCH_BYTES
        {
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
                    match (&self.text, &mut batch.columns) {
                        (Some(projection), Some(columns)) => {
                            text_bytes += record.raw.len();
                            for (column, &field) in columns.iter_mut().zip(projection) {
                                column.push(record.field(field));
                            }
                        }
                        _ => write_canonical(&mut batch.bytes, &record, delimiter),
                    }
                }
            }
        }
        if let Some(columns) = &batch.columns {
            for (size, column) in self.last_sizes.iter_mut().zip(columns) {
                *size = column.values.len();
            }
        }
        Ok((!batch.starts.is_empty()).then_some(batch))
    }
}

/// Why Arrow could not decode some rows.
enum DecodeError {
    /// A value does not parse as its column's type: the rows are malformed.
    Parse(ArrowError),
    /// Arrow read another number of records than it was given: a bug here.
    Count(String),
}

impl CsvDecode {
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Splits a block of simple lines (no quote, no stray carriage return,
    /// no blank line: each line one record, its fields between delimiters)
    /// into the projected text columns; a line with another number of fields
    /// than the header is malformed, as [`next_checked`] reports it.
    fn decode_block(
        &self,
        bytes: &[u8],
        block: Block,
        report: &mut ReadReport,
    ) -> Result<RecordBatch, DataError> {
        let width = self.full.fields().len();
        let per_column = bytes.len() / self.projection.len().max(1);
        let mut columns: Vec<TextColumn> = self
            .projection
            .iter()
            .map(|_| TextColumn::with_capacity(block.lines, per_column))
            .collect();
        let mut ends: Vec<usize> = Vec::with_capacity(width + 1);
        let mut start = 0;
        let mut good = 0;
        for (i, end) in memchr::memchr_iter(b'\n', bytes).enumerate() {
            let line = &bytes[start..end];
            start = end + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            ends.clear();
            ends.extend(memchr::memchr_iter(self.delimiter, line));
            ends.push(line.len());
            if ends.len() != width {
                report.malformed(
                    block.first_line + i as u64,
                    format!(
                        "row {}: expected {width} fields, found {}",
                        block.first_row + i as u64,
                        ends.len()
                    ),
                );
                continue;
            }
            for (column, &field) in columns.iter_mut().zip(&self.projection) {
                let from = if field == 0 { 0 } else { ends[field - 1] + 1 };
                column.push(&line[from..ends[field]]);
            }
            good += 1;
        }
        let columns = columns
            .into_iter()
            .map(|c| c.finish(report))
            .collect::<Result<Vec<_>, _>>()?;
        let batch = RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(good)),
        )
        .map_err(|e| DataError::Internal(e.to_string()))?;
        report.records += good as u64;
        Ok(batch)
    }

    /// Decodes `rows` canonical records, which must give exactly `rows` rows.
    fn decode_rows(&self, rows: usize, bytes: &[u8]) -> Result<RecordBatch, DecodeError> {
        let mut decoder = arrow_csv::ReaderBuilder::new(self.full.clone())
            .with_header(false)
            .with_delimiter(self.delimiter)
            .with_batch_size(rows.max(1))
            .with_projection(self.projection.clone())
            .build_decoder();
        let mut position = 0;
        while position < bytes.len() {
            let read = decoder
                .decode(&bytes[position..])
                .map_err(DecodeError::Parse)?;
            if read == 0 {
                break;
            }
            position += read;
        }
        // Signal the end of input (every canonical record ends with a line end).
        decoder.decode(&[]).map_err(DecodeError::Parse)?;
        let batch = decoder
            .flush()
            .map_err(DecodeError::Parse)?
            .unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone()));
        if position < bytes.len() || batch.num_rows() != rows {
            return Err(DecodeError::Count(format!(
                "Arrow read {} rows from {rows} records of `{}`{}",
                batch.num_rows(),
                self.input.display,
                if position < bytes.len() {
                    format!(" and left {} bytes", bytes.len() - position)
                } else {
                    String::new()
                }
            )));
        }
        Ok(batch)
    }
}

impl crate::parallel::Decode for CsvDecode {
    type Input = RawBatch;
    type Output = RecordBatch;

    /// Decodes a batch; rows that fail are decoded one by one to report them.
    /// `None` when no row of the batch could be read.
    fn decode(
        &self,
        mut raw: RawBatch,
        report: &mut ReadReport,
    ) -> Result<Option<RecordBatch>, DataError> {
        if let Some(block) = raw.block {
            return self.decode_block(&raw.bytes, block, report).map(Some);
        }
        if let Some(columns) = raw.columns {
            // A text batch: the columns are split already.
            let rows = raw.starts.len();
            let columns = columns
                .into_iter()
                .map(|c| c.finish(report))
                .collect::<Result<Vec<_>, _>>()?;
            let batch = RecordBatch::try_new_with_options(
                self.schema.clone(),
                columns,
                &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .map_err(|e| DataError::Internal(e.to_string()))?;
            report.records += rows as u64;
            return Ok(Some(batch));
        }
        // Invalid UTF-8 becomes U+FFFD, counted, as in the text units: the
        // replacement holds no delimiter, quote or line end, so records and
        // fields stay where they are.
        if simdutf8::basic::from_utf8(&raw.bytes).is_err() {
            raw = replace_invalid(raw, report);
        }
        let rows = raw.starts.len();
        match self.decode_rows(rows, &raw.bytes) {
            Ok(batch) => {
                report.records += rows as u64;
                return Ok(Some(batch));
            }
            Err(DecodeError::Count(message)) => return Err(DataError::Internal(message)),
            Err(DecodeError::Parse(_)) => {}
        }
        let mut good = Vec::with_capacity(raw.bytes.len());
        let mut good_rows = 0;
        for (i, &(start, line, row)) in raw.starts.iter().enumerate() {
            let end = raw.starts.get(i + 1).map_or(raw.bytes.len(), |next| next.0);
            let bytes = &raw.bytes[start..end];
            match self.decode_rows(1, bytes) {
                Ok(_) => {
                    good.extend_from_slice(bytes);
                    good_rows += 1;
                }
                Err(DecodeError::Count(message)) => return Err(DataError::Internal(message)),
                Err(DecodeError::Parse(error)) => report.malformed(
                    line,
                    format!("row {row}: {}", parse_message(&error, &self.full)),
                ),
            }
        }
        if good_rows == 0 {
            return Ok(None);
        }
        let batch = self.decode_rows(good_rows, &good).map_err(|e| {
            let message = match e {
                DecodeError::Parse(error) => error.to_string(),
                DecodeError::Count(message) => message,
            };
            DataError::Internal(format!(
                "rows of `{}` that decoded one by one failed together: {message}",
                self.input.display
            ))
        })?;
        report.records += good_rows as u64;
        Ok(Some(batch))
    }
}

/// The batch with each invalid UTF-8 sequence replaced by U+FFFD (counted),
/// record starts moved to match.
fn replace_invalid(raw: RawBatch, report: &mut ReadReport) -> RawBatch {
    let mut bytes = Vec::with_capacity(raw.bytes.len() + 64);
    let mut starts = Vec::with_capacity(raw.starts.len());
    for (i, &(start, line, row)) in raw.starts.iter().enumerate() {
        let end = raw.starts.get(i + 1).map_or(raw.bytes.len(), |next| next.0);
        starts.push((bytes.len(), line, row));
        bytes.extend_from_slice(lossy(&raw.bytes[start..end], report).as_bytes());
    }
    RawBatch {
        bytes,
        starts,
        columns: raw.columns,
        block: raw.block,
    }
}

/// Arrow's parse message in Accord's words: the value, the column by name and
/// the type inferred for it, without Arrow's line number (it counts within a
/// batch) and without the row's other values.
fn parse_message(error: &ArrowError, schema: &Schema) -> String {
    let message = crate::jsonl::arrow_message(error);
    // "Error while parsing value '{value}' as type '{type}' for column {index} at line {line}. Row data: '[...]'"
    let parsed = (|| {
        let rest = message.strip_prefix("Error while parsing value '")?;
        let (value, rest) = rest.rsplit_once("' as type '")?;
        let (data_type, rest) = rest.split_once("' for column ")?;
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let column = rest[..digits].parse::<usize>().ok()?;
        let name = schema.fields().get(column)?.name().clone();
        Some((value.to_owned(), data_type.to_owned(), name))
    })();
    match parsed {
        Some((value, data_type, name)) => format!(
            "value `{value}` in column `{name}` is not of type `{data_type}`, the type inferred \
             from the first 1,000 rows (hint: read the table as text to take every value as written)"
        ),
        None => match message.find(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::conformance::{csv_crate, split};

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
            "\u{e9}".as_bytes(),
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
            let expected = csv_crate(&bytes, tab);
            for (step, fast) in [(1, true), (3, true), (1 << 20, true), (1 << 20, false)] {
                assert_eq!(
                    split(&bytes, tab, step, fast),
                    expected,
                    "{:?} in steps of {step}, fast path {fast}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }
}
