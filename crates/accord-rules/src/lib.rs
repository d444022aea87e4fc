//! Rulepacks: regulation as data.
//!
//! [`pack::load_pack`] reads a pack's files (already in memory — this crate
//! does no IO), [`RuleSet::compile`] validates every pack against the fact
//! registry and the control catalogue and compiles conditions, and
//! [`RuleSet::evaluate`] computes the three-valued truth of every rule for
//! one profile's facts.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod compile;
pub mod eval;
pub mod pack;

pub use compile::{Node, PackInfo, Rule, RuleSet};
pub use eval::{Evaluation, Facts, Truth};
pub use pack::{Catalogue, LoadedPack, PackSource, RuleKind, SourceFile, load_pack};
