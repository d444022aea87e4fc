//! Streaming aggregation of record batches into a [`Tally`], on several threads.
//!
//! The thread that calls [`run`] reads batches (reading and decoding CSV,
//! JSON or Parquet is the costly part) and hands them over a bounded channel
//! to worker threads. Each worker filters its batches, decodes labels,
//! predictions and scores (typed or as text), maps group values to small
//! integer codes through its own
//! dictionaries, and counts per group; at the end the workers' partial
//! tallies are merged. At most `2 × workers` batches wait in the channel, so
//! memory is bounded by the batch size, whatever the size of the input —
//! except the scores of a `--score` column, kept (8 bytes a scored row)
//! because the LL144 scoring rate needs the exact sample median.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::filter::{Filter, for_each_str};
use crate::outcome::{self, INVALID};
use crate::score;
use crate::{Counts, FairnessError, GroupTally, GroupValue, Tally};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// What to audit: the columns and the filter.
///
/// The group columns and a prediction or a score column are needed; the
/// label (ground truth) only for error rates, and only with predictions.
#[derive(Clone, Debug)]
pub struct AuditSpec {
    pub groups: Vec<String>,
    /// The true outcome (1/0, true/false, yes/no): error rates and equalized odds.
    pub label: Option<String>,
    /// The system's decision, 1 = selected: selection rates, impact ratios,
    /// the four-fifths screen and the LL144 selection-rate tables.
    pub prediction: Option<String>,
    /// A numeric score: the LL144 scoring-rate tables.
    pub score: Option<String>,
    pub filter: Option<Filter>,
}

impl AuditSpec {
    /// Whether these columns make an audit: at least one group column, a
    /// prediction or a score, and a label only beside a prediction.
    pub fn check(&self) -> Result<(), FairnessError> {
        if self.groups.is_empty() {
            return Err(FairnessError::Spec(
                "An audit needs at least one group column".into(),
            ));
        }
        if self.prediction.is_none() && self.score.is_none() {
            return Err(FairnessError::Spec(
                "An audit needs the system's selections or scores: a prediction column or a score column".into(),
            ));
        }
        if self.label.is_some() && self.prediction.is_none() {
            return Err(FairnessError::Spec(
                "A label column needs a prediction column: error rates compare the two".into(),
            ));
        }
        Ok(())
    }

    /// Every column the audit reads, in order of first mention, without repeats.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let filter_columns = self
            .filter
            .as_ref()
            .map(Filter::columns)
            .unwrap_or_default();
        for column in self
            .groups
            .iter()
            .chain(self.label.iter())
            .chain(self.prediction.iter())
            .chain(self.score.iter())
            .chain(filter_columns.iter())
        {
            if !out.contains(column) {
                out.push(column.clone());
            }
        }
        out
    }
}

/// Strings to codes: open addressing on a 64-bit hash, the bytes compared
/// only when the hashes agree — group columns hold few distinct values, and
/// a general hash map spent most of its time comparing strings.
struct StringTable {
    /// (hash, index + 1) into `strings`; 0 marks an empty slot.
    slots: Vec<(u64, u32)>,
    /// By length (up to 63 bytes): the index + 1 of the only string of that
    /// length, 0 for none, `u32::MAX` for several. Group values often differ
    /// in length, and then one comparison finds the code without hashing.
    by_length: [u32; 64],
    /// The bytes of each string, by its index in `codes`.
    strings: Vec<Box<[u8]>>,
    codes: Vec<u32>,
    hasher: foldhash::fast::FixedState,
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable {
            slots: vec![(0, 0); 64],
            by_length: [0; 64],
            strings: Vec::new(),
            codes: Vec::new(),
            hasher: foldhash::fast::FixedState::with_seed(0x5a17_c0de),
        }
    }
}

/// Equality of short byte strings without a call into libc.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    #[inline]
    fn word(bytes: &[u8], at: usize) -> u64 {
        bytes
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_ne_bytes)
    }
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut at = 0;
    while at + 8 <= n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last (overlapping) word covers the tail.
    word(a, n - 8) == word(b, n - 8)
}

