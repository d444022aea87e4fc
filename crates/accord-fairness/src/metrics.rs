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
//! What needs which column: selection rates, impact ratios, demographic
//! parity and the four-fifths screen need predictions ([`Parity`]); error
//! rates and equalized odds need a label too ([`ErrorRates`],
//! [`EqualizedOdds`]); scoring rates need scores ([`Scoring`]). An audit
//! without one of these columns leaves the figures that need it out — they
//! are absent from the JSON, not zeros.
//!
//! The LL144 tables (6 RCNY § 5-301) follow in [`Ll144`]: selection-rate
//! tables with predictions, scoring-rate tables with scores (the scoring rate
//! is the share of a category's scored individuals above the median score of
//! the whole sample), per group column and intersectionally, with the
//! number of individuals in the unknown category and the categories under 2%
//! of the data marked — and, when the auditor chooses, excluded from the
//! impact-ratio calculations (6 RCNY § 5-301(d)), still reported with their
//! counts and rates and the reason.

use serde::{Serialize, Serializer};

use crate::median;
use crate::{Counts, GroupValue, Tally};

/// The four-fifths screen's source.
pub const FOUR_FIFTHS_SOURCE: &str = "29 CFR 1607.4(D)";

/// The LL144 rule that lets an auditor leave small categories out of the
/// impact-ratio calculations.
pub const SMALL_CATEGORY_SOURCE: &str = "6 RCNY § 5-301(d)";

/// Settings of an audit beyond the data.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// The label column's name, when the audit has one (for the report).
    pub label: Option<String>,
    /// The prediction column's name, when the audit has one.
    pub prediction: Option<String>,
    pub score: Option<String>,
    pub filter: Option<String>,
    /// LL144 "unknown" category values, besides a missing or empty value
    /// (compared case-insensitively).
    pub unknown_values: Vec<String>,
    /// Share of the data below which an LL144 category may be excluded from
    /// the impact-ratio calculations (6 RCNY § 5-301(d)): 0.02.
    pub excludable_below: f64,
    /// The auditor's choice to exclude the categories under
    /// `excludable_below` from the LL144 impact-ratio calculations. They are
    /// reported either way, with their counts and rates.
    pub exclude_small: bool,
    /// The auditor's justification for excluding them, reported with each.
    pub exclusion_justification: Option<String>,
    /// The four-fifths threshold: 0.8.
    pub four_fifths: f64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            label: Some("label".into()),
            prediction: Some("prediction".into()),
            score: None,
            filter: None,
            unknown_values: vec!["unknown".into()],
            excludable_below: 0.02,
            exclude_small: false,
            exclusion_justification: None,
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

/// Selection figures (with a prediction column).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Selection {
    /// Rows predicted 1 (selected).
    pub selected: u64,
    /// `selected / count`.
    pub selection_rate: f64,
    /// The selection rate over the highest one: `Some(None)` (null) when it
    /// is undefined or the category was excluded from the calculation;
    /// `None` (left out) for the overall figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_ratio: Option<Option<f64>>,
}

/// Error rates (with a label and a prediction column). A rate whose
/// denominator is 0 is `None` (null).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorRates {
    /// Rows labelled 1.
    pub positives: u64,
    /// Rows labelled 0.
    pub negatives: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
    pub true_positive_rate: Option<f64>,
    pub false_positive_rate: Option<f64>,
    pub precision: Option<f64>,
}

/// Scoring-rate figures (with a score column).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scoring {
    /// Rows with a score.
    pub scored: u64,
    /// Rows without one (an empty or missing cell, or NaN): counted, not in
    /// the median or the rates.
    pub scores_missing: u64,
    /// Rows scoring strictly above the sample median.
    pub above_median: u64,
    /// `above_median / scored`: the LL144 scoring rate.
    pub scoring_rate: Option<f64>,
    /// Scoring rate over the highest scoring rate (null for the overall
    /// figures, when undefined, or when the category was excluded).
    pub scoring_impact_ratio: Option<f64>,
}

/// Metrics of one group (or of all rows, for `overall`). Each part is present
/// only when the audit has the columns it needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupMetrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupKey>,
    pub count: u64,
    /// Share of the audited rows.
    pub share: f64,
    /// With a prediction column.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// With a label and a prediction column.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub errors: Option<ErrorRates>,
    /// With a score column.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn selection(counts: &Counts) -> Selection {
    Selection {
        selected: counts.selected(),
        selection_rate: ratio(counts.selected(), counts.count()).unwrap_or(0.0),
        impact_ratio: None,
    }
}

