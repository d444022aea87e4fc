//! Streaming scanners whose output is evidence (`evidence/v1`):
//!
//! - [`pii`]: personal-information detectors with validation (check digits,
//!   checksums, plausible ranges) to keep false positives down.
//! - [`keywords`]: keyword libraries (e.g. content-safety lists) matched with
//!   Aho–Corasick automata, with case and width folding for CJK.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod keywords;
pub mod pii;
