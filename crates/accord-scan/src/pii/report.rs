//! What a scan adds up to: counts per kind ([`Counts`]), masking for display
//! ([`mask`]), redacted copies ([`redact`]) and the `evidence/v1` of kind
//! `pii-scan` ([`ScanTotals::evidence`]).

use std::fmt::Write as _;

use accord_model::assessment::Evidence;
use serde_json::{Value, json};

use super::{Finding, Kind, SensitiveCategory};

/// Findings per kind, indexed by [`Kind::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts(pub [u64; 9]);

impl Counts {
    pub fn add(&mut self, kind: Kind) {
        self.0[kind.index()] += 1;
    }

    pub fn merge(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    pub fn get(&self, kind: Kind) -> u64 {
        self.0[kind.index()]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Findings of kinds in a PIPL sensitive category.
    pub fn sensitive(&self) -> u64 {
        Kind::ALL
            .into_iter()
            .filter(|k| k.sensitive_category().is_some())
            .map(|k| self.get(k))
            .sum()
    }

    /// `{"email": 3, "phone": 0, ...}` with every kind, in [`Kind::ALL`] order.
    pub fn to_json(&self) -> Value {
        Value::Object(
            Kind::ALL
                .into_iter()
                .map(|k| (k.as_str().to_string(), json!(self.get(k))))
                .collect(),
        )
    }
}

/// A value as shown without `--show-values`: letters and digits become `*`
/// except, for longer values, the first and last one or two, and separators
/// stay — enough to recognise a format, not to recover the value.
pub fn mask(value: &str) -> String {
    let alphanumeric = value.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = match alphanumeric {
        0..=5 => 0,
        6..=9 => 1,
        _ => 2,
    };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if !c.is_alphanumeric() {
                return c;
            }
            seen += 1;
            if seen <= keep || seen > alphanumeric - keep {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// How a redacted copy replaces a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redaction {
    /// Same length: every letter and digit becomes `*`, separators stay, so
    /// byte offsets of the rest of the text do not move.
    Mask,
    /// The kind in brackets, e.g. `[PHONE]`.
    Token,
}

/// `text` with each finding replaced. `findings` must be in order and within
/// `text` (as [`super::Detector::find`] returns them).
pub fn redact(text: &str, findings: &[Finding], style: Redaction) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in findings {
        let (Some(before), Some(value)) = (text.get(at..f.start), text.get(f.start..f.end)) else {
            continue;
        };
        out.push_str(before);
        match style {
            Redaction::Mask => out.extend(
                value
                    .chars()
                    .map(|c| if c.is_alphanumeric() { '*' } else { c }),
            ),
            Redaction::Token => out.push_str(f.kind.token()),
        }
        at = f.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// What a whole scan read and found, for the summary and the evidence.
#[derive(Clone, Debug, Default)]
pub struct ScanTotals {
    pub counts: Counts,
    /// Inputs read to the end.
    pub files_scanned: u64,
    /// Inputs that could not be read (or not to the end); their findings, if any, are still counted.
    pub files_unreadable: u64,
    pub files_with_findings: u64,
    /// Records (JSONL lines, CSV/Parquet rows) or text chunks read.
    pub records: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    pub invalid_utf8: u64,
    pub malformed_records: u64,
}

/// Why a scan's evidence did not pass, if it did not.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The metric compared, e.g. `sensitive_findings`.
    pub name: &'static str,
    /// The most findings allowed.
    pub value: u64,
    pub source: String,
}

impl ScanTotals {
    pub fn add_counts(&mut self, counts: &Counts) {
        self.counts.merge(counts);
        if counts.total() > 0 {
            self.files_with_findings += 1;
        }
    }

    /// The sensitive categories, each with its kinds, count, whether it is
    /// flagged (found at least once), its legal basis and a note.
    pub fn sensitive_categories(&self) -> Value {
        Value::Array(
            SensitiveCategory::ALL
                .into_iter()
                .map(|c| {
                    let kinds = c.kinds();
                    let findings: u64 = kinds.iter().map(|&k| self.counts.get(k)).sum();
                    json!({
                        "category": c.as_str(),
                        "category_zh": c.title_zh(),
                        "kinds": kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                        "findings": findings,
                        "flagged": findings > 0,
                        "basis": c.basis(),
                    })
                })
                .collect(),
        )
    }

    /// The `metrics` object of the evidence (and of `--format json`).
    pub fn metrics(&self, detected: &[Kind]) -> Value {
        let flagged: Vec<&str> = SensitiveCategory::ALL
            .into_iter()
            .filter(|c| c.kinds().iter().any(|&k| self.counts.get(k) > 0))
            .map(|c| c.as_str())
            .collect();
        json!({
            "findings": self.counts.total(),
            "counts": self.counts.to_json(),
            "sensitive_findings": self.counts.sensitive(),
            "sensitive_categories_flagged": flagged,
            "sensitive_categories": self.sensitive_categories(),
            "files_scanned": self.files_scanned,
            "files_unreadable": self.files_unreadable,
            "files_with_findings": self.files_with_findings,
            "records_scanned": self.records,
            "bytes_scanned": self.bytes,
            "invalid_utf8": self.invalid_utf8,
            "malformed_records": self.malformed_records,
            "kinds_detected": detected.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "not_detected": "Names and postal addresses need named-entity recognition and are not detected.",
        })
    }

    /// The `evidence/v1` of kind `pii-scan`. `inputs` are `{path, sha256}`;
    /// it passes when every input was read and the threshold (if any) holds.
    pub fn evidence(
        &self,
        produced_at: String,
        version: &str,
        inputs: Vec<Value>,
        detected: &[Kind],
        threshold: Option<&Threshold>,
    ) -> Evidence {
        let mut thresholds = Vec::new();
        let mut passed = self.files_unreadable == 0;
        if let Some(t) = threshold {
            let actual = match t.name {
                "findings" => self.counts.total(),
                _ => self.counts.sensitive(),
            };
            let ok = actual <= t.value;
            passed &= ok;
            thresholds.push(json!({"name": t.name, "value": t.value, "op": "<=", "source": t.source, "passed": ok}));
        }
        Evidence {
            accord: "evidence/v1".to_string(),
            kind: "pii-scan".to_string(),
            produced_at,
            tool: Some(json!({"name": "accord", "version": version})),
            inputs,
            controls: CONTROLS.iter().map(|c| c.to_string()).collect(),
            metrics: self.metrics(detected),
            thresholds,
            passed: Some(passed),
            subject: None,
        }
    }
}

/// The controls a personal-information scan of data is evidence for
/// (controls/catalogue.yaml): it shows which personal information the data
/// holds, which `personal-information-protection` and `data-governance` need,
/// and which `training-data-legality` needs a legal basis for.
pub const CONTROLS: [&str; 3] = [
    "personal-information-protection",
    "data-governance",
    "training-data-legality",
];

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        let _ = write!(out, "{c}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_format_not_value() {
        assert_eq!(mask("13812345678"), "13*******78");
        assert_eq!(mask("+86 138 1234 5678"), "+86 *** **** **78");
        assert_eq!(mask("a@b.cn"), "*@*.**");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn redaction_styles() {
        let text = "tel 13812345678, ok";
        let f = [Finding {
            start: 4,
            end: 15,
            kind: Kind::Phone,
        }];
        assert_eq!(redact(text, &f, Redaction::Mask), "tel ***********, ok");
        assert_eq!(redact(text, &f, Redaction::Token), "tel [PHONE], ok");
    }
}
