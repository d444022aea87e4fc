//! `accord keygen`, `accord certify` and `accord verify` (issue 4): files
//! written, inputs refused before anything is signed, exit codes 0 / 1 / 2,
//! `verification/v1`, and recognition under the example agreement.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use accord_attest::dsse::Envelope;
use accord_attest::{PublicKey, SecretKey};

use crate::{accord, assert_code, root, stderr, stdout};

const EVIDENCE: &str = r#"{
  "accord": "evidence/v1",
  "kind": "fairness-audit",
  "produced_at": "2026-11-01T09:00:00Z",
  "tool": {"name": "cli-test", "version": "0"},
  "controls": ["bias-testing", "data-governance"],
  "metrics": {"impact_ratio_min": 0.86},
  "passed": true
}
"#;

/// Inside the attestation's validity and the example agreement's dates.
const AT: &str = "2027-01-01";

const AGREEMENT: &str = "examples/agreements/eu-cn-pilot.yaml";
const DEMO_KEY: &str = "examples/agreements/demo-issuer.key";

fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// A key pair, a profile, evidence, its assessment and an attestation of it,
/// all in a fresh temporary folder.
struct Setup {
    dir: tempfile::TempDir,
    key: PathBuf,
    public: PathBuf,
    profile: PathBuf,
    evidence: PathBuf,
    assessment: PathBuf,
    attestation: PathBuf,
}

impl Setup {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, bytes).expect("write");
        path
    }

    /// Certifies the setup's assessment with `key`, with extra arguments.
    fn certify(&self, key: &str, out: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "certify",
            s(&self.assessment),
            "--key",
            key,
            "--evidence",
            s(&self.evidence),
            "--issuer",
            "Example Lab",
            "--issued-at",
            "2026-11-28T09:00:00Z",
            "--out",
            s(out),
        ];
        args.extend_from_slice(extra);
        accord(&args)
    }

    /// `accord verify ATTESTATION --key PUB --at AT` plus `extra`.
    fn verify(&self, attestation: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "verify",
            s(attestation),
            "--key",
            s(&self.public),
            "--at",
            AT,
        ];
        args.extend_from_slice(extra);
        accord(&args)
    }

    /// The attestation with one payload byte flipped, signature kept.
    fn tampered(&self) -> PathBuf {
        let bytes = fs::read(&self.attestation).expect("attestation");
        let mut envelope = Envelope::parse(&bytes).expect("envelope");
        let middle = envelope.payload.len() / 2;
        envelope.payload[middle] ^= 0x01;
        self.write("tampered.json", envelope.to_json())
    }
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = dir.path().join("keys");
    let o = accord(&["keygen", "--out", s(&keys)]);
    assert_code(&o, 0);
    let profile = dir.path().join("cv-screening.yaml");
    fs::copy(root().join("examples/cv-screening.yaml"), &profile).expect("copy profile");
    let evidence = dir.path().join("fairness-audit.json");
    fs::write(&evidence, EVIDENCE).expect("evidence");
    let assessment = dir.path().join("assessment.json");
    let o = accord(&[
        "assess",
        s(&profile),
        "--evidence",
        s(&evidence),
        "--as-of",
        "2026-11-28",
        "--format",
        "json",
        "--output",
        s(&assessment),
        "--fail-on",
        "never",
    ]);
    assert_code(&o, 0);
    let setup = Setup {
        key: keys.join("accord.key"),
        public: keys.join("accord.pub"),
        attestation: dir.path().join("att.json"),
        dir,
        profile,
        evidence,
        assessment,
    };
    let o = setup.certify(s(&setup.key), &setup.attestation, &[]);
    assert_code(&o, 0);
    setup
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn key_id(public: &Path) -> String {
    let pem = fs::read_to_string(public).expect("public key");
    PublicKey::from_pem(&pem)
        .expect("SPKI PEM")
        .id()
        .to_string()
}

// keygen

