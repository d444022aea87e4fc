//! Check digits, checksums and plausible ranges: what turns a string of the
//! right shape into a finding. Every function takes ASCII and never panics.

/// The Luhn (mod 10) check used by payment cards. `digits` must be ASCII digits.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d.wrapping_sub(b'0'));
        if v > 9 {
            return false;
        }
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Card brands whose issuer ranges are checked (ISO/IEC 7812 IIN ranges as the
/// networks publish them). Each entry: IIN prefix range (inclusive, compared on
/// as many leading digits as the bounds have) and allowed lengths.
const CARD_RANGES: &[(u32, u32, u8, u8)] = &[
    // (low, high, min length, max length); low and high have the same number of digits.
    (4, 4, 13, 19),       // Visa (13, 16, 19; 14-18 rejected below)
    (51, 55, 16, 16),     // Mastercard
    (2221, 2720, 16, 16), // Mastercard 2-series
    (34, 34, 15, 15),     // American Express
    (37, 37, 15, 15),     // American Express
    (6011, 6011, 16, 19), // Discover
    (644, 649, 16, 19),   // Discover
    (65, 65, 16, 19),     // Discover
    (3528, 3589, 16, 19), // JCB
    (62, 62, 16, 19),     // UnionPay (and Discover's co-branded 622126-622925)
    (300, 305, 14, 19),   // Diners Club
    (309, 309, 14, 19),   // Diners Club
    (36, 36, 14, 19),     // Diners Club
    (38, 39, 14, 19),     // Diners Club
];

/// A payment-card number: 13-19 digits, an issuer range with a length it
/// issues, and the Luhn check.
pub fn payment_card(digits: &[u8]) -> bool {
    card_issued(digits) && luhn(digits)
}

/// Whether a card network issues numbers with this prefix at this length
/// (13-19 digits), whatever the Luhn check says.
pub fn card_issued(digits: &[u8]) -> bool {
    let len = digits.len();
    if !(13..=19).contains(&len) || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let issued = CARD_RANGES.iter().any(|&(low, high, min, max)| {
        let width = decimal_width(low);
        let prefix = leading_value(digits, width);
        prefix >= low && prefix <= high && (usize::from(min)..=usize::from(max)).contains(&len)
    });
    // Visa issues 13, 16 and 19 digits only.
    issued && (digits[0] != b'4' || matches!(len, 13 | 16 | 19))
}

fn decimal_width(mut v: u32) -> usize {
    let mut width = 1;
    while v >= 10 {
        v /= 10;
        width += 1;
    }
    width
}

fn leading_value(digits: &[u8], width: usize) -> u32 {
    digits
        .iter()
        .take(width)
        .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
}

/// Weights of GB 11643-1999 (ISO 7064 MOD 11-2) for the first 17 digits.
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_ID_CHECK: [u8; 11] = *b"10X98765432";

/// Province-level codes (GB/T 2260) that lead a resident identity number:
/// the mainland provinces, 71 (Taiwan) and 81/82 (Hong Kong, Macao) for
/// residence permits, 83 (residence permits of Taiwan residents).
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// A Chinese resident identity number (GB 11643-1999): a known province code,
/// a plausible birth date (a real calendar date from 1900 to 2099) and the
/// MOD 11-2 check character (`X` for 10, either case).
pub fn cn_resident_id(id: &[u8]) -> bool {
    if !cn_resident_id_shape(id) {
        return false;
    }
    let sum: u32 = id[..17]
        .iter()
        .zip(RESIDENT_ID_WEIGHTS)
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    let expected = RESIDENT_ID_CHECK[(sum % 11) as usize];
    id[17].to_ascii_uppercase() == expected
}

/// Whether `code` starts with a province-level code (GB/T 2260) that leads
/// resident identity numbers.
pub fn cn_province(code: &[u8]) -> bool {
    match code {
        [a @ b'0'..=b'9', b @ b'0'..=b'9', ..] => {
            PROVINCES.contains(&((a - b'0') * 10 + (b - b'0')))
        }
        _ => false,
    }
}

/// The structure of a resident identity number without its check character:
/// 17 digits, a known province code and a plausible birth date.
pub fn cn_resident_id_shape(id: &[u8]) -> bool {
    if id.len() != 18 || !id[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let province = (id[0] - b'0') * 10 + (id[1] - b'0');
    if !PROVINCES.contains(&province) {
        return false;
    }
    let year = leading_value(&id[6..], 4);
    let month = leading_value(&id[10..], 2);
    let day = leading_value(&id[12..], 2);
    (1900..=2099).contains(&year) && valid_date(year, month, day)
}

fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The 31 characters of a Unified Social Credit Code (GB 32100-2015): digits
/// and capital letters without I, O, Z, S and V.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Whether `code` has the shape of a Unified Social Credit Code whatever
/// its check character: 18 characters of the GB 32100 set, a registration
/// authority and category, and six digits of region code.
pub fn cn_uscc_shape(code: &[u8]) -> bool {
    code.len() == 18
        && matches!(code[0], b'1'..=b'9' | b'A' | b'N' | b'Y')
        && matches!(code[1], b'1'..=b'9')
        && code[2..8].iter().all(u8::is_ascii_digit)
        && code.iter().all(|&c| uscc_value(c).is_some())
}

/// A Unified Social Credit Code (GB 32100-2015): a registration-authority
/// code (1-9, A, N or Y) and a category digit, a six-digit region code that
/// starts with a province (or 10, national), and the check character over the
/// first 17 (weights 3^i mod 31).
pub fn cn_uscc(code: &[u8]) -> bool {
    if code.len() != 18 {
        return false;
    }
    if !matches!(code[0], b'1'..=b'9' | b'A' | b'N' | b'Y') || !matches!(code[1], b'1'..=b'9') {
        return false;
    }
    // The region code (GB/T 2260) starts with a province, or 10 for bodies registered nationally.
    if !code[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let province = (code[2] - b'0') * 10 + (code[3] - b'0');
    if province != 10 && !PROVINCES.contains(&province) {
        return false;
    }
    let mut sum = 0;
    for (&c, w) in code[..17].iter().zip(USCC_WEIGHTS) {
        match uscc_value(c) {
            Some(v) => sum += v * w,
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    uscc_value(code[17]) == Some(check)
}

/// Social Security numbers that are printed as examples and never belong to
/// anyone: the SSA voided 078-05-1120 and 219-09-9999 after they appeared in
/// advertising, and 123-45-6789 is the usual placeholder.
pub const SSN_PLACEHOLDERS: [&[u8; 9]; 3] = [b"078051120", b"219099999", b"123456789"];

/// Whether nine digits fall in the ranges the SSA issues: area 001-899 but
/// not 666, group 01-99, serial 0001-9999.
pub fn us_ssn_issued_range(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area = leading_value(digits, 3);
    let group = leading_value(&digits[3..], 2);
    let serial = leading_value(&digits[5..], 4);
    !(area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
}

/// A US Social Security number: in the ranges the SSA issues and not one of
/// the [`SSN_PLACEHOLDERS`].
pub fn us_ssn(digits: &[u8]) -> bool {
    us_ssn_issued_range(digits) && !SSN_PLACEHOLDERS.iter().any(|p| p[..] == *digits)
}

/// IBAN lengths per country (SWIFT IBAN registry).
const IBAN_LENGTHS: &[(&[u8; 2], u8)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// The registered length of IBANs of a country (two capital letters).
pub fn iban_length(country: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(cc, _)| cc[..] == *country)
        .map(|&(_, length)| usize::from(length))
}

/// An IBAN (ISO 13616) without spaces, in capitals: a country in the registry
/// with its exact length, check digits 02-98, and the ISO 7064 MOD 97-10 check.
pub fn iban(code: &[u8]) -> bool {
    if code.len() < 15 || code.len() > 34 {
        return false;
    }
    let Some(length) = iban_length(&code[..2]) else {
        return false;
    };
    if code.len() != length || !code[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let check = leading_value(&code[2..], 2);
    if !(2..=98).contains(&check) {
        return false;
    }
    // The country code and check digits move to the end; letters count as 10-35.
    let mut remainder = 0u32;
    for &c in code[4..].iter().chain(&code[..4]) {
        match c {
            b'0'..=b'9' => remainder = (remainder * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => remainder = (remainder * 100 + u32::from(c - b'A' + 10)) % 97,
            _ => return false,
        }
    }
    remainder == 1
}

/// An IPv4 address in dotted-decimal: four octets 0-255 without leading zeros.
pub fn ipv4(text: &[u8]) -> bool {
    let mut octets = 0;
    for part in text.split(|&b| b == b'.') {
        octets += 1;
        if part.is_empty()
            || part.len() > 3
            || !part.iter().all(u8::is_ascii_digit)
            || (part.len() > 1 && part[0] == b'0')
            || leading_value(part, 3) > 255
        {
            return false;
        }
    }
    octets == 4
}

/// An IPv6 address as the standard library parses it, with at least a few
/// groups and a digit, so that words such as `a::b` or `dead::beef` in code
/// are not taken for addresses.
pub fn ipv6(text: &str) -> bool {
    if text.parse::<std::net::Ipv6Addr>().is_err() {
        return false;
    }
    let groups = text.split(':').filter(|g| !g.is_empty()).count();
    let has_digit = text.bytes().any(|b| b.is_ascii_digit());
    // A full address has eight groups; a compressed one needs `::` and, to be
    // told from code such as `std::io`, a digit and at least two groups (or
    // the loopback `::1`).
    groups >= 8 || text.contains('.') || (has_digit && (groups >= 2 || text == "::1"))
}

/// File extensions that follow `@2x` in image names (`icon@2x.png`) and are
/// not top-level domains anyone mails to.
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "css", "js", "ts",
    "py", "rs", "go", "md", "txt", "json", "yaml", "yml", "toml", "lock",
];

/// An email address (the common ASCII form of RFC 5321): a local part of at
/// most 64 characters with no leading, trailing or doubled dot, and a domain of
/// at most 253 characters whose labels do not start or end with a hyphen and
/// whose last label is 2-24 letters.
pub fn email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || domain.len() > 253
    {
        return false;
    }
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        if label.is_empty() || label.len() > 63 || label.starts_with('-') || label.ends_with('-') {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2
        && (2..=24).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_alphabetic())
        && !NOT_TLDS.iter().any(|t| t.eq_ignore_ascii_case(last))
}

/// ITU-T E.164 country calling codes in service (1-3 digits; the set is
/// prefix-free, so at most one matches a number).
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
    55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211,
    212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
    254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298,
    299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506,
    507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
    677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 852,
    853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966, 967,
    968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
];

/// The country calling code that leads `digits`, with its length.
pub fn country_code(digits: &[u8]) -> Option<(u16, usize)> {
    (1..=3).filter(|&w| digits.len() > w).find_map(|w| {
        let code = leading_value(digits, w) as u16;
        (digits[0] != b'0' && COUNTRY_CODES.contains(&code)).then_some((code, w))
    })
}

/// A Chinese mobile number: 11 digits with a prefix the operators assign
/// (13x, 14[5-9], 15[0-35-9], 16[2567], 17[0-8], 18x, 19[0-35-9]).
pub fn cn_mobile(digits: &[u8]) -> bool {
    if digits.len() != 11 || digits[0] != b'1' || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match (digits[1], digits[2]) {
        (b'3' | b'8', _) => true,
        (b'4', b'5'..=b'9') => true,
        (b'5', c) => c != b'4',
        (b'6', b'2' | b'5' | b'6' | b'7') => true,
        (b'7', c) => c <= b'8',
        (b'9', c) => c != b'4',
        _ => false,
    }
}

/// A Chinese fixed-line number after `+86`: an area code (10, 2x, or three
/// digits from 3) and a subscriber number that starts with 2-9, 8 digits
/// after a two-digit area code, 7 or 8 after a three-digit one.
pub fn cn_landline(national: &[u8]) -> bool {
    let area = match national {
        [b'1', b'0', ..] | [b'2', ..] => 2,
        [b'3'..=b'9', ..] => 3,
        _ => return false,
    };
    national.len() > area && cn_landline_parts(&national[..area], &national[area..])
}

/// A Chinese fixed-line number written within China: `area` is the area code
/// with its trunk prefix 0 (`010`, `021`, `0755`), `subscriber` the rest.
pub fn cn_landline_national(area: &[u8], subscriber: &[u8]) -> bool {
    matches!(area, [b'0', _, ..]) && cn_landline_parts(&area[1..], subscriber)
}

fn cn_landline_parts(area: &[u8], subscriber: &[u8]) -> bool {
    let lengths_ok = match area {
        [b'1', b'0'] | [b'2', b'0'..=b'9'] => subscriber.len() == 8,
        [b'3'..=b'9', b'0'..=b'9', b'0'..=b'9'] => matches!(subscriber.len(), 7 | 8),
        _ => false,
    };
    lengths_ok
        && matches!(subscriber.first(), Some(b'2'..=b'9'))
        && subscriber.iter().all(u8::is_ascii_digit)
}

/// A North American Numbering Plan number (10 digits): an area code
/// [2-9][0-8][0-9] that is not an N11 service code, and an exchange
/// [2-9]xx that is not N11.
pub fn nanp(digits: &[u8]) -> bool {
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area_ok =
        digits[0] >= b'2' && digits[1] <= b'8' && !(digits[1] == b'1' && digits[2] == b'1');
    let exchange_ok = digits[3] >= b'2' && !(digits[4] == b'1' && digits[5] == b'1');
    area_ok && exchange_ok
}

/// An international number after its `+` (or `00`): a country code in
/// service and at most 15 digits in all (E.164); +1 and +86 numbers must be
/// valid NANP or Chinese numbers, others need 8 digits or more.
pub fn e164(digits: &[u8]) -> bool {
    if digits.len() > 15 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match country_code(digits) {
        Some((1, w)) => nanp(&digits[w..]),
        Some((86, w)) => cn_mobile(&digits[w..]) || cn_landline(&digits[w..]),
        Some((_, w)) => digits.len() >= 8 && digits.len() - w >= 6,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_accept_published_examples() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(payment_card(b"378282246310005"));
        assert!(cn_resident_id(b"11010519491231002X"));
        assert!(!cn_resident_id(b"110105194912310021"));
        assert!(cn_uscc(b"91350100M000100Y43"));
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(iban(b"DE89370400440532013000"));
        assert!(!iban(b"DE89370400440532013001"));
    }

    #[test]
    fn ranges() {
        assert!(us_ssn(b"536905163"));
        assert!(!us_ssn(b"666123456"));
        assert!(!us_ssn(b"912345678"));
        assert!(ipv4(b"192.168.0.1"));
        assert!(!ipv4(b"192.168.00.1"));
        assert!(!ipv4(b"256.1.1.1"));
        assert!(ipv6("2001:db8::1"));
        assert!(!ipv6("a::b"));
        assert!(nanp(b"2125550123"));
        assert!(!nanp(b"2115550123"));
        assert!(cn_landline(b"2162345678"));
        assert!(cn_landline(b"75588886666"));
        assert!(!cn_landline(b"2102345678"));
        assert!(cn_landline_national(b"0571", b"8888666"));
        assert!(cn_landline_national(b"010", b"88886666"));
        assert!(!cn_landline_national(b"010", b"8888666"));
        assert!(!cn_landline_national(b"012", b"34567890"));
        assert!(!cn_landline_national(b"0100", b"1234567"));
        assert!(!us_ssn(b"123456789") && us_ssn_issued_range(b"123456789"));
        assert!(card_issued(b"4111111111111112") && !payment_card(b"4111111111111112"));
        assert!(e164(b"447911123456"));
        assert!(e164(b"8613812345678"));
        assert!(!e164(b"8612345"));
        assert_eq!(country_code(b"4930123"), Some((49, 2)));
    }
}
