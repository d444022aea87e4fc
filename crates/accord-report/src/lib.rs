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
        (
            "verification.html",
            include_str!("../templates/verification.html"),
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

/// One self-contained HTML page for a verification (`verification/v1`,
/// `accord_attest::report::VerificationReport`), written for reviewers who are
/// not engineers, in English with Chinese beside it. Generic so that this
/// crate need not depend on `accord-attest`; anything serialising to the same
/// fields renders.
pub fn verification_html<T: Serialize>(report: &T) -> Result<String, RenderError> {
    let css = render("style.css", context! {})?;
    render(
        "verification.html",
        context! { r => report, css => css, version => env!("CARGO_PKG_VERSION") },
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::verification_html;

    fn checks_passed() -> Value {
        json!([
            {"check": "envelope", "passed": true, "detail": "DSSE envelope, 2048 payload bytes, 1 signature(s)"},
            {"check": "payload-type", "passed": true, "detail": "application/vnd.in-toto+json"},
            {"check": "signatures", "passed": true, "detail": "1 signature(s) verify; signed by key 3f2a"},
            {"check": "trust", "passed": true, "detail": "key held by issuer `acme-lab` (Acme Lab) under agreement `eu-cn-pilot`, not revoked"},
            {"check": "statement", "passed": true, "detail": "in-toto Statement v1, 3 subject(s), profile `cv-screening`"},
            {"check": "validity", "passed": true, "detail": "valid from 2025-09-01T00:00:00Z until 2026-09-01T00:00:00Z"},
            {"check": "subjects", "passed": true, "detail": "no files given to compare"},
            {"check": "scope", "passed": true, "detail": "issuer `acme-lab` is trusted under agreement `eu-cn-pilot`"}
        ])
    }

    fn obligation(id: &str, title: &str, recognition: &str, source: &str) -> Value {
        json!({
            "id": id,
            "title": title,
            "title_zh": null,
            "citation": "Labelling Measures Art. 4",
            "source": source,
            "status": "applies",
            "applies_from": "2025-09-01",
            "binding": true,
            "recognition": recognition,
            "via": [],
            "supplement": [],
            "reasons": []
        })
    }

    fn verified() -> Value {
        let mut full = obligation(
            "cn.record-keeping",
            "Keep logs of generated content",
            "full",
            "https://www.cac.gov.cn/2025-03/14/c_1743654684782215.htm",
        );
        full["title_zh"] = json!("留存生成内容日志");
        full["via"] = json!([{
            "control": "ctl.logging", "title": "Event logging", "title_zh": "事件日志",
            "relation": "subset-of", "recognition": "full", "evidence": ["logging-audit.json"]
        }]);
        let mut partial = obligation(
            "cn.label",
            "Label <b>synthetic</b> content",
            "partial",
            "https://www.cac.gov.cn/labels",
        );
        partial["status"] = json!("upcoming");
        partial["applies_from"] = json!("2026-01-01");
        partial["via"] = json!([{
            "control": "ctl.transparency", "title": "Transparency notice", "title_zh": null,
            "relation": "intersects-with", "recognition": "partial", "evidence": ["notice.json"]
        }]);
        partial["supplement"] = json!([
            "Add implicit metadata labels to every generated file",
            "evidence for `ctl.watermark` (Watermarking) would meet it in full"
        ]);
        let mut missing = obligation(
            "cn.security-assessment",
            "File a security assessment",
            "not-covered",
            "javascript:alert(1)",
        );
        missing["status"] = json!("undetermined");
        missing["reasons"] = json!([
            "control `ctl.security` is attested as missing, not satisfied",
            "evidence `<script>alert(1)</script>` did not pass its own thresholds"
        ]);
        missing["supplement"] =
            json!(["evidence for `ctl.security` (Security review) would meet it in full"]);
        json!({
            "accord": "verification/v1",
            "file": "attestation.json",
            "verified": true,
            "verified_at": "2025-10-02T08:30:00Z",
            "rejection": null,
            "checks": checks_passed(),
            "trust": {
                "kind": "agreement",
                "key_id": null,
                "agreement": {
                    "id": "eu-cn-pilot",
                    "title": "EU–China AI assessment recognition pilot",
                    "title_zh": "中欧人工智能评估互认试点",
                    "path": "agreement.yaml",
                    "valid_from": "2025-01-01",
                    "valid_until": "2027-12-31",
                    "parties": [
                        {"id": "eu", "name": "European Commission", "name_zh": "欧盟委员会", "jurisdiction": "EU"},
                        {"id": "cac", "name": "Cyberspace Administration of China", "name_zh": "国家互联网信息办公室", "jurisdiction": "CN"}
                    ]
                }
            },
            "attestation": {
                "issuer": "Acme Lab",
                "key_id": "3f2a",
                "agreement_issuer": {
                    "id": "acme-lab", "name": "Acme Laboratory GmbH", "name_zh": "艾克米实验室",
                    "accredited_by": "DAkkS", "scope_jurisdictions": ["EU", "CN"],
                    "scope_controls": [], "scope_evidence_kinds": ["fairness-audit"]
                },
                "profile": "cv-screening",
                "profile_version": "1.2",
                "profile_digest": "sha256:abcd",
                "as_of": "2025-09-01",
                "issued_at": "2025-09-01T12:00:00Z",
                "valid_from": "2025-09-01T12:00:00Z",
                "valid_until": "2026-09-01T12:00:00Z",
                "subjects": [
                    {"name": "profile:cv-screening.yaml", "digest": {"sha256": "0123456789abcdef"}},
                    {"name": "evidence:notice.json", "digest": {"sha256": "fedcba9876543210"}}
                ],
                "jurisdictions": [
                    {"jurisdiction": "EU", "classifications": [
                        {"id": "eu.high-risk", "status": "applies", "citation": "AI Act Art. 6(2)"}
                    ], "obligations": []},
                    {"jurisdiction": "US-NY-NYC", "classifications": [], "obligations": []}
                ],
                "controls": [],
                "evidence": [
                    {"name": "notice.json", "sha256": "fedcba9876543210", "kind": "document",
                     "produced_at": "2025-08-30T10:00:00Z", "passed": null, "controls": ["ctl.transparency"]}
                ],
                "summary": {
                    "prohibited": false, "obligations_applicable": 7, "obligations_upcoming": 2,
                    "obligations_undetermined": 1, "controls": 5, "questions": 0, "gaps": 1
                }
            },
            "recognition": {
                "jurisdiction": "CN",
                "name": "China",
                "as_of": "2025-10-02",
                "classifications": [
                    {"id": "cn.deep-synthesis", "title": "Deep synthesis service", "title_zh": "深度合成服务",
                     "status": "applies", "citation": "Deep Synthesis Provisions Art. 2"},
                    {"id": "cn.algorithm-recommendation", "title": "Algorithmic recommendation service", "title_zh": "算法推荐服务",
                     "status": "undetermined", "citation": "Algorithmic Recommendation Provisions Art. 2"}
                ],
                "obligations": [full, partial, missing],
                "summary": {"obligations": 3, "recognised": 1, "partly_recognised": 1, "not_covered": 1, "undetermined": 1},
                "rulepack_differences": ["the issuer assessed with cn 1.0.0; this verifier has cn 1.1.0"]
            }
        })
    }

    fn rejected() -> Value {
        json!({
            "accord": "verification/v1",
            "file": "tampered.json",
            "verified": false,
            "verified_at": "2025-10-02T08:30:00Z",
            "rejection": {"code": "bad-signature", "message": "no signature verifies"},
            "checks": [
                {"check": "envelope", "passed": true, "detail": "DSSE envelope, 2048 payload bytes, 1 signature(s)"},
                {"check": "payload-type", "passed": true, "detail": "application/vnd.in-toto+json"},
                {"check": "signatures", "passed": false, "detail": "no signature verifies"}
            ],
            "trust": {"kind": "key", "key_id": "3f2a", "agreement": null},
            "attestation": null,
            "recognition": null
        })
    }

    fn position(html: &str, needle: &str) -> usize {
        html.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in the page"))
    }

    /// Headings never skip a level, and every table header cell has a scope.
    fn assert_accessible(html: &str) {
        let mut last = 0;
        for (i, _) in html.match_indices("<h") {
            let Some(level) = html[i + 2..].chars().next().and_then(|c| c.to_digit(10)) else {
                continue;
            };
            assert!(level <= last + 1, "heading h{level} after h{last}");
            last = level;
        }
        for (i, _) in html.match_indices("<th") {
            let rest = &html[i..];
            if rest.starts_with("<thead") {
                continue;
            }
            assert!(rest.starts_with("<th scope="), "{}", &rest[..40]);
        }
    }

    #[test]
    fn verified_report_with_recognition() {
        let html = verification_html(&verified()).unwrap();
        assert!(html.contains("Signature verified"));
        assert!(html.contains("签名已验证"));
        assert!(!html.contains("已拒绝"));
        // The agreement's name for the issuer comes first; its own name beside it.
        assert!(html.contains("signed by <b>Acme Laboratory GmbH</b>, a trusted issuer"));
        assert!(html.contains("本证明由 <b>艾克米实验室</b> 签发"));
        assert!(html.contains("named in the attestation as · 证明中的名称: Acme Lab"));
        assert!(html.contains("Under China (CN) rules as of 2025-10-02, this system is classified as <b>Deep synthesis service</b> (深度合成服务)"));
        assert!(html.contains(". It may also be classified as <b>Algorithmic recommendation service</b> (算法推荐服务) — that depends on facts"));
        assert!(html.contains("本系统还可能被归类为：<b>算法推荐服务</b>"));
        // The three sections, in order, each with its obligation.
        let recognised = position(&html, "✓ Recognised · <span lang=\"zh-Hans\">已认可</span>");
        let partly = position(
            &html,
            "Partly recognised — what to add · <span lang=\"zh-Hans\">部分认可——需补充</span>",
        );
        let uncovered = position(
            &html,
            "✗ Not covered · <span lang=\"zh-Hans\">未覆盖</span>",
        );
        let checks = position(&html, "核验项目");
        assert!(recognised < partly && partly < uncovered && uncovered < checks);
        let logs = position(&html, "Keep logs of generated content");
        assert!(recognised < logs && logs < partly);
        assert!(html.contains("留存生成内容日志"));
        let supplement = position(
            &html,
            "Add implicit metadata labels to every generated file",
        );
        assert!(partly < supplement && supplement < uncovered);
        let assessment = position(&html, "File a security assessment");
        assert!(uncovered < assessment && assessment < checks);
        // Backticks become code, escaped.
        assert!(html.contains(
            "evidence for <code>ctl.watermark</code> (Watermarking) would meet it in full"
        ));
        // Relations and statuses are in words, not only colour.
        assert!(html.contains("does all it asks · 涵盖全部要求"));
        assert!(html.contains("overlaps with it in part · 部分重叠"));
        assert!(html.contains("◷ upcoming"));
        assert!(html.contains("from 2026-01-01"));
        // Citations link to their sources; a non-web source is not a link.
        assert!(html.contains(
            "<a href=\"https:&#x2f;&#x2f;www.cac.gov.cn&#x2f;labels\" rel=\"noreferrer\">"
        ));
        assert!(!html.contains("href=\"javascript"));
        // Who, under which agreement, with Chinese names.
        assert!(html.contains("中欧人工智能评估互认试点"));
        assert!(html.contains("国家互联网信息办公室"));
        assert!(html.contains("accredited by · 认可机构: DAkkS"));
        assert!(html.contains("2026-09-01 12:00 UTC"));
        assert!(html.contains("this verifier has cn 1.1.0"));
        assert!(html.contains("<details>"));
        assert!(html.contains("fedcba9876543210"));
        // Escaping, and no script anywhere.
        assert!(!html.contains("<b>synthetic</b>"));
        assert!(html.contains("Label &lt;b&gt;synthetic&lt;&#x2f;b&gt; content"));
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
        // The stylesheet is inlined unescaped.
        assert!(html.contains("font: 15px/1.5"));
        assert_accessible(&html);
    }

    #[test]
    fn rejected_report() {
        let html = verification_html(&rejected()).unwrap();
        assert!(html.contains("Rejected <span lang=\"zh-Hans\">已拒绝</span>"));
        assert!(html.contains("The signature does not match the content"));
        assert!(html.contains("签名与内容不符"));
        assert!(html.contains("<code>bad-signature</code>"));
        assert!(html.contains("no signature verifies"));
        assert!(html.contains("✗ failed"));
        assert!(!html.contains("签名已验证"));
        assert!(!html.contains("Recognition under"));
        assert!(!html.contains("What was assessed"));
        assert!(html.contains("The verifier supplied this issuer's public key directly"));
        assert!(!html.contains("<script"));
        assert_accessible(&html);
    }

    #[test]
    fn unknown_codes_and_checks_render_as_given() {
        let mut report = rejected();
        report["rejection"] =
            json!({"code": "new-code", "message": "something `new` <i>happened</i>"});
        report["checks"] = json!([{"check": "novel", "passed": false, "detail": "x"}]);
        report["trust"] = json!({"kind": "key", "key_id": null, "agreement": null});
        let html = verification_html(&report).unwrap();
        assert!(html.contains("<code>new-code</code>"));
        assert!(html.contains("something <code>new</code> &lt;i&gt;happened"));
        assert!(!html.contains("Reason:"));
        assert!(html.contains("<th scope=\"row\">novel</th>"));
    }
}
