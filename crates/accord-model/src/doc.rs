//! A YAML (and therefore JSON) reader that keeps where every value came from.
//!
//! [`Document::parse`] turns source text into a [`serde_json::Value`] plus a
//! map from JSON pointers to source positions, so that an error found long
//! after parsing — a wrong type, an unknown key, an unknown purpose id, a
//! dangling rule reference — can still be reported as `file:line:column`.
//!
//! ```
//! use accord_model::doc::Document;
//! let doc = Document::parse("a:\n  b: [1, 2]\n", "x.yaml").unwrap();
//! let pos = doc.position("/a/b/1").unwrap();
//! assert_eq!((pos.line, pos.column), (2, 10));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Nesting deeper than this is refused: no honest profile or rulepack needs it,
/// and unbounded depth would let hostile input exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// Inputs larger than this are refused before parsing.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl From<Marker> for Position {
    fn from(marker: Marker) -> Self {
        // yaml-rust2 reports 1-based lines and 0-based columns.
        Position {
            line: marker.line().max(1),
            column: marker.col() + 1,
        }
    }
}

/// A problem in a user's file, with where it is and, when it helps, what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub position: Option<Position>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(
        file: impl Into<String>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            position,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// A parsed YAML or JSON document with the source position of every value and key.
///
/// Positions are worked out on first use — only when something is reported —
/// so reading valid input costs no more than parsing it.
#[derive(Clone, Debug)]
pub struct Document {
    pub file: String,
    pub value: Value,
    source: String,
    positions: OnceLock<Positions>,
}

#[derive(Clone, Debug, Default)]
struct Positions {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
}

impl Document {
    /// Parses YAML 1.2 (which includes JSON). One document per file; anchors,
    /// aliases and duplicate keys are refused.
    pub fn parse(source: &str, file: &str) -> Result<Document, Diagnostic> {
        // Windows editors start UTF-8 files with a byte-order mark; it is not
        // content (and would otherwise stick to the first key). Positions
        // count from the character after it, as editors show them.
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        if source.len() > MAX_BYTES {
            return Err(Diagnostic::new(
                file,
                None,
                format!("File is larger than {} MiB", MAX_BYTES >> 20),
            ));
        }
        // JSON is YAML; serde_json reads it much faster. Anything it refuses
        // (YAML syntax, duplicate keys, non-finite numbers) takes the YAML path,
        // which also produces the located error.
        if source.trim_start().starts_with('{')
            && let Ok(value) = serde_json::from_str::<Value>(source)
            && depth(&value) <= MAX_DEPTH
            && !has_duplicate_keys(source)
        {
            return Ok(Document {
                file: file.to_string(),
                value,
                source: source.to_string(),
                positions: OnceLock::new(),
            });
        }
        let (value, _) = Self::build(source, file, false)?;
        Ok(Document {
            file: file.to_string(),
            value,
            source: source.to_string(),
            positions: OnceLock::new(),
        })
    }

    fn build(source: &str, file: &str, track: bool) -> Result<(Value, Positions), Diagnostic> {
        let mut builder = Builder {
            file,
            stack: Vec::new(),
            root: None,
            track,
            values: HashMap::new(),
            keys: HashMap::new(),
        };
        let mut parser = Parser::new_from_str(source);
        let mut documents = 0;
        loop {
            let (event, marker) = parser.next_token().map_err(|error| {
                Diagnostic::new(
                    file,
                    Some((*error.marker()).into()),
                    format!("Invalid YAML: {}", error.info()),
                )
            })?;
            match event {
                Event::StreamEnd => break,
                Event::DocumentStart => {
                    documents += 1;
                    if documents > 1 {
                        return Err(Diagnostic::new(
                            file,
                            Some(marker.into()),
                            "Expected one document, found several",
                        )
                        .with_hint("remove the second `---`"));
                    }
                }
                other => builder.event(other, marker)?,
            }
        }
        let value = builder.root.unwrap_or(Value::Null);
        Ok((
            value,
            Positions {
                values: builder.values,
                keys: builder.keys,
            },
        ))
    }

    fn positions(&self) -> &Positions {
        self.positions.get_or_init(|| {
            Self::build(&self.source, &self.file, true)
                .map(|(_, p)| p)
                .unwrap_or_default()
        })
    }

    /// Where the value at a JSON pointer starts (the document start for `""`).
    pub fn position(&self, pointer: &str) -> Option<Position> {
        self.positions().values.get(pointer).copied()
    }

