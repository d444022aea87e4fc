//! What looked like an identifier but was not reported, and why
//! ([`Detector::explain`]): the `--explain` output of `accord scan pii`.
//!
//! The detectors drop a candidate silently when a check fails; a reviewer
//! wants to see those decisions (`123-45-6789` in a ticket is an SSN someone
//! meant to hide, or a test value; a resident ID with a wrong check character
//! is a typo of a real one). [`Detector::explain`] runs the same candidate
//! search as [`Detector::find`], and for each candidate that produced no
//! finding names the kind it resembled and the [`Reason`] it was rejected.
//! Only shapes particular to a kind are explained (a dashed 3-2-4 SSN, a
//! card's length and grouping, a resident ID's province and birth date, ...);
//! plain numbers that resemble nothing are left alone.

use std::fmt;

use regex_automata::{Anchored, Input};
use serde::{Deserialize, Serialize};

use super::{
    Detector, Finding, Group, Kind, MAX_DIGITS, MAX_GROUPS, Sep, Shape, bounded, card_layout,
    classify, is_word, island, nanp_layout, next_trigger, passport_context, passport_shape,
    separator_has_space, ssn_context, validate,
};

/// Why a candidate was not reported. The string forms ([`Reason::as_str`])
/// are stable: reports and tests match them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reason {
    /// The check digit or checksum does not match (GB 11643, GB 32100, Luhn,
    /// MOD 97-10).
    CheckDigit,
    /// A number printed as an example that belongs to no one (`123-45-6789`).
    KnownPlaceholder,
    /// A part of the number was never issued or assigned: an SSN area, group
    /// or serial; a NANP area code or exchange; a Chinese mobile prefix or
    /// area code; a card prefix at that length.
    NotIssued,
    /// The birth date in a resident identity number is not a calendar date.
    InvalidDate,
    /// The province, country or calling code is not one in use.
    UnknownRegion,
    /// Not the length identifiers of its country have.
    WrongLength,
    /// An IPv4 octet over 255 or with a leading zero.
    OutOfRange,
    /// A shape reported only with a label just before it (passport numbers,
    /// phone numbers written as bare digits).
    NeedsLabel,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::CheckDigit,
        Reason::KnownPlaceholder,
        Reason::NotIssued,
        Reason::InvalidDate,
        Reason::UnknownRegion,
        Reason::WrongLength,
        Reason::OutOfRange,
        Reason::NeedsLabel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CheckDigit => "check-digit",
            Reason::KnownPlaceholder => "known-placeholder",
            Reason::NotIssued => "not-issued",
            Reason::InvalidDate => "invalid-date",
            Reason::UnknownRegion => "unknown-region",
            Reason::WrongLength => "wrong-length",
            Reason::OutOfRange => "out-of-range",
            Reason::NeedsLabel => "needs-label",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A candidate, `text[start..end]`, that looked like an identifier of `kind`
/// but was not reported, because of `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ignored {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub reason: Reason,
}

impl Ignored {
    /// Why, in words.
    pub fn explanation(&self) -> &'static str {
        explanation(self.kind, self.reason)
    }
}

