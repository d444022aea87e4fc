//! Personal-information detectors with validation.
//!
//! [`Detector::find`] scans a `&str` and returns [`Finding`]s: byte spans with
//! a [`Kind`]. A shape alone is never enough: every kind is confirmed by a
//! check digit, a checksum, a registry table or a plausible range (see
//! [`Kind`] for each), so numbers that merely look right are not reported.
//!
//! ```
//! use accord_scan::pii::{Detector, Kind};
//!
//! let detector = Detector::new().unwrap();
//! let text = "身份证 11010519491231002X, card 4111 1111 1111 1111, not 4111 1111 1111 1112";
//! let kinds: Vec<Kind> = detector.find(text).iter().map(|f| f.kind).collect();
//! assert_eq!(kinds, [Kind::CnResidentId, Kind::PaymentCard]);
//! ```
//!
//! How it works: the text is skipped through, 32 bytes at a time, to the next
//! digit or `@` (every kind holds one); around it lies an *island* of bytes
//! that can belong to an identifier. In each island one regular expression
//! (`regex-automata`'s meta engine: finite automata, no backtracking) finds
//! *candidate tokens* — email-shaped, IPv6-shaped, IBAN/USCC/passport-shaped,
//! and runs of digits with the separators people write in numbers (`+`,
//! spaces, hyphens, dots, parentheses). Each token is
//! then split into digit groups and the longest run of groups that some
//! validator accepts becomes a finding, tried from the most specific kind to
//! the least: a resident ID before a card before an SSN before an IP address
//! before a phone number. A candidate must not touch a letter or digit on
//! either side, so pieces of longer numbers and codes are not reported.
//!
//! Deliberate limits, for precision: NANP numbers written as ten bare digits
//! (an order number as often as a phone) and Chinese landlines written as
//! eleven or twelve bare digits, unless a phone label stands just before
//! them; bare nine-digit SSNs without "SSN" or "social security" shortly
//! before, and passport numbers without "passport" or 护照 shortly before are
//! not reported. A phone label (电话, 手机号, 座机, tel, phone, mobile, cell,
//! fax, call me at, ...) just before a number also stands in for the
//! numbering plan: `电话：12812345678` is reported although no operator has
//! the prefix 128, and `12812345678` alone is not.
//!
//! [`Detector::explain`] lists what looked like an identifier but was not
//! reported, with the reason ([`Reason`]): a check digit that does not
//! match, a number never issued or a known placeholder such as 123-45-6789.
//!
//! Not detected: names and postal addresses (they need named-entity
//! recognition, which a pattern scanner cannot honestly provide), full-width
//! digits, 15-digit first-generation resident IDs (no check digit), IPv6
//! addresses without any digit, and internationalised email domains.

mod explain;
mod report;
mod validate;

use std::fmt;

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};
use serde::{Deserialize, Serialize};

pub use explain::{Ignored, Reason, explanation};
pub use report::{
    CONTROLS, Counts, Redaction, ScanTotals, Threshold, ignored_json, mask, redact, thousands,
};
pub use validate::{
    cn_resident_id, cn_uscc, email as valid_email, iban as valid_iban, luhn, payment_card, us_ssn,
};

/// What a finding is. The string forms are fixed by CONTRACT.md §7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An email address: RFC 5321 local part and domain rules, a 2-24 letter top-level domain.
    Email,
    /// A phone number: Chinese mobile (operator prefixes, optional +86/0086),
    /// Chinese landline (area code with its trunk 0, apart or in parentheses),
    /// NANP (area and exchange code rules, written with separators or +1), or
    /// any international number written with `+` or `00` and a country code in
    /// service. Right after a phone label (电话, 手机号, tel, phone, mobile,
    /// call me at, ...), any number written the way phone numbers are.
    Phone,
    /// A Chinese resident identity number: province code, birth date, GB 11643 check digit.
    CnResidentId,
    /// A Unified Social Credit Code: GB 32100 character set, region digits and check character.
    CnUscc,
    /// A Chinese passport number (E or G and 8 digits, or E, a letter and 7 digits),
    /// only with a word such as "passport" or 护照 shortly before: there is no check digit.
    CnPassport,
    /// A payment card: issuer range with its lengths, and the Luhn check.
    PaymentCard,
    /// A US Social Security number in the ranges issued; bare nine digits only after "SSN" or
    /// "social security".
    UsSsn,
    /// An IBAN: country, its registered length, and the MOD 97-10 check;
    /// bare or in groups, with spaces or hyphens, in capitals or lower case.
    Iban,
    /// An IPv4 (octets 0-255, no leading zeros) or IPv6 address.
    IpAddress,
}

impl Kind {
    /// Every kind, in the order reports list them.
    pub const ALL: [Kind; 9] = [
        Kind::Email,
        Kind::Phone,
        Kind::CnResidentId,
        Kind::CnUscc,
        Kind::CnPassport,
        Kind::PaymentCard,
        Kind::UsSsn,
        Kind::Iban,
        Kind::IpAddress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::CnResidentId => "cn-resident-id",
            Kind::CnUscc => "cn-uscc",
            Kind::CnPassport => "cn-passport",
            Kind::PaymentCard => "payment-card",
            Kind::UsSsn => "us-ssn",
            Kind::Iban => "iban",
            Kind::IpAddress => "ip-address",
        }
    }

    /// The index of this kind in [`Kind::ALL`], for counting in arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The token a redaction writes in place of a finding, e.g. `[CN-RESIDENT-ID]`.
    pub fn token(self) -> &'static str {
        match self {
            Kind::Email => "[EMAIL]",
            Kind::Phone => "[PHONE]",
            Kind::CnResidentId => "[CN-RESIDENT-ID]",
            Kind::CnUscc => "[CN-USCC]",
            Kind::CnPassport => "[CN-PASSPORT]",
            Kind::PaymentCard => "[PAYMENT-CARD]",
            Kind::UsSsn => "[US-SSN]",
            Kind::Iban => "[IBAN]",
            Kind::IpAddress => "[IP-ADDRESS]",
        }
    }

    /// The PIPL sensitive-personal-information category this kind falls in, if any.
    pub fn sensitive_category(self) -> Option<SensitiveCategory> {
        match self {
            Kind::PaymentCard | Kind::Iban => Some(SensitiveCategory::FinancialAccount),
            Kind::CnResidentId | Kind::CnPassport | Kind::UsSsn => {
                Some(SensitiveCategory::SpecificIdentity)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind `{s}`; the kinds are {}", known.join(", "))
            })
    }
}

