//! The streaming, multi-core scan over files.
//!
//! One reader thread walks the inputs in order through [`accord_data`]:
//! it counts *items* (non-empty lines of plain text, records of JSONL / CSV /
//! Parquet), attributes each to its *source* (the file, or the value of the
//! source field), draws the review sample, and hands batches of text to the
//! workers. Workers fold and match. The calling thread takes the results back
//! in input order — so hits come out in the same order whatever the number of
//! threads — and counts them. At most a few batches are in flight, so memory
//! stays bounded whatever the size of the inputs.
//!
//! Plain text arrives in chunks cut at line ends; when a line is longer than a
//! chunk, the chunk before the cut also gets the first bytes after it, so a
//! keyword that straddles the cut is still found (once: a chunk reports only
//! the matches that start in its own bytes).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use accord_data::{Format, Input, ReadReport, TextOptions, TextUnit};

use super::KeywordError;
use super::fold::FoldBuffer;
use super::matcher::{Match, Matcher};
use super::sample::Reservoir;

/// Text of a sampled field longer than this is cut (at a character boundary).
pub const SAMPLE_TEXT_BYTES: usize = 64 * 1024;

/// A batch is handed to a worker when it holds this much text.
const BATCH_BYTES: usize = 1 << 20;
const BATCH_UNITS: usize = 4096;

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// JSONL fields (names or JSON pointers) or CSV / Parquet columns to scan;
    /// empty: every string value.
    pub fields: Vec<String>,
    /// The field whose value names an item's source (per-source hit rates);
    /// `None`: the source is the file.
    pub source_field: Option<String>,
    /// Worker threads (at least one).
    pub threads: usize,
    /// Draw a review sample of this many items with this seed.
    pub sample: Option<(usize, u64)>,
    /// Plain text is read in chunks of about this many bytes.
    pub chunk_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            fields: Vec::new(),
            source_field: None,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            sample: None,
            chunk_bytes: 1 << 20,
        }
    }
}

/// One hit, as CONTRACT.md §7 reports it.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    pub path: &'a str,
    /// Structured input: the 0-based record.
    pub record: Option<u64>,
    /// Structured input: the column or JSON pointer.
    pub field: Option<&'a str>,
    /// Bytes of the file (plain text) or of the field's value (structured).
    pub offset: u64,
    pub length: u64,
    /// The keyword's index in the list.
    pub keyword: u32,
}

/// Where the scan is, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Index of the input being read.
    pub input: usize,
    /// Decompressed bytes of it read so far.
    pub input_bytes: u64,
}

/// One input: what was found in it and what went wrong.
#[derive(Clone, Debug)]
pub struct InputReport {
    pub path: String,
    pub format: Format,
    pub items: u64,
    pub items_with_hits: u64,
    pub hits: u64,
    pub read: ReadReport,
    /// Why the input could not be read (completely); it was skipped from there on.
    pub error: Option<String>,
}

/// One source: items and items with at least one hit.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceReport {
    pub name: String,
    pub items: u64,
    pub items_with_hits: u64,
}

impl SourceReport {
    pub fn hit_rate(&self) -> f64 {
        if self.items == 0 {
            0.0
        } else {
            self.items_with_hits as f64 / self.items as f64
        }
    }
}

/// One field of a sampled item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleEntry {
    pub path: String,
    /// Plain text: the 0-based line; structured input: the 0-based record.
    pub record: u64,
    pub field: Option<String>,
    pub text: String,
    /// The text was longer than [`SAMPLE_TEXT_BYTES`] and was cut.
    pub truncated: bool,
}

/// Everything a scan counted.
#[derive(Clone, Debug, Default)]
pub struct ScanReport {
    pub inputs: Vec<InputReport>,
    /// In order of first appearance.
    pub sources: Vec<SourceReport>,
    /// Hits per keyword, indexed like the list.
    pub keyword_hits: Vec<u64>,
    /// The review sample: items in input order, one entry per field.
    pub sample: Vec<SampleEntry>,
}

