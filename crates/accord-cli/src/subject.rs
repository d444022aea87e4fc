//! `--subject PROFILE` (with `--model-digest`, `--dataset-digest`): what a
//! scan or an audit is about, recorded in its evidence (docs/evidence.md).
//!
//! `accord assess` counts evidence only for the profile it names (by the
//! SHA-256 of the profile file's bytes, as in an assessment's
//! `profile.digest`), and `accord certify` refuses evidence about another.

use std::path::{Path, PathBuf};

use accord_model::Diagnostic;
use accord_model::assessment::EvidenceSubject;
use accord_model::doc::Document;

use crate::output::{Diagnostics, sha256_file};

/// The arguments every command that writes evidence takes.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct SubjectArgs {
    /// The profile (profile/v1) of the system this evidence is about: its name, version and
    /// SHA-256 go into the evidence, and `accord assess` then counts the evidence for that
    /// profile only. Without it the evidence is "not bound to a system".
    #[arg(long, value_name = "PROFILE")]
    pub subject: Option<PathBuf>,
    /// The model tested, recorded in the subject: a file (hashed with SHA-256) or `sha256:HEX`.
    #[arg(long, value_name = "FILE|sha256:HEX", requires = "subject")]
    pub model_digest: Option<String>,
    /// The dataset tested, recorded in the subject: a file (hashed) or `sha256:HEX`.
    /// Default: nothing (the evidence's `inputs` list the files read, each with its digest).
    #[arg(long, value_name = "FILE|sha256:HEX", requires = "subject")]
    pub dataset_digest: Option<String>,
}

impl SubjectArgs {
    /// The subject, read and checked; `None` without `--subject`.
    pub fn resolve(&self) -> anyhow::Result<Option<EvidenceSubject>> {
        let Some(path) = &self.subject else {
            return Ok(None);
        };
        let display = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| anyhow::anyhow!("Cannot read `{display}`: {e}"))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Diagnostics::from(Diagnostic::new(
                &display,
                None,
                format!(
                    "Not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            ))
        })?;
        let document = Document::parse(text, &display).map_err(Diagnostics::from)?;
        if document.value.get("accord").and_then(|v| v.as_str()) != Some("profile/v1") {
            return Err(Diagnostics::from(
                document
                    .error_at_value("/accord", "--subject: not a profile (`accord: profile/v1`)")
                    .with_hint("give the profile of the system this evidence is about"),
            )
            .into());
        }
        let name = match document.value.get("name").and_then(|v| v.as_str()) {
            Some(name) if !name.trim().is_empty() => name.to_string(),
            _ => {
                return Err(Diagnostics::from(
                    document.error_at_value("", "--subject: the profile has no `name`"),
                )
                .into());
            }
        };
        let version = document.value.get("version").and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        Ok(Some(EvidenceSubject {
            name,
            version,
            profile_digest: accord_assess::sha256_digest(&bytes),
            model_digest: self
                .model_digest
                .as_deref()
                .map(|d| digest_of(d, "--model-digest"))
                .transpose()?,
            dataset_digest: self
                .dataset_digest
                .as_deref()
                .map(|d| digest_of(d, "--dataset-digest"))
                .transpose()?,
        }))
    }
}

/// `sha256:HEX` as given (checked), or the SHA-256 of a file.
fn digest_of(text: &str, flag: &str) -> anyhow::Result<String> {
    if let Some(hex) = text.strip_prefix("sha256:") {
        let hex = hex.to_ascii_lowercase();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(format!("sha256:{hex}"));
        }
        return Err(Diagnostics::from(
            Diagnostic::new(flag, None, format!("`{text}` is not a SHA-256 digest"))
                .with_hint("give `sha256:` and 64 hex digits, or a file to hash"),
        )
        .into());
    }
    let path = Path::new(text);
    let hex =
        sha256_file(path).map_err(|e| anyhow::anyhow!("{flag}: cannot read `{text}`: {e}"))?;
    Ok(format!("sha256:{hex}"))
}
