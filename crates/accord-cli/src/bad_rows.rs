//! `--max-bad-rows N` or `--max-bad-rows P%`: how many rejected (malformed)
//! rows a command that reads tables accepts before it fails. Without the
//! flag none are: a run that rejected rows still reads the rest and writes
//! its outputs, then says which rows and exits 2 (CONTRACT.md: the input was
//! wrong).
//!
//! Self-contained so that every command reading rows uses the same rule and
//! the same words: [`MaxBadRows`] parses the flag and decides, [`describe`]
//! names the first rejected rows.

use std::fmt;
use std::str::FromStr;

/// The most rejected rows allowed: a count, or a percentage of the rows read
/// (accepted and rejected together), rounded down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxBadRows {
    Count(u64),
    /// Millionths of a percent, so that `0.1%` of 1,000 rows is exactly 1.
    Percent(u64),
}

/// Millionths of a percent in 100%.
const WHOLE: u64 = 100_000_000;

impl Default for MaxBadRows {
    fn default() -> MaxBadRows {
        MaxBadRows::Count(0)
    }
}

impl FromStr for MaxBadRows {
    type Err = String;

    fn from_str(text: &str) -> Result<MaxBadRows, String> {
        let trimmed = text.trim();
        let hint =
            "write a number of rows such as `10`, or a percentage of the rows read such as `0.5%`";
        let Some(percent) = trimmed.strip_suffix('%') else {
            return trimmed
                .parse::<u64>()
                .map(MaxBadRows::Count)
                .map_err(|_| format!("`{text}` is not a number of rows or a percentage; {hint}"));
        };
        let (whole, fraction) = percent
            .trim()
            .split_once('.')
            .unwrap_or((percent.trim(), ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty())
            || !digits(whole)
            || !digits(fraction)
            || fraction.len() > 6
        {
            return Err(format!(
                "`{text}` is not a percentage (at most six decimals); {hint}"
            ));
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| format!("`{text}` is over 100%"))?
        };
        let mut millionths = 0u64;
        for (i, b) in fraction.bytes().enumerate() {
            millionths += u64::from(b - b'0') * 10u64.pow(5 - i as u32);
        }
        let value = whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(millionths))
            .filter(|&v| v <= WHOLE)
            .ok_or_else(|| format!("`{text}` is over 100%"))?;
        Ok(MaxBadRows::Percent(value))
    }
}

impl fmt::Display for MaxBadRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MaxBadRows::Count(n) => write!(f, "{n}"),
            MaxBadRows::Percent(value) => {
                let (whole, fraction) = (value / 1_000_000, value % 1_000_000);
                if fraction == 0 {
                    write!(f, "{whole}%")
                } else {
                    let decimals = format!("{fraction:06}");
                    write!(f, "{whole}.{}%", decimals.trim_end_matches('0'))
                }
            }
        }
    }
}

impl MaxBadRows {
    /// The most rejected rows allowed when `total` rows were read.
    pub fn limit(self, total: u64) -> u64 {
        match self {
            MaxBadRows::Count(n) => n,
            MaxBadRows::Percent(value) => {
                (u128::from(total) * u128::from(value) / u128::from(WHOLE)) as u64
            }
        }
    }

    /// Whether `rejected` rows out of `total` read (rejected ones included) are allowed.
    pub fn allows(self, rejected: u64, total: u64) -> bool {
        rejected <= self.limit(total)
    }

    /// How the flag reads, for messages and evidence: `--max-bad-rows 0.5%`.
    pub fn flag(self) -> String {
        format!("--max-bad-rows {self}")
    }
}

/// How many rows the message names.
const NAMED: usize = 5;

/// `3 of 1,000 rows rejected: line 4: row 3: expected 3 fields, found 4; line
/// 9: ...; and 1 more`, from a reader's count and first examples (line number
/// and what was wrong).
pub fn describe(rejected: u64, total: u64, examples: &[(u64, String)]) -> String {
    let mut out = format!(
        "{} of {} row{} rejected",
        thousands(rejected),
        thousands(total),
        if total == 1 { "" } else { "s" }
    );
    let named: Vec<String> = examples
        .iter()
        .take(NAMED)
        .map(|(line, what)| format!("line {line}: {what}"))
        .collect();
    if !named.is_empty() {
        out.push_str(": ");
        out.push_str(&named.join("; "));
        let rest = rejected.saturating_sub(named.len() as u64);
        if rest > 0 {
            out.push_str(&format!("; and {} more", thousands(rest)));
        }
    }
    out
}

/// The hint printed after rows were rejected beyond the allowance.
pub const HINT: &str =
    "hint: correct those rows, or accept a few with --max-bad-rows N or --max-bad-rows P%";

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MaxBadRows, String> {
        text.parse()
    }

    #[test]
    fn counts_and_percentages() {
        assert_eq!(parse("0"), Ok(MaxBadRows::Count(0)));
        assert_eq!(parse("25"), Ok(MaxBadRows::Count(25)));
        assert_eq!(parse("1%"), Ok(MaxBadRows::Percent(1_000_000)));
        assert_eq!(parse("0.5%"), Ok(MaxBadRows::Percent(500_000)));
        assert_eq!(parse(".25%"), Ok(MaxBadRows::Percent(250_000)));
        assert_eq!(parse("100%"), Ok(MaxBadRows::Percent(WHOLE)));
        for bad in [
            "",
            "-1",
            "1.5",
            "abc",
            "%",
            "101%",
            "1e3%",
            "0.0000001%",
            "-2%",
            "1,000",
        ] {
            assert!(parse(bad).is_err(), "{bad} parsed");
        }
        assert!(parse("x").unwrap_err().contains("`x`"));
        for text in ["0", "7", "1%", "0.5%", "12.125%", "100%"] {
            assert_eq!(parse(text).map(|m| m.to_string()), Ok(text.to_string()));
        }
    }

    #[test]
    fn limits_are_exact_and_round_down() {
        let percent = |t: &str| parse(t).expect("percent");
        assert_eq!(percent("0.1%").limit(1000), 1);
        assert_eq!(percent("57%").limit(100), 57);
        assert_eq!(percent("0.57%").limit(10_000), 57);
        assert_eq!(percent("1%").limit(199), 1);
        assert_eq!(percent("100%").limit(u64::MAX), u64::MAX);
        assert!(percent("1%").allows(2, 200));
        assert!(!percent("1%").allows(3, 200));
        assert!(MaxBadRows::default().allows(0, 10));
        assert!(!MaxBadRows::default().allows(1, 10));
        assert!(MaxBadRows::Count(3).allows(3, 3));
        assert_eq!(percent("0.5%").flag(), "--max-bad-rows 0.5%");
    }

    #[test]
    fn messages_name_the_first_rows() {
        let examples: Vec<(u64, String)> = (1..=7)
            .map(|i| (i * 10, format!("row {i}: expected 3 fields, found 2")))
            .collect();
        let text = describe(9, 1200, &examples);
        assert!(
            text.starts_with("9 of 1,200 rows rejected: line 10: row 1: expected 3 fields"),
            "{text}"
        );
        assert!(
            text.contains("line 50: row 5") && !text.contains("line 60"),
            "{text}"
        );
        assert!(text.ends_with("; and 4 more"), "{text}");
        assert_eq!(describe(0, 1, &[]), "0 of 1 row rejected");
    }
}