impl ScanReport {
    pub fn items(&self) -> u64 {
        self.inputs.iter().map(|i| i.items).sum()
    }

    pub fn items_with_hits(&self) -> u64 {
        self.inputs.iter().map(|i| i.items_with_hits).sum()
    }

    pub fn hits(&self) -> u64 {
        self.inputs.iter().map(|i| i.hits).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.inputs.iter().map(|i| i.read.bytes).sum()
    }

    /// Items in the review sample (an item has one entry per field).
    pub fn sample_items(&self) -> usize {
        let mut items = 0;
        let mut last: Option<(&str, u64)> = None;
        for entry in &self.sample {
            let key = (entry.path.as_str(), entry.record);
            if last != Some(key) {
                items += 1;
                last = Some(key);
            }
        }
        items
    }
}

/// A piece of text for a worker.
struct WorkUnit {
    input: u32,
    source: u32,
    /// Plain text: the line the unit starts in; structured input: the record.
    item: u64,
    record: Option<u64>,
    field: Option<Arc<str>>,
    offset: u64,
    text: String,
    /// Matches are reported only when they start before this (the rest is lookahead).
    own: usize,
}

struct Batch {
    sequence: u64,
    units: Vec<WorkUnit>,
    progress: Progress,
}

/// A unit's place, without its text.
struct UnitPlace {
    input: u32,
    record: Option<u64>,
    field: Option<Arc<str>>,
    offset: u64,
}

struct BatchResult {
    sequence: u64,
    units: Vec<UnitPlace>,
    /// (unit index in the batch, match)
    hits: Vec<(u32, Match)>,
    /// Items with a hit, in order, without repeats within the batch: (source, input, item).
    items: Vec<(u32, u32, u64)>,
    progress: Progress,
}

/// Scans `inputs` with `matcher`, calling `on_hit` for every hit in input
/// order and `on_progress` as batches complete. A file that cannot be read is
/// reported in its [`InputReport`] and the scan goes on; only a failing
/// `on_hit` stops it.
pub fn scan(
    inputs: &[Input],
    matcher: &Matcher,
    keyword_count: usize,
    options: &ScanOptions,
    on_hit: &mut dyn FnMut(&Hit<'_>) -> std::io::Result<()>,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<ScanReport, KeywordError> {
    if options.source_field.is_some() && options.fields.is_empty() {
        return Err(KeywordError::Options(
            "A source field needs the fields to scan to be named too".to_string(),
        ));
    }
    let threads = options.threads.max(1);
    let in_flight = threads * 4;
    let (batch_tx, batch_rx) = crossbeam_channel::bounded::<Batch>(threads * 2);
    let (result_tx, result_rx) = crossbeam_channel::unbounded::<BatchResult>();
    let (token_tx, token_rx) = crossbeam_channel::bounded::<()>(in_flight);
    for _ in 0..in_flight {
        token_tx
            .send(())
            .map_err(|e| KeywordError::Internal(e.to_string()))?;
    }
    let lookahead = matcher.max_match_bytes();

    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut reader = Reader::new(inputs, options, lookahead, batch_tx, token_rx);
            reader.run();
            reader.finish()
        });
        for _ in 0..threads {
            let batch_rx = batch_rx.clone();
            let result_tx = result_tx.clone();
            scope.spawn(move || work(matcher, &batch_rx, &result_tx));
        }
        drop(batch_rx);
        drop(result_tx);

        let collected = collect(
            inputs,
            keyword_count,
            result_rx,
            token_tx,
            on_hit,
            on_progress,
        );
        // On an output error the channels are closed by now, so the reader stops soon.
        let outcome = reader
            .join()
            .map_err(|_| KeywordError::Internal("the reader thread panicked".to_string()))?;
        let mut collected = collected?;
        for (report, read) in collected.inputs.iter_mut().zip(outcome.inputs) {
            report.items = read.items;
            report.read = read.read;
            report.error = read.error;
        }
        // A file whose items all name another source is not a source itself.
        let sources = outcome
            .sources
            .into_iter()
            .enumerate()
            .map(|(i, (name, items))| SourceReport {
                name,
                items,
                items_with_hits: collected_source_hits(&collected.source_hits, i),
            })
            .filter(|s| s.items > 0 || s.items_with_hits > 0)
            .collect();
        Ok(ScanReport {
            inputs: collected.inputs,
            sources,
            keyword_hits: collected.keyword_hits,
            sample: outcome.sample,
        })
    })
}

