//! Fairness metrics from a [`Tally`].
//!
//! Definitions (the same as Fairlearn 0.15's, checked against it to 1e-9 by
//! `tests/fairlearn.rs`):
//!
//! - **selection rate**: share of a group's rows with prediction 1
//!   (`fairlearn.metrics.selection_rate`).
//! - **impact ratio**: a group's selection rate divided by the highest group
//!   selection rate (29 CFR 1607.4(D); 6 RCNY § 5-300). Undefined (`null`)
//!   when no group has any selection.
//! - **true positive rate** TP / (TP + FN), **false positive rate**
//!   FP / (FP + TN), **precision** TP / (TP + FP). A group without label-1 rows
//!   (or label-0 rows, or selections) has no such rate: `null` in `groups`.
//!   The differences below count such a rate as 0, as Fairlearn does (it
//!   normalises scikit-learn's confusion matrix, which turns 0/0 into 0), and
//!   a note says so.
//! - **demographic parity difference**: highest minus lowest group selection
//!   rate; **ratio**: lowest over highest (`null` when the highest is 0,
//!   where Fairlearn gives NaN). Fairlearn's default `method="between_groups"`.
//! - **equalized odds difference**: the larger of the true-positive-rate and
//!   false-positive-rate differences (highest minus lowest group rate) —
//!   Fairlearn's default `agg="worst_case"`, `method="between_groups"`.
//! - **impact_ratio_min**: the lowest impact ratio, which equals the
//!   demographic parity ratio; the four-fifths screen flags it below 0.8.
//!   With several group columns it is taken over the intersectional groups,
//!   stricter than 1607.4(D)'s comparison by race and by sex separately, which
//!   `impact_ratio_min_by_column` gives beside it.
//!
//! Groups are every observed combination of the group columns' values (a
//! missing value is a value of its own, `null`); Fairlearn's intersectional
//! `MetricFrame` gives the same groups for data without missing values (it
//! refuses missing sensitive features).
//!
//! The LL144 tables (6 RCNY § 5-301) follow in [`Ll144`].

use serde::{Serialize, Serializer};

use crate::median;
use crate::{Counts, GroupValue, Tally};

/// The four-fifths screen's source.
pub const FOUR_FIFTHS_SOURCE: &str = "29 CFR 1607.4(D)";

/// Settings of an audit beyond the data.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    pub label: String,
    pub prediction: String,
    pub score: Option<String>,
    pub filter: Option<String>,
    /// LL144 "unknown" category values, besides a missing or empty value
    /// (compared case-insensitively).
    pub unknown_values: Vec<String>,
    /// Share of the data below which an LL144 category may be excluded from
    /// the impact-ratio calculations (6 RCNY § 5-301(d)): 0.02.
    pub excludable_below: f64,
    /// The four-fifths threshold: 0.8.
    pub four_fifths: f64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            label: "label".into(),
            prediction: "prediction".into(),
            score: None,
            filter: None,
            unknown_values: vec!["unknown".into()],
            excludable_below: 0.02,
            four_fifths: 0.8,
        }
    }
}

/// A group's values, one per group column; serialised as `{column: value}` in column order.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupKey {
    pub columns: Vec<String>,
    pub values: Vec<GroupValue>,
}

impl GroupKey {
    /// `sex=F, race=Asian`
    pub fn display(&self) -> String {
        self.columns
            .iter()
            .zip(&self.values)
            .map(|(c, v)| format!("{c}={}", v.display()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `F · Asian`
    pub fn values_display(&self) -> String {
        self.values
            .iter()
            .map(GroupValue::display)
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

impl Serialize for GroupKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (c, v) in self.columns.iter().zip(&self.values) {
            map.serialize_entry(c, v)?;
        }
        map.end()
    }
}

/// Scoring-rate figures (with a score column).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scoring {
    /// Rows with a score.
    pub scored: u64,
    /// Rows scoring strictly above the sample median.
    pub above_median: u64,
    /// `above_median / scored`.
    pub scoring_rate: Option<f64>,
    /// Scoring rate over the highest scoring rate.
    pub scoring_impact_ratio: Option<f64>,
}

/// Metrics of one group (or of all rows, for `overall`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupMetrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupKey>,
    pub count: u64,
    /// Share of the audited rows.
    pub share: f64,
    pub selected: u64,
    pub selection_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_ratio: Option<Option<f64>>,
    pub positives: u64,
    pub negatives: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
    pub true_positive_rate: Option<f64>,
    pub false_positive_rate: Option<f64>,
    pub precision: Option<f64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
}

impl GroupMetrics {
    fn from_counts(group: Option<GroupKey>, counts: &Counts, total: u64) -> GroupMetrics {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        GroupMetrics {
            group,
            count: counts.count(),
            share: ratio(counts.count(), total).unwrap_or(0.0),
            selected: counts.selected(),
            selection_rate: ratio(counts.selected(), counts.count()).unwrap_or(0.0),
            impact_ratio: None,
            positives: counts.positives(),
            negatives: counts.negatives(),
            true_positives: counts.tp,
            false_positives: counts.fp,
            true_negatives: counts.tn,
            false_negatives: counts.fn_,
            true_positive_rate: ratio(counts.tp, counts.positives()),
            false_positive_rate: ratio(counts.fp, counts.negatives()),
            precision: ratio(counts.tp, counts.selected()),
            scoring: None,
        }
    }

