//! Reading what the user gives: rulepack folders, profiles, evidence, dates.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::civil::Date;

use accord_assess::{LoadedEvidence, ProfileInput};
use accord_model::Diagnostic;
use accord_rules::pack::{PackSource, SourceFile};
use accord_rules::{Catalogue, RuleSet, load_pack};

use crate::RuleOptions;
use crate::output::Diagnostics;

/// Reads a file as UTF-8, with a clear message when it cannot be read.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("Cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        Diagnostics::from(Diagnostic::new(
            path.display().to_string(),
            None,
            format!(
                "Not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
        .into()
    })
}

/// A folder's entries, sorted by path.
fn entries(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("Cannot read folder `{}`", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<SourceFile>) -> anyhow::Result<()> {
    for path in entries(dir)? {
        if path.is_dir() {
            walk(&path, base, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            let relative = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(SourceFile {
                path: path.display().to_string(),
                relative,
                text: read_text(&path)?,
            });
        }
    }
    Ok(())
}

/// The packs in a folder: the folder itself when it has pack.yaml, else its subfolders that do.
pub fn pack_sources(dir: &Path) -> anyhow::Result<Vec<PackSource>> {
    if !dir.exists() {
        bail!("Rulepack folder `{}` does not exist", dir.display());
    }
    let mut folders = Vec::new();
    if dir.join("pack.yaml").is_file() {
        folders.push(dir.to_path_buf());
    } else {
        folders.extend(
            entries(dir)?
                .into_iter()
                .filter(|p| p.join("pack.yaml").is_file()),
        );
    }
    if folders.is_empty() {
        return Err(Diagnostics::from(
            Diagnostic::new(dir.display().to_string(), None, "No rulepack here: neither the folder nor its subfolders hold a pack.yaml")
                .with_hint("a rulepack folder holds pack.yaml, rules/*.yaml and tests/*.yaml (docs/rulepacks.md)"),
        )
        .into());
    }
    folders
        .into_iter()
        .map(|folder| {
            let mut files = Vec::new();
            walk(&folder, &folder, &mut files)?;
            Ok(PackSource {
                root: folder.display().to_string(),
                files,
                builtin: false,
            })
        })
        .collect()
}

/// Built-in packs plus those under `--rules`; a user pack replaces a built-in one with its id.
pub fn pack_set(options: &RuleOptions, extra: &[PathBuf]) -> anyhow::Result<Vec<PackSource>> {
    let mut user = Vec::new();
    for dir in options.rules.iter().chain(extra) {
        user.extend(pack_sources(dir)?);
    }
    let id_of = |source: &PackSource| -> Option<String> {
        let manifest = source.files.iter().find(|f| f.relative == "pack.yaml")?;
        let doc = accord_model::Document::parse(&manifest.text, &manifest.path).ok()?;
        doc.value.get("id")?.as_str().map(str::to_string)
    };
    let user_ids: Vec<Option<String>> = user.iter().map(id_of).collect();
    let mut packs = Vec::new();
    if !options.no_builtin_rules {
        for builtin in accord_builtin::packs() {
            let id = id_of(&builtin);
            if id.is_some() && user_ids.contains(&id) {
                continue;
            }
            packs.push(builtin);
        }
    }
    packs.extend(user);
    Ok(packs)
}

pub fn catalogue(options: &RuleOptions) -> anyhow::Result<Catalogue> {
    match &options.catalogue {
        Some(path) => Ok(
            Catalogue::parse(&read_text(path)?, &path.display().to_string())
                .map_err(Diagnostics::from)?,
        ),
        None => {
            let (path, text) = accord_builtin::catalogue();
            Ok(Catalogue::parse(text, path).map_err(Diagnostics::from)?)
        }
    }
}

/// Loads and compiles the rule set; every problem is reported with its location.
pub fn rules_with(options: &RuleOptions, extra: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let sources = pack_set(options, extra)?;
    let catalogue = catalogue(options)?;
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for source in &sources {
        match load_pack(source) {
            Ok(pack) => loaded.push(pack),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }
    Ok(RuleSet::compile(loaded, catalogue).map_err(Diagnostics)?)
}

pub fn rules(options: &RuleOptions) -> anyhow::Result<RuleSet> {
    rules_with(options, &[])
}

/// Profiles named on the command line, with each folder expanded to the
/// profiles directly in it (sorted; subfolders are not entered).
pub fn profile_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    fn expand(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
        for path in entries(dir)? {
            if path.is_file()
                && matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = out.len();
            expand(path, &mut out)?;
            if out.len() == before {
                bail!(
                    "No profiles (*.yaml, *.yml, *.json) in `{}`",
                    path.display()
                );
            }
        } else if path.exists() {
            out.push(path.clone());
        } else {
            bail!("Profile `{}` does not exist", path.display());
        }
    }
    Ok(out)
}

pub fn profile(path: &Path, rules: &RuleSet) -> anyhow::Result<ProfileInput> {
    let text = read_text(path)?;
    Ok(ProfileInput::parse(&text, &path.display().to_string(), rules).map_err(Diagnostics)?)
}

pub fn evidence(paths: &[PathBuf]) -> anyhow::Result<Vec<LoadedEvidence>> {
    paths
        .iter()
        .map(|path| {
            let text = read_text(path)?;
            Ok(LoadedEvidence::parse(&text, &path.display().to_string())
                .map_err(Diagnostics::from)?)
        })
        .collect()
}

/// `--as-of`, or today's date (UTC).
pub fn as_of(text: Option<&str>) -> anyhow::Result<Date> {
    match text {
        Some(t) => accord_model::facts::parse_date(t).map_err(|m| {
            Diagnostics::from(
                Diagnostic::new("--as-of", None, m)
                    .with_hint("give a date as YYYY-MM-DD, e.g. --as-of 2027-12-02"),
            )
            .into()
        }),
        None => Ok(jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()),
    }
}

/// Checks `--jurisdiction` codes.
pub fn jurisdictions(codes: &[String]) -> anyhow::Result<Vec<String>> {
    for code in codes {
        if let Err(invalid) = accord_model::markets::validate(code) {
            let mut d = Diagnostic::new("--jurisdiction", None, invalid.message);
            if let Some(s) = invalid.suggestion {
                d = d.with_hint(format!("did you mean `{s}`?"));
            }
            return Err(Diagnostics::from(d).into());
        }
    }
    Ok(codes.to_vec())
}
