//! The registry in a real browser: headless Chromium, driven by playwright-core
//! (tests/e2e/registry.mjs), files a system as a provider, approves it as a
//! reviewer and finds it on the public register.
//!
//! Needs node, `npm ci --prefix crates/accord-cli/tests/e2e` and Debian's
//! `chromium`. Without them the test says it is skipped — unless
//! ACCORD_REQUIRE_BROWSER=1 (CI), which turns a missing piece into a failure.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::root;

fn missing() -> Option<String> {
    let e2e = root().join("crates/accord-cli/tests/e2e");
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !e2e.join("node_modules/playwright-core").exists() {
        return Some(format!(
            "playwright-core is not installed: npm ci --prefix {}",
            e2e.display()
        ));
    }
    let chromium = std::env::var("ACCORD_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing: apt-get install chromium"));
    }
    None
}

fn token(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["token", "create", "--database", db])
        .args(args)
        .output()
        .expect("run accord token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string()
}

/// Starts `accord serve` on a free port; returns the child and its base URL.
pub fn start(db: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["serve", "--database", db, "--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start accord serve");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("server output").expect("read");
        if let Some(rest) = line.strip_prefix("Accord registry on ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

#[test]
fn a_provider_files_a_reviewer_approves_the_public_finds_it() {
    if let Some(why) = missing() {
        assert!(
            std::env::var_os("ACCORD_REQUIRE_BROWSER").is_none_or(|v| v != "1"),
            "ACCORD_REQUIRE_BROWSER=1 but {why}"
        );
        eprintln!("\n*** browser end-to-end test skipped: {why} ***\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("registry.db").display());
    let provider = token(
        &db,
        &[
            "--role",
            "provider",
            "--name",
            "acme",
            "--organisation",
            "Acme Ltd",
        ],
    );
    let reviewer = token(
        &db,
        &[
            "--role",
            "reviewer",
            "--name",
            "eu-desk",
            "--jurisdiction",
            "EU",
        ],
    );
    let (mut server, base) = start(&db);
    let out = Command::new("node")
        .arg(root().join("crates/accord-cli/tests/e2e/registry.mjs"))
        .args([&base, &provider, &reviewer])
        .arg(root().join("examples/cv-screening.yaml"))
        .output()
        .expect("run node");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "browser test failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("all checks passed"), "{stdout}");
}