    /// The impact ratio, when computed and defined.
    pub fn impact(&self) -> Option<f64> {
        self.impact_ratio.flatten()
    }
}

/// A group below the four-fifths threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Below {
    pub group: GroupKey,
    pub impact_ratio: f64,
}

/// The four-fifths screen (29 CFR 1607.4(D)).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FourFifths {
    pub threshold: f64,
    pub source: &'static str,
    /// Whether any group's impact ratio is below the threshold; `null` when no
    /// group has any selection (the ratios are undefined).
    pub flagged: Option<bool>,
    pub groups_below: Vec<Below>,
}

/// One category of an LL144 table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ll144Category {
    pub category: GroupKey,
    pub count: u64,
    /// Share of all audited rows (unknown categories included).
    pub share: f64,
    /// Under the 2% share: may be excluded from the impact-ratio calculations
    /// (6 RCNY § 5-301(d)); still reported here.
    pub excludable: bool,
    pub selected: u64,
    pub selection_rate: f64,
    /// Against the highest selection rate of all categories of the table.
    pub impact_ratio: Option<f64>,
    /// Against the highest selection rate of the categories that are not
    /// excludable; `null` for excludable categories.
    pub impact_ratio_without_excludable: Option<f64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
}

/// One LL144 table: by one group column, or intersectional (all of them).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ll144Table {
    /// The column name, or `intersectional`.
    pub dimension: String,
    pub columns: Vec<String>,
    /// Rows in an unknown category (missing, empty or an `unknown` value in any
    /// of the table's columns): not in the categories' calculations, counted here.
    pub unknown: u64,
    pub categories: Vec<Ll144Category>,
}

/// The NYC Local Law 144 bias-audit tables (6 RCNY § 5-301): selection rates
/// and impact ratios by each group column and intersectionally; with a
/// score, scoring rates (share above the sample median) and their ratios.
/// LL144 sets no pass/fail threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ll144 {
    pub excludable_below: f64,
    pub unknown_values: Vec<String>,
    /// The median of all audited rows' scores (the mean of the two middle
    /// scores when their number is even); with a score column only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_median: Option<f64>,
    pub tables: Vec<Ll144Table>,
}

/// A complete audit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Audit {
    pub group_columns: Vec<String>,
    pub label: String,
    pub prediction: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    pub rows_read: u64,
    pub rows_audited: u64,
    pub overall: GroupMetrics,
    pub groups: Vec<GroupMetrics>,
    pub demographic_parity_difference: f64,
    pub demographic_parity_ratio: Option<f64>,
    pub true_positive_rate_difference: f64,
    pub false_positive_rate_difference: f64,
    pub equalized_odds_difference: f64,
    pub impact_ratio_min: Option<f64>,
    /// The lowest impact ratio of each group column taken alone (its values
    /// compared with each other, a missing value included as `null`): the
    /// comparison "by race" and "by sex" of 1607.4(D). With one group column
    /// it equals `impact_ratio_min`; with several, `impact_ratio_min` (over the
    /// intersectional groups) is the stricter figure.
    pub impact_ratio_min_by_column: serde_json::Map<String, serde_json::Value>,
    pub four_fifths: FourFifths,
    pub ll144: Ll144,
    /// Things a reader of the numbers should know (undefined rates and how they were counted).
    pub notes: Vec<String>,
}

fn max_min(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((max, min)) => Some((max.max(v), min.min(v))),
    })
}

/// Counts above `median` in a group's scores.
fn scoring_counts(scores: &[f64], median: Option<f64>) -> (u64, u64) {
    let above = median.map_or(0, |m| scores.iter().filter(|&&s| s > m).count() as u64);
    (scores.len() as u64, above)
}

fn scoring(scored: u64, above: u64) -> Scoring {
    Scoring {
        scored,
        above_median: above,
        scoring_rate: (scored > 0).then(|| above as f64 / scored as f64),
        scoring_impact_ratio: None,
    }
}

