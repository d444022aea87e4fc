//! What the pages show, computed from stored documents: the jurisdiction ×
//! control matrix and the obligation timeline of an `assessment/v1`, a
//! crosswalk with Chinese titles, and a law-change impact. Pure functions of
//! their inputs (and of `today`), so they are tested without a server.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use accord_assess::crosswalk::{Crosswalk, Mapping, ObligationRecognition, Recognition};
use accord_model::assessment::ObligationResult;
use accord_model::{Assessment, EvidenceStatus, Relation, Status};
use accord_rules::{RuleKind, RuleSet};

use super::i18n::Lang;

/// A title in the page's language, with the other language beside it when
/// there is one. `lang` and `alt_lang` are BCP 47 tags for the `lang` attribute.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub lang: &'static str,
    pub alt: Option<String>,
    pub alt_lang: &'static str,
}

/// English and (optionally) Chinese: the Chinese first on a Chinese page.
pub fn bilingual(lang: Lang, en: &str, zh: Option<&str>) -> Text {
    match (lang, zh.filter(|z| !z.trim().is_empty())) {
        (Lang::Zh, Some(zh)) => Text {
            text: zh.to_string(),
            lang: Lang::Zh.tag(),
            alt: Some(en.to_string()),
            alt_lang: Lang::En.tag(),
        },
        (Lang::En, Some(zh)) => Text {
            text: en.to_string(),
            lang: Lang::En.tag(),
            alt: Some(zh.to_string()),
            alt_lang: Lang::Zh.tag(),
        },
        (_, None) => Text {
            text: en.to_string(),
            lang: Lang::En.tag(),
            alt: None,
            alt_lang: Lang::Zh.tag(),
        },
    }
}

/// An `id` attribute for an obligation (ids hold `/` and `.`).
pub fn anchor(obligation: &str) -> String {
    let mut out = String::from("ob-");
    for c in obligation.chars() {
        out.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    out
}

fn short_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

fn status_str(s: Status) -> &'static str {
    s.as_str()
}

pub fn evidence_str(e: EvidenceStatus) -> &'static str {
    e.as_str()
}

fn recognition_str(r: Recognition) -> &'static str {
    match r {
        Recognition::Full => "full",
        Recognition::Partial => "partial",
        Recognition::NotCovered => "not-covered",
    }
}

// ---- the system page ------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct SystemView {
    pub as_of: String,
    pub summary: accord_model::assessment::Summary,
    pub matrix: Matrix,
    pub timeline: Vec<TimelineItem>,
    /// Obligations that hold without a start date (listed after the dated ones).
    pub undated: Vec<TimelineItem>,
    pub classifications: Vec<JurisdictionClasses>,
    pub questions: Vec<QuestionRow>,
}

