//! Recognition agreements, `agreement/v1`: who recognises whose assessments,
//! for what, under which conditions, until when — as data a verifier applies.
//!
//! ```yaml
//! accord: agreement/v1
//! id: eu-cn-pilot
//! title: EU–China pilot on recognising AI assessments
//! parties:
//!   - { id: eu-ai-office, name: European AI Office, jurisdiction: EU }
//! valid_from: 2026-01-01
//! valid_until: 2028-12-31
//! issuers:
//!   - id: example-lab
//!     name: Example Conformity Assessment Body
//!     keys:
//!       - public_key: |
//!           -----BEGIN PUBLIC KEY-----
//!           ...
//!     scope:
//!       jurisdictions: [CN, EU]
//!       controls: [bias-testing, data-governance]
//!       evidence_kinds: [fairness-audit, document]
//! conditions:
//!   evidence_max_age_days: 365
//! revoked:
//!   - { key_id: 3f…, date: 2026-06-01, reason: key compromised }
//! ```

use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use accord_model::doc::{Diagnostic, Document, did_you_mean};
use accord_model::markets;

use crate::keys::PublicKey;

/// A recognition agreement as written (`accord schema agreement`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementFile {
    /// Always `agreement/v1`.
    pub accord: String,
    /// A stable identifier, e.g. `eu-cn-pilot-2026`.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    /// The authorities or bodies that agree to recognise each other's assessments.
    pub parties: Vec<Party>,
    /// First day the agreement is in force (YYYY-MM-DD).
    pub valid_from: String,
    /// Last day the agreement is in force (YYYY-MM-DD).
    pub valid_until: String,
    /// Who may issue attestations recognised under this agreement, with which keys, for what.
    pub issuers: Vec<IssuerEntry>,
    #[serde(default)]
    pub conditions: Conditions,
    /// Keys no longer trusted, whatever they signed.
    #[serde(default)]
    pub revoked: Vec<Revocation>,
    /// Where the agreement's text is published.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_zh: Option<String>,
    /// The jurisdiction the party speaks for (EU, CN, US-CA, …).
    pub jurisdiction: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuerEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub name_zh: Option<String>,
    /// The party that accredited this issuer, if any.
    #[serde(default)]
    pub accredited_by: Option<String>,
    pub keys: Vec<KeyEntry>,
    pub scope: Scope,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// SubjectPublicKeyInfo PEM (`accord.pub`).
    pub public_key: String,
    /// Optional; when given it must be the key's id, a guard against pasting the wrong key.
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// What an issuer is trusted for. An empty list means "any".
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Jurisdictions under which this issuer's attestations are recognised (`verify --as`).
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    /// Control ids the issuer is trusted to attest.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Evidence kinds the issuer is trusted to produce (fairness-audit, pii-scan, …).
    #[serde(default)]
    pub evidence_kinds: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Evidence older than this on the verification date is not recognised.
    #[serde(default)]
    pub evidence_max_age_days: Option<u32>,
    /// Attestations valid for longer than this are refused.
    #[serde(default)]
    pub attestation_max_validity_days: Option<u32>,
    /// Only attestations whose evidence passed its own thresholds count.
    #[serde(default)]
    pub evidence_must_pass: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub key_id: String,
    /// When the key was revoked (YYYY-MM-DD); informational — a revoked key is refused whatever it signed.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A checked agreement: keys parsed, dates parsed, references resolved.
#[derive(Clone, Debug)]
pub struct Agreement {
    pub file: AgreementFile,
    pub path: String,
    pub valid_from: Date,
    pub valid_until: Date,
    pub issuers: Vec<TrustedIssuer>,
}

#[derive(Clone, Debug)]
pub struct TrustedIssuer {
    pub index: usize,
    pub keys: Vec<TrustedKey>,
}

#[derive(Clone, Debug)]
pub struct TrustedKey {
    pub key: PublicKey,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
}