fn error_rates(counts: &Counts) -> ErrorRates {
    ErrorRates {
        positives: counts.positives(),
        negatives: counts.negatives(),
        true_positives: counts.tp,
        false_positives: counts.fp,
        true_negatives: counts.tn,
        false_negatives: counts.fn_,
        true_positive_rate: ratio(counts.tp, counts.positives()),
        false_positive_rate: ratio(counts.fp, counts.negatives()),
        precision: ratio(counts.tp, counts.selected()),
    }
}

impl GroupMetrics {
    fn from_counts(
        group: Option<GroupKey>,
        counts: &Counts,
        total: u64,
        tally: &Tally,
    ) -> GroupMetrics {
        GroupMetrics {
            group,
            count: counts.count(),
            share: ratio(counts.count(), total).unwrap_or(0.0),
            selection: tally.predicted.then(|| selection(counts)),
            errors: (tally.labelled && tally.predicted).then(|| error_rates(counts)),
            scoring: None,
        }
    }

    /// The selection rate, with a prediction column.
    pub fn selection_rate(&self) -> Option<f64> {
        self.selection.as_ref().map(|s| s.selection_rate)
    }

    /// The impact ratio, when computed and defined.
    pub fn impact(&self) -> Option<f64> {
        self.selection
            .as_ref()
            .and_then(|s| s.impact_ratio.flatten())
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

impl FourFifths {
    /// Whether the screen was applied and no group is below the threshold.
    pub fn passed(&self) -> bool {
        self.flagged == Some(false)
    }
}

/// Selection-rate disparities (with a prediction column).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parity {
    /// Highest minus lowest group selection rate.
    pub demographic_parity_difference: f64,
    /// Lowest over highest group selection rate (`null` when the highest is 0).
    pub demographic_parity_ratio: Option<f64>,
    /// The lowest impact ratio (equal to the demographic parity ratio).
    pub impact_ratio_min: Option<f64>,
    /// The lowest impact ratio of each group column taken alone (its values
    /// compared with each other, a missing value included as `null`): the
    /// comparison "by race" and "by sex" of 1607.4(D). With one group column
    /// it equals `impact_ratio_min`; with several, `impact_ratio_min` (over the
    /// intersectional groups) is the stricter figure.
    pub impact_ratio_min_by_column: serde_json::Map<String, serde_json::Value>,
    pub four_fifths: FourFifths,
}

/// Error-rate disparities (with a label and a prediction column).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EqualizedOdds {
    pub true_positive_rate_difference: f64,
    pub false_positive_rate_difference: f64,
    /// The larger of the two differences.
    pub equalized_odds_difference: f64,
}

/// One category of an LL144 table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ll144Category {
    pub category: GroupKey,
    /// Individuals in the category.
    pub count: u64,
    /// Share of all audited rows (unknown categories included).
    pub share: f64,
    /// Under the 2% share: may be excluded from the impact-ratio calculations
    /// (6 RCNY § 5-301(d)). Reported either way.
    pub excludable: bool,
    /// Left out of the impact-ratio calculations, because the auditor chose
    /// to exclude small categories; its count and rates are still reported.
    pub excluded: bool,
    /// Why it was excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion_reason: Option<String>,
    /// Selection rate and impact ratio against the highest selection rate of
    /// the table's categories (the excluded ones left out); with predictions.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// Scoring rate and impact ratio against the highest scoring rate; with scores.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
}

impl Ll144Category {
    /// The selection rate, with a prediction column.
    pub fn selection_rate(&self) -> Option<f64> {
        self.selection.as_ref().map(|s| s.selection_rate)
    }

    /// The selection impact ratio, when computed.
    pub fn impact_ratio(&self) -> Option<f64> {
        self.selection
            .as_ref()
            .and_then(|s| s.impact_ratio.flatten())
    }
}

/// One LL144 table: by one group column, or intersectional (all of them).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ll144Table {
    /// The column name, or `intersectional`.
    pub dimension: String,
    pub columns: Vec<String>,
    /// Individuals in an unknown category (missing, empty or an `unknown`
    /// value in any of the table's columns): not included in the table's
    /// calculations, counted here as 6 RCNY § 5-301 asks.
    pub unknown: u64,
    pub categories: Vec<Ll144Category>,
}

