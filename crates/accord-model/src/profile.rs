//! The system profile, `profile/v1` (docs/profile.md).
//!
//! Every field is optional: a missing key or `null` means **unknown**, never
//! false. The struct checks structure and types; vocabularies (purposes,
//! markets, roles, ...) are checked against the [`crate::facts::FactRegistry`],
//! because rulepacks may extend them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Map;

/// Accepts a number written as an integer or a float (`1e25`).
pub type Number = f64;

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Accord system profile (profile/v1)")]
pub struct Profile {
    /// Must be `profile/v1`.
    pub accord: String,
    /// The system's name.
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub operator: Option<Operator>,
    /// Where the system is placed on the market, put into service, or its output used:
    /// ISO 3166 codes, `EU`, US states as `US-XX`, New York City as `US-NY-NYC`.
    pub markets: Option<Vec<String>>,
    /// Infers outputs with some autonomy (EU AI Act Art. 3(1)); false for plain rule-based software.
    pub ai_system: Option<bool>,
    /// Intended purposes, from the purposes vocabulary (docs/profile.md, "Purposes").
    pub purposes: Option<Vec<String>>,
    /// workplace | education | public-space | law-enforcement | migration | justice | elections | consumer | internal
    pub contexts: Option<Vec<String>>,
    /// Talks or acts directly with natural persons (chat, voice, agent).
    pub interacts_with_people: Option<bool>,
    /// text | image | audio | video | virtual-scene | code
    pub generates: Option<Vec<String>>,
    /// Output resembles real persons, objects or events, or edits faces or voices.
    pub deepfake: Option<bool>,
    /// remote-identification | verification | categorisation | emotion-recognition
    pub biometrics: Option<Vec<String>>,
    /// Evaluates personal aspects of individuals (GDPR Art. 4(4)).
    pub profiling: Option<bool>,
    /// none | preparatory | assists | substantially-assists | materially-influences | decides
    pub decision_role: Option<String>,
    /// Directed at or knowingly used by minors.
    pub minors: Option<bool>,
    pub monthly_users: Option<Number>,
    pub model: Option<Model>,
    pub china: Option<China>,
    pub personal_data: Option<PersonalData>,
    /// First placed on the market or put into service (YYYY-MM-DD).
    pub placed_on_market: Option<String>,
    /// military | national-security | scientific-research | personal-use
    pub exclusions: Option<Vec<String>>,
    /// Facts declared by rulepacks (`accord rules list` shows them), by id.
    #[schemars(with = "Option<Map<String, serde_json::Value>>")]
    pub facts: Option<Map<String, serde_json::Value>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: Option<String>,
    /// provider | deployer | importer | distributor | product-manufacturer | authorised-representative | platform | app-store
    pub roles: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2, or a subdivision like US-CA.
    pub established_in: Option<String>,
    pub annual_revenue_usd: Option<Number>,
    /// A public authority, or a private body providing public services.
    pub public_body: Option<bool>,
    pub financial_institution: Option<bool>,
    /// A critical information infrastructure operator (China CIIO).
    pub critical_information_infrastructure: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub general_purpose: Option<bool>,
    /// Cumulative training compute in FLOP, including fine-tuning.
    pub training_compute_flop: Option<Number>,
    pub open_weights: Option<bool>,
    /// Name of a third-party model the system is built on.
    pub base_model: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct China {
    /// Offered to the public in mainland China, including through an API (GenAI Measures Art. 2).
    pub public_service: Option<bool>,
    /// Forum, chat, short video, live streaming, public accounts, ... or social mobilisation capacity.
    pub public_opinion_attributes: Option<bool>,
    /// generation-synthesis | personalised-push | ranking-selection | search-filtering | dispatch-decision
    pub algorithm_types: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PersonalData {
    pub processed: Option<bool>,
    /// Biometrics, health, finance, location, minors' data ...
    pub sensitive: Option<bool>,
    /// China "important data".
    pub important_data: Option<bool>,
    /// Cross-border transfers, counted since 1 January of this year.
    pub exports: Option<Vec<Export>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub from: String,
    pub to: String,
    pub individuals: Option<Number>,
    pub sensitive_individuals: Option<Number>,
}
