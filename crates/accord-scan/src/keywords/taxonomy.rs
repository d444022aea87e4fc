//! Risk taxonomies that keyword categories refer to, shipped as data.
//!
//! The TC260-003 Annex A taxonomy (5 categories, 31 risks) is
//! `taxonomies/tc260-003.yaml` at the repository root, embedded at build time.
//! A keyword list's category may be a category code (`A.1`) or a risk code
//! (`A.1.1`); [`Taxonomy::entry`] finds either, and hits roll up to the
//! top-level category.
//!
//! ```
//! use accord_scan::keywords::Taxonomy;
//!
//! let tc260 = Taxonomy::builtin("tc260-003").unwrap();
//! assert_eq!(tc260.categories.len(), 5);
//! assert_eq!(tc260.risk_count(), 31);
//! let entry = tc260.entry("A.2.5").unwrap();
//! assert_eq!((entry.category, entry.title_zh), ("A.2", "性别歧视内容"));
//! ```

use serde::Deserialize;

use accord_model::Diagnostic;
use accord_model::doc::Document;

const TC260_003: (&str, &str) = (
    "taxonomies/tc260-003.yaml",
    include_str!("../../../../taxonomies/tc260-003.yaml"),
);

/// Ids of the taxonomies built into the binary.
pub const BUILTIN: &[&str] = &["tc260-003"];

/// A risk taxonomy: top-level categories, each with its risks.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    pub source: String,
    /// `verified` or `to-verify`, as for rules.
    pub verification: String,
    #[serde(default)]
    pub note: Option<String>,
    pub categories: Vec<Category>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
    #[serde(default)]
    pub risks: Vec<Risk>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub code: String,
    /// The item's lettering in the source document, e.g. `a)`.
    #[serde(default)]
    pub item: Option<String>,
    pub title: String,
    #[serde(default)]
    pub title_zh: Option<String>,
}

/// A category or risk found by code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    pub code: &'a str,
    /// The top-level category code (the code itself for a category).
    pub category: &'a str,
    pub title: &'a str,
    pub title_zh: &'a str,
}

impl Taxonomy {
    /// A built-in taxonomy by id; `None` for an unknown id.
    pub fn builtin(id: &str) -> Option<Taxonomy> {
        match id {
            // The embedded file is checked by this crate's tests, so parsing cannot fail at run time.
            "tc260-003" => Taxonomy::parse(TC260_003.1, TC260_003.0).ok(),
            _ => None,
        }
    }

    /// Reads a taxonomy file and checks that codes are unique and that every
    /// risk code starts with its category's code.
    pub fn parse(text: &str, path: &str) -> Result<Taxonomy, Diagnostic> {
        let document = Document::parse(text, path)?;
        let taxonomy: Taxonomy = document.deserialize()?;
        let mut seen = std::collections::HashSet::new();
        for (c, category) in taxonomy.categories.iter().enumerate() {
            if !seen.insert(category.code.as_str()) {
                return Err(document.error_at_value(
                    &format!("/categories/{c}/code"),
                    format!("Code `{}` is used twice", category.code),
                ));
            }
            for (r, risk) in category.risks.iter().enumerate() {
                let pointer = format!("/categories/{c}/risks/{r}/code");
                if !seen.insert(risk.code.as_str()) {
                    return Err(document
                        .error_at_value(&pointer, format!("Code `{}` is used twice", risk.code)));
                }
                if !risk.code.starts_with(&format!("{}.", category.code)) {
                    return Err(document.error_at_value(
                        &pointer,
                        format!(
                            "Risk `{}` does not start with its category's code `{}`",
                            risk.code, category.code
                        ),
                    ));
                }
            }
        }
        Ok(taxonomy)
    }

    pub fn risk_count(&self) -> usize {
        self.categories.iter().map(|c| c.risks.len()).sum()
    }

    /// Every code, categories and risks, in document order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().flat_map(|c| {
            std::iter::once(c.code.as_str()).chain(c.risks.iter().map(|r| r.code.as_str()))
        })
    }

    /// The category or risk with this code.
    pub fn entry(&self, code: &str) -> Option<Entry<'_>> {
        for category in &self.categories {
            if category.code == code {
                return Some(Entry {
                    code: &category.code,
                    category: &category.code,
                    title: &category.title,
                    title_zh: category.title_zh.as_deref().unwrap_or(""),
                });
            }
            if let Some(risk) = category.risks.iter().find(|r| r.code == code) {
                return Some(Entry {
                    code: &risk.code,
                    category: &category.code,
                    title: &risk.title,
                    title_zh: risk.title_zh.as_deref().unwrap_or(""),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tc260_annex_a_has_five_categories_and_31_risks() {
        let taxonomy = Taxonomy::parse(TC260_003.1, TC260_003.0).expect("embedded taxonomy parses");
        let sizes: Vec<usize> = taxonomy.categories.iter().map(|c| c.risks.len()).collect();
        assert_eq!(sizes, [8, 9, 5, 7, 2]);
        assert_eq!(taxonomy.risk_count(), 31);
        // Clause 8.1's 17 keyword-library risks are A.1 and A.2.
        assert_eq!(sizes[0] + sizes[1], 17);
        for category in &taxonomy.categories {
            assert!(category.title_zh.is_some(), "{}", category.code);
            for (i, risk) in category.risks.iter().enumerate() {
                assert_eq!(risk.code, format!("{}.{}", category.code, i + 1));
                let letter = char::from(b'a' + u8::try_from(i).expect("small"));
                assert_eq!(risk.item.as_deref(), Some(format!("{letter})").as_str()));
                assert!(risk.title_zh.is_some(), "{}", risk.code);
            }
        }
        assert_eq!(taxonomy.entry("A.5").map(|e| e.category), Some("A.5"));
        assert_eq!(
            taxonomy.entry("A.4.6").map(|e| e.title_zh),
            Some("侵害他人个人信息权益")
        );
        assert!(taxonomy.entry("A.6").is_none());
        assert!(taxonomy.entry("A.1.9").is_none());
        assert_eq!(taxonomy.codes().count(), 36);
    }

    #[test]
    fn duplicate_and_misplaced_codes_are_refused() {
        let twice = "id: t\ntitle: T\nsource: s\nverification: to-verify\ncategories:\n  - {code: A, title: a}\n  - {code: A, title: b}\n";
        let error = Taxonomy::parse(twice, "t.yaml").expect_err("duplicate");
        assert!(error.to_string().contains("t.yaml:7:"), "{error}");
        let misplaced = "id: t\ntitle: T\nsource: s\nverification: to-verify\ncategories:\n  - code: A\n    title: a\n    risks: [{code: B.1, title: b}]\n";
        let error = Taxonomy::parse(misplaced, "t.yaml").expect_err("misplaced");
        assert!(error.to_string().contains("does not start with"), "{error}");
    }
}
