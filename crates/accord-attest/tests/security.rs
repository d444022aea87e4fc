//! Issue 4: every way an attestation can be wrong is refused, each with its
//! own stable code and a message that says what is wrong.
//!
//! The attestation is real: `examples/cv-screening.yaml` assessed with every
//! built-in rulepack and one fairness-audit evidence file, built into a
//! statement with `statement::build` (as `accord certify` does) and signed.
//! Each test changes one thing — a byte, a field, the trust, the time, a file
//! — and asserts the exact rejection code.

use std::sync::OnceLock;

use serde_json::{Value, json};

use accord_assess::{Assessor, LoadedEvidence, Options, ProfileInput};
use accord_attest::agreement::Agreement;
use accord_attest::dsse::{self, Envelope};
use accord_attest::statement::{self, CertifyInput, EvidenceInput, Issuer, Statement};
use accord_attest::verify::{GivenFile, Outcome, Request, Role, Trust, Verified, verify};
use accord_attest::{PublicKey, Rejection, SecretKey, sign_payload, sign_statement};
use accord_rules::{Catalogue, RuleSet, load_pack};

const ISSUER_SEED: [u8; 32] = [0x11; 32];
const OTHER_SEED: [u8; 32] = [0x22; 32];
const THIRD_SEED: [u8; 32] = [0x33; 32];

/// Issued 2026-11-28T09:00:00Z, valid 365 days.
const ISSUED_AT: &str = "2026-11-28T09:00:00Z";
const VALID_UNTIL: &str = "2027-11-28T09:00:00Z";
/// A moment inside the validity window and the agreement's dates.
const AT: &str = "2027-03-01T12:00:00Z";

const EVIDENCE: &str = r#"{
  "accord": "evidence/v1",
  "kind": "fairness-audit",
  "produced_at": "2026-11-01T09:00:00Z",
  "tool": {"name": "security-test", "version": "0"},
  "controls": ["bias-testing", "data-governance"],
  "metrics": {"impact_ratio_min": 0.86},
  "passed": true
}
"#;

struct Fixture {
    rules: RuleSet,
    profile_text: String,
    assessment_text: String,
    statement: Statement,
    /// The envelope `accord certify` would write, as bytes.
    envelope: Vec<u8>,
}

fn issuer() -> SecretKey {
    SecretKey::from_seed(&ISSUER_SEED)
}

fn other() -> SecretKey {
    SecretKey::from_seed(&OTHER_SEED)
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (path, text) = accord_builtin::catalogue();
        let catalogue = Catalogue::parse(text, path).expect("built-in catalogue");
        let packs = accord_builtin::packs()
            .iter()
            .map(load_pack)
            .collect::<Result<Vec<_>, _>>()
            .expect("built-in packs");
        let rules = RuleSet::compile(packs, catalogue).expect("built-in rules compile");
        let profile_text = accord_builtin::file("examples/cv-screening.yaml")
            .expect("example profile embedded")
            .to_string();
        let profile = ProfileInput::parse(&profile_text, "examples/cv-screening.yaml", &rules)
            .expect("example profile is valid");
        let evidence = LoadedEvidence::parse(EVIDENCE, "fairness-audit.json").expect("evidence");
        let assessment = Assessor {
            rules: &rules,
            evidence: std::slice::from_ref(&evidence),
            options: Options {
                as_of: jiff::civil::date(2026, 11, 28),
                jurisdictions: Vec::new(),
            },
        }
        .assess(&profile);
        let assessment_text = serde_json::to_string_pretty(&assessment).expect("serialise");
        let key = issuer();
        let issued_at: jiff::Timestamp = ISSUED_AT.parse().expect("time");
        let statement = statement::build(CertifyInput {
            assessment: &assessment,
            assessment_digest: accord_assess::sha256_digest(assessment_text.as_bytes()),
            assessment_name: "cv-screening.assessment.json".into(),
            profile_document: profile.document.value.clone(),
            evidence: vec![EvidenceInput::from_loaded(
                "fairness-audit.json".into(),
                &evidence,
            )],
            issuer: Issuer {
                name: "Example Conformity Assessment Body".into(),
                key_id: key.public().id().to_string(),
            },
            issued_at,
            valid_until: VALID_UNTIL.parse().expect("time"),
        });
        let envelope = sign_statement(&statement, &key)
            .expect("sign")
            .to_json()
            .into_bytes();
        Fixture {
            rules,
            profile_text,
            assessment_text,
            statement,
            envelope,
        }
    })
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().expect("RFC 3339")
}

fn sha256(text: &str) -> String {
    accord_assess::sha256_digest(text.as_bytes())
        .trim_start_matches("sha256:")
        .to_string()
}

fn run(
    bytes: &[u8],
    trust: Trust<'_>,
    when: &str,
    files: &[GivenFile],
    recognise_as: Option<&str>,
) -> Outcome {
    verify(
        bytes,
        &Request {
            trust,
            at: at(when),
            files,
            recognise_as,
        },
    )
}

/// Verifies with exactly the issuer's key at [`AT`].
fn with_key(bytes: &[u8]) -> Result<Verified, Rejection> {
    let key = issuer().public();
    run(bytes, Trust::Key(&key), AT, &[], None).result
}

