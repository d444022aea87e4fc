//! The automaton: every folded keyword in one Aho–Corasick automaton,
//! leftmost-longest, non-overlapping.

use aho_corasick::{AhoCorasick, MatchKind};

use super::KeywordError;
use super::fold::FoldBuffer;
use super::list::KeywordList;

/// A keyword found: byte offsets in the original text and the keyword's index in its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub keyword: u32,
}

/// Finds a list's keywords in text, folding both the same way.
///
/// ```
/// use accord_scan::keywords::{KeywordList, Matcher, FoldBuffer};
///
/// let list = KeywordList::parse("ai\n生成\nai生成内容\n", "l.txt", None).unwrap();
/// let matcher = Matcher::new(&list).unwrap();
/// let text = "ＡＩ生成内容 and AI 生成";
/// let found: Vec<&str> = matcher
///     .find_all(text, &mut FoldBuffer::new())
///     .iter()
///     .map(|m| &text[m.start..m.end])
///     .collect();
/// assert_eq!(found, ["ＡＩ生成内容", "AI", "生成"]);
/// ```
#[derive(Clone, Debug)]
pub struct Matcher {
    automaton: AhoCorasick,
    /// The longest keyword, in folded bytes.
    longest: usize,
}

impl Matcher {
    pub fn new(list: &KeywordList) -> Result<Matcher, KeywordError> {
        let patterns = list.keywords().iter().map(|k| k.folded.as_str());
        // The crate picks the automaton: a DFA for small lists, a contiguous
        // NFA (which stays in cache) for libraries of thousands of keywords,
        // where it measured faster than a DFA here.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(patterns)
            .map_err(|e| KeywordError::Automaton(e.to_string()))?;
        let longest = list
            .keywords()
            .iter()
            .map(|k| k.folded.len())
            .max()
            .unwrap_or(0);
        Ok(Matcher { automaton, longest })
    }

    /// How many bytes of original text a match can span at most: folding
    /// turns at most three original bytes into one (`Ａ` → `a`).
    pub fn max_match_bytes(&self) -> usize {
        self.longest * 3
    }

    pub fn memory_usage(&self) -> usize {
        self.automaton.memory_usage()
    }

    /// Calls `found` for every match, in order, with offsets into `text`.
    pub fn for_each(&self, text: &str, buffer: &mut FoldBuffer, mut found: impl FnMut(Match)) {
        if buffer.fold(text) {
            let mut last: Option<Match> = None;
            for m in self.automaton.find_iter(buffer.text()) {
                let start = buffer.original_start(m.start());
                let end = buffer.original_end(m.end());
                // Two matches inside one expanded character ("ß" -> "ss")
                // would map to the same original bytes: report it once.
                let hit = Match {
                    start,
                    end,
                    keyword: m.pattern().as_u32(),
                };
                if last.is_some_and(|l| l.start == start && l.end == end) {
                    continue;
                }
                last = Some(hit);
                found(hit);
            }
        } else {
            for m in self.automaton.find_iter(text) {
                found(Match {
                    start: m.start(),
                    end: m.end(),
                    keyword: m.pattern().as_u32(),
                });
            }
        }
    }

    pub fn find_all(&self, text: &str, buffer: &mut FoldBuffer) -> Vec<Match> {
        let mut out = Vec::new();
        self.for_each(text, buffer, |m| out.push(m));
        out
    }
}
