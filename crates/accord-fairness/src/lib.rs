//! Fairness and bias-audit metrics over Arrow record batches.
//!
//! The work has three stages, each its own module:
//!
//! - [`engine`] streams record batches (from [`accord_data::table`]) through
//!   worker threads that keep, per group, counts of true and false positives
//!   and negatives (and, with a score column, the scores), then merges the
//!   workers' partial results into a [`Tally`]. Memory grows with the number
//!   of groups, not of rows — except scores, kept as one `f64` per scored row
//!   because the LL144 scoring rate needs the exact sample median.
//! - [`metrics`] turns a [`Tally`] into an [`Audit`]: selection rates, impact
//!   ratios, true and false positive rates, precision, demographic parity,
//!   equalized odds (the same definitions as Fairlearn's), the four-fifths
//!   screen of 29 CFR 1607.4(D) and the NYC LL144 bias-audit tables.
//! - [`report`] renders an [`Audit`] as text, as one self-contained HTML page,
//!   or as an `evidence/v1` object of kind `fairness-audit` for the control
//!   `bias-testing`. With predictions it carries the threshold
//!   `impact_ratio_min ≥ 0.8` (29 CFR 1607.4(D)); the file's `passed` is the
//!   conjunction of its thresholds and of the data being read completely (no
//!   more rows rejected than allowed), so an audit that fails the four-fifths
//!   screen never reads as passed. NYC LL144 sets no pass/fail level: its
//!   tables are reported, not judged.
//!
//! [`filter`] parses and evaluates `--where` filters; [`outcome`] reads label
//! and prediction values (0/1, true/false, yes/no); [`score`] reads scores.
//! Every column may arrive typed or as text (`Utf8`), with the same results.
//!
//! Only the group columns and either a prediction or a score column are
//! needed: selection rates, impact ratios, the four-fifths screen and the
//! LL144 tables come from groups and predictions (or scores) alone; error
//! rates and equalized odds also need a label (ground truth).
//!
//! ```
//! use accord_fairness::{GroupValue, Tally, Counts, metrics::{audit, AuditOptions}};
//!
//! let mut tally = Tally::new(vec!["sex".into()]);
//! tally.add(vec![GroupValue::Str("F".into())], Counts { tp: 30, fp: 10, tn: 50, fn_: 10 });
//! tally.add(vec![GroupValue::Str("M".into())], Counts { tp: 40, fp: 10, tn: 40, fn_: 10 });
//! let audit = audit(&tally, &AuditOptions::default());
//! assert_eq!(audit.groups[0].selection_rate(), Some(0.4));
//! assert_eq!(audit.impact_ratio_min(), Some(0.8));
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

pub mod engine;
pub mod filter;
pub mod median;
pub mod metrics;
pub mod outcome;
pub mod report;
pub mod score;
mod tally;

pub use metrics::Audit;
pub use tally::{Counts, GroupTally, GroupValue, Tally};

/// Something that stops an audit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FairnessError {
    /// Reading the input failed.
    #[error(transparent)]
    Data(#[from] accord_data::DataError),
    /// The `--where` filter does not parse or names an unknown column.
    #[error(transparent)]
    Filter(#[from] filter::FilterError),
    /// A label or prediction value that is not 0/1, true/false or yes/no.
    #[error(
        "Row {row}: column `{column}` holds {value}, which is not a binary outcome (expected 0/1, true/false or yes/no)"
    )]
    Outcome {
        /// 1-based among the rows read (the header of a CSV file is not counted).
        row: u64,
        column: String,
        /// The value as shown to the user (quoted, or `an empty value`).
        value: String,
    },
    /// A score that is neither a number nor empty.
    #[error(
        "Row {row}: column `{column}` holds {value}, which is not a number (a score must be a number; an empty cell is a missing score)"
    )]
    Score {
        /// 1-based among the rows read (the header of a CSV file is not counted).
        row: u64,
        column: String,
        /// The value as shown to the user (quoted).
        value: String,
    },
    /// The columns named cannot make an audit (no prediction and no score, or
    /// a label without predictions).
    #[error("{0}")]
    Spec(String),
    /// A column has a type the audit cannot use.
    #[error("Column `{column}` has type {data_type}, which {what}")]
    ColumnType {
        column: String,
        data_type: String,
        what: String,
    },
    /// A column named in the audit is absent from a batch.
    #[error("Column `{column}` is missing from the data; it has: {available}")]
    MissingColumn { column: String, available: String },
    /// Rendering a report failed.
    #[error("Cannot render the report: {0}")]
    Render(String),
    #[error("Internal error (this is a bug): {0}")]
    Internal(String),
}