/// Asserts a rejection's code, that its message mentions `needle`, and that
/// the failed check is the last one recorded.
#[track_caller]
fn assert_refused(outcome: Outcome, code: &str, needle: &str) -> Rejection {
    let rejection = match outcome.result {
        Ok(v) => panic!("expected `{code}`, but it verified (key {})", v.key_id),
        Err(r) => r,
    };
    assert_eq!(
        rejection.code, code,
        "wrong code; message: {}",
        rejection.message
    );
    assert!(
        rejection.message.contains(needle),
        "message for `{code}` does not mention {needle:?}: {}",
        rejection.message
    );
    let last = outcome.checks.last().expect("at least one check ran");
    assert!(
        !last.passed,
        "the last check should be the failed one: {:?}",
        outcome.checks
    );
    assert_eq!(last.detail, rejection.message);
    assert!(
        outcome.checks[..outcome.checks.len() - 1]
            .iter()
            .all(|c| c.passed),
        "verification must stop at the first failure: {:?}",
        outcome.checks
    );
    rejection
}

#[track_caller]
fn refused_with_key(bytes: &[u8], code: &str, needle: &str) -> Rejection {
    let key = issuer().public();
    assert_refused(run(bytes, Trust::Key(&key), AT, &[], None), code, needle)
}

/// The envelope as a JSON value, changed by `f`, serialised again.
fn edit(bytes: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(bytes).expect("envelope JSON");
    f(&mut value);
    serde_json::to_vec(&value).expect("serialise")
}

fn envelope() -> Envelope {
    Envelope::parse(&fixture().envelope).expect("the fixture parses")
}

/// The fixture's statement, changed by `f`, signed by `key`.
fn resign(key: &SecretKey, f: impl FnOnce(&mut Statement)) -> Vec<u8> {
    let mut statement = fixture().statement.clone();
    f(&mut statement);
    sign_statement(&statement, key)
        .expect("sign")
        .to_json()
        .into_bytes()
}

fn pem(key: &PublicKey) -> String {
    key.to_pem().expect("PEM")
}

/// An agreement that trusts the issuer's key for CN and EU and every
/// control; tests change one line of it with `replace`.
fn agreement_yaml() -> String {
    let pem = pem(&issuer().public());
    let indented: String = pem.lines().map(|l| format!("          {l}\n")).collect();
    format!(
        "accord: agreement/v1
id: test-pilot
title: Test pilot
title_zh: 测试试点
parties:
  - {{id: eu-ai-office, name: European AI Office, jurisdiction: EU}}
  - {{id: cac, name: Cyberspace Administration of China, name_zh: 国家互联网信息办公室, jurisdiction: CN}}
valid_from: 2026-01-01
valid_until: 2028-12-31
issuers:
  - id: example-lab
    name: Example Conformity Assessment Body
    accredited_by: eu-ai-office
    keys:
      - public_key: |
{indented}        valid_until: 2028-06-30
    scope:
      jurisdictions: [CN, EU]
      controls: [bias-testing, data-governance, technical-documentation]
      evidence_kinds: [fairness-audit, document]
conditions:
  attestation_max_validity_days: 400
revoked: []
"
    )
}

fn agreement(text: &str) -> Agreement {
    let rules = &fixture().rules;
    let controls: Vec<&str> = rules
        .catalogue
        .controls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    Agreement::parse(
        text,
        "agreement.yaml",
        &controls,
        accord_rules::pack::EVIDENCE_KINDS,
    )
    .unwrap_or_else(|d| panic!("test agreement invalid: {d:?}\n{text}"))
}

#[track_caller]
fn refused_under(
    text: &str,
    bytes: &[u8],
    recognise_as: Option<&str>,
    code: &str,
    needle: &str,
) -> Rejection {
    let agreement = agreement(text);
    assert_refused(
        run(bytes, Trust::Agreement(&agreement), AT, &[], recognise_as),
        code,
        needle,
    )
}

fn given(role: Role, path: &str, text: &str) -> GivenFile {
    GivenFile {
        role,
        path: path.into(),
        sha256: sha256(text),
        verdict: (role == Role::Evidence)
            .then(|| LoadedEvidence::parse(text, path).map(|e| e.verdict).ok())
            .flatten(),
    }
}

/// The three files the attestation binds, unchanged.
fn genuine_files() -> Vec<GivenFile> {
    let f = fixture();
    vec![
        given(Role::Profile, "cv-screening.yaml", &f.profile_text),
        given(
            Role::Assessment,
            "cv-screening.assessment.json",
            &f.assessment_text,
        ),
        given(Role::Evidence, "fairness-audit.json", EVIDENCE),
    ]
}

// Positives: without them every refusal below could be a refusal of everything.

#[test]
fn the_untouched_envelope_verifies_with_the_key() {
    let f = fixture();
    let key = issuer().public();
    let files = genuine_files();
    let outcome = run(&f.envelope, Trust::Key(&key), AT, &files, None);
    assert!(
        outcome.checks.iter().all(|c| c.passed),
        "{:?}",
        outcome.checks
    );
    let verified = outcome.result.expect("verifies");
    assert_eq!(verified.key_id, key.id());
    assert_eq!(
        verified.payload,
        envelope().payload,
        "the verified bytes are the signed bytes"
    );
    assert_eq!(verified.valid_from, at(ISSUED_AT));
    assert_eq!(verified.valid_until, at(VALID_UNTIL));
    assert!(verified.issuer.is_none());
    let satisfied: Vec<&str> = verified
        .statement
        .predicate
        .satisfied_controls()
        .map(|c| c.id.as_str())
        .collect();
    assert!(satisfied.contains(&"bias-testing"), "{satisfied:?}");
}

