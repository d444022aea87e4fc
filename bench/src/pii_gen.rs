//! `pii-gen BYTES DIR [SEED]`: a deterministic corpus of mixed English and
//! Chinese text with personal identifiers, for `bench/pii_peer.py`.
//!
//! Writes `DIR/corpus.txt` (lines of about 100-600 bytes), `DIR/truth.jsonl`
//! (`{"offset", "length", "kind"}` in bytes of the corpus, one per planted
//! identifier, kinds as CONTRACT.md §7, and `"form"` for the forms issue 9
//! added, so that recall on them is measured apart: `labeled-unassigned`,
//! phone numbers right after a phone label whose prefix or area code is not
//! assigned; `cn-landline`, Chinese landlines with or without a label;
//! `iban-loose`, IBANs in lower case, with hyphens or irregular spacing) and
//! `DIR/lookalikes.jsonl` (the same for strings planted to *look* like a kind
//! but failing its check digit, range or layout, without a label that would
//! make them one: a finding there is a false positive). The same seed gives
//! the same bytes, and a shorter corpus is a prefix of a longer one.
//!
//! The values are made valid by construction (check digits, Luhn, MOD 97,
//! area codes) with code written here, independently of the detectors.

use std::fmt::Write as _;
use std::io::Write as _;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

const WORDS: &[&str] = &[
    "the",
    "customer",
    "asked",
    "about",
    "their",
    "order",
    "and",
    "we",
    "replied",
    "with",
    "a",
    "summary",
    "of",
    "account",
    "details",
    "please",
    "update",
    "records",
    "before",
    "Friday",
    "model",
    "training",
    "data",
    "was",
    "reviewed",
    "by",
    "team",
    "for",
    "quality",
    "issues",
    "shipping",
    "address",
    "changed",
    "after",
    "payment",
    "confirmed",
    "meeting",
    "notes",
    "include",
    "contact",
    "information",
    "support",
    "ticket",
    "resolved",
    "yesterday",
    "invoice",
    "attached",
    "report",
    "quarterly",
    "results",
    "show",
    "growth",
    "in",
    "all",
    "regions",
    "server",
    "logs",
    "indicate",
    "login",
    "from",
    "new",
    "device",
    "user",
    "profile",
    "updated",
    "version",
    "released",
    "build",
    "passed",
    "tests",
    "on",
    "branch",
    "main",
    "delivery",
    "scheduled",
    "next",
    "week",
    "call",
    "back",
    "when",
    "possible",
    "thanks",
    "regards",
];

const PHRASES: &[&str] = &[
    "我们", "公司", "客户", "数据", "训练", "模型", "今天", "已经", "完成", "处理", "系统", "服务",
    "联系", "信息", "北京", "上海", "深圳", "订单", "发货", "付款", "确认", "会议", "记录", "用户",
    "反馈", "问题", "解决", "报告", "季度", "增长", "地区", "登录", "设备", "更新", "版本", "发布",
    "测试", "通过", "下周", "安排", "请", "及时", "回复", "谢谢", "的", "了", "和", "在", "是",
];

fn english_sentence(rng: &mut Rng, out: &mut String) {
    let n = rng.range(6, 14);
    for i in 0..n {
        let word = *rng.pick(WORDS);
        if i == 0 {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(word);
        }
    }
    out.push_str(". ");
}

fn chinese_sentence(rng: &mut Rng, out: &mut String) {
    let n = rng.range(5, 12);
    for _ in 0..n {
        let phrase: &&str = rng.pick(PHRASES);
        out.push_str(phrase);
    }
    out.push('。');
}

/// Neutral numbers that no kind should take: dates, times, amounts, versions, order numbers.
fn neutral(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => format!(
            "on {}-{:02}-{:02}",
            rng.range(2000, 2030),
            rng.range(1, 12),
            rng.range(1, 28)
        ),
        1 => format!(
            "at {:02}:{:02}:{:02}",
            rng.range(0, 23),
            rng.range(0, 59),
            rng.range(0, 59)
        ),
        2 => format!(
            "for ${},{:03}.{:02}",
            rng.range(1, 999),
            rng.below(1000),
            rng.below(100)
        ),
        3 => format!(
            "version {}.{}.{}",
            rng.range(0, 9),
            rng.range(0, 30),
            rng.range(0, 99)
        ),
        4 => format!("order #{}", rng.digits(8)),
        5 => format!("订单号 {}", rng.digits(12)),
        _ => format!("{} items", rng.range(1, 500)),
    }
}

