//! Crosswalks: how two jurisdictions' obligations meet on shared controls, and
//! what evidence made for one is recognised by the other.
//!
//! Each obligation maps to controls with a NIST IR 8477 relation ("obligation
//! REL control"). Evidence for obligation A recognised for obligation B through
//! a shared control C composes the two relations:
//!
//! | A to C | B to C | A to B | recognised |
//! |---|---|---|---|
//! | equal | equal | equal | in full |
//! | equal or superset-of | equal or subset-of | superset-of | in full |
//! | equal or subset-of | equal or superset-of | subset-of | in part: supplement what B asks beyond C |
//! | otherwise | | intersects-with | in part |

use serde::Serialize;

use accord_model::{Relation, markets};
use accord_rules::{RuleKind, RuleSet};

#[derive(Clone, Debug, Serialize)]
pub struct Crosswalk {
    pub left: String,
    pub right: String,
    pub controls: Vec<ControlRow>,
    /// Recognition of the right side's obligations from evidence made for the left side.
    pub left_to_right: Vec<ObligationRecognition>,
    /// And the other way round.
    pub right_to_left: Vec<ObligationRecognition>,
    pub summary: CrosswalkSummary,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrosswalkSummary {
    pub left_obligations: usize,
    pub right_obligations: usize,
    pub shared_controls: usize,
    pub right_recognised_in_full: usize,
    pub right_recognised_in_part: usize,
    pub right_not_covered: usize,
    pub left_recognised_in_full: usize,
    pub left_recognised_in_part: usize,
    pub left_not_covered: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlRow {
    pub control: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub left: Vec<Mapping>,
    pub right: Vec<Mapping>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Mapping {
    pub obligation: String,
    pub jurisdiction: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub citation: String,
    pub relation: Relation,
    pub rationale: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recognition {
    Full,
    Partial,
    NotCovered,
}

#[derive(Clone, Debug, Serialize)]
pub struct ObligationRecognition {
    /// The obligation to be met.
    pub obligation: String,
    pub jurisdiction: String,
    pub title: String,
    pub citation: String,
    pub recognition: Recognition,
    /// The other side's obligations whose evidence counts, and how.
    pub via: Vec<Via>,
    /// What must still be supplied when recognition is partial.
    pub supplement: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Via {
    pub obligation: String,
    pub control: String,
    /// The relation of the evidence's obligation to the obligation to be met.
    pub relation: Relation,
    pub recognition: Recognition,
}

/// Composes "A REL C" and "B REL C" into "A REL B" and whether evidence for A meets B.
pub fn compose(a: Relation, b: Relation) -> (Relation, Recognition) {
    use Relation::*;
    let a_covers_control = matches!(a, Equal | SupersetOf);
    let control_covers_b = matches!(b, Equal | SubsetOf);
    match (a, b) {
        (Equal, Equal) => (Equal, Recognition::Full),
        _ if a_covers_control && control_covers_b => (SupersetOf, Recognition::Full),
        _ if matches!(a, Equal | SubsetOf) && matches!(b, Equal | SupersetOf) => {
            (SubsetOf, Recognition::Partial)
        }
        _ => (IntersectsWith, Recognition::Partial),
    }
}

fn obligations_in<'a>(rules: &'a RuleSet, jurisdiction: &str) -> Vec<&'a accord_rules::Rule> {
    rules
        .rules
        .iter()
        .filter(|r| {
            r.kind == RuleKind::Obligation && markets::is_within(&r.jurisdiction, jurisdiction)
        })
        .collect()
}

fn mapping(rule: &accord_rules::Rule, control: &str) -> Option<Mapping> {
    let m = rule.controls.iter().find(|m| m.id == control)?;
    Some(Mapping {
        obligation: rule.id.clone(),
        jurisdiction: rule.jurisdiction.clone(),
        title: rule.title.clone(),
        title_zh: rule.title_zh.clone(),
        citation: rule.citation.clone(),
        relation: m.relation,
        rationale: m.rationale.clone(),
    })
}

fn recognise(
    targets: &[&accord_rules::Rule],
    sources: &[&accord_rules::Rule],
) -> Vec<ObligationRecognition> {
    targets
        .iter()
        .map(|b| {
            let mut via = Vec::new();
            let mut supplement = Vec::new();
            for mb in &b.controls {
                for a in sources {
                    if let Some(ma) = a.controls.iter().find(|m| m.id == mb.id) {
                        let (relation, recognition) = compose(ma.relation, mb.relation);
                        via.push(Via {
                            obligation: a.id.clone(),
                            control: mb.id.clone(),
                            relation,
                            recognition,
                        });
                    }
                }
            }
            let full_controls: Vec<&str> = via
                .iter()
                .filter(|v| v.recognition == Recognition::Full)
                .map(|v| v.control.as_str())
                .collect();
            // Full when some control covering B is fully evidenced, or all of B's controls are.
            let covered = b
                .controls
                .iter()
                .any(|m| m.relation.covers() && full_controls.contains(&m.id.as_str()))
                || b.controls
                    .iter()
                    .all(|m| full_controls.contains(&m.id.as_str()));
            let recognition = if via.is_empty() {
                Recognition::NotCovered
            } else if covered {
                Recognition::Full
            } else {
                Recognition::Partial
            };
            if recognition != Recognition::Full {
                for m in &b.controls {
                    if !full_controls.contains(&m.id.as_str()) {
                        supplement.push(format!("{}: {}", m.id, m.rationale));
                    }
                }
            }
            via.sort_by(|x, y| {
                x.recognition
                    .cmp(&y.recognition)
                    .then(x.obligation.cmp(&y.obligation))
            });
            ObligationRecognition {
                obligation: b.id.clone(),
                jurisdiction: b.jurisdiction.clone(),
                title: b.title.clone(),
                citation: b.citation.clone(),
                recognition,
                via,
                supplement,
            }
        })
        .collect()
}

/// Compares the obligations of two jurisdictions (each including its subdivisions).
pub fn crosswalk(rules: &RuleSet, left: &str, right: &str) -> Crosswalk {
    let left_rules = obligations_in(rules, left);
    let right_rules = obligations_in(rules, right);
    let mut controls = Vec::new();
    for control in &rules.catalogue.controls {
        let l: Vec<Mapping> = left_rules
            .iter()
            .filter_map(|r| mapping(r, &control.id))
            .collect();
        let r: Vec<Mapping> = right_rules
            .iter()
            .filter_map(|r| mapping(r, &control.id))
            .collect();
        if l.is_empty() && r.is_empty() {
            continue;
        }
        controls.push(ControlRow {
            control: control.id.clone(),
            title: control.title.clone(),
            title_zh: control.title_zh.clone(),
            left: l,
            right: r,
        });
    }
    let left_to_right = recognise(&right_rules, &left_rules);
    let right_to_left = recognise(&left_rules, &right_rules);
    let count = |list: &[ObligationRecognition], r: Recognition| {
        list.iter().filter(|o| o.recognition == r).count()
    };
    let summary = CrosswalkSummary {
        left_obligations: left_rules.len(),
        right_obligations: right_rules.len(),
        shared_controls: controls
            .iter()
            .filter(|c| !c.left.is_empty() && !c.right.is_empty())
            .count(),
        right_recognised_in_full: count(&left_to_right, Recognition::Full),
        right_recognised_in_part: count(&left_to_right, Recognition::Partial),
        right_not_covered: count(&left_to_right, Recognition::NotCovered),
        left_recognised_in_full: count(&right_to_left, Recognition::Full),
        left_recognised_in_part: count(&right_to_left, Recognition::Partial),
        left_not_covered: count(&right_to_left, Recognition::NotCovered),
    };
    Crosswalk {
        left: left.to_string(),
        right: right.to_string(),
        controls,
        left_to_right,
        right_to_left,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Relation::*;

    #[test]
    fn composition_table() {
        assert_eq!(compose(Equal, Equal), (Equal, Recognition::Full));
        assert_eq!(
            compose(SupersetOf, SubsetOf),
            (SupersetOf, Recognition::Full)
        );
        assert_eq!(compose(Equal, SubsetOf), (SupersetOf, Recognition::Full));
        assert_eq!(
            compose(SubsetOf, SupersetOf),
            (SubsetOf, Recognition::Partial)
        );
        assert_eq!(compose(Equal, SupersetOf), (SubsetOf, Recognition::Partial));
        assert_eq!(
            compose(SubsetOf, SubsetOf),
            (IntersectsWith, Recognition::Partial)
        );
        assert_eq!(
            compose(IntersectsWith, Equal),
            (IntersectsWith, Recognition::Partial)
        );
    }
}