#[cfg(unix)]
#[test]
fn keygen_writes_a_private_key_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("new/keys");
    let o = accord(&["keygen", "--out", s(&out)]);
    assert_code(&o, 0);
    let private = out.join("accord.key");
    let public = out.join("accord.pub");
    let mode = fs::metadata(&private)
        .expect("accord.key")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "accord.key has mode {mode:o}");
    let private_pem = fs::read_to_string(&private).expect("read");
    assert!(private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let secret = SecretKey::from_pem(&private_pem).expect("PKCS#8 Ed25519");
    let id = key_id(&public);
    assert_eq!(secret.public().id(), id, "the two files are one key pair");
    assert!(
        stdout(&o).contains(&id),
        "prints the key id: {}",
        stdout(&o)
    );
}

#[test]
fn keygen_refuses_to_overwrite_a_key_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("keys");
    assert_code(&accord(&["keygen", "--out", s(&out)]), 0);
    let before = fs::read(out.join("accord.key")).expect("key");
    let o = accord(&["keygen", "--out", s(&out)]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--force"),
        "a hint names --force: {}",
        stderr(&o)
    );
    assert_eq!(
        fs::read(out.join("accord.key")).expect("key"),
        before,
        "the key was changed"
    );

    // A public key alone is protected too.
    let half = dir.path().join("half");
    fs::create_dir_all(&half).expect("mkdir");
    fs::write(half.join("accord.pub"), "not mine").expect("write");
    assert_code(&accord(&["keygen", "--out", s(&half)]), 2);
    assert_eq!(
        fs::read_to_string(half.join("accord.pub")).expect("pub"),
        "not mine"
    );
    assert!(!half.join("accord.key").exists());

    let o = accord(&["keygen", "--out", s(&out), "--force"]);
    assert_code(&o, 0);
    assert_ne!(
        fs::read(out.join("accord.key")).expect("key"),
        before,
        "--force makes a new key"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(out.join("accord.key"))
            .expect("key")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "a replaced key keeps mode 0600, not {mode:o}");
    }
}

#[test]
fn keygen_exits_quietly_when_stdout_is_closed() {
    // STYLE.md: "a broken pipe exits quietly" (`accord keygen --out k | head -1`).
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("keys");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["keygen", "--out", s(&out)])
        .stdout(writer)
        .output()
        .expect("run accord");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_code(&o, 0);
    assert!(out.join("accord.key").exists() && out.join("accord.pub").exists());
}

// certify

#[test]
fn certify_writes_a_signed_in_toto_statement() {
    let setup = setup();
    let bytes = fs::read(&setup.attestation).expect("attestation");
    let value: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(value["payloadType"], "application/vnd.in-toto+json");
    let id = key_id(&setup.public);
    assert_eq!(value["signatures"][0]["keyid"], id.as_str());
    let envelope = Envelope::parse(&bytes).expect("DSSE envelope");
    let statement: Value = serde_json::from_slice(&envelope.payload).expect("statement");
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://accord-ai.github.io/attestation/assessment/v1"
    );
    assert_eq!(statement["predicate"]["issuer"]["name"], "Example Lab");
    assert_eq!(statement["predicate"]["issuer"]["key_id"], id.as_str());
    assert_eq!(
        statement["predicate"]["valid_until"],
        "2027-11-28T09:00:00Z"
    );
    let names: Vec<&str> = statement["subject"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    for expected in [
        "profile:cv-screening.yaml",
        "assessment:assessment.json",
        "evidence:fairness-audit.json",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        names.iter().any(|n| n.starts_with("rulepack:eu-ai-act@")),
        "{names:?}"
    );
}

