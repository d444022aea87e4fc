//! JSON lines: one JSON value per line; blank lines are skipped.

use std::sync::Arc;

use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use serde_json::Value;

use crate::read::{LineReader, SAMPLE_RECORDS, io_error, lossy, open, size};
use crate::{DataError, Input, ReadReport, RecordBatch, TableOptions, TextOptions, TextUnit};

/// A table batch holds about this many bytes of lines at most (as well as
/// `batch_rows` lines), to bound memory whatever the length of lines.
const TABLE_BATCH_BYTES: usize = 8 << 20;

/// Sampling for field checks and schema inference stops after this many bytes too.
const SAMPLE_BYTES: u64 = 64 << 20;

/// Checks up front that each requested field occurs in the first records.
fn check_fields(input: &Input, fields: &[String]) -> Result<(), DataError> {
    if fields.is_empty() {
        return Ok(());
    }
    let sample = Sample::read(input, fields, false)?;
    if sample.records == 0 {
        return Ok(());
    }
    let missing: Vec<String> = fields
        .iter()
        .zip(&sample.found)
        .filter(|(_, found)| !**found)
        .map(|(field, _)| field.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DataError::MissingColumns {
            path: input.display.clone(),
            missing,
            available: sample.keys,
        })
    }
}

/// Lines read for text are batched up to this many bytes (or lines).
const TEXT_BATCH_BYTES: usize = 4 << 20;
const TEXT_BATCH_LINES: usize = 8192;

/// Opens JSON lines for text: batches of lines, and what to take from each.
pub(crate) fn text(
    input: &Input,
    options: &TextOptions,
) -> Result<(JsonlSplit, JsonlUnits), DataError> {
    check_fields(input, &options.fields)?;
    let split = JsonlSplit {
        input: input.clone(),
        lines: LineReader::new(open(input)?),
        batch_rows: TEXT_BATCH_LINES,
        batch_bytes: TEXT_BATCH_BYTES,
    };
    Ok((
        split,
        JsonlUnits {
            selection: Selection::new(&options.fields),
        },
    ))
}

/// The second stage of JSON lines for text: each line parsed and walked.
pub(crate) struct JsonlUnits {
    /// `None`: every string.
    selection: Option<Selection>,
}

impl crate::parallel::Decode for JsonlUnits {
    type Input = RawLines;
    type Output = Vec<TextUnit>;

    fn decode(
        &self,
        raw: RawLines,
        report: &mut ReadReport,
    ) -> Result<Option<Vec<TextUnit>>, DataError> {
        let mut walker = Walker {
            path: String::new(),
            record: 0,
            units: Vec::new(),
        };
        for (i, &(start, number)) in raw.starts.iter().enumerate() {
            let end = raw.starts.get(i + 1).map_or(raw.bytes.len(), |next| next.0);
            // Lines were made valid UTF-8 by the first stage.
            let bytes = &raw.bytes[start..end];
            let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            let text = match simdutf8::basic::from_utf8(bytes) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(bytes),
            };
            let before = walker.units.len();
            walker.record = number - 1;
            match walker.walk(&text, self.selection.as_ref()) {
                Ok(()) => report.records += 1,
                Err(error) => {
                    walker.units.truncate(before);
                    report.malformed(number, json_message(&error));
                }
            }
        }
        Ok(Some(walker.units))
    }
}

/// Which parts of each record to take: JSON pointer segments as a tree.
#[derive(Default)]
struct Selection {
    /// The field as the caller wrote it, when this node was asked for.
    label: Option<String>,
    children: std::collections::HashMap<String, Selection>,
}

impl Selection {
    /// `None` when no fields are given: every string is taken.
    fn new(fields: &[String]) -> Option<Selection> {
        if fields.is_empty() {
            return None;
        }
        let mut root = Selection::default();
        for field in fields {
            let segments: Vec<String> = match field.strip_prefix('/') {
                Some(pointer) => pointer
                    .split('/')
                    .map(|s| s.replace("~1", "/").replace("~0", "~"))
                    .collect(),
                None => vec![field.clone()],
            };
            let mut node = &mut root;
            for segment in segments {
                node = node.children.entry(segment).or_default();
            }
            node.label.get_or_insert_with(|| field.clone());
        }
        Some(root)
    }
}

/// Walks one JSON value as it is parsed (no tree is built), taking the
/// strings that are selected; what is not selected is only checked.
struct Walker {
    /// The JSON pointer of the value being walked.
    path: String,
    record: u64,
    units: Vec<TextUnit>,
}

