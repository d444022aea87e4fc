//! The built-in rulepacks, control catalogue and example profiles, embedded in
//! the binary at build time from the workspace's `rulepacks/`, `controls/` and
//! `examples/` folders.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

use accord_rules::{PackSource, SourceFile};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Every embedded file, as `(path from the workspace root, text)`.
pub fn files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

/// The built-in packs, in folder order.
pub fn packs() -> Vec<PackSource> {
    let mut packs: Vec<PackSource> = Vec::new();
    for (path, text) in files() {
        let Some(rest) = path.strip_prefix("rulepacks/") else {
            continue;
        };
        let Some((pack, relative)) = rest.split_once('/') else {
            continue;
        };
        let root = format!("rulepacks/{pack}");
        let file = SourceFile {
            path: path.to_string(),
            relative: relative.to_string(),
            text: text.to_string(),
        };
        match packs.iter_mut().find(|p| p.root == root) {
            Some(p) => p.files.push(file),
            None => packs.push(PackSource {
                root,
                files: vec![file],
                builtin: true,
            }),
        }
    }
    packs.retain(|p| p.files.iter().any(|f| f.relative == "pack.yaml"));
    packs
}

/// The control catalogue, `controls/catalogue.yaml`.
pub fn catalogue() -> (&'static str, &'static str) {
    files()
        .iter()
        .copied()
        .find(|(p, _)| *p == "controls/catalogue.yaml")
        .unwrap_or(("controls/catalogue.yaml", ""))
}

/// An embedded file by its path from the workspace root.
pub fn file(path: &str) -> Option<&'static str> {
    files().iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}