impl StringTable {
    /// The code of `value`, or `None` when it is not in the table yet.
    #[inline]
    fn find(&self, hash: u64, value: &[u8]) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut index = (hash as usize) & mask;
        loop {
            let (slot_hash, entry) = self.slots[index];
            if entry == 0 {
                return Err(index);
            }
            let position = (entry - 1) as usize;
            if slot_hash == hash && same(&self.strings[position], value) {
                return Ok(self.codes[position]);
            }
            index = (index + 1) & mask;
        }
    }

    fn insert(&mut self, hash: u64, value: &[u8], code: u32) {
        if (self.strings.len() + 1) * 2 > self.slots.len() {
            let bigger = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, vec![(0, 0); bigger]);
            for (slot_hash, entry) in old.into_iter().filter(|(_, e)| *e != 0) {
                let mask = bigger - 1;
                let mut index = (slot_hash as usize) & mask;
                while self.slots[index].1 != 0 {
                    index = (index + 1) & mask;
                }
                self.slots[index] = (slot_hash, entry);
            }
        }
        let index = match self.find(hash, value) {
            Ok(_) => return,
            Err(index) => index,
        };
        self.strings.push(value.into());
        self.codes.push(code);
        let entry = self.strings.len() as u32;
        self.slots[index] = (hash, entry);
        if let Some(slot) = self.by_length.get_mut(value.len()) {
            *slot = if *slot == 0 { entry } else { u32::MAX };
        }
    }

    /// The code of `value` when it is the only known string of its length.
    #[inline]
    fn by_length(&self, value: &[u8]) -> Option<u32> {
        let entry = *self.by_length.get(value.len())?;
        if entry == 0 || entry == u32::MAX {
            return None;
        }
        let position = (entry - 1) as usize;
        same(&self.strings[position], value).then(|| self.codes[position])
    }
}

/// Maps one group column's values to dense codes.
#[derive(Default)]
struct ColumnDictionary {
    strings: StringTable,
    ints: FastMap<i64, u32>,
    floats: FastMap<u64, u32>,
    bools: [Option<u32>; 2],
    null: Option<u32>,
    values: Vec<GroupValue>,
}

impl ColumnDictionary {
    fn push(values: &mut Vec<GroupValue>, value: GroupValue) -> u32 {
        values.push(value);
        (values.len() - 1) as u32
    }

    fn null_code(&mut self) -> u32 {
        match self.null {
            Some(code) => code,
            None => {
                let code = Self::push(&mut self.values, GroupValue::Null);
                self.null = Some(code);
                code
            }
        }
    }

    #[inline]
    fn string_code(&mut self, value: &str) -> u32 {
        use std::hash::BuildHasher as _;
        if let Some(code) = self.strings.by_length(value.as_bytes()) {
            return code;
        }
        let hash = self.strings.hasher.hash_one(value.as_bytes());
        match self.strings.find(hash, value.as_bytes()) {
            Ok(code) => code,
            Err(_) => {
                let code = Self::push(&mut self.values, GroupValue::Str(value.to_string()));
                self.strings.insert(hash, value.as_bytes(), code);
                code
            }
        }
    }

    /// One code per row of `array`.
    fn codes(&mut self, column: &str, array: &ArrayRef) -> Result<Vec<u32>, FairnessError> {
        let rows = array.len();
        let data_type = array.data_type();
        match data_type {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let mut out = Vec::with_capacity(rows);
                for_each_str(array, |_, value| {
                    // An empty cell is a missing value, whether the reader
                    // gave it as null or as empty text.
                    let code = match value {
                        None | Some("") => self.null_code(),
                        Some(v) => self.string_code(v),
                    };
                    out.push(code);
                });
                Ok(out)
            }
            DataType::Boolean => {
                let a = array.as_boolean();
                let mut out = Vec::with_capacity(rows);
                for row in 0..rows {
                    let code = if a.is_valid(row) {
                        let v = a.value(row);
                        match self.bools[usize::from(v)] {
                            Some(c) => c,
                            None => {
                                let c = Self::push(&mut self.values, GroupValue::Bool(v));
                                self.bools[usize::from(v)] = Some(c);
                                c
                            }
                        }
                    } else {
                        self.null_code()
                    };
                    out.push(code);
                }
                Ok(out)
            }
            t if t.is_integer() => {
                let cast = arrow_cast::cast(array, &DataType::Int64)
                    .map_err(|e| FairnessError::Internal(format!("cast to Int64: {e}")))?;
                let a = cast.as_primitive::<arrow_array::types::Int64Type>();
                let mut out = Vec::with_capacity(rows);
                for row in 0..rows {
                    let code = if a.is_valid(row) {
                        let v = a.value(row);
                        match self.ints.get(&v) {
                            Some(&c) => c,
                            None => {
                                let c = Self::push(&mut self.values, GroupValue::Int(v));
                                self.ints.insert(v, c);
                                c
                            }
                        }
                    } else {
                        self.null_code()
                    };
                    out.push(code);
                }
                Ok(out)
            }
            t if t.is_floating() => {
                let cast = arrow_cast::cast(array, &DataType::Float64)
                    .map_err(|e| FairnessError::Internal(format!("cast to Float64: {e}")))?;
                let a = cast.as_primitive::<Float64Type>();
                let mut out = Vec::with_capacity(rows);
                for row in 0..rows {
                    let code = if a.is_valid(row) && !a.value(row).is_nan() {
                        let v = a.value(row) + 0.0;
                        match self.floats.get(&v.to_bits()) {
                            Some(&c) => c,
                            None => {
                                let c = Self::push(&mut self.values, GroupValue::Float(v));
                                self.floats.insert(v.to_bits(), c);
                                c
                            }
                        }
                    } else {
                        self.null_code()
                    };
                    out.push(code);
                }
                Ok(out)
            }
            DataType::Dictionary(..) => {
                let Some(dictionary) = array.as_any_dictionary_opt() else {
                    return Err(FairnessError::Internal(format!(
                        "`{column}` claims a dictionary type but is not one"
                    )));
                };
                let value_codes = self.codes(column, dictionary.values())?;
                let keys = dictionary.normalized_keys();
                let mut out = Vec::with_capacity(rows);
                for (row, key) in keys.into_iter().enumerate() {
                    out.push(if array.is_valid(row) {
                        value_codes
                            .get(key)
                            .copied()
                            .unwrap_or_else(|| self.null_code())
                    } else {
                        self.null_code()
                    });
                }
                Ok(out)
            }
            DataType::Null => Ok(vec![self.null_code(); rows]),
            _ => {
                // Dates, times, decimals...: grouped by their text.
                let cast = arrow_cast::cast(array, &DataType::Utf8).map_err(|_| {
                    FairnessError::ColumnType {
                        column: column.to_string(),
                        data_type: data_type.to_string(),
                        what: "cannot be used to form groups".to_string(),
                    }
                })?;
                self.codes(column, &cast)
            }
        }
    }
}

