//! Assessments per second with every built-in rulepack, on one core.
//!
//! Generates N valid profiles deterministically (a xorshift generator, fixed
//! seed), then measures in one run:
//!
//! 1. engine: assess already-parsed profiles (the target: ≥ 20,000/s);
//! 2. parse + assess: from profile text (JSON) to an `Assessment`;
//! 3. JSON lines: parse + assess + serialise one line per profile.
//!
//! The answer is checked: for every profile, the China export classification
//! and the California SB 53 classifications are recomputed by a direct
//! predicate written here from the statute's thresholds, and any disagreement
//! fails the run. Usage: `assess-throughput [N]` (default 100000), release build.

use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use accord_assess::{Assessor, Options, ProfileInput};
use accord_model::Status;

// The same allocator as the `accord` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use accord_bench::Rng;

/// A known bool most of the time, unknown (null) sometimes.
fn tri(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => Value::Null,
        1..=5 => Value::Bool(false),
        _ => Value::Bool(true),
    }
}

const MARKETS: &[&str] = &[
    "EU",
    "DE",
    "FR",
    "CN",
    "US",
    "US-CA",
    "US-NY",
    "US-NY-NYC",
    "US-CO",
    "US-IL",
    "US-TX",
    "US-UT",
    "KR",
    "JP",
    "GB",
];
const PURPOSES: &[&str] = &[
    "employment.recruitment",
    "employment.management",
    "essential-services.credit-scoring",
    "essential-services.insurance-pricing",
    "education.admission",
    "biometric.remote-identification",
    "biometric.emotion-recognition",
    "content.recommendation",
    "content.generation",
    "content.face-swap",
    "chat.general",
    "chat.customer-service",
    "chat.companion",
    "gig.dispatch",
    "healthcare",
    "housing",
    "law-enforcement",
    "social-scoring",
    "product.safety-component",
    "justice",
];
const ROLES: &[&str] = &[
    "provider",
    "deployer",
    "importer",
    "distributor",
    "platform",
];
const GENERATES: &[&str] = &["text", "image", "audio", "video", "code"];
const CONTEXTS: &[&str] = &[
    "workplace",
    "education",
    "public-space",
    "consumer",
    "internal",
];
const DECISION: &[&str] = &[
    "none",
    "preparatory",
    "assists",
    "substantially-assists",
    "materially-influences",
    "decides",
];
const ALGORITHMS: &[&str] = &[
    "generation-synthesis",
    "personalised-push",
    "ranking-selection",
    "search-filtering",
    "dispatch-decision",
];

fn profile(rng: &mut Rng, i: usize) -> Value {
    let flop = [1e18, 5e22, 3e25, 1e26, 2e26][rng.below(5) as usize];
    let individuals = [
        0.0,
        50_000.0,
        99_999.0,
        100_000.0,
        500_000.0,
        999_999.0,
        1_000_000.0,
        3_000_000.0,
    ][rng.below(8) as usize];
    let sensitive = [0.0, 0.0, 1.0, 9_999.0, 10_000.0][rng.below(5) as usize];
    let individuals = if individuals + sensitive == 0.0 {
        10.0
    } else {
        individuals
    };
    let revenue = [1e6, 4e8, 5e8, 6e8, 3e9][rng.below(5) as usize];
    let users = [500.0, 1e6, 1_000_001.0, 5e7][rng.below(4) as usize];
    json!({
        "accord": "profile/v1",
        "name": format!("System {i}"),
        "operator": {
            "roles": rng.subset(ROLES, 2),
            "established_in": rng.pick(&["US-CA", "CN", "DE", "GB", "KR"]),
            "annual_revenue_usd": revenue,
            "public_body": tri(rng),
            "financial_institution": tri(rng),
            "critical_information_infrastructure": false
        },
        "markets": rng.subset(MARKETS, 4),
        "ai_system": if rng.chance(95) { Value::Bool(true) } else { Value::Bool(false) },
        "purposes": rng.subset(PURPOSES, 2),
        "contexts": rng.subset(CONTEXTS, 2),
        "interacts_with_people": tri(rng),
        "generates": if rng.chance(50) { json!([]) } else { json!(rng.subset(GENERATES, 3)) },
        "deepfake": tri(rng),
        "biometrics": [],
        "profiling": tri(rng),
        "decision_role": if rng.chance(10) { Value::Null } else { json!(rng.pick(DECISION)) },
        "minors": tri(rng),
        "monthly_users": users,
        "model": {"general_purpose": rng.chance(40), "training_compute_flop": flop, "open_weights": tri(rng)},
        "china": {"public_service": tri(rng), "public_opinion_attributes": tri(rng), "algorithm_types": rng.subset(ALGORITHMS, 2)},
        "personal_data": {
            "processed": true, "sensitive": tri(rng), "important_data": false,
            "exports": [{"from": "CN", "to": "US", "individuals": individuals, "sensitive_individuals": sensitive}]
        },
        "placed_on_market": format!("20{}-0{}-1{}", 22 + rng.below(5), 1 + rng.below(9), rng.below(10)),
        "exclusions": []
    })
}

fn classification(a: &accord_model::Assessment, id: &str) -> Status {
    a.jurisdictions
        .iter()
        .flat_map(|j| &j.classifications)
        .find(|c| c.id == id)
        .map(|c| c.status)
        .unwrap_or(Status::NotApplicable)
}

fn has(list: &Value, item: &str) -> bool {
    list.as_array().is_some_and(|l| l.iter().any(|v| v == item))
}

