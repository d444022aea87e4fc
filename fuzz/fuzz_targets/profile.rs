//! Any bytes as a profile: parse, check against every built-in pack's facts,
//! and, when valid, assess. Nothing may panic.
#![no_main]

use std::sync::LazyLock;

use accord_assess::{Assessor, Options, ProfileInput};
use accord_rules::{Catalogue, RuleSet, load_pack};
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| {
    let (path, text) = accord_builtin::catalogue();
    let catalogue = Catalogue::parse(text, path).expect("built-in catalogue");
    let packs = accord_builtin::packs().iter().map(|p| load_pack(p).expect("built-in pack")).collect();
    RuleSet::compile(packs, catalogue).expect("built-in packs compile")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match ProfileInput::parse(text, "fuzz.yaml", &RULES) {
        Ok(input) => {
            let assessor = Assessor { rules: &RULES, evidence: &[], options: Options { as_of: jiff::civil::date(2027, 12, 2), jurisdictions: Vec::new() } };
            let _ = assessor.assess(&input);
        }
        Err(problems) => {
            // Every problem must render (locations resolved lazily) without panicking.
            for p in problems {
                let _ = p.to_string();
            }
        }
    }
});