/// Categories of sensitive personal information under PIPL Art. 28 that the
/// detectors can evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SensitiveCategory {
    /// 金融账户: financial accounts, named in PIPL Art. 28.
    FinancialAccount,
    /// 特定身份: specific identity, named in PIPL Art. 28. Identity-document
    /// numbers are not named in the Article itself; GB/T 35273-2020 Annex B
    /// lists identity-card and passport numbers as sensitive, and they are
    /// commonly treated so.
    SpecificIdentity,
}

impl SensitiveCategory {
    pub const ALL: [SensitiveCategory; 2] = [
        SensitiveCategory::FinancialAccount,
        SensitiveCategory::SpecificIdentity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SensitiveCategory::FinancialAccount => "financial-account",
            SensitiveCategory::SpecificIdentity => "specific-identity",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            SensitiveCategory::FinancialAccount => "金融账户",
            SensitiveCategory::SpecificIdentity => "特定身份",
        }
    }

    /// The kinds in this category.
    pub fn kinds(self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| k.sensitive_category() == Some(self))
            .collect()
    }

    /// Why the kinds are flagged, citing the law.
    pub fn basis(self) -> &'static str {
        match self {
            SensitiveCategory::FinancialAccount => {
                "PIPL Art. 28 names financial accounts (金融账户) as sensitive personal information"
            }
            SensitiveCategory::SpecificIdentity => {
                "PIPL Art. 28 names specific identity (特定身份); identity-document numbers are not named in the Article itself, but GB/T 35273-2020 Annex B lists identity-card and passport numbers as sensitive and they are commonly treated so"
            }
        }
    }
}

/// One finding: `text[start..end]` is an identifier of `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

impl Finding {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Candidate tokens, in order of preference where two start at the same byte.
/// ASCII only (`-u`): every kind is written in ASCII, and ASCII word boundaries
/// keep the automaton a DFA on Chinese text (a CJK character next to a digit is
/// a boundary, as it should be).
const CANDIDATES: &str = r"(?x-u)
    # email: local part, @, dotted domain (validated afterwards)
    [A-Za-z0-9._%+\-]+ @ [A-Za-z0-9\-]+ (?: \. [A-Za-z0-9\-]+ )+
  | # IPv6: hex groups with at least two colons (an embedded IPv4 allowed)
    [0-9A-Fa-f]{0,4} : [0-9A-Fa-f]{0,4} : [0-9A-Fa-f:.]*
  | # IBAN: country and check digits, then groups of any length joined by
    # single spaces or hyphens; in capitals, or in lower case, where a group
    # without digits has the four letters of a bank code (not `and`, `the`)
    \b [A-Z]{2} [0-9]{2} (?: [\x20\-]? [0-9A-Z]+ )* \b
  | \b [a-z]{2} [0-9]{2} (?: [\x20\-]? (?: [a-z]{4} | [0-9a-z]* [0-9] [0-9a-z]* ) )* \b
  | # Unified Social Credit Code (and bare 18-digit numbers)
    \b [0-9A-Y]{2} [0-9]{6} [0-9A-Y]{10} \b
  | # Chinese passport
    \b (?: [EG] [0-9]{8} | E [A-Z] [0-9]{7} ) \b
  | # digits with the separators numbers are written with; X ends resident IDs.
    # A number starts after a non-word character: `v6 2001:db8::1` has no `6 2001`.
    (?: \B (?: \(? \+ | \( ) | \b ) [0-9]+ (?: (?: [\x20\-.] | \) [\x20\-]? | [\x20\-]? \( ) [0-9]+ )* [Xx]?
";

/// The detectors, compiled once; cheap to share between threads (`&Detector`).
#[derive(Clone, Debug)]
pub struct Detector {
    candidates: Regex,
    enabled: [bool; 9],
}

/// The detectors could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PiiError {
    #[error("Internal error (this is a bug): {0}")]
    Internal(String),
}

impl Detector {
    /// All detectors.
    pub fn new() -> Result<Detector, PiiError> {
        Detector::with_kinds(&Kind::ALL)
    }

    /// Only the given kinds.
    pub fn with_kinds(kinds: &[Kind]) -> Result<Detector, PiiError> {
        let mut enabled = [false; 9];
        for kind in kinds {
            enabled[kind.index()] = true;
        }
        let candidates = Regex::builder()
            .configure(Regex::config().hybrid_cache_capacity(16 << 20))
            .build(CANDIDATES)
            .map_err(|e| {
                PiiError::Internal(format!("the candidate pattern does not compile: {e}"))
            })?;
        Ok(Detector {
            candidates,
            enabled,
        })
    }

    /// The kinds this detector reports.
    pub fn kinds(&self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| self.enabled[k.index()])
            .collect()
    }

    /// The findings in `text`, in order, not overlapping.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.find_into(text, &mut out);
        out
    }

    /// Appends the findings in `text` to `out`.
    pub fn find_into(&self, text: &str, out: &mut Vec<Finding>) {
        let before = out.len();
        let bytes = text.as_bytes();
        let mut pos = 0;
        while let Some(trigger) = next_trigger(bytes, pos) {
            let (start, end) = island(bytes, pos, trigger);
            pos = end;
            // Nothing shorter than `a@b.cn`, `::1` or `1.1.1.1` is worth a search.
            if end - start < 7 && !bytes[start..end].iter().any(|&b| b == b'@' || b == b':') {
                continue;
            }
            // Most islands are digits and separators, which are a candidate
            // whole: no search needed.
            let mut at = start;
            if digit_island(&bytes[start..end]) {
                at = classify(text, start, end, out);
            }
            // Search the island only; look-around still sees the bytes around it.
            // Most candidates start where the search does, and an anchored
            // search finds them without the reverse scan an unanchored one needs.
            while at < end {
                let input = Input::new(text).range(at..end);
                let found = self
                    .candidates
                    .search(&input.clone().anchored(Anchored::Yes))
                    .or_else(|| self.candidates.search(&input));
                let Some(m) = found else { break };
                at = classify(text, m.start(), m.end(), out);
            }
        }
        if self.enabled.iter().any(|e| !e) {
            let enabled = self.enabled;
            let mut index = 0;
            out.retain(|f| {
                index += 1;
                index <= before || enabled[f.kind.index()]
            });
        }
    }
}