/// One worker's counts.
struct Aggregator<'s> {
    spec: &'s AuditSpec,
    dictionaries: Vec<ColumnDictionary>,
    /// Several group columns are combined one at a time: level `j` maps (the
    /// combination of columns `0..j`, the code of column `j`) to the
    /// combination of columns `0..=j`, as `(previous << 32 | code) → id`; the
    /// last level's ids are the slots. `parents[j][id]` undoes it.
    levels: Vec<FastMap<u64, u32>>,
    parents: Vec<Vec<(u32, u32)>>,
    /// Per slot: counts indexed by 2 × label + prediction.
    counts: Vec<[u64; 4]>,
    scores: Vec<Vec<f64>>,
    scores_missing: Vec<u64>,
    rows_read: u64,
    rows_audited: u64,
}

impl<'s> Aggregator<'s> {
    fn new(spec: &'s AuditSpec) -> Self {
        Aggregator {
            spec,
            dictionaries: spec
                .groups
                .iter()
                .map(|_| ColumnDictionary::default())
                .collect(),
            levels: spec
                .groups
                .iter()
                .skip(1)
                .map(|_| FastMap::default())
                .collect(),
            parents: spec.groups.iter().skip(1).map(|_| Vec::new()).collect(),
            counts: Vec::new(),
            scores: Vec::new(),
            scores_missing: Vec::new(),
            rows_read: 0,
            rows_audited: 0,
        }
    }

    /// Makes sure slots up to `slot` exist.
    #[inline]
    fn reserve_slot(&mut self, slot: usize) {
        while self.counts.len() <= slot {
            self.counts.push([0; 4]);
            self.scores.push(Vec::new());
            self.scores_missing.push(0);
        }
    }

    /// The slot of each row: its combination of the group columns' codes.
    fn slots(&mut self, codes: Vec<Vec<u32>>, rows: usize) -> Vec<u32> {
        let mut columns = codes.into_iter();
        let Some(mut ids) = columns.next() else {
            return vec![0; rows];
        };
        for ((column, level), parents) in columns.zip(&mut self.levels).zip(&mut self.parents) {
            let mut last: Option<(u64, u32)> = None;
            for (id, &code) in ids.iter_mut().zip(&column) {
                let key = u64::from(*id) << 32 | u64::from(code);
                *id = match last {
                    Some((last_key, last_id)) if last_key == key => last_id,
                    _ => {
                        let next = parents.len() as u32;
                        let found = *level.entry(key).or_insert(next);
                        if found == next {
                            parents.push((*id, code));
                        }
                        last = Some((key, found));
                        found
                    }
                };
            }
        }
        ids
    }

    /// The codes of each group column for a slot.
    fn key_of(&self, slot: u32) -> Vec<u32> {
        let mut key = vec![0u32; self.dictionaries.len()];
        let mut id = slot;
        for (j, parents) in self.parents.iter().enumerate().rev() {
            let (previous, code) = parents.get(id as usize).copied().unwrap_or((0, 0));
            key[j + 1] = code;
            id = previous;
        }
        if let Some(first) = key.first_mut() {
            *first = id;
        }
        key
    }

    fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef, FairnessError> {
        batch
            .column_by_name(name)
            .ok_or_else(|| FairnessError::MissingColumn {
                column: name.to_string(),
                available: batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| format!("`{}`", f.name()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// An outcome column's name, array and decoded values, when the audit has it.
    #[allow(clippy::type_complexity)]
    fn outcomes<'b, 'n>(
        batch: &'b RecordBatch,
        column: Option<&'n str>,
    ) -> Result<Option<(&'n str, &'b ArrayRef, Vec<u8>)>, FairnessError> {
        match column {
            Some(name) => {
                let array = Self::column(batch, name)?;
                Ok(Some((name, array, outcome::decode(name, array)?)))
            }
            None => Ok(None),
        }
    }

    /// Counts the rows of `batch`, whose first row is row `first_row` (0-based) of the input.
    fn add(&mut self, first_row: u64, batch: &RecordBatch) -> Result<(), FairnessError> {
        let rows = batch.num_rows();
        self.rows_read += rows as u64;
        let spec = self.spec;
        let mask = match &spec.filter {
            Some(filter) => Some(filter.evaluate(batch)?),
            None => None,
        };
        // Without a label every row counts as label 0, without a prediction
        // as not selected; the metrics leave out what these would give.
        let labels = Self::outcomes(batch, spec.label.as_deref())?;
        let predictions = Self::outcomes(batch, spec.prediction.as_deref())?;
        let mut codes = Vec::with_capacity(spec.groups.len());
        for (column, dictionary) in spec.groups.iter().zip(self.dictionaries.iter_mut()) {
            codes.push(dictionary.codes(column, Self::column(batch, column)?)?);
        }
        let scores = match &spec.score {
            Some(column) => {
                let array = Self::column(batch, column)?;
                Some((column, array, score::decode(column, array)?))
            }
            None => None,
        };
        let mut invalid_scores = scores
            .as_ref()
            .map(|(_, _, s)| s.invalid.as_slice())
            .unwrap_or_default()
            .iter()
            .peekable();

        let slots = self.slots(codes, rows);
        for row in 0..rows {
            if mask.as_ref().is_some_and(|mask| !mask[row]) {
                continue;
            }
            let label = labels.as_ref().map_or(0, |(_, _, l)| l[row]);
            let prediction = predictions.as_ref().map_or(0, |(_, _, p)| p[row]);
            if label == INVALID || prediction == INVALID {
                let invalid = if label == INVALID {
                    &labels
                } else {
                    &predictions
                };
                let (column, value) = invalid
                    .as_ref()
                    .map(|(name, array, _)| (name.to_string(), outcome::describe(array, row)))
                    .unwrap_or_default();
                return Err(FairnessError::Outcome {
                    row: first_row + row as u64 + 1,
                    column,
                    value,
                });
            }
            let slot = slots[row] as usize;
            if slot >= self.counts.len() {
                self.reserve_slot(slot);
            }
            self.counts[slot][usize::from(label * 2 + prediction)] += 1;
            if let Some((column, array, scores)) = &scores {
                while invalid_scores.next_if(|&&r| r < row).is_some() {}
                if invalid_scores.peek() == Some(&&row) {
                    return Err(FairnessError::Score {
                        row: first_row + row as u64 + 1,
                        column: column.to_string(),
                        value: outcome::describe(array, row),
                    });
                }
                let value = scores.values[row];
                if value.is_nan() {
                    self.scores_missing[slot] += 1;
                } else {
                    // -0.0 is kept as 0.0, so that it sorts with 0.0.
                    self.scores[slot].push(value + 0.0);
                }
            }
            self.rows_audited += 1;
        }
        Ok(())
    }

    fn finish(mut self) -> Tally {
        let mut tally = Tally::new(self.spec.groups.clone());
        tally.rows_read = self.rows_read;
        tally.rows_audited = self.rows_audited;
        self.spec.mark(&mut tally);
        let counts = std::mem::take(&mut self.counts);
        let scores = std::mem::take(&mut self.scores);
        let missing = std::mem::take(&mut self.scores_missing);
        for (slot, ((counts, scores), scores_missing)) in
            counts.into_iter().zip(scores).zip(missing).enumerate()
        {
            let key = self.key_of(slot as u32);
            let [tn, fp, fn_, tp] = counts;
            let counts = Counts { tp, fp, tn, fn_ };
            if counts.count() == 0 {
                continue;
            }
            let values: Vec<GroupValue> = key
                .iter()
                .zip(&self.dictionaries)
                .map(|(&code, dictionary)| {
                    dictionary
                        .values
                        .get(code as usize)
                        .cloned()
                        .unwrap_or(GroupValue::Null)
                })
                .collect();
            let group = GroupTally {
                counts,
                scores,
                scores_missing,
            };
            match tally.groups.get_mut(&values) {
                Some(existing) => existing.merge(group),
                None => {
                    tally.groups.insert(values, group);
                }
            }
        }
        tally
    }
}

impl AuditSpec {
    /// Records in `tally` which of the outcome columns were read.
    fn mark(&self, tally: &mut Tally) {
        tally.labelled = self.label.is_some();
        tally.predicted = self.prediction.is_some();
        tally.scored = self.score.is_some();
    }
}

/// The row an error names, for keeping the earliest of several.
fn error_row(error: &FairnessError) -> Option<u64> {
    match error {
        FairnessError::Outcome { row, .. } | FairnessError::Score { row, .. } => Some(*row),
        _ => None,
    }
}

/// Counts one batch on the calling thread (for tests and small inputs).
pub fn tally_batches<'b>(
    spec: &AuditSpec,
    batches: impl IntoIterator<Item = &'b RecordBatch>,
) -> Result<Tally, FairnessError> {
    spec.check()?;
    let mut aggregator = Aggregator::new(spec);
    let mut first = 0u64;
    for batch in batches {
        aggregator.add(first, batch)?;
        first += batch.num_rows() as u64;
    }
    Ok(aggregator.finish())
}

/// Reads every batch of `reader` on this thread and counts them on `workers`
/// threads; `on_batch` is called (on this thread) after each batch is read,
/// with the reader and the rows read so far, for progress.
///
/// Stops at the first error: a read error, or the first row (in input order)
/// whose label or prediction is not a binary outcome or whose score is text
/// that is not a number.
pub fn run<R, E>(
    reader: &mut R,
    spec: &AuditSpec,
    workers: usize,
    mut on_batch: impl FnMut(&R, u64),
) -> Result<Tally, FairnessError>
where
    R: Iterator<Item = Result<RecordBatch, E>>,
    FairnessError: From<E>,
{
    spec.check()?;
    let workers = workers.max(1);
    let failed = AtomicBool::new(false);
    let (sender, receiver) = mpsc::sync_channel::<(u64, RecordBatch)>(2 * workers);
    let receiver = Mutex::new(receiver);
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for index in 0..workers {
            let spawned = std::thread::Builder::new()
                .name(format!("fairness-count-{index}"))
                .spawn_scoped(scope, || {
                    let mut aggregator = Aggregator::new(spec);
                    loop {
                        if failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let next = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => break,
                        };
                        let Ok((first, batch)) = next else { break };
                        if let Err(error) = aggregator.add(first, &batch) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(error);
                        }
                    }
                    Ok(aggregator.finish())
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                // Without a thread, the ones already started do the work.
                Err(_) if !handles.is_empty() => break,
                Err(e) => {
                    return Err(FairnessError::Internal(format!(
                        "cannot start a thread: {e}"
                    )));
                }
            }
        }

        let mut read_error = None;
        let mut rows = 0u64;
        while let Some(item) = reader.next() {
            if failed.load(Ordering::Relaxed) {
                break;
            }
            match item {
                Ok(batch) => {
                    let n = batch.num_rows() as u64;
                    if n == 0 {
                        continue;
                    }
                    if sender.send((rows, batch)).is_err() {
                        break;
                    }
                    rows += n;
                    on_batch(reader, rows);
                }
                Err(error) => {
                    read_error = Some(FairnessError::from(error));
                    failed.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        drop(sender);

        let mut tally = Tally::new(spec.groups.clone());
        spec.mark(&mut tally);
        let mut first_error: Option<FairnessError> = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(part)) => tally.merge(part),
                Ok(Err(error)) => {
                    // Keep the error of the earliest row: workers take batches in order.
                    let earlier = match &first_error {
                        None => true,
                        Some(kept) => match (error_row(kept), error_row(&error)) {
                            (Some(kept), Some(row)) => row < kept,
                            _ => false,
                        },
                    };
                    if earlier {
                        first_error = Some(error);
                    }
                }
                Err(_) => {
                    first_error = Some(FairnessError::Internal("a worker thread panicked".into()));
                }
            }
        }
        if let Some(error) = read_error.or(first_error) {
            return Err(error);
        }
        Ok(tally)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{DictionaryArray, Float64Array, Int64Array, StringArray};
    use arrow_schema::{Field, Schema};
    use std::sync::Arc;

    fn spec(groups: &[&str], score: bool, filter: Option<&str>) -> AuditSpec {
        AuditSpec {
            groups: groups.iter().map(|s| s.to_string()).collect(),
            label: Some("y".into()),
            prediction: Some("p".into()),
            score: score.then(|| "s".to_string()),
            filter: filter.map(|f| Filter::parse(f).unwrap()),
        }
    }

    fn batch(sex: &[Option<&str>], race: &[i64], y: &[i64], p: &[&str], s: &[f64]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("sex", DataType::Utf8, true),
            Field::new("race", DataType::Int64, true),
            Field::new("y", DataType::Int64, true),
            Field::new("p", DataType::Utf8, true),
            Field::new("s", DataType::Float64, true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from(sex.to_vec())),
                Arc::new(Int64Array::from(race.to_vec())),
                Arc::new(Int64Array::from(y.to_vec())),
                Arc::new(StringArray::from(p.to_vec())),
                Arc::new(Float64Array::from(s.to_vec())),
            ],
        )
        .unwrap()
    }