// --- valid identifiers ----------------------------------------------------

const PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65,
];

fn resident_id_check(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(b"10X98765432"[(sum % 11) as usize])
}

fn resident_id(rng: &mut Rng) -> String {
    let province = rng.pick(PROVINCES);
    let year = rng.range(1940, 2010);
    let month = rng.range(1, 12);
    let day = rng.range(1, 28);
    let first17 = format!(
        "{province}{:02}{:02}{year}{month:02}{day:02}{:03}",
        rng.range(1, 20),
        rng.range(1, 30),
        rng.below(1000)
    );
    let check = resident_id_check(&first17);
    format!("{first17}{check}")
}

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_check(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| USCC_CHARS.iter().position(|&x| x == c).unwrap_or(0) as u32 * w)
        .sum();
    char::from(USCC_CHARS[((31 - sum % 31) % 31) as usize])
}

fn uscc(rng: &mut Rng) -> String {
    let authority = *rng.pick(&["91", "92", "93", "12", "52", "11", "31"]);
    let mut first17 = format!("{authority}{}{}", rng.pick(PROVINCES), rng.digits(4));
    if rng.chance(50) {
        first17.push_str("MA");
        for _ in 0..7 {
            first17.push(char::from(*rng.pick(USCC_CHARS)));
        }
    } else {
        first17.push_str(&rng.digits(8));
        first17.push(char::from(*rng.pick(USCC_CHARS)));
    }
    let check = uscc_check(&first17);
    format!("{first17}{check}")
}

fn luhn_complete(prefix: &str) -> String {
    for d in 0..10 {
        let candidate = format!("{prefix}{d}");
        if luhn_ok(&candidate) {
            return candidate;
        }
    }
    unreachable!("one of ten check digits satisfies Luhn")
}