/// The NYC Local Law 144 bias-audit tables (6 RCNY § 5-301): selection rates
/// and impact ratios (with predictions) and scoring rates and impact ratios
/// (with scores), by each group column and intersectionally. LL144 sets no
/// pass/fail threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ll144 {
    pub excludable_below: f64,
    /// Whether the auditor excluded the categories under `excludable_below`
    /// from the impact-ratio calculations.
    pub exclude_small: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion_justification: Option<String>,
    pub unknown_values: Vec<String>,
    /// The median of all audited rows' scores (the mean of the two middle
    /// scores when their number is even); with a score column only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_median: Option<f64>,
    pub tables: Vec<Ll144Table>,
}

/// A complete audit. Parts that need a column the audit does not have are
/// left out (`None`), never filled with zeros.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Audit {
    pub group_columns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Rows read: delivered by the reader plus rejected.
    pub rows_read: u64,
    /// Rows the reader rejected as malformed (not audited).
    pub rows_rejected: u64,
    /// Rows audited: read, not rejected, and kept by the filter.
    pub rows_audited: u64,
    pub overall: GroupMetrics,
    pub groups: Vec<GroupMetrics>,
    /// With a prediction column.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub parity: Option<Parity>,
    /// With a label and a prediction column.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub equalized_odds: Option<EqualizedOdds>,
    pub ll144: Ll144,
    /// Things a reader of the numbers should know (undefined rates and how they were counted).
    pub notes: Vec<String>,
}

impl Audit {
    /// The lowest impact ratio, with a prediction column and some selection.
    pub fn impact_ratio_min(&self) -> Option<f64> {
        self.parity.as_ref().and_then(|p| p.impact_ratio_min)
    }

    /// The four-fifths screen, with a prediction column.
    pub fn four_fifths(&self) -> Option<&FourFifths> {
        self.parity.as_ref().map(|p| &p.four_fifths)
    }
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

fn scoring(scored: u64, missing: u64, above: u64) -> Scoring {
    Scoring {
        scored,
        scores_missing: missing,
        above_median: above,
        scoring_rate: ratio(above, scored),
        scoring_impact_ratio: None,
    }
}

/// Sets each scoring impact ratio against the highest scoring rate of the
/// items that take part (`true`); the others get none.
fn set_scoring_ratios<'a>(items: impl Iterator<Item = (&'a mut Scoring, bool)>) {
    let mut items: Vec<(&mut Scoring, bool)> = items.collect();
    let highest = items
        .iter()
        .filter(|(_, takes_part)| *takes_part)
        .filter_map(|(s, _)| s.scoring_rate)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    for (s, takes_part) in &mut items {
        s.scoring_impact_ratio = match (s.scoring_rate, highest) {
            (Some(rate), Some(high)) if *takes_part && high > 0.0 => Some(rate / high),
            _ => None,
        };
    }
}

/// Per group: scored rows, rows without a score, rows above the median.
type ScoreCounts = (u64, u64, u64);

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
    let mut overall = GroupMetrics::from_counts(None, &overall_counts, total, tally);

    // Per group, with the score counts kept for the LL144 marginals.
    let mut groups = Vec::with_capacity(tally.groups.len());
    let mut score_counts: Vec<ScoreCounts> = Vec::with_capacity(tally.groups.len());
    for (values, group) in &tally.groups {
        let mut metrics = GroupMetrics::from_counts(Some(key(values)), &group.counts, total, tally);
        let (scored, above_median) = scoring_counts(&group.scores, score_median);
        if tally.scored {
            metrics.scoring = Some(scoring(scored, group.scores_missing, above_median));
        }
        score_counts.push((scored, group.scores_missing, above_median));
        groups.push(metrics);
    }
    if tally.scored {
        let (scored, missing, above_median) = score_counts
            .iter()
            .fold((0, 0, 0), |(a, b, c), (s, m, x)| (a + s, b + m, c + x));
        overall.scoring = Some(scoring(scored, missing, above_median));
        set_scoring_ratios(
            groups
                .iter_mut()
                .filter_map(|g| g.scoring.as_mut())
                .map(|s| (s, true)),
        );
        if missing > 0 {
            notes.push(format!(
                "{missing} audited row{} had no score (an empty or missing cell, or NaN): counted in the groups, left out of the median and the scoring rates",
                if missing == 1 { "" } else { "s" }
            ));
        }
        if scored == 0 {
            notes.push(
                "No audited row has a score: the median and the scoring rates are undefined"
                    .to_string(),
            );
        }
    }

    let parity = tally
        .predicted
        .then(|| parity(tally, options, &mut groups, &mut notes));
    let equalized_odds =
        (tally.labelled && tally.predicted).then(|| equalized_odds(&groups, &mut notes));

    let ll144 = ll144(tally, options, score_median, &score_counts);

    Audit {
        group_columns: tally.columns.clone(),
        label: options.label.clone().filter(|_| tally.labelled),
        prediction: options.prediction.clone().filter(|_| tally.predicted),
        score: options.score.clone().filter(|_| tally.scored),
        filter: options.filter.clone(),
        rows_read: tally.rows_read + tally.rows_rejected,
        rows_rejected: tally.rows_rejected,
        rows_audited: total,
        overall,
        groups,
        parity,
        equalized_odds,
        ll144,
        notes,
    }
}