#[derive(Debug, Serialize)]
pub struct Matrix {
    /// Jurisdiction codes, one column each.
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Serialize)]
pub struct MatrixRow {
    pub id: String,
    pub title: Text,
    pub evidence: &'static str,
    pub needed_from: Option<String>,
    /// One cell per column: the obligations of that jurisdiction this control serves.
    pub cells: Vec<Vec<Cell>>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Cell {
    pub id: String,
    pub anchor: String,
    /// The obligation id without its pack prefix.
    pub label: String,
    /// Satisfied in full (equal, subset-of) rather than contributed to.
    pub full: bool,
}

#[derive(Debug, Serialize)]
pub struct TimelineItem {
    /// `obligation`, or `today` for the marker between past and future dates.
    pub kind: &'static str,
    pub date: Option<String>,
    pub jurisdiction: String,
    pub id: String,
    pub anchor: String,
    pub title: Option<Text>,
    pub citation: String,
    pub status: &'static str,
    /// Starts after today.
    pub upcoming: bool,
    pub binding: bool,
}

#[derive(Debug, Serialize)]
pub struct JurisdictionClasses {
    pub jurisdiction: String,
    pub rows: Vec<ClassRow>,
}

#[derive(Debug, Serialize)]
pub struct ClassRow {
    pub id: String,
    pub title: Text,
    pub status: &'static str,
    pub applies_from: Option<String>,
    pub citation: String,
    pub effect: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct QuestionRow {
    pub jurisdiction: String,
    pub fact: String,
    pub question: Text,
}

/// The system page's view of an assessment, with `today` marked on the timeline.
pub fn system_view(a: &Assessment, lang: Lang, today: Date) -> SystemView {
    // Obligation id -> the jurisdictions listing it.
    let mut owners: HashMap<&str, Vec<&str>> = HashMap::new();
    for j in &a.jurisdictions {
        for o in &j.obligations {
            owners
                .entry(o.id.as_str())
                .or_default()
                .push(j.jurisdiction.as_str());
        }
    }
    let order: Vec<&str> = a
        .jurisdictions
        .iter()
        .map(|j| j.jurisdiction.as_str())
        .collect();
    let cells_of = |c: &accord_model::assessment::PlannedControl, column: &str| -> Vec<Cell> {
        let full = c.satisfies.iter().map(|id| (id, true));
        let part = c.contributes_to.iter().map(|id| (id, false));
        full.chain(part)
            .filter(|(id, _)| {
                owners
                    .get(id.as_str())
                    .is_some_and(|js| js.contains(&column))
            })
            .map(|(id, full)| Cell {
                id: id.clone(),
                anchor: anchor(id),
                label: short_id(id).to_string(),
                full,
            })
            .collect()
    };
    // Columns: the jurisdictions some planned control serves, in assessment order.
    let columns: Vec<String> = order
        .iter()
        .filter(|j| a.controls.iter().any(|c| !cells_of(c, j).is_empty()))
        .map(|j| (*j).to_string())
        .collect();
    let rows = a
        .controls
        .iter()
        .map(|c| MatrixRow {
            id: c.id.clone(),
            title: bilingual(lang, &c.title, c.title_zh.as_deref()),
            evidence: evidence_str(c.evidence),
            needed_from: c.needed_from.clone(),
            cells: columns.iter().map(|col| cells_of(c, col)).collect(),
        })
        .collect();

    let mut dated: Vec<(&str, &ObligationResult)> = Vec::new();
    let mut undated_list: Vec<(&str, &ObligationResult)> = Vec::new();
    for j in &a.jurisdictions {
        for o in &j.obligations {
            if o.status == Status::NotApplicable {
                continue;
            }
            if o.applies_from.is_some() {
                dated.push((&j.jurisdiction, o));
            } else {
                undated_list.push((&j.jurisdiction, o));
            }
        }
    }
    dated.sort_by(|x, y| {
        x.1.applies_from
            .cmp(&y.1.applies_from)
            .then(x.0.cmp(y.0))
            .then(x.1.id.cmp(&y.1.id))
    });
    let today_text = today.to_string();
    let item = |j: &str, o: &ObligationResult| TimelineItem {
        kind: "obligation",
        date: o.applies_from.clone(),
        jurisdiction: j.to_string(),
        id: o.id.clone(),
        anchor: anchor(&o.id),
        title: Some(bilingual(lang, &o.title, o.title_zh.as_deref())),
        citation: o.citation.clone(),
        status: status_str(o.status),
        upcoming: o
            .applies_from
            .as_deref()
            .is_some_and(|d| d > today_text.as_str()),
        binding: o.binding,
    };
    // An obligation listed under two jurisdictions keeps its anchor once.
    let mut anchored = std::collections::HashSet::new();
    let mut item = |j: &str, o: &ObligationResult| {
        let mut entry = item(j, o);
        if !anchored.insert(entry.anchor.clone()) {
            entry.anchor.clear();
        }
        entry
    };
    let mut timeline = Vec::with_capacity(dated.len() + 1);
    let mut marked = false;
    for (j, o) in &dated {
        let entry = item(j, o);
        if entry.upcoming && !marked {
            timeline.push(today_marker(&today_text));
            marked = true;
        }
        timeline.push(entry);
    }
    if !marked {
        timeline.push(today_marker(&today_text));
    }
    let undated = undated_list.iter().map(|(j, o)| item(j, o)).collect();

    let classifications = a
        .jurisdictions
        .iter()
        .map(|j| JurisdictionClasses {
            jurisdiction: j.jurisdiction.clone(),
            rows: j
                .classifications
                .iter()
                .filter(|c| c.status != Status::NotApplicable)
                .map(|c| ClassRow {
                    id: c.id.clone(),
                    title: bilingual(lang, &c.title, c.title_zh.as_deref()),
                    status: status_str(c.status),
                    applies_from: c.applies_from.clone(),
                    citation: c.citation.clone(),
                    effect: c.effect.clone(),
                })
                .collect(),
        })
        .collect();
    let questions = a
        .jurisdictions
        .iter()
        .flat_map(|j| {
            j.questions.iter().map(move |q| QuestionRow {
                jurisdiction: j.jurisdiction.clone(),
                fact: q.fact.clone(),
                question: bilingual(lang, &q.question, q.question_zh.as_deref()),
            })
        })
        .collect();
    SystemView {
        as_of: a.as_of.clone(),
        summary: a.summary.clone(),
        matrix: Matrix { columns, rows },
        timeline,
        undated,
        classifications,
        questions,
    }
}

fn today_marker(today: &str) -> TimelineItem {
    TimelineItem {
        kind: "today",
        date: Some(today.to_string()),
        jurisdiction: String::new(),
        id: String::new(),
        anchor: String::new(),
        title: None,
        citation: String::new(),
        status: "",
        upcoming: false,
        binding: true,
    }
}

// ---- titles from the loaded rules ---------------------------------------------------

/// Titles of obligations and classifications by id, from the loaded rules.
pub struct Titles<'a> {
    rules: HashMap<&'a str, (&'a str, Option<&'a str>)>,
    classifications: HashMap<&'a str, (String, Option<String>)>,
}

/// What every title shares before its first ` — ` (several rules produce one
/// classification, each titled "High-risk AI system — <route>").
fn shared_head<'a>(titles: &[&'a str]) -> Option<&'a str> {
    let first = titles.first()?;
    if titles.len() == 1 {
        return Some(first);
    }
    let head = first.split_once(" — ")?.0;
    titles
        .iter()
        .all(|t| t.split_once(" — ").is_some_and(|(h, _)| h == head))
        .then_some(head)
}

