//! The library the CLI uses, as the server calls it: profiles checked against
//! the fact registry, assessments identical to `accord assess --format json`,
//! and what a change of rulepacks changes for a system.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};

use accord_assess::{Assessor, Options, ProfileInput};
use accord_model::{Assessment, Diagnostic, Status};
use accord_rules::RuleSet;

/// The loaded rulepacks, and an id for the set.
pub struct Engine {
    pub rules: RuleSet,
    /// SHA-256 over every pack's id, version and digest: changes when any pack does.
    pub rules_digest: String,
    /// `[{id, version, digest}]` as JSON.
    pub rulepacks_json: String,
}

impl Engine {
    pub fn new(rules: RuleSet) -> Engine {
        let mut packs: Vec<(&str, &str, &str)> = rules
            .packs
            .iter()
            .map(|p| (p.id.as_str(), p.version.as_str(), p.digest.as_str()))
            .collect();
        packs.sort_unstable();
        let mut h = Sha256::new();
        for (id, version, digest) in &packs {
            h.update(format!("{id}@{version}={digest}\n").as_bytes());
        }
        let rules_digest = format!(
            "sha256:{}",
            h.finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let rulepacks_json = serde_json::Value::Array(
            packs
                .iter()
                .map(|(id, version, digest)| {
                    serde_json::json!({"id": id, "version": version, "digest": digest})
                })
                .collect(),
        )
        .to_string();
        Engine {
            rules,
            rules_digest,
            rulepacks_json,
        }
    }

    /// Checks a profile's text (JSON or YAML) against the fact registry.
    pub fn profile(&self, text: &str, name: &str) -> Result<ProfileInput, Vec<Diagnostic>> {
        let mut input = ProfileInput::parse(text, name, &self.rules)?;
        input.path = None;
        Ok(input)
    }

    pub fn assess(&self, profile: &ProfileInput, as_of: Date) -> Assessment {
        Assessor {
            rules: &self.rules,
            evidence: &[],
            options: Options {
                as_of,
                jurisdictions: Vec::new(),
            },
        }
        .assess(profile)
    }

    /// The classification ids that hold (applies or upcoming) in a jurisdiction.
    pub fn classifications_in(assessment: &Assessment, jurisdiction: &str) -> Vec<String> {
        assessment
            .jurisdictions
            .iter()
            .filter(|j| accord_model::markets::is_within(&j.jurisdiction, jurisdiction))
            .flat_map(|j| j.classifications.iter())
            .filter(|c| matches!(c.status, Status::Applies | Status::Upcoming))
            .map(|c| c.id.clone())
            .collect()
    }
}

pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// What a change of rulepacks changed for one system.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Changes {
    /// Obligations that apply or are upcoming now and did not before.
    pub newly_applies: Vec<ObligationChange>,
    /// Obligations that applied or were upcoming and no longer do.
    pub no_longer_applies: Vec<ObligationChange>,
    /// Obligations whose start date moved.
    pub moved: Vec<ObligationChange>,
    /// Classifications gained or lost: `+id` / `-id`.
    pub classifications: Vec<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ObligationChange {
    pub id: String,
    pub jurisdiction: String,
    pub title: String,
    pub citation: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Changes {
    pub fn count(&self) -> usize {
        self.newly_applies.len()
            + self.no_longer_applies.len()
            + self.moved.len()
            + self.classifications.len()
    }
}

fn holds(status: Status) -> bool {
    matches!(status, Status::Applies | Status::Upcoming)
}

/// Compares two assessments of the same profile under two rule sets.
pub fn diff(before: &Assessment, after: &Assessment) -> Changes {
    fn index(
        a: &Assessment,
    ) -> BTreeMap<&str, (&str, &accord_model::assessment::ObligationResult)> {
        a.jurisdictions
            .iter()
            .flat_map(|j| {
                j.obligations
                    .iter()
                    .map(move |o| (o.id.as_str(), (j.jurisdiction.as_str(), o)))
            })
            .collect()
    }
    let old = index(before);
    let new = index(after);
    let mut changes = Changes::default();
    let describe = |j: &str,
                    o: &accord_model::assessment::ObligationResult,
                    before: Option<String>,
                    after: Option<String>| ObligationChange {
        id: o.id.clone(),
        jurisdiction: j.to_string(),
        title: o.title.clone(),
        citation: o.citation.clone(),
        before,
        after,
    };
    for (id, (j, o)) in &new {
        let was = old.get(id).map(|(_, p)| *p);
        let now_holds = holds(o.status);
        let held = was.is_some_and(|p| holds(p.status));
        if now_holds && !held {
            changes.newly_applies.push(describe(
                j,
                o,
                was.map(|p| p.status.as_str().to_string()),
                Some(o.status.as_str().to_string()),
            ));
        } else if now_holds
            && held
            && let Some(p) = was
            && p.applies_from != o.applies_from
        {
            changes.moved.push(describe(
                j,
                o,
                p.applies_from.clone(),
                o.applies_from.clone(),
            ));
        }
    }
    for (id, (j, p)) in &old {
        if !holds(p.status) {
            continue;
        }
        let still = new.get(id).is_some_and(|(_, o)| holds(o.status));
        if !still {
            changes.no_longer_applies.push(describe(
                j,
                p,
                Some(p.status.as_str().to_string()),
                new.get(id).map(|(_, o)| o.status.as_str().to_string()),
            ));
        }
    }
    let classes = |a: &Assessment| -> std::collections::BTreeSet<String> {
        a.jurisdictions
            .iter()
            .flat_map(|j| j.classifications.iter())
            .filter(|c| holds(c.status))
            .map(|c| c.id.clone())
            .collect()
    };
    let (cb, ca) = (classes(before), classes(after));
    changes
        .classifications
        .extend(ca.difference(&cb).map(|c| format!("+{c}")));
    changes
        .classifications
        .extend(cb.difference(&ca).map(|c| format!("-{c}")));
    changes
}