/// Impact ratios of the groups, demographic parity and the four-fifths screen.
fn parity(
    tally: &Tally,
    options: &AuditOptions,
    groups: &mut [GroupMetrics],
    notes: &mut Vec<String>,
) -> Parity {
    let (highest, lowest) =
        max_min(groups.iter().filter_map(GroupMetrics::selection_rate)).unwrap_or((0.0, 0.0));
    for g in groups.iter_mut() {
        if let Some(selection) = &mut g.selection {
            selection.impact_ratio =
                Some((highest > 0.0).then(|| selection.selection_rate / highest));
        }
    }
    let impact_ratio_min = groups
        .iter()
        .filter_map(GroupMetrics::impact)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.min(r))));
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
    Parity {
        demographic_parity_difference: highest - lowest,
        demographic_parity_ratio: (highest > 0.0).then(|| lowest / highest),
        impact_ratio_min,
        impact_ratio_min_by_column,
        four_fifths,
    }
}

/// The true and false positive rate differences and equalized odds.
fn equalized_odds(groups: &[GroupMetrics], notes: &mut Vec<String>) -> EqualizedOdds {
    let errors = || groups.iter().filter_map(|g| g.errors.as_ref());
    // Fairlearn counts an undefined rate as 0 in the differences.
    let (tpr_high, tpr_low) =
        max_min(errors().map(|e| e.true_positive_rate.unwrap_or(0.0))).unwrap_or((0.0, 0.0));
    let (fpr_high, fpr_low) =
        max_min(errors().map(|e| e.false_positive_rate.unwrap_or(0.0))).unwrap_or((0.0, 0.0));
    for g in groups {
        let (Some(group), Some(errors)) = (&g.group, &g.errors) else {
            continue;
        };
        if errors.positives == 0 {
            notes.push(format!(
                "{} has no rows with label 1: its true positive rate is undefined (null) and counts as 0 in the equalized odds difference, as in Fairlearn",
                group.display()
            ));
        }
        if errors.negatives == 0 {
            notes.push(format!(
                "{} has no rows with label 0: its false positive rate is undefined (null) and counts as 0 in the equalized odds difference, as in Fairlearn",
                group.display()
            ));
        }
    }
    let true_positive_rate_difference = tpr_high - tpr_low;
    let false_positive_rate_difference = fpr_high - fpr_low;
    EqualizedOdds {
        true_positive_rate_difference,
        false_positive_rate_difference,
        equalized_odds_difference: true_positive_rate_difference
            .max(false_positive_rate_difference),
    }
}

/// Why a category was excluded, as the summary of results must say (6 RCNY § 5-301(d)).
fn exclusion_reason(count: u64, total: u64, options: &AuditOptions) -> String {
    let share = ratio(count, total).unwrap_or(0.0) * 100.0;
    format!(
        "{count} of {total} individuals ({share:.2}%), under the {:.0}% of the data below which {SMALL_CATEGORY_SOURCE} lets the auditor exclude a category from the impact-ratio calculations; excluded at the auditor's choice{}",
        options.excludable_below * 100.0,
        options
            .exclusion_justification
            .as_ref()
            .map(|j| format!(": {j}"))
            .unwrap_or_default()
    )
}

