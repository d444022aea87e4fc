//! Market codes and their hierarchy.
//!
//! A profile lists where a system is placed on the market or its output used:
//! ISO 3166-1 alpha-2 codes, `EU`, US states as `US-XX` and New York City as
//! `US-NY-NYC`. A market is *within* a jurisdiction when it is that code, a
//! subdivision of it (`US-NY-NYC` is within `US-NY` and `US`), or an EU member
//! state (`DE` is within `EU`).

/// ISO 3166-1 alpha-2 codes, officially assigned.
const ISO_3166_1: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI \
GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI \
LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF \
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL \
TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// The 27 member states of the European Union.
pub const EU_MEMBERS: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// US states, the District of Columbia and territories (ISO 3166-2:US).
const US_SUBDIVISIONS: &str = "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND \
OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI";

fn is_country(code: &str) -> bool {
    static SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| ISO_3166_1.split(' ').collect());
    SET.contains(code)
}

fn is_us_subdivision(code: &str) -> bool {
    static SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| US_SUBDIVISIONS.split(' ').collect());
    SET.contains(code)
}

/// Cities and other sub-subdivisions the rulepacks know by name.
const NAMED_LOCALITIES: &[&str] = &["US-NY-NYC"];

/// Why a market code was refused, with a suggestion when one is close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidMarket {
    pub message: String,
    pub suggestion: Option<String>,
}

/// Checks a market code: `EU`, an ISO 3166-1 alpha-2 code, a US state
/// (`US-CA`), a known locality (`US-NY-NYC`) or another ISO 3166-2 style
/// subdivision of a valid country (`CN-GD`).
pub fn validate(code: &str) -> Result<(), InvalidMarket> {
    if code == "EU" || NAMED_LOCALITIES.contains(&code) {
        return Ok(());
    }
    let mut parts = code.split('-');
    let country = parts.next().unwrap_or("");
    let subdivision = parts.next();
    let rest = parts.next();
    let country_ok = country.len() == 2 && is_country(country);
    let ok = match (country_ok, subdivision, rest) {
        (true, None, _) => true,
        (true, Some(sub), None) if country == "US" => is_us_subdivision(sub),
        (true, Some(sub), None) => {
            (1..=3).contains(&sub.len())
                && sub
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let candidates = ISO_3166_1
        .split(' ')
        .map(str::to_string)
        .chain(US_SUBDIVISIONS.split(' ').map(|s| format!("US-{s}")))
        .chain(NAMED_LOCALITIES.iter().map(|s| s.to_string()))
        .chain(std::iter::once("EU".to_string()))
        .collect::<Vec<_>>();
    let upper = code.to_uppercase();
    let suggestion = if upper != code && validate(&upper).is_ok() {
        Some(upper)
    } else {
        crate::doc::did_you_mean(code, candidates.iter().map(String::as_str)).map(str::to_string)
    };
    Err(InvalidMarket {
        message: format!("Unknown market code `{code}`"),
        suggestion,
    })
}

/// Every jurisdiction code a market belongs to, itself first:
/// `US-NY-NYC` → `US-NY-NYC`, `US-NY`, `US`; `DE` → `DE`, `EU`.
pub fn ancestors(code: &str) -> Vec<String> {
    let mut out = vec![code.to_string()];
    let mut current = code;
    while let Some(i) = current.rfind('-') {
        current = &current[..i];
        out.push(current.to_string());
    }
    if EU_MEMBERS.contains(&code) {
        out.push("EU".to_string());
    }
    out
}

/// Whether a market is within a jurisdiction (see the module docs).
pub fn is_within(market: &str, jurisdiction: &str) -> bool {
    market == jurisdiction
        || (market.len() > jurisdiction.len()
            && market.starts_with(jurisdiction)
            && market.as_bytes()[jurisdiction.len()] == b'-')
        || (jurisdiction == "EU" && EU_MEMBERS.contains(&market))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_codes() {
        for ok in ["EU", "CN", "US", "US-CA", "US-NY-NYC", "KR", "DE", "CN-GD"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            validate("us").unwrap_err().suggestion.as_deref(),
            Some("US")
        );
        assert!(validate("EUR").is_err());
        assert!(validate("US-XX").is_err());
        assert!(validate("XX").is_err());
    }

    #[test]
    fn hierarchy() {
        assert!(is_within("US-NY-NYC", "US-NY"));
        assert!(is_within("US-NY-NYC", "US"));
        assert!(!is_within("US-NYX", "US-NY"));
        assert!(is_within("DE", "EU"));
        assert!(!is_within("US", "US-CO"));
        assert_eq!(ancestors("US-NY-NYC"), ["US-NY-NYC", "US-NY", "US"]);
        assert_eq!(ancestors("FR"), ["FR", "EU"]);
    }
}
