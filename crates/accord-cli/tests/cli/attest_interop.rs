//! DSSE interoperability: Accord's envelopes against an independent
//! implementation, securesystemslib (with in-toto-attestation for the
//! Statement), driven through `tests/interop/dsse_interop.py`.
//!
//! The Python is the one named by `ACCORD_PYTHON` (a virtual environment with
//! `securesystemslib` and `in-toto-attestation`, as `.ci/run` installs them).
//! Without it each test says loudly that it was skipped and passes — unless
//! `ACCORD_REQUIRE_PYTHON=1`, when it fails (CI sets both).
//!
//! Attestations are issued at a fixed time and verified with `--at`, so the
//! outcome does not depend on the clock.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use accord_attest::dsse::{decode_base64, encode_base64};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::{assert_code, root, stderr, stdout};

const ISSUED_AT: &str = "2026-01-15T00:00:00Z";
const VERIFY_AT: &str = "2026-01-16T00:00:00Z";
const AS_OF: &str = "2026-01-10";

/// The Python to run `dsse_interop.py` with, checked once per test binary;
/// `None` (after one loud message) when the checks are to be skipped.
fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON.get_or_init(find_python).clone()
}

fn find_python() -> Option<PathBuf> {
    let required = std::env::var("ACCORD_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let skip = |why: &str| {
        // Written to the stream itself, not through `eprintln!`, so that the
        // test harness does not capture it: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n==========================================================================\n\
             skipped: DSSE interoperability with securesystemslib (attest_interop):\n\
             {why}\n\
             Set ACCORD_PYTHON to a Python with them: pip install\n\
             'securesystemslib[crypto]==1.6.0' in-toto-attestation==0.9.3\n\
             ==========================================================================\n"
        );
    };
    let Some(path) = std::env::var_os("ACCORD_PYTHON").filter(|p| !p.is_empty()) else {
        if required {
            panic!(
                "ACCORD_REQUIRE_PYTHON=1 but ACCORD_PYTHON is not set: cannot check DSSE \
                 interoperability with securesystemslib"
            );
        }
        skip("ACCORD_PYTHON is not set.");
        return None;
    };
    let path = PathBuf::from(path);
    let probe = Command::new(&path)
        .args([
            "-c",
            "import cryptography, securesystemslib.dsse, securesystemslib.signer, \
             in_toto_attestation.v1.statement",
        ])
        .output();
    let problem = match probe {
        Ok(out) if out.status.success() => return Some(path),
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("the modules do not import")
            .to_owned(),
        Err(e) => format!("cannot run it: {e}"),
    };
    let why = format!("{} lacks the modules: {problem}", path.display());
    if required {
        panic!("ACCORD_REQUIRE_PYTHON=1 but {why}");
    }
    skip(&why);
    None
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/dsse_interop.py")
}

/// Runs `accord` in `dir`.
fn accord_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run accord")
}

