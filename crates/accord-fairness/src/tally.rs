//! What the engine counts: per group (one value per group column), the
//! confusion-matrix counts and, with a score column, the scores.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

/// One group column's value, typed as the input had it.
///
/// Ordered (nulls first, then booleans, numbers, strings) so that reports list
/// groups in the same order on every run.
#[derive(Clone, Debug)]
pub enum GroupValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl GroupValue {
    fn rank(&self) -> u8 {
        match self {
            GroupValue::Null => 0,
            GroupValue::Bool(_) => 1,
            GroupValue::Int(_) | GroupValue::Float(_) => 2,
            GroupValue::Str(_) => 3,
        }
    }

    /// The value as text, for tables and messages (`null` for a missing value).
    pub fn display(&self) -> String {
        match self {
            GroupValue::Null => "null".to_string(),
            GroupValue::Bool(b) => b.to_string(),
            GroupValue::Int(i) => i.to_string(),
            GroupValue::Float(f) => f.to_string(),
            GroupValue::Str(s) => s.clone(),
        }
    }

    /// Whether this value is an LL144 "unknown" category: missing, empty, or one of `unknown_values`
    /// (compared case-insensitively after trimming).
    pub fn is_unknown(&self, unknown_values: &[String]) -> bool {
        match self {
            GroupValue::Null => true,
            GroupValue::Str(s) => {
                let s = s.trim();
                s.is_empty()
                    || unknown_values
                        .iter()
                        .any(|u| u.trim().eq_ignore_ascii_case(s))
            }
            other => {
                let text = other.display();
                unknown_values
                    .iter()
                    .any(|u| u.trim().eq_ignore_ascii_case(&text))
            }
        }
    }
}

impl PartialEq for GroupValue {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GroupValue {}

impl PartialOrd for GroupValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GroupValue {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (GroupValue::Bool(a), GroupValue::Bool(b)) => a.cmp(b),
            (GroupValue::Int(a), GroupValue::Int(b)) => a.cmp(b),
            (GroupValue::Float(a), GroupValue::Float(b)) => a.total_cmp(b),
            // Exact comparison of an integer with a float: i128 holds every i64, and
            // a float's integer part when it is in range.
            (GroupValue::Int(a), GroupValue::Float(b)) => compare_int_float(*a, *b),
            (GroupValue::Float(a), GroupValue::Int(b)) => compare_int_float(*b, *a).reverse(),
            (GroupValue::Str(a), GroupValue::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

fn compare_int_float(a: i64, b: f64) -> Ordering {
    if b.is_nan() {
        return Ordering::Less;
    }
    let floor = b.floor();
    if floor >= 9.3e18 {
        return Ordering::Less;
    }
    if floor < -9.3e18 {
        return Ordering::Greater;
    }
    // `floor` is an integer within i128 range here.
    #[allow(clippy::cast_possible_truncation)]
    let whole = floor as i128;
    match i128::from(a).cmp(&whole) {
        Ordering::Equal if b > floor => Ordering::Less,
        order => order,
    }
}

impl Serialize for GroupValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            GroupValue::Null => serializer.serialize_none(),
            GroupValue::Bool(b) => serializer.serialize_bool(*b),
            GroupValue::Int(i) => serializer.serialize_i64(*i),
            GroupValue::Float(f) => serializer.serialize_f64(*f),
            GroupValue::Str(s) => serializer.serialize_str(s),
        }
    }
}

/// Confusion-matrix counts: label (truth) against prediction (selection).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Label 1, prediction 1.
    pub tp: u64,
    /// Label 0, prediction 1.
    pub fp: u64,
    /// Label 0, prediction 0.
    pub tn: u64,
    /// Label 1, prediction 0.
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl Counts {
    /// Counts one row.
    #[inline]
    pub fn record(&mut self, label: bool, prediction: bool) {
        match (label, prediction) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.tn += other.tn;
        self.fn_ += other.fn_;
    }

    pub fn count(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Rows predicted positive (selected).
    pub fn selected(&self) -> u64 {
        self.tp + self.fp
    }

    /// Rows labelled positive.
    pub fn positives(&self) -> u64 {
        self.tp + self.fn_
    }

    /// Rows labelled negative.
    pub fn negatives(&self) -> u64 {
        self.fp + self.tn
    }
}

/// What one group accumulated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupTally {
    pub counts: Counts,
    /// The scores of the group's rows that have one (NaN and missing scores are not kept).
    pub scores: Vec<f64>,
    /// Rows of the group without a usable score (missing or NaN).
    pub scores_missing: u64,
}