/// Whether an island is digits joined by single spaces, hyphens or dots
/// (and perhaps a final `X`): then the digit branch of [`CANDIDATES`] matches
/// it whole, as an anchored search would find. Not when its first group has
/// 18 digits and more follow, which the credit-code branch takes alone.
fn digit_island(island: &[u8]) -> bool {
    let body = match island {
        [body @ .., b'X' | b'x'] => body,
        _ => island,
    };
    let (Some(first), Some(last)) = (body.first(), body.last()) else {
        return false;
    };
    if !first.is_ascii_digit() || !last.is_ascii_digit() {
        return false;
    }
    let mut first_group = None;
    let mut previous_digit = true;
    for (i, &b) in body.iter().enumerate() {
        if b.is_ascii_digit() {
            previous_digit = true;
        } else if matches!(b, b' ' | b'-' | b'.') && previous_digit {
            first_group.get_or_insert(i);
            previous_digit = false;
        } else {
            return false;
        }
    }
    first_group != Some(18)
}

/// Bytes that can appear in a candidate other than a space: ASCII letters,
/// digits and `._%+-@:()`.
static TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'.' | b'_' | b'%' | b'+' | b'-' | b'@' | b':' | b'(' | b')'
            );
        b += 1;
    }
    table
};

/// Every kind holds a digit or an `@` (IPv6 addresses without any digit are
/// not reported), so the search skips ahead to those bytes.
static TRIGGER: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_digit() || b == b'@' as usize;
        b += 1;
    }
    table
};

/// The first trigger byte at or after `from`, scanning 32 bytes at a time (a
/// loop the compiler vectorises) and then byte by byte inside the block.
fn next_trigger(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + 32 <= bytes.len() {
        let block = &bytes[at..at + 32];
        if block.iter().fold(false, |any, &b| {
            any | (b.wrapping_sub(b'0') < 10) | (b == b'@')
        }) {
            return block
                .iter()
                .position(|&b| TRIGGER[b as usize])
                .map(|p| at + p);
        }
        at += 32;
    }
    bytes[at..]
        .iter()
        .position(|&b| TRIGGER[b as usize])
        .map(|p| at + p)
}

/// The island around `trigger`: the longest run of candidate bytes, where a
/// single space counts between a digit, capital or `)` and a digit, capital
/// or `(` (as in `4111 1111`, `DE89 3704`, `(212) 555`). Every candidate lies
/// inside one island, and a candidate's first trigger precedes any space in
/// it, so backing up from the trigger over non-space bytes finds its start.
///
/// After what may begin an IBAN in lower case (two letters and two digits,
/// as in `gb82`), a space between any letters or digits joins too
/// (`gb82 west 1234 ...`), up to the length of the longest IBAN.
fn island(bytes: &[u8], floor: usize, trigger: usize) -> (usize, usize) {
    let mut start = trigger;
    while start > floor && TOKEN[bytes[start - 1] as usize] {
        start -= 1;
    }
    let iban_like = trigger >= 2
        && bytes[trigger - 2].is_ascii_lowercase()
        && bytes[trigger - 1].is_ascii_lowercase()
        && (trigger == 2 || !is_word(bytes[trigger - 3]))
        && bytes.get(trigger + 1).is_some_and(u8::is_ascii_digit);
    let iban_end = trigger + IBAN_SPAN;
    let mut end = trigger;
    while end < bytes.len() {
        let b = bytes[end];
        let joining_space = b == b' '
            && ((matches!(bytes[end - 1], b'0'..=b'9' | b'A'..=b'Z' | b')')
                && bytes
                    .get(end + 1)
                    .is_some_and(|n| matches!(n, b'0'..=b'9' | b'A'..=b'Z' | b'(')))
                || (iban_like
                    && end < iban_end
                    && bytes[end - 1].is_ascii_alphanumeric()
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)));
        if !TOKEN[b as usize] && !joining_space {
            break;
        }
        end += 1;
    }
    (start, end)
}

/// How far past its first digit an IBAN written with separators can reach:
/// 34 characters, and a separator between each two at most.
const IBAN_SPAN: usize = 2 * 34;

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `text[start..end]` stands alone: no letter or digit touches it.
fn bounded(bytes: &[u8], start: usize, end: usize) -> bool {
    (start == 0 || !is_word(bytes[start - 1])) && (end >= bytes.len() || !is_word(bytes[end]))
}

/// Turns one candidate token into findings; returns where to search next.
fn classify(text: &str, start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
    let bytes = text.as_bytes();
    let token = &bytes[start..end];
    let final_x = matches!(token.last(), Some(b'X' | b'x'));
    // One pass over the token for what decides its class.
    let (mut at_sign, mut colon, mut letters) = (false, false, false);
    for &b in &token[..token.len() - usize::from(final_x)] {
        at_sign |= b == b'@';
        colon |= b == b':';
        letters |= b.is_ascii_alphabetic();
    }
    if at_sign {
        classify_email(text, start, end, out);
    } else if colon {
        // An address that ends a sentence leaves its full stop out.
        let trimmed = start + token.iter().rposition(|&b| b != b'.').map_or(0, |p| p + 1);
        let colon_after = end < bytes.len() && bytes[end] == b':';
        if trimmed > start
            && bounded(bytes, start, trimmed)
            && !colon_after
            && validate::ipv6(&text[start..trimmed])
        {
            out.push(Finding {
                start,
                end: trimmed,
                kind: Kind::IpAddress,
            });
        }
    } else if letters {
        return classify_code(text, start, end, out);
    } else {
        // Digits and separators, perhaps ending with the X of a resident ID.
        return classify_digits(text, start, end, out);
    }
    end
}