fn set_scoring_ratios<'a>(items: impl Iterator<Item = &'a mut Scoring>) {
    let items: Vec<&mut Scoring> = items.collect();
    let highest = items
        .iter()
        .filter_map(|s| s.scoring_rate)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    for s in items {
        s.scoring_impact_ratio = match (s.scoring_rate, highest) {
            (Some(rate), Some(high)) if high > 0.0 => Some(rate / high),
            _ => None,
        };
    }
}

/// Computes the audit.
pub fn audit(tally: &Tally, options: &AuditOptions) -> Audit {
    let total = tally.rows_audited;
    let columns = tally.columns.clone();
    let key = |values: &[GroupValue]| GroupKey {
        columns: columns.clone(),
        values: values.to_vec(),
    };
    let mut notes = Vec::new();

    let score_median = if tally.scored {
        let slices: Vec<&[f64]> = tally.groups.values().map(|g| g.scores.as_slice()).collect();
        median::median(&slices)
    } else {
        None
    };

    let mut overall_counts = Counts::default();
    for group in tally.groups.values() {
        overall_counts.merge(&group.counts);
    }
    let mut overall = GroupMetrics::from_counts(None, &overall_counts, total);

    // Per group, with the above-median counts kept for the LL144 marginals.
    let mut groups = Vec::with_capacity(tally.groups.len());
    let mut above = Vec::with_capacity(tally.groups.len());
    for (values, group) in &tally.groups {
        let mut metrics = GroupMetrics::from_counts(Some(key(values)), &group.counts, total);
        let (scored, above_median) = scoring_counts(&group.scores, score_median);
        if tally.scored {
            metrics.scoring = Some(scoring(scored, above_median));
        }
        above.push((scored, above_median));
        groups.push(metrics);
    }
    if tally.scored {
        let (scored, above_median) = above.iter().fold((0, 0), |(a, b), (s, m)| (a + s, b + m));
        overall.scoring = Some(scoring(scored, above_median));
        set_scoring_ratios(groups.iter_mut().filter_map(|g| g.scoring.as_mut()));
    }

    let (highest, lowest) = max_min(groups.iter().map(|g| g.selection_rate)).unwrap_or((0.0, 0.0));
    for g in &mut groups {
        g.impact_ratio = Some((highest > 0.0).then(|| g.selection_rate / highest));
    }
    let demographic_parity_difference = highest - lowest;
    let demographic_parity_ratio = (highest > 0.0).then(|| lowest / highest);
    let impact_ratio_min = groups
        .iter()
        .filter_map(GroupMetrics::impact)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.min(r))));

    // Fairlearn counts an undefined rate as 0 in the differences.
    let (tpr_high, tpr_low) =
        max_min(groups.iter().map(|g| g.true_positive_rate.unwrap_or(0.0))).unwrap_or((0.0, 0.0));
    let (fpr_high, fpr_low) =
        max_min(groups.iter().map(|g| g.false_positive_rate.unwrap_or(0.0))).unwrap_or((0.0, 0.0));
    let true_positive_rate_difference = tpr_high - tpr_low;
    let false_positive_rate_difference = fpr_high - fpr_low;
    let equalized_odds_difference =
        true_positive_rate_difference.max(false_positive_rate_difference);
    for g in &groups {
        let Some(group) = &g.group else { continue };
        if g.positives == 0 {
            notes.push(format!(
                "{} has no rows with label 1: its true positive rate is undefined (null) and counts as 0 in the equalized odds difference, as in Fairlearn",
                group.display()
            ));
        }
        if g.negatives == 0 {
            notes.push(format!(
                "{} has no rows with label 0: its false positive rate is undefined (null) and counts as 0 in the equalized odds difference, as in Fairlearn",
                group.display()
            ));
        }
    }
    if highest == 0.0 && !groups.is_empty() {
        notes.push(
            "No row was selected: impact ratios and the demographic parity ratio are undefined, and the four-fifths screen cannot be applied".to_string(),
        );
    }

    let groups_below: Vec<Below> = groups
        .iter()
        .filter_map(|g| {
            let ratio = g.impact()?;
            (ratio < options.four_fifths).then(|| Below {
                group: g.group.clone().unwrap_or(GroupKey {
                    columns: Vec::new(),
                    values: Vec::new(),
                }),
                impact_ratio: ratio,
            })
        })
        .collect();
    let four_fifths = FourFifths {
        threshold: options.four_fifths,
        source: FOUR_FIFTHS_SOURCE,
        flagged: impact_ratio_min.map(|_| !groups_below.is_empty()),
        groups_below,
    };

    let ll144 = ll144(tally, options, score_median, &above);

    let mut impact_ratio_min_by_column = serde_json::Map::new();
    for (index, column) in tally.columns.iter().enumerate() {
        let mut by_value: std::collections::BTreeMap<&GroupValue, Counts> =
            std::collections::BTreeMap::new();
        for (values, group) in &tally.groups {
            by_value
                .entry(&values[index])
                .or_default()
                .merge(&group.counts);
        }
        let rates: Vec<f64> = by_value
            .values()
            .map(|c| c.selected() as f64 / c.count().max(1) as f64)
            .collect();
        let (high, low) = max_min(rates.into_iter()).unwrap_or((0.0, 0.0));
        let min = (high > 0.0).then(|| low / high);
        impact_ratio_min_by_column.insert(column.clone(), serde_json::json!(min));
    }

    Audit {
        group_columns: tally.columns.clone(),
        label: options.label.clone(),
        prediction: options.prediction.clone(),
        score: options.score.clone(),
        filter: options.filter.clone(),
        rows_read: tally.rows_read,
        rows_audited: total,
        overall,
        groups,
        demographic_parity_difference,
        demographic_parity_ratio,
        true_positive_rate_difference,
        false_positive_rate_difference,
        equalized_odds_difference,
        impact_ratio_min,
        impact_ratio_min_by_column,
        four_fifths,
        ll144,
        notes,
    }
}