#[test]
fn certify_refuses_a_profile_changed_since_the_assessment() {
    let setup = setup();
    let mut text = fs::read_to_string(&setup.profile).expect("profile");
    text.push_str("# edited after the assessment\n");
    fs::write(&setup.profile, text).expect("write");
    let out = setup.path("changed.json");
    let o = setup.certify(s(&setup.key), &out, &[]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("is not the one assessed"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("accord assess"), "hint: {}", stderr(&o));
    assert!(!out.exists(), "an attestation was written");

    // The same through --profile.
    let other = setup.write(
        "other.yaml",
        "accord: profile/v1\nname: Other\nmarkets: [EU]\nai_system: true\n",
    );
    let o = setup.certify(s(&setup.key), &out, &["--profile", s(&other)]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("is not the one assessed"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "an attestation was written");
}

#[test]
fn certify_refuses_evidence_the_assessment_did_not_use() {
    let setup = setup();
    let unused = setup.write("unused.json", EVIDENCE.replace("0.86", "0.91"));
    let out = setup.path("unused-att.json");
    let o = setup.certify(s(&setup.key), &out, &["--evidence", s(&unused)]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("did not use this evidence"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("unused.json"),
        "names the file: {}",
        stderr(&o)
    );
    assert!(!out.exists(), "an attestation was written");
}

#[test]
fn certify_requires_the_evidence_the_assessment_used() {
    let setup = setup();
    let out = setup.path("no-evidence.json");
    let o = accord(&[
        "certify",
        s(&setup.assessment),
        "--key",
        s(&setup.key),
        "--out",
        s(&out),
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("which was not given"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--evidence"), "hint: {}", stderr(&o));
    assert!(!out.exists(), "an attestation was written");
}

#[test]
fn certify_refuses_a_public_key_or_a_file_that_is_no_assessment() {
    let setup = setup();
    let out = setup.path("x.json");
    let o = setup.certify(s(&setup.public), &out, &[]);
    assert_code(&o, 2);
    assert!(!out.exists());
    let o = accord(&[
        "certify",
        s(&setup.evidence),
        "--key",
        s(&setup.key),
        "--out",
        s(&out),
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("not an assessment"), "{}", stderr(&o));
    assert!(!out.exists());
}

// verify with a key

#[test]
fn verify_exits_0_for_the_genuine_attestation_and_its_files() {
    let setup = setup();
    let o = setup.verify(
        &setup.attestation,
        &[
            "--profile",
            s(&setup.profile),
            "--evidence",
            s(&setup.evidence),
            "--assessment",
            s(&setup.assessment),
        ],
    );
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.starts_with("VERIFIED"), "{out}");
    assert!(out.contains("3 file(s) match their subjects"), "{out}");
    assert!(out.contains("Example Lab"), "{out}");
    assert!(!out.contains("REJECTED"), "{out}");
}

#[test]
fn verify_exits_1_on_a_tampered_attestation_with_the_reason() {
    let setup = setup();
    let tampered = setup.tampered();
    let o = setup.verify(&tampered, &[]);
    assert_code(&o, 1);
    let out = stdout(&o);
    assert!(out.contains("REJECTED"), "{out}");
    assert!(out.contains("[bad-signature]"), "{out}");
    assert!(!out.contains("VERIFIED"), "{out}");

    let o = setup.verify(&tampered, &["--format", "json"]);
    assert_code(&o, 1);
    let report = json(&o);
    assert_eq!(report["verified"], false);
    assert_eq!(report["rejection"]["code"], "bad-signature");
    assert!(stderr(&o).contains("rejected:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("[bad-signature]"), "{}", stderr(&o));

    // A rejection is a result, not bad input: the report is written.
    let report_path = setup.path("report.json");
    let o = setup.verify(
        &tampered,
        &["--format", "json", "--output", s(&report_path)],
    );
    assert_code(&o, 1);
    let written: Value =
        serde_json::from_str(&fs::read_to_string(&report_path).expect("report written"))
            .expect("JSON");
    assert_eq!(written["rejection"]["code"], "bad-signature");
}

#[test]
fn verify_exits_1_when_a_file_differs_from_its_subject() {
    let setup = setup();
    let changed = setup.write(
        "changed.yaml",
        fs::read_to_string(&setup.profile).expect("profile") + "# changed\n",
    );
    let o = setup.verify(&setup.attestation, &["--profile", s(&changed)]);
    assert_code(&o, 1);
    assert!(stdout(&o).contains("[subject-mismatch]"), "{}", stdout(&o));
    let o = setup.verify(&setup.attestation, &["--evidence", s(&setup.profile)]);
    assert_code(&o, 1);
    assert!(stdout(&o).contains("[subject-mismatch]"), "{}", stdout(&o));
}

#[test]
fn verify_checks_the_validity_window_at_the_time_given() {
    let setup = setup();
    for (at, code) in [
        ("2026-11-28T08:59:59Z", "not-yet-valid"),
        ("2027-11-29", "expired"),
    ] {
        let o = accord(&[
            "verify",
            s(&setup.attestation),
            "--key",
            s(&setup.public),
            "--at",
            at,
            "--format",
            "json",
        ]);
        assert_code(&o, 1);
        assert_eq!(json(&o)["rejection"]["code"], code, "--at {at}");
    }
    let o = setup.verify(&setup.attestation, &["--at", "next tuesday"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--at"), "{}", stderr(&o));
}

#[test]
fn verify_with_another_key_names_the_mismatch() {
    let setup = setup();
    let other = setup.path("other");
    assert_code(&accord(&["keygen", "--out", s(&other)]), 0);
    let o = accord(&[
        "verify",
        s(&setup.attestation),
        "--key",
        s(&other.join("accord.pub")),
        "--at",
        AT,
    ]);
    assert_code(&o, 1);
    assert!(stdout(&o).contains("[key-id-mismatch]"), "{}", stdout(&o));
}

#[test]
fn verify_json_is_verification_v1() {
    let setup = setup();
    let o = setup.verify(&setup.attestation, &["--format", "json"]);
    assert_code(&o, 0);
    let report = json(&o);
    assert_eq!(report["accord"], "verification/v1");
    assert_eq!(report["verified"], true);
    assert!(report["rejection"].is_null());
    assert_eq!(report["verified_at"], "2027-01-01T00:00:00Z");
    assert_eq!(report["trust"]["kind"], "key");
    assert_eq!(report["trust"]["key_id"], key_id(&setup.public).as_str());
    let checks: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            assert_eq!(c["passed"], true, "{c}");
            c["check"].as_str().expect("check")
        })
        .collect();
    assert_eq!(
        checks,
        [
            "envelope",
            "payload-type",
            "signatures",
            "statement",
            "validity",
            "subjects"
        ]
    );
    let attestation = &report["attestation"];
    assert_eq!(attestation["issuer"], "Example Lab");
    assert_eq!(attestation["profile"], "HireRank");
    assert!(
        attestation["controls"]
            .as_array()
            .expect("controls")
            .iter()
            .any(|c| c["id"] == "bias-testing" && c["evidence"] == "satisfied")
    );
    assert!(report["recognition"].is_null(), "no --as, no recognition");
}

#[test]
fn verify_refuses_garbage_as_a_rejection_not_a_crash() {
    let setup = setup();
    let garbage = setup.write("garbage.json", "{\"payloadType\": [1, 2");
    let o = setup.verify(&garbage, &["--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "malformed-envelope");
    let nested = setup.write("nested.json", "[".repeat(10_000));
    let o = setup.verify(&nested, &["--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "too-deep");
    let mut large = fs::read(&setup.attestation).expect("attestation");
    large.resize(9 * 1024 * 1024, b' ');
    let large = setup.write("large.json", large);
    let o = setup.verify(&large, &["--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "too-large");
}

// Bad input: exit 2, nothing written.

#[test]
fn verify_bad_input_exits_2_and_writes_nothing() {
    let setup = setup();
    let out = setup.path("report.html");
    let missing = setup.path("missing.json");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        // The attestation cannot be read.
        (
            vec!["verify", s(&missing), "--key", s(&setup.public)],
            "missing.json",
        ),
        // The key is missing, or is the private half.
        (
            vec!["verify", s(&setup.attestation), "--key", s(&missing)],
            "missing.json",
        ),
        (
            vec!["verify", s(&setup.attestation), "--key", s(&setup.key)],
            "private key",
        ),
        // No trust anchor at all.
        (vec!["verify", s(&setup.attestation)], "--key"),
        // An unknown jurisdiction.
        (
            vec![
                "verify",
                s(&setup.attestation),
                "--key",
                s(&setup.public),
                "--as",
                "XX",
            ],
            "XX",
        ),
        // A --profile that does not exist.
        (
            vec![
                "verify",
                s(&setup.attestation),
                "--key",
                s(&setup.public),
                "--profile",
                s(&missing),
            ],
            "missing.json",
        ),
    ];
    for (mut args, needle) in cases {
        args.extend_from_slice(&["--format", "json", "--output", s(&out)]);
        let o = accord(&args);
        assert_code(&o, 2);
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn a_malformed_agreement_is_located_with_a_suggestion() {
    let setup = setup();
    let good = fs::read_to_string(root().join(AGREEMENT)).expect("example agreement");
    let bad = good.replacen("        - bias-testing\n", "        - bias-test\n", 1);
    assert_ne!(good, bad);
    let agreement = setup.write("agreement.yaml", &bad);
    let line = bad
        .lines()
        .position(|l| l.trim() == "- bias-test")
        .expect("the line")
        + 1;
    let out = setup.path("recognition.json");
    let o = accord(&[
        "verify",
        s(&setup.attestation),
        "--trust",
        s(&agreement),
        "--as",
        "CN",
        "--format",
        "json",
        "--output",
        s(&out),
    ]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}:{line}:", s(&agreement))),
        "file:line:column for line {line}: {err}"
    );
    assert!(err.contains("unknown control `bias-test`"), "{err}");
    assert!(err.contains("did you mean `bias-testing`?"), "{err}");
    assert!(!out.exists(), "a report was written for a bad agreement");

    // An unknown field, a wrong key id, an unknown party: each located.
    for (from, to, needle) in [
        ("conditions:", "condition:", "condition"),
        (
            "key_id: 201d4bd71a7d07f2163be0cb5a36d52580677d7c4e9fbd344172f123724cd0e2",
            "key_id: 101d4bd71a7d07f2163be0cb5a36d52580677d7c4e9fbd344172f123724cd0e2",
            "does not match the public key",
        ),
        (
            "accredited_by: eu-ai-office",
            "accredited_by: eu-ai-ofice",
            "did you mean `eu-ai-office`?",
        ),
        ("jurisdiction: CN", "jurisdiction: China", "China"),
    ] {
        let bad = good.replacen(from, to, 1);
        assert_ne!(good, bad, "{from}");
        let agreement = setup.write("agreement.yaml", &bad);
        let o = accord(&[
            "verify",
            s(&setup.attestation),
            "--trust",
            s(&agreement),
            "--output",
            s(&out),
        ]);
        assert_code(&o, 2);
        assert!(stderr(&o).contains(needle), "{to}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{}:", s(&agreement))),
            "{to}: not located: {}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
}

// The example agreement and its demo key.

#[test]
fn the_example_agreement_lists_the_demo_key() {
    let public = root().join("examples/agreements/demo-issuer.pub");
    let id = key_id(&public);
    let private = fs::read_to_string(root().join(DEMO_KEY)).expect("demo key");
    assert_eq!(
        SecretKey::from_pem(&private).expect("PKCS#8").public().id(),
        id
    );
    let agreement = fs::read_to_string(root().join(AGREEMENT)).expect("agreement");
    assert!(agreement.contains(&format!("key_id: {id}")));
    let pem = fs::read_to_string(&public).expect("pub");
    let base64 = pem.lines().nth(1).expect("key line");
    assert!(
        agreement.contains(base64),
        "the agreement's key is demo-issuer.pub"
    );
    assert!(agreement.contains("国家互联网信息办公室"));
    assert!(agreement.to_lowercase().contains("not an actual agreement"));
    let readme = fs::read_to_string(root().join("examples/agreements/README.md")).expect("README");
    assert!(
        readme.contains(&id) && readme.contains("DEMO"),
        "the README marks the demo key"
    );
}

fn demo_attestation(setup: &Setup, name: &str, extra: &[&str]) -> PathBuf {
    let out = setup.path(name);
    let o = setup.certify(DEMO_KEY, &out, extra);
    assert_code(&o, 0);
    out
}

fn verify_under_agreement(attestation: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", s(attestation), "--trust", AGREEMENT, "--at", AT];
    args.extend_from_slice(extra);
    accord(&args)
}

#[test]
fn the_example_agreement_recognises_a_demo_attestation_under_cn() {
    let setup = setup();
    let attestation = demo_attestation(&setup, "demo.json", &[]);
    let o = verify_under_agreement(&attestation, &["--as", "CN"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.starts_with("VERIFIED"), "{out}");
    assert!(out.contains("under agreement `eu-cn-pilot`"), "{out}");
    assert!(out.contains("Recognition under CN"), "{out}");
    assert!(out.contains("Partly recognised"), "{out}");
    assert!(out.contains("via bias-testing"), "{out}");

    let o = verify_under_agreement(&attestation, &["--as", "CN", "--format", "json"]);
    assert_code(&o, 0);
    let report = json(&o);
    assert_eq!(report["accord"], "verification/v1");
    assert_eq!(report["trust"]["kind"], "agreement");
    assert_eq!(report["trust"]["agreement"]["id"], "eu-cn-pilot");
    let parties = report["trust"]["agreement"]["parties"]
        .as_array()
        .expect("parties");
    assert!(
        parties
            .iter()
            .any(|p| p["name_zh"] == "国家互联网信息办公室"),
        "{parties:?}"
    );
    assert_eq!(report["attestation"]["agreement_issuer"]["id"], "demo-cab");
    let checks: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["check"].as_str().expect("check"))
        .collect();
    assert!(
        checks.contains(&"trust") && checks.contains(&"scope"),
        "{checks:?}"
    );
    let recognition = &report["recognition"];
    assert_eq!(recognition["jurisdiction"], "CN");
    assert!(
        recognition["summary"]["partly_recognised"]
            .as_u64()
            .expect("count")
            >= 1
    );
    let partial = recognition["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["recognition"] != "not-covered" && o["via"][0]["control"] == "bias-testing")
        .expect("an obligation recognised through bias-testing");
    assert!(
        partial["id"].as_str().expect("id").starts_with("cn-"),
        "{partial}"
    );
}

#[test]
fn fail_on_partial_exits_1_when_something_is_partly_recognised() {
    let setup = setup();
    let attestation = demo_attestation(&setup, "demo.json", &[]);
    let o = verify_under_agreement(&attestation, &["--as", "CN", "--fail-on", "partial"]);
    assert_code(&o, 1);
    assert!(
        stdout(&o).contains("VERIFIED"),
        "still verified: {}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("Partly recognised"), "{}", stdout(&o));
    assert_code(
        &verify_under_agreement(&attestation, &["--as", "CN", "--fail-on", "never"]),
        0,
    );
}

#[test]
fn the_example_agreement_refuses_what_it_does_not_cover() {
    let setup = setup();
    // The issuer is trusted for CN and EU only.
    let attestation = demo_attestation(&setup, "demo.json", &[]);
    let o = verify_under_agreement(&attestation, &["--as", "US-CA", "--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "out-of-scope");
    // Attestations valid for more than 400 days.
    let long = demo_attestation(&setup, "long.json", &["--valid-for", "500"]);
    let o = verify_under_agreement(&long, &["--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "validity-too-long");
    // After the pilot ends.
    let o = accord(&[
        "verify",
        s(&attestation),
        "--trust",
        AGREEMENT,
        "--at",
        "2029-01-01",
        "--format",
        "json",
    ]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "agreement-not-in-force");
    // A key the agreement does not list.
    let o = verify_under_agreement(&setup.attestation, &["--format", "json"]);
    assert_code(&o, 1);
    assert_eq!(json(&o)["rejection"]["code"], "untrusted-issuer");
}
