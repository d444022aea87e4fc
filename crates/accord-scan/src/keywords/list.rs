//! Keyword lists: UTF-8 text, one keyword per line, optionally
//! `keyword<TAB>category` (CONTRACT.md §7).
//!
//! Blank lines and lines whose first non-blank character is `#` are skipped
//! (write `\#` to start a keyword with `#`). Spaces around the keyword and the
//! category are trimmed. Two keywords that fold to the same form (see
//! [`fold`](super::fold)) are duplicates: the first is kept and the others
//! counted. A line is malformed — and reported with its line number — when its
//! keyword is empty, when it has more than one tab, or when its category is
//! not in the taxonomy the list is checked against.
//!
//! ```
//! use accord_scan::keywords::{KeywordList, Taxonomy};
//!
//! let text = "# synthetic terms\nfoo\tA.1.1\nＦＯＯ\tA.1.1\nbar\n";
//! let list = KeywordList::parse(text, "list.txt", None).unwrap();
//! assert_eq!(list.len(), 2);
//! assert_eq!(list.duplicates, 1);
//!
//! let tc260 = Taxonomy::builtin("tc260-003").unwrap();
//! let errors = KeywordList::parse("baz\tA.9\n", "list.txt", Some(&tc260)).unwrap_err();
//! assert!(errors[0].to_string().starts_with("list.txt:1:5: Unknown category `A.9` (taxonomy `tc260-003`)"));
//! ```

use std::collections::HashMap;

use accord_model::Diagnostic;
use accord_model::doc::{Position, did_you_mean};

use super::fold::fold;
use super::taxonomy::Taxonomy;

/// One keyword of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyword {
    /// As written in the list (trimmed).
    pub text: String,
    /// The folded form that is matched.
    pub folded: String,
    pub category: Option<String>,
    /// The list file and 1-based line it came from.
    pub source: String,
    pub line: usize,
}

/// A keyword library: the keywords of one or more list files, deduplicated.
#[derive(Clone, Debug, Default)]
pub struct KeywordList {
    keywords: Vec<Keyword>,
    index: HashMap<String, usize>,
    /// Lines whose keyword folded to one already in the list (dropped).
    pub duplicates: usize,
    /// Of those, how many gave another category than the kept keyword.
    pub conflicting_categories: usize,
    /// The first duplicates, for messages: (file, line, keyword, first line).
    pub duplicate_examples: Vec<(String, usize, String, usize)>,
}

impl KeywordList {
    /// Reads one list; all malformed lines are reported together.
    pub fn parse(
        text: &str,
        path: &str,
        taxonomy: Option<&Taxonomy>,
    ) -> Result<KeywordList, Vec<Diagnostic>> {
        let mut list = KeywordList::default();
        list.add(text, path, taxonomy)?;
        Ok(list)
    }