impl Walker {
    fn walk(&mut self, text: &str, selection: Option<&Selection>) -> Result<(), serde_json::Error> {
        use serde::de::DeserializeSeed;
        self.path.clear();
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let node = Node {
            walker: self,
            selection,
            take: selection.is_none(),
            label: None,
        };
        node.deserialize(&mut deserializer)?;
        deserializer.end()
    }

    fn push(&mut self, label: Option<&str>, text: String) {
        if !text.is_empty() {
            let field = label.map_or_else(|| self.path.clone(), str::to_owned);
            self.units.push(TextUnit {
                record: Some(self.record),
                field: Some(field),
                offset: 0,
                text,
            });
        }
    }
}

/// One value to walk: where it is in the selection, whether its strings are
/// taken, and its label when it was asked for by name.
struct Node<'w, 's> {
    walker: &'w mut Walker,
    selection: Option<&'s Selection>,
    take: bool,
    label: Option<&'s str>,
}

impl<'w, 's> Node<'w, 's> {
    /// The node for a member or element, or `None` to skip it.
    fn child<'c>(&'c mut self, key: &str) -> Option<Node<'c, 's>> {
        let selected = self.selection.and_then(|s| s.children.get(key));
        if !self.take && selected.is_none() {
            return None;
        }
        let label = selected.and_then(|s| s.label.as_deref());
        Some(Node {
            take: self.take || label.is_some(),
            selection: selected,
            label,
            walker: &mut *self.walker,
        })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Node<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E>(self, text: &str) -> Result<(), E> {
        if self.take {
            self.walker.push(self.label, text.to_owned());
        }
        Ok(())
    }

    fn visit_string<E>(self, text: String) -> Result<(), E> {
        if self.take {
            self.walker.push(self.label, text);
        }
        Ok(())
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        // Numbers and booleans are taken only when asked for by name.
        if self.take && self.label.is_some() {
            self.walker.push(self.label, value.to_string());
        }
        Ok(())
    }

    fn visit_i64<E>(self, value: i64) -> Result<(), E> {
        if self.take && self.label.is_some() {
            self.walker.push(self.label, value.to_string());
        }
        Ok(())
    }

    fn visit_u64<E>(self, value: u64) -> Result<(), E> {
        if self.take && self.label.is_some() {
            self.walker.push(self.label, value.to_string());
        }
        Ok(())
    }

    fn visit_f64<E>(self, value: f64) -> Result<(), E> {
        if self.take && self.label.is_some() {
            let text = serde_json::Number::from_f64(value)
                .map_or_else(|| value.to_string(), |n| n.to_string());
            self.walker.push(self.label, text);
        }
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut items: A) -> Result<(), A::Error> {
        let indexed = self.take || self.selection.is_some_and(|s| !s.children.is_empty());
        let mut index = 0usize;
        loop {
            let length = self.walker.path.len();
            let key = if indexed {
                index.to_string()
            } else {
                String::new()
            };
            let more = match self.child(&key).filter(|_| indexed) {
                Some(child) => {
                    child.walker.path.push('/');
                    child.walker.path.push_str(&key);
                    items.next_element_seed(child)?.is_some()
                }
                None => items.next_element::<serde::de::IgnoredAny>()?.is_some(),
            };
            self.walker.path.truncate(length);
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut members: A) -> Result<(), A::Error> {
        while let Some(key) = members.next_key_seed(Key)? {
            let length = self.walker.path.len();
            match self.child(&key) {
                Some(child) => {
                    child.walker.path.push('/');
                    if key.contains(['~', '/']) {
                        child
                            .walker
                            .path
                            .push_str(&key.replace('~', "~0").replace('/', "~1"));
                    } else {
                        child.walker.path.push_str(&key);
                    }
                    members.next_value_seed(child)?;
                }
                None => {
                    members.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            self.walker.path.truncate(length);
        }
        Ok(())
    }
}

/// An object's key, borrowed from the line when it has no escapes.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(key))
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(key.to_owned()))
    }

    fn visit_string<E>(self, key: String) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(key))
    }
}