#[test]
fn the_untouched_envelope_verifies_under_an_agreement_with_every_file_and_jurisdiction() {
    let f = fixture();
    let agreement = agreement(&agreement_yaml());
    let files = genuine_files();
    for j in ["CN", "EU", "DE"] {
        let outcome = run(
            &f.envelope,
            Trust::Agreement(&agreement),
            AT,
            &files,
            Some(j),
        );
        let checks: Vec<&str> = outcome.checks.iter().map(|c| c.check).collect();
        let verified = outcome.result.unwrap_or_else(|r| panic!("--as {j}: {r}"));
        assert_eq!(verified.issuer.expect("issuer entry").id, "example-lab");
        for check in [
            "envelope",
            "payload-type",
            "signatures",
            "trust",
            "statement",
            "validity",
            "subjects",
            "scope",
        ] {
            assert!(
                checks.contains(&check),
                "--as {j}: check `{check}` did not run: {checks:?}"
            );
        }
    }
}

#[test]
fn url_safe_unpadded_base64_still_verifies() {
    let fields = |bytes: &[u8]| -> Vec<String> {
        let v: Value = serde_json::from_slice(bytes).expect("JSON");
        [&v["payload"], &v["signatures"][0]["sig"]]
            .iter()
            .map(|f| f.as_str().expect("a string").to_string())
            .collect()
    };
    let url_safe = |s: &str| {
        s.replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_string()
    };
    // JSON text encodes to `+` and `/` only for a few characters: `???`
    // puts a `?` (0x3F) last in a three-byte group, which encodes to `/`. One
    // of a few issuer names gives a signature with `+` or `/` too.
    let (bytes, signed) = (0..64)
        .find_map(|i| {
            let signed = resign(&issuer(), |s| {
                s.predicate.issuer.name = format!("示例合格评定机构 ??? {i}");
            });
            let bytes = edit(&signed, |v| {
                v["payload"] = json!(url_safe(v["payload"].as_str().expect("payload")));
                v["signatures"][0]["sig"] =
                    json!(url_safe(v["signatures"][0]["sig"].as_str().expect("sig")));
            });
            let differs = fields(&bytes).iter().all(|f| f.contains(['-', '_']));
            differs.then_some((bytes, signed))
        })
        .expect("a payload and signature that differ in the URL-safe alphabet");
    for field in fields(&bytes) {
        assert!(
            !field.contains(['=', '+', '/']),
            "still standard or padded: the test would prove nothing"
        );
    }
    let verified = with_key(&bytes).expect("URL-safe, unpadded base64 verifies");
    assert_eq!(
        verified.payload,
        Envelope::parse(&signed).expect("parse").payload
    );
}

#[test]
fn a_signature_without_a_key_id_is_tried_against_the_trusted_keys() {
    let bytes = edit(&fixture().envelope, |v| {
        v["signatures"][0]
            .as_object_mut()
            .expect("object")
            .remove("keyid");
    });
    assert!(with_key(&bytes).is_ok());
}

#[test]
fn the_validity_window_is_inclusive() {
    let f = fixture();
    let key = issuer().public();
    for when in [ISSUED_AT, VALID_UNTIL] {
        let outcome = run(&f.envelope, Trust::Key(&key), when, &[], None);
        assert!(
            outcome.result.is_ok(),
            "at {when}: {:?}",
            outcome.result.err()
        );
    }
}

// A changed byte in the payload, the signature or the key id.

#[test]
fn a_changed_payload_byte_is_a_bad_signature() {
    let original = envelope();
    let last = original.payload.len() - 1;
    for position in [0, 1, original.payload.len() / 2, last - 1, last] {
        let mut changed = original.clone();
        changed.payload[position] ^= 0x01;
        let r = refused_with_key(
            changed.to_json().as_bytes(),
            "bad-signature",
            "does not verify",
        );
        assert!(r.message.contains(issuer().public().id()), "{}", r.message);
    }
}

#[test]
fn a_payload_one_byte_longer_or_shorter_is_a_bad_signature() {
    let mut longer = envelope();
    longer.payload.push(b' ');
    refused_with_key(longer.to_json().as_bytes(), "bad-signature", "exact bytes");
    let mut shorter = envelope();
    shorter.payload.pop();
    refused_with_key(shorter.to_json().as_bytes(), "bad-signature", "exact bytes");
}

#[test]
fn a_changed_signature_byte_is_a_bad_signature() {
    for position in [0, 31, 32, 63] {
        let mut changed = envelope();
        changed.signatures[0].sig[position] ^= 0x80;
        refused_with_key(changed.to_json().as_bytes(), "bad-signature", "signature 1");
    }
    // A truncated signature is not a signature either.
    let mut short = envelope();
    short.signatures[0].sig.truncate(63);
    refused_with_key(short.to_json().as_bytes(), "bad-signature", "signature 1");
}

#[test]
fn a_changed_key_id_names_the_mismatch_with_the_key_given() {
    let mut changed = envelope();
    let id = changed.signatures[0].keyid.clone().expect("key id");
    let flipped = format!(
        "{}{}",
        if id.starts_with('0') { "1" } else { "0" },
        &id[1..]
    );
    changed.signatures[0].keyid = Some(flipped.clone());
    let r = refused_with_key(changed.to_json().as_bytes(), "key-id-mismatch", &flipped);
    assert!(
        r.message.contains(&id),
        "names the key given: {}",
        r.message
    );
}