/// The oracle: what the statutes' thresholds say, computed directly.
fn check(p: &Value, a: &accord_model::Assessment) -> anyhow::Result<()> {
    let markets = &p["markets"];
    if has(markets, "CN") {
        let n = p["personal_data"]["exports"][0]["individuals"]
            .as_f64()
            .unwrap_or(0.0);
        let s = p["personal_data"]["exports"][0]["sensitive_individuals"]
            .as_f64()
            .unwrap_or(0.0);
        let expected = if n >= 1_000_000.0 || s >= 10_000.0 {
            "cn.export-security-assessment"
        } else if n >= 100_000.0 || s >= 1.0 {
            "cn.export-contract-or-certification"
        } else {
            "cn.export-exempt"
        };
        for id in [
            "cn.export-exempt",
            "cn.export-contract-or-certification",
            "cn.export-security-assessment",
        ] {
            let holds = matches!(classification(a, id), Status::Applies | Status::Upcoming);
            if holds != (id == expected) {
                bail!(
                    "{}: {id} is {:?}, expected {expected} (n = {n}, s = {s})",
                    p["name"],
                    classification(a, id)
                );
            }
        }
    }
    if has(markets, "US-CA") {
        let frontier = p["model"]["training_compute_flop"].as_f64().unwrap_or(0.0) > 1e26
            && p["model"]["general_purpose"] == true
            && has(&p["operator"]["roles"], "provider");
        let large = frontier && p["operator"]["annual_revenue_usd"].as_f64().unwrap_or(0.0) > 5e8;
        for (id, want) in [
            ("us-ca.frontier-developer", frontier),
            ("us-ca.large-frontier-developer", large),
        ] {
            if (classification(a, id) == Status::Applies) != want {
                bail!(
                    "{}: {id} is {:?}, expected {}",
                    p["name"],
                    classification(a, id),
                    if want { "applies" } else { "not applicable" }
                );
            }
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()
        .context("N must be a number")?
        .unwrap_or(100_000);
    let rules = accord_bench::builtin_rules()?;
    let as_of = jiff::civil::date(2026, 11, 28);
    let assessor = Assessor {
        rules: &rules,
        evidence: &[],
        options: Options {
            as_of,
            jurisdictions: Vec::new(),
        },
    };

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let values: Vec<Value> = (0..n).map(|i| profile(&mut rng, i)).collect();
    let texts: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).expect("serialise"))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let inputs: Vec<ProfileInput> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            ProfileInput::parse(t, &format!("generated-{i}.json"), &rules)
                .map_err(|d| anyhow::anyhow!("generated profile {i} invalid: {d:?}"))
        })
        .collect::<anyhow::Result<_>>()?;

    // 1. Engine only.
    let start = Instant::now();
    let mut applicable = 0usize;
    for (value, input) in values.iter().zip(&inputs) {
        let a = assessor.assess(input);
        applicable += a.summary.obligations_applicable;
        check(value, &a)?;
    }
    let engine = start.elapsed().as_secs_f64();

    if std::env::var_os("ACCORD_BENCH_ENGINE_ONLY").is_some() {
        println!(
            "engine (parsed profiles -> assessment): {:>9.0} assessments/s  ({:.2} s)",
            n as f64 / engine,
            engine
        );
        return Ok(());
    }

    // 2. Parse + assess.
    let start = Instant::now();
    let mut applicable2 = 0usize;
    for (i, t) in texts.iter().enumerate() {
        let input = ProfileInput::parse(t, &format!("generated-{i}.json"), &rules)
            .map_err(|d| anyhow::anyhow!("{d:?}"))?;
        applicable2 += assessor.assess(&input).summary.obligations_applicable;
    }
    let parsed = start.elapsed().as_secs_f64();

    // 3. JSON lines out.
    let start = Instant::now();
    let mut out_bytes = 0usize;
    let mut line = Vec::with_capacity(64 * 1024);
    for (i, t) in texts.iter().enumerate() {
        let input = ProfileInput::parse(t, &format!("generated-{i}.json"), &rules)
            .map_err(|d| anyhow::anyhow!("{d:?}"))?;
        line.clear();
        serde_json::to_writer(&mut line, &assessor.assess(&input))?;
        line.push(b'\n');
        out_bytes += line.len();
    }
    let jsonl = start.elapsed().as_secs_f64();
    if applicable != applicable2 {
        bail!("the two passes disagree: {applicable} vs {applicable2} applicable obligations");
    }

    println!(
        "profiles: {n} ({:.1} MB of JSON), rules: {} in {} packs, as of {as_of}",
        bytes as f64 / 1e6,
        rules.rules.len(),
        rules.packs.len()
    );
    println!(
        "checked: China export route and California SB 53 classes agree with the direct threshold predicates for all {n} profiles"
    );
    println!(
        "applicable obligations found: {applicable} (mean {:.1} per profile)",
        applicable as f64 / n as f64
    );
    println!(
        "engine (parsed profiles -> assessment):  {:>9.0} assessments/s  ({:.2} s)",
        n as f64 / engine,
        engine
    );
    println!(
        "parse + assess (JSON text -> assessment): {:>9.0} assessments/s  ({:.2} s)",
        n as f64 / parsed,
        parsed
    );
    println!(
        "JSON lines (text -> assessment -> line):  {:>9.0} assessments/s  ({:.2} s, {:.1} MB out)",
        n as f64 / jsonl,
        jsonl,
        out_bytes as f64 / 1e6
    );
    Ok(())
}