/// Runs the Python helper; returns its exit code and the JSON object it printed.
fn py(python: &Path, args: &[&str]) -> (i32, Value) {
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .output()
        .expect("run the Python interpreter named by ACCORD_PYTHON");
    let text = stdout(&out);
    let json: Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "dsse_interop.py {args:?} printed no JSON ({e}); exit {:?}\nstdout:\n{text}\nstderr:\n{}",
            out.status.code(),
            stderr(&out)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// A key pair, evidence, an assessment and the attestation `accord certify`
/// made of them, in a temporary directory.
struct Certified {
    dir: TempDir,
    key: PathBuf,
    public: PathBuf,
    evidence: PathBuf,
    assessment: PathBuf,
    attestation: PathBuf,
}

impl Certified {
    fn new() -> Certified {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let root = root();
        let profile = root.join("examples/cv-screening.yaml");
        let csv = root.join("examples/data/hiring-outcomes.csv");

        assert_code(&accord_in(d, &["keygen", "--out", "keys"]), 0);
        #[rustfmt::skip]
        let audit = accord_in(d, &[
            "audit", "fairness", csv.to_str().unwrap(),
            "--group", "sex", "--group", "race",
            "--label", "qualified", "--pred", "selected", "--score", "score",
            "--evidence", "E.json",
        ]);
        assert_code(&audit, 0);
        #[rustfmt::skip]
        let assess = accord_in(d, &[
            "assess", profile.to_str().unwrap(), "--as-of", AS_OF,
            "--format", "json", "--output", "A.json", "--evidence", "E.json",
        ]);
        assert_code(&assess, 0);
        #[rustfmt::skip]
        let certify = accord_in(d, &[
            "certify", "A.json", "--key", "keys/accord.key", "--evidence", "E.json",
            "--issued-at", ISSUED_AT, "--out", "att.json",
        ]);
        assert_code(&certify, 0);

        Certified {
            key: d.join("keys/accord.key"),
            public: d.join("keys/accord.pub"),
            evidence: d.join("E.json"),
            assessment: d.join("A.json"),
            attestation: d.join("att.json"),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `accord verify ENVELOPE --key accord.pub --at VERIFY_AT --format json`,
    /// with the subject files given so that they are checked too.
    fn accord_verify(&self, envelope: &Path) -> (i32, Value) {
        let profile = root().join("examples/cv-screening.yaml");
        #[rustfmt::skip]
        let out = accord_in(self.dir.path(), &[
            "verify", envelope.to_str().unwrap(),
            "--key", self.public.to_str().unwrap(),
            "--at", VERIFY_AT,
            "--profile", profile.to_str().unwrap(),
            "--assessment", self.assessment.to_str().unwrap(),
            "--evidence", self.evidence.to_str().unwrap(),
            "--format", "json",
        ]);
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
            panic!(
                "accord verify --format json printed no JSON ({e})\nstdout:\n{}\nstderr:\n{}",
                stdout(&out),
                stderr(&out)
            )
        });
        (out.status.code().unwrap_or(-1), json)
    }

    /// Python signs `payload` with accord.key; `extra` are `sign` options.
    fn py_sign(&self, python: &Path, payload: &[u8], out: &str, extra: &[&str]) -> Value {
        let payload_path = self.path(&format!("{out}.payload"));
        std::fs::write(&payload_path, payload).unwrap();
        let out_path = self.path(out);
        let mut args = vec![
            "sign",
            payload_path.to_str().unwrap(),
            self.key.to_str().unwrap(),
            out_path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (code, json) = py(python, &args);
        assert_eq!(code, 0, "sign failed: {json}");
        // accord.key loads in pyca/cryptography as written (PKCS#8 v1).
        assert_eq!(json["private_key_form"], "pkcs8", "{json}");
        json
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec(value).unwrap()).unwrap();
}

fn b64(value: &Value) -> Vec<u8> {
    let text = value.as_str().expect("a base64 string");
    decode_base64(text).unwrap_or_else(|| panic!("not base64: {text}"))
}

fn hex_bytes(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd-length hex");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn rejection_code(report: &Value) -> &str {
    report["rejection"]["code"].as_str().unwrap_or("(none)")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Accord signs; securesystemslib verifies with the public key from
/// accord.pub, and in-toto-attestation accepts the statement.
#[test]
fn accord_envelope_verifies_with_securesystemslib() {
    let Some(python) = python() else { return };
    let c = Certified::new();

    // Accord itself accepts it, and says which key signed.
    let (code, report) = c.accord_verify(&c.attestation);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verified"], true);
    let key_id = report["trust"]["key_id"].as_str().unwrap().to_owned();

    let (code, out) = py(
        &python,
        &[
            "verify",
            c.attestation.to_str().unwrap(),
            c.public.to_str().unwrap(),
        ],
    );
    assert_eq!(
        code, 0,
        "securesystemslib rejected Accord's envelope: {out}"
    );
    assert_eq!(out["ok"], true);
    // The key id computed in Python from accord.pub is Accord's, and
    // securesystemslib matched the signature to it by that id.
    assert_eq!(out["keyid"], key_id.as_str());
    assert_eq!(out["accepted_keyids"], serde_json::json!([key_id]));
    assert_eq!(out["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(out["statement"]["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        out["statement"]["predicateType"],
        accord_attest::PREDICATE_TYPE
    );

    // The bytes securesystemslib verified are the bytes in the envelope.
    let envelope = read_json(&c.attestation);
    let signed = b64(&envelope["payload"]);
    let verified = hex_bytes(out["payload_hex"].as_str().unwrap());
    assert!(!signed.is_empty());
    assert_eq!(verified, signed, "securesystemslib verified other bytes");

    // in-toto-attestation's Statement v1 model parses and validates the
    // payload, strictly (unknown fields are errors), with the subjects Accord
    // recorded: the profile, the assessment and the evidence, by SHA-256.
    let payload_path = c.path("statement.json");
    std::fs::write(&payload_path, &signed).unwrap();
    let (code, st) = py(&python, &["statement", payload_path.to_str().unwrap()]);
    assert_eq!(code, 0, "in-toto-attestation refused the statement: {st}");
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], accord_attest::PREDICATE_TYPE);
    let subjects = st["subjects"].as_array().unwrap();
    let digest_of = |name: &str| {
        subjects
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no subject {name} in {subjects:?}"))["digest"]["sha256"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let profile = std::fs::read(root().join("examples/cv-screening.yaml")).unwrap();
    assert_eq!(digest_of("profile:cv-screening.yaml"), sha256_hex(&profile));
    let assessment = std::fs::read(&c.assessment).unwrap();
    assert_eq!(digest_of("assessment:A.json"), sha256_hex(&assessment));
    let evidence = std::fs::read(&c.evidence).unwrap();
    assert_eq!(digest_of("evidence:E.json"), sha256_hex(&evidence));
}

/// securesystemslib signs Accord's statement with accord.key; `accord verify`
/// accepts the envelope, with keyid set to the key id, empty, or absent.
#[test]
fn securesystemslib_envelope_verifies_with_accord() {
    let Some(python) = python() else { return };
    let c = Certified::new();
    let accord_envelope = read_json(&c.attestation);
    let statement = b64(&accord_envelope["payload"]);

    let signed = c.py_sign(&python, &statement, "py.json", &[]);
    let py_envelope = read_json(&c.path("py.json"));
    let (code, report) = c.accord_verify(&c.path("py.json"));
    assert_eq!(
        code, 0,
        "accord rejected securesystemslib's envelope: {report:#}"
    );
    assert_eq!(report["verified"], true);
    let key_id = report["trust"]["key_id"].as_str().unwrap();
    assert_eq!(signed["keyid"], key_id);
    assert_eq!(py_envelope["signatures"][0]["keyid"], key_id);
    assert_eq!(b64(&py_envelope["payload"]), statement);

    // Ed25519 is deterministic: the same key over the same PAE gives the same
    // signature, so this shows both sides build the PAE byte for byte alike.
    assert_eq!(
        b64(&py_envelope["signatures"][0]["sig"]),
        b64(&accord_envelope["signatures"][0]["sig"]),
        "securesystemslib and Accord signed different bytes"
    );

    // DSSE: keyid is optional, and unset is the same as empty.
    for keyid in ["empty", "absent"] {
        let name = format!("py-keyid-{keyid}.json");
        c.py_sign(&python, &statement, &name, &["--keyid", keyid]);
        let written = read_json(&c.path(&name));
        match keyid {
            "empty" => assert_eq!(written["signatures"][0]["keyid"], ""),
            _ => assert!(written["signatures"][0].get("keyid").is_none()),
        }
        let (code, report) = c.accord_verify(&c.path(&name));
        assert_eq!(code, 0, "keyid {keyid}: {report:#}");
        assert_eq!(report["verified"], true);
    }
}

/// A changed payload is refused by both; a changed payloadType is refused by
/// Accord's policy and, once it no longer matches what was signed, by both.
#[test]
fn tampering_is_seen_by_both() {
    let Some(python) = python() else { return };
    let c = Certified::new();
    let public = c.public.to_str().unwrap();

    // One byte of Accord's payload flipped (inside a subject's digest, so the
    // payload stays valid JSON and only the signature can catch it).
    let mut envelope = read_json(&c.attestation);
    let mut payload = b64(&envelope["payload"]);
    let at = payload
        .windows(10)
        .position(|w| w == b"\"sha256\":\"")
        .expect("a sha256 digest in the statement")
        + 10;
    payload[at] = if payload[at] == b'0' { b'1' } else { b'0' };
    envelope["payload"] = Value::String(encode_base64(&payload));
    let tampered = c.path("tampered.json");
    write_json(&tampered, &envelope);

    let (code, out) = py(&python, &["verify", tampered.to_str().unwrap(), public]);
    assert_eq!(
        code, 1,
        "securesystemslib accepted a tampered payload: {out}"
    );
    assert_eq!(out["stage"], "verify");
    let (code, report) = c.accord_verify(&tampered);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(rejection_code(&report), "bad-signature", "{report:#}");

    // Signed as another payload type: the signature is good (securesystemslib
    // accepts it), but Accord refuses the type before it looks at signatures.
    let statement = b64(&read_json(&c.attestation)["payload"]);
    c.py_sign(
        &python,
        &statement,
        "other-type.json",
        &["--payload-type", "application/json"],
    );
    let other = c.path("other-type.json");
    let (code, out) = py(&python, &["verify", other.to_str().unwrap(), public]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["payloadType"], "application/json");
    let (code, report) = c.accord_verify(&other);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(rejection_code(&report), "payload-type", "{report:#}");

    // The same envelope relabelled as in-toto: the type is right, but PAE
    // binds the type into what was signed, so the signature fails on both.
    let mut relabelled = read_json(&other);
    relabelled["payloadType"] = Value::String("application/vnd.in-toto+json".into());
    let relabelled_path = c.path("relabelled.json");
    write_json(&relabelled_path, &relabelled);
    let (code, out) = py(
        &python,
        &["verify", relabelled_path.to_str().unwrap(), public],
    );
    assert_eq!(
        code, 1,
        "securesystemslib accepted a relabelled envelope: {out}"
    );
    assert_eq!(out["stage"], "verify");
    let (code, report) = c.accord_verify(&relabelled_path);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(rejection_code(&report), "bad-signature", "{report:#}");
}

/// DSSE allows standard or URL-safe base64: an envelope whose payload and
/// signature are URL-safe and unpadded verifies with Accord.
#[test]
fn urlsafe_unpadded_base64_verifies_with_accord() {
    let Some(python) = python() else { return };
    let c = Certified::new();
    let statement = b64(&read_json(&c.attestation)["payload"]);

    // ASCII JSON never encodes to `-` or `_` (those need bytes `>`, `?`, `~`
    // in the wrong places), so only the signature can show the URL-safe
    // alphabet. A signature lacks both letters about one time in fifteen;
    // trailing JSON whitespace changes the signature without changing the
    // statement, so sign again until one has them.
    let urlsafe = c.path("urlsafe.json");
    let mut found = None;
    for spaces in 0..32 {
        let mut payload = statement.clone();
        payload.extend(std::iter::repeat_n(b' ', spaces));
        c.py_sign(
            &python,
            &payload,
            "urlsafe.json",
            &["--encoding", "urlsafe-nopad"],
        );
        let written = read_json(&urlsafe);
        let sig = written["signatures"][0]["sig"].as_str().unwrap().to_owned();
        if sig.contains(['-', '_']) {
            found = Some((written, payload));
            break;
        }
    }
    let (written, payload) = found.expect("no signature used the URL-safe letters in 32 tries");
    let sig = written["signatures"][0]["sig"].as_str().unwrap();
    let payload_text = written["payload"].as_str().unwrap();
    for text in [sig, payload_text] {
        assert!(
            !text.contains(['=', '+', '/']),
            "not URL-safe unpadded: {text}"
        );
    }
    // Ed25519 signatures are 64 bytes: unpadded they are 86 characters, not 88.
    assert_eq!(sig.len(), 86);
    assert_eq!(b64(&written["payload"]), payload);

    let (code, report) = c.accord_verify(&urlsafe);
    assert_eq!(
        code, 0,
        "accord rejected URL-safe unpadded base64: {report:#}"
    );
    assert_eq!(report["verified"], true);

    // securesystemslib 1.6.0 itself requires padding (Python's b64decode), so
    // it refuses this envelope before verifying: a known departure from DSSE,
    // noted in dsse_interop.py. If this starts passing, update that note.
    let (code, out) = py(
        &python,
        &[
            "verify",
            urlsafe.to_str().unwrap(),
            c.public.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["stage"], "parse");
    assert!(
        out["error"].as_str().unwrap().contains("padding"),
        "securesystemslib now reads unpadded base64; update the notes in \
         dsse_interop.py: {out}"
    );
}

/// Base64 with non-zero trailing bits decodes to the same signature bytes
/// under a lenient decoder. securesystemslib accepts it; Accord refuses it as
/// `signature-encoding`, so that no two envelopes carry the same signature.
/// A documented divergence, not a DSSE requirement either way.
#[test]
fn non_canonical_base64_is_refused_by_accord_only() {
    let Some(python) = python() else { return };
    let c = Certified::new();
    let mut envelope = read_json(&c.attestation);
    let sig = envelope["signatures"][0]["sig"]
        .as_str()
        .unwrap()
        .to_owned();
    // 64 bytes: the last group holds one byte, as two characters and "==";
    // the second character's low four bits are padding bits.
    assert!(sig.ends_with("=="), "{sig}");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let last = sig.as_bytes()[sig.len() - 3];
    let index = alphabet.iter().position(|&b| b == last).unwrap();
    let changed = format!("{}{}==", &sig[..sig.len() - 3], alphabet[index ^ 1] as char);
    envelope["signatures"][0]["sig"] = Value::String(changed);
    let path = c.path("non-canonical.json");
    write_json(&path, &envelope);

    let (code, out) = py(
        &python,
        &["verify", path.to_str().unwrap(), c.public.to_str().unwrap()],
    );
    assert_eq!(
        code, 0,
        "securesystemslib now refuses non-canonical base64: {out}"
    );
    let (code, report) = c.accord_verify(&path);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(rejection_code(&report), "signature-encoding", "{report:#}");
}
