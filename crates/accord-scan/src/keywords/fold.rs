//! Case and width folding, with a map back to the original bytes.
//!
//! Keywords and text are folded the same way before matching, so `ＡＢＣ`,
//! `abc` and `ABC` match each other, and so do `ｶﾞｽ` and `ガス`:
//!
//! - **width**: the full-width ASCII forms (U+FF01–U+FF5E) and the ideographic
//!   space (U+3000) become ASCII; half-width katakana, Hangul jamo and symbols
//!   (U+FF61–U+FFEE) become their full-width forms (Unicode `<narrow>` and
//!   `<wide>` decompositions), and a half-width katakana followed by a
//!   half-width voiced or semi-voiced mark becomes the precomposed kana;
//! - **case**: Unicode lowercase mapping, plus the extra foldings of
//!   CaseFolding.txt for Latin, Greek and Cyrillic (`ß`/`ẞ` → `ss`, `ſ` → `s`,
//!   `ς` → `σ`, `µ` → `μ`, the Greek symbol variants, the Latin `ﬀ`–`ﬆ`
//!   ligatures). ASCII letters are left as they are in the text: the automaton
//!   matches them case-insensitively.
//!
//! Folding can change lengths (`Ａ` is three bytes, `a` one), so [`FoldBuffer`]
//! keeps a span for every character whose folded form has another length, and
//! maps offsets in the folded text back to offsets in the original. Text that
//! needs no folding is not copied at all.
//!
//! Not done: canonical (NFC/NFD) normalisation in general, traditional/simplified
//! Chinese conversion, and the Cherokee and Turkic special cases.

/// Where one character (or a kana and its mark) changed length when folded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    folded_start: usize,
    folded_end: usize,
    original_start: usize,
    original_end: usize,
}

/// Reusable folded text and the map back to the original bytes.
#[derive(Debug, Default)]
pub struct FoldBuffer {
    text: String,
    spans: Vec<Span>,
}

impl FoldBuffer {
    pub fn new() -> FoldBuffer {
        FoldBuffer::default()
    }

    /// The folded text (valid after [`FoldBuffer::fold`] returned `true`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Folds `source` into this buffer. Returns `false`, leaving the buffer
    /// untouched, when folding would change nothing but ASCII case — then
    /// `source` itself is what to match.
    pub fn fold(&mut self, source: &str) -> bool {
        let Some(first) = first_to_fold(source) else {
            return false;
        };
        self.text.clear();
        self.spans.clear();
        self.text.push_str(&source[..first]);
        let bytes = source.as_bytes();
        let mut i = first;
        let mut run = first;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                i += 1;
                continue;
            }
            if is_caseless_cjk(bytes, i) {
                i += 3;
                continue;
            }
            let mut chars = source[i..].chars();
            let Some(c) = chars.next() else { break };
            let next = chars.next();
            let width = c.len_utf8();
            match fold_char(c, next) {
                Folded::Same => i += width,
                folded => {
                    self.text.push_str(&source[run..i]);
                    let folded_start = self.text.len();
                    let (consumed, count) = folded.push_to(&mut self.text);
                    let original_end = i
                        + width
                        + if consumed {
                            next.map_or(0, char::len_utf8)
                        } else {
                            0
                        };
                    let folded_end = self.text.len();
                    if folded_end - folded_start != original_end - i || count != 1 {
                        self.spans.push(Span {
                            folded_start,
                            folded_end,
                            original_start: i,
                            original_end,
                        });
                    }
                    i = original_end;
                    run = i;
                }
            }
        }
        self.text.push_str(&source[run..]);
        true
    }

    /// The original offset of a match that starts at `folded` (a character
    /// boundary of the folded text); inside an expansion it rounds down.
    pub fn original_start(&self, folded: usize) -> usize {
        self.map(folded, false)
    }

    /// The original offset of a match that ends at `folded`; inside an
    /// expansion it rounds up.
    pub fn original_end(&self, folded: usize) -> usize {
        self.map(folded, true)
    }

    fn map(&self, folded: usize, round_up: bool) -> usize {
        let index = self.spans.partition_point(|s| s.folded_start <= folded);
        let Some(span) = index.checked_sub(1).map(|i| self.spans[i]) else {
            return folded;
        };
        if folded >= span.folded_end {
            span.original_end + (folded - span.folded_end)
        } else if folded == span.folded_start || !round_up {
            span.original_start
        } else {
            span.original_end
        }
    }
}

/// Folds a whole string: keywords, and tests. ASCII is lowercased too, so
/// the result is the form two strings are compared in.
pub fn fold(source: &str) -> String {
    let mut buffer = FoldBuffer::new();
    let mut out = if buffer.fold(source) {
        std::mem::take(&mut buffer.text)
    } else {
        source.to_string()
    };
    out.make_ascii_lowercase();
    out
}

