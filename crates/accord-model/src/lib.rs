//! Accord's domain types, shared by every other crate. No IO.
//!
//! - [`doc`]: a YAML/JSON reader that keeps the source position of every value.
//! - [`profile`]: the system profile, `profile/v1`.
//! - [`facts`]: the typed facts rules ask about, and how a profile answers them.
//! - [`markets`]: market codes and their hierarchy (`US-NY-NYC` ⊂ `US-NY` ⊂ `US`, `DE` ⊂ `EU`).
//! - [`assessment`]: `assessment/v1` and `evidence/v1`.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod assessment;
pub mod doc;
pub mod facts;
pub mod markets;
pub mod profile;

pub use assessment::{Assessment, EvidenceStatus, Relation, Status};
pub use doc::{Diagnostic, Document, Position};
pub use facts::{FactDef, FactRegistry, FactType, FactValue};
pub use profile::Profile;