    /// Adds the keywords of another list file.
    pub fn add(
        &mut self,
        text: &str,
        path: &str,
        taxonomy: Option<&Taxonomy>,
    ) -> Result<(), Vec<Diagnostic>> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut problems = Vec::new();
        for (number, line) in text.split('\n').enumerate() {
            let line_number = number + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let at = |column: usize, message: String| {
                Diagnostic::new(
                    path,
                    Some(Position {
                        line: line_number,
                        column,
                    }),
                    message,
                )
            };
            let mut parts = line.split('\t');
            let raw = parts.next().unwrap_or_default();
            let category = parts.next().map(str::trim).filter(|c| !c.is_empty());
            if parts.next().is_some() {
                problems.push(
                    at(
                        1,
                        "More than one tab: expected `keyword` or `keyword<TAB>category`"
                            .to_string(),
                    )
                    .with_hint("a keyword cannot contain a tab"),
                );
                continue;
            }
            let keyword = raw.trim();
            let keyword = keyword
                .strip_prefix('\\')
                .filter(|k| k.starts_with('#'))
                .unwrap_or(keyword);
            let folded = fold(keyword);
            if folded.trim().is_empty() {
                problems.push(at(1, "Empty keyword".to_string()));
                continue;
            }
            if let (Some(category), Some(taxonomy)) = (category, taxonomy)
                && taxonomy.entry(category).is_none()
            {
                let column = raw.chars().count() + 2;
                let mut d = at(
                    column,
                    format!("Unknown category `{category}` (taxonomy `{}`)", taxonomy.id),
                );
                if let Some(near) = did_you_mean(category, taxonomy.codes()) {
                    d = d.with_hint(format!("did you mean `{near}`?"));
                } else {
                    d = d.with_hint(format!(
                        "use a category code ({}) or a risk code such as `{}`",
                        taxonomy
                            .categories
                            .iter()
                            .map(|c| format!("`{}`", c.code))
                            .collect::<Vec<_>>()
                            .join(", "),
                        taxonomy
                            .categories
                            .first()
                            .and_then(|c| c.risks.first())
                            .map_or("", |r| r.code.as_str()),
                    ));
                }
                problems.push(d);
                continue;
            }
            match self.index.get(&folded) {
                Some(&first) => {
                    self.duplicates += 1;
                    let kept = &self.keywords[first];
                    if kept.category.as_deref() != category {
                        self.conflicting_categories += 1;
                    }
                    if self.duplicate_examples.len() < 5 {
                        self.duplicate_examples.push((
                            path.to_string(),
                            line_number,
                            keyword.to_string(),
                            kept.line,
                        ));
                    }
                }
                None => {
                    self.index.insert(folded.clone(), self.keywords.len());
                    self.keywords.push(Keyword {
                        text: keyword.to_string(),
                        folded,
                        category: category.map(str::to_string),
                        source: path.to_string(),
                        line: line_number,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub fn len(&self) -> usize {
        self.keywords.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keywords.is_empty()
    }

    pub fn keywords(&self) -> &[Keyword] {
        &self.keywords
    }

    /// Keywords per category (`None`: without a category), sorted by category.
    pub fn categories(&self) -> Vec<(Option<&str>, usize)> {
        let mut counts: std::collections::BTreeMap<Option<&str>, usize> = Default::default();
        for keyword in &self.keywords {
            *counts.entry(keyword.category.as_deref()).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blanks_crlf_bom_and_escapes() {
        let text = "\u{FEFF}# comment\r\n\r\n   \n  # indented comment\nalpha\r\n  beta gamma  \tA.1\r\n\\#hashtag\n中文词\t\n";
        let list = KeywordList::parse(text, "l.txt", None).expect("parses");
        let words: Vec<(&str, Option<&str>, usize)> = list
            .keywords()
            .iter()
            .map(|k| (k.text.as_str(), k.category.as_deref(), k.line))
            .collect();
        assert_eq!(
            words,
            [
                ("alpha", None, 5),
                ("beta gamma", Some("A.1"), 6),
                ("#hashtag", None, 7),
                ("中文词", None, 8)
            ]
        );
    }

    #[test]
    fn duplicates_fold_case_and_width() {
        let text = "Alpha\tx\nalpha\tx\nＡＬＰＨＡ\ty\nｶﾞｽ\nガス\n";
        let list = KeywordList::parse(text, "l.txt", None).expect("parses");
        assert_eq!(list.len(), 2);
        assert_eq!(list.duplicates, 3);
        assert_eq!(list.conflicting_categories, 1);
        assert_eq!(
            list.duplicate_examples[0],
            ("l.txt".to_string(), 2, "alpha".to_string(), 1)
        );
        assert_eq!(list.keywords()[1].folded, "ガス");
    }

    #[test]
    fn malformed_lines_are_all_reported_with_their_line() {
        let taxonomy = Taxonomy::builtin("tc260-003").expect("builtin");
        let text = "ok\tA.1.1\n\tA.1\n　\ta\tb\tc\nfine\tA.1.11\nbad\tB.1\nalso fine\tA.5\n";
        let problems = KeywordList::parse(text, "l.txt", Some(&taxonomy)).expect_err("malformed");
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:#?}");
        assert!(
            shown[0].starts_with("l.txt:2:1: Empty keyword"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("l.txt:3:1: More than one tab"),
            "{shown:#?}"
        );
        assert!(
            shown[2].starts_with("l.txt:4:6: Unknown category `A.1.11`"),
            "{shown:#?}"
        );
        assert!(shown[2].contains("did you mean `A.1.1`?"), "{shown:#?}");
        assert!(
            shown[3].starts_with("l.txt:5:5: Unknown category `B.1`"),
            "{shown:#?}"
        );
        // Without a taxonomy, any category is accepted.
        let list = KeywordList::parse("x\tanything\n", "l.txt", None).expect("free categories");
        assert_eq!(list.categories(), [(Some("anything"), 1)]);
    }
}