    fn sample() -> Vec<RecordBatch> {
        vec![
            batch(
                &[Some("F"), Some("M"), Some("F"), None],
                &[1, 1, 2, 2],
                &[1, 0, 1, 0],
                &["yes", "no", "no", "true"],
                &[0.9, 0.1, f64::NAN, 0.5],
            ),
            batch(
                &[Some("M"), Some("F")],
                &[2, 1],
                &[1, 1],
                &["1", "0"],
                &[0.7, -0.0],
            ),
        ]
    }

    #[test]
    fn counts_intersectional_groups() {
        let tally = tally_batches(&spec(&["sex", "race"], true, None), &sample()).unwrap();
        assert_eq!(tally.rows_read, 6);
        assert_eq!(tally.rows_audited, 6);
        let shown: Vec<(String, Counts, usize, u64)> = tally
            .groups
            .iter()
            .map(|(k, g)| {
                (
                    k.iter()
                        .map(GroupValue::display)
                        .collect::<Vec<_>>()
                        .join("/"),
                    g.counts,
                    g.scores.len(),
                    g.scores_missing,
                )
            })
            .collect();
        let c = |tp, fp, tn, fn_| Counts { tp, fp, tn, fn_ };
        assert_eq!(
            shown,
            vec![
                ("null/2".to_string(), c(0, 1, 0, 0), 1, 0),
                ("F/1".to_string(), c(1, 0, 0, 1), 2, 0),
                ("F/2".to_string(), c(0, 0, 0, 1), 0, 1),
                ("M/1".to_string(), c(0, 0, 1, 0), 1, 0),
                ("M/2".to_string(), c(1, 0, 0, 0), 1, 0),
            ]
        );
        // -0.0 is kept as 0.0, so that it sorts with 0.0.
        let f1 = &tally.groups[&vec![GroupValue::Str("F".into()), GroupValue::Int(1)]];
        assert!(f1.scores.iter().all(|s| s.is_sign_positive()));
    }