#[test]
fn a_changed_key_id_under_an_agreement_is_an_untrusted_issuer() {
    let mut changed = envelope();
    changed.signatures[0].keyid = Some("ab".repeat(32));
    refused_under(
        &agreement_yaml(),
        changed.to_json().as_bytes(),
        None,
        "untrusted-issuer",
        "test-pilot",
    );
}

#[test]
fn non_canonical_base64_is_refused_before_any_signature_is_checked() {
    let f = fixture();
    // `e30=` is `{}`; `e31=` decodes to the same bytes with a trailing bit set.
    let trailing_bits = edit(&f.envelope, |v| v["payload"] = json!("e31="));
    refused_with_key(&trailing_bits, "payload-encoding", "canonical base64");
    // Both alphabets in one string.
    let mixed = edit(&f.envelope, |v| {
        let p = v["payload"].as_str().expect("payload").to_string();
        v["payload"] = json!(format!("-+{}", &p[2..]));
    });
    refused_with_key(&mixed, "payload-encoding", "canonical base64");
    // Padding in the middle.
    let padded = edit(&f.envelope, |v| {
        let p = v["payload"].as_str().expect("payload").to_string();
        v["payload"] = json!(format!("{}={}", &p[..8], &p[8..]));
    });
    refused_with_key(&padded, "payload-encoding", "canonical base64");
    // A 64-byte signature ends `X==`, with four bits that must be zero.
    let sig_bits = edit(&f.envelope, |v| {
        let sig = v["signatures"][0]["sig"].as_str().expect("sig").to_string();
        assert!(sig.ends_with("=="));
        let mut chars: Vec<char> = sig.chars().collect();
        let i = chars.len() - 3;
        chars[i] = match chars[i] {
            'A' => 'B',
            'Q' => 'R',
            'g' => 'h',
            'w' => 'x',
            c => panic!("unexpected final character {c}"),
        };
        v["signatures"][0]["sig"] = json!(chars.into_iter().collect::<String>());
    });
    let r = refused_with_key(&sig_bits, "signature-encoding", "canonical base64");
    assert!(r.message.contains("signature 1"), "{}", r.message);
}

// The payload type.

#[test]
fn a_changed_payload_type_is_refused_by_name() {
    let bytes = edit(&fixture().envelope, |v| {
        v["payloadType"] = json!("application/json")
    });
    refused_with_key(&bytes, "payload-type", "`application/json`");
}

#[test]
fn an_envelope_correctly_signed_under_another_payload_type_is_refused() {
    let key = issuer();
    let payload = envelope().payload;
    let payload_type = "application/vnd.cncf.notary.payload.v1+json".to_string();
    let sig = key.sign(&dsse::pae(&payload_type, &payload));
    assert!(
        key.public()
            .verify(&dsse::pae(&payload_type, &payload), &sig)
    );
    let other_type = Envelope {
        payload_type,
        payload,
        signatures: vec![dsse::Signature {
            keyid: Some(key.public().id().to_string()),
            sig: sig.to_vec(),
        }],
    };
    refused_with_key(
        other_type.to_json().as_bytes(),
        "payload-type",
        "application/vnd.in-toto+json",
    );
}

// The validity window, and the agreement's and the key's dates.

#[test]
fn before_valid_from_is_not_yet_valid_and_after_valid_until_is_expired() {
    let f = fixture();
    let key = issuer().public();
    assert_refused(
        run(
            &f.envelope,
            Trust::Key(&key),
            "2026-11-28T08:59:59Z",
            &[],
            None,
        ),
        "not-yet-valid",
        "2026-11-28T09:00:00Z",
    );
    assert_refused(
        run(
            &f.envelope,
            Trust::Key(&key),
            "2027-11-28T09:00:01Z",
            &[],
            None,
        ),
        "expired",
        "2027-11-28T09:00:00Z",
    );
}

#[test]
fn an_agreement_not_in_force_on_the_verification_date_is_refused() {
    let f = fixture();
    let not_yet = agreement_yaml().replace("valid_from: 2026-01-01", "valid_from: 2027-06-01");
    let r = refused_under(
        &not_yet,
        &f.envelope,
        None,
        "agreement-not-in-force",
        "2027-06-01",
    );
    assert!(
        r.message.contains("2027-03-01"),
        "names the verification date: {}",
        r.message
    );
    let ended = agreement_yaml().replace("valid_until: 2028-12-31", "valid_until: 2027-01-31");
    refused_under(
        &ended,
        &f.envelope,
        None,
        "agreement-not-in-force",
        "2027-01-31",
    );
}

#[test]
fn a_key_outside_its_own_dates_is_refused() {
    let text = agreement_yaml().replace("valid_until: 2028-06-30", "valid_until: 2027-02-28");
    refused_under(
        &text,
        &fixture().envelope,
        None,
        "key-not-in-force",
        "until 2027-02-28",
    );
}