impl GroupTally {
    pub fn merge(&mut self, other: GroupTally) {
        self.counts.merge(&other.counts);
        if self.scores.is_empty() {
            self.scores = other.scores;
        } else {
            self.scores.extend_from_slice(&other.scores);
        }
        self.scores_missing += other.scores_missing;
    }
}

/// Everything an audit needs from the data: per observed combination of the
/// group columns' values, what its rows counted.
///
/// Without a label column every row counts as label 0 and `labelled` is
/// false; without a prediction column every row counts as not selected and
/// `predicted` is false. The metrics leave out what those columns would give.
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    /// The group columns, in the order given.
    pub columns: Vec<String>,
    /// Observed combinations (one value per column), sorted.
    pub groups: BTreeMap<Vec<GroupValue>, GroupTally>,
    /// Rows the reader delivered (before the filter; rejected rows not included).
    pub rows_read: u64,
    /// Rows that passed the filter and were counted.
    pub rows_audited: u64,
    /// Rows the reader rejected as malformed (set by the caller from the
    /// reader's report): read, but neither delivered nor audited.
    pub rows_rejected: u64,
    /// Whether a label (ground truth) column was read.
    pub labelled: bool,
    /// Whether a prediction (selection) column was read.
    pub predicted: bool,
    /// Whether a score column was read.
    pub scored: bool,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            columns: Vec::new(),
            groups: BTreeMap::new(),
            rows_read: 0,
            rows_audited: 0,
            rows_rejected: 0,
            labelled: true,
            predicted: true,
            scored: false,
        }
    }
}

impl Tally {
    /// An empty tally with a label and a prediction column and no score
    /// (set `labelled`, `predicted` and `scored` to say otherwise).
    pub fn new(columns: Vec<String>) -> Tally {
        Tally {
            columns,
            ..Tally::default()
        }
    }

    /// Adds counts (no scores) for a group; for building tallies by hand and in tests.
    pub fn add(&mut self, key: Vec<GroupValue>, counts: Counts) {
        self.rows_read += counts.count();
        self.rows_audited += counts.count();
        self.groups.entry(key).or_default().counts.merge(&counts);
    }

    /// Adds one scored row for a group; for building tallies by hand and in tests.
    pub fn add_scored(
        &mut self,
        key: Vec<GroupValue>,
        label: bool,
        prediction: bool,
        score: Option<f64>,
    ) {
        self.scored = true;
        self.rows_read += 1;
        self.rows_audited += 1;
        let group = self.groups.entry(key).or_default();
        group.counts.record(label, prediction);
        match score {
            Some(s) if !s.is_nan() => group.scores.push(s + 0.0),
            _ => group.scores_missing += 1,
        }
    }

    /// Merges another tally of the same columns into this one.
    pub fn merge(&mut self, other: Tally) {
        self.rows_read += other.rows_read;
        self.rows_audited += other.rows_audited;
        self.rows_rejected += other.rows_rejected;
        self.labelled &= other.labelled;
        self.predicted &= other.predicted;
        self.scored |= other.scored;
        for (key, group) in other.groups {
            match self.groups.get_mut(&key) {
                Some(existing) => existing.merge(group),
                None => {
                    self.groups.insert(key, group);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_order_across_types() {
        let mut values = [
            GroupValue::Str("b".into()),
            GroupValue::Float(1.5),
            GroupValue::Int(2),
            GroupValue::Int(1),
            GroupValue::Null,
            GroupValue::Bool(true),
            GroupValue::Str("a".into()),
        ];
        values.sort();
        let shown: Vec<String> = values.iter().map(GroupValue::display).collect();
        assert_eq!(shown, ["null", "true", "1", "1.5", "2", "a", "b"]);
        assert_eq!(GroupValue::Int(2), GroupValue::Float(2.0));
        assert!(GroupValue::Int(2) < GroupValue::Float(2.5));
    }

    #[test]
    fn unknown_categories() {
        let extra = vec!["Prefer not to say".to_string()];
        assert!(GroupValue::Null.is_unknown(&extra));
        assert!(GroupValue::Str(" ".into()).is_unknown(&extra));
        assert!(GroupValue::Str("prefer not to say".into()).is_unknown(&extra));
        assert!(!GroupValue::Str("Female".into()).is_unknown(&extra));
    }
}
