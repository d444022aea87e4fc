//! The plain-text report for people at a terminal. Readable without colour.

use std::fmt::Write as _;

use owo_colors::{OwoColorize, Style};

use accord_model::assessment::{JurisdictionResult, ObligationResult};
use accord_model::{Assessment, EvidenceStatus, Status};

/// Colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint(text, Style::new().bold())
    }
    fn dim(&self, text: &str) -> String {
        self.paint(text, Style::new().dimmed())
    }
    fn status(&self, status: Status) -> String {
        let style = match status {
            Status::Applies => Style::new().red().bold(),
            Status::Upcoming => Style::new().yellow(),
            Status::Undetermined => Style::new().magenta(),
            Status::NotApplicable => Style::new().dimmed(),
        };
        self.paint(&format!("{:<12}", status.as_str()), style)
    }
    fn evidence(&self, evidence: EvidenceStatus) -> String {
        let (text, style) = match evidence {
            EvidenceStatus::Satisfied => ("satisfied", Style::new().green()),
            EvidenceStatus::Failed => ("FAILED", Style::new().red().bold()),
            EvidenceStatus::Partial => ("partial", Style::new().yellow()),
            EvidenceStatus::Missing => ("missing", Style::new().red()),
            EvidenceStatus::Stale => ("stale", Style::new().yellow()),
            EvidenceStatus::NotRequired => ("not required", Style::new().dimmed()),
        };
        self.paint(text, style)
    }
}

/// The first `n` items, then "and N more" (JSON output keeps them all).
pub fn short_list(items: &[String], n: usize) -> String {
    let shown = items
        .iter()
        .take(n)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > n {
        format!("{shown} and {} more", items.len() - n)
    } else {
        shown
    }
}

fn when(status: Status, from: Option<&str>) -> String {
    match (status, from) {
        (Status::Applies, Some(d)) => format!("since {d}"),
        (Status::Upcoming, Some(d)) => format!("from {d}"),
        _ => String::new(),
    }
}

fn obligation_line(out: &mut String, o: &ObligationResult, p: Palette) {
    let _ = writeln!(
        out,
        "    {} {}  {}",
        p.status(o.status),
        p.bold(&o.title),
        p.dim(&format!(
            "{}{}",
            when(o.status, o.applies_from.as_deref()),
            if o.binding {
                ""
            } else {
                " (voluntary guidance)"
            }
        ))
    );
    if let Some(zh) = &o.title_zh {
        let _ = writeln!(out, "        {zh}");
    }
    let _ = writeln!(out, "        {}  {}", o.id, p.dim(&o.citation));
    if let Some(deadline) = &o.deadline {
        let _ = writeln!(out, "        deadline: {deadline}");
    }
    if matches!(o.status, Status::Applies | Status::Upcoming) {
        let _ = writeln!(
            out,
            "        controls: {}   evidence: {}",
            o.controls.join(", "),
            p.evidence(o.evidence)
        );
    }
    for finding in &o.findings {
        let _ = writeln!(out, "        finding: {finding}");
    }
}

fn jurisdiction(out: &mut String, j: &JurisdictionResult, p: Palette) {
    let name = j
        .name
        .as_deref()
        .map(|n| format!(" — {n}"))
        .unwrap_or_default();
    let _ = writeln!(out, "\n{}", p.bold(&format!("{}{name}", j.jurisdiction)));
    if j.classifications.is_empty() {
        let _ = writeln!(out, "  {}", p.dim("no classification applies"));
    }
    for c in &j.classifications {
        let effect = if c.effect.as_deref() == Some("prohibited") {
            p.paint(" PROHIBITED", Style::new().red().bold())
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {} {}{effect}  {}",
            p.status(c.status),
            p.bold(&c.id),
            p.dim(&when(c.status, c.applies_from.as_deref()))
        );
        let _ = writeln!(
            out,
            "        {}{}",
            c.title,
            c.title_zh
                .as_deref()
                .map(|z| format!(" · {z}"))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "        {}", c.citation);
        if !c.because.is_empty() {
            let _ = writeln!(out, "        because: {}", c.because.join("; "));
        }
    }
    if !j.exemptions.is_empty() {
        let _ = writeln!(out, "  {}", p.bold("Exemptions"));
        for e in &j.exemptions {
            let _ = writeln!(
                out,
                "    {} {}  {}",
                p.status(e.status),
                e.title,
                p.dim(&e.citation)
            );
        }
    }
    let count = |s: Status| j.obligations.iter().filter(|o| o.status == s).count();
    if !j.obligations.is_empty() {
        let _ = writeln!(
            out,
            "  {} ({} apply, {} upcoming, {} undetermined)",
            p.bold("Obligations"),
            count(Status::Applies),
            count(Status::Upcoming),
            count(Status::Undetermined)
        );
        for status in [Status::Applies, Status::Upcoming, Status::Undetermined] {
            for o in j.obligations.iter().filter(|o| o.status == status) {
                obligation_line(out, o, p);
            }
        }
    }
    if !j.questions.is_empty() {
        let _ = writeln!(out, "  {}", p.bold("Open questions"));
        for q in &j.questions {
            let _ = writeln!(out, "    ? {} — {}", p.bold(&q.fact), q.question);
            let _ = writeln!(out, "        decides: {}", short_list(&q.decides, 6));
        }
    }
}