#[test]
fn an_attestation_valid_longer_than_the_agreement_accepts_is_refused() {
    let text = agreement_yaml().replace(
        "attestation_max_validity_days: 400",
        "attestation_max_validity_days: 90",
    );
    let r = refused_under(
        &text,
        &fixture().envelope,
        None,
        "validity-too-long",
        "at most 90",
    );
    assert!(r.message.contains("365 days"), "{}", r.message);
}

// Trust: revoked keys, keys the agreement does not hold, scope.

#[test]
fn a_key_the_agreement_revokes_is_refused_whatever_it_signed() {
    let id = issuer().public().id().to_string();
    let text = agreement_yaml().replace(
        "revoked: []",
        &format!("revoked:\n  - {{key_id: {id}, date: 2026-12-01, reason: key compromised}}"),
    );
    let r = refused_under(
        &text,
        &fixture().envelope,
        None,
        "revoked-key",
        "key compromised",
    );
    assert!(
        r.message.contains(&id) && r.message.contains("2026-12-01"),
        "{}",
        r.message
    );
}

#[test]
fn a_key_no_issuer_of_the_agreement_holds_is_an_untrusted_issuer() {
    // The agreement lists another key; the envelope is genuinely signed by the issuer's.
    let text = agreement_yaml().replace(
        &pem(&issuer().public())
            .lines()
            .nth(1)
            .expect("base64 line")
            .to_string(),
        pem(&other().public()).lines().nth(1).expect("base64 line"),
    );
    let r = refused_under(
        &text,
        &fixture().envelope,
        None,
        "untrusted-issuer",
        "no issuer of agreement `test-pilot`",
    );
    assert!(r.message.contains(issuer().public().id()), "{}", r.message);
}

#[test]
fn an_issuer_trusted_for_other_controls_only_is_out_of_scope() {
    let text = agreement_yaml().replace(
        "controls: [bias-testing, data-governance, technical-documentation]",
        "controls: [technical-documentation, human-oversight]",
    );
    let r = refused_under(
        &text,
        &fixture().envelope,
        Some("CN"),
        "out-of-scope",
        "technical-documentation, human-oversight",
    );
    assert!(
        r.message.contains("bias-testing"),
        "names the controls claimed: {}",
        r.message
    );
}

#[test]
fn an_issuer_trusted_for_one_attested_control_is_in_scope() {
    // Scope is per control for recognition; verification refuses only when none is trusted.
    let text = agreement_yaml().replace(
        "controls: [bias-testing, data-governance, technical-documentation]",
        "controls: [data-governance]",
    );
    let agreement = agreement(&text);
    let outcome = run(
        &fixture().envelope,
        Trust::Agreement(&agreement),
        AT,
        &[],
        Some("CN"),
    );
    assert!(outcome.result.is_ok(), "{:?}", outcome.result.err());
}

#[test]
fn recognition_outside_the_issuers_jurisdictions_is_out_of_scope() {
    for j in ["US-CA", "US", "KR"] {
        let r = refused_under(
            &agreement_yaml(),
            &fixture().envelope,
            Some(j),
            "out-of-scope",
            &format!("not for {j}"),
        );
        assert!(r.message.contains("CN, EU"), "{}", r.message);
    }
}

// Subjects: a file given that is not what was signed.

#[test]
fn a_profile_that_differs_from_the_subject_is_refused() {
    let f = fixture();
    let key = issuer().public();
    let changed = f.profile_text.replacen("HireRank", "HireRank2", 1);
    let files = [given(Role::Profile, "cv-screening.yaml", &changed)];
    let r = assert_refused(
        run(&f.envelope, Trust::Key(&key), AT, &files, None),
        "subject-mismatch",
        "profile file `cv-screening.yaml`",
    );
    assert!(
        r.message.contains(&sha256(&changed)) && r.message.contains(&sha256(&f.profile_text)),
        "{}",
        r.message
    );
}

#[test]
fn evidence_or_an_assessment_that_differs_from_the_subject_is_refused() {
    let f = fixture();
    let key = issuer().public();
    let other_evidence = EVIDENCE.replace("0.86", "0.87");
    let files = [given(
        Role::Evidence,
        "fairness-audit.json",
        &other_evidence,
    )];
    assert_refused(
        run(&f.envelope, Trust::Key(&key), AT, &files, None),
        "subject-mismatch",
        "evidence file `fairness-audit.json`",
    );
    let other_assessment = format!("{}\n", f.assessment_text);
    let files = [given(Role::Assessment, "a.json", &other_assessment)];
    assert_refused(
        run(&f.envelope, Trust::Key(&key), AT, &files, None),
        "subject-mismatch",
        "assessment file `a.json`",
    );
    // One bad file among good ones is enough.
    let mut files = genuine_files();
    files.push(given(Role::Evidence, "extra.json", &other_evidence));
    assert_refused(
        run(&f.envelope, Trust::Key(&key), AT, &files, None),
        "subject-mismatch",
        "`extra.json`",
    );
}

#[test]
fn a_file_matching_a_subject_of_another_role_is_refused() {
    // The evidence file's digest is a subject, but not a profile subject.
    let f = fixture();
    let key = issuer().public();
    let files = [given(Role::Profile, "fairness-audit.json", EVIDENCE)];
    assert_refused(
        run(&f.envelope, Trust::Key(&key), AT, &files, None),
        "subject-mismatch",
        "profile file",
    );
}

// Signature lists.

