//! What a scan adds up to: counts per kind ([`Counts`]), masking for display
//! ([`mask`]), redacted copies ([`redact`]) and the `evidence/v1` of kind
//! `pii-scan` ([`ScanTotals::evidence`]).

use std::fmt::Write as _;

use accord_data::ReadReport;
use accord_model::assessment::Evidence;
use serde_json::{Value, json};

use super::{Finding, Kind, Reason, SensitiveCategory, explanation};

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
    /// Records of JSON lines, CSV and Parquet that were malformed and rejected.
    pub malformed_records: u64,
    /// Rows of JSON lines, CSV and Parquet read, rejected ones included (the
    /// base of `--max-bad-rows P%`).
    pub rows_read: u64,
    /// The first rejected records: the input, the 1-based line and what was
    /// wrong (at most [`ScanTotals::MAX_REJECTED_EXAMPLES`]).
    pub rejected_examples: Vec<(String, u64, String)>,
    /// With `--explain`: candidates not reported, per kind and reason.
    pub ignored: Option<std::collections::BTreeMap<(Kind, Reason), u64>>,
}

/// A condition the evidence is judged by: `name <= value`. The evidence
/// passes when every one holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The metric compared: `findings`, `sensitive_findings`,
    /// `files_unreadable` or `malformed_records`.
    pub name: &'static str,
    /// The most allowed.
    pub value: u64,
    /// Where the condition comes from, e.g. `--fail-on sensitive`.
    pub source: String,
}

impl ScanTotals {
    /// How many rejected records the evidence names.
    pub const MAX_REJECTED_EXAMPLES: usize = 100;

    /// Adds what reading one input reported: records, bytes, invalid UTF-8,
    /// and for structured inputs the rows read and rejected.
    pub fn add_read(&mut self, path: &str, report: &ReadReport, structured: bool) {
        self.records += report.records;
        self.bytes += report.bytes;
        self.invalid_utf8 += report.invalid_utf8;
        self.malformed_records += report.malformed;
        if structured {
            self.rows_read += report.records + report.malformed;
        }
        for (line, what) in &report.malformed_examples {
            if self.rejected_examples.len() >= Self::MAX_REJECTED_EXAMPLES {
                break;
            }
            self.rejected_examples
                .push((path.to_string(), *line, what.clone()));
        }
    }

    /// The value of a metric a [`Threshold`] can name.
    pub fn metric(&self, name: &str) -> Option<u64> {
        match name {
            "findings" => Some(self.counts.total()),
            "sensitive_findings" => Some(self.counts.sensitive()),
            "files_unreadable" => Some(self.files_unreadable),
            "malformed_records" => Some(self.malformed_records),
            _ => None,
        }
    }

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
        let mut metrics = json!({
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
            "rows_read": self.rows_read,
            "malformed_records": self.malformed_records,
            "malformed_examples": self.rejected_examples.iter().map(|(path, line, what)| {
                json!({"path": path, "line": line, "message": what})
            }).collect::<Vec<_>>(),
            "kinds_detected": detected.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "not_detected": "Names and postal addresses need named-entity recognition and are not detected.",
        });
        if let Some(ignored) = &self.ignored {
            metrics["ignored_candidates"] = ignored_json(ignored);
        }
        metrics
    }

    /// The `evidence/v1` of kind `pii-scan`. `inputs` are `{path, sha256}`;
    /// it passes when every threshold holds (callers give `files_unreadable`
    /// and `malformed_records` ones, so that an input not read, or rows
    /// rejected beyond what is allowed, fail it); a threshold naming an
    /// unknown metric fails.
    pub fn evidence(
        &self,
        produced_at: String,
        version: &str,
        inputs: Vec<Value>,
        detected: &[Kind],
        thresholds: &[Threshold],
    ) -> Evidence {
        let mut passed = true;
        let thresholds: Vec<Value> = thresholds
            .iter()
            .map(|t| {
                let actual = self.metric(t.name);
                let ok = actual.is_some_and(|a| a <= t.value);
                passed &= ok;
                json!({"name": t.name, "op": "<=", "value": t.value, "actual": actual, "source": t.source, "passed": ok})
            })
            .collect();
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

/// `[{"kind", "reason", "count", "explanation"}]`, in kind and reason order.
pub fn ignored_json(ignored: &std::collections::BTreeMap<(Kind, Reason), u64>) -> Value {
    Value::Array(
        ignored
            .iter()
            .map(|(&(kind, reason), &count)| {
                json!({
                    "kind": kind.as_str(),
                    "reason": reason.as_str(),
                    "count": count,
                    "explanation": explanation(kind, reason),
                })
            })
            .collect(),
    )
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

    /// The evidence passes when, and only when, every threshold holds.
    #[test]
    fn evidence_passes_only_when_every_threshold_holds() {
        let mut totals = ScanTotals::default();
        let report = ReadReport {
            records: 9,
            malformed: 1,
            malformed_examples: vec![(4, "row 3: expected 2 fields, found 3".into())],
            ..ReadReport::default()
        };
        totals.add_read("a.csv", &report, true);
        assert_eq!((totals.rows_read, totals.malformed_records), (10, 1));
        let threshold = |name, value| Threshold {
            name,
            value,
            source: "test".into(),
        };
        let passed = |totals: &ScanTotals, thresholds: &[Threshold]| {
            let e = totals.evidence(String::new(), "0", Vec::new(), &Kind::ALL, thresholds);
            (e.passed, e.thresholds)
        };
        let (ok, written) = passed(
            &totals,
            &[
                threshold("files_unreadable", 0),
                threshold("malformed_records", 1),
            ],
        );
        assert_eq!(ok, Some(true));
        assert_eq!(written[1]["actual"], 1);
        let (ok, written) = passed(
            &totals,
            &[
                threshold("files_unreadable", 0),
                threshold("malformed_records", 0),
            ],
        );
        assert_eq!(ok, Some(false));
        assert_eq!(written[1]["passed"], false);
        assert_eq!(
            passed(&totals, &[threshold("no_such_metric", 5)]).0,
            Some(false)
        );
        totals.files_unreadable = 1;
        assert_eq!(
            passed(&totals, &[threshold("files_unreadable", 0)]).0,
            Some(false)
        );
        let metrics = totals.metrics(&Kind::ALL);
        assert_eq!(metrics["malformed_examples"][0]["line"], 4);
        assert!(metrics.get("ignored_candidates").is_none());
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