/// Renders one assessment as text.
pub fn render(a: &Assessment, p: Palette) -> String {
    let mut out = String::new();
    let version = a
        .profile
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}  assessed as of {} against {} rulepacks",
        p.bold(&format!("{}{version}", a.profile.name)),
        a.as_of,
        a.rulepacks.len()
    );
    if a.summary.prohibited {
        let _ = writeln!(out, "{}", p.paint("A prohibited practice applies: the system may not be placed on the market or used as described.", Style::new().red().bold()));
    }
    evidence_files(&mut out, a, p);
    if a.jurisdictions.is_empty() {
        let _ = writeln!(out, "\nNo loaded rulepack covers the profile's markets.");
    }
    for j in &a.jurisdictions {
        jurisdiction(&mut out, j, p);
    }
    if !a.controls.is_empty() {
        let obligations: usize = a.summary.obligations_applicable + a.summary.obligations_upcoming;
        let _ = writeln!(
            out,
            "\n{}: {} controls cover {} applicable and upcoming obligations across {} jurisdictions",
            p.bold("Control plan"),
            a.controls.len(),
            obligations,
            a.jurisdictions
                .iter()
                .filter(|j| !j.obligations.is_empty())
                .count()
        );
        for (i, c) in a.controls.iter().enumerate() {
            let from = c
                .needed_from
                .as_deref()
                .map(|d| format!(", needed from {d}"))
                .unwrap_or_default();
            let partial = if c.contributes_to.is_empty() {
                String::new()
            } else {
                format!(" + {} in part", c.contributes_to.len())
            };
            let _ = writeln!(
                out,
                "  {:>2}. {} — {}: {} obligations{partial} ({}){from}  evidence: {}",
                i + 1,
                p.bold(&c.id),
                c.title,
                c.satisfies.len(),
                c.jurisdictions.join(", "),
                p.evidence(c.evidence)
            );
        }
    }
    let s = &a.summary;
    let failed = if s.evidence_failed > 0 {
        p.paint(
            &format!("; evidence failed for {} obligations", s.evidence_failed),
            Style::new().red().bold(),
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "\n{} {} obligations apply, {} upcoming, {} undetermined; {} gaps{failed}; {} open questions",
        p.bold("Summary:"),
        s.obligations_applicable,
        s.obligations_upcoming,
        s.obligations_undetermined,
        s.gaps,
        s.questions
    );
    out
}

/// The evidence files read, each with its result and whether it was counted.
fn evidence_files(out: &mut String, a: &Assessment, p: Palette) {
    if a.evidence.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", p.bold("Evidence"));
    for e in &a.evidence {
        let (result, style) = match (e.counted, e.passed) {
            (false, _) => ("not counted", Style::new().yellow()),
            (true, Some(false)) => ("FAILED", Style::new().red().bold()),
            (true, Some(true)) => ("passed", Style::new().green()),
            (true, None) => ("no result", Style::new().dimmed()),
        };
        let subject = e
            .subject
            .as_ref()
            .map(|s| match &s.version {
                Some(v) => format!(", about {} {v}", s.name),
                None => format!(", about {}", s.name),
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} ({}{subject}) for {}",
            p.paint(&format!("{result:<12}"), style),
            e.path,
            e.kind,
            e.controls.join(", ")
        );
        for note in &e.notes {
            let _ = writeln!(out, "        {}", p.paint(note, Style::new().yellow()));
        }
    }
}