#[test]
fn the_same_signature_twice_is_a_duplicate() {
    let mut twice = envelope();
    twice.signatures.push(twice.signatures[0].clone());
    refused_with_key(
        twice.to_json().as_bytes(),
        "duplicate-signature",
        "signatures 1 and 2",
    );
    // Without key ids, the signature bytes still give it away.
    let mut anonymous = envelope();
    anonymous.signatures[0].keyid = None;
    anonymous.signatures.push(anonymous.signatures[0].clone());
    refused_with_key(
        anonymous.to_json().as_bytes(),
        "duplicate-signature",
        "the same signature",
    );
}

#[test]
fn a_valid_signature_plus_one_by_an_unknown_key_is_an_extra_signature() {
    let payload = envelope().payload;
    let stranger = SecretKey::from_seed(&THIRD_SEED);
    let extra = sign_payload(&payload, &stranger).signatures.remove(0);
    for stranger_first in [false, true] {
        let mut both = envelope();
        if stranger_first {
            both.signatures.insert(0, extra.clone());
        } else {
            both.signatures.push(extra.clone());
        }
        let n = if stranger_first {
            "signature 1"
        } else {
            "signature 2"
        };
        refused_with_key(both.to_json().as_bytes(), "extra-signature", n);
        refused_under(
            &agreement_yaml(),
            both.to_json().as_bytes(),
            None,
            "extra-signature",
            n,
        );
    }
}

#[test]
fn too_many_or_no_signatures_are_refused() {
    let payload = envelope().payload;
    let mut many = envelope();
    for i in 0..16u8 {
        let key = SecretKey::from_seed(&[0x40 + i; 32]);
        many.signatures
            .push(sign_payload(&payload, &key).signatures.remove(0));
    }
    assert_eq!(many.signatures.len(), 17);
    refused_with_key(
        many.to_json().as_bytes(),
        "too-many-signatures",
        "17 signatures",
    );
    let mut sixteen = many.clone();
    sixteen.signatures.truncate(16);
    // Sixteen pass the count and are refused for what they are: strangers' signatures.
    refused_with_key(
        sixteen.to_json().as_bytes(),
        "extra-signature",
        "signature 2",
    );

    let none = edit(&fixture().envelope, |v| v["signatures"] = json!([]));
    refused_with_key(&none, "no-signature", "no signature");
}

// Size, depth and structure.

#[test]
fn an_envelope_over_8_mib_is_too_large() {
    let mut bytes = fixture().envelope.clone();
    bytes.resize(dsse::MAX_ENVELOPE_BYTES + 1, b' ');
    refused_with_key(
        &bytes,
        "too-large",
        &format!("{} bytes", dsse::MAX_ENVELOPE_BYTES + 1),
    );
    // Exactly the limit is read (and verifies: trailing whitespace is JSON).
    bytes.truncate(dsse::MAX_ENVELOPE_BYTES);
    assert!(with_key(&bytes).is_ok());
}

#[test]
fn a_deeply_nested_envelope_is_too_deep() {
    let f = fixture();
    let text = String::from_utf8(f.envelope.clone()).expect("UTF-8");
    let body = text.strip_suffix('}').expect("an object");
    let nested = format!("{body},\"x\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    // The same extra field, shallow, is ignored: the refusal is the depth's.
    let shallow = format!("{body},\"x\":[[1]]}}");
    assert!(with_key(shallow.as_bytes()).is_ok());
    refused_with_key(nested.as_bytes(), "too-deep", "deeper than 64 levels");
}

#[test]
fn a_deeply_nested_payload_correctly_signed_is_too_deep() {
    let payload = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"{}","predicate":{{"x":{}1{}}}}}"#,
        accord_attest::PREDICATE_TYPE,
        "[".repeat(100),
        "]".repeat(100)
    );
    // serde_json alone would parse 100 levels (its limit is 128): the refusal is Accord's.
    assert!(serde_json::from_str::<Value>(&payload).is_ok());
    let bytes = sign_payload(payload.as_bytes(), &issuer())
        .to_json()
        .into_bytes();
    let r = refused_with_key(&bytes, "too-deep", "the statement nests deeper than 64");
    assert!(r.message.contains("payload line 1"), "{}", r.message);
}

