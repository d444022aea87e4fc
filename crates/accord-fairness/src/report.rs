//! An [`Audit`] as text, as one self-contained HTML page (inline CSS and SVG,
//! no scripts), or as an `evidence/v1` object of kind `fairness-audit`.
//!
//! The evidence's `passed` is the conjunction of its thresholds (the
//! four-fifths screen, when the audit has predictions) and of the data being
//! read completely: no more rows rejected than the caller allowed.

use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::{Map, Value, json};

use accord_model::assessment::Evidence;

use crate::FairnessError;
use crate::metrics::{Audit, FOUR_FIFTHS_SOURCE, GroupMetrics, Ll144Category, Ll144Table};

/// The control this evidence is for (controls/catalogue.yaml). Publishing the
/// audit (`audit-publication`) is a separate act this file cannot show; the
/// auditor's independence (`independent-audit`) is added only when the person
/// running the audit states it ([`Auditor`]).
pub const CONTROLS: &[&str] = &["bias-testing"];

/// The control an independent auditor's statement adds.
pub const INDEPENDENT_AUDIT: &str = "independent-audit";

/// Who made the audit, as they state it (Accord cannot check independence).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Auditor {
    pub name: String,
    /// Stated: not involved in developing, distributing or using the system,
    /// and without an employment relationship or financial interest (6 RCNY § 5-300).
    pub independent: bool,
}

/// A row the reader rejected (malformed: the wrong number of fields, an
/// unbalanced quote, a value that does not fit its column).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RejectedRow {
    /// The input it is in.
    pub path: String,
    /// 1-based line of the file where the record starts, as the reader
    /// reports it (for CSV the header is line 1).
    pub line: u64,
    pub message: String,
}

/// How many rejected rows the caller allowed (`--max-bad-rows`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RejectedAllowance {
    /// As given: `N` or `P%`.
    pub given: String,
    /// The number of rows that allows (a percentage of the rows read, rounded down).
    pub allowed: u64,
}

/// What reading met, beside the counts in the audit: carried into the
/// evidence so that nothing is dropped silently.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DataQuality {
    /// The first rejected rows (the audit's `rows_rejected` counts them all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected_examples: Vec<RejectedRow>,
    /// Rejected rows allowed; `None`: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bad_rows: Option<RejectedAllowance>,
    /// Invalid UTF-8 sequences replaced by U+FFFD.
    pub invalid_utf8: u64,
}

impl DataQuality {
    /// Rejected rows allowed.
    pub fn allowed(&self) -> u64 {
        self.max_bad_rows.as_ref().map_or(0, |a| a.allowed)
    }
}

/// An input file and its digest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputDigest {
    pub path: String,
    pub sha256: String,
}

/// What a report says beyond the audit: when, from what, by which version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportContext {
    /// RFC 3339 UTC timestamp of the audit.
    pub produced_at: String,
    pub inputs: Vec<InputDigest>,
    /// Accord's version.
    pub version: String,
    pub data: DataQuality,
    /// The auditor, when named.
    pub auditor: Option<Auditor>,
}

impl ReportContext {
    /// The audit date, `YYYY-MM-DD`.
    pub fn audit_date(&self) -> &str {
        self.produced_at.get(..10).unwrap_or(&self.produced_at)
    }
}

/// Whether the audit meets the four-fifths threshold (29 CFR 1607.4(D)):
/// `None` without predictions (no screen), `Some(false)` when a group is
/// below it or when no row was selected (the screen cannot be applied).
pub fn four_fifths_passed(audit: &Audit) -> Option<bool> {
    audit
        .four_fifths()
        .map(|ff| audit.impact_ratio_min().is_some_and(|r| r >= ff.threshold))
}

/// Whether the data was read completely: no more rows rejected than allowed.
pub fn complete(audit: &Audit, context: &ReportContext) -> bool {
    audit.rows_rejected <= context.data.allowed()
}

