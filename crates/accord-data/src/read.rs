//! Opening inputs (decompressing as a stream) and the helpers every format
//! shares: lossy UTF-8 with a count, and reading lines of any length.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use crate::{Compression, DataError, Input, ReadReport};

/// A record (JSON line, CSV record) longer than this is malformed: it would
/// otherwise be held whole in memory. Plain text has no such limit.
const MAX_RECORD_BYTES: usize = 256 << 20;

#[cfg(test)]
thread_local! {
    /// Tests use a small limit to check what happens beyond it.
    pub(crate) static TEST_RECORD_LIMIT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The longest record kept in memory (see [`MAX_RECORD_BYTES`]).
pub(crate) fn record_limit() -> usize {
    #[cfg(test)]
    if let Some(limit) = TEST_RECORD_LIMIT.with(std::cell::Cell::get) {
        return limit;
    }
    MAX_RECORD_BYTES
}

/// "256 MiB", or bytes when not a whole number of MiB.
pub(crate) fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// How many records schema inference and field checks look at.
pub(crate) const SAMPLE_RECORDS: usize = 1000;

const READ_BUFFER: usize = 256 << 10;

/// Opens an input and gives its decompressed bytes, as a stream: gzip
/// (including concatenated members, as bgzip writes) and zstd (all frames).
pub fn open(input: &Input) -> Result<Box<dyn Read + Send>, DataError> {
    let file = open_file(input)?;
    let reader = BufReader::with_capacity(READ_BUFFER, file);
    Ok(match input.compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(reader).map_err(|e| io_error(input, e))?,
        ),
    })
}

/// Opens the file itself (compressed or not), refusing folders with the
/// reason they could not be listed (discover keeps unlistable folders as
/// inputs so that the caller reports them with every other unreadable input).
pub(crate) fn open_file(input: &Input) -> Result<File, DataError> {
    let file = File::open(&input.path).map_err(|e| io_error(input, e))?;
    let metadata = file.metadata().map_err(|e| io_error(input, e))?;
    if metadata.is_dir() {
        let error = match std::fs::read_dir(&input.path) {
            Err(error) => error,
            Ok(_) => io::Error::other("it is a folder"),
        };
        return Err(io_error(input, error));
    }
    Ok(file)
}

pub(crate) fn io_error(input: &Input, source: io::Error) -> DataError {
    if source.kind() == io::ErrorKind::NotFound {
        return DataError::NotFound {
            path: input.display.clone(),
        };
    }
    DataError::Io {
        path: input.display.clone(),
        source,
    }
}

/// Bytes to a string, replacing each invalid sequence by U+FFFD and counting it.
pub(crate) fn lossy(bytes: &[u8], report: &mut ReadReport) -> String {
    // simdutf8 checks non-ASCII text many times faster than the standard library.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    report.invalid_utf8 += 1;
                    text.push(char::REPLACEMENT_CHARACTER);
                }
            }
            text
        }
    }
}

/// One line read by [`LineReader`].
pub(crate) enum Line {
    /// A line, without its `\n` (and `\r`), in the reader's buffer.
    Complete,
    /// A line longer than [`record_limit`], skipped; its length in bytes.
    TooLong(u64),
    End,
}

/// Reads `\n`-terminated lines of any length, keeping at most
/// [`record_limit`] bytes of one in memory.
pub(crate) struct LineReader {
    reader: BufReader<Box<dyn Read + Send>>,
    pub(crate) line: Vec<u8>,
    /// 1-based number of the line last read.
    pub(crate) number: u64,
    pub(crate) bytes: u64,
    pub(crate) limit: usize,
}

impl LineReader {
    pub(crate) fn new(reader: Box<dyn Read + Send>) -> Self {
        LineReader {
            reader: BufReader::with_capacity(READ_BUFFER, reader),
            line: Vec::new(),
            number: 0,
            bytes: 0,
            limit: record_limit(),
        }
    }

    pub(crate) fn next_line(&mut self) -> io::Result<Line> {
        self.line.clear();
        let mut total: u64 = 0;
        let mut too_long = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                if total == 0 {
                    return Ok(Line::End);
                }
                break;
            }
            let (take, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            total += take as u64;
            if !too_long {
                if self.line.len() + take > self.limit {
                    too_long = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(&available[..take]);
                }
            }
            self.reader.consume(take);
            if found {
                break;
            }
        }
        self.number += 1;
        self.bytes += total;
        if too_long {
            self.line.clear();
            return Ok(Line::TooLong(total));
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
        }
        if self.number == 1 && self.line.starts_with(b"\xEF\xBB\xBF") {
            self.line.drain(..3);
        }
        Ok(Line::Complete)
    }
}
