//! Attestation verifications per second on one core, and the files for the
//! side-by-side run with securesystemslib (`bench/verify_peer.py`).
//!
//! Builds realistic attestations: every built-in example profile is assessed
//! with every built-in rulepack and two generated evidence files, certified as
//! an in-toto Statement v1 (the same `statement::build` the CLI's `certify`
//! uses) and signed in a DSSE envelope. Variants differ in issuer name and
//! issue time, so no two envelopes are alike. A second set is tampered: one
//! byte of each decoded payload flipped (deterministic position), then
//! re-encoded, the signature left as it was.
//!
//! Measured in one run, on one thread:
//!
//! 1. full verification — `accord_attest::verify::verify` with a key
//!    (envelope JSON, base64, Ed25519 strict over the PAE, the payload's
//!    depth and duplicate-key checks, statement and predicate parsing,
//!    consistency, issuer, validity): the target is ≥ 5,000/s on one core;
//! 2. the parts of it, each alone over the same envelopes, to show where the
//!    time goes: envelope parsing and within it the depth check and base64,
//!    the Ed25519 verification and the SHA-512 of the PAE inside it, the
//!    payload's depth check, statement parsing (refusing duplicate keys).
//!
//! Rates are per second of wall-clock time and per second of the thread's
//! CPU time; on a shared machine the second is the steadier, and the target
//! is judged on it.
//!
//! The answer is checked: every valid envelope must verify and every tampered
//! one must be refused with `bad-signature`, or the run fails. Writes to DIR:
//! `envelopes.jsonl`, `tampered.jsonl` (one envelope per line), `key.json`
//! (key id and raw public key in hex, as securesystemslib takes it) and
//! `accord.json` (the figures and the per-envelope answers).
//!
//! `ACCORD_BENCH_VERIFY_ONLY=1` times the full verification alone (for a
//! profiler). Usage: `verify-throughput [N] [DIR]` (default 100000
//! bench/out/verify), release build; `bench/verify-peer.sh` runs both sides.

use std::hint::black_box;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use accord_assess::{Assessor, LoadedEvidence, Options, ProfileInput};
use accord_attest::dsse::{self, Envelope};
use accord_attest::statement::{self, CertifyInput, EvidenceInput, Issuer, Statement};
use accord_attest::verify::{Request, Trust, verify};
use accord_attest::{SecretKey, sign_statement};

// The same allocator as the `accord` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use accord_bench::Rng;

/// Issuer names and issue times per example profile.
const VARIANTS: usize = 8;

/// Calls per second of wall-clock time and per second of this thread's CPU
/// time (the steadier figure on a shared machine).
#[derive(Clone, Copy)]
struct Rate {
    wall: f64,
    cpu: f64,
}

