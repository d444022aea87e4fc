//! An [`Audit`] as text, as one self-contained HTML page (inline CSS and SVG,
//! no scripts), or as an `evidence/v1` object of kind `fairness-audit`.

use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::{Map, Value, json};

use accord_model::assessment::Evidence;

use crate::FairnessError;
use crate::metrics::{Audit, FOUR_FIFTHS_SOURCE, GroupMetrics, Ll144Category};

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

/// A row the reader could not use.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MalformedRow {
    /// 1-based row or line number, as the reader reports it.
    pub row: u64,
    pub message: String,
}

/// An input that could not be read and was skipped.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SkippedInput {
    pub path: String,
    pub error: String,
}

/// What reading met: carried into the evidence so that nothing is dropped silently.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DataQuality {
    pub malformed_rows: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub malformed_examples: Vec<MalformedRow>,
    pub invalid_utf8: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs_skipped: Vec<SkippedInput>,
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

/// Whether the audit meets the four-fifths threshold (29 CFR 1607.4(D)).
pub fn four_fifths_passed(audit: &Audit) -> bool {
    audit
        .impact_ratio_min
        .is_some_and(|r| r >= audit.four_fifths.threshold)
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
    let four_fifths = four_fifths_passed(audit);
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
        thresholds: vec![json!({
            "name": "impact_ratio_min",
            "value": audit.four_fifths.threshold,
            "source": FOUR_FIFTHS_SOURCE,
            "passed": four_fifths,
        })],
        // The audit as such: complete when every input was read. The
        // four-fifths result is the threshold's own `passed`, so that `accord
        // assess` applies it only to the rules that set it (us-federal) and not
        // to LL144, which sets no pass/fail level.
        passed: Some(context.data.inputs_skipped.is_empty()),
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

fn group_row(label: String, g: &GroupMetrics, scored: bool) -> Vec<String> {
    let mut row = vec![
        label,
        thousands(g.count),
        thousands(g.selected),
        format!("{:.4}", g.selection_rate),
        g.impact_ratio.map_or(String::new(), rate),
        rate(g.true_positive_rate),
        rate(g.false_positive_rate),
        rate(g.precision),
    ];
    if scored {
        let s = g.scoring.as_ref();
        row.push(rate(s.and_then(|s| s.scoring_rate)));
        row.push(if g.group.is_some() {
            rate(s.and_then(|s| s.scoring_impact_ratio))
        } else {
            String::new()
        });
    }
    row
}

/// A plain-text report (readable without colour).
pub fn text(audit: &Audit, context: &ReportContext) -> String {
    let mut out = String::new();
    let scored = audit.score.is_some();
    out.push_str(&format!("Fairness audit, {}\n", context.audit_date()));
    let inputs: Vec<&str> = context.inputs.iter().map(|i| i.path.as_str()).collect();
    out.push_str(&format!(
        "Data: {} ({} rows read, {} audited{})\n",
        if inputs.is_empty() {
            "-".to_string()
        } else {
            inputs.join(", ")
        },
        thousands(audit.rows_read),
        thousands(audit.rows_audited),
        audit
            .filter
            .as_ref()
            .map(|f| format!(" where {f}"))
            .unwrap_or_default()
    ));
    out.push_str(&format!(
        "Label `{}`, prediction `{}`{}, groups: {}\n",
        audit.label,
        audit.prediction,
        audit
            .score
            .as_ref()
            .map(|s| format!(", score `{s}`"))
            .unwrap_or_default(),
        audit.group_columns.join(", ")
    ));
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
    if data.malformed_rows > 0 {
        out.push_str(&format!(
            "Malformed rows skipped: {} (first: {})\n",
            thousands(data.malformed_rows),
            data.malformed_examples
                .iter()
                .take(3)
                .map(|m| format!("row {}: {}", m.row, m.message))
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
    for skipped in &data.inputs_skipped {
        out.push_str(&format!("Skipped {}: {}\n", skipped.path, skipped.error));
    }

    out.push_str("\nBy group\n");
    let mut headers = vec![
        "Group",
        "Count",
        "Selected",
        "Sel. rate",
        "Impact",
        "TPR",
        "FPR",
        "Precision",
    ];
    if scored {
        headers.extend(["Score rate", "Score IR"]);
    }
    let mut rows: Vec<Vec<String>> = audit
        .groups
        .iter()
        .map(|g| {
            let label = g.group.as_ref().map(|k| k.display()).unwrap_or_default();
            group_row(label, g, scored)
        })
        .collect();
    rows.push(group_row("All rows".to_string(), &audit.overall, scored));
    layout(&headers, &rows, &mut out);

    out.push('\n');
    let lowest = audit
        .groups
        .iter()
        .filter(|g| g.impact().is_some() && g.impact() == audit.impact_ratio_min)
        .filter_map(|g| g.group.as_ref().map(|k| k.display()))
        .collect::<Vec<_>>();
    for (name, value) in [
        (
            "Demographic parity difference",
            Some(audit.demographic_parity_difference),
        ),
        ("Demographic parity ratio", audit.demographic_parity_ratio),
        (
            "True positive rate difference",
            Some(audit.true_positive_rate_difference),
        ),
        (
            "False positive rate difference",
            Some(audit.false_positive_rate_difference),
        ),
        (
            "Equalized odds difference",
            Some(audit.equalized_odds_difference),
        ),
    ] {
        out.push_str(&format!("  {name:<31} {}\n", rate(value)));
    }
    out.push_str(&format!(
        "  {:<31} {}{}\n",
        "Lowest impact ratio",
        rate(audit.impact_ratio_min),
        if lowest.is_empty() {
            String::new()
        } else {
            format!("  ({})", lowest.join("; "))
        }
    ));
    if audit.group_columns.len() > 1 {
        let by_column = audit
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
    let ff = &audit.four_fifths;
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

    let ll = &audit.ll144;
    out.push_str(&format!(
        "\nNYC LL144 bias audit (6 RCNY § 5-301); the law sets no pass/fail level\n  Categories under {:.0}% of the data are marked excludable (`*`); unknown values: empty, {}{}\n",
        ll.excludable_below * 100.0,
        ll.unknown_values
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", "),
        ll.score_median
            .map(|m| format!("\n  Scoring rate: share scoring above the sample median, {m}"))
            .unwrap_or_default()
    ));
    for table in &ll.tables {
        out.push_str(&format!(
            "\n  {} ({}; unknown category: {} rows)\n",
            if table.dimension == "intersectional" {
                "Intersectional".to_string()
            } else {
                format!("By {}", table.dimension)
            },
            table.columns.join(" × "),
            thousands(table.unknown)
        ));
        let mut headers = vec!["Category", "Count", "Share", "Sel. rate", "Impact ratio"];
        if scored {
            headers.extend(["Scoring rate", "Scoring IR"]);
        }
        let rows: Vec<Vec<String>> = table
            .categories
            .iter()
            .map(|c: &Ll144Category| {
                let mut row = vec![
                    format!(
                        "{}{}",
                        c.category.values_display(),
                        if c.excludable { " *" } else { "" }
                    ),
                    thousands(c.count),
                    format!("{:.2}%", c.share * 100.0),
                    format!("{:.4}", c.selection_rate),
                    rate(c.impact_ratio),
                ];
                if scored {
                    let s = c.scoring.as_ref();
                    row.push(rate(s.and_then(|s| s.scoring_rate)));
                    row.push(rate(s.and_then(|s| s.scoring_impact_ratio)));
                }
                row
            })
            .collect();
        layout(&headers, &rows, &mut out);
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

fn chart(audit: &Audit) -> Chart {
    let left = 220.0;
    let plot = 620.0;
    let highest = audit
        .groups
        .iter()
        .map(|g| g.selection_rate)
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
            width: x(g.selection_rate),
            rate: format!("{:.3}", g.selection_rate),
            ratio: g
                .impact()
                .map_or_else(|| "—".to_string(), |r| format!("{r:.3}")),
            below: g.impact().is_some_and(|r| r < audit.four_fifths.threshold),
        })
        .collect::<Vec<_>>();
    let ticks = (0..=4)
        .map(|i| {
            let value = axis * f64::from(i) / 4.0;
            (format!("{value:.2}"), x(value))
        })
        .collect();
    Chart {
        height: 50.0 + bars.len() as f64 * BAR_PITCH,
        left,
        plot,
        line_x: (highest > 0.0).then(|| x(highest * audit.four_fifths.threshold)),
        bars,
        ticks,
    }
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
        .filter(|g| g.impact().is_some() && g.impact() == audit.impact_ratio_min)
        .filter_map(|g| g.group.as_ref().map(|k| k.display()))
        .collect();
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
            tables => audit.ll144.tables.iter().map(|t| json!({
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

    fn sample() -> Audit {
        let mut tally = Tally::new(vec!["sex".into()]);
        tally.add(
            vec![GroupValue::Str("F".into())],
            Counts {
                tp: 20,
                fp: 10,
                tn: 60,
                fn_: 10,
            },
        );
        tally.add(
            vec![GroupValue::Str("M<&>".into())],
            Counts {
                tp: 40,
                fp: 10,
                tn: 40,
                fn_: 10,
            },
        );
        audit(&tally, &AuditOptions::default())
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

    #[test]
    fn evidence_carries_the_threshold_and_the_date() {
        let e = evidence(&sample(), &context()).unwrap();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "fairness-audit");
        assert_eq!(v["metrics"]["audit_date"], "2026-11-28");
        assert_eq!(v["metrics"]["impact_ratio_min"], 0.6);
        assert_eq!(v["metrics"]["groups"][0]["group"]["sex"], "F");
        assert_eq!(v["thresholds"][0]["name"], "impact_ratio_min");
        assert_eq!(v["thresholds"][0]["source"], "29 CFR 1607.4(D)");
        assert_eq!(v["thresholds"][0]["passed"], false);
        // Complete: every input was read. The screen's result is the threshold's.
        assert_eq!(v["passed"], true);
        let mut incomplete = context();
        incomplete.data.inputs_skipped.push(SkippedInput {
            path: "b.csv".into(),
            error: "unreadable".into(),
        });
        let e = evidence(&sample(), &incomplete).unwrap();
        assert_eq!(e.passed, Some(false));
        assert_eq!(v["controls"], json!(["bias-testing"]));
        let mut audited = context();
        audited.auditor = Some(Auditor {
            name: "Example LLP".into(),
            independent: true,
        });
        let v = serde_json::to_value(evidence(&sample(), &audited).unwrap()).unwrap();
        assert_eq!(v["controls"], json!(["bias-testing", "independent-audit"]));
        assert_eq!(v["metrics"]["auditor"]["name"], "Example LLP");
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
