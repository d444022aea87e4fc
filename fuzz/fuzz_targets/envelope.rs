//! Any bytes as a DSSE envelope: parsed, then verified with a fixed key and
//! under a fixed agreement holding that key. Nothing may panic, and what is
//! accepted must be consistent:
//!
//! - verify accepts only what `Envelope::parse` accepts, returns exactly the
//!   parsed payload, and every signature on it verifies with the key over
//!   the PAE of the payload type and those bytes;
//! - a parsed envelope re-serialised parses back to the same envelope, and an
//!   accepted one is accepted again after that round trip;
//! - acceptance under the agreement implies acceptance with the bare key
//!   (the agreement only adds conditions).
//!
//! A fixed key can only accept what the fuzzer leaves signed, so the
//! statement checks behind the signature would hardly be reached. The input
//! is therefore also taken as a statement: signed with the key's private half
//! and verified. Then no envelope or signature check may fail, and an
//! accepted statement is exactly the input bytes. Seeds of both kinds are in
//! `seeds/envelope` (`*.json` envelopes, `statement-*.json` payloads).
#![no_main]

use std::sync::LazyLock;

use accord_attest::agreement::Agreement;
use accord_attest::dsse::Envelope;
use accord_attest::keys::{PublicKey, SecretKey};
use accord_attest::sign_payload;
use accord_attest::verify::{Request, Trust, verify};
use libfuzzer_sys::fuzz_target;

/// The key the seeds are signed with (fuzz/seeds/envelope).
static SECRET: LazyLock<SecretKey> = LazyLock::new(|| SecretKey::from_seed(&[0x5a; 32]));
static KEY: LazyLock<PublicKey> = LazyLock::new(|| SECRET.public());

/// Rejection codes only the checks before the statement is read give
/// (`too-large` and `too-deep` are left out: the statement check uses
/// `too-deep` too, and fuzz inputs are far below the size limit).
const ENVELOPE_AND_SIGNATURE_CODES: &[&str] = &[
    "malformed-envelope",
    "payload-encoding",
    "signature-encoding",
    "payload-type",
    "no-signature",
    "too-many-signatures",
    "duplicate-signature",
    "key-id-mismatch",
    "untrusted-issuer",
    "bad-signature",
    "extra-signature",
];

/// Inside the seeds' validity window.
static AT: LazyLock<jiff::Timestamp> =
    LazyLock::new(|| "2027-03-01T12:00:00Z".parse().expect("a timestamp"));

static AGREEMENT: LazyLock<Agreement> = LazyLock::new(|| {
    let pem = KEY.to_pem().expect("public key encodes");
    let indented: String = pem.lines().map(|l| format!("          {l}\n")).collect();
    let text = format!(
        "accord: agreement/v1\nid: fuzz\ntitle: Fuzz\nparties:\n  - {{ id: eu, name: EU, jurisdiction: EU }}\n\
         valid_from: 2026-01-01\nvalid_until: 2028-12-31\nissuers:\n  - id: body\n    name: Body\n    keys:\n      - public_key: |\n{indented}\
         \x20   scope:\n      jurisdictions: [EU, CN]\n      controls: [bias-testing]\n\
         conditions:\n  attestation_max_validity_days: 400\n"
    );
    Agreement::parse(
        &text,
        "fuzz.yaml",
        &["bias-testing"],
        &["fairness-audit", "document"],
    )
    .expect("the fixed agreement is valid")
});

fuzz_target!(|data: &[u8]| {
    let at = *AT;
    let parsed = Envelope::parse(data);
    if let Ok(envelope) = &parsed {
        let again = Envelope::parse(envelope.to_json().as_bytes());
        assert_eq!(
            again.as_ref(),
            Ok(envelope),
            "an envelope does not survive its own serialisation"
        );
    }

    let by_key = Request {
        trust: Trust::Key(&KEY),
        at,
        files: &[],
        recognise_as: None,
    };
    let outcome = verify(data, &by_key);
    // Every check's detail and the rejection must render.
    for check in &outcome.checks {
        assert!(!check.check.is_empty());
    }
    match &outcome.result {
        Ok(verified) => {
            let envelope = parsed
                .as_ref()
                .expect("verify accepted bytes that Envelope::parse refuses");
            assert_eq!(verified.payload, envelope.payload);
            assert_eq!(verified.key_id, KEY.id());
            let pae = envelope.pae();
            for signature in &envelope.signatures {
                assert!(
                    KEY.verify(&pae, &signature.sig),
                    "an accepted envelope carries a signature that does not verify"
                );
                // The seeds are signed deterministically (RFC 8032), so
                // signing the same bytes again gives the same signature.
                assert_eq!(
                    SECRET.sign(&pae).as_slice(),
                    signature.sig.as_slice(),
                    "the payload does not re-sign to its signature"
                );
            }
            assert!(outcome.checks.iter().all(|c| c.passed));
            let round_trip = envelope.to_json();
            assert!(
                verify(round_trip.as_bytes(), &by_key).result.is_ok(),
                "accepted, but not after re-serialisation"
            );
        }
        Err(rejection) => {
            assert!(!rejection.code.is_empty());
            let _ = rejection.to_string();
            assert!(
                outcome.checks.last().is_some_and(|c| !c.passed),
                "a rejection without a failed check"
            );
        }
    }

    let by_agreement = Request {
        trust: Trust::Agreement(&AGREEMENT),
        at,
        files: &[],
        recognise_as: Some("EU"),
    };
    if verify(data, &by_agreement).result.is_ok() {
        assert!(
            outcome.result.is_ok(),
            "accepted under the agreement but not with its key"
        );
    }

    // The input as a statement, signed with the fixed key.
    let signed = sign_payload(data, &SECRET).to_json();
    let as_statement = verify(signed.as_bytes(), &by_key);
    match &as_statement.result {
        Ok(verified) => assert_eq!(
            verified.payload, data,
            "the verified payload is not the bytes signed"
        ),
        Err(rejection) => assert!(
            !ENVELOPE_AND_SIGNATURE_CODES.contains(&rejection.code),
            "a freshly signed envelope was refused before its statement was read: {rejection}"
        ),
    }
    if as_statement.result.is_ok() {
        let by_agreement_cn = Request {
            recognise_as: Some("CN"),
            ..by_agreement
        };
        let _ = verify(signed.as_bytes(), &by_agreement_cn);
    }
});