impl Agreement {
    /// Parses and checks an agreement. `controls` is the control catalogue's
    /// ids, `evidence_kinds` the known evidence kinds.
    pub fn parse(
        text: &str,
        path: &str,
        controls: &[&str],
        evidence_kinds: &[&str],
    ) -> Result<Agreement, Vec<Diagnostic>> {
        let document = Document::parse(text, path).map_err(|d| vec![d])?;
        let file: AgreementFile = document.deserialize().map_err(|d| vec![d])?;
        let mut problems = Vec::new();
        if file.accord != "agreement/v1" {
            problems.push(
                document
                    .error_at_value(
                        "/accord",
                        format!("Unsupported agreement format `{}`", file.accord),
                    )
                    .with_hint("expected `agreement/v1`"),
            );
        }
        let date = |pointer: &str, text: &str, problems: &mut Vec<Diagnostic>| {
            match accord_model::facts::parse_date(text) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(document.error_at_value(pointer, e));
                    None
                }
            }
        };
        let valid_from = date("/valid_from", &file.valid_from, &mut problems);
        let valid_until = date("/valid_until", &file.valid_until, &mut problems);
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until < from
        {
            problems.push(document.error_at_value(
                "/valid_until",
                format!("the agreement ends ({until}) before it starts ({from})"),
            ));
        }
        let party_ids: Vec<&str> = file.parties.iter().map(|p| p.id.as_str()).collect();
        for (i, p) in file.parties.iter().enumerate() {
            if let Err(e) = markets::validate(&p.jurisdiction) {
                problems.push(
                    document.error_at_value(&format!("/parties/{i}/jurisdiction"), e.message),
                );
            }
            if party_ids[..i].contains(&p.id.as_str()) {
                problems.push(document.error_at_value(
                    &format!("/parties/{i}/id"),
                    format!("party `{}` is listed twice", p.id),
                ));
            }
        }
        if file.issuers.is_empty() {
            problems
                .push(document.error_at("/issuers", "an agreement must name at least one issuer"));
        }
        let mut issuers = Vec::new();
        let mut seen_keys: Vec<String> = Vec::new();
        for (i, issuer) in file.issuers.iter().enumerate() {
            let at = format!("/issuers/{i}");
            if let Some(party) = &issuer.accredited_by
                && !party_ids.contains(&party.as_str())
            {
                let mut d = document.error_at_value(
                    &format!("{at}/accredited_by"),
                    format!("no party has the id `{party}`"),
                );
                if let Some(s) = did_you_mean(party, party_ids.iter().copied()) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                }
                problems.push(d);
            }
            if issuer.keys.is_empty() {
                problems.push(
                    document.error_at(&format!("{at}/keys"), "an issuer needs at least one key"),
                );
            }
            let mut keys = Vec::new();
            for (k, entry) in issuer.keys.iter().enumerate() {
                let kat = format!("{at}/keys/{k}");
                let key = match PublicKey::from_pem(&entry.public_key) {
                    Ok(key) => key,
                    Err(e) => {
                        problems.push(document.error_at_value(&format!("{kat}/public_key"), e));
                        continue;
                    }
                };
                if let Some(id) = &entry.key_id
                    && id != key.id()
                {
                    problems.push(
                        document
                            .error_at_value(
                                &format!("{kat}/key_id"),
                                format!(
                                    "`key_id` does not match the public key, whose id is `{}`",
                                    key.id()
                                ),
                            )
                            .with_hint(
                                "a wrong key may have been pasted; remove `key_id` or correct it",
                            ),
                    );
                }
                if seen_keys.iter().any(|s| s == key.id()) {
                    problems.push(document.error_at_value(
                        &format!("{kat}/public_key"),
                        format!("key `{}` is listed more than once", key.id()),
                    ));
                }
                seen_keys.push(key.id().to_string());
                let from = entry
                    .valid_from
                    .as_deref()
                    .and_then(|t| date(&format!("{kat}/valid_from"), t, &mut problems));
                let until = entry
                    .valid_until
                    .as_deref()
                    .and_then(|t| date(&format!("{kat}/valid_until"), t, &mut problems));
                keys.push(TrustedKey {
                    key,
                    valid_from: from,
                    valid_until: until,
                });
            }
            for (j, code) in issuer.scope.jurisdictions.iter().enumerate() {
                if let Err(e) = markets::validate(code) {
                    problems.push(
                        document
                            .error_at_value(&format!("{at}/scope/jurisdictions/{j}"), e.message),
                    );
                }
            }
            for (j, control) in issuer.scope.controls.iter().enumerate() {
                if control != "*" && !controls.contains(&control.as_str()) {
                    let mut d = document.error_at_value(
                        &format!("{at}/scope/controls/{j}"),
                        format!("unknown control `{control}`"),
                    );
                    if let Some(s) = did_you_mean(control, controls.iter().copied()) {
                        d = d.with_hint(format!(
                            "did you mean `{s}`? (`accord rules list --controls` lists them)"
                        ));
                    } else {
                        d = d.with_hint("`accord rules list --controls` lists the controls");
                    }
                    problems.push(d);
                }
            }
            for (j, kind) in issuer.scope.evidence_kinds.iter().enumerate() {
                if !evidence_kinds.contains(&kind.as_str()) {
                    let mut d = document.error_at_value(
                        &format!("{at}/scope/evidence_kinds/{j}"),
                        format!("unknown evidence kind `{kind}`"),
                    );
                    if let Some(s) = did_you_mean(kind, evidence_kinds.iter().copied()) {
                        d = d.with_hint(format!("did you mean `{s}`?"));
                    }
                    problems.push(d);
                }
            }
            issuers.push(TrustedIssuer { index: i, keys });
        }
        for (i, r) in file.revoked.iter().enumerate() {
            let valid = r.key_id.len() == 64
                && r.key_id
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !valid {
                problems.push(document.error_at_value(
                    &format!("/revoked/{i}/key_id"),
                    "a key id is 64 lowercase hexadecimal digits (the SHA-256 of the public key's DER)",
                ));
            }
            if let Some(d) = &r.date {
                date(&format!("/revoked/{i}/date"), d, &mut problems);
            }
        }
        match (valid_from, valid_until) {
            (Some(valid_from), Some(valid_until)) if problems.is_empty() => Ok(Agreement {
                file,
                path: path.to_string(),
                valid_from,
                valid_until,
                issuers,
            }),
            _ => Err(problems),
        }
    }

    /// The issuer holding a key, with the key's entry.
    pub fn issuer_of(&self, key_id: &str) -> Option<(&IssuerEntry, &TrustedKey)> {
        self.issuers.iter().find_map(|issuer| {
            issuer
                .keys
                .iter()
                .find(|k| k.key.id() == key_id)
                .map(|k| (&self.file.issuers[issuer.index], k))
        })
    }

    pub fn revocation(&self, key_id: &str) -> Option<&Revocation> {
        self.file.revoked.iter().find(|r| r.key_id == key_id)
    }

    /// Every trusted key, in the order listed.
    pub fn keys(&self) -> impl Iterator<Item = &PublicKey> {
        self.issuers
            .iter()
            .flat_map(|i| i.keys.iter().map(|k| &k.key))
    }
}

impl Scope {
    pub fn allows_control(&self, id: &str) -> bool {
        self.controls.is_empty() || self.controls.iter().any(|c| c == "*" || c == id)
    }

    pub fn allows_evidence_kind(&self, kind: &str) -> bool {
        self.evidence_kinds.is_empty() || self.evidence_kinds.iter().any(|k| k == kind)
    }

    pub fn allows_jurisdiction(&self, jurisdiction: &str) -> bool {
        self.jurisdictions.is_empty()
            || self
                .jurisdictions
                .iter()
                .any(|j| markets::is_within(jurisdiction, j))
    }
}
