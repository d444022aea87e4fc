//! Every built-in rulepack's conformance cases, and the examples' expected outcomes.

use accord_assess::conformance::{self, Report};
use accord_rules::{Catalogue, RuleSet, load_pack};

fn rule_set() -> RuleSet {
    let (path, text) = accord_builtin::catalogue();
    let catalogue = Catalogue::parse(text, path).expect("catalogue parses");
    let packs = accord_builtin::packs()
        .iter()
        .map(|p| load_pack(p).expect("pack loads"))
        .collect();
    match RuleSet::compile(packs, catalogue) {
        Ok(rules) => rules,
        Err(problems) => panic!(
            "built-in packs do not compile:\n{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn resolve(path: &str) -> Result<String, String> {
    accord_builtin::file(path)
        .map(str::to_string)
        .ok_or_else(|| format!("`{path}` is not among the embedded files"))
}

fn describe(pack: &str, report: &Report) -> String {
    let mut out = String::new();
    for case in report.cases.iter().filter(|c| !c.passed()) {
        out.push_str(&format!(
            "{pack}: FAIL {} ({}:{})\n",
            case.name, case.file, case.line
        ));
        for f in &case.failures {
            out.push_str(&format!("    {f}\n"));
        }
    }
    for p in &report.problems {
        out.push_str(&format!("{pack}: {p}\n"));
    }
    out
}

#[test]
fn every_builtin_pack_passes_its_cases_with_full_coverage() {
    let rules = rule_set();
    let mut failures = String::new();
    let mut total = 0;
    for source in accord_builtin::packs() {
        let pack = rules
            .packs
            .iter()
            .find(|p| p.root == source.root)
            .expect("pack compiled");
        let tests: Vec<(String, String)> = source
            .files
            .iter()
            .filter(|f| f.relative.starts_with("tests/"))
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        let report = conformance::run_pack(&rules, &pack.id, &tests, &resolve);
        assert!(
            !report.cases.is_empty() || !report.problems.is_empty(),
            "{} ran no case",
            pack.id
        );
        total += report.cases.len();
        failures.push_str(&describe(&pack.id, &report));
    }
    assert!(failures.is_empty(), "conformance failures:\n{failures}");
    assert!(total >= 300, "only {total} conformance cases ran");
}

#[test]
fn every_contract_classification_is_produced_by_some_rule() {
    let rules = rule_set();
    let contract = [
        "eu.out-of-scope",
        "eu.prohibited",
        "eu.high-risk",
        "eu.high-risk-exempted",
        "eu.transparency",
        "eu.gpai",
        "eu.gpai-systemic-risk",
        "eu.minimal-risk",
        "cn.genai-service",
        "cn.algorithm-recommendation",
        "cn.deep-synthesis",
        "cn.filing-required",
        "cn.security-assessment-required",
        "cn.label-explicit-required",
        "cn.label-implicit-required",
        "cn.export-exempt",
        "cn.export-contract-or-certification",
        "cn.export-security-assessment",
        "us-nyc.aedt",
        "us-co.covered-admt",
        "us-il.employment-ai",
        "us-ca.frontier-developer",
        "us-ca.large-frontier-developer",
        "us-ca.genai-provider-sb942",
        "us-ca.companion-chatbot",
        "us-ny.frontier-developer",
        "us-ut.genai-disclosure",
        "us.adverse-impact-screen",
        "kr.high-impact",
        "kr.generative",
        "kr.high-performance",
        "kr.domestic-representative",
    ];
    let missing: Vec<&str> = contract
        .iter()
        .copied()
        .filter(|id| !rules.classification_producers.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "no rule produces {missing:?}");
}

#[test]
fn every_rule_cites_a_source_and_every_obligation_maps_to_controls() {
    let rules = rule_set();
    for rule in &rules.rules {
        assert!(
            rule.source.starts_with("https://") || rule.source.starts_with("http://"),
            "{} has no source link",
            rule.id
        );
        assert!(
            !rule.citation.trim().is_empty(),
            "{} has no citation",
            rule.id
        );
        if rule.kind == accord_rules::RuleKind::Obligation {
            assert!(!rule.controls.is_empty(), "{} maps to no control", rule.id);
        }
        if rule.jurisdiction == "CN" {
            assert!(
                rule.title_zh.is_some(),
                "{} (China) has no Chinese title",
                rule.id
            );
        }
    }
}

#[test]
fn examples_match_their_expected_outcomes() {
    let rules = rule_set();
    let tests: Vec<(String, String)> = accord_builtin::files()
        .iter()
        .filter(|(p, _)| p.starts_with("examples/tests/"))
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let examples = accord_builtin::files()
        .iter()
        .filter(|(p, _)| {
            // Profiles sit directly in examples/; sub-folders hold tests, data and agreements.
            p.strip_prefix("examples/")
                .is_some_and(|f| f.ends_with(".yaml") && !f.contains('/'))
        })
        .count();
    assert!(examples >= 8, "only {examples} example profiles");
    let report = conformance::run_pack(&rules, "examples", &tests, &resolve);
    let covered: std::collections::BTreeSet<&str> = tests
        .iter()
        .flat_map(|(_, t)| {
            t.lines()
                .filter_map(|l| l.trim().strip_prefix("profile: ../"))
        })
        .collect();
    assert!(
        covered.len() >= examples,
        "examples without an expected outcome: {examples} profiles, {} covered: {covered:?}",
        covered.len()
    );
    assert!(report.ok(), "{}", describe("examples", &report));
}