    #[test]
    fn threads_give_the_same_tally() {
        let batches = sample();
        let spec = spec(&["sex", "race"], true, Some("race = 1 or sex = 'M'"));
        let single = tally_batches(&spec, &batches).unwrap();
        assert_eq!(single.rows_audited, 4);
        let repeated: Vec<RecordBatch> = (0..50).flat_map(|_| batches.clone()).collect();
        let mut reader = repeated.clone().into_iter().map(Ok::<_, FairnessError>);
        let mut calls = 0;
        let threaded = run(&mut reader, &spec, 3, |_, _| calls += 1).unwrap();
        assert_eq!(calls, 100);
        let mut expected = tally_batches(&spec, &repeated).unwrap();
        // Scores come back in a different order from different workers.
        let mut threaded = threaded;
        for tally in [&mut expected, &mut threaded] {
            for group in tally.groups.values_mut() {
                group.scores.sort_by(f64::total_cmp);
            }
        }
        assert_eq!(threaded, expected);
        assert_eq!(threaded.rows_read, 300);
    }

    #[test]
    fn invalid_outcomes_name_the_first_row() {
        let mut batches: Vec<RecordBatch> = (0..20).map(|_| sample()[1].clone()).collect();
        batches.push(batch(&[Some("F")], &[1], &[1], &["maybe"], &[0.0]));
        batches.push(batch(&[Some("F")], &[1], &[7], &["1"], &[0.0]));
        let mut reader = batches.into_iter().map(Ok::<_, FairnessError>);
        let error = run(&mut reader, &spec(&["sex"], false, None), 2, |_, _| {}).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Row 41: column `p` holds `maybe`, which is not a binary outcome (expected 0/1, true/false or yes/no)"
        );
        // A row the filter drops is not checked.
        let only = [batch(
            &[Some("F"), Some("M")],
            &[1, 2],
            &[1, 1],
            &["maybe", "1"],
            &[0.0, 0.0],
        )];
        let tally = tally_batches(&spec(&["sex"], false, Some("race = 2")), &only).unwrap();
        assert_eq!(tally.rows_audited, 1);
    }

    fn as_text(batch: &RecordBatch) -> RecordBatch {
        let fields: Vec<Field> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect();
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| arrow_cast::cast(c, &DataType::Utf8).unwrap())
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    /// A tally by the groups' text, scores sorted: comparable whatever the
    /// column types were.
    fn shown(tally: &Tally) -> Vec<(String, Counts, Vec<f64>, u64)> {
        let mut out: Vec<_> = tally
            .groups
            .iter()
            .map(|(k, g)| {
                let mut scores = g.scores.clone();
                scores.sort_by(f64::total_cmp);
                (
                    k.iter()
                        .map(GroupValue::display)
                        .collect::<Vec<_>>()
                        .join("/"),
                    g.counts,
                    scores,
                    g.scores_missing,
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn text_columns_give_the_typed_tally() {
        let typed = sample();
        let text: Vec<RecordBatch> = typed.iter().map(as_text).collect();
        assert_eq!(text[0].column(1).data_type(), &DataType::Utf8);
        for filter in [None, Some("race >= 2 or s > 0.6"), Some("not y = 0")] {
            for groups in [&["sex", "race"][..], &["race"][..]] {
                let spec = spec(groups, true, filter);
                let a = tally_batches(&spec, &typed).unwrap();
                let b = tally_batches(&spec, &text).unwrap();
                assert_eq!(shown(&a), shown(&b), "{filter:?} {groups:?}");
                assert_eq!(a.rows_audited, b.rows_audited);
            }
        }
    }

    #[test]
    fn text_scores_that_are_not_numbers_stop_with_their_row() {
        let scores = |values: &[Option<&str>]| {
            let n = values.len();
            let schema = Schema::new(vec![
                Field::new("sex", DataType::Utf8, true),
                Field::new("p", DataType::Utf8, true),
                Field::new("s", DataType::Utf8, true),
                Field::new("region", DataType::Utf8, true),
            ]);
            RecordBatch::try_new(
                Arc::new(schema),
                vec![
                    Arc::new(StringArray::from(vec!["F"; n])),
                    Arc::new(StringArray::from(vec!["1"; n])),
                    Arc::new(StringArray::from(values.to_vec())),
                    Arc::new(StringArray::from(
                        (0..n)
                            .map(|i| if i == 1 { "EU" } else { "US" })
                            .collect::<Vec<_>>(),
                    )),
                ],
            )
            .unwrap()
        };
        let spec = |filter: Option<&str>| AuditSpec {
            groups: vec!["sex".into()],
            label: None,
            prediction: Some("p".into()),
            score: Some("s".into()),
            filter: filter.map(|f| Filter::parse(f).unwrap()),
        };
        let first = scores(&[Some("1.5"), Some(""), None, Some(" 2 ")]);
        let second = scores(&[Some("0.5"), Some("n/a"), Some("abc")]);
        let mut reader = vec![first.clone(), second.clone()]
            .into_iter()
            .map(Ok::<_, FairnessError>);
        let error = run(&mut reader, &spec(None), 2, |_, _| {}).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Row 6: column `s` holds `n/a`, which is not a number (a score must be a number; an empty cell is a missing score)"
        );
        // Empty and missing cells are missing scores, counted.
        let tally = tally_batches(&spec(None), [&first]).unwrap();
        let group = &tally.groups[&vec![GroupValue::Str("F".into())]];
        assert_eq!(tally.rows_audited, 4);
        assert_eq!(group.scores, [1.5, 2.0]);
        assert_eq!(group.scores_missing, 2);
        // A row the filter drops is not checked: `n/a` (row 6) is in the EU.
        let error = tally_batches(&spec(Some("region = 'US'")), [&first, &second]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Row 7: column `s` holds `abc`"),
            "{error}"
        );
    }

    #[test]
    fn audits_without_a_label_or_a_prediction() {
        let batches = sample();
        let mut without_label = spec(&["sex"], false, None);
        without_label.label = None;
        let tally = tally_batches(&without_label, &batches).unwrap();
        assert!(!tally.labelled && tally.predicted && !tally.scored);
        let selected: Vec<(String, u64, u64)> = tally
            .groups
            .iter()
            .map(|(k, g)| (k[0].display(), g.counts.count(), g.counts.selected()))
            .collect();
        assert_eq!(
            selected,
            [
                ("null".into(), 1, 1),
                ("F".into(), 3, 1),
                ("M".into(), 2, 1)
            ]
        );
        // An invalid label is not read when there is no label column.
        let odd = batch(&[Some("F")], &[1], &[7], &["1"], &[0.0]);
        assert!(tally_batches(&without_label, [&odd]).is_ok());

        let mut scores_only = spec(&["sex"], true, None);
        scores_only.label = None;
        scores_only.prediction = None;
        let odd = batch(&[Some("F")], &[1], &[7], &["maybe"], &[0.0]);
        let tally = tally_batches(&scores_only, batches.iter().chain([&odd])).unwrap();
        assert!(!tally.labelled && !tally.predicted && tally.scored);
        assert_eq!(tally.rows_audited, 7);

        let mut nothing = scores_only.clone();
        nothing.score = None;
        let error = tally_batches(&nothing, &batches).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a prediction column or a score column"),
            "{error}"
        );
        let mut label_only = scores_only;
        label_only.label = Some("y".into());
        let error = tally_batches(&label_only, &batches).unwrap_err();
        assert!(
            error.to_string().contains("needs a prediction column"),
            "{error}"
        );
    }

    #[test]
    fn three_columns_match_counting_by_hand() {
        let mut state = 99u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let names = [
            "a",
            "bb",
            "cc",
            "dd",
            "eeeeeeeeeeeeeeeeeeee",
            "eeeeeeeeeeeeeeeeeeef",
        ];
        let mut expected: std::collections::BTreeMap<Vec<GroupValue>, Counts> = Default::default();
        let mut batches = Vec::new();
        for _ in 0..7 {
            let n = 500;
            let (mut g1, mut g2, mut g3, mut y, mut p) = (vec![], vec![], vec![], vec![], vec![]);
            for _ in 0..n {
                let a = names[next(6) as usize];
                let b = next(4) as i64;
                let c = names[next(3) as usize];
                let (label, prediction) = (next(2) as i64, next(2) as i64);
                expected
                    .entry(vec![
                        GroupValue::Str(a.into()),
                        GroupValue::Int(b),
                        GroupValue::Str(c.into()),
                    ])
                    .or_default()
                    .record(label == 1, prediction == 1);
                g1.push(a);
                g2.push(b);
                g3.push(c);
                y.push(label);
                p.push(prediction);
            }
            let schema = Schema::new(vec![
                Field::new("g1", DataType::Utf8, false),
                Field::new("g2", DataType::Int64, false),
                Field::new("g3", DataType::Utf8, false),
                Field::new("y", DataType::Int64, false),
                Field::new("p", DataType::Int64, false),
            ]);
            batches.push(
                RecordBatch::try_new(
                    Arc::new(schema),
                    vec![
                        Arc::new(StringArray::from(g1)),
                        Arc::new(Int64Array::from(g2)),
                        Arc::new(StringArray::from(g3)),
                        Arc::new(Int64Array::from(y)),
                        Arc::new(Int64Array::from(p)),
                    ],
                )
                .unwrap(),
            );
        }
        let mut reader = batches.into_iter().map(Ok::<_, FairnessError>);
        let tally = run(
            &mut reader,
            &spec(&["g1", "g2", "g3"], false, None),
            2,
            |_, _| {},
        )
        .unwrap();
        let got: std::collections::BTreeMap<Vec<GroupValue>, Counts> = tally
            .groups
            .into_iter()
            .map(|(k, g)| (k, g.counts))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn string_codes_survive_growth() {
        let mut dictionary = ColumnDictionary::default();
        let values: Vec<String> = (0..3000).map(|i| format!("value number {i}")).collect();
        let first: Vec<u32> = values.iter().map(|v| dictionary.string_code(v)).collect();
        let again: Vec<u32> = values
            .iter()
            .rev()
            .map(|v| dictionary.string_code(v))
            .collect();
        assert_eq!(first, again.into_iter().rev().collect::<Vec<_>>());
        assert_eq!(dictionary.values.len(), 3000);
        for (code, value) in first.iter().zip(&values) {
            assert_eq!(
                dictionary.values[*code as usize],
                GroupValue::Str(value.clone())
            );
        }
        assert!(same(b"", b""));
        assert!(same(
            b"Black or African American",
            b"Black or African American"
        ));
        assert!(!same(
            b"Black or African Americam",
            b"Black or African American"
        ));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn dictionary_columns_group_by_value() {
        let keys = DictionaryArray::<arrow_array::types::Int32Type>::from_iter(["b", "a", "b"]);
        let schema = Schema::new(vec![
            Field::new("g", keys.data_type().clone(), true),
            Field::new("y", DataType::Int64, true),
            Field::new("p", DataType::Int64, true),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(keys),
                Arc::new(Int64Array::from(vec![1, 0, 0])),
                Arc::new(Int64Array::from(vec![1, 1, 0])),
            ],
        )
        .unwrap();
        let tally = tally_batches(&spec(&["g"], false, None), [&batch]).unwrap();
        let keys: Vec<String> = tally.groups.keys().map(|k| k[0].display()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(
            tally.groups.values().map(|g| g.counts.count()).sum::<u64>(),
            3
        );
    }
}