/// What a rejection of a candidate resembling `kind` for `reason` means, in words.
pub fn explanation(kind: Kind, reason: Reason) -> &'static str {
    match (kind, reason) {
        (Kind::UsSsn, Reason::KnownPlaceholder) => {
            "a well-known example number, never anyone's: 123-45-6789, or 078-05-1120 and 219-09-9999, which the SSA voided after they were printed in advertising"
        }
        (Kind::UsSsn, Reason::NotIssued) => {
            "area 000, 666 or 900-999, group 00 or serial 0000: the SSA never issues these"
        }
        (Kind::CnResidentId, Reason::CheckDigit) => {
            "the GB 11643 check character does not match the first 17 digits (a typo, or a made-up number)"
        }
        (Kind::CnResidentId, Reason::InvalidDate) => {
            "the birth date (digits 7-14) is not a calendar date from 1900 to 2099"
        }
        (Kind::CnResidentId, Reason::UnknownRegion) => {
            "the first two digits are not a province code that leads resident identity numbers"
        }
        (Kind::CnUscc, Reason::CheckDigit) => {
            "the GB 32100 check character does not match the first 17 characters"
        }
        (Kind::CnUscc, Reason::UnknownRegion) => {
            "the region code does not start with a province (or 10, national)"
        }
        (Kind::CnPassport, Reason::NeedsLabel) => {
            "a passport number's shape without a word such as passport or 护照 shortly before; passport numbers have no check digit, so the shape alone is a product code as often"
        }
        (Kind::PaymentCard, Reason::CheckDigit) => {
            "a card network's prefix and length, but the Luhn check fails"
        }
        (Kind::PaymentCard, Reason::NotIssued) => {
            "grouped like a card and the Luhn check passes, but no card network issues this prefix at this length"
        }
        (Kind::Iban, Reason::CheckDigit) => {
            "the MOD 97-10 check digits do not match (a typo, or a made-up number)"
        }
        (Kind::Iban, Reason::WrongLength) => "not the length the country's IBANs have",
        (Kind::IpAddress, Reason::OutOfRange) => {
            "an octet over 255 or with a leading zero: a version or a reference number"
        }
        (Kind::Phone, Reason::NotIssued) => {
            "the area code, exchange or mobile prefix is not assigned; a phone label just before it (电话, tel, ...) would make it a finding"
        }
        (Kind::Phone, Reason::UnknownRegion) => "no country has this calling code",
        (Kind::Phone, Reason::WrongLength) => "too long or too short for a number of its country",
        (Kind::Phone, Reason::NeedsLabel) => {
            "bare digits that are as often an order number; written with separators, or with a phone label just before it (电话, tel, ...), it would be a finding"
        }
        (_, Reason::CheckDigit) => "the check digit does not match",
        (_, Reason::KnownPlaceholder) => "a well-known example number",
        (_, Reason::NotIssued) => "a part of the number is never issued",
        (_, Reason::InvalidDate) => "the date in it is not a calendar date",
        (_, Reason::UnknownRegion) => "the region or country code is not in use",
        (_, Reason::WrongLength) => "the wrong length",
        (_, Reason::OutOfRange) => "a part of it is out of range",
        (_, Reason::NeedsLabel) => "reported only with a label just before it",
    }
}

impl Detector {
    /// The candidates in `text` that looked like an identifier of an enabled
    /// kind but were not reported, in order, each with its [`Reason`]. Costs
    /// about one more pass of [`Detector::find`]; `find` itself is unaffected.
    ///
    /// ```
    /// use accord_scan::pii::{Detector, Kind, Reason};
    ///
    /// let detector = Detector::new().unwrap();
    /// let ignored = detector.explain("My SSN is 123-45-6789, card 4111 1111 1111 1112");
    /// let why: Vec<(Kind, Reason)> = ignored.iter().map(|i| (i.kind, i.reason)).collect();
    /// assert_eq!(why, [(Kind::UsSsn, Reason::KnownPlaceholder), (Kind::PaymentCard, Reason::CheckDigit)]);
    /// ```
    pub fn explain(&self, text: &str) -> Vec<Ignored> {
        let mut out = Vec::new();
        self.explain_into(text, &mut out);
        out
    }

    /// Appends the ignored candidates in `text` to `out`.
    pub fn explain_into(&self, text: &str, out: &mut Vec<Ignored>) {
        let before = out.len();
        let bytes = text.as_bytes();
        let mut findings: Vec<Finding> = Vec::new();
        let mut diagnosed: Vec<Ignored> = Vec::new();
        // The end of the last candidate explained: a token searched again from
        // its last group (see `classify_digits`) is explained once.
        let mut explained_to = 0;
        let mut pos = 0;
        while let Some(trigger) = next_trigger(bytes, pos) {
            let (start, end) = island(bytes, pos, trigger);
            pos = end;
            if end - start < 7 && !bytes[start..end].iter().any(|&b| b == b'@' || b == b':') {
                continue;
            }
            let mut at = start;
            while at < end {
                let input = Input::new(text).range(at..end);
                let found = self
                    .candidates
                    .search(&input.clone().anchored(Anchored::Yes))
                    .or_else(|| self.candidates.search(&input));
                let Some(m) = found else { break };
                findings.clear();
                let next = classify(text, m.start(), m.end(), &mut findings);
                diagnosed.clear();
                diagnose(text, m.start(), m.end(), &findings, &mut diagnosed);
                for ignored in &diagnosed {
                    if ignored.start >= explained_to {
                        out.push(*ignored);
                        explained_to = ignored.end;
                    }
                }
                at = next;
            }
        }
        let enabled = self.enabled;
        let mut index = 0;
        out.retain(|i| {
            index += 1;
            index <= before || enabled[i.kind.index()]
        });
    }
}