    /// Where the key of the member at a JSON pointer starts, falling back to its value.
    pub fn key_position(&self, pointer: &str) -> Option<Position> {
        let p = self.positions();
        p.keys
            .get(pointer)
            .or_else(|| p.values.get(pointer))
            .copied()
    }

    /// The closest known position at or above a pointer.
    pub fn nearest_position(&self, pointer: &str) -> Option<Position> {
        let mut current = pointer;
        loop {
            if let Some(p) = self.position(current) {
                return Some(p);
            }
            match current.rfind('/') {
                Some(i) => current = &current[..i],
                None => return self.position(""),
            }
        }
    }

    /// A diagnostic located at a pointer (at the key when there is one).
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        let position = self
            .positions()
            .keys
            .get(pointer)
            .copied()
            .or_else(|| self.nearest_position(pointer));
        Diagnostic::new(self.file.clone(), position, message)
    }

    /// A diagnostic located at the value of a pointer.
    pub fn error_at_value(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.file.clone(), self.nearest_position(pointer), message)
    }

    /// Deserializes the whole document into `T`, reporting the first error
    /// with its location and, for unknown keys, the closest known key.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        self.deserialize_at("")
    }

    /// Deserializes the value at a pointer into `T`.
    pub fn deserialize_at<T: DeserializeOwned>(&self, pointer: &str) -> Result<T, Diagnostic> {
        let value = if pointer.is_empty() {
            &self.value
        } else {
            self.value.pointer(pointer).unwrap_or(&Value::Null)
        };
        serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
            let mut at = pointer.to_string();
            for segment in error.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Map { key } => {
                        at.push('/');
                        at.push_str(&escape_pointer(key));
                    }
                    serde_path_to_error::Segment::Seq { index } => {
                        at.push('/');
                        at.push_str(&index.to_string());
                    }
                    _ => {}
                }
            }
            self.serde_diagnostic(&at, &error.inner().to_string())
        })
    }

    fn serde_diagnostic(&self, pointer: &str, message: &str) -> Diagnostic {
        if let Some((unknown, expected)) = parse_unknown_field(message) {
            // serde reports the unknown key before it enters the path.
            let member = if pointer.ends_with(&format!("/{}", escape_pointer(&unknown))) {
                pointer.to_string()
            } else {
                format!("{pointer}/{}", escape_pointer(&unknown))
            };
            let mut diagnostic = self.error_at(&member, format!("Unknown key `{unknown}`"));
            if let Some(best) = did_you_mean(&unknown, expected.iter().map(String::as_str)) {
                diagnostic = diagnostic.with_hint(format!("did you mean `{best}`?"));
            } else if !expected.is_empty() {
                diagnostic =
                    diagnostic.with_hint(format!("expected one of {}", quote_list(&expected)));
            }
            return diagnostic;
        }
        let field = pointer.rsplit('/').next().unwrap_or("");
        let message = message.replace("invalid type: ", "Wrong type: found ");
        let message = if field.is_empty() {
            capitalise(&message)
        } else {
            format!("`{}`: {}", unescape_pointer(field), message)
        };
        self.error_at_value(pointer, message)
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    let unknown = rest[..end].to_string();
    let expected = rest[end + 1..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((unknown, expected))
}

/// Formats `["a", "b"]` as "`a`, `b`".
pub fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate closest to `input`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&input.to_lowercase(), &candidate.to_lowercase());
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

pub fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// serde_json keeps the last of duplicate keys; the YAML path refuses them with a location.
fn has_duplicate_keys(source: &str) -> bool {
    struct Check(bool);
    impl<'de> serde::de::Visitor<'de> for &mut Check {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(&mut *self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if !seen.insert(key.into_owned()) {
                    self.0 = true;
                }
                map.next_value_seed(&mut *self)?;
            }
            Ok(())
        }
    }
    impl<'de> serde::de::DeserializeSeed<'de> for &mut Check {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    let mut check = Check(false);
    let mut de = serde_json::Deserializer::from_str(source);
    serde::de::DeserializeSeed::deserialize(&mut check, &mut de).is_err() || check.0
}

enum Frame {
    Sequence {
        pointer: String,
        items: Vec<Value>,
    },
    Mapping {
        pointer: String,
        map: Map<String, Value>,
        key: Option<(String, Position)>,
    },
}

struct Builder<'a> {
    file: &'a str,
    stack: Vec<Frame>,
    root: Option<Value>,
    /// Record positions (a second pass, made only when a problem is reported).
    track: bool,
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
}