fn classify_email(text: &str, mut start: usize, end: usize, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    // The local part may not start with punctuation; a token such as
    // `...john@example.com` starts at `john`.
    while start < end && !bytes[start].is_ascii_alphanumeric() {
        start += 1;
    }
    if start > 0 && is_word(bytes[start - 1]) {
        return;
    }
    // A domain never ends with a hyphen; `a@b.com-` ends at `com`.
    let mut end = end;
    while end > start && bytes[end - 1] == b'-' {
        end -= 1;
    }
    if end < bytes.len() && (is_word(bytes[end]) || bytes[end] == b'@') {
        return;
    }
    if validate::email(&text[start..end]) {
        out.push(Finding {
            start,
            end,
            kind: Kind::Email,
        });
    }
}

/// Tokens with letters: IBAN, USCC, passport. Returns where to search next:
/// after an IBAN, or after as many characters as an IBAN of the token's
/// country has, when that leaves part of the token (`... 606 and NL91...`);
/// else the token's end, so that the groups of a look-alike are not taken apart.
fn classify_code(text: &str, start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
    let bytes = text.as_bytes();
    if !bounded(bytes, start, end) {
        return end;
    }
    let token = &bytes[start..end];
    if token.len() == 18 && validate::cn_uscc(token) {
        out.push(Finding {
            start,
            end,
            kind: Kind::CnUscc,
        });
        return end;
    }
    if token.len() == 9 && passport_shape(token) {
        if passport_context(text, start) {
            out.push(Finding {
                start,
                end,
                kind: Kind::CnPassport,
            });
        }
        return end;
    }
    match iban_end(bytes, start, end) {
        Some(stop) => {
            out.push(Finding {
                start,
                end: stop,
                kind: Kind::Iban,
            });
            stop
        }
        None => iban_extent(bytes, start, end),
    }
}

/// Where an IBAN-shaped token that failed its check ends: after as many
/// letters and digits as its country's IBANs have (a country without IBANs:
/// the whole token).
fn iban_extent(bytes: &[u8], start: usize, end: usize) -> usize {
    if end - start < 2 {
        return end;
    }
    let country = [
        bytes[start].to_ascii_uppercase(),
        bytes[start + 1].to_ascii_uppercase(),
    ];
    let Some(length) = validate::iban_length(&country) else {
        return end;
    };
    let mut characters = 0;
    for i in start..end {
        if bytes[i].is_ascii_alphanumeric() {
            characters += 1;
            if characters >= length && (i + 1 == end || !bytes[i + 1].is_ascii_alphanumeric()) {
                return i + 1;
            }
        }
    }
    end
}

/// Where an IBAN that starts at `start` ends, if one does: the whole token,
/// or the token without groups that follow the IBAN. People write IBANs bare,
/// in groups of four, in groups as they please, with hyphens, in lower case;
/// the country's registered length and the MOD 97-10 check decide.
fn iban_end(bytes: &[u8], start: usize, end: usize) -> Option<usize> {
    // The characters in capitals, and after which of them each group ends,
    // up to the 34 characters of the longest IBAN. Candidates hold nothing
    // but letters, digits, spaces and hyphens.
    let mut compact = [0u8; 34];
    let mut length = 0;
    let mut stops = [(0usize, 0usize); 34];
    let mut count = 0;
    for i in start..end {
        let b = bytes[i];
        if !b.is_ascii_alphanumeric() {
            continue;
        }
        if length == compact.len() {
            break;
        }
        compact[length] = b.to_ascii_uppercase();
        length += 1;
        if i + 1 == end || !bytes[i + 1].is_ascii_alphanumeric() {
            stops[count] = (i + 1, length);
            count += 1;
        }
    }
    // Only the stop with as many characters as the country's IBANs have can
    // end one.
    let length = validate::iban_length(compact.get(..2)?)?;
    let &(stop, _) = stops[..count].iter().find(|&&(_, c)| c == length)?;
    validate::iban(&compact[..length]).then_some(stop)
}