/// The ignored candidates in one candidate token, given the findings it gave.
fn diagnose(text: &str, start: usize, end: usize, findings: &[Finding], out: &mut Vec<Ignored>) {
    let bytes = text.as_bytes();
    let token = &bytes[start..end];
    // Emails and IPv6 addresses have no check to fail that a reader would care about.
    if token.contains(&b'@') || token.contains(&b':') {
        return;
    }
    let final_x = matches!(token.last(), Some(b'X' | b'x'));
    let letters = token[..token.len() - usize::from(final_x)]
        .iter()
        .any(u8::is_ascii_alphabetic);
    if letters {
        if findings.is_empty() && bounded(bytes, start, end) {
            diagnose_code(text, start, end, out);
        }
    } else {
        diagnose_digits(text, start, end, findings, out);
    }
}

/// Tokens with letters: a USCC, a passport number, an IBAN.
fn diagnose_code(text: &str, start: usize, end: usize, out: &mut Vec<Ignored>) {
    let bytes = text.as_bytes();
    let token = &bytes[start..end];
    let mut push = |end: usize, kind: Kind, reason: Reason| {
        out.push(Ignored {
            start,
            end,
            kind,
            reason,
        });
    };
    if validate::cn_uscc_shape(token) {
        let region = token[2..4] == *b"10" || validate::cn_province(&token[2..4]);
        let reason = if region {
            Reason::CheckDigit
        } else {
            Reason::UnknownRegion
        };
        return push(end, Kind::CnUscc, reason);
    }
    if token.len() == 9 && passport_shape(token) {
        if !passport_context(text, start) {
            push(end, Kind::CnPassport, Reason::NeedsLabel);
        }
        return;
    }
    let iban_prefix = token.len() >= 4
        && token[..2].iter().all(u8::is_ascii_alphabetic)
        && token[2..4].iter().all(u8::is_ascii_digit);
    if !iban_prefix {
        return;
    }
    // Where each group ends, with the characters before it (as `iban_end` counts them).
    let mut stops: Vec<(usize, usize)> = Vec::new();
    let mut characters = 0;
    for i in start..end {
        if bytes[i].is_ascii_alphanumeric() {
            characters += 1;
            if i + 1 == end || !bytes[i + 1].is_ascii_alphanumeric() {
                stops.push((i + 1, characters));
            }
        }
    }
    let country = [token[0].to_ascii_uppercase(), token[1].to_ascii_uppercase()];
    // A country without IBANs: letters and digits such as `ID110101...`
    // resemble an IBAN too little to be worth a line.
    let Some(length) = validate::iban_length(&country) else {
        return;
    };
    match stops.iter().find(|&&(_, c)| c == length) {
        Some(&(stop, _)) => push(stop, Kind::Iban, Reason::CheckDigit),
        None if characters >= 15 => {
            let stop = stops
                .iter()
                .rev()
                .find(|&&(_, c)| c < length)
                .or(stops.first())
                .map_or(end, |&(stop, _)| stop);
            push(stop, Kind::Iban, Reason::WrongLength);
        }
        None => {}
    }
}

/// Tokens of digits and separators: the runs of groups that no finding
/// covers, each tried longest first as `classify_digits` tries them.
fn diagnose_digits(
    text: &str,
    start: usize,
    end: usize,
    findings: &[Finding],
    out: &mut Vec<Ignored>,
) {
    let bytes = text.as_bytes();
    let mut groups: Vec<Group> = Vec::new();
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
            groups.push(Group {
                start: g,
                end: i,
                sep_start,
            });
            sep_start = i;
        } else {
            i += 1;
        }
    }
    let n = groups.len();
    let covered = |g: &Group| findings.iter().any(|f| f.start < g.end && g.start < f.end);
    let mut first = 0;
    while first < n {
        if covered(&groups[first]) || (first > 0 && !separator_has_space(bytes, &groups[first])) {
            first += 1;
            continue;
        }
        let mut digits = 0;
        let mut last_ok = first;
        for (j, g) in groups.iter().enumerate().skip(first).take(MAX_GROUPS) {
            digits += g.end - g.start;
            if covered(g) || digits > MAX_DIGITS {
                break;
            }
            last_ok = j;
        }
        let mut found = None;
        for last in (first..=last_ok).rev() {
            if last + 1 < n && !separator_has_space(bytes, &groups[last + 1]) {
                continue;
            }
            if let Some(ignored) = resemble(text, start, &groups[first..=last], first == 0) {
                found = Some((ignored, last));
                break;
            }
        }
        match found {
            Some((ignored, last)) => {
                out.push(ignored);
                first = last + 1;
            }
            None => first += 1,
        }
    }
}