/// The LL144 tables: one per group column, and an intersectional one when
/// there are several columns.
fn ll144(
    tally: &Tally,
    options: &AuditOptions,
    score_median: Option<f64>,
    score_counts: &[ScoreCounts],
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
            let mut merged: std::collections::BTreeMap<Vec<GroupValue>, (Counts, ScoreCounts)> =
                std::collections::BTreeMap::new();
            for ((values, group), &(scored, missing, above)) in
                tally.groups.iter().zip(score_counts)
            {
                let picked: Vec<GroupValue> = indexes.iter().map(|&i| values[i].clone()).collect();
                if picked.iter().any(|v| v.is_unknown(&options.unknown_values)) {
                    unknown += group.counts.count();
                    continue;
                }
                let entry = merged.entry(picked).or_default();
                entry.0.merge(&group.counts);
                entry.1.0 += scored;
                entry.1.1 += missing;
                entry.1.2 += above;
            }
            let mut categories: Vec<Ll144Category> = merged
                .into_iter()
                .map(|(values, (counts, (scored, missing, above)))| {
                    let count = counts.count();
                    let share = ratio(count, total).unwrap_or(0.0);
                    let excludable = share < options.excludable_below;
                    let excluded = excludable && options.exclude_small;
                    Ll144Category {
                        category: GroupKey {
                            columns: columns.clone(),
                            values,
                        },
                        count,
                        share,
                        excludable,
                        excluded,
                        exclusion_reason: excluded.then(|| exclusion_reason(count, total, options)),
                        selection: tally.predicted.then(|| selection(&counts)),
                        scoring: tally.scored.then(|| scoring(scored, missing, above)),
                    }
                })
                .collect();
            // Impact ratios against the highest rate of the categories that
            // take part: all, or those not excluded.
            let highest = categories
                .iter()
                .filter(|c| !c.excluded)
                .filter_map(Ll144Category::selection_rate)
                .fold(0.0, f64::max);
            for c in &mut categories {
                let excluded = c.excluded;
                if let Some(selection) = &mut c.selection {
                    selection.impact_ratio = Some(
                        (!excluded && highest > 0.0).then(|| selection.selection_rate / highest),
                    );
                }
            }
            set_scoring_ratios(categories.iter_mut().filter_map(|c| {
                let takes_part = !c.excluded;
                c.scoring.as_mut().map(|s| (s, takes_part))
            }));
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
        exclude_small: options.exclude_small,
        exclusion_justification: options
            .exclusion_justification
            .clone()
            .filter(|_| options.exclude_small),
        unknown_values: options.unknown_values.clone(),
        score_median,
        tables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A: 1 individual scoring 10; B: 25 of 50 at 10, the rest 0; C: 20 of 50 at 10.
    fn scored_tally() -> Tally {
        let mut tally = Tally::new(vec!["race".into()]);
        tally.labelled = false;
        tally.predicted = false;
        for (race, high, n) in [("A", 1, 1), ("B", 25, 50), ("C", 20, 50)] {
            for i in 0..n {
                let score = if i < high { 10.0 } else { 0.0 };
                tally.add_scored(
                    vec![GroupValue::Str(race.into())],
                    false,
                    false,
                    Some(score),
                );
            }
        }
        tally
    }

    fn scoring_ratios(audit: &Audit) -> Vec<(bool, Option<f64>, Option<f64>)> {
        audit.ll144.tables[0]
            .categories
            .iter()
            .map(|c| {
                let s = c.scoring.as_ref().unwrap();
                (c.excluded, s.scoring_rate, s.scoring_impact_ratio)
            })
            .collect()
    }

    #[test]
    fn small_categories_leave_the_scoring_impact_ratios_only_when_excluded() {
        let options = AuditOptions {
            label: None,
            prediction: None,
            score: Some("s".into()),
            ..AuditOptions::default()
        };
        let kept = audit(&scored_tally(), &options);
        assert_eq!(kept.ll144.score_median, Some(0.0));
        assert_eq!(
            scoring_ratios(&kept),
            [
                (false, Some(1.0), Some(1.0)),
                (false, Some(0.5), Some(0.5)),
                (false, Some(0.4), Some(0.4))
            ]
        );
        assert!(kept.ll144.tables[0].categories[0].excludable);
        let excluded = audit(
            &scored_tally(),
            &AuditOptions {
                exclude_small: true,
                ..options
            },
        );
        assert_eq!(
            scoring_ratios(&excluded),
            [
                (true, Some(1.0), None),
                (false, Some(0.5), Some(1.0)),
                (false, Some(0.4), Some(0.8))
            ]
        );
        let reason = excluded.ll144.tables[0].categories[0]
            .exclusion_reason
            .as_deref()
            .unwrap_or_default();
        assert!(
            reason.starts_with("1 of 101 individuals (0.99%)"),
            "{reason}"
        );
        assert!(excluded.parity.is_none() && excluded.equalized_odds.is_none());
    }
}