impl<'a> Titles<'a> {
    pub fn new(rules: &'a RuleSet) -> Titles<'a> {
        let mut by_rule = HashMap::new();
        let mut producers: BTreeMap<&str, Vec<&accord_rules::Rule>> = BTreeMap::new();
        for r in &rules.rules {
            by_rule.insert(r.id.as_str(), (r.title.as_str(), r.title_zh.as_deref()));
            if r.kind == RuleKind::Classification
                && let Some(c) = &r.classification
            {
                producers.entry(c.as_str()).or_default().push(r);
            }
        }
        let classifications = producers
            .into_iter()
            .filter_map(|(id, rules)| {
                let en: Vec<&str> = rules.iter().map(|r| r.title.as_str()).collect();
                let zh: Option<Vec<&str>> = rules.iter().map(|r| r.title_zh.as_deref()).collect();
                let en = shared_head(&en)?.to_string();
                let zh = zh.as_deref().and_then(shared_head).map(str::to_string);
                Some((id, (en, zh)))
            })
            .collect();
        Titles {
            rules: by_rule,
            classifications,
        }
    }

    /// An obligation's title; `fallback` when the rules no longer hold it.
    pub fn rule(&self, lang: Lang, id: &str, fallback: &str) -> Text {
        match self.rules.get(id) {
            Some((en, zh)) => bilingual(lang, en, *zh),
            None => bilingual(lang, fallback, None),
        }
    }

    /// A classification's title: what the rules producing it agree on, else its id.
    pub fn classification(&self, lang: Lang, id: &str) -> Text {
        match self.classifications.get(id) {
            Some((en, zh)) => bilingual(lang, en, zh.as_deref()),
            None => bilingual(lang, id, None),
        }
    }
}

// ---- the crosswalk explorer ---------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct CrosswalkView {
    pub left: String,
    pub right: String,
    pub summary: accord_assess::crosswalk::CrosswalkSummary,
    pub controls: Vec<CrosswalkControl>,
    /// What the right side recognises from left evidence, then the other way round.
    pub sides: Vec<RecognitionSide>,
}