/// The byte offset of the first character that folding changes (other than ASCII case).
fn first_to_fold(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Eight ASCII bytes at a time: the common case in Latin text.
        if let Some(word) = bytes.get(i..i + 8) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            if u64::from_le_bytes(eight) & 0x8080_8080_8080_8080 == 0 {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
        } else if is_caseless_cjk(bytes, i) {
            i += 3;
        } else {
            let mut chars = source[i..].chars();
            let c = chars.next()?;
            if !matches!(fold_char(c, chars.next()), Folded::Same) {
                return Some(i);
            }
            i += c.len_utf8();
        }
    }
    None
}

/// Whether the character at `i` (a lead byte) is in U+3001–U+9FFF: CJK
/// punctuation, kana, ideographs — nothing there folds. U+3000 (the
/// ideographic space) does.
fn is_caseless_cjk(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        0xE4..=0xE9 => true,
        0xE3 => bytes.get(i + 1..i + 3) != Some(&[0x80, 0x80]),
        _ => false,
    }
}

/// What one character folds to.
#[derive(Debug)]
enum Folded {
    Same,
    /// One character; `true` when it also consumed the next (a kana and its mark).
    Char(char, bool),
    /// The lowercase mapping, each character of it folded again.
    Lower(char),
}

impl Folded {
    /// Appends the folded form; returns whether the next character was
    /// consumed and how many characters were written.
    fn push_to(self, out: &mut String) -> (bool, usize) {
        match self {
            Folded::Same => (false, 0),
            Folded::Char(c, consumed) => {
                out.push(c);
                (consumed, 1)
            }
            Folded::Lower(c) => {
                let mut count = 0;
                for lower in c.to_lowercase() {
                    match extra_fold(lower) {
                        Some(s) => {
                            out.push_str(s);
                            count += s.chars().count();
                        }
                        None => {
                            out.push(lower);
                            count += 1;
                        }
                    }
                }
                (false, count)
            }
        }
    }
}

fn fold_char(c: char, next: Option<char>) -> Folded {
    let code = c as u32;
    match code {
        0x3000 => Folded::Char(' ', false),
        0xFF01..=0xFF5E => {
            let ascii = char::from_u32(code - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase());
            Folded::Char(ascii, false)
        }
        0xFF5F..=0xFF60 => {
            char::from_u32(code - 0xFF5F + 0x2985).map_or(Folded::Same, |f| Folded::Char(f, false))
        }
        0xFF61..=0xFFDC => {
            let mapped = HALFWIDTH_FF61[(code - 0xFF61) as usize];
            let Some(full) = char::from_u32(u32::from(mapped)).filter(|_| mapped != 0) else {
                return Folded::Same;
            };
            let mark = match next {
                Some('\u{FF9E}') => Some('\u{3099}'),
                Some('\u{FF9F}') => Some('\u{309A}'),
                _ => None,
            };
            if let Some(mark) = mark
                && let Some(&(_, _, composed)) =
                    KANA_MARKS.iter().find(|(k, m, _)| *k == full && *m == mark)
            {
                return Folded::Char(composed, true);
            }
            Folded::Char(full, false)
        }
        0xFFE0..=0xFFEE => {
            let mapped = WIDTH_FFE0[(code - 0xFFE0) as usize];
            match char::from_u32(u32::from(mapped)) {
                Some(f) if mapped != 0 => Folded::Char(f, false),
                _ => Folded::Same,
            }
        }
        // Hangul syllables and jamo, Yi: no case.
        0xA000..=0xA48F | 0xAC00..=0xD7FF => Folded::Same,
        _ => {
            if extra_fold(c).is_some() {
                return Folded::Lower(c);
            }
            let mut lower = c.to_lowercase();
            if lower.len() == 1 && lower.next() == Some(c) {
                Folded::Same
            } else {
                Folded::Lower(c)
            }
        }
    }
}