/// The next parsed line, skipping blank lines and counting malformed ones.
fn next_value(
    lines: &mut LineReader,
    input: &Input,
    report: &mut ReadReport,
) -> Result<Option<Value>, DataError> {
    loop {
        let line = lines.next_line().map_err(|e| io_error(input, e));
        report.bytes = lines.bytes;
        match line? {
            crate::read::Line::End => return Ok(None),
            crate::read::Line::TooLong(length) => {
                report.malformed(lines.number, too_long(length, lines.limit));
            }
            crate::read::Line::Complete => {
                if lines.line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let parsed = match simdutf8::basic::from_utf8(&lines.line) {
                    Ok(text) => serde_json::from_str::<Value>(text),
                    Err(_) => serde_json::from_str::<Value>(&lossy(&lines.line, report)),
                };
                match parsed {
                    Ok(value) => {
                        report.records += 1;
                        return Ok(Some(value));
                    }
                    Err(error) => report.malformed(lines.number, json_message(&error)),
                }
            }
        }
    }
}

fn too_long(length: u64, limit: usize) -> String {
    format!(
        "a line of {length} bytes is longer than the limit of {}",
        size(limit)
    )
}

/// serde_json's message without its "at line 1 column N" (every line is line 1 to it).
fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    format!("invalid JSON at column {}: {message}", error.column())
}

/// The first records of a file: top-level keys in order of first appearance,
/// which requested fields occur, and (for inference) the objects themselves.
struct Sample {
    keys: Vec<String>,
    found: Vec<bool>,
    records: usize,
    objects: Vec<Value>,
}

impl Sample {
    fn read(input: &Input, fields: &[String], keep: bool) -> Result<Sample, DataError> {
        let mut lines = LineReader::new(open(input)?);
        let mut report = ReadReport::default();
        let mut sample = Sample {
            keys: Vec::new(),
            found: vec![false; fields.len()],
            records: 0,
            objects: Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        while sample.records < SAMPLE_RECORDS && lines.bytes < SAMPLE_BYTES {
            let Some(value) = next_value(&mut lines, input, &mut report)? else {
                break;
            };
            sample.records += 1;
            if let Value::Object(map) = &value {
                for key in map.keys() {
                    if seen.insert(key.clone()) {
                        sample.keys.push(key.clone());
                    }
                }
            }
            for (field, found) in fields.iter().zip(&mut sample.found) {
                if !*found {
                    *found = if field.starts_with('/') {
                        value.pointer(field).is_some()
                    } else {
                        value.get(field).is_some()
                    };
                }
            }
            if keep && value.is_object() {
                sample.objects.push(value);
            }
        }
        Ok(sample)
    }
}

/// The top-level field names of the first records, in order of first appearance.
pub(crate) fn columns(input: &Input) -> Result<Vec<String>, DataError> {
    Ok(Sample::read(input, &[], false)?.keys)
}

/// Lines of one batch, `\n`-separated, for Arrow's decoder.
pub(crate) struct RawLines {
    bytes: Vec<u8>,
    /// Where each line starts in `bytes`, and its 1-based number.
    starts: Vec<(usize, u64)>,
}

/// The first stage of a JSON lines table: lines in batches.
pub(crate) struct JsonlSplit {
    input: Input,
    lines: LineReader,
    batch_rows: usize,
    batch_bytes: usize,
}

/// The second stage: Arrow's JSON decoder, or for text each line's values as written.
pub(crate) struct JsonlDecode {
    input: Input,
    schema: SchemaRef,
    /// For text: the column of each requested name.
    text: Option<std::collections::HashMap<String, usize>>,
}

/// Opens a JSON lines table, with types inferred from the first records.
pub(crate) fn table(
    input: &Input,
    options: &TableOptions,
) -> Result<(JsonlSplit, JsonlDecode), DataError> {
    let sample = Sample::read(input, &[], !options.text)?;
    // Each column is inferred on its own, so that a conflict in one (a number
    // here, a string there) makes that column text and leaves the others typed.
    let field_of = |name: &str| -> Field {
        let values = sample.objects.iter().filter_map(|object| {
            let value = object.get(name)?;
            let mut single = serde_json::Map::new();
            single.insert(name.to_owned(), value.clone());
            Some(Ok::<_, ArrowError>(Value::Object(single)))
        });
        match arrow_json::reader::infer_json_schema_from_iterator(values) {
            Ok(schema) => match schema.field_with_name(name) {
                // A column with only nulls in the sample is read as text.
                Ok(field) if field.data_type() != &DataType::Null => field.clone(),
                _ => Field::new(name, DataType::Utf8, true),
            },
            Err(_) => Field::new(name, DataType::Utf8, true),
        }
    };
    let names: Vec<String> = if options.columns.is_empty() {
        sample.keys.clone()
    } else {
        if sample.records > 0 {
            crate::resolve_columns(input, &options.columns, &sample.keys)?;
        }
        options.columns.clone()
    };
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| match options.text {
                true => Field::new(n, DataType::Utf8, true),
                false => field_of(n),
            })
            .collect::<Vec<_>>(),
    ));
    let text = options.text.then(|| {
        let mut columns = std::collections::HashMap::new();
        for (i, name) in names.iter().enumerate() {
            columns.entry(name.clone()).or_insert(i);
        }
        columns
    });
    let split = JsonlSplit {
        input: input.clone(),
        lines: LineReader::new(open(input)?),
        batch_rows: options.batch_rows,
        batch_bytes: TABLE_BATCH_BYTES,
    };
    Ok((
        split,
        JsonlDecode {
            input: input.clone(),
            schema,
            text,
        },
    ))
}