fn passport_shape(token: &[u8]) -> bool {
    match token {
        [b'E' | b'G', rest @ ..] if rest.iter().all(u8::is_ascii_digit) => true,
        [b'E', letter, rest @ ..] => {
            letter.is_ascii_uppercase()
                && !matches!(letter, b'I' | b'O')
                && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// How far before a candidate a context word may stand, in bytes.
const CONTEXT_BYTES: usize = 48;

fn window_before(text: &str, start: usize) -> &str {
    let mut from = start.saturating_sub(CONTEXT_BYTES);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..start]
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn contains(haystack: &str, needle: &str) -> bool {
    memchr::memmem::find(haystack.as_bytes(), needle.as_bytes()).is_some()
}

fn passport_context(text: &str, start: usize) -> bool {
    let window = window_before(text, start);
    contains(window, "护照")
        || contains(window, "護照")
        || contains_ignore_ascii_case(window, "passport")
}

fn uscc_context(text: &str, start: usize) -> bool {
    let window = window_before(text, start);
    contains(window, "信用代码")
        || contains(window, "信用代碼")
        || contains_ignore_ascii_case(window, "credit code")
        || contains_ignore_ascii_case(window, "uscc")
}

fn ssn_context(text: &str, start: usize) -> bool {
    let window = window_before(text, start);
    ["ssn", "social security", "ss#", "ss no"]
        .iter()
        .any(|w| contains_ignore_ascii_case(window, w))
        || contains(window, "社会安全号")
        || contains(window, "社會安全號")
}

/// One digit group of a numeric token, with what precedes it.
#[derive(Clone, Copy, Debug)]
struct Group {
    /// Byte range of the digits (and a final `X`) in the text.
    start: usize,
    end: usize,
    /// The separator before this group: empty for the first group.
    sep_start: usize,
}

/// A separator as far as formats care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sep {
    Space,
    Hyphen,
    Dot,
    /// Any separator with a parenthesis in it.
    Paren,
}

fn sep_kind(sep: &[u8]) -> Sep {
    if sep.iter().any(|&b| b == b'(' || b == b')') {
        Sep::Paren
    } else if sep.contains(&b'-') {
        Sep::Hyphen
    } else if sep.contains(&b'.') {
        Sep::Dot
    } else {
        Sep::Space
    }
}

/// The most groups and digits one finding can span.
const MAX_GROUPS: usize = 8;
const MAX_DIGITS: usize = 21;

/// Tokens of digits and separators: cards, resident IDs, SSNs, IPv4, phones.
/// Returns where to search next: the token's end, or the start of its last
/// group when no finding used that group and a space precedes it, since the
/// group may begin something else (`5 12345@qq.com`, `12 2001:db8::1`).
fn classify_digits(text: &str, start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
    let bytes = text.as_bytes();
    // Too short for any kind (the shortest is an IPv4 address such as 1.1.1.1).
    if end - start < 7 {
        return end;
    }
    // Most tokens have a few groups: keep them on the stack.
    const STACK: usize = 24;
    let mut stack = [Group {
        start: 0,
        end: 0,
        sep_start: 0,
    }; STACK];
    let mut heap: Vec<Group> = Vec::new();
    let mut n = 0;
    let mut i = start;
    let mut sep_start = start;
    while i < end {
        if bytes[i].is_ascii_digit() {
            let g = i;
            while i < end && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i < end && (bytes[i] == b'X' || bytes[i] == b'x') {
                i += 1;
            }
            let group = Group {
                start: g,
                end: i,
                sep_start,
            };
            if n < STACK {
                stack[n] = group;
            } else {
                if heap.is_empty() {
                    heap.extend_from_slice(&stack);
                }
                heap.push(group);
            }
            n += 1;
            sep_start = i;
        } else {
            i += 1;
        }
    }
    let groups: &[Group] = if n <= STACK { &stack[..n] } else { &heap };
    let mut first = 0;
    while first < n {
        // A finding may start inside a token only after a space, and end
        // inside it only before one: `3.14159265358` holds no phone number.
        if first > 0 && !separator_has_space(bytes, &groups[first]) {
            first += 1;
            continue;
        }
        let mut found = None;
        let mut digits = 0;
        let mut last_ok = first;
        for (j, g) in groups.iter().enumerate().skip(first).take(MAX_GROUPS) {
            digits += g.end - g.start;
            if digits > MAX_DIGITS {
                break;
            }
            last_ok = j;
        }
        for last in (first..=last_ok).rev() {
            if last + 1 < n && !separator_has_space(bytes, &groups[last + 1]) {
                continue;
            }
            if continues_layout(bytes, &groups[..n], first, last) {
                continue;
            }
            let (at_start, at_end) = (first == 0, last + 1 == n);
            if let Some(finding) =
                validate_groups(text, start, &groups[first..=last], at_start, at_end)
            {
                found = Some((finding, last));
                break;
            }
        }
        match found {
            Some((finding, last)) => {
                out.push(finding);
                first = last + 1;
            }
            None => first += 1,
        }
    }
    let used_last = out.last().is_some_and(|f| f.end == end && f.start >= start);
    match groups.last() {
        Some(last) if n > 1 && !used_last && separator_has_space(bytes, last) => last.start,
        _ => end,
    }
}

/// Whether the token goes on with the layout of `groups[first..=last]` on
/// either side — the same separator once more — so that the groups are a
/// piece of a longer number: `6277 0403 6393 5759 194` holds no 16-digit card.
fn continues_layout(bytes: &[u8], groups: &[Group], first: usize, last: usize) -> bool {
    if first == last {
        return false;
    }
    let sep = |g: &Group| &bytes[g.sep_start..g.start];
    let inner = sep(&groups[first + 1]);
    if groups[first + 2..=last].iter().any(|g| sep(g) != inner) {
        return false;
    }
    (first > 0 && sep(&groups[first]) == inner)
        || groups.get(last + 1).is_some_and(|g| sep(g) == inner)
}

fn separator_has_space(bytes: &[u8], group: &Group) -> bool {
    bytes[group.sep_start..group.start].contains(&b' ')
}

/// The kind of the digit groups `groups`, most specific first; `at_token_start`
/// when the first group opens the token (so a `+` or `(` before it belongs),
/// `at_token_end` when the last group closes it.
fn validate_groups(
    text: &str,
    token_start: usize,
    groups: &[Group],
    at_token_start: bool,
    at_token_end: bool,
) -> Option<Finding> {
    let bytes = text.as_bytes();
    let first = groups[0];
    let last = groups[groups.len() - 1];
    let shape = Shape::new(bytes, token_start, groups, at_token_start)?;
    let (lead_start, plus) = (shape.lead_start, shape.plus);
    let (digits, lengths, seps) = (shape.digits(), shape.lengths(), shape.seps());
    // The candidate pattern puts an X only at the very end of a token.
    let ends_with_x = matches!(digits.last(), Some(b'X' | b'x'));
    if last.end < bytes.len() && is_word(bytes[last.end]) {
        return None;
    }
    let uniform = |allowed: &[Sep]| shape.uniform(allowed);
    let plain = shape.plain();
    let finding = |start: usize, kind: Kind| {
        let before_ok = start == 0 || !is_word(bytes[start - 1]);
        before_ok.then_some(Finding {
            start,
            end: last.end,
            kind,
        })
    };
    let id_layout =
        lengths == [18] || (lengths == [6, 8, 4] && uniform(&[Sep::Space, Sep::Hyphen]));

    if ends_with_x {
        // Only resident IDs (and rarely a credit code) end with X.
        if plain && id_layout && validate::cn_resident_id(digits) {
            return finding(first.start, Kind::CnResidentId);
        }
        if plain && lengths == [18] && validate::cn_uscc(digits) {
            return finding(first.start, Kind::CnUscc);
        }
        return None;
    }
    if plain {
        // An all-digit credit code can also have a resident ID's shape; a
        // label such as 信用代码 or "credit code" just before decides.
        if lengths == [18] && validate::cn_uscc(digits) && uscc_context(text, first.start) {
            return finding(first.start, Kind::CnUscc);
        }
        if digits.len() == 18 && id_layout {
            if validate::cn_resident_id(digits) {
                return finding(first.start, Kind::CnResidentId);
            }
            // A province code and a birth date where a resident ID has them:
            // a mistyped ID, not a card or a credit code that happens to pass.
            if validate::cn_resident_id_shape(digits) {
                return None;
            }
        }
        if card_layout(lengths)
            && uniform(&[Sep::Space, Sep::Hyphen])
            && validate::payment_card(digits)
        {
            return finding(first.start, Kind::PaymentCard);
        }
        if lengths == [18] && validate::cn_uscc(digits) {
            return finding(first.start, Kind::CnUscc);
        }
        if validate::us_ssn(digits)
            && ((lengths == [3, 2, 4] && uniform(&[Sep::Hyphen, Sep::Space]))
                || (lengths == [9] && ssn_context(text, first.start)))
        {
            return finding(first.start, Kind::UsSsn);
        }
        if lengths.len() == 4 && uniform(&[Sep::Dot]) {
            let span = &bytes[first.start..last.end];
            return if validate::ipv4(span) {
                finding(first.start, Kind::IpAddress)
            } else {
                None
            };
        }
    }
    let number = PhoneCandidate {
        bytes,
        lead_start,
        groups,
        lengths,
        seps,
        plus,
        digits,
        whole: at_token_start && at_token_end,
    };
    number.start().and_then(|start| finding(start, Kind::Phone))
}

/// A run of digit groups as formats see it: the digits, the length of each
/// group, the separators between them, and what stands before the first.
struct Shape<'a> {
    /// Where a `+`, `(` or `(+` before the first group starts (the first group's start if none).
    lead_start: usize,
    lead: &'a [u8],
    plus: bool,
    digits: [u8; MAX_DIGITS],
    digit_count: usize,
    lengths: [usize; MAX_GROUPS],
    seps: [Sep; MAX_GROUPS],
    group_count: usize,
}

impl<'a> Shape<'a> {
    /// `None` for more than [`MAX_DIGITS`] digits or [`MAX_GROUPS`] groups;
    /// `at_token_start` when the first group opens the token.
    fn new(
        bytes: &'a [u8],
        token_start: usize,
        groups: &[Group],
        at_token_start: bool,
    ) -> Option<Shape<'a>> {
        let first = groups[0];
        // What stands before the first digit: `+`, `(` or `(+` at the start of the
        // token, or what follows the last space of the separator inside it.
        let lead_start = if at_token_start {
            token_start
        } else {
            let sep = &bytes[first.sep_start..first.start];
            first.sep_start + sep.iter().rposition(|&b| b == b' ').map_or(0, |p| p + 1)
        };
        let lead = &bytes[lead_start..first.start];
        let mut shape = Shape {
            lead_start,
            lead,
            plus: at_token_start && lead.contains(&b'+'),
            digits: [0u8; MAX_DIGITS],
            digit_count: 0,
            lengths: [0usize; MAX_GROUPS],
            seps: [Sep::Space; MAX_GROUPS],
            group_count: groups.len(),
        };
        for (i, g) in groups.iter().enumerate() {
            for &b in &bytes[g.start..g.end] {
                *shape.digits.get_mut(shape.digit_count)? = b;
                shape.digit_count += 1;
            }
            *shape.lengths.get_mut(i)? = g.end - g.start;
            if i > 0 {
                shape.seps[i - 1] = sep_kind(&bytes[g.sep_start..g.start]);
            }
        }
        Some(shape)
    }

    fn digits(&self) -> &[u8] {
        &self.digits[..self.digit_count]
    }

    fn lengths(&self) -> &[usize] {
        &self.lengths[..self.group_count]
    }

    fn seps(&self) -> &[Sep] {
        &self.seps[..self.group_count - 1]
    }

    /// Whether every separator is the same one of `allowed` (true for one group).
    fn uniform(&self, allowed: &[Sep]) -> bool {
        let seps = self.seps();
        seps.first()
            .is_none_or(|s| allowed.contains(s) && seps.iter().all(|t| t == s))
    }

    /// No `+` or parenthesis: how identifiers other than phone numbers are written.
    fn plain(&self) -> bool {
        self.lead.is_empty() && !self.seps().contains(&Sep::Paren)
    }
}