#[test]
fn duplicate_keys_in_the_envelope_are_malformed() {
    let f = fixture();
    let text = String::from_utf8(f.envelope.clone()).expect("UTF-8");
    for duplicate in [
        r#""payloadType":"application/vnd.in-toto+json","#,
        r#""payload":"e30=","#,
    ] {
        let doubled = text.replacen('{', &format!("{{{duplicate}"), 1);
        refused_with_key(doubled.as_bytes(), "malformed-envelope", "duplicate field");
    }
    let text = String::from_utf8(fixture().envelope.clone()).expect("UTF-8");
    let sig_twice = text.replacen(r#""sig":"#, r#""sig":"AAAA","sig":"#, 1);
    refused_with_key(
        sig_twice.as_bytes(),
        "malformed-envelope",
        "duplicate field",
    );
}

#[test]
fn broken_or_incomplete_envelopes_are_malformed_with_a_position() {
    for (bytes, needle) in [
        (&b""[..], "line 1"),
        (b"{\"payloadType\":", "line 1"),
        (
            b"{\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[]}",
            "payload",
        ),
        (b"[1,2,3]", "line 1"),
    ] {
        refused_with_key(bytes, "malformed-envelope", needle);
    }
}

// The statement inside a correctly signed envelope.

#[test]
fn a_predicate_naming_another_issuer_key_is_an_issuer_mismatch() {
    let other_id = other().public().id().to_string();
    let bytes = resign(&issuer(), |s| s.predicate.issuer.key_id = other_id.clone());
    let r = refused_with_key(&bytes, "issuer-mismatch", &other_id);
    assert!(r.message.contains(issuer().public().id()), "{}", r.message);
}

#[test]
fn a_statement_of_another_type_is_refused() {
    let bytes = resign(&issuer(), |s| {
        s.type_ = "https://in-toto.io/Statement/v0.1".into()
    });
    refused_with_key(
        &bytes,
        "statement-type",
        "`https://in-toto.io/Statement/v0.1`",
    );
}

#[test]
fn a_predicate_of_another_type_is_refused() {
    let bytes = resign(&issuer(), |s| {
        s.predicate_type = "https://slsa.dev/provenance/v1".into()
    });
    refused_with_key(&bytes, "predicate-type", "`https://slsa.dev/provenance/v1`");
}

#[test]
fn a_payload_that_is_no_statement_is_malformed() {
    let bytes = sign_payload(b"{\"hello\":\"world\"}", &issuer())
        .to_json()
        .into_bytes();
    refused_with_key(&bytes, "malformed-statement", "payload line 1");
}

#[test]
fn a_predicate_that_disagrees_with_its_subjects_is_malformed() {
    let bytes = resign(&issuer(), |s| {
        s.predicate.profile.digest = format!("sha256:{}", "0".repeat(64));
    });
    refused_with_key(&bytes, "malformed-predicate", "profile digest");
    let bytes = resign(&issuer(), |s| {
        s.subject.retain(|x| !x.name.starts_with("evidence:"))
    });
    refused_with_key(&bytes, "malformed-predicate", "fairness-audit.json");
    let bytes = resign(&issuer(), |s| s.predicate.valid_until = "next year".into());
    refused_with_key(&bytes, "malformed-predicate", "valid_until");
}

#[test]
fn a_statement_signed_by_another_key_is_not_the_issuers() {
    // Signed genuinely, by a key whose id the predicate names, but not the one trusted.
    let stranger = other();
    let id = stranger.public().id().to_string();
    let bytes = resign(&stranger, |s| s.predicate.issuer.key_id = id.clone());
    refused_with_key(&bytes, "key-id-mismatch", &id);
    let stripped = edit(&bytes, |v| {
        v["signatures"][0]
            .as_object_mut()
            .expect("object")
            .remove("keyid");
    });
    refused_with_key(&stripped, "bad-signature", "any trusted key");
}

#[test]
fn duplicate_keys_in_a_correctly_signed_statement_are_malformed() {
    let payload = envelope().payload;
    let text = String::from_utf8(payload).expect("UTF-8");
    let doubled = text.replacen(
        r#"{"_type":"#,
        r#"{"_type":"https://in-toto.io/Statement/v1","_type":"#,
        1,
    );
    assert_ne!(doubled, text);
    let bytes = sign_payload(doubled.as_bytes(), &issuer())
        .to_json()
        .into_bytes();
    refused_with_key(&bytes, "malformed-statement", "duplicate field `_type`");
}

#[test]
fn duplicate_keys_deep_in_a_correctly_signed_statement_are_malformed() {
    // Other parsers keep the first of two values, serde the last: refuse both readings.
    let text = String::from_utf8(envelope().payload).expect("UTF-8");
    let doubled = text.replacen(
        r#""digest":{"sha256":"#,
        r#""digest":{"sha256":"00","sha256":"#,
        1,
    );
    assert_ne!(doubled, text);
    let bytes = sign_payload(doubled.as_bytes(), &issuer())
        .to_json()
        .into_bytes();
    refused_with_key(&bytes, "malformed-statement", "duplicate key `sha256`");
}

/// Two issuers, the second one's key revoked.
fn two_issuers_second_revoked() -> String {
    let second = pem(&other().public());
    let indented: String = second.lines().map(|l| format!("          {l}\n")).collect();
    agreement_yaml()
        .replace(
            "conditions:",
            &format!(
                "  - id: second-lab
    name: Second Lab
    keys:
      - public_key: |
{indented}    scope: {{}}
conditions:"
            ),
        )
        .replace(
            "revoked: []",
            &format!(
                "revoked:\n  - {{key_id: {}, reason: key compromised}}",
                other().public().id()
            ),
        )
}

#[test]
fn a_signature_by_a_revoked_key_is_refused_wherever_it_stands() {
    // Regression guard for issue 4: "keys no longer trusted, whatever they
    // signed". A co-signature by a revoked key must not ride along on an
    // envelope that a trusted key also signed, and the answer must not depend
    // on the order of the signatures.
    let text = two_issuers_second_revoked();
    let payload = envelope().payload;
    let revoked = sign_payload(&payload, &other()).signatures.remove(0);
    let mut revoked_first = envelope();
    revoked_first.signatures.insert(0, revoked.clone());
    refused_under(
        &text,
        revoked_first.to_json().as_bytes(),
        None,
        "revoked-key",
        "key compromised",
    );
    let mut revoked_second = envelope();
    revoked_second.signatures.push(revoked);
    refused_under(
        &text,
        revoked_second.to_json().as_bytes(),
        None,
        "revoked-key",
        "key compromised",
    );
}

#[test]
fn co_signatures_by_two_trusted_keys_verify_in_either_order() {
    // DSSE gives the order of signatures no meaning. The predicate names the
    // issuer's key; a co-signature by another trusted, unrevoked key must not
    // turn a verified envelope into an `issuer-mismatch` by standing first.
    let text = two_issuers_second_revoked().replace(
        &format!(
            "revoked:\n  - {{key_id: {}, reason: key compromised}}",
            other().public().id()
        ),
        "revoked: []",
    );
    let agreement = agreement(&text);
    let payload = envelope().payload;
    let cosignature = sign_payload(&payload, &other()).signatures.remove(0);
    for cosigner_first in [false, true] {
        let mut both = envelope();
        if cosigner_first {
            both.signatures.insert(0, cosignature.clone());
        } else {
            both.signatures.push(cosignature.clone());
        }
        let outcome = run(
            both.to_json().as_bytes(),
            Trust::Agreement(&agreement),
            AT,
            &[],
            None,
        );
        let verified = outcome
            .result
            .unwrap_or_else(|r| panic!("co-signer first: {cosigner_first}: {r}"));
        assert_eq!(verified.key_id, issuer().public().id());
        assert_eq!(verified.issuer.expect("issuer").id, "example-lab");
    }
}

#[test]
fn duplicate_keys_in_the_attested_profile_are_malformed() {
    // The profile document is what a verifier assesses under `--as`: it must not be ambiguous.
    let text = String::from_utf8(envelope().payload).expect("UTF-8");
    let doubled = text.replacen(r#""document":{"#, r#""document":{"name":"Mallory","#, 1);
    assert_ne!(doubled, text);
    let bytes = sign_payload(doubled.as_bytes(), &issuer())
        .to_json()
        .into_bytes();
    refused_with_key(&bytes, "malformed-predicate", "duplicate key `name`");
}

// Issue 9: a failed test never reads satisfied in an attestation.

#[test]
fn a_control_attested_satisfied_over_failed_evidence_is_refused() {
    let f = fixture();
    assert!(
        f.statement.predicate.controls.iter().any(
            |c| c.id == "bias-testing" && c.evidence == accord_model::EvidenceStatus::Satisfied
        ),
        "the fixture's bias-testing is satisfied"
    );
    let bytes = resign(&issuer(), |s| s.predicate.evidence[0].passed = Some(false));
    refused_with_key(
        &bytes,
        "evidence-failed",
        "control `bias-testing` is attested satisfied",
    );
}

#[test]
fn an_obligation_attested_satisfied_over_a_failed_control_is_refused() {
    let bytes = resign(&issuer(), |s| {
        for c in &mut s.predicate.controls {
            if c.id == "bias-testing" {
                c.evidence = accord_model::EvidenceStatus::Failed;
            }
        }
    });
    refused_with_key(
        &bytes,
        "evidence-failed",
        "is attested satisfied, but control `bias-testing`",
    );
}

#[test]
fn evidence_about_another_system_is_refused() {
    let bytes = resign(&issuer(), |s| {
        s.predicate.evidence[0].subject = Some(accord_model::assessment::EvidenceSubject {
            name: "Another System".into(),
            version: None,
            profile_digest: format!("sha256:{}", "1".repeat(64)),
            model_digest: None,
            dataset_digest: None,
        });
    });
    refused_with_key(&bytes, "evidence-subject", "`Another System`");
    // About the attested profile: verifies.
    let digest = fixture().statement.predicate.profile.digest.clone();
    let bytes = resign(&issuer(), |s| {
        s.predicate.evidence[0].subject = Some(accord_model::assessment::EvidenceSubject {
            name: "HireRank".into(),
            version: Some("2.3".into()),
            profile_digest: digest.clone(),
            model_digest: None,
            dataset_digest: None,
        });
    });
    assert!(with_key(&bytes).is_ok());
}

#[test]
fn a_given_evidence_file_that_fails_its_thresholds_but_is_attested_passed_is_refused() {
    // An attestation made before issue 9: the audit's threshold failed, its
    // top-level `passed` said true, and the control was attested satisfied.
    let failing = EVIDENCE.replace(
        "\"passed\": true",
        "\"thresholds\": [{\"name\": \"impact_ratio_min\", \"value\": 0.8, \"passed\": false}],\n  \"passed\": true",
    );
    assert_ne!(failing, EVIDENCE);
    let old = sha256(EVIDENCE);
    let new = sha256(&failing);
    let bytes = resign(&issuer(), |s| {
        for subject in &mut s.subject {
            if subject.sha256() == Some(old.as_str()) {
                subject.digest.insert("sha256".into(), new.clone());
            }
        }
        for e in &mut s.predicate.evidence {
            if e.sha256 == old {
                e.sha256 = new.clone();
            }
        }
        for c in &mut s.predicate.controls {
            for file in &mut c.evidence_files {
                if *file == old {
                    *file = new.clone();
                }
            }
        }
    });
    // Without the file, nothing in the statement contradicts itself.
    assert!(with_key(&bytes).is_ok());
    let key = issuer().public();
    let files = [given(Role::Evidence, "fairness-audit.json", &failing)];
    assert_refused(
        run(&bytes, Trust::Key(&key), AT, &files, None),
        "evidence-failed",
        "evidence `fairness-audit.json` did not pass (impact_ratio_min",
    );
}