fn collected_source_hits(hits: &[u64], index: usize) -> u64 {
    hits.get(index).copied().unwrap_or(0)
}

struct Collected {
    inputs: Vec<InputReport>,
    source_hits: Vec<u64>,
    keyword_hits: Vec<u64>,
}

/// Takes results back in input order, reports hits and counts them.
fn collect(
    inputs: &[Input],
    keyword_count: usize,
    results: crossbeam_channel::Receiver<BatchResult>,
    tokens: crossbeam_channel::Sender<()>,
    on_hit: &mut dyn FnMut(&Hit<'_>) -> std::io::Result<()>,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Collected, KeywordError> {
    let mut collected = Collected {
        inputs: inputs
            .iter()
            .map(|input| InputReport {
                path: input.display.clone(),
                format: input.format,
                items: 0,
                items_with_hits: 0,
                hits: 0,
                read: ReadReport::default(),
                error: None,
            })
            .collect(),
        source_hits: Vec::new(),
        keyword_hits: vec![0; keyword_count],
    };
    let mut waiting: BTreeMap<u64, BatchResult> = BTreeMap::new();
    let mut next = 0u64;
    let mut last_item: Option<(u32, u64)> = None;
    // Plain text: the end of the last hit, so that a match found again across
    // a chunk cut (overlapping the one before it) is not reported twice.
    let mut last_end: Option<(u32, u64)> = None;
    for result in results {
        waiting.insert(result.sequence, result);
        while let Some(result) = waiting.remove(&next) {
            next += 1;
            for &(unit, m) in &result.hits {
                let place = &result.units[unit as usize];
                let input = &inputs[place.input as usize];
                let hit = Hit {
                    path: &input.display,
                    record: place.record,
                    field: place.field.as_deref(),
                    offset: place.offset + m.start as u64,
                    length: (m.end - m.start) as u64,
                    keyword: m.keyword,
                };
                if place.record.is_none() {
                    if last_end.is_some_and(|(i, end)| i == place.input && hit.offset < end) {
                        continue;
                    }
                    last_end = Some((place.input, hit.offset + hit.length));
                }
                on_hit(&hit).map_err(KeywordError::Output)?;
                if let Some(count) = collected.keyword_hits.get_mut(m.keyword as usize) {
                    *count += 1;
                }
                collected.inputs[place.input as usize].hits += 1;
            }
            for &(source, input, item) in &result.items {
                if last_item == Some((input, item)) {
                    continue;
                }
                last_item = Some((input, item));
                collected.inputs[input as usize].items_with_hits += 1;
                let source = source as usize;
                if collected.source_hits.len() <= source {
                    collected.source_hits.resize(source + 1, 0);
                }
                collected.source_hits[source] += 1;
            }
            on_progress(result.progress);
            // Another batch may now be read.
            let _ = tokens.send(());
        }
    }
    Ok(collected)
}

/// A worker: folds and matches batches until the reader is done.
fn work(
    matcher: &Matcher,
    batches: &crossbeam_channel::Receiver<Batch>,
    results: &crossbeam_channel::Sender<BatchResult>,
) {
    let mut buffer = FoldBuffer::new();
    for batch in batches {
        let mut hits = Vec::new();
        let mut items: Vec<(u32, u32, u64)> = Vec::new();
        let mut units = Vec::with_capacity(batch.units.len());
        for (index, unit) in batch.units.into_iter().enumerate() {
            let unit_index = u32::try_from(index).unwrap_or(u32::MAX);
            // Plain text: count lines up to each hit to know its item.
            let mut line = unit.item;
            let mut counted_to = 0;
            let bytes = unit.text.as_bytes();
            matcher.for_each(&unit.text, &mut buffer, |m| {
                if m.start >= unit.own {
                    return;
                }
                let item = if unit.record.is_none() {
                    line += memchr::memchr_iter(b'\n', &bytes[counted_to..m.start]).count() as u64;
                    counted_to = m.start;
                    line
                } else {
                    unit.item
                };
                if items.last() != Some(&(unit.source, unit.input, item)) {
                    items.push((unit.source, unit.input, item));
                }
                hits.push((unit_index, m));
            });
            units.push(UnitPlace {
                input: unit.input,
                record: unit.record,
                field: unit.field,
                offset: unit.offset,
            });
        }
        let result = BatchResult {
            sequence: batch.sequence,
            units,
            hits,
            items,
            progress: batch.progress,
        };
        if results.send(result).is_err() {
            return;
        }
    }
}

/// What the reader found out, returned when it is done.
struct ReaderOutcome {
    inputs: Vec<InputRead>,
    sources: Vec<(String, u64)>,
    sample: Vec<SampleEntry>,
}

#[derive(Default)]
struct InputRead {
    items: u64,
    read: ReadReport,
    error: Option<String>,
}

/// A sampled item: its fields.
type Sampled = Vec<SampleEntry>;

/// A plain-text unit and how much of the text after it it still needs to see.
struct Pending {
    unit: WorkUnit,
    need: usize,
    done: bool,
}

impl Pending {
    /// Appends the start of the next unit, up to a line end (no keyword spans one).
    fn feed(&mut self, next: &str) {
        if self.done {
            return;
        }
        let mut take = self.need.min(next.len());
        if let Some(newline) = memchr::memchr(b'\n', &next.as_bytes()[..take]) {
            take = newline;
            self.done = true;
        }
        let take = floor_char_boundary(next, take);
        self.unit.text.push_str(&next[..take]);
        self.need -= take;
        if self.need == 0 || take < next.len() {
            self.done = true;
        }
    }
}

/// Reading state of plain text: which line we are in.
#[derive(Default)]
struct Lines {
    line: u64,
    /// The current line has content already (it is counted).
    started: bool,
    /// The current line is in the sample: (slot, position).
    sampled: Option<(usize, u64)>,
}

struct Reader<'a> {
    inputs: &'a [Input],
    options: &'a ScanOptions,
    lookahead: usize,
    batches: crossbeam_channel::Sender<Batch>,
    tokens: crossbeam_channel::Receiver<()>,
    stopped: bool,
    sequence: u64,
    batch: Vec<WorkUnit>,
    batch_bytes: usize,
    progress: Progress,
    reads: Vec<InputRead>,
    source_index: HashMap<String, u32>,
    sources: Vec<(String, u64)>,
    sample: Option<Reservoir<Sampled>>,
}