/// Card numbers are printed bare, in groups of four (the last shorter), or as
/// American Express (4-6-5) and Diners Club (4-6-4) print them.
fn card_layout(lengths: &[usize]) -> bool {
    match lengths {
        [n] => (13..=19).contains(n),
        [4, 6, 5] | [4, 6, 4] => true,
        [init @ .., last] => init.iter().all(|&l| l == 4) && (1..=4).contains(last),
        [] => false,
    }
}

/// Digit groups that may be a phone number.
struct PhoneCandidate<'a> {
    bytes: &'a [u8],
    /// Where a `+`, `(` or `(+` before the first group starts (the first group's start if none).
    lead_start: usize,
    groups: &'a [Group],
    lengths: &'a [usize],
    seps: &'a [Sep],
    plus: bool,
    digits: &'a [u8],
    /// The groups are the whole token: nothing but spaces and letters around them.
    whole: bool,
}

impl PhoneCandidate<'_> {
    /// Where the phone number starts, if it is one.
    fn start(&self) -> Option<usize> {
        let first = self.groups[0];
        if !parens_balanced(self.bytes, self.lead_start, self.groups) {
            // An unclosed `(` before the number (as in `(+86 138...`) is left
            // out of the finding; any other unbalanced parenthesis is no phone format.
            if self.bytes[self.lead_start] != b'(' || self.lead_start >= first.start {
                return None;
            }
            let inner = PhoneCandidate {
                lead_start: self.lead_start + 1,
                ..*self
            };
            return if parens_balanced(self.bytes, inner.lead_start, self.groups) {
                inner.start()
            } else {
                None
            };
        }
        let lead = &self.bytes[self.lead_start..first.start];
        let start = self.lead_start;
        let (lengths, seps, digits) = (self.lengths, self.seps, self.digits);
        let international = if self.plus {
            Some(digits)
        } else if lead.is_empty() {
            // `0086 138...`: the international prefix and the country code
            // make the first group (or the whole number is a Chinese one).
            digits.strip_prefix(b"00").filter(|number| {
                let code = validate::country_code(number);
                code.is_some_and(|(cc, w)| lengths[0] == 2 + w || (cc == 86 && lengths.len() == 1))
            })
        } else {
            None
        };
        if let Some(number) = international {
            // Numbers of other countries have no length we check, so they
            // must not be followed by more digit groups: `+44 1234 5678 9012
            // 3456` is not taken for `+44 1234 5678 9012`.
            let fixed_length = matches!(validate::country_code(number), Some((1 | 86, _)));
            let valid = validate::e164(number) && (fixed_length || self.whole);
            return (valid || self.labeled_international(number)).then_some(start);
        }
        let same = seps.first().is_none_or(|s| seps.iter().all(|t| t == s));
        let mobile_layout = lengths == [11]
            || (lengths == [3, 4, 4] && same && matches!(seps[0], Sep::Space | Sep::Hyphen));
        if mobile_layout && lead.is_empty() && validate::cn_mobile(digits) {
            return Some(start);
        }
        if self.cn_landline() {
            return Some(start);
        }
        if digits.len() == 10 && validate::nanp(digits) && nanp_layout(lengths, seps, lead) {
            return Some(start);
        }
        // 1-212-555-0123, 1 (212) 555-0123
        if digits.len() == 11
            && digits[0] == b'1'
            && lengths[0] == 1
            && lead.is_empty()
            && validate::nanp(&digits[1..])
        {
            let inner_lead: &[u8] = if seps[0] == Sep::Paren { b"(" } else { b"" };
            if matches!(seps[0], Sep::Paren | Sep::Space | Sep::Hyphen | Sep::Dot)
                && nanp_layout(&lengths[1..], &seps[1..], inner_lead)
            {
                return Some(start);
            }
        }
        self.labeled_national().then_some(start)
    }

    /// A Chinese fixed-line number written within China: the area code with
    /// its trunk 0, apart or in parentheses, and the subscriber number whole
    /// or in two groups: `021-62345678`, `(0755) 8888 6666`, `010 8888 6666`,
    /// `0571-8888666`. Eleven or twelve bare digits are left to a label.
    fn cn_landline(&self) -> bool {
        let (lengths, seps, digits) = (self.lengths, self.seps, self.digits);
        if !(2..=3).contains(&lengths.len()) {
            return false;
        }
        let lead = &self.bytes[self.lead_start..self.groups[0].start];
        let area_apart = match seps[0] {
            Sep::Paren => lead == b"(",
            Sep::Space | Sep::Hyphen => lead.is_empty(),
            Sep::Dot => false,
        };
        let subscriber_layout = match (&lengths[1..], &seps[1..]) {
            ([_], []) => true,
            ([a, b], [sep]) => {
                (3..=4).contains(a)
                    && (3..=4).contains(b)
                    && matches!(sep, Sep::Space | Sep::Hyphen)
                    && (seps[0] == Sep::Paren || seps[0] == *sep)
            }
            _ => false,
        };
        area_apart
            && subscriber_layout
            && matches!(lengths[0], 3 | 4)
            && validate::cn_landline_national(&digits[..lengths[0]], &digits[lengths[0]..])
    }

    /// A number after `+` (or `00`) and a phone label that the national
    /// plan does not confirm (an unassigned prefix, an area code not in use):
    /// the label says what it is, so the length is enough.
    fn labeled_international(&self, number: &[u8]) -> bool {
        let length_ok = match validate::country_code(number) {
            Some((1, w)) => number.len() - w == 10,
            Some((86, w)) => (9..=11).contains(&(number.len() - w)),
            Some((_, w)) => self.whole && number.len() <= 15 && number.len() - w >= 6,
            None => false,
        };
        length_ok && self.lengths.len() <= 6 && phone_label_before(self.bytes, self.lead_start)
    }

    /// A number written the way phone numbers are, right after a phone label
    /// (`电话：`, `手机号`, `Tel.`, `call me at`, ...), whatever its area
    /// code or mobile prefix: 7-13 digits, bare or in at most five groups, the
    /// groups after the first of 3 digits or more (or all of two, as in
    /// `06 12 34 56 78`). Dates (`2024-01-15`) and the SSN layout
    /// (`123-45-6789`) have shorter groups and are not taken.
    fn labeled_national(&self) -> bool {
        let (lengths, seps, digits) = (self.lengths, self.seps, self.digits);
        if !(7..=13).contains(&digits.len()) || lengths.len() > 5 {
            return false;
        }
        if seps.contains(&Sep::Dot) && seps.iter().any(|s| *s != Sep::Dot) {
            return false;
        }
        let layout = match lengths {
            [_] => true,
            [first, rest @ ..] => {
                *first <= 5
                    && (rest.iter().all(|&l| l >= 3)
                        || (*first == 2 && rest.iter().all(|&l| l == 2)))
            }
            [] => false,
        };
        layout && phone_label_before(self.bytes, self.lead_start)
    }
}

