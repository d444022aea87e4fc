//! Law-change impact: when the loaded rulepacks differ from those the
//! registry last ran with, every stored system is re-assessed and what
//! newly applies, no longer applies and moved dates is recorded per system.

use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::engine;
use crate::error::ApiError;

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ReassessSummary {
    /// The rule set the registry ran with before, if any.
    pub from: Option<String>,
    pub to: String,
    pub systems: usize,
    /// Systems for which something changed.
    pub changed: usize,
    /// Systems without an earlier assessment to compare with.
    pub without_baseline: usize,
}

/// Re-assesses every system if the rule set changed (or always, with `force`).
pub async fn reassess(state: &AppState, force: bool) -> Result<ReassessSummary, ApiError> {
    let engine = &state.engine;
    let last = state.store.last_rule_load().await?;
    let from = last.as_ref().map(|(digest, _)| digest.clone());
    let mut summary = ReassessSummary {
        from: from.clone(),
        to: engine.rules_digest.clone(),
        ..ReassessSummary::default()
    };
    if from.as_deref() == Some(engine.rules_digest.as_str()) && !force {
        return Ok(summary);
    }
    for (system_id, version) in state.store.all_latest_profiles().await? {
        summary.systems += 1;
        let Some(profile) = state.store.profile(system_id, version).await? else {
            continue;
        };
        let Ok(input) = engine.profile(&profile.document, "stored profile") else {
            // A profile the new packs cannot read (a fact a removed pack declared).
            summary.without_baseline += 1;
            continue;
        };
        let previous = state.store.latest_assessment(system_id, version).await?;
        let baseline = previous
            .as_ref()
            .filter(|p| p.rules_digest != engine.rules_digest)
            .and_then(|p| {
                serde_json::from_str::<accord_model::Assessment>(&p.result)
                    .ok()
                    .map(|a| (p.rules_digest.clone(), p.as_of.clone(), a))
            });
        let as_of = baseline
            .as_ref()
            .and_then(|(_, d, _)| accord_model::facts::parse_date(d).ok())
            .unwrap_or_else(engine::today);
        let assessment = engine.assess(&input, as_of);
        crate::api::save_assessment(state, system_id, version, as_of, &assessment).await?;
        let Some((from_digest, _, before)) = baseline else {
            summary.without_baseline += 1;
            continue;
        };
        let changes = engine::diff(&before, &assessment);
        let count = changes.count();
        if count > 0 {
            summary.changed += 1;
        }
        let changes_json =
            serde_json::to_string(&changes).map_err(|e| ApiError::invalid(e.to_string()))?;
        state
            .store
            .record_impact(&accord_store::NewImpact {
                system_id,
                from_digest: &from_digest,
                to_digest: &engine.rules_digest,
                changes: &changes_json,
                change_count: i64::try_from(count).unwrap_or(i64::MAX),
            })
            .await?;
    }
    state
        .store
        .record_rule_load(&engine.rules_digest, &engine.rulepacks_json)
        .await?;
    // Register entries show classifications from the latest assessment.
    if let Ok(mut cache) = state.register_cache.lock() {
        cache.clear();
    }
    if let Ok(mut pages) = state.register_pages.lock() {
        pages.clear();
    }
    Ok(summary)
}
