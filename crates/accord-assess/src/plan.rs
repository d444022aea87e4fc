//! The consolidated control plan: the fewest shared controls that cover every
//! applicable or upcoming obligation.
//!
//! An obligation is covered by one control whose relation is `equal` or
//! `subset-of` (the control does all the obligation asks), or — when it has no
//! such control — by all of its partial controls together. Partial controls of
//! such obligations are needed anyway; what remains is a minimum hitting set
//! over the full-cover alternatives, solved exactly for the sizes rulepacks
//! produce and greedily beyond that.

use std::collections::{BTreeSet, HashMap};

use accord_model::Status;
use accord_model::assessment::{JurisdictionResult, PlannedControl};
use accord_rules::RuleSet;

use crate::evidence::{Judgement, LoadedEvidence, control_status};

/// Exact search is used up to this many candidate controls.
const EXACT_LIMIT: usize = 22;

struct Need<'a> {
    id: &'a str,
    jurisdiction: &'a str,
    from: Option<&'a str>,
    full: Vec<&'a str>,
    partial: Vec<&'a str>,
}

pub fn plan(
    rules: &RuleSet,
    jurisdictions: &[JurisdictionResult],
    evidence: &[&LoadedEvidence],
    judgements: &HashMap<String, Judgement>,
) -> Vec<PlannedControl> {
    let mut needs = Vec::new();
    for j in jurisdictions {
        for o in &j.obligations {
            if !matches!(o.status, Status::Applies | Status::Upcoming) {
                continue;
            }
            let Some(rule) = rules.rule(&o.id) else {
                continue;
            };
            let full = rule
                .controls
                .iter()
                .filter(|m| m.relation.covers())
                .map(|m| m.id.as_str())
                .collect();
            let partial = rule
                .controls
                .iter()
                .filter(|m| !m.relation.covers())
                .map(|m| m.id.as_str())
                .collect();
            needs.push(Need {
                id: &o.id,
                jurisdiction: &j.jurisdiction,
                from: o.applies_from.as_deref(),
                full,
                partial,
            });
        }
    }
    let mut chosen: BTreeSet<&str> = BTreeSet::new();
    for need in needs.iter().filter(|n| n.full.is_empty()) {
        chosen.extend(need.partial.iter().copied());
    }
    let uncovered: Vec<&Need> = needs
        .iter()
        .filter(|n| !n.full.is_empty() && !n.full.iter().any(|c| chosen.contains(c)))
        .collect();
    let sets: Vec<Vec<&str>> = uncovered.iter().map(|n| n.full.clone()).collect();
    chosen.extend(hitting_set(&sets));

    let mut out: Vec<PlannedControl> = chosen
        .iter()
        .map(|&control| {
            let satisfies: Vec<&Need> =
                needs.iter().filter(|n| n.full.contains(&control)).collect();
            let contributes: Vec<&Need> = needs
                .iter()
                .filter(|n| n.partial.contains(&control))
                .collect();
            let mut jurisdictions: Vec<String> = Vec::new();
            for n in satisfies.iter().chain(&contributes) {
                if !jurisdictions.iter().any(|j| j == n.jurisdiction) {
                    jurisdictions.push(n.jurisdiction.to_string());
                }
            }
            let needed_from = satisfies
                .iter()
                .chain(&contributes)
                .filter_map(|n| n.from)
                .min()
                .map(str::to_string);
            let def = rules.catalogue.get(control);
            PlannedControl {
                id: control.to_string(),
                title: def.map(|d| d.title.clone()).unwrap_or_default(),
                title_zh: def.and_then(|d| d.title_zh.clone()),
                satisfies: satisfies.iter().map(|n| n.id.to_string()).collect(),
                contributes_to: contributes.iter().map(|n| n.id.to_string()).collect(),
                jurisdictions,
                evidence: {
                    let served: Vec<&Judgement> = satisfies
                        .iter()
                        .chain(&contributes)
                        .filter_map(|n| judgements.get(n.id))
                        .collect();
                    control_status(control, evidence, &served)
                },
                needed_from,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.satisfies.len() + b.contributes_to.len())
            .cmp(&(a.satisfies.len() + a.contributes_to.len()))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// A smallest set of controls that meets every set (exact when small, greedy otherwise).
fn hitting_set<'a>(sets: &[Vec<&'a str>]) -> Vec<&'a str> {
    if sets.is_empty() {
        return Vec::new();
    }
    let mut candidates: Vec<&str> = sets.iter().flatten().copied().collect();
    candidates.sort_unstable();
    candidates.dedup();
    let index: HashMap<&str, usize> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i))
        .collect();
    if candidates.len() <= EXACT_LIMIT {
        let masks: Vec<u64> = sets
            .iter()
            .map(|s| s.iter().fold(0u64, |m, c| m | (1 << index[c])))
            .collect();
        // Iterative deepening over subset sizes; the first hit is minimal.
        for size in 1..=candidates.len() {
            if let Some(mask) = search(&masks, candidates.len(), size, 0) {
                return (0..candidates.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| candidates[i])
                    .collect();
            }
        }
    }
    // Greedy: repeatedly take the control that meets the most unmet sets.
    let mut unmet: Vec<&Vec<&str>> = sets.iter().collect();
    let mut picked = Vec::new();
    while !unmet.is_empty() {
        let best = candidates.iter().copied().max_by_key(|c| {
            (
                unmet.iter().filter(|s| s.contains(c)).count(),
                std::cmp::Reverse(*c),
            )
        });
        let Some(best) = best else { break };
        unmet.retain(|s| !s.contains(&best));
        picked.push(best);
    }
    picked
}

fn search(masks: &[u64], n: usize, size: usize, chosen: u64) -> Option<u64> {
    if size == 0 {
        return masks.iter().all(|m| m & chosen != 0).then_some(chosen);
    }
    // The first unmet set must be met by one of its own members: branch on those only.
    let unmet = masks.iter().find(|m| *m & chosen == 0)?;
    for i in 0..n {
        if unmet & (1 << i) != 0
            && let Some(found) = search(masks, n, size - 1, chosen | (1 << i))
        {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::hitting_set;

    #[test]
    fn finds_the_minimum() {
        // a alone meets the first two sets, c the third: {a, c}, not the greedy-looking {b, ...}.
        let sets = vec![
            vec!["a", "b"],
            vec!["a", "c"],
            vec!["c", "d"],
            vec!["b", "d"],
        ];
        let mut got = hitting_set(&sets);
        got.sort_unstable();
        assert_eq!(got.len(), 2);
        for set in &sets {
            assert!(
                set.iter().any(|c| got.contains(c)),
                "{set:?} unmet by {got:?}"
            );
        }
        assert!(hitting_set(&[]).is_empty());
    }
}