impl Builder<'_> {
    fn error(&self, marker: Marker, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.file, Some(marker.into()), message)
    }

    /// The pointer of the next value, or `None` when the next scalar is a mapping key.
    /// Without tracking the pointer is left empty: only key-or-value matters.
    fn next_pointer(&self) -> Option<String> {
        if !self.track {
            return match self.stack.last() {
                Some(Frame::Mapping { key: None, .. }) => None,
                _ => Some(String::new()),
            };
        }
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Sequence { pointer, items }) => Some(format!("{pointer}/{}", items.len())),
            Some(Frame::Mapping {
                pointer,
                key: Some((key, _)),
                ..
            }) => Some(format!("{pointer}/{}", escape_pointer(key))),
            Some(Frame::Mapping { key: None, .. }) => None,
        }
    }

    fn event(&mut self, event: Event, marker: Marker) -> Result<(), Diagnostic> {
        match event {
            Event::Alias(_) => Err(self
                .error(marker, "Anchors and aliases are not supported")
                .with_hint("write the value out in full")),
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(self.error(marker, "Anchors and aliases are not supported"));
                }
                let Some(pointer) = self.next_pointer() else {
                    // A mapping key.
                    let key_pointer = match self.stack.last() {
                        Some(Frame::Mapping { pointer, .. }) if self.track => {
                            format!("{pointer}/{}", escape_pointer(&text))
                        }
                        _ => String::new(),
                    };
                    if let Some(Frame::Mapping { map, key, .. }) = self.stack.last_mut() {
                        if map.contains_key(&text) {
                            let message = format!("Duplicate key `{text}`");
                            return Err(Diagnostic::new(self.file, Some(marker.into()), message));
                        }
                        *key = Some((text, marker.into()));
                    }
                    if self.track {
                        self.keys.insert(key_pointer, marker.into());
                    }
                    return Ok(());
                };
                let value = if tag.as_ref().is_some_and(|t| t.suffix == "str") {
                    Value::String(text)
                } else {
                    resolve_scalar(text, style).map_err(|m| self.error(marker, m))?
                };
                if self.track {
                    self.values.insert(pointer, marker.into());
                }
                self.push_value(value);
                Ok(())
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) if anchor != 0 => {
                Err(self.error(marker, "Anchors and aliases are not supported"))
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(
                        self.error(marker, format!("Nesting deeper than {MAX_DEPTH} levels"))
                    );
                }
                let Some(pointer) = self.next_pointer() else {
                    return Err(self.error(marker, "Mapping keys must be plain scalars"));
                };
                if self.track {
                    self.values.insert(pointer.clone(), marker.into());
                }
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Sequence {
                            pointer,
                            items: Vec::new(),
                        }
                    } else {
                        Frame::Mapping {
                            pointer,
                            map: Map::new(),
                            key: None,
                        }
                    });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let value = match self.stack.pop() {
                    Some(Frame::Sequence { items, .. }) => Value::Array(items),
                    Some(Frame::Mapping { map, .. }) => Value::Object(map),
                    None => return Err(self.error(marker, "Unbalanced YAML structure")),
                };
                self.push_value(value);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn push_value(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping { map, key, .. }) => {
                if let Some((k, _)) = key.take() {
                    map.insert(k, value);
                }
            }
        }
    }
}

/// Resolves a scalar by the YAML 1.2 core schema: plain `null`, `~` and empty
/// are null; `true`/`false` booleans; integers and floats numbers; everything
/// else, and every quoted scalar, a string.
fn resolve_scalar(text: String, style: TScalarStyle) -> Result<Value, String> {
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | ".nan" | ".NaN" | ".NAN" => {
            return Err(format!("`{text}` is not a finite number"));
        }
        _ => {}
    }
    if looks_numeric(&text) {
        let cleaned = text.strip_prefix('+').unwrap_or(&text);
        if let Ok(i) = cleaned.parse::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = cleaned.parse::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        if let Some(hex) = cleaned.strip_prefix("0x")
            && let Ok(i) = i64::from_str_radix(hex, 16)
        {
            return Ok(Value::Number(i.into()));
        }
        if let Some(oct) = cleaned.strip_prefix("0o")
            && let Ok(i) = i64::from_str_radix(oct, 8)
        {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(f) = cleaned.parse::<f64>() {
            if let Some(n) = Number::from_f64(f).filter(|_| f.is_finite()) {
                return Ok(Value::Number(n));
            }
            return Err(format!("`{text}` is not a finite number"));
        }
    }
    Ok(Value::String(text))
}

fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mut chars = body.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => {}
        Some('.') => {}
        _ => return false,
    }
    // YAML 1.2 core numbers: digits, one dot, an exponent; or 0x / 0o prefixes.
    body.starts_with("0x")
        || body.starts_with("0o")
        || body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_core_schema() {
        let doc = Document::parse(
            "a: 1e25\nb: yes\nc: ~\nd: '1'\ne: 2025-06-01\nf: -3\ng: 0.5\n",
            "t",
        )
        .unwrap();
        assert_eq!(doc.value["a"].as_f64(), Some(1e25));
        assert_eq!(doc.value["b"], Value::String("yes".into()));
        assert_eq!(doc.value["c"], Value::Null);
        assert_eq!(doc.value["d"], Value::String("1".into()));
        assert_eq!(doc.value["e"], Value::String("2025-06-01".into()));
        assert_eq!(doc.value["f"].as_i64(), Some(-3));
        assert_eq!(doc.value["g"].as_f64(), Some(0.5));
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let doc = Document::parse("name: x\nlist:\n  - a\n  - b\n", "t").unwrap();
        assert_eq!(
            doc.key_position("/list"),
            Some(Position { line: 2, column: 1 })
        );
        assert_eq!(
            doc.position("/list/1"),
            Some(Position { line: 4, column: 5 })
        );
    }

    /// Issue 9: a UTF-8 byte-order mark (Windows editors write one) is not content.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_key() {
        let doc = Document::parse("\u{feff}accord: profile/v1\nname: x\n", "bom.yaml").unwrap();
        assert_eq!(doc.value["accord"], Value::String("profile/v1".into()));
        assert_eq!(doc.position("/name"), Some(Position { line: 2, column: 7 }));
        assert_eq!(
            doc.key_position("/accord"),
            Some(Position { line: 1, column: 1 })
        );
        let json = Document::parse("\u{feff}{\"accord\": \"evidence/v1\"}", "bom.json").unwrap();
        assert_eq!(json.value["accord"], Value::String("evidence/v1".into()));
        let error = Document::parse("\u{feff}a: 1\nb: 2\na: 3\n", "bom.yaml").unwrap_err();
        assert_eq!(error.position, Some(Position { line: 3, column: 1 }));
    }

    #[test]
    fn json_parses_too() {
        let doc = Document::parse("{\"a\": [1, {\"b\": null}]}", "t.json").unwrap();
        assert_eq!(doc.value["a"][1]["b"], Value::Null);
        assert_eq!(doc.position("/a/1/b").map(|p| p.line), Some(1));
    }

    #[test]
    fn json_fast_path_still_refuses_duplicates_with_a_location() {
        let error = Document::parse("{\"a\": 1,\n \"a\": 2}", "t.json").unwrap_err();
        assert!(error.message.contains("Duplicate key `a`"), "{error}");
        assert_eq!(error.position.map(|p| p.line), Some(2));
        let doc = Document::parse("{\"a\": {\"b\": [1, 2]}}", "t.json").unwrap();
        assert_eq!(
            doc.position("/a/b/1"),
            Some(Position {
                line: 1,
                column: 17
            })
        );
    }

    #[test]
    fn refuses_duplicates_aliases_and_depth() {
        let error = Document::parse("a: 1\na: 2\n", "t").unwrap_err();
        assert!(error.message.contains("Duplicate key `a`"), "{error}");
        assert_eq!(error.position.map(|p| p.line), Some(2));
        assert!(Document::parse("a: &x 1\nb: *x\n", "t").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            Document::parse(&deep, "t")
                .unwrap_err()
                .message
                .contains("Nesting")
        );
    }

    #[test]
    fn syntax_errors_have_locations() {
        let error = Document::parse("a: [1, 2\nb: 3\n", "f.yaml").unwrap_err();
        assert!(error.position.is_some());
        assert!(error.to_string().starts_with("f.yaml:"), "{error}");
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: Option<u32>,
    }

    #[test]
    fn unknown_keys_suggest_the_closest() {
        let doc = Document::parse("name: x\ninner:\n  cuont: 3\n", "p.yaml").unwrap();
        let error = doc.deserialize::<Sample>().unwrap_err();
        assert_eq!(error.message, "Unknown key `cuont`");
        assert_eq!(error.hint.as_deref(), Some("did you mean `count`?"));
        assert_eq!(error.position, Some(Position { line: 3, column: 3 }));
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let doc = Document::parse("name: x\ninner:\n  count: many\n", "p.yaml").unwrap();
        let error = doc.deserialize::<Sample>().unwrap_err();
        assert!(
            error.message.starts_with("`count`: Wrong type"),
            "{}",
            error.message
        );
        assert_eq!(
            error.position,
            Some(Position {
                line: 3,
                column: 10
            })
        );
    }
}
