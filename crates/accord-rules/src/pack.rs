//! The rulepack format (`rulepack/v1`, docs/rulepacks.md) and the control
//! catalogue (`controls/v1`), as read from files already in memory.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use accord_model::doc::{Diagnostic, Document};
use accord_model::{FactType, Relation};

/// A file of a pack, already read: a path for messages and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path shown in messages, e.g. `rulepacks/eu-ai-act/rules/high-risk.yaml`.
    pub path: String,
    /// Path inside the pack, e.g. `rules/high-risk.yaml`.
    pub relative: String,
    pub text: String,
}

/// All files of one pack folder.
#[derive(Clone, Debug)]
pub struct PackSource {
    /// The folder, for messages.
    pub root: String,
    pub files: Vec<SourceFile>,
    pub builtin: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InstrumentStatus {
    Binding,
    Provisional,
    Guidance,
    Repealed,
}

impl InstrumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentStatus::Binding => "binding",
            InstrumentStatus::Provisional => "provisional",
            InstrumentStatus::Guidance => "guidance",
            InstrumentStatus::Repealed => "repealed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verification {
    /// Checked against the primary text.
    Verified,
    /// Not yet confirmed against the primary text.
    ToVerify,
}

impl Verification {
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::ToVerify => "to-verify",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Classification,
    Obligation,
    Exemption,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Classification => "classification",
            RuleKind::Obligation => "obligation",
            RuleKind::Exemption => "exemption",
        }
    }
}

