//! Plain text in units of about `chunk_bytes`, with byte offsets of the file.

use std::io::Read;

use crate::read::{io_error, open};
use crate::{DataError, Input, ReadReport, TextOptions, TextUnit};

/// Bytes read past the chunk size so that a cut can see the character that follows.
const LOOKAHEAD: usize = 4;

pub(crate) struct PlainText {
    input: Input,
    reader: Box<dyn Read + Send>,
    /// Bytes read and not yet given out; `buffer[0]` is at `offset` in the file.
    buffer: Vec<u8>,
    offset: u64,
    chunk: usize,
    end: bool,
}

impl PlainText {
    pub(crate) fn new(input: &Input, options: &TextOptions) -> Result<Self, DataError> {
        // Bounded so that a unit (and the arithmetic on its size) stays sane.
        let chunk = options.chunk_bytes.clamp(1, 1 << 30);
        Ok(PlainText {
            input: input.clone(),
            reader: open(input)?,
            buffer: Vec::with_capacity(chunk.min(1 << 26) + LOOKAHEAD),
            offset: 0,
            chunk,
            end: false,
        })
    }

    pub(crate) fn next_unit(
        &mut self,
        report: &mut ReadReport,
    ) -> Result<Option<TextUnit>, DataError> {
        let wanted = self.chunk + LOOKAHEAD;
        while !self.end && self.buffer.len() < wanted {
            let missing = (wanted - self.buffer.len()) as u64;
            let read = (&mut self.reader)
                .take(missing)
                .read_to_end(&mut self.buffer)
                .map_err(|e| io_error(&self.input, e))?;
            report.bytes += read as u64;
            if (read as u64) < missing {
                self.end = true;
            }
        }
        if self.buffer.is_empty() {
            return Ok(None);
        }
        let cut = if self.buffer.len() <= self.chunk {
            self.buffer.len()
        } else {
            cut_point(&self.buffer, self.chunk)
        };
        let mut rest = Vec::with_capacity(self.chunk.min(1 << 26) + LOOKAHEAD);
        rest.extend_from_slice(&self.buffer[cut..]);
        let mut unit = std::mem::replace(&mut self.buffer, rest);
        unit.truncate(cut);
        let offset = self.offset;
        self.offset += cut as u64;
        report.records += 1;
        Ok(Some(TextUnit {
            record: None,
            field: None,
            offset,
            text: substitute_invalid(unit, report),
        }))
    }
}

/// Where to end a unit of at most `chunk` bytes of `bytes` (which holds more):
/// after the last line end, else after the last whitespace, else at the last
/// character boundary; never 0.
pub(crate) fn cut_point(bytes: &[u8], chunk: usize) -> usize {
    let window = &bytes[..chunk];
    if let Some(i) = memchr::memrchr(b'\n', window) {
        return i + 1;
    }
    if let Some(i) = memchr::memrchr3(b' ', b'\t', b'\r', window) {
        return i + 1;
    }
    let is_continuation = |b: u8| b & 0xC0 == 0x80;
    // `bytes[c]` is the first byte of the next unit: step back over at most three
    // continuation bytes to the start of the character.
    for c in (chunk.saturating_sub(3)..=chunk).rev() {
        if !is_continuation(bytes[c]) {
            if c > 0 {
                return c;
            }
            // The first character is longer than the chunk size: take it whole.
            let width = match bytes[0] {
                0xF0..=0xF7 => 4,
                0xE0..=0xEF => 3,
                0xC0..=0xDF => 2,
                _ => 1,
            };
            return width.min(bytes.len());
        }
    }
    // Only continuation bytes: invalid UTF-8, which may be cut anywhere.
    chunk
}

/// Bytes to text, each invalid byte replaced by U+001A SUBSTITUTE (one byte)
/// so that offsets stay those of the file; each invalid sequence is counted.
pub(crate) fn substitute_invalid(bytes: Vec<u8>, report: &mut ReadReport) -> String {
    // simdutf8 checks non-ASCII text many times faster than the standard
    // library; the copy it takes (without `unsafe`) costs less than the check saved.
    if let Ok(text) = simdutf8::basic::from_utf8(&bytes) {
        return text.to_owned();
    }
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            report.invalid_utf8 += 1;
            text.extend(std::iter::repeat_n('\u{1A}', chunk.invalid().len()));
        }
    }
    text
}