impl crate::pipeline::Stage for JsonlSplit {
    type Item = RawLines;

    fn next_item(&mut self, report: &mut ReadReport) -> Result<Option<RawLines>, DataError> {
        let mut batch = RawLines {
            bytes: Vec::new(),
            starts: Vec::with_capacity(self.batch_rows.min(1 << 16)),
        };
        while batch.starts.len() < self.batch_rows && batch.bytes.len() < self.batch_bytes {
            let line = self.lines.next_line().map_err(|e| io_error(&self.input, e));
            report.bytes = self.lines.bytes;
            match line? {
                crate::read::Line::End => break,
                crate::read::Line::TooLong(length) => {
                    report.malformed(self.lines.number, too_long(length, self.lines.limit))
                }
                crate::read::Line::Complete => {
                    if self.lines.line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    batch.starts.push((batch.bytes.len(), self.lines.number));
                    if simdutf8::basic::from_utf8(&self.lines.line).is_ok() {
                        batch.bytes.extend_from_slice(&self.lines.line);
                    } else {
                        let text = lossy(&self.lines.line, report);
                        batch.bytes.extend_from_slice(text.as_bytes());
                    }
                    batch.bytes.push(b'\n');
                }
            }
        }
        Ok((!batch.starts.is_empty()).then_some(batch))
    }
}

