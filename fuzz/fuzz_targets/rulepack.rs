//! Any bytes as a rule file next to a fixed pack.yaml, compiled with the
//! built-in packs; when it compiles, evaluated against an example profile.
#![no_main]

use accord_assess::{Assessor, Options, ProfileInput};
use accord_rules::{Catalogue, PackSource, RuleSet, SourceFile, load_pack};
use libfuzzer_sys::fuzz_target;

const MANIFEST: &str = "accord: rulepack/v1\nid: fuzz\nversion: 1.0.0\njurisdiction: EU\ntitle: Fuzz\nfacts:\n  - {id: fuzz.flag, type: bool, question: Flag?}\ninstruments:\n  - {id: i, title: I, status: guidance, source: https://example.org}\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = PackSource {
        root: "fuzz".into(),
        builtin: false,
        files: vec![
            SourceFile { path: "fuzz/pack.yaml".into(), relative: "pack.yaml".into(), text: MANIFEST.into() },
            SourceFile { path: "fuzz/rules/a.yaml".into(), relative: "rules/a.yaml".into(), text: text.into() },
        ],
    };
    let Ok(pack) = load_pack(&source) else { return };
    let (path, catalogue_text) = accord_builtin::catalogue();
    let Ok(catalogue) = Catalogue::parse(catalogue_text, path) else { return };
    let mut packs: Vec<_> = accord_builtin::packs().iter().filter(|p| p.root.ends_with("eu-ai-act")).filter_map(|p| load_pack(p).ok()).collect();
    packs.push(pack);
    match RuleSet::compile(packs, catalogue) {
        Ok(rules) => {
            let profile = accord_builtin::file("examples/cv-screening.yaml").unwrap_or_default();
            if let Ok(input) = ProfileInput::parse(profile, "cv.yaml", &rules) {
                let assessor = Assessor { rules: &rules, evidence: &[], options: Options { as_of: jiff::civil::date(2027, 12, 2), jurisdictions: Vec::new() } };
                let _ = assessor.assess(&input);
            }
        }
        Err(problems) => {
            for p in problems {
                let _ = p.to_string();
            }
        }
    }
});