#[derive(Debug, Serialize)]
pub struct CrosswalkControl {
    pub id: String,
    pub title: Text,
    pub left: Vec<CrosswalkMapping>,
    pub right: Vec<CrosswalkMapping>,
}

#[derive(Debug, Serialize)]
pub struct CrosswalkMapping {
    pub obligation: String,
    pub title: Text,
    pub citation: String,
    pub relation: &'static str,
}

#[derive(Debug, Serialize)]
pub struct RecognitionSide {
    /// The jurisdiction whose obligations are to be met.
    pub target: String,
    /// The jurisdiction whose evidence is offered.
    pub source: String,
    pub rows: Vec<RecognitionRow>,
}

#[derive(Debug, Serialize)]
pub struct RecognitionRow {
    pub obligation: String,
    pub title: Text,
    pub citation: String,
    pub recognition: &'static str,
    pub via: Vec<ViaRow>,
    pub supplement: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ViaRow {
    pub obligation: String,
    pub control: String,
    pub relation: &'static str,
}

fn mapping_view(lang: Lang, m: &Mapping) -> CrosswalkMapping {
    CrosswalkMapping {
        obligation: m.obligation.clone(),
        title: bilingual(lang, &m.title, m.title_zh.as_deref()),
        citation: m.citation.clone(),
        relation: m.relation.as_str(),
    }
}

fn recognition_rows(
    lang: Lang,
    titles: &Titles<'_>,
    list: &[ObligationRecognition],
) -> Vec<RecognitionRow> {
    list.iter()
        .map(|o| RecognitionRow {
            obligation: o.obligation.clone(),
            title: titles.rule(lang, &o.obligation, &o.title),
            citation: o.citation.clone(),
            recognition: recognition_str(o.recognition),
            via: o
                .via
                .iter()
                .map(|v| ViaRow {
                    obligation: v.obligation.clone(),
                    control: v.control.clone(),
                    relation: relation_str(v.relation),
                })
                .collect(),
            supplement: o.supplement.clone(),
        })
        .collect()
}

fn relation_str(r: Relation) -> &'static str {
    r.as_str()
}

pub fn crosswalk_view(c: &Crosswalk, lang: Lang, titles: &Titles<'_>) -> CrosswalkView {
    CrosswalkView {
        left: c.left.clone(),
        right: c.right.clone(),
        summary: c.summary.clone(),
        controls: c
            .controls
            .iter()
            .map(|row| CrosswalkControl {
                id: row.control.clone(),
                title: bilingual(lang, &row.title, row.title_zh.as_deref()),
                left: row.left.iter().map(|m| mapping_view(lang, m)).collect(),
                right: row.right.iter().map(|m| mapping_view(lang, m)).collect(),
            })
            .collect(),
        sides: vec![
            RecognitionSide {
                target: c.right.clone(),
                source: c.left.clone(),
                rows: recognition_rows(lang, titles, &c.left_to_right),
            },
            RecognitionSide {
                target: c.left.clone(),
                source: c.right.clone(),
                rows: recognition_rows(lang, titles, &c.right_to_left),
            },
        ],
    }
}

// ---- law-change impact ----------------------------------------------------------------