/// Words that label a phone number when they stand just before it (after
/// [`PHONE_CONNECTORS`] and `:`, `：`, `.`, `#`, `=`, `(` or spaces). ASCII
/// words are matched in any case and as whole words (`hotel` is no `tel`).
/// Words that label identifiers of other things as often (`contact`, `no.`,
/// `ID`) are not here: `contact 1234567` may be a record number.
const PHONE_LABELS: &[&str] = &[
    "tel",
    "telephone",
    "phone",
    "cellphone",
    "mobile",
    "cell",
    "fax",
    "call",
    "hotline",
    "电话",
    "手机",
    "座机",
    "传真",
    "热线",
    "联系方式",
    "電話",
    "手機",
    "座機",
    "傳真",
    "熱線",
    "聯絡方式",
    "聯繫方式",
    "携帯",
    "전화",
    "휴대폰",
    "연락처",
];

/// Words that may stand between a label and its number: `phone number:`,
/// `tel no.`, `call me at`, `手机号码：`, `电话是`.
const PHONE_CONNECTORS: &[&str] = &[
    "number", "no", "nr", "num", "is", "at", "on", "me", "us", "号码", "号", "號碼", "號", "是",
    "为", "為", "番号", "번호",
];

/// How many connectors may stand between a label and its number.
const MAX_CONNECTORS: usize = 3;