/// `pack.yaml`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Accord rulepack manifest (rulepack/v1, pack.yaml)")]
pub struct Manifest {
    /// Always `rulepack/v1`.
    pub accord: String,
    pub id: String,
    pub version: String,
    pub jurisdiction: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub instruments: Vec<Instrument>,
    #[serde(default)]
    pub facts: Vec<FactDecl>,
    #[serde(default)]
    pub purposes: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    pub status: InstrumentStatus,
    pub source: String,
    #[serde(default)]
    pub in_force: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactDecl {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FactType,
    #[serde(default)]
    pub values: Vec<String>,
    pub question: String,
    #[serde(default)]
    pub question_zh: Option<String>,
}

/// A file under `rules/`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Accord rule file (rulepack/v1, rules/*.yaml)")]
pub struct RuleFile {
    pub rules: Vec<RuleDef>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub kind: RuleKind,
    /// Classification rules: the classification id they produce. Exemptions may also classify.
    #[serde(default)]
    pub classification: Option<String>,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    pub instrument: String,
    pub citation: String,
    pub source: String,
    pub verification: Verification,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub jurisdiction: Option<String>,
    #[serde(default)]
    pub applies_from: Option<String>,
    #[serde(default)]
    pub applies_until: Option<String>,
    #[serde(default)]
    pub transitional: Vec<Transitional>,
    /// The condition (docs/rulepacks.md, "Conditions").
    #[schemars(with = "serde_json::Value")]
    pub when: serde_json::Value,
    #[serde(default)]
    pub because: Option<String>,
    #[serde(default)]
    pub because_zh: Option<String>,
    /// `prohibited` marks a prohibition (classification rules).
    #[serde(default)]
    pub effect: Option<String>,
    /// Roles an obligation binds.
    #[serde(default)]
    pub binds: Vec<String>,
    #[serde(default)]
    pub controls: Vec<ControlMapping>,
    #[serde(default)]
    pub evidence: Vec<EvidenceExpectation>,
    #[serde(default)]
    pub deadline: Option<String>,
    /// Exemptions: rule ids, classification ids, or `*` for every non-exemption rule of the pack.
    #[serde(default)]
    pub exempts: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transitional {
    #[schemars(with = "serde_json::Value")]
    pub when: serde_json::Value,
    pub applies_from: String,
    #[serde(default)]
    pub citation: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlMapping {
    pub id: String,
    pub relation: Relation,
    pub rationale: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceExpectation {
    /// document | fairness-audit | pii-scan | keyword-scan | llm-safety-eval | provenance-check
    pub kind: String,
    pub description: String,
    #[serde(default)]
    pub max_age_days: Option<u32>,
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// A metric name in the evidence file's `metrics`.
    pub name: String,
    pub op: ThresholdOp,
    pub value: f64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ThresholdOp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
}

impl ThresholdOp {
    pub fn holds(self, actual: f64, limit: f64) -> bool {
        match self {
            ThresholdOp::Ge => actual >= limit,
            ThresholdOp::Le => actual <= limit,
            ThresholdOp::Gt => actual > limit,
            ThresholdOp::Lt => actual < limit,
            ThresholdOp::Eq => (actual - limit).abs() < 1e-12,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            ThresholdOp::Ge => "≥",
            ThresholdOp::Le => "≤",
            ThresholdOp::Gt => ">",
            ThresholdOp::Lt => "<",
            ThresholdOp::Eq => "=",
        }
    }
}

/// The evidence kinds (docs/evidence.md).
pub const EVIDENCE_KINDS: &[&str] = &[
    "document",
    "fairness-audit",
    "pii-scan",
    "keyword-scan",
    "llm-safety-eval",
    "provenance-check",
];

/// A rule as read, with the document it came from (for located diagnostics).
#[derive(Clone, Debug)]
pub struct LoadedRule {
    pub def: RuleDef,
    /// Index into [`LoadedPack::documents`].
    pub document: usize,
    /// JSON pointer of the rule in its document.
    pub pointer: String,
}

/// A parsed, not yet validated pack.
#[derive(Clone, Debug)]
pub struct LoadedPack {
    pub root: String,
    pub builtin: bool,
    pub manifest: Manifest,
    pub manifest_document: Document,
    pub documents: Vec<Document>,
    pub rules: Vec<LoadedRule>,
    /// `sha256:` over the manifest and rule files.
    pub digest: String,
}

/// Reads a pack's manifest and rule files. Test files are not read here.
pub fn load_pack(source: &PackSource) -> Result<LoadedPack, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let Some(manifest_file) = source.files.iter().find(|f| f.relative == "pack.yaml") else {
        return Err(vec![
            Diagnostic::new(&source.root, None, "Not a rulepack: `pack.yaml` is missing")
                .with_hint("a rulepack folder holds pack.yaml, rules/*.yaml and tests/*.yaml (docs/rulepacks.md)"),
        ]);
    };
    let manifest_document =
        Document::parse(&manifest_file.text, &manifest_file.path).map_err(|d| vec![d])?;
    let manifest: Manifest = manifest_document.deserialize().map_err(|d| vec![d])?;
    if manifest.accord != "rulepack/v1" {
        problems.push(
            manifest_document
                .error_at_value(
                    "/accord",
                    format!("Unsupported rulepack format `{}`", manifest.accord),
                )
                .with_hint("expected `rulepack/v1`"),
        );
    }
    let mut rule_files: Vec<&SourceFile> = source
        .files
        .iter()
        .filter(|f| {
            f.relative.starts_with("rules/")
                && (f.relative.ends_with(".yaml") || f.relative.ends_with(".yml"))
        })
        .collect();
    rule_files.sort_by(|a, b| a.relative.cmp(&b.relative));
    if rule_files.is_empty() {
        problems.push(
            Diagnostic::new(&source.root, None, "The pack has no rule files")
                .with_hint("add rules/*.yaml"),
        );
    }
    let mut documents = Vec::new();
    let mut rules = Vec::new();
    for file in &rule_files {
        let document = match Document::parse(&file.text, &file.path) {
            Ok(d) => d,
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        match document.deserialize::<RuleFile>() {
            Ok(parsed) => {
                for (i, def) in parsed.rules.into_iter().enumerate() {
                    rules.push(LoadedRule {
                        def,
                        document: documents.len(),
                        pointer: format!("/rules/{i}"),
                    });
                }
                documents.push(document);
            }
            Err(d) => problems.push(d),
        }
    }
    let mut hasher = Sha256::new();
    let mut hashed: Vec<&SourceFile> = std::iter::once(manifest_file)
        .chain(rule_files.iter().copied())
        .collect();
    hashed.sort_by(|a, b| a.relative.cmp(&b.relative));
    for file in hashed {
        hasher.update(file.relative.as_bytes());
        hasher.update([0]);
        hasher.update((file.text.len() as u64).to_le_bytes());
        hasher.update(file.text.as_bytes());
    }
    let digest = format!("sha256:{}", hex(&hasher.finalize()));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(LoadedPack {
        root: source.root.clone(),
        builtin: source.builtin,
        manifest,
        manifest_document,
        documents,
        rules,
        digest,
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `controls/catalogue.yaml`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    pub accord: String,
    pub version: String,
    pub controls: Vec<ControlDef>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlDef {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    pub description: String,
    /// NIST AI RMF 1.0 subcategories the control implements.
    #[serde(default)]
    pub nist_ai_rmf: Vec<String>,
}

/// The shared control catalogue.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub version: String,
    pub controls: Vec<ControlDef>,
    pub path: String,
}

impl Catalogue {
    pub fn parse(text: &str, path: &str) -> Result<Catalogue, Diagnostic> {
        let document = Document::parse(text, path)?;
        let file: CatalogueFile = document.deserialize()?;
        if file.accord != "controls/v1" {
            return Err(document.error_at_value(
                "/accord",
                format!("Unsupported control catalogue format `{}`", file.accord),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, control) in file.controls.iter().enumerate() {
            if !seen.insert(control.id.as_str()) {
                return Err(document.error_at_value(
                    &format!("/controls/{i}/id"),
                    format!("Duplicate control id `{}`", control.id),
                ));
            }
        }
        Ok(Catalogue {
            version: file.version,
            controls: file.controls,
            path: path.to_string(),
        })
    }

    pub fn get(&self, id: &str) -> Option<&ControlDef> {
        self.controls.iter().find(|c| c.id == id)
    }
}