/// Full case folding beyond the lowercase mapping (Unicode CaseFolding.txt,
/// statuses C and F, for Latin, Greek and Cyrillic).
fn extra_fold(c: char) -> Option<&'static str> {
    Some(match c {
        'µ' => "μ",
        'ß' => "ss",
        'ſ' => "s",
        'ς' => "σ",
        'ϐ' => "β",
        'ϑ' => "θ",
        'ϕ' => "φ",
        'ϖ' => "π",
        'ϰ' => "κ",
        'ϱ' => "ρ",
        'ϵ' => "ε",
        '\u{0345}' | '\u{1FBE}' => "ι",
        '\u{1E9B}' => "\u{1E61}",
        '\u{1C80}' => "в",
        '\u{1C81}' => "д",
        '\u{1C82}' => "о",
        '\u{1C83}' => "с",
        '\u{1C84}' | '\u{1C85}' => "т",
        '\u{1C86}' => "ъ",
        '\u{1C87}' => "ѣ",
        '\u{1C88}' => "\u{A64B}",
        'ﬀ' => "ff",
        'ﬁ' => "fi",
        'ﬂ' => "fl",
        'ﬃ' => "ffi",
        'ﬄ' => "ffl",
        'ﬅ' | 'ﬆ' => "st",
        _ => return None,
    })
}

/// U+FF61–U+FFDC to their `<narrow>` decompositions (0: unassigned).
const HALFWIDTH_FF61: [u16; 124] = [
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, //
    0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, //
    0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, //
    0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, //
    0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, //
    0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, //
    0x30F3, 0x3099, 0x309A, 0x3164, 0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136, //
    0x3137, 0x3138, 0x3139, 0x313A, 0x313B, 0x313C, 0x313D, 0x313E, 0x313F, 0x3140, //
    0x3141, 0x3142, 0x3143, 0x3144, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149, 0x314A, //
    0x314B, 0x314C, 0x314D, 0x314E, 0x0000, 0x0000, 0x0000, 0x314F, 0x3150, 0x3151, //
    0x3152, 0x3153, 0x3154, 0x0000, 0x0000, 0x3155, 0x3156, 0x3157, 0x3158, 0x3159, //
    0x315A, 0x0000, 0x0000, 0x315B, 0x315C, 0x315D, 0x315E, 0x315F, 0x3160, 0x0000, //
    0x0000, 0x3161, 0x3162, 0x3163,
];

/// U+FFE0–U+FFEE to their `<wide>` / `<narrow>` decompositions (0: unassigned).
const WIDTH_FFE0: [u16; 15] = [
    0x00A2, 0x00A3, 0x00AC, 0x00AF, 0x00A6, 0x00A5, 0x20A9, 0x0000, 0x2502, 0x2190, 0x2191, 0x2192,
    0x2193, 0x25A0, 0x25CB,
];