/// The `evidence/v1` object (CONTRACT.md §6–7).
pub fn evidence(audit: &Audit, context: &ReportContext) -> Result<Evidence, FairnessError> {
    let mut metrics = Map::new();
    metrics.insert("audit_date".into(), json!(context.audit_date()));
    match serde_json::to_value(audit) {
        Ok(Value::Object(fields)) => metrics.extend(fields),
        Ok(_) => {
            return Err(FairnessError::Internal(
                "an audit is not a JSON object".into(),
            ));
        }
        Err(e) => return Err(FairnessError::Internal(e.to_string())),
    }
    let data =
        serde_json::to_value(&context.data).map_err(|e| FairnessError::Internal(e.to_string()))?;
    metrics.insert("data".into(), data);
    if let Some(auditor) = &context.auditor {
        metrics.insert("auditor".into(), json!(auditor));
    }
    // The four-fifths screen, with predictions. LL144 sets no pass/fail
    // level, so the scoring-rate tables add no threshold.
    let thresholds: Vec<Value> = match (audit.four_fifths(), four_fifths_passed(audit)) {
        (Some(ff), Some(passed)) => vec![json!({
            "name": "impact_ratio_min",
            "value": ff.threshold,
            "source": FOUR_FIFTHS_SOURCE,
            "passed": passed,
        })],
        _ => Vec::new(),
    };
    let thresholds_passed = thresholds
        .iter()
        .all(|t| t.get("passed") == Some(&Value::Bool(true)));
    Ok(Evidence {
        accord: "evidence/v1".into(),
        kind: "fairness-audit".into(),
        produced_at: context.produced_at.clone(),
        tool: Some(json!({"name": "accord", "version": context.version})),
        inputs: context
            .inputs
            .iter()
            .map(|i| json!({"path": i.path, "sha256": i.sha256}))
            .collect(),
        controls: CONTROLS
            .iter()
            .copied()
            .chain(
                context
                    .auditor
                    .as_ref()
                    .filter(|a| a.independent)
                    .map(|_| INDEPENDENT_AUDIT),
            )
            .map(str::to_string)
            .collect(),
        metrics: Value::Object(metrics),
        thresholds,
        // Judged by its result: every threshold passed, and every row read
        // (or rejected within what the caller allowed).
        passed: Some(thresholds_passed && complete(audit, context)),
        subject: None,
    })
}

fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.4}"))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// Lays out rows in columns; the first column left-aligned, the others right-aligned.
fn layout(headers: &[&str], rows: &[Vec<String>], out: &mut String) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut text = String::from("  ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            if i == 0 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str("  ");
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(headers.to_vec(), out);
    for row in rows {
        line(row.iter().map(String::as_str).collect(), out);
    }
}

/// Which parts an audit has: the columns of its tables.
struct Parts {
    selection: bool,
    errors: bool,
    scoring: bool,
}

impl Parts {
    fn of(audit: &Audit) -> Parts {
        Parts {
            selection: audit.parity.is_some(),
            errors: audit.equalized_odds.is_some(),
            scoring: audit.score.is_some(),
        }
    }
}

fn group_row(label: String, g: &GroupMetrics, parts: &Parts) -> Vec<String> {
    let mut row = vec![label, thousands(g.count)];
    if parts.selection {
        let s = g.selection.as_ref();
        row.push(s.map(|s| thousands(s.selected)).unwrap_or_default());
        row.push(rate(s.map(|s| s.selection_rate)));
        row.push(s.and_then(|s| s.impact_ratio).map_or(String::new(), rate));
    }
    if parts.errors {
        let e = g.errors.as_ref();
        row.push(rate(e.and_then(|e| e.true_positive_rate)));
        row.push(rate(e.and_then(|e| e.false_positive_rate)));
        row.push(rate(e.and_then(|e| e.precision)));
    }
    if parts.scoring {
        let s = g.scoring.as_ref();
        row.push(s.map(|s| thousands(s.scored)).unwrap_or_default());
        row.push(rate(s.and_then(|s| s.scoring_rate)));
        row.push(if g.group.is_some() {
            rate(s.and_then(|s| s.scoring_impact_ratio))
        } else {
            String::new()
        });
    }
    row
}

fn ll144_row(c: &Ll144Category, parts: &Parts) -> Vec<String> {
    let mut row = vec![
        format!(
            "{}{}",
            c.category.values_display(),
            if c.excluded {
                " (excluded)"
            } else if c.excludable {
                " *"
            } else {
                ""
            }
        ),
        thousands(c.count),
        format!("{:.2}%", c.share * 100.0),
    ];
    if parts.selection {
        let s = c.selection.as_ref();
        row.push(s.map(|s| thousands(s.selected)).unwrap_or_default());
        row.push(rate(s.map(|s| s.selection_rate)));
        row.push(rate(c.impact_ratio()));
    }
    if parts.scoring {
        let s = c.scoring.as_ref();
        row.push(s.map(|s| thousands(s.scored)).unwrap_or_default());
        row.push(rate(s.and_then(|s| s.scoring_rate)));
        row.push(rate(s.and_then(|s| s.scoring_impact_ratio)));
    }
    row
}