/// What kind the digit groups resemble and why they are not one, if they
/// resemble any: the shapes `validate_groups` accepts, with a check failing.
fn resemble(
    text: &str,
    token_start: usize,
    groups: &[Group],
    at_token_start: bool,
) -> Option<Ignored> {
    let bytes = text.as_bytes();
    let first = groups[0];
    let last = groups[groups.len() - 1];
    let shape = Shape::new(bytes, token_start, groups, at_token_start)?;
    let (digits, lengths) = (shape.digits(), shape.lengths());
    if last.end < bytes.len() && is_word(bytes[last.end]) {
        return None;
    }
    let plain = shape.plain();
    let start = if plain { first.start } else { shape.lead_start };
    if start > 0 && is_word(bytes[start - 1]) {
        return None;
    }
    let ignored = |kind: Kind, reason: Reason| {
        Some(Ignored {
            start,
            end: last.end,
            kind,
            reason,
        })
    };
    let ends_with_x = matches!(digits.last(), Some(b'X' | b'x'));
    let id_layout =
        lengths == [18] || (lengths == [6, 8, 4] && shape.uniform(&[Sep::Space, Sep::Hyphen]));

    if plain && id_layout && (ends_with_x || validate::cn_province(digits)) {
        let reason = if !validate::cn_province(digits) {
            Reason::UnknownRegion
        } else if !validate::cn_resident_id_shape(digits) {
            Reason::InvalidDate
        } else {
            Reason::CheckDigit
        };
        return ignored(Kind::CnResidentId, reason);
    }
    if ends_with_x {
        return None;
    }
    if plain
        && card_layout(lengths)
        && shape.uniform(&[Sep::Space, Sep::Hyphen])
        && (13..=19).contains(&digits.len())
    {
        let issued = validate::card_issued(digits);
        let luhn = validate::luhn(digits);
        if issued && !luhn {
            return ignored(Kind::PaymentCard, Reason::CheckDigit);
        }
        if !issued && luhn && lengths.len() > 1 {
            return ignored(Kind::PaymentCard, Reason::NotIssued);
        }
    }
    let ssn_layout = (lengths == [3, 2, 4] && shape.uniform(&[Sep::Hyphen, Sep::Space]))
        || (lengths == [9] && ssn_context(text, first.start));
    if plain && ssn_layout && !validate::us_ssn(digits) {
        let reason = if validate::SSN_PLACEHOLDERS.iter().any(|p| p[..] == *digits) {
            Reason::KnownPlaceholder
        } else {
            Reason::NotIssued
        };
        return ignored(Kind::UsSsn, reason);
    }
    if plain
        && lengths.len() == 4
        && shape.uniform(&[Sep::Dot])
        && lengths.iter().all(|&l| l <= 3)
        && !validate::ipv4(&bytes[first.start..last.end])
    {
        return ignored(Kind::IpAddress, Reason::OutOfRange);
    }
    resemble_phone(&shape).and_then(|reason| ignored(Kind::Phone, reason))
}

