//! Renderings of assessments and crosswalks: [`text`] for terminals, and
//! Markdown and self-contained HTML (inline CSS and SVG, no scripts, no
//! network) from templates. Reports are deterministic for the same inputs.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod text;

use std::collections::BTreeMap;

use minijinja::{Environment, context};
use serde::Serialize;

use accord_assess::crosswalk::Crosswalk;
use accord_model::{Assessment, Status};

pub use text::Palette;

/// A failure to render, which is a bug in a template.
#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Internal error rendering a report (this is a bug): {}",
            self.0
        )
    }
}

impl std::error::Error for RenderError {}

fn environment() -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in [
        ("assessment.md", include_str!("../templates/assessment.md")),
        (
            "assessment.html",
            include_str!("../templates/assessment.html"),
        ),
        ("crosswalk.md", include_str!("../templates/crosswalk.md")),
        (
            "crosswalk.html",
            include_str!("../templates/crosswalk.html"),
        ),
        ("style.css", include_str!("../templates/style.css")),
    ] {
        env.add_template(name, source)
            .map_err(|e| RenderError(format!("{name}: {e}")))?;
    }
    Ok(env)
}

/// A row of the jurisdiction × control matrix.
#[derive(Serialize)]
struct MatrixRow {
    control: String,
    title: String,
    evidence: String,
    cells: Vec<Vec<String>>,
}

/// One upcoming or current obligation on the timeline.
#[derive(Serialize)]
struct TimelineEntry {
    date: String,
    jurisdiction: String,
    id: String,
    title: String,
    status: String,
    x: f64,
}

#[derive(Serialize)]
struct View<'a> {
    a: &'a Assessment,
    columns: Vec<String>,
    matrix: Vec<MatrixRow>,
    timeline: Vec<TimelineEntry>,
    ticks: Vec<(String, f64)>,
}

fn view(a: &Assessment) -> View<'_> {
    let columns: Vec<String> = a
        .jurisdictions
        .iter()
        .filter(|j| !j.obligations.is_empty())
        .map(|j| j.jurisdiction.clone())
        .collect();
    let matrix = a
        .controls
        .iter()
        .map(|c| MatrixRow {
            control: c.id.clone(),
            title: c.title.clone(),
            evidence: serde_json::to_value(c.evidence)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            cells: columns
                .iter()
                .map(|col| {
                    a.jurisdictions
                        .iter()
                        .filter(|j| &j.jurisdiction == col)
                        .flat_map(|j| j.obligations.iter())
                        .filter(|o| c.satisfies.contains(&o.id) || c.contributes_to.contains(&o.id))
                        .map(|o| o.id.rsplit('/').next().unwrap_or(&o.id).to_string())
                        .collect()
                })
                .collect(),
        })
        .collect();
    // Timeline: every dated applicable or upcoming obligation, laid out by date.
    let mut entries: Vec<(String, &str, &accord_model::assessment::ObligationResult)> = Vec::new();
    for j in &a.jurisdictions {
        for o in &j.obligations {
            if let (Some(date), true) = (
                &o.applies_from,
                matches!(o.status, Status::Applies | Status::Upcoming),
            ) {
                entries.push((date.clone(), &j.jurisdiction, o));
            }
        }
    }
    entries.sort_by(|x, y| x.0.cmp(&y.0).then(x.2.id.cmp(&y.2.id)));
    let year = |d: &str| {
        d.get(..4)
            .and_then(|y| y.parse::<f64>().ok())
            .unwrap_or(2025.0)
    };
    let fraction = |d: &str| {
        let month = d
            .get(5..7)
            .and_then(|m| m.parse::<f64>().ok())
            .unwrap_or(1.0);
        year(d) + (month - 1.0) / 12.0
    };
    let (min, max) = entries
        .iter()
        .fold((fraction(&a.as_of), fraction(&a.as_of)), |(lo, hi), e| {
            (lo.min(fraction(&e.0)), hi.max(fraction(&e.0)))
        });
    let (lo, hi) = (min.floor(), max.floor() + 1.0);
    let scale = |f: f64| 40.0 + (f - lo) / (hi - lo) * 900.0;
    let mut ticks: Vec<(String, f64)> = Vec::new();
    let mut y = lo;
    while y <= hi {
        ticks.push((format!("{y:.0}"), scale(y)));
        y += 1.0;
    }
    ticks.push(("as of".to_string(), scale(fraction(&a.as_of))));
    let timeline = entries
        .into_iter()
        .map(|(date, jurisdiction, o)| TimelineEntry {
            x: scale(fraction(&date)),
            date,
            jurisdiction: jurisdiction.to_string(),
            id: o.id.clone(),
            title: o.title.clone(),
            status: o.status.as_str().to_string(),
        })
        .collect();
    View {
        a,
        columns,
        matrix,
        timeline,
        ticks,
    }
}

fn render(template: &str, ctx: minijinja::Value) -> Result<String, RenderError> {
    let env = environment()?;
    let t = env
        .get_template(template)
        .map_err(|e| RenderError(e.to_string()))?;
    t.render(ctx).map_err(|e| RenderError(format!("{e:#}")))
}

/// Markdown for one or several assessments.
pub fn markdown(assessments: &[Assessment]) -> Result<String, RenderError> {
    let views: Vec<View<'_>> = assessments.iter().map(view).collect();
    render("assessment.md", context! { views => views })
}

/// One self-contained HTML page for one or several assessments.
pub fn html(assessments: &[Assessment]) -> Result<String, RenderError> {
    let views: Vec<View<'_>> = assessments.iter().map(view).collect();
    let css = render("style.css", context! {})?;
    render(
        "assessment.html",
        context! { views => views, css => css, version => env!("CARGO_PKG_VERSION") },
    )
}

/// Text for a crosswalk.
pub fn crosswalk_markdown(c: &Crosswalk) -> Result<String, RenderError> {
    render("crosswalk.md", context! { c => c })
}

/// One self-contained HTML page for a crosswalk.
pub fn crosswalk_html(c: &Crosswalk) -> Result<String, RenderError> {
    let css = render("style.css", context! {})?;
    render(
        "crosswalk.html",
        context! { c => c, css => css, version => env!("CARGO_PKG_VERSION") },
    )
}

/// Counts for a one-line summary of several assessments.
pub fn tally(assessments: &[Assessment]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for a in assessments {
        *out.entry("profiles").or_default() += 1;
        if a.summary.prohibited {
            *out.entry("prohibited").or_default() += 1;
        }
        *out.entry("obligations applicable").or_default() += a.summary.obligations_applicable;
        *out.entry("open questions").or_default() += a.summary.questions;
    }
    out
}
