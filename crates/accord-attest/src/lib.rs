//! Certify once, recognise everywhere.
//!
//! An assessment and its evidence become an in-toto Statement v1
//! ([`statement`]) signed with Ed25519 ([`keys`]) in a DSSE envelope
//! ([`dsse`]). Another party verifies it offline ([`verify`]) with a key or
//! under a recognition agreement ([`agreement`]), and sees which of its own
//! jurisdiction's obligations the attested controls meet ([`recognise`]).
//!
//! ```
//! use accord_attest::{dsse::Envelope, keys::SecretKey, sign_payload};
//! let key = SecretKey::from_seed(&[9; 32]);
//! let envelope = sign_payload(b"{}", &key);
//! let parsed = Envelope::parse(envelope.to_json().as_bytes()).unwrap();
//! assert!(key.public().verify(&parsed.pae(), &parsed.signatures[0].sig));
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod agreement;
pub mod dsse;
pub mod keys;
pub mod recognise;
pub mod report;
pub mod statement;
pub mod verify;

use serde::Serialize;

pub use agreement::Agreement;
pub use keys::{PublicKey, SecretKey};
pub use statement::{PREDICATE_TYPE, Statement};
pub use verify::{Outcome, Request, Trust, verify};

/// Why an attestation was refused: a stable code and a precise message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

/// Signs payload bytes as an in-toto DSSE envelope with one signature.
pub fn sign_payload(payload: &[u8], key: &SecretKey) -> dsse::Envelope {
    let payload_type = dsse::IN_TOTO_PAYLOAD_TYPE.to_string();
    let sig = key.sign(&dsse::pae(&payload_type, payload));
    dsse::Envelope {
        payload_type,
        payload: payload.to_vec(),
        signatures: vec![dsse::Signature {
            keyid: Some(key.public().id().to_string()),
            sig: sig.to_vec(),
        }],
    }
}

/// Serialises a statement (compact JSON) and signs those exact bytes.
pub fn sign_statement(statement: &Statement, key: &SecretKey) -> Result<dsse::Envelope, String> {
    let payload = serde_json::to_vec(statement).map_err(|e| e.to_string())?;
    Ok(sign_payload(&payload, key))
}
