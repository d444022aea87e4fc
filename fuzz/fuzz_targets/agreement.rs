//! Any UTF-8 text as a recognition agreement (`agreement/v1`), checked
//! against the built-in control catalogue and the evidence kinds. Nothing may
//! panic; every problem must render; an accepted agreement's lookups work.
#![no_main]

use std::sync::LazyLock;

use accord_attest::agreement::Agreement;
use accord_rules::Catalogue;
use libfuzzer_sys::fuzz_target;

static CONTROLS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let (path, text) = accord_builtin::catalogue();
    let catalogue = Catalogue::parse(text, path).expect("built-in catalogue");
    catalogue.controls.into_iter().map(|c| c.id).collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let controls: Vec<&str> = CONTROLS.iter().map(String::as_str).collect();
    match Agreement::parse(
        text,
        "agreement.yaml",
        &controls,
        accord_rules::pack::EVIDENCE_KINDS,
    ) {
        Ok(agreement) => {
            assert!(agreement.valid_from <= agreement.valid_until);
            assert!(!agreement.file.issuers.is_empty());
            for key in agreement.keys() {
                let (issuer, _) = agreement
                    .issuer_of(key.id())
                    .expect("every listed key has an issuer");
                let _ = agreement.revocation(key.id());
                for j in ["EU", "DE", "CN", "US-NY-NYC"] {
                    let _ = issuer.scope.allows_jurisdiction(j);
                }
                let _ = issuer.scope.allows_control("bias-testing");
                let _ = issuer.scope.allows_evidence_kind("document");
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "refused without saying why");
            for p in problems {
                let _ = p.to_string();
            }
        }
    }
});