/// Why a phone-shaped run of groups is not a phone number, if it is phone-shaped.
fn resemble_phone(shape: &Shape<'_>) -> Option<Reason> {
    let (digits, lengths, seps, lead) = (shape.digits(), shape.lengths(), shape.seps(), shape.lead);
    if shape.plus {
        return match validate::country_code(digits) {
            None => Some(Reason::UnknownRegion),
            Some(_) if digits.len() > 15 || digits.len() < 8 => Some(Reason::WrongLength),
            Some((1, w)) if !validate::nanp(&digits[w..]) => Some(Reason::NotIssued),
            Some((86, w))
                if !validate::cn_mobile(&digits[w..]) && !validate::cn_landline(&digits[w..]) =>
            {
                Some(Reason::NotIssued)
            }
            Some(_) => None,
        };
    }
    let same = seps.first().is_none_or(|s| seps.iter().all(|t| t == s));
    let mobile_layout = lengths == [11]
        || (lengths == [3, 4, 4] && same && matches!(seps[0], Sep::Space | Sep::Hyphen));
    if lead.is_empty() && mobile_layout && digits[0] == b'1' && !validate::cn_mobile(digits) {
        return Some(Reason::NotIssued);
    }
    if digits.len() == 10 && nanp_layout(lengths, seps, lead) && !validate::nanp(digits) {
        return Some(Reason::NotIssued);
    }
    // A Chinese landline's layout: an area code with its trunk 0, apart.
    let landline_layout = (2..=3).contains(&lengths.len())
        && matches!(lengths[0], 3 | 4)
        && digits[0] == b'0'
        && matches!(
            (seps[0], lead),
            (Sep::Space | Sep::Hyphen, b"") | (Sep::Paren, b"(")
        )
        && (10..=12).contains(&digits.len());
    if landline_layout
        && !validate::cn_landline_national(&digits[..lengths[0]], &digits[lengths[0]..])
    {
        return Some(Reason::NotIssued);
    }
    if lead.is_empty() && lengths.len() == 1 {
        let bare_nanp = digits.len() == 10 && validate::nanp(digits);
        let bare_landline = matches!(digits.len(), 11 | 12)
            && [3, 4]
                .into_iter()
                .any(|area| validate::cn_landline_national(&digits[..area], &digits[area..]));
        if bare_nanp || bare_landline {
            return Some(Reason::NeedsLabel);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Vec<(String, Kind, Reason)> {
        let detector = Detector::new().expect("detector");
        detector
            .explain(text)
            .into_iter()
            .map(|i| (text[i.start..i.end].to_string(), i.kind, i.reason))
            .collect()
    }

    #[test]
    fn reasons_name_the_check_that_failed() {
        let text = "SSN 123-45-6789 and 666-12-3456; ID 110105194912310021, 510107199902290518; \
                    card 4111 1111 1111 1112; IBAN GB82 WEST 1234 5698 7654 33, DE89370400440532013; \
                    ip 192.168.01.1; tel 123-555-0123 no, 12812345678; order 2125550123; \
                    Part E12345678; credit 91350100M000100Y44";
        let expected = [
            ("123-45-6789", Kind::UsSsn, Reason::KnownPlaceholder),
            ("666-12-3456", Kind::UsSsn, Reason::NotIssued),
            ("110105194912310021", Kind::CnResidentId, Reason::CheckDigit),
            (
                "510107199902290518",
                Kind::CnResidentId,
                Reason::InvalidDate,
            ),
            ("4111 1111 1111 1112", Kind::PaymentCard, Reason::CheckDigit),
            (
                "GB82 WEST 1234 5698 7654 33",
                Kind::Iban,
                Reason::CheckDigit,
            ),
            ("DE89370400440532013", Kind::Iban, Reason::WrongLength),
            ("192.168.01.1", Kind::IpAddress, Reason::OutOfRange),
            ("12812345678", Kind::Phone, Reason::NotIssued),
            ("2125550123", Kind::Phone, Reason::NeedsLabel),
            ("E12345678", Kind::CnPassport, Reason::NeedsLabel),
            ("91350100M000100Y44", Kind::CnUscc, Reason::CheckDigit),
        ];
        let expected: Vec<(String, Kind, Reason)> = expected
            .iter()
            .map(|&(t, k, r)| (t.to_string(), k, r))
            .collect();
        assert_eq!(why(text), expected);
    }

    #[test]
    fn findings_and_plain_numbers_are_not_explained() {
        // Valid identifiers are findings, not ignored; dates, amounts and short
        // numbers resemble nothing.
        assert_eq!(
            why("SSN 536-90-5163, tel 123-555-0123, on 2024-01-15 for $1,234.56, 3 items, v1.2.3"),
            []
        );
    }

    #[test]
    fn only_enabled_kinds_are_explained() {
        let detector = Detector::with_kinds(&[Kind::PaymentCard]).expect("detector");
        let kinds: Vec<Kind> = detector
            .explain("SSN 123-45-6789, card 4111 1111 1111 1112")
            .iter()
            .map(|i| i.kind)
            .collect();
        assert_eq!(kinds, [Kind::PaymentCard]);
    }

    #[test]
    fn every_pair_has_words() {
        for kind in Kind::ALL {
            for reason in Reason::ALL {
                assert!(!explanation(kind, reason).is_empty());
            }
        }
    }
}