/// `engine::Changes` as stored (the server writes it; this reads it back).
#[derive(Debug, Default, Deserialize)]
pub struct StoredChanges {
    #[serde(default)]
    pub newly_applies: Vec<StoredChange>,
    #[serde(default)]
    pub no_longer_applies: Vec<StoredChange>,
    #[serde(default)]
    pub moved: Vec<StoredChange>,
    #[serde(default)]
    pub classifications: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct StoredChange {
    pub id: String,
    pub jurisdiction: String,
    pub title: String,
    pub citation: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImpactView {
    pub id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub from_digest: String,
    pub to_digest: String,
    pub created_at: String,
    pub change_count: i64,
    /// `newly_applies`, `no_longer_applies`, `moved`: each a list of changes.
    pub groups: Vec<ChangeGroup>,
    pub classifications: Vec<ClassificationChange>,
    /// The stored changes could not be read.
    pub unreadable: bool,
}

#[derive(Debug, Serialize)]
pub struct ChangeGroup {
    pub kind: &'static str,
    pub items: Vec<ChangeRow>,
}

#[derive(Debug, Serialize)]
pub struct ChangeRow {
    pub id: String,
    pub jurisdiction: String,
    pub title: Text,
    pub citation: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ClassificationChange {
    /// `gained` or `lost`.
    pub kind: &'static str,
    pub id: String,
    pub title: Text,
}

pub fn impact_view(i: &accord_store::Impact, lang: Lang, titles: &Titles<'_>) -> ImpactView {
    let parsed = serde_json::from_str::<StoredChanges>(&i.changes);
    let unreadable = parsed.is_err();
    let changes = parsed.unwrap_or_default();
    let rows = |list: &[StoredChange]| -> Vec<ChangeRow> {
        list.iter()
            .map(|c| ChangeRow {
                id: c.id.clone(),
                jurisdiction: c.jurisdiction.clone(),
                title: titles.rule(lang, &c.id, &c.title),
                citation: c.citation.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect()
    };
    let groups = vec![
        ChangeGroup {
            kind: "newly_applies",
            items: rows(&changes.newly_applies),
        },
        ChangeGroup {
            kind: "no_longer_applies",
            items: rows(&changes.no_longer_applies),
        },
        ChangeGroup {
            kind: "moved",
            items: rows(&changes.moved),
        },
    ];
    let classifications = changes
        .classifications
        .iter()
        .filter_map(|c| {
            let (kind, id) = if let Some(id) = c.strip_prefix('+') {
                ("gained", id)
            } else {
                ("lost", c.strip_prefix('-')?)
            };
            Some(ClassificationChange {
                kind,
                id: id.to_string(),
                title: titles.classification(lang, id),
            })
        })
        .collect();
    ImpactView {
        id: i.id,
        system_id: i.system_id,
        system_name: i.system_name.clone(),
        from_digest: i.from_digest.clone(),
        to_digest: i.to_digest.clone(),
        created_at: i.created_at.clone(),
        change_count: i.change_count,
        groups,
        classifications,
        unreadable,
    }
}

// ---- attestations ---------------------------------------------------------------------

/// One check made when an attestation was uploaded (`accord_attest::Check`).
#[derive(Debug, Deserialize, Serialize)]
pub struct StoredCheck {
    pub check: String,
    pub passed: bool,
    #[serde(default)]
    pub detail: String,
}

pub fn checks(verification: &str) -> Vec<StoredCheck> {
    serde_json::from_str(verification).unwrap_or_default()
}

/// Counts by key, in key order.
pub fn tally<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_model::assessment::{
        ClassificationResult, JurisdictionResult, PlannedControl, Summary,
    };

    fn obligation(id: &str, from: Option<&str>, status: Status) -> ObligationResult {
        ObligationResult {
            id: id.into(),
            title: format!("Title of {id}"),
            title_zh: Some(format!("{id} 的标题")),
            citation: "Art. 1".into(),
            status,
            applies_from: from.map(str::to_string),
            applies_until: None,
            controls: vec![],
            evidence: EvidenceStatus::Missing,
            binds: vec![],
            because: vec![],
            deadline: None,
            source: String::new(),
            verification: "verified".into(),
            findings: vec![],
            binding: true,
        }
    }

    fn assessment() -> Assessment {
        Assessment {
            accord: "assessment/v1".into(),
            as_of: "2026-06-01".into(),
            profile: accord_model::assessment::ProfileRef {
                name: "x".into(),
                version: None,
                digest: "sha256:0".into(),
                path: None,
            },
            rulepacks: vec![],
            jurisdictions: vec![
                JurisdictionResult {
                    jurisdiction: "EU".into(),
                    name: None,
                    classifications: vec![ClassificationResult {
                        id: "eu.high-risk".into(),
                        status: Status::Applies,
                        applies_from: None,
                        citation: "Art. 6".into(),
                        because: vec![],
                        rules: vec![],
                        title: "High-risk".into(),
                        title_zh: Some("高风险".into()),
                        effect: None,
                        source: String::new(),
                        verification: "verified".into(),
                    }],
                    obligations: vec![
                        obligation("eu/late", Some("2027-08-02"), Status::Upcoming),
                        obligation("eu/early", Some("2025-02-02"), Status::Applies),
                        obligation("eu/none", None, Status::Applies),
                        obligation("eu/na", Some("2025-01-01"), Status::NotApplicable),
                    ],
                    exemptions: vec![],
                    questions: vec![],
                },
                JurisdictionResult {
                    jurisdiction: "CN".into(),
                    name: None,
                    classifications: vec![],
                    obligations: vec![obligation("cn/label", Some("2025-09-01"), Status::Applies)],
                    exemptions: vec![],
                    questions: vec![],
                },
                JurisdictionResult {
                    jurisdiction: "KR".into(),
                    name: None,
                    classifications: vec![],
                    obligations: vec![],
                    exemptions: vec![],
                    questions: vec![],
                },
            ],
            controls: vec![PlannedControl {
                id: "transparency".into(),
                title: "Transparency".into(),
                title_zh: Some("透明度".into()),
                satisfies: vec!["eu/early".into()],
                contributes_to: vec!["cn/label".into()],
                jurisdictions: vec!["EU".into(), "CN".into()],
                evidence: EvidenceStatus::Missing,
                needed_from: Some("2025-02-02".into()),
            }],
            evidence: vec![],
            summary: Summary::default(),
        }
    }

    pub(crate) fn builtin_rules() -> RuleSet {
        let packs = accord_builtin::packs()
            .iter()
            .map(|p| accord_rules::load_pack(p).unwrap())
            .collect();
        let (path, text) = accord_builtin::catalogue();
        let catalogue = accord_rules::Catalogue::parse(text, path).unwrap();
        RuleSet::compile(packs, catalogue).unwrap()
    }

    fn today() -> Date {
        Date::new(2026, 6, 1).unwrap()
    }

    #[test]
    fn matrix_puts_each_obligation_under_its_jurisdiction() {
        let v = system_view(&assessment(), Lang::En, today());
        // KR serves no control: no column.
        assert_eq!(v.matrix.columns, ["EU", "CN"]);
        let row = &v.matrix.rows[0];
        assert_eq!(row.title.text, "Transparency");
        assert_eq!(row.title.alt.as_deref(), Some("透明度"));
        assert_eq!(
            row.cells[0],
            vec![Cell {
                id: "eu/early".into(),
                anchor: "ob-eu-early".into(),
                label: "early".into(),
                full: true
            }]
        );
        assert_eq!(row.cells[1].len(), 1);
        assert!(!row.cells[1][0].full, "contributes_to is partial");
    }

    #[test]
    fn timeline_is_sorted_with_today_between_past_and_future() {
        let v = system_view(&assessment(), Lang::En, today());
        let seen: Vec<(&str, Option<&str>)> = v
            .timeline
            .iter()
            .map(|i| (i.kind, i.date.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("obligation", Some("2025-02-02")),
                ("obligation", Some("2025-09-01")),
                ("today", Some("2026-06-01")),
                ("obligation", Some("2027-08-02")),
            ]
        );
        assert!(v.timeline[3].upcoming);
        assert!(!v.timeline[0].upcoming);
        // Not-applicable obligations are left out; undated ones listed apart.
        assert_eq!(v.undated.len(), 1);
        assert_eq!(v.undated[0].id, "eu/none");
        // Today after every date: the marker comes last.
        let later = Date::new(2030, 1, 1).unwrap();
        let v = system_view(&assessment(), Lang::En, later);
        assert_eq!(v.timeline.last().map(|i| i.kind), Some("today"));
    }

    #[test]
    fn an_obligation_under_two_jurisdictions_is_anchored_once() {
        let mut a = assessment();
        let shared = obligation("eu/early", Some("2025-02-02"), Status::Applies);
        a.jurisdictions[2].obligations.push(shared);
        let v = system_view(&a, Lang::En, today());
        let anchors: Vec<&str> = v
            .timeline
            .iter()
            .filter(|i| i.id == "eu/early")
            .map(|i| i.anchor.as_str())
            .collect();
        assert_eq!(anchors, ["ob-eu-early", ""]);
    }

    #[test]
    fn chinese_titles_lead_on_chinese_pages() {
        let v = system_view(&assessment(), Lang::Zh, today());
        assert_eq!(v.classifications[0].rows[0].title.text, "高风险");
        assert_eq!(v.classifications[0].rows[0].title.lang, "zh-Hans");
        assert_eq!(
            v.classifications[0].rows[0].title.alt.as_deref(),
            Some("High-risk")
        );
        let plain = bilingual(Lang::Zh, "Only English", None);
        assert_eq!(plain.lang, "en");
        assert_eq!(plain.alt, None);
    }

    #[test]
    fn impacts_read_back_what_the_server_wrote() {
        let changes = crate::engine::Changes {
            newly_applies: vec![crate::engine::ObligationChange {
                id: "eu/x".into(),
                jurisdiction: "EU".into(),
                title: "X".into(),
                citation: "Art. 2".into(),
                before: None,
                after: Some("applies".into()),
            }],
            no_longer_applies: vec![],
            moved: vec![],
            classifications: vec!["+eu.high-risk".into(), "-eu.limited".into()],
        };
        let impact = accord_store::Impact {
            id: 1,
            system_id: 2,
            system_name: "S".into(),
            from_digest: "sha256:a".into(),
            to_digest: "sha256:b".into(),
            changes: serde_json::to_string(&changes).unwrap(),
            change_count: 3,
            created_at: "2026-01-01T00:00:00Z".into(),
        };
        let rules = builtin_rules();
        let titles = Titles::new(&rules);
        let v = impact_view(&impact, Lang::En, &titles);
        assert!(!v.unreadable);
        assert_eq!(v.groups[0].kind, "newly_applies");
        assert_eq!(v.groups[0].items[0].after.as_deref(), Some("applies"));
        assert_eq!(v.classifications.len(), 2);
        assert_eq!(v.classifications[1].kind, "lost");
        assert_eq!(v.classifications[1].id, "eu.limited");
        // Several rules produce eu.high-risk: the title they share.
        assert_eq!(
            titles.classification(Lang::En, "eu.high-risk").text,
            "High-risk AI system"
        );
        // Nothing shared: the id.
        assert_eq!(
            titles.classification(Lang::En, "eu.prohibited").text,
            "eu.prohibited"
        );
        let broken = accord_store::Impact {
            changes: "not json".into(),
            ..impact
        };
        assert!(impact_view(&broken, Lang::En, &titles).unreadable);
    }
}