impl JsonlDecode {
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl crate::parallel::Decode for JsonlDecode {
    type Input = RawLines;
    type Output = RecordBatch;

    /// Decodes a batch; when it fails, lines are decoded one by one to report
    /// the bad ones. `None` when no line of the batch could be read.
    fn decode(
        &self,
        raw: RawLines,
        report: &mut ReadReport,
    ) -> Result<Option<RecordBatch>, DataError> {
        if let Some(columns) = &self.text {
            return decode_text(&self.schema, columns, &raw, report);
        }
        let rows = raw.starts.len();
        if let Ok(batch) = decode(&self.schema, rows, &raw.bytes)
            && batch.num_rows() == rows
        {
            report.records += rows as u64;
            return Ok(Some(batch));
        }
        let mut good = Vec::with_capacity(raw.bytes.len());
        let mut good_rows = 0;
        for (i, &(start, number)) in raw.starts.iter().enumerate() {
            let end = raw.starts.get(i + 1).map_or(raw.bytes.len(), |next| next.0);
            let line = &raw.bytes[start..end];
            match decode(&self.schema, 1, line) {
                Ok(batch) if batch.num_rows() == 1 => {
                    good.extend_from_slice(line);
                    good_rows += 1;
                }
                Ok(batch) => report.malformed(
                    number,
                    format!(
                        "expected one JSON object, found {} records",
                        batch.num_rows()
                    ),
                ),
                Err(error) => report.malformed(number, arrow_message(&error)),
            }
        }
        if good_rows == 0 {
            return Ok(None);
        }
        let batch = decode(&self.schema, good_rows, &good).map_err(|e| {
            DataError::Internal(format!(
                "rows of `{}` that decoded one by one failed together: {e}",
                self.input.display
            ))
        })?;
        report.records += good_rows as u64;
        Ok(Some(batch))
    }
}

fn decode(schema: &SchemaRef, rows: usize, bytes: &[u8]) -> Result<RecordBatch, ArrowError> {
    let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
        .with_batch_size(rows.max(1))
        .with_coerce_primitive(true)
        .build_decoder()?;
    let mut position = 0;
    while position < bytes.len() {
        let read = decoder.decode(&bytes[position..])?;
        if read == 0 {
            break;
        }
        position += read;
    }
    if position < bytes.len() && !bytes[position..].iter().all(u8::is_ascii_whitespace) {
        return Err(ArrowError::JsonError("more records than lines".into()));
    }
    if decoder.has_partial_record() {
        return Err(ArrowError::JsonError(
            "the line ends inside a JSON value".into(),
        ));
    }
    Ok(decoder
        .flush()?
        .unwrap_or_else(|| RecordBatch::new_empty(schema.clone())))
}

/// Decodes a batch of lines as text: each requested top-level value as
/// written (see [`crate::TableOptions`]). A line that is not a JSON object is
/// malformed. `None` when no line of the batch could be read.
fn decode_text(
    schema: &SchemaRef,
    columns: &std::collections::HashMap<String, usize>,
    raw: &RawLines,
    report: &mut ReadReport,
) -> Result<Option<RecordBatch>, DataError> {
    use arrow_array::builder::StringBuilder;
    let width = schema.fields().len();
    let mut builders: Vec<StringBuilder> = (0..width)
        .map(|_| StringBuilder::with_capacity(raw.starts.len(), raw.bytes.len() / width.max(1)))
        .collect();
    let mut rows = 0;
    let mut slots: Vec<Option<&serde_json::value::RawValue>> = vec![None; width];
    let mut compact = String::new();
    for (i, &(start, number)) in raw.starts.iter().enumerate() {
        let end = raw.starts.get(i + 1).map_or(raw.bytes.len(), |next| next.0);
        let bytes = &raw.bytes[start..end];
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        // Lines were made valid UTF-8 by the first stage.
        let Ok(line) = std::str::from_utf8(bytes) else {
            report.malformed(number, "invalid UTF-8");
            continue;
        };
        slots.iter_mut().for_each(|slot| *slot = None);
        let mut deserializer = serde_json::Deserializer::from_str(line);
        let parsed = serde::de::DeserializeSeed::deserialize(
            TopLevel {
                columns,
                slots: &mut slots,
            },
            &mut deserializer,
        )
        .and_then(|()| deserializer.end());
        if let Err(error) = parsed {
            let message = if error.is_data() {
                // Valid JSON of another kind than an object (an array, a string, ...).
                let text = error.to_string();
                let suffix = format!(" at line {} column {}", error.line(), error.column());
                format!(
                    "not a JSON object: {}",
                    text.strip_suffix(&suffix).unwrap_or(&text)
                )
            } else {
                json_message(&error)
            };
            report.malformed(number, message);
            continue;
        }
        for (builder, slot) in builders.iter_mut().zip(&slots) {
            let Some(value) = slot else {
                builder.append_null();
                continue;
            };
            let text = value.get();
            match text.as_bytes().first() {
                Some(b'"') => match serde_json::from_str::<std::borrow::Cow<'_, str>>(text) {
                    Ok(string) => builder.append_value(string),
                    Err(error) => {
                        return Err(DataError::Internal(format!(
                            "a JSON string that parsed once did not parse again: {error}"
                        )));
                    }
                },
                Some(b'{' | b'[') => {
                    compact.clear();
                    compact_json(text, &mut compact);
                    builder.append_value(&compact);
                }
                Some(b'n') => builder.append_null(),
                _ => builder.append_value(text),
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Ok(None);
    }
    let arrays: Vec<arrow_array::ArrayRef> = builders
        .iter_mut()
        .map(|builder| Arc::new(builder.finish()) as arrow_array::ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| DataError::Internal(format!("building a text batch: {e}")))?;
    report.records += rows as u64;
    Ok(Some(batch))
}

/// JSON text without whitespace between tokens (strings are kept as written).
fn compact_json(text: &str, out: &mut String) {
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
}

/// A line for text tables: a JSON object whose members named in `columns`
/// are kept as written, the others only checked.
struct TopLevel<'c, 's, 'de> {
    columns: &'c std::collections::HashMap<String, usize>,
    slots: &'s mut Vec<Option<&'de serde_json::value::RawValue>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for TopLevel<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for TopLevel<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        while let Some(key) = members.next_key_seed(Key)? {
            match self.columns.get(key.as_ref()) {
                // A key given twice: the last value counts.
                Some(&i) => self.slots[i] = Some(members.next_value()?),
                None => {
                    members.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Arrow's message, less its "Json error: " prefix.
pub(crate) fn arrow_message(error: &ArrowError) -> String {
    match error {
        ArrowError::JsonError(message)
        | ArrowError::CsvError(message)
        | ArrowError::ParseError(message) => message.clone(),
        other => other.to_string(),
    }
}