/// The LL144 tables: one per group column, and an intersectional one when
/// there are several columns.
fn ll144(
    tally: &Tally,
    options: &AuditOptions,
    score_median: Option<f64>,
    above: &[(u64, u64)],
) -> Ll144 {
    let mut dimensions: Vec<(String, Vec<usize>)> = tally
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), vec![i]))
        .collect();
    if tally.columns.len() > 1 {
        dimensions.push((
            "intersectional".to_string(),
            (0..tally.columns.len()).collect(),
        ));
    }
    let total = tally.rows_audited;
    let tables = dimensions
        .into_iter()
        .map(|(dimension, indexes)| {
            let columns: Vec<String> = indexes.iter().map(|&i| tally.columns[i].clone()).collect();
            let mut unknown = 0u64;
            let mut merged: std::collections::BTreeMap<Vec<GroupValue>, (Counts, u64, u64)> =
                std::collections::BTreeMap::new();
            for ((values, group), &(scored, above_median)) in tally.groups.iter().zip(above) {
                let picked: Vec<GroupValue> = indexes.iter().map(|&i| values[i].clone()).collect();
                if picked.iter().any(|v| v.is_unknown(&options.unknown_values)) {
                    unknown += group.counts.count();
                    continue;
                }
                let entry = merged.entry(picked).or_default();
                entry.0.merge(&group.counts);
                entry.1 += scored;
                entry.2 += above_median;
            }
            let mut categories: Vec<Ll144Category> = merged
                .into_iter()
                .map(|(values, (counts, scored, above_median))| {
                    let count = counts.count();
                    let share = if total > 0 {
                        count as f64 / total as f64
                    } else {
                        0.0
                    };
                    Ll144Category {
                        category: GroupKey {
                            columns: columns.clone(),
                            values,
                        },
                        count,
                        share,
                        excludable: share < options.excludable_below,
                        selected: counts.selected(),
                        selection_rate: if count > 0 {
                            counts.selected() as f64 / count as f64
                        } else {
                            0.0
                        },
                        impact_ratio: None,
                        impact_ratio_without_excludable: None,
                        scoring: tally.scored.then(|| scoring(scored, above_median)),
                    }
                })
                .collect();
            let highest = categories
                .iter()
                .map(|c| c.selection_rate)
                .fold(0.0, f64::max);
            let highest_kept = categories
                .iter()
                .filter(|c| !c.excludable)
                .map(|c| c.selection_rate)
                .fold(0.0, f64::max);
            for c in &mut categories {
                c.impact_ratio = (highest > 0.0).then(|| c.selection_rate / highest);
                c.impact_ratio_without_excludable =
                    (!c.excludable && highest_kept > 0.0).then(|| c.selection_rate / highest_kept);
            }
            if tally.scored {
                set_scoring_ratios(categories.iter_mut().filter_map(|c| c.scoring.as_mut()));
            }
            Ll144Table {
                dimension,
                columns,
                unknown,
                categories,
            }
        })
        .collect();
    Ll144 {
        excludable_below: options.excludable_below,
        unknown_values: options.unknown_values.clone(),
        score_median,
        tables,
    }
}
