//! The README's command blocks run as written: a newcomer can copy them.

use std::path::Path;
use std::process::Command;

use super::root;

/// The commands of the first ```sh block after `heading`, with `\` continuations joined
/// and trailing comments removed.
fn block(readme: &str, heading: &str) -> Vec<String> {
    let start = readme.find(heading).expect("heading in README");
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("sh block") + "```sh\n".len();
    let close = rest[open..].find("```").expect("closed block") + open;
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in rest[open..close].lines() {
        let line = match line.find("  #") {
            Some(i) => &line[..i],
            None => line,
        };
        let line = line.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(line.trim_start());
        if !current.trim().is_empty() {
            commands.push(current.trim().to_string());
        }
        current.clear();
    }
    commands
}

fn run_block(heading: &str, dir: &Path) -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let commands = block(&readme, heading);
    assert!(commands.len() >= 3, "too few commands under {heading}");
    let bin = env!("CARGO_BIN_EXE_accord");
    let mut outputs = Vec::new();
    for command in commands {
        let args = command
            .strip_prefix("accord ")
            .unwrap_or_else(|| panic!("not an accord command: {command}"));
        let script = format!("'{bin}' {args}");
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("run sh");
        assert!(
            out.status.success(),
            "README command failed: {command}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push((command, String::from_utf8_lossy(&out.stdout).into_owned()));
    }
    outputs
}

#[test]
fn the_certify_and_recognise_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root().join("examples"), dir.path().join("examples")).unwrap();
    let outputs = run_block("### Certify once, recognise everywhere", dir.path());
    let verify_as = outputs
        .iter()
        .find(|(c, _)| c.starts_with("accord verify") && c.contains("--as CN"))
        .expect("a verify --as CN line");
    assert!(verify_as.1.starts_with("VERIFIED"), "{}", verify_as.1);
    assert!(
        verify_as.1.contains("Recognition under CN"),
        "{}",
        verify_as.1
    );
    for written in [
        "keys/accord.key",
        "keys/accord.pub",
        "audit.json",
        "assessment.json",
    ] {
        assert!(dir.path().join(written).exists(), "{written} not written");
    }
    let html = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "html"))
        .expect("an HTML recognition view");
    let page = std::fs::read_to_string(html.path()).unwrap();
    assert!(page.contains("<html"), "not HTML");
}