/// Nanoseconds this thread has run on a CPU (Linux); `None` elsewhere.
fn cpu_nanos() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Times `f` over the items, cycling, for `n` calls.
fn rate<T>(n: usize, items: &[T], mut f: impl FnMut(&T)) -> Rate {
    let cpu_start = cpu_nanos();
    let start = Instant::now();
    for i in 0..n {
        f(&items[i % items.len()]);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu_start, cpu_nanos()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
        _ => wall,
    };
    Rate {
        wall: n as f64 / wall,
        cpu: n as f64 / cpu,
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()
        .context("N must be a number")?
        .unwrap_or(100_000);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "bench/out/verify".into()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let rules = accord_bench::builtin_rules()?;
    let key = SecretKey::from_seed(&[0x5a; 32]);
    let public = key.public();
    let as_of = jiff::civil::date(2026, 11, 28);
    let first_issue: jiff::Timestamp = "2026-11-28T09:00:00Z".parse()?;
    let at: jiff::Timestamp = "2027-03-01T12:00:00Z".parse()?;

    // Realistic attestations, one per example profile and variant.
    let mut envelopes: Vec<Vec<u8>> = Vec::new();
    let mut payload_bytes: Vec<usize> = Vec::new();
    let examples: Vec<(&str, &str)> = accord_builtin::files()
        .iter()
        .copied()
        // Profiles lie directly in examples/ (agreements and tests below it).
        .filter(|(p, _)| {
            p.strip_prefix("examples/")
                .is_some_and(|f| f.ends_with(".yaml") && !f.contains('/'))
        })
        .collect();
    if examples.is_empty() {
        bail!("no built-in example profiles");
    }
    for (path, text) in &examples {
        let profile = ProfileInput::parse(text, path, &rules)
            .map_err(|d| anyhow::anyhow!("example {path} invalid: {d:?}"))?;
        // A first assessment finds the plan; evidence then names its first controls.
        let plan = Assessor {
            rules: &rules,
            evidence: &[],
            options: Options {
                as_of,
                jurisdictions: Vec::new(),
            },
        }
        .assess(&profile);
        let mut loaded = Vec::new();
        for (k, (kind, range)) in [("document", 0..2), ("fairness-audit", 2..3)]
            .into_iter()
            .enumerate()
        {
            let controls: Vec<&str> = plan
                .controls
                .iter()
                .skip(range.start)
                .take(range.len())
                .map(|c| c.id.as_str())
                .collect();
            if controls.is_empty() {
                continue;
            }
            let text = serde_json::to_string_pretty(&json!({
                "accord": "evidence/v1",
                "kind": kind,
                "produced_at": "2026-11-01T09:00:00Z",
                "tool": {"name": "accord-bench", "version": "0"},
                "controls": controls,
                "metrics": {"reviewed_pages": 40 + k},
                "passed": true
            }))?;
            loaded.push(
                LoadedEvidence::parse(&text, &format!("evidence-{k}.json"))
                    .map_err(|d| anyhow::anyhow!("generated evidence invalid: {d}"))?,
            );
        }
        let assessment = Assessor {
            rules: &rules,
            evidence: &loaded,
            options: Options {
                as_of,
                jurisdictions: Vec::new(),
            },
        }
        .assess(&profile);
        let assessment_text = serde_json::to_string_pretty(&assessment)?;
        let file = path.rsplit('/').next().unwrap_or(path);
        for v in 0..VARIANTS {
            let issued_at =
                first_issue.checked_add(jiff::SignedDuration::from_mins(v as i64 * 7))?;
            let statement = statement::build(CertifyInput {
                assessment: &assessment,
                assessment_digest: accord_assess::sha256_digest(assessment_text.as_bytes()),
                assessment_name: file.replace(".yaml", ".assessment.json"),
                profile_document: profile.document.value.clone(),
                evidence: loaded
                    .iter()
                    .map(|e| EvidenceInput::from_loaded(e.path.clone(), e))
                    .collect(),
                issuer: Issuer {
                    name: format!("Example Conformity Assessment Body {v}"),
                    key_id: public.id().to_string(),
                },
                issued_at,
                valid_until: issued_at.checked_add(jiff::SignedDuration::from_hours(24 * 365))?,
            });
            let envelope = sign_statement(&statement, &key).map_err(|e| anyhow::anyhow!(e))?;
            payload_bytes.push(envelope.payload.len());
            envelopes.push(envelope.to_json().into_bytes());
        }
    }

    // The tampered set: one payload byte flipped, signature kept.
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut tampered: Vec<Vec<u8>> = Vec::new();
    for bytes in &envelopes {
        let mut envelope = Envelope::parse(bytes).map_err(|r| anyhow::anyhow!("{r}"))?;
        let at = rng.below(envelope.payload.len() as u64) as usize;
        envelope.payload[at] ^= 1 << rng.below(8);
        tampered.push(envelope.to_json().into_bytes());
    }

    // Check the answers before timing anything.
    let request = Request {
        trust: Trust::Key(&public),
        at,
        files: &[],
        recognise_as: None,
    };
    let mut valid_answers = Vec::new();
    for (i, bytes) in envelopes.iter().enumerate() {
        let outcome = verify(bytes, &request);
        if let Err(r) = &outcome.result {
            bail!("valid envelope {i} was refused: {r}");
        }
        valid_answers.push(true);
    }
    let mut tampered_answers = Vec::new();
    for (i, bytes) in tampered.iter().enumerate() {
        match verify(bytes, &request).result {
            Ok(_) => bail!("tampered envelope {i} verified"),
            Err(r) if r.code != "bad-signature" => {
                bail!("tampered envelope {i} refused for the wrong reason: {r}")
            }
            Err(_) => tampered_answers.push(false),
        }
    }

    // 1. Full verification.
    let mut verified = 0usize;
    let full = rate(n, &envelopes, |bytes: &Vec<u8>| {
        verified += usize::from(verify(bytes, &request).result.is_ok());
    });
    if verified != n {
        bail!("{} of {n} verifications failed while timing", n - verified);
    }
    if std::env::var_os("ACCORD_BENCH_VERIFY_ONLY").is_some() {
        // For profilers: the full verification alone.
        println!(
            "full verification (accord_attest::verify): {:.0} /s wall, {:.0} per CPU-second ({n} runs)",
            full.wall, full.cpu
        );
        return Ok(());
    }
    let mut refused = 0usize;
    let tampered_rate = rate(n / 4, &tampered, |bytes: &Vec<u8>| {
        refused += usize::from(verify(bytes, &request).result.is_err());
    });
    if refused != n / 4 {
        bail!("a tampered envelope verified while timing");
    }

    // 2. The parts, each over the same envelopes.
    let parsed: Vec<Envelope> = envelopes
        .iter()
        .map(|b| Envelope::parse(b).map_err(|r| anyhow::anyhow!("{r}")))
        .collect::<anyhow::Result<_>>()?;
    let paes: Vec<Vec<u8>> = parsed.iter().map(Envelope::pae).collect();
    let payloads: Vec<Vec<u8>> = parsed.iter().map(|e| e.payload.clone()).collect();
    let base64_payloads: Vec<Vec<u8>> = payloads
        .iter()
        .map(|p| dsse::encode_base64(p).into_bytes())
        .collect();
    let mut index = 0usize;
    let parts = [
        (
            "envelope parse (depth check, JSON, base64)",
            rate(n, &envelopes, |bytes| {
                black_box(Envelope::parse(black_box(bytes)).is_ok());
            }),
        ),
        (
            "  of which depth check of the envelope",
            rate(n, &envelopes, |bytes| {
                black_box(dsse::check_depth(black_box(bytes), dsse::MAX_DEPTH).is_ok());
            }),
        ),
        (
            "  of which base64 decode of the payload",
            rate(n, &base64_payloads, |text| {
                let text = std::str::from_utf8(text).unwrap_or_default();
                black_box(dsse::decode_base64(black_box(text)));
            }),
        ),
        (
            "Ed25519 strict verify over the PAE",
            rate(n, &paes, |pae| {
                let sig = &parsed[index % parsed.len()].signatures[0].sig;
                index += 1;
                black_box(public.verify(black_box(pae), sig));
            }),
        ),
        (
            "  of which SHA-512 of the PAE (sha2 0.10)",
            rate(n, &paes, |pae| {
                black_box(Sha512::digest(black_box(pae)));
            }),
        ),
        (
            "depth check of the payload",
            rate(n, &payloads, |payload| {
                black_box(dsse::check_depth(black_box(payload), dsse::MAX_DEPTH).is_ok());
            }),
        ),
        (
            "statement parse (typed, one pass, duplicate keys refused)",
            rate(n, &payloads, |payload| {
                black_box(serde_json::from_slice::<Statement>(black_box(payload)).is_ok());
            }),
        ),
        (
            "for scale: payload as a serde_json Value",
            rate(n, &payloads, |payload| {
                black_box(serde_json::from_slice::<Value>(black_box(payload)).is_ok());
            }),
        ),
    ];

    // The files for the peer.
    let mut lines = String::new();
    for e in &envelopes {
        lines.push_str(std::str::from_utf8(e)?);
        lines.push('\n');
    }
    std::fs::write(dir.join("envelopes.jsonl"), lines)?;
    let mut lines = String::new();
    for e in &tampered {
        lines.push_str(std::str::from_utf8(e)?);
        lines.push('\n');
    }
    std::fs::write(dir.join("tampered.jsonl"), lines)?;
    let hex: String = public.raw().iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(
        dir.join("key.json"),
        serde_json::to_string_pretty(&json!({"keyid": public.id(), "public": hex}))?,
    )?;
    let sizes: Vec<usize> = envelopes.iter().map(Vec::len).collect();
    let min = sizes.iter().copied().min().unwrap_or(0);
    let max = sizes.iter().copied().max().unwrap_or(0);
    let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    let payload_mean = payload_bytes.iter().sum::<usize>() as f64 / payload_bytes.len() as f64;
    std::fs::write(
        dir.join("accord.json"),
        serde_json::to_string_pretty(&json!({
            "verifications": n,
            "verify_per_second": full.wall,
            "verify_per_cpu_second": full.cpu,
            "tampered_per_second": tampered_rate.wall,
            "parts_cpu_microseconds": parts
                .iter()
                .map(|(name, r)| (name.trim().to_string(), json!(1e6 / r.cpu)))
                .collect::<serde_json::Map<String, Value>>(),
            "valid": valid_answers,
            "tampered": tampered_answers,
            "envelope_bytes": {"min": min, "mean": mean, "max": max},
            "payload_bytes_mean": payload_mean,
        }))?,
    )?;

    println!(
        "envelopes: {} valid ({} profiles x {VARIANTS} variants) + {} tampered; envelope {min}-{max} bytes (mean {mean:.0}), payload mean {payload_mean:.0} bytes",
        envelopes.len(),
        examples.len(),
        tampered.len()
    );
    println!(
        "checked: all {} valid envelopes verify; all {} tampered ones are refused with bad-signature",
        envelopes.len(),
        tampered.len()
    );
    println!(
        "full verification (accord_attest::verify), {n} runs: {:.0} /s wall, {:.0} per CPU-second ({:.1} us CPU each)",
        full.wall,
        full.cpu,
        1e6 / full.cpu
    );
    println!(
        "tampered (refused at the signature), {} runs: {:.0} /s wall, {:.0} per CPU-second",
        n / 4,
        tampered_rate.wall,
        tampered_rate.cpu
    );
    println!("parts, each alone (CPU microseconds per envelope):");
    for (name, r) in &parts {
        println!("  {:<46} {:7.1}", format!("{name}:"), 1e6 / r.cpu);
    }
    if full.cpu < 5_000.0 {
        println!(
            "TARGET MISSED: {:.0} verifications per CPU-second < 5,000",
            full.cpu
        );
    }
    Ok(())
}