impl<'a> Reader<'a> {
    fn new(
        inputs: &'a [Input],
        options: &'a ScanOptions,
        lookahead: usize,
        batches: crossbeam_channel::Sender<Batch>,
        tokens: crossbeam_channel::Receiver<()>,
    ) -> Reader<'a> {
        Reader {
            inputs,
            options,
            lookahead,
            batches,
            tokens,
            stopped: false,
            sequence: 0,
            batch: Vec::new(),
            batch_bytes: 0,
            progress: Progress {
                input: 0,
                input_bytes: 0,
            },
            reads: inputs.iter().map(|_| InputRead::default()).collect(),
            source_index: HashMap::new(),
            sources: Vec::new(),
            sample: options
                .sample
                .map(|(size, seed)| Reservoir::new(size, seed)),
        }
    }

    fn run(&mut self) {
        let mut fields = self.options.fields.clone();
        if let Some(source) = &self.options.source_field
            && !fields.iter().any(|f| same_field(f, source))
        {
            fields.push(source.clone());
        }
        let text_options = TextOptions {
            fields,
            chunk_bytes: self.options.chunk_bytes,
        };
        for (index, input) in self.inputs.iter().enumerate() {
            if self.stopped {
                break;
            }
            self.progress = Progress {
                input: index,
                input_bytes: 0,
            };
            let units = match accord_data::text_units(input, &text_options) {
                Ok(units) => units,
                Err(error) => {
                    self.reads[index].error = Some(error.to_string());
                    continue;
                }
            };
            self.read_input(index, units);
        }
        self.send();
    }

    fn read_input(&mut self, index: usize, mut units: accord_data::TextReader) {
        let input_id = u32::try_from(index).unwrap_or(u32::MAX);
        let inputs = self.inputs;
        let file_source = self.source(&inputs[index].display);
        let mut lines = Lines::default();
        // Plain-text units waiting for the first bytes of the units after them.
        let mut pending: VecDeque<Pending> = VecDeque::new();
        let mut record: Vec<TextUnit> = Vec::new();
        while let Some(unit) = units.next() {
            if self.stopped {
                break;
            }
            let unit = match unit {
                Ok(unit) => unit,
                Err(error) => {
                    self.reads[index].error = Some(error.to_string());
                    break;
                }
            };
            self.progress.input_bytes = units.report().bytes;
            match unit.record {
                None => {
                    let first_line = lines.line;
                    self.count_lines(input_id, file_source, &unit.text, &mut lines);
                    let work = WorkUnit {
                        input: input_id,
                        source: file_source,
                        item: first_line,
                        record: None,
                        field: None,
                        offset: unit.offset,
                        own: unit.text.len(),
                        text: unit.text,
                    };
                    for waiting in &mut pending {
                        waiting.feed(&work.text);
                    }
                    while pending.front().is_some_and(|p| p.done) {
                        if let Some(ready) = pending.pop_front() {
                            self.push(ready.unit);
                        }
                    }
                    let done = self.lookahead == 0 || work.text.ends_with('\n');
                    pending.push_back(Pending {
                        unit: work,
                        need: self.lookahead,
                        done,
                    });
                }
                Some(number) => {
                    if record
                        .first()
                        .is_some_and(|first| first.record != Some(number))
                    {
                        self.flush_record(input_id, file_source, &mut record);
                    }
                    record.push(unit);
                }
            }
        }
        for waiting in pending {
            self.push(waiting.unit);
        }
        self.flush_record(input_id, file_source, &mut record);
        self.reads[index].read = units.report().clone();
        self.progress.input_bytes = units.report().bytes;
    }

    /// Counts the non-empty lines that start in `text` and samples them.
    fn count_lines(&mut self, input: u32, source: u32, text: &str, lines: &mut Lines) {
        let bytes = text.as_bytes();
        let mut start = 0;
        loop {
            let newline = memchr::memchr(b'\n', &bytes[start..]).map(|p| start + p);
            let end = newline.unwrap_or(bytes.len());
            let mut content = &text[start..end];
            if newline.is_some() {
                content = content.strip_suffix('\r').unwrap_or(content);
            }
            if !lines.started {
                if !content.is_empty() {
                    lines.started = true;
                    let line = lines.line;
                    lines.sampled = self.item(input, source, || {
                        let (text, truncated) = cut(content);
                        vec![SampleEntry {
                            path: String::new(),
                            record: line,
                            field: None,
                            text,
                            truncated,
                        }]
                    });
                }
            } else if let Some((slot, position)) = lines.sampled
                && let Some(entry) = self
                    .sample
                    .as_mut()
                    .and_then(|s| s.get_mut(slot, position))
                    .and_then(|entries| entries.first_mut())
            {
                append(entry, content);
            }
            match newline {
                Some(p) => {
                    // A "\r\n" split between two chunks leaves the '\r' in the sample.
                    if content.is_empty()
                        && let Some((slot, position)) = lines.sampled
                        && let Some(entry) = self
                            .sample
                            .as_mut()
                            .and_then(|s| s.get_mut(slot, position))
                            .and_then(|entries| entries.first_mut())
                        && entry.text.ends_with('\r')
                    {
                        entry.text.pop();
                    }
                    lines.line += 1;
                    lines.started = false;
                    lines.sampled = None;
                    start = p + 1;
                }
                None => break,
            }
        }
    }

    /// Counts an item of `source` and offers it to the sample.
    fn item(
        &mut self,
        input: u32,
        source: u32,
        make: impl FnOnce() -> Sampled,
    ) -> Option<(usize, u64)> {
        self.reads[input as usize].items += 1;
        if let Some((_, items)) = self.sources.get_mut(source as usize) {
            *items += 1;
        }
        let path = &self.inputs[input as usize].display;
        let sample = self.sample.as_mut()?;
        let position = sample.seen();
        let slot = sample.offer(|| {
            let mut entries = make();
            for entry in &mut entries {
                entry.path.clone_from(path);
            }
            entries
        })?;
        Some((slot, position))
    }

    /// A record is complete: find its source, count and sample it, queue its fields.
    fn flush_record(&mut self, input: u32, file_source: u32, record: &mut Vec<TextUnit>) {
        if record.is_empty() {
            return;
        }
        let units = std::mem::take(record);
        let number = units[0].record.unwrap_or(0);
        let mut source = file_source;
        let mut scanned = Vec::with_capacity(units.len());
        for unit in units {
            let is_source = matches!((&self.options.source_field, &unit.field), (Some(s), Some(f)) if same_field(s, f));
            if is_source {
                source = self.source(&unit.text);
            } else {
                scanned.push(unit);
            }
        }
        if scanned.is_empty() {
            return;
        }
        self.item(input, source, || {
            scanned
                .iter()
                .map(|unit| {
                    let (text, truncated) = cut(&unit.text);
                    SampleEntry {
                        path: String::new(),
                        record: number,
                        field: unit.field.clone(),
                        text,
                        truncated,
                    }
                })
                .collect()
        });
        for unit in scanned {
            self.push(WorkUnit {
                input,
                source,
                item: number,
                record: Some(number),
                field: unit.field.map(Arc::from),
                offset: unit.offset,
                own: unit.text.len(),
                text: unit.text,
            });
        }
    }

    fn source(&mut self, name: &str) -> u32 {
        if let Some(&index) = self.source_index.get(name) {
            return index;
        }
        let index = u32::try_from(self.sources.len()).unwrap_or(u32::MAX);
        self.source_index.insert(name.to_string(), index);
        self.sources.push((name.to_string(), 0));
        index
    }

    fn push(&mut self, unit: WorkUnit) {
        self.batch_bytes += unit.text.len();
        self.batch.push(unit);
        if self.batch_bytes >= BATCH_BYTES || self.batch.len() >= BATCH_UNITS {
            self.send();
        }
    }

    fn send(&mut self) {
        if self.batch.is_empty() || self.stopped {
            return;
        }
        // Wait until fewer than the allowed number of batches are in flight.
        if self.tokens.recv().is_err() {
            self.stopped = true;
            return;
        }
        let batch = Batch {
            sequence: self.sequence,
            units: std::mem::take(&mut self.batch),
            progress: self.progress,
        };
        self.sequence += 1;
        self.batch_bytes = 0;
        if self.batches.send(batch).is_err() {
            self.stopped = true;
        }
    }

    fn finish(self) -> ReaderOutcome {
        ReaderOutcome {
            inputs: self.reads,
            sources: self.sources,
            sample: self
                .sample
                .map(|s| s.into_sorted().into_iter().flatten().collect())
                .unwrap_or_default(),
        }
    }
}

