//! Keyword libraries (content-safety lists, for example) matched with one
//! Aho–Corasick automaton, with case and width folding for CJK.
//!
//! - [`KeywordList`] reads list files: one keyword per line, optionally
//!   `keyword<TAB>category`, checked against a [`Taxonomy`] such as the
//!   TC260-003 Annex A risks shipped in `taxonomies/tc260-003.yaml`.
//! - [`Matcher`] finds the keywords in text, leftmost-longest and
//!   non-overlapping, after [`fold`]ing keywords and text the same way
//!   (Unicode case, full-width and half-width forms); offsets are bytes of the
//!   original text.
//! - [`scan()`] streams files and folders through [`accord_data`] on every
//!   core, with per-source hit rates and a reproducible review [`sample`].
//!
//! No keyword list ships with Accord: users bring their own.
//!
//! ```
//! use accord_scan::keywords::{FoldBuffer, KeywordList, Matcher};
//!
//! let list = KeywordList::parse("secret plan\tA.3.3\n机密\n", "list.txt", None).unwrap();
//! let matcher = Matcher::new(&list).unwrap();
//! let text = "The ＳＥＣＲＥＴ　ＰＬＡＮ is 机密.";
//! let hits = matcher.find_all(text, &mut FoldBuffer::new());
//! assert_eq!(&text[hits[0].start..hits[0].end], "ＳＥＣＲＥＴ　ＰＬＡＮ");
//! assert_eq!(list.keywords()[hits[0].keyword as usize].category.as_deref(), Some("A.3.3"));
//! assert_eq!(&text[hits[1].start..hits[1].end], "机密");
//! ```

pub mod fold;
mod list;
mod matcher;
pub mod sample;
mod scan;
mod taxonomy;

#[cfg(test)]
mod cases;

pub use fold::{FoldBuffer, fold};
pub use list::{Keyword, KeywordList};
pub use matcher::{Match, Matcher};
pub use scan::{
    Hit, InputReport, Progress, SAMPLE_TEXT_BYTES, SampleEntry, ScanOptions, ScanReport,
    SourceReport, scan,
};
pub use taxonomy::{BUILTIN as BUILTIN_TAXONOMIES, Category, Entry, Risk, Taxonomy};

/// TC260-003 clause 5.1: a corpus source whose content is more than this
/// share illegal or harmful is not to be used.
pub const SOURCE_HARMFUL_RATIO_MAX: f64 = 0.05;

/// Something that stops a keyword scan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeywordError {
    #[error("Cannot build the keyword automaton: {0}")]
    Automaton(String),
    #[error("{0}")]
    Options(String),
    #[error("Cannot write a hit: {0}")]
    Output(#[source] std::io::Error),
    #[error("Internal error (this is a bug): {0}")]
    Internal(String),
}