/// Katakana with a voiced (U+3099) or semi-voiced (U+309A) mark, and the precomposed kana (NFC).
const KANA_MARKS: [(char, char, char); 30] = [
    ('\u{30A6}', '\u{3099}', '\u{30F4}'),
    ('\u{30AB}', '\u{3099}', '\u{30AC}'),
    ('\u{30AD}', '\u{3099}', '\u{30AE}'),
    ('\u{30AF}', '\u{3099}', '\u{30B0}'),
    ('\u{30B1}', '\u{3099}', '\u{30B2}'),
    ('\u{30B3}', '\u{3099}', '\u{30B4}'),
    ('\u{30B5}', '\u{3099}', '\u{30B6}'),
    ('\u{30B7}', '\u{3099}', '\u{30B8}'),
    ('\u{30B9}', '\u{3099}', '\u{30BA}'),
    ('\u{30BB}', '\u{3099}', '\u{30BC}'),
    ('\u{30BD}', '\u{3099}', '\u{30BE}'),
    ('\u{30BF}', '\u{3099}', '\u{30C0}'),
    ('\u{30C1}', '\u{3099}', '\u{30C2}'),
    ('\u{30C4}', '\u{3099}', '\u{30C5}'),
    ('\u{30C6}', '\u{3099}', '\u{30C7}'),
    ('\u{30C8}', '\u{3099}', '\u{30C9}'),
    ('\u{30CF}', '\u{3099}', '\u{30D0}'),
    ('\u{30CF}', '\u{309A}', '\u{30D1}'),
    ('\u{30D2}', '\u{3099}', '\u{30D3}'),
    ('\u{30D2}', '\u{309A}', '\u{30D4}'),
    ('\u{30D5}', '\u{3099}', '\u{30D6}'),
    ('\u{30D5}', '\u{309A}', '\u{30D7}'),
    ('\u{30D8}', '\u{3099}', '\u{30D9}'),
    ('\u{30D8}', '\u{309A}', '\u{30DA}'),
    ('\u{30DB}', '\u{3099}', '\u{30DC}'),
    ('\u{30DB}', '\u{309A}', '\u{30DD}'),
    ('\u{30EF}', '\u{3099}', '\u{30F7}'),
    ('\u{30F0}', '\u{3099}', '\u{30F8}'),
    ('\u{30F1}', '\u{3099}', '\u{30F9}'),
    ('\u{30F2}', '\u{3099}', '\u{30FA}'),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Folding, then mapping every folded character boundary back, lands on
    /// original character boundaries and covers the original text.
    fn roundtrip(source: &str) -> (String, FoldBuffer) {
        let mut buffer = FoldBuffer::new();
        let changed = buffer.fold(source);
        let folded = if changed {
            buffer.text().to_string()
        } else {
            source.to_string()
        };
        for (i, _) in folded.char_indices().chain([(folded.len(), ' ')]) {
            let (start, end) = if changed {
                (buffer.original_start(i), buffer.original_end(i))
            } else {
                (i, i)
            };
            assert!(source.is_char_boundary(start), "{source:?} {i} -> {start}");
            assert!(source.is_char_boundary(end), "{source:?} {i} -> {end}");
        }
        if changed {
            assert_eq!(buffer.original_end(folded.len()), source.len());
            assert_eq!(buffer.original_start(0), 0);
        }
        (folded, buffer)
    }

    #[test]
    fn width_and_case_fold_to_one_form() {
        assert_eq!(fold("ＡＢＣ　ｄｅｆ"), "abc def");
        assert_eq!(fold("ABC def"), "abc def");
        assert_eq!(fold("ｶﾞｽ"), "ガス");
        assert_eq!(fold("ﾊﾟﾝ"), "パン");
        assert_eq!(fold("ｱﾞ"), "ア\u{3099}");
        assert_eq!(fold("ﾞ"), "\u{3099}");
        assert_eq!(fold("ＡＩ生成，合成！"), "ai生成,合成!");
        assert_eq!(fold("Straße STRASSE straẞe"), "strasse strasse strasse");
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ Ὀδυσσεύς"), fold("οδυσσευς ὀδυσσεύσ"));
        assert_eq!(fold("ПРИВЕТ"), "привет");
        assert_eq!(fold("Kelvin \u{212A}"), "kelvin k");
        assert_eq!(fold("ﬁle"), "file");
        assert_eq!(fold("￥１００"), "¥100");
        assert_eq!(fold("ﾍﾝｸﾞﾙ ﾡ"), "ヘングル ㄱ");
        assert_eq!(fold("中文不变"), "中文不变");
    }

    #[test]
    fn unchanged_text_is_not_copied() {
        let mut buffer = FoldBuffer::new();
        assert!(!buffer.fold("Plain ASCII, Upper Case too. 中文。"));
        assert!(!buffer.fold("déjà vu"));
        assert!(
            !buffer.fold("Déjà vu"),
            "ASCII case is left to the automaton"
        );
        assert!(buffer.fold("DÉJÀ vu"));
        assert_eq!(buffer.text(), "DéJà vu");
        assert!(buffer.spans.is_empty(), "same-length folds need no span");
    }

    #[test]
    fn offsets_map_back_to_original_bytes() {
        // 'Ａ' (3 bytes) -> 'a' (1 byte); a match of "bc" in the folded text
        // must map to the bytes of "ＢＣ" in the original.
        let source = "xＡＢＣy";
        let (folded, buffer) = roundtrip(source);
        assert_eq!(folded, "xabcy");
        let start = folded.find("bc").expect("found");
        let (s, e) = (buffer.original_start(start), buffer.original_end(start + 2));
        assert_eq!(&source[s..e], "ＢＣ");
        assert_eq!(buffer.original_start(folded.len() - 1), source.len() - 1);

        // A kana and its mark are one folded character over two original ones.
        let source = "abｶﾞｽcd";
        let (folded, buffer) = roundtrip(source);
        let start = folded.find("ガ").expect("found");
        let (s, e) = (
            buffer.original_start(start),
            buffer.original_end(start + "ガ".len()),
        );
        assert_eq!(&source[s..e], "ｶﾞ");

        // Inside an expansion ("ß" -> "ss"), starts round down and ends round up.
        let source = "aßb";
        let (folded, buffer) = roundtrip(source);
        assert_eq!(folded, "assb");
        assert_eq!((buffer.original_start(2), buffer.original_end(2)), (1, 3));
        assert_eq!(buffer.original_end(3), 3);
    }

    #[test]
    fn roundtrips_hold_on_mixed_text() {
        for source in [
            "",
            "ｱｲｳｴｵ ﾊﾟﾋﾟﾌﾟ ﾞﾟ ﾞ",
            "ＨＥＬＬＯ，世界！Ｈｅｌｌｏ　ｗｏｒｌｄ",
            "İstanbul ǅ ß ẞ ﬃ µ ς",
            "\u{FFBF}\u{FFC0}\u{FFE7}\u{FFEF}",
            "tail ｶ",
            "ﾌﾞ",
        ] {
            roundtrip(source);
        }
    }
}