fn same_field(a: &str, b: &str) -> bool {
    a.strip_prefix('/').unwrap_or(a) == b.strip_prefix('/').unwrap_or(b)
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn cut(text: &str) -> (String, bool) {
    if text.len() <= SAMPLE_TEXT_BYTES {
        (text.to_string(), false)
    } else {
        (
            text[..floor_char_boundary(text, SAMPLE_TEXT_BYTES)].to_string(),
            true,
        )
    }
}

fn append(entry: &mut SampleEntry, more: &str) {
    if entry.truncated {
        return;
    }
    let room = SAMPLE_TEXT_BYTES.saturating_sub(entry.text.len());
    if more.len() <= room {
        entry.text.push_str(more);
    } else {
        entry
            .text
            .push_str(&more[..floor_char_boundary(more, room)]);
        entry.truncated = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keywords::KeywordList;

    fn run(
        path: &std::path::Path,
        list: &KeywordList,
        chunk_bytes: usize,
        threads: usize,
    ) -> (Vec<(u64, u64, u32)>, ScanReport) {
        let inputs = accord_data::discover(&[path.to_path_buf()]).expect("discover");
        let matcher = Matcher::new(list).expect("automaton");
        let options = ScanOptions {
            threads,
            chunk_bytes,
            sample: Some((5, 9)),
            ..ScanOptions::default()
        };
        let mut hits = Vec::new();
        let report = scan(
            &inputs,
            &matcher,
            list.len(),
            &options,
            &mut |h| {
                hits.push((h.offset, h.length, h.keyword));
                Ok(())
            },
            &mut |_| {},
        )
        .expect("scan");
        (hits, report)
    }

    /// Whatever the chunk size and the number of threads, a file gives the
    /// hits, items and sample that matching it whole gives.
    #[test]
    fn chunk_cuts_change_nothing() {
        let list =
            KeywordList::parse("机密文件\nalpha beta\nＺＥＴＡ\nｶﾞｽ\n", "l", None).expect("list");
        let mut text = String::new();
        for i in 0..60 {
            match i % 6 {
                0 => text.push_str("机密文件机密文件中文"),
                1 => text.push_str("ALPHA BETA alpha  beta\n"),
                2 => text.push_str("zeta ＺＥＴＡ ｚｅｔａ\r\n"),
                3 => text.push_str("ガスｶﾞｽ\n\n"),
                4 => text.push_str("no keyword at all, 没有关键词。"),
                _ => text.push('\n'),
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.txt");
        std::fs::write(&path, &text).expect("write");

        let matcher = Matcher::new(&list).expect("automaton");
        let whole: Vec<(u64, u64, u32)> = matcher
            .find_all(&text, &mut FoldBuffer::new())
            .iter()
            .map(|m| (m.start as u64, (m.end - m.start) as u64, m.keyword))
            .collect();
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let items = lines.iter().filter(|l| !l.is_empty()).count() as u64;
        let mut with_hits = 0;
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let end = start + line.len() as u64;
            if whole.iter().any(|&(o, _, _)| o >= start && o < end) {
                with_hits += 1;
            }
            start = end;
        }
        assert!(
            whole.len() == 80 && with_hits == 30,
            "{} hits in {with_hits} lines",
            whole.len()
        );

        let (reference_hits, reference) = run(&path, &list, 1 << 20, 1);
        assert_eq!(reference_hits, whole);
        for chunk in [7, 8, 13, 31, 64, 100] {
            for threads in [1, 3] {
                let (hits, report) = run(&path, &list, chunk, threads);
                assert_eq!(hits, whole, "chunk {chunk}, threads {threads}");
                assert_eq!(
                    (report.items(), report.items_with_hits()),
                    (items, with_hits),
                    "chunk {chunk}"
                );
                assert_eq!(report.sample, reference.sample, "chunk {chunk}");
                assert_eq!(report.keyword_hits, reference.keyword_hits);
            }
        }
        // Sampled lines are whole lines, even when they span chunks.
        for entry in &reference.sample {
            assert_eq!(entry.text, lines[entry.record as usize]);
        }
    }
}