fn luhn_ok(number: &str) -> bool {
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            if i % 2 == 1 {
                let d = v * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn card_number(rng: &mut Rng) -> String {
    let (prefix, len): (String, usize) = match rng.below(8) {
        0 | 1 => ("4".into(), 16),
        2 => (format!("5{}", rng.range(1, 5)), 16),
        3 => (format!("{}", rng.range(2221, 2720)), 16),
        4 => (rng.pick(&["34", "37"]).to_string(), 15),
        5 => ("6011".into(), 16),
        6 => (format!("{}", rng.range(3528, 3589)), 16),
        _ => ("62".into(), *rng.pick(&[16, 19])),
    };
    let body = rng.digits(len - prefix.len() - 1);
    luhn_complete(&format!("{prefix}{body}"))
}

fn card_layout(rng: &mut Rng, number: &str) -> String {
    let style = rng.below(3);
    if style == 0 {
        return number.to_string();
    }
    let sep = if style == 1 { " " } else { "-" };
    let widths: &[usize] = if number.len() == 15 {
        &[4, 6, 5]
    } else {
        &[4, 4, 4, 4, 4]
    };
    let mut out = String::new();
    let mut at = 0;
    for &w in widths {
        if at >= number.len() {
            break;
        }
        if at > 0 {
            out.push_str(sep);
        }
        let end = (at + w).min(number.len());
        out.push_str(&number[at..end]);
        at = end;
    }
    out
}

fn ssn_parts(rng: &mut Rng) -> (u64, u64, u64) {
    loop {
        let area = rng.range(1, 899);
        let (group, serial) = (rng.range(1, 99), rng.range(1, 9999));
        if area != 666 && !(area == 123 && group == 45 && serial == 6789) {
            return (area, group, serial);
        }
    }
}

/// (country, BBAN pattern: `9` a digit, `A` a capital letter).
const IBAN_FORMATS: &[(&str, &str)] = &[
    ("DE", "999999999999999999"),
    ("GB", "AAAA99999999999999"),
    ("FR", "99999999999999999999999"),
    ("NL", "AAAA9999999999"),
    ("ES", "99999999999999999999"),
    ("IT", "A9999999999999999999999"),
    ("CH", "99999999999999999"),
    ("BE", "999999999999"),
    ("PL", "999999999999999999999999"),
    ("AT", "9999999999999999"),
];

fn iban_check_digits(country: &str, bban: &str) -> u32 {
    let rearranged = format!("{bban}{country}00");
    let mut remainder = 0u32;
    for c in rearranged.bytes() {
        remainder = if c.is_ascii_digit() {
            (remainder * 10 + u32::from(c - b'0')) % 97
        } else {
            (remainder * 100 + u32::from(c - b'A' + 10)) % 97
        };
    }
    98 - remainder
}

fn iban(rng: &mut Rng) -> (String, String, String) {
    let (country, pattern) = *rng.pick(IBAN_FORMATS);
    let bban: String = pattern
        .bytes()
        .map(|p| {
            if p == b'9' {
                char::from(b'0' + rng.below(10) as u8)
            } else {
                char::from(b'A' + rng.below(26) as u8)
            }
        })
        .collect();
    let check = iban_check_digits(country, &bban);
    (country.to_string(), format!("{check:02}"), bban)
}

/// An IBAN as people write it, and `Some("iban-loose")` for the forms
/// issue 9 added: lower case, hyphens, groups of any length.
fn iban_layout(rng: &mut Rng, compact: &str) -> (String, Option<&'static str>) {
    let fours = |sep: &str| {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(sep)
    };
    match rng.below(6) {
        0 | 1 => (compact.to_string(), None),
        2 | 3 => (fours(" "), None),
        4 => (fours(" ").to_lowercase(), Some("iban-loose")),
        _ if rng.chance(50) => (fours("-"), Some("iban-loose")),
        _ => {
            // Groups of 2 to 8 characters, the first holding country and check digits.
            let mut out = String::new();
            let mut at = 0;
            while at < compact.len() {
                let width = if at == 0 {
                    rng.range(4, 8) as usize
                } else {
                    rng.range(2, 8) as usize
                };
                let end = (at + width).min(compact.len());
                if at > 0 {
                    out.push(' ');
                }
                out.push_str(&compact[at..end]);
                at = end;
            }
            (out, Some("iban-loose"))
        }
    }
}

fn cn_mobile(rng: &mut Rng) -> String {
    let prefix = *rng.pick(&[
        "130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152",
        "155", "157", "158", "159", "166", "170", "176", "177", "180", "181", "182", "185", "186",
        "187", "188", "189", "198", "199",
    ]);
    format!("{prefix}{}", rng.digits(8))
}

fn nanp(rng: &mut Rng) -> (String, String, String) {
    let area = loop {
        let a = format!("{}{}{}", rng.range(2, 9), rng.range(0, 8), rng.range(0, 9));
        if &a[1..] != "11" {
            break a;
        }
    };
    let exchange = loop {
        let e = format!("{}{}", rng.range(2, 9), rng.digits(2));
        if &e[1..] != "11" {
            break e;
        }
    };
    (area, exchange, rng.digits(4))
}

/// Phone labels as people write them before a number.
const PHONE_LABELS_EN: &[&str] = &[
    "call ",
    "Tel: ",
    "tel. ",
    "phone ",
    "Phone number: ",
    "mobile: ",
    "call me at ",
    "fax ",
];
const PHONE_LABELS_ZH: &[&str] = &[
    "电话：",
    "手机号 ",
    "联系电话：",
    "座机：",
    "手机号码：",
    "電話 ",
    "传真：",
];

/// Mobile prefixes no Chinese operator has been assigned.
const UNASSIGNED_MOBILE: &[&str] = &[
    "120", "121", "122", "123", "124", "125", "126", "127", "128", "129", "140", "141", "142",
    "143", "144", "154", "160", "161", "163", "164", "168", "169", "179", "194",
];

/// A Chinese landline in one of the ways it is written; `None` for the
/// subscriber to break a rule (starting with 0 or 1) or an area code not in use.
fn cn_landline(rng: &mut Rng, valid: bool) -> String {
    let (area, subscriber) = match rng.below(3) {
        0 => (
            format!(
                "0{}",
                rng.pick(&["10", "20", "21", "22", "23", "24", "25", "27", "28", "29"])
            ),
            format!("{}{}", rng.range(2, 9), rng.digits(7)),
        ),
        1 => (
            format!("0{}", rng.range(310, 999)),
            format!("{}{}", rng.range(2, 9), rng.digits(7)),
        ),
        _ => (
            format!("0{}", rng.range(310, 999)),
            format!("{}{}", rng.range(2, 9), rng.digits(6)),
        ),
    };
    let (area, subscriber) = if valid {
        (area, subscriber)
    } else if rng.chance(50) {
        // An area code from 1 other than 10: not in use.
        (format!("01{}", rng.range(1, 9)), subscriber)
    } else {
        (area, format!("{}{}", rng.range(0, 1), &subscriber[1..]))
    };
    let split = |s: &str| -> String {
        let half = s.len() / 2;
        format!("{} {}", &s[..half], &s[half..])
    };
    match rng.below(4) {
        0 => format!("{area}-{subscriber}"),
        1 => format!("({area}) {}", split(&subscriber)),
        2 => format!("{area} {}", split(&subscriber)),
        _ => format!("+86 {} {}", &area[1..], split(&subscriber)),
    }
}

/// A real phone number: the value, its issue-9 form if it has one, and
/// whether it needs a phone label before it.
fn phone(rng: &mut Rng) -> (String, Option<&'static str>, bool) {
    let form = match rng.below(14) {
        10 => {
            let prefix = *rng.pick(UNASSIGNED_MOBILE);
            let value = if rng.chance(50) {
                format!("{prefix}{}", rng.digits(8))
            } else {
                format!("{prefix}-{}-{}", rng.digits(4), rng.digits(4))
            };
            return (value, Some("labeled-unassigned"), true);
        }
        11 => {
            let area = *rng.pick(&["123", "111", "911", "155", "011"]);
            let value = if rng.chance(50) {
                format!("{area}-{}-{}", rng.range(200, 999), rng.digits(4))
            } else {
                format!("({area}) {}-{}", rng.range(200, 999), rng.digits(4))
            };
            return (value, Some("labeled-unassigned"), true);
        }
        12 => return (cn_landline(rng, true), Some("cn-landline"), true),
        13 => return (cn_landline(rng, true), Some("cn-landline"), false),
        n => n,
    };
    let value = match form {
        0..=2 => cn_mobile(rng),
        3 => {
            let m = cn_mobile(rng);
            format!("{}-{}-{}", &m[..3], &m[3..7], &m[7..])
        }
        4 => {
            let m = cn_mobile(rng);
            format!("+86 {} {} {}", &m[..3], &m[3..7], &m[7..])
        }
        5 => {
            let (a, e, l) = nanp(rng);
            format!("({a}) {e}-{l}")
        }
        6 => {
            let (a, e, l) = nanp(rng);
            format!("{a}-{e}-{l}")
        }
        7 => {
            let (a, e, l) = nanp(rng);
            format!("+1 {a} {e} {l}")
        }
        8 => match rng.below(4) {
            0 => format!("+44 20 7{} {}", rng.digits(3), rng.digits(4)),
            1 => format!("+44 7700 9{}", rng.digits(5)),
            2 => format!("+49 30 {}", rng.digits(8)),
            _ => format!(
                "+33 6 {} {} {} {}",
                rng.digits(2),
                rng.digits(2),
                rng.digits(2),
                rng.digits(2)
            ),
        },
        _ => match rng.below(3) {
            0 => format!("+81 3 {} {}", rng.digits(4), rng.digits(4)),
            1 => format!("+81 90 {} {}", rng.digits(4), rng.digits(4)),
            _ => {
                // Ten bare digits: a real NANP number, found only because a
                // phone label stands before it (alone, too often an order number).
                let (a, e, l) = nanp(rng);
                format!("{a}{e}{l}")
            }
        },
    };
    (value, None, true)
}

fn email(rng: &mut Rng) -> String {
    let first = *rng.pick(&[
        "zhang", "wang", "li", "liu", "chen", "john", "mary", "alex", "sam", "anna",
    ]);
    let last = *rng.pick(&[
        "wei", "fang", "na", "smith", "jones", "lee", "garcia", "yang", "zhao",
    ]);
    let domain = *rng.pick(&[
        "example.com",
        "mail.example.cn",
        "qq.com",
        "163.com",
        "company.co.uk",
        "corp.example.org",
    ]);
    match rng.below(4) {
        0 => format!("{first}.{last}@{domain}"),
        1 => format!("{first}{}@{domain}", rng.range(1, 99)),
        2 => format!("{}{last}@{domain}", &first[..1]),
        _ => format!("{first}_{last}{}@{domain}", rng.range(1970, 2005)),
    }
}

fn ipv4(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("192.168.{}.{}", rng.below(256), rng.range(1, 254)),
        1 => format!(
            "10.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.range(1, 254)
        ),
        _ => format!(
            "{}.{}.{}.{}",
            rng.range(1, 223),
            rng.below(256),
            rng.below(256),
            rng.range(1, 254)
        ),
    }
}

fn ipv6(rng: &mut Rng) -> String {
    let group = |rng: &mut Rng| format!("{:x}", rng.range(1, 0xffff));
    match rng.below(3) {
        0 => (0..8).map(|_| group(rng)).collect::<Vec<_>>().join(":"),
        1 => format!("2001:db8::{}:{}", group(rng), group(rng)),
        _ => format!(
            "fe80::{}:{}:{}:{}",
            group(rng),
            group(rng),
            group(rng),
            group(rng)
        ),
    }
}

/// One planted identifier: its context before, the value, whether it is real
/// (`Some(kind)`) or a look-alike of a kind, and its issue-9 form if any.
struct Plant {
    before: String,
    value: String,
    kind: &'static str,
    real: bool,
    form: Option<&'static str>,
}

fn plant(rng: &mut Rng) -> Plant {
    let zh = rng.chance(50);
    let ctx = |en: &str, zh_text: &str| {
        if zh {
            zh_text.to_string()
        } else {
            en.to_string()
        }
    };
    let real = rng.chance(80);
    let kind_index = rng.below(9);
    let mut form = None;
    let (kind, before, value) = match (kind_index, real) {
        (0, _) => ("email", ctx("contact ", "邮箱："), email(rng)),
        (1, true) => {
            let (value, phone_form, labeled) = phone(rng);
            form = phone_form;
            let before = match (phone_form, labeled) {
                (None, _) => ctx("call ", "电话："),
                (Some(_), true) if zh => rng.pick(PHONE_LABELS_ZH).to_string(),
                (Some(_), true) => rng.pick(PHONE_LABELS_EN).to_string(),
                (Some(_), false) => ctx("office ", "办公室 "),
            };
            ("phone", before, value)
        }
        (1, false) => {
            // Phone shapes that fail the numbering plan, with no phone label
            // before them (a label would make them phone numbers): NANP area
            // codes that do not exist (1xx, N11), Chinese mobile prefixes not
            // assigned, landlines with an area code not in use or a
            // subscriber number from 0 or 1.
            let value = match rng.below(4) {
                0 | 1 => format!(
                    "{}-{}-{}",
                    rng.pick(&["123", "011", "111", "911"]),
                    rng.range(200, 999),
                    rng.digits(4)
                ),
                2 => format!("{}{}", rng.pick(UNASSIGNED_MOBILE), rng.digits(8)),
                _ => cn_landline(rng, false),
            };
            ("phone", ctx("ref ", "编号 "), value)
        }
        (2, true) => (
            "cn-resident-id",
            ctx("ID card ", "身份证号 "),
            resident_id(rng),
        ),
        (2, false) => {
            let id = resident_id(rng);
            let check = id.as_bytes()[17];
            let wrong = if check == b'9' {
                '0'
            } else if check == b'X' {
                '1'
            } else {
                char::from(check + 1)
            };
            (
                "cn-resident-id",
                ctx("ID card ", "身份证号 "),
                format!("{}{wrong}", &id[..17]),
            )
        }
        (3, true) => (
            "cn-uscc",
            ctx("credit code ", "统一社会信用代码 "),
            uscc(rng),
        ),
        (3, false) => {
            let code = uscc(rng);
            let check = code.as_bytes()[17];
            let wrong =
                USCC_CHARS[(USCC_CHARS.iter().position(|&c| c == check).unwrap_or(0) + 1) % 31];
            (
                "cn-uscc",
                ctx("credit code ", "统一社会信用代码 "),
                format!("{}{}", &code[..17], char::from(wrong)),
            )
        }
        (4, true) => {
            let value = if rng.chance(70) {
                format!("E{}", rng.digits(8))
            } else {
                format!(
                    "E{}{}",
                    char::from(*rng.pick(b"ABCDEFGHJKLMNPQRSTUVWXYZ")),
                    rng.digits(7)
                )
            };
            ("cn-passport", ctx("passport no. ", "护照号码 "), value)
        }
        (4, false) => (
            "cn-passport",
            ctx("part number ", "产品型号 "),
            format!("E{}", rng.digits(8)),
        ),
        (5, true) => {
            let number = card_number(rng);
            (
                "payment-card",
                ctx("card ", "银行卡号 "),
                card_layout(rng, &number),
            )
        }
        (5, false) => {
            let number = card_number(rng);
            let last = number.as_bytes()[number.len() - 1];
            let wrong = format!(
                "{}{}",
                &number[..number.len() - 1],
                char::from(b'0' + (last - b'0' + 1) % 10)
            );
            (
                "payment-card",
                ctx("card ", "银行卡号 "),
                card_layout(rng, &wrong),
            )
        }
        (6, true) => {
            let (a, g, s) = ssn_parts(rng);
            if rng.chance(80) {
                (
                    "us-ssn",
                    "SSN ".to_string(),
                    format!("{a:03}-{g:02}-{s:04}"),
                )
            } else {
                (
                    "us-ssn",
                    "social security number ".to_string(),
                    format!("{a:03}{g:02}{s:04}"),
                )
            }
        }
        (6, false) => {
            let (_, g, s) = ssn_parts(rng);
            let area = *rng.pick(&[0, 666, 900, 987]);
            (
                "us-ssn",
                "SSN ".to_string(),
                format!("{area:03}-{g:02}-{s:04}"),
            )
        }
        (7, true) => {
            let (country, check, bban) = iban(rng);
            let (value, iban_form) = iban_layout(rng, &format!("{country}{check}{bban}"));
            form = iban_form;
            ("iban", ctx("IBAN ", "账户 "), value)
        }
        (7, false) => {
            let (country, check, bban) = iban(rng);
            let wrong: u32 = check.parse::<u32>().unwrap_or(2) % 96 + 3;
            let (value, _) = iban_layout(rng, &format!("{country}{wrong:02}{bban}"));
            ("iban", ctx("IBAN ", "账户 "), value)
        }
        (_, true) => {
            let value = if rng.chance(75) { ipv4(rng) } else { ipv6(rng) };
            ("ip-address", ctx("from ", "IP地址 "), value)
        }
        (_, false) => {
            let value = format!(
                "{}.{}.{}.{}",
                rng.range(1, 255),
                rng.range(256, 999),
                rng.below(256),
                rng.range(1, 254)
            );
            ("ip-address", ctx("from ", "IP地址 "), value)
        }
    };
    // Emails are never look-alikes here: there is no checksum to fail.
    let real = real || kind == "email";
    Plant {
        before,
        value,
        kind,
        real,
        form,
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        anyhow::bail!("usage: pii-gen BYTES DIR [SEED]");
    }
    let target: usize = args[1].parse()?;
    let dir = std::path::Path::new(&args[2]);
    let seed: u64 = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_261_128);
    std::fs::create_dir_all(dir)?;
    let mut corpus = std::io::BufWriter::new(std::fs::File::create(dir.join("corpus.txt"))?);
    let mut truth = std::io::BufWriter::new(std::fs::File::create(dir.join("truth.jsonl"))?);
    let mut lookalikes =
        std::io::BufWriter::new(std::fs::File::create(dir.join("lookalikes.jsonl"))?);
    let mut rng = Rng(seed | 1);
    let mut written = 0usize;
    let (mut planted, mut fakes) = (0usize, 0usize);
    let mut line = String::new();
    while written < target {
        line.clear();
        let mut marks: Vec<(usize, usize, &'static str, bool, Option<&'static str>)> = Vec::new();
        let sentences = rng.range(1, 4);
        for _ in 0..sentences {
            if rng.chance(50) {
                english_sentence(&mut rng, &mut line);
            } else {
                chinese_sentence(&mut rng, &mut line);
            }
            match rng.below(10) {
                0..=4 => {
                    let p = plant(&mut rng);
                    line.push_str(&p.before);
                    let start = line.len();
                    line.push_str(&p.value);
                    marks.push((start, p.value.len(), p.kind, p.real, p.form));
                    line.push_str(if rng.chance(50) { ". " } else { "，" });
                }
                5 | 6 => {
                    line.push_str(&neutral(&mut rng));
                    line.push(' ');
                }
                _ => {}
            }
        }
        line.push('\n');
        for (start, length, kind, real, form) in marks {
            let mut record = String::new();
            let _ = write!(
                record,
                "{{\"offset\":{},\"length\":{length},\"kind\":\"{kind}\"",
                written + start
            );
            if let Some(form) = form {
                let _ = write!(record, ",\"form\":\"{form}\"");
            }
            record.push('}');
            if real {
                planted += 1;
                writeln!(truth, "{record}")?;
            } else {
                fakes += 1;
                writeln!(lookalikes, "{record}")?;
            }
        }
        corpus.write_all(line.as_bytes())?;
        written += line.len();
    }
    corpus.flush()?;
    truth.flush()?;
    lookalikes.flush()?;
    eprintln!(
        "{written} bytes, {planted} identifiers, {fakes} look-alikes in {}",
        dir.display()
    );
    Ok(())
}