/// The last bytes of [`PHONE_LABELS`] and [`PHONE_CONNECTORS`] (ASCII in
/// lower case): most numbers follow a word that ends otherwise, and are
/// answered without comparing words.
static LABEL_ENDS: [bool; 256] = {
    let mut table = [false; 256];
    let mut list = 0;
    while list < 2 {
        let words = if list == 0 {
            PHONE_LABELS
        } else {
            PHONE_CONNECTORS
        };
        let mut i = 0;
        while i < words.len() {
            let word = words[i].as_bytes();
            table[word[word.len() - 1].to_ascii_lowercase() as usize] = true;
            i += 1;
        }
        list += 1;
    }
    table
};

/// Whether a phone label stands just before `at`.
fn phone_label_before(bytes: &[u8], at: usize) -> bool {
    let floor = at.saturating_sub(CONTEXT_BYTES);
    let mut at = skip_label_filler(bytes, floor, at);
    for _ in 0..=MAX_CONNECTORS {
        if at == 0 || !LABEL_ENDS[bytes[at - 1].to_ascii_lowercase() as usize] {
            return false;
        }
        if PHONE_LABELS
            .iter()
            .any(|w| word_before(bytes, floor, at, w))
        {
            return true;
        }
        let Some(connector) = PHONE_CONNECTORS
            .iter()
            .find(|w| word_before(bytes, floor, at, w))
        else {
            return false;
        };
        at = skip_label_filler(bytes, floor, at - connector.len());
    }
    false
}

/// `at` moved back over what may separate a label from its number.
fn skip_label_filler(bytes: &[u8], floor: usize, mut at: usize) -> usize {
    loop {
        if at > floor
            && matches!(
                bytes[at - 1],
                b' ' | b'\t' | b':' | b'.' | b'#' | b'=' | b'('
            )
        {
            at -= 1;
        } else if at >= floor + 3
            && matches!(
                &bytes[at - 3..at],
                // `：`, `（` and the ideographic space
                [0xEF, 0xBC, 0x9A] | [0xEF, 0xBC, 0x88] | [0xE3, 0x80, 0x80]
            )
        {
            at -= 3;
        } else {
            return at;
        }
    }
}

/// Whether `word` ends at `at` (ASCII in any case, as a whole word).
fn word_before(bytes: &[u8], floor: usize, at: usize, word: &str) -> bool {
    let word = word.as_bytes();
    if at < floor + word.len() {
        return false;
    }
    let from = at - word.len();
    if word[0].is_ascii() {
        bytes[from..at].eq_ignore_ascii_case(word)
            && (from == 0 || !bytes[from - 1].is_ascii_alphanumeric())
    } else {
        &bytes[from..at] == word
    }
}

/// NANP numbers are written `(212) 555-0123`, `212-555-0123`, `212.555.0123`
/// or `212 555 0123`; ten bare digits are too often something else.
fn nanp_layout(lengths: &[usize], seps: &[Sep], lead: &[u8]) -> bool {
    match (lengths, seps) {
        ([3, 3, 4], [Sep::Paren, b]) => lead == b"(" && *b != Sep::Paren,
        ([3, 3, 4], [a, b]) => a == b && *a != Sep::Paren && lead.is_empty(),
        _ => false,
    }
}

/// Whether every `(` in the number is closed by the next `)` and vice versa.
fn parens_balanced(bytes: &[u8], lead_start: usize, groups: &[Group]) -> bool {
    let mut open = false;
    let mut check = |range: &[u8]| -> bool {
        for &b in range {
            match b {
                b'(' if open => return false,
                b'(' => open = true,
                b')' if !open => return false,
                b')' => open = false,
                _ => {}
            }
        }
        true
    };
    if !check(&bytes[lead_start..groups[0].start]) {
        return false;
    }
    for g in &groups[1..] {
        if !check(&bytes[g.sep_start..g.start]) {
            return false;
        }
    }
    !open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_pattern_compiles() {
        assert!(Regex::new(CANDIDATES).is_ok());
    }

    /// An island `digit_island` accepts is what an anchored search of the
    /// candidate pattern finds, whole.
    #[test]
    fn digit_islands_are_the_candidates_a_search_finds() {
        let regex = Regex::new(CANDIDATES).expect("pattern");
        let pieces: [&[u8]; 10] = [
            b"1",
            b"23",
            b"4567",
            b"123456789012345678",
            b" ",
            b"-",
            b".",
            b"X",
            b"x",
            b"0",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut accepted = 0;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = 1 + (state % 9) as usize;
            let mut island = Vec::new();
            for k in 0..n {
                island.extend_from_slice(pieces[((state >> (6 * k)) % 10) as usize]);
            }
            if !digit_island(&island) {
                continue;
            }
            accepted += 1;
            // The island as the detector sees it: a non-word byte on either side.
            let mut text = b"\xE3\x80\x82".to_vec();
            text.extend_from_slice(&island);
            text.extend_from_slice(b"\xE3\x80\x82");
            let text = std::str::from_utf8(&text).expect("utf-8");
            let input = Input::new(text)
                .range(3..3 + island.len())
                .anchored(Anchored::Yes);
            let found = regex.search(&input).map(|m| (m.start(), m.end()));
            assert_eq!(found, Some((3, 3 + island.len())), "{text:?}");
        }
        assert!(accepted > 5_000, "{accepted}");
    }

    #[test]
    fn kinds_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert_eq!(Kind::ALL[kind.index()], kind);
        }
    }
}