fn table_title(table: &Ll144Table) -> String {
    if table.dimension == "intersectional" {
        format!("Intersectional ({})", table.columns.join(" × "))
    } else {
        format!("By {}", table.dimension)
    }
}

/// A plain-text report (readable without colour).
pub fn text(audit: &Audit, context: &ReportContext) -> String {
    let mut out = String::new();
    let parts = Parts::of(audit);
    out.push_str(&format!("Fairness audit, {}\n", context.audit_date()));
    let inputs: Vec<&str> = context.inputs.iter().map(|i| i.path.as_str()).collect();
    out.push_str(&format!(
        "Data: {} ({} read, {} rejected, {} audited{})\n",
        if inputs.is_empty() {
            "-".to_string()
        } else {
            inputs.join(", ")
        },
        plural(audit.rows_read, "row", "rows"),
        thousands(audit.rows_rejected),
        thousands(audit.rows_audited),
        audit
            .filter
            .as_ref()
            .map(|f| format!(" where {f}"))
            .unwrap_or_default()
    ));
    let mut columns = vec![format!("groups {}", audit.group_columns.join(", "))];
    if let Some(prediction) = &audit.prediction {
        columns.push(format!("prediction `{prediction}`"));
    }
    match &audit.label {
        Some(label) => columns.push(format!("label `{label}`")),
        None if parts.selection => {
            columns.push("no label (error rates and equalized odds need one)".to_string())
        }
        None => {}
    }
    if let Some(score) = &audit.score {
        columns.push(format!("score `{score}`"));
    }
    out.push_str(&format!("Columns: {}\n", columns.join("; ")));
    if let Some(auditor) = &context.auditor {
        out.push_str(&format!(
            "Auditor: {}{}\n",
            auditor.name,
            if auditor.independent {
                " (independent, as stated by the auditor)"
            } else {
                ""
            }
        ));
    }
    let data = &context.data;
    if audit.rows_rejected > 0 {
        out.push_str(&format!(
            "Rejected rows: {}{} (first: {})\n",
            thousands(audit.rows_rejected),
            data.max_bad_rows
                .as_ref()
                .map(|a| format!(
                    ", allowed by --max-bad-rows {} (up to {})",
                    a.given,
                    thousands(a.allowed)
                ))
                .unwrap_or_default(),
            data.rejected_examples
                .iter()
                .take(3)
                .map(|m| format!("{}:{}: {}", m.path, m.line, m.message))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if data.invalid_utf8 > 0 {
        out.push_str(&format!(
            "Invalid UTF-8 sequences replaced by U+FFFD: {}\n",
            thousands(data.invalid_utf8)
        ));
    }

    out.push_str("\nBy group\n");
    let mut headers = vec!["Group", "Count"];
    if parts.selection {
        headers.extend(["Selected", "Sel. rate", "Impact"]);
    }
    if parts.errors {
        headers.extend(["TPR", "FPR", "Precision"]);
    }
    if parts.scoring {
        headers.extend(["Scored", "Score rate", "Score IR"]);
    }
    let mut rows: Vec<Vec<String>> = audit
        .groups
        .iter()
        .map(|g| {
            let label = g.group.as_ref().map(|k| k.display()).unwrap_or_default();
            group_row(label, g, &parts)
        })
        .collect();
    rows.push(group_row("All rows".to_string(), &audit.overall, &parts));
    layout(&headers, &rows, &mut out);

    if let Some(parity) = &audit.parity {
        out.push('\n');
        let lowest = audit
            .groups
            .iter()
            .filter(|g| g.impact().is_some() && g.impact() == parity.impact_ratio_min)
            .filter_map(|g| g.group.as_ref().map(|k| k.display()))
            .collect::<Vec<_>>();
        let mut figures = vec![
            (
                "Demographic parity difference",
                Some(parity.demographic_parity_difference),
            ),
            ("Demographic parity ratio", parity.demographic_parity_ratio),
        ];
        if let Some(odds) = &audit.equalized_odds {
            figures.extend([
                (
                    "True positive rate difference",
                    Some(odds.true_positive_rate_difference),
                ),
                (
                    "False positive rate difference",
                    Some(odds.false_positive_rate_difference),
                ),
                (
                    "Equalized odds difference",
                    Some(odds.equalized_odds_difference),
                ),
            ]);
        }
        for (name, value) in figures {
            out.push_str(&format!("  {name:<31} {}\n", rate(value)));
        }
        out.push_str(&format!(
            "  {:<31} {}{}\n",
            "Lowest impact ratio",
            rate(parity.impact_ratio_min),
            if lowest.is_empty() {
                String::new()
            } else {
                format!("  ({})", lowest.join("; "))
            }
        ));
        if audit.group_columns.len() > 1 {
            let by_column = parity
                .impact_ratio_min_by_column
                .iter()
                .map(|(column, value)| format!("{column} {}", rate(value.as_f64())))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(
                "  {:<31} {by_column}\n",
                "Lowest impact ratio by column"
            ));
        }
        let ff = &parity.four_fifths;
        out.push_str(&match ff.flagged {
            Some(true) => format!(
                "\nFour-fifths screen ({}): FLAGGED, {} group{} below {}: {}\n",
                ff.source,
                ff.groups_below.len(),
                if ff.groups_below.len() == 1 { "" } else { "s" },
                ff.threshold,
                {
                    let mut shown = ff
                        .groups_below
                        .iter()
                        .take(6)
                        .map(|b| format!("{} ({:.4})", b.group.display(), b.impact_ratio))
                        .collect::<Vec<_>>()
                        .join("; ");
                    if ff.groups_below.len() > 6 {
                        shown.push_str(&format!("; and {} more", ff.groups_below.len() - 6));
                    }
                    shown
                }
            ),
            Some(false) => format!(
                "\nFour-fifths screen ({}): passed, every impact ratio is at least {}\n",
                ff.source, ff.threshold
            ),
            None => format!(
                "\nFour-fifths screen ({}): not applicable, no row was selected\n",
                ff.source
            ),
        });
        out.push_str("  A rule of thumb, not a safe harbour: small groups need judgement and significance tests.\n");
    }

    let ll = &audit.ll144;
    out.push_str("\nNYC LL144 bias audit (6 RCNY § 5-301); the law sets no pass/fail level\n");
    if parts.selection {
        out.push_str("  Selection rate: share of a category selected; impact ratio: its selection rate over the highest category's\n");
    }
    if parts.scoring {
        let overall = audit.overall.scoring.as_ref();
        out.push_str(&format!(
            "  Scoring rate: share of a category's scored individuals above the sample median score ({}); all scored individuals: {}\n",
            match ll.score_median {
                Some(median) => format!(
                    "median {median} of {}",
                    plural(overall.map_or(0, |s| s.scored), "score", "scores")
                ),
                None => "no scores, no median".to_string(),
            },
            rate(overall.and_then(|s| s.scoring_rate)),
        ));
        out.push_str(
            "  Scoring impact ratio: a category's scoring rate over the highest category's\n",
        );
    }
    out.push_str(&format!(
        "  Categories under {:.0}% of the data: {}\n  Unknown category: missing, empty, {}\n",
        ll.excludable_below * 100.0,
        if ll.exclude_small {
            format!(
                "excluded from the impact-ratio calculations by the auditor ({}), still reported",
                crate::metrics::SMALL_CATEGORY_SOURCE
            )
        } else {
            format!(
                "marked `*` and kept in the impact ratios (the auditor may exclude them, {})",
                crate::metrics::SMALL_CATEGORY_SOURCE
            )
        },
        ll.unknown_values
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    for table in &ll.tables {
        out.push_str(&format!(
            "\n  {}: unknown category {}, not included in the calculations\n",
            table_title(table),
            plural(table.unknown, "individual", "individuals")
        ));
        let mut headers = vec!["Category", "Count", "Share"];
        if parts.selection {
            headers.extend(["Selected", "Sel. rate", "Impact ratio"]);
        }
        if parts.scoring {
            headers.extend(["Scored", "Scoring rate", "Scoring IR"]);
        }
        let rows: Vec<Vec<String>> = table
            .categories
            .iter()
            .map(|c| ll144_row(c, &parts))
            .collect();
        layout(&headers, &rows, &mut out);
        for c in table.categories.iter().filter(|c| c.excludable) {
            match &c.exclusion_reason {
                Some(reason) => out.push_str(&format!(
                    "  Excluded from the impact ratios: {}: {reason}\n",
                    c.category.values_display()
                )),
                None => out.push_str(&format!(
                    "  * {}: {} ({:.2}%), under {:.0}% of the data; kept in the impact ratios\n",
                    c.category.values_display(),
                    plural(c.count, "individual", "individuals"),
                    c.share * 100.0,
                    ll.excludable_below * 100.0
                )),
            }
        }
    }
    if !audit.notes.is_empty() {
        out.push_str("\nNotes\n");
        for note in &audit.notes {
            out.push_str(&format!("  - {note}\n"));
        }
    }
    out
}

#[derive(Serialize)]
struct Bar {
    label: String,
    y: f64,
    width: f64,
    rate: String,
    ratio: String,
    below: bool,
}

#[derive(Serialize)]
struct Chart {
    height: f64,
    left: f64,
    plot: f64,
    bars: Vec<Bar>,
    line_x: Option<f64>,
    ticks: Vec<(String, f64)>,
}

const BAR_PITCH: f64 = 26.0;

/// The selection-rate bar chart, with predictions.
fn chart(audit: &Audit) -> Option<Chart> {
    let threshold = audit.four_fifths()?.threshold;
    let left = 220.0;
    let plot = 620.0;
    let highest = audit
        .groups
        .iter()
        .filter_map(GroupMetrics::selection_rate)
        .fold(0.0, f64::max);
    // The axis ends at the next tenth above the highest rate.
    let axis = ((highest * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
    let axis = if axis < highest { highest } else { axis };
    let x = |rate: f64| rate / axis * plot;
    let bars = audit
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Bar {
            label: g
                .group
                .as_ref()
                .map(|k| k.values_display())
                .unwrap_or_default()
                .chars()
                .take(34)
                .collect(),
            y: 30.0 + i as f64 * BAR_PITCH,
            width: x(g.selection_rate().unwrap_or(0.0)),
            rate: format!("{:.3}", g.selection_rate().unwrap_or(0.0)),
            ratio: g
                .impact()
                .map_or_else(|| "—".to_string(), |r| format!("{r:.3}")),
            below: g.impact().is_some_and(|r| r < threshold),
        })
        .collect::<Vec<_>>();
    let ticks = (0..=4)
        .map(|i| {
            let value = axis * f64::from(i) / 4.0;
            (format!("{value:.2}"), x(value))
        })
        .collect();
    Some(Chart {
        height: 50.0 + bars.len() as f64 * BAR_PITCH,
        left,
        plot,
        line_x: (highest > 0.0).then(|| x(highest * threshold)),
        bars,
        ticks,
    })
}

/// One self-contained HTML page.
pub fn html(audit: &Audit, context: &ReportContext) -> Result<String, FairnessError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("fairness.html", include_str!("../templates/fairness.html"))
        .map_err(|e| FairnessError::Render(e.to_string()))?;
    let template = env
        .get_template("fairness.html")
        .map_err(|e| FairnessError::Render(e.to_string()))?;
    let lowest: Vec<String> = audit
        .groups
        .iter()
        .filter(|g| g.impact().is_some() && g.impact() == audit.impact_ratio_min())
        .filter_map(|g| g.group.as_ref().map(|k| k.display()))
        .collect();
    let overall_scoring = audit.overall.scoring.as_ref();
    template
        .render(context! {
            a => audit,
            date => context.audit_date(),
            produced_at => context.produced_at,
            inputs => context.inputs,
            data => context.data,
            version => context.version,
            auditor => context.auditor,
            chart => chart(audit),
            lowest => lowest,
            complete => complete(audit, context),
            four_fifths => audit.four_fifths(),
            scored => overall_scoring.map_or(0, |s| s.scored),
            scoring_rate => overall_scoring.and_then(|s| s.scoring_rate),
            small_category_source => crate::metrics::SMALL_CATEGORY_SOURCE,
            tables => audit.ll144.tables.iter().map(|t| json!({
                "title": table_title(t),
                "dimension": t.dimension,
                "columns": t.columns,
                "unknown": t.unknown,
                "categories": t.categories.iter().map(|c| json!({
                    "label": c.category.values_display(),
                    "c": c,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            groups => audit.groups.iter().map(|g| json!({
                "label": g.group.as_ref().map(|k| k.display()).unwrap_or_default(),
                "m": g,
            })).collect::<Vec<_>>(),
        })
        .map_err(|e| FairnessError::Render(format!("{e:#}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{AuditOptions, audit};
    use crate::{Counts, GroupValue, Tally};

    fn counts(tp: u64, fp: u64, tn: u64, fn_: u64) -> Counts {
        Counts { tp, fp, tn, fn_ }
    }

    /// F selected 30 of 100, `M<&>` 50 of 100: impact ratio 0.6.
    fn tally(f: Counts, m: Counts) -> Tally {
        let mut tally = Tally::new(vec!["sex".into()]);
        tally.add(vec![GroupValue::Str("F".into())], f);
        tally.add(vec![GroupValue::Str("M<&>".into())], m);
        tally
    }

    fn failing() -> Tally {
        tally(counts(20, 10, 60, 10), counts(40, 10, 40, 10))
    }

    fn passing() -> Tally {
        tally(counts(30, 10, 50, 10), counts(40, 10, 40, 10))
    }

    fn sample() -> Audit {
        audit(&failing(), &AuditOptions::default())
    }

    fn context() -> ReportContext {
        ReportContext {
            produced_at: "2026-11-28T10:00:00Z".into(),
            inputs: vec![InputDigest {
                path: "a.csv".into(),
                sha256: "00".into(),
            }],
            version: "0.1.0".into(),
            data: DataQuality::default(),
            auditor: None,
        }
    }

    fn evidence_json(audit: &Audit, context: &ReportContext) -> Value {
        serde_json::to_value(evidence(audit, context).unwrap()).unwrap()
    }

    #[test]
    fn evidence_carries_the_threshold_and_the_date() {
        let v = evidence_json(&sample(), &context());
        assert_eq!(v["kind"], "fairness-audit");
        assert_eq!(v["metrics"]["audit_date"], "2026-11-28");
        assert_eq!(v["metrics"]["impact_ratio_min"], 0.6);
        assert_eq!(v["metrics"]["groups"][0]["group"]["sex"], "F");
        assert_eq!(v["metrics"]["rows_read"], 200);
        assert_eq!(v["metrics"]["rows_rejected"], 0);
        assert_eq!(v["metrics"]["rows_audited"], 200);
        assert_eq!(v["thresholds"][0]["name"], "impact_ratio_min");
        assert_eq!(v["thresholds"][0]["source"], "29 CFR 1607.4(D)");
        assert_eq!(v["controls"], json!(["bias-testing"]));
        let mut audited = context();
        audited.auditor = Some(Auditor {
            name: "Example LLP".into(),
            independent: true,
        });
        let v = evidence_json(&sample(), &audited);
        assert_eq!(v["controls"], json!(["bias-testing", "independent-audit"]));
        assert_eq!(v["metrics"]["auditor"]["name"], "Example LLP");
    }

    /// Issue 9: the file's `passed` is its thresholds' and the data's, never
    /// `true` beside a failed threshold.
    #[test]
    fn passed_is_the_conjunction_of_thresholds_and_complete_data() {
        let allow = |allowed: u64| DataQuality {
            max_bad_rows: Some(RejectedAllowance {
                given: allowed.to_string(),
                allowed,
            }),
            ..DataQuality::default()
        };
        let mut rejected = failing();
        rejected.rows_rejected = 3;
        let mut rejected_passing = passing();
        rejected_passing.rows_rejected = 3;
        let mut none_selected = Tally::new(vec!["sex".into()]);
        none_selected.add(vec![GroupValue::Str("F".into())], counts(0, 0, 5, 5));
        // (tally, allowance, four-fifths threshold passed, evidence passed)
        let cases = [
            (failing(), None, Some(false), false),
            (passing(), None, Some(true), true),
            (rejected_passing.clone(), None, Some(true), false),
            (rejected_passing.clone(), Some(2), Some(true), false),
            (rejected_passing, Some(3), Some(true), true),
            (rejected, Some(3), Some(false), false),
            // No row selected: the screen cannot be applied, so it is not passed.
            (none_selected, None, Some(false), false),
        ];
        for (i, (tally, allowed, threshold, passed)) in cases.into_iter().enumerate() {
            let mut context = context();
            if let Some(allowed) = allowed {
                context.data = allow(allowed);
            }
            let v = evidence_json(&audit(&tally, &AuditOptions::default()), &context);
            assert_eq!(
                v["thresholds"][0]["passed"].as_bool(),
                threshold,
                "case {i}: {v}"
            );
            assert_eq!(v["passed"], passed, "case {i}: {}", v["thresholds"]);
        }
    }

    #[test]
    fn without_a_label_error_rates_are_left_out() {
        let mut tally = failing();
        tally.labelled = false;
        let options = AuditOptions {
            label: None,
            ..AuditOptions::default()
        };
        let a = audit(&tally, &options);
        let v = evidence_json(&a, &context());
        let m = &v["metrics"];
        for key in [
            "label",
            "equalized_odds_difference",
            "true_positive_rate_difference",
            "false_positive_rate_difference",
        ] {
            assert!(m.get(key).is_none(), "{key} in {m}");
        }
        for group in m["groups"].as_array().unwrap() {
            for key in [
                "true_positive_rate",
                "false_positive_rate",
                "precision",
                "positives",
                "true_positives",
            ] {
                assert!(group.get(key).is_none(), "{key} in {group}");
            }
            assert!(group["selection_rate"].is_number());
        }
        assert_eq!(m["impact_ratio_min"], 0.6);
        assert_eq!(m["demographic_parity_ratio"], 0.6);
        assert_eq!(v["thresholds"][0]["passed"], false);
        assert_eq!(v["passed"], false);
        let shown = text(&a, &context());
        assert!(
            !shown.contains("TPR") && !shown.contains("Equalized"),
            "{shown}"
        );
        assert!(shown.contains("no label"), "{shown}");
        assert!(shown.contains("FLAGGED"), "{shown}");
        let page = html(&a, &context()).unwrap();
        assert!(!page.contains("<th>TPR") && !page.contains("equalized odds difference"));
        assert!(page.contains("no label: error rates and equalized odds need one"));
    }

    #[test]
    fn with_scores_only_the_scoring_tables_are_reported() {
        let mut tally = Tally::new(vec!["sex".into()]);
        tally.labelled = false;
        tally.predicted = false;
        for (sex, score) in [
            ("F", 1.0),
            ("F", 2.0),
            ("F", 5.0),
            ("M", 3.0),
            ("M", 4.0),
            ("M", 6.0),
        ] {
            tally.add_scored(vec![GroupValue::Str(sex.into())], false, false, Some(score));
        }
        tally.add_scored(vec![GroupValue::Str("M".into())], false, false, None);
        let options = AuditOptions {
            label: None,
            prediction: None,
            score: Some("s".into()),
            ..AuditOptions::default()
        };
        let a = audit(&tally, &options);
        let v = evidence_json(&a, &context());
        let m = &v["metrics"];
        assert_eq!(v["thresholds"], json!([]));
        assert_eq!(v["passed"], true, "no threshold and every row read");
        for key in [
            "prediction",
            "impact_ratio_min",
            "demographic_parity_ratio",
            "four_fifths",
            "equalized_odds_difference",
        ] {
            assert!(m.get(key).is_none(), "{key} in {m}");
        }
        assert!(m["groups"][0].get("selection_rate").is_none());
        assert_eq!(m["ll144"]["score_median"], 3.5);
        let category = &m["ll144"]["tables"][0]["categories"][1];
        assert_eq!(category["category"]["sex"], "M");
        assert_eq!(category["scored"], 3);
        assert_eq!(category["scores_missing"], 1);
        assert_eq!(category["above_median"], 2);
        assert!(category.get("selection_rate").is_none());
        let shown = text(&a, &context());
        assert!(!shown.contains("Four-fifths"), "{shown}");
        // The scoring-rate line gives the rate, with the median named as such.
        assert!(
            shown.contains("above the sample median score (median 3.5 of 6 scores); all scored individuals: 0.5000"),
            "{shown}"
        );
        let page = html(&a, &context()).unwrap();
        assert!(
            !page.contains("<svg"),
            "no selection chart without predictions"
        );
        assert!(page.contains("Scoring rate"));
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let page = html(&sample(), &context()).unwrap();
        assert!(page.contains("<svg"));
        assert!(page.contains("M&lt;&amp;&gt;"));
        assert!(!page.contains("M<&>"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(
            page.contains("class=\"line\""),
            "the four-fifths line is drawn"
        );
    }

    #[test]
    fn text_names_flagged_groups() {
        let shown = text(&sample(), &context());
        assert!(
            shown.contains("FLAGGED, 1 group below 0.8: sex=F (0.6000)"),
            "{shown}"
        );
        assert!(shown.contains("Lowest impact ratio"), "{shown}");
    }
}
