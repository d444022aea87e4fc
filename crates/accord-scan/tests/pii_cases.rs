//! Runs every detector case in `testdata/pii/*.yaml` (see the header of
//! `cases.yaml` for the format) and reports all failures at once.

use std::path::Path;

use accord_model::doc::Document;
use accord_scan::pii::{Detector, Kind, Reason};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    expect: Vec<(Kind, String)>,
    /// What `Detector::explain` reports, each `[kind, reason, "exact text"]`;
    /// not checked when absent.
    #[serde(default)]
    ignored: Option<Vec<(Kind, Reason, String)>>,
}

/// Byte spans of `needles` in `text`: each found in order of appearance.
fn locate<'a>(
    text: &str,
    needles: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(usize, usize)>, String> {
    let mut from = 0;
    let mut spans = Vec::new();
    for needle in needles {
        let Some(at) = text[from..].find(needle) else {
            return Err(format!(
                "`{needle}` does not occur in the text after byte {from}"
            ));
        };
        let start = from + at;
        spans.push((start, start + needle.len()));
        from = start + needle.len();
    }
    Ok(spans)
}

/// The expected byte spans of the findings.
fn expected_spans(case: &Case) -> Result<Vec<(usize, usize, Kind)>, String> {
    let spans = locate(&case.text, case.expect.iter().map(|(_, t)| t.as_str()))?;
    Ok(spans
        .into_iter()
        .zip(&case.expect)
        .map(|((s, e), (kind, _))| (s, e, *kind))
        .collect())
}

/// The ignored candidates `Detector::explain` must report, if the case says.
fn check_ignored(detector: &Detector, case: &Case) -> Result<(), String> {
    let Some(expected) = &case.ignored else {
        return Ok(());
    };
    let spans = locate(&case.text, expected.iter().map(|(_, _, t)| t.as_str()))?;
    let want: Vec<(usize, usize, Kind, Reason)> = spans
        .into_iter()
        .zip(expected)
        .map(|((s, e), (kind, reason, _))| (s, e, *kind, *reason))
        .collect();
    let got: Vec<(usize, usize, Kind, Reason)> = detector
        .explain(&case.text)
        .into_iter()
        .map(|i| (i.start, i.end, i.kind, i.reason))
        .collect();
    if got == want {
        return Ok(());
    }
    let show = |spans: &[(usize, usize, Kind, Reason)]| {
        spans
            .iter()
            .map(|&(s, e, k, r)| format!("{k} {r} `{}`", &case.text[s..e]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(format!(
        "{} (ignored):\n    text:     {}\n    expected: [{}]\n    found:    [{}]",
        case.name,
        case.text,
        show(&want),
        show(&got)
    ))
}

#[test]
fn detector_cases() {
    let detector = Detector::new().expect("detector");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pii");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/pii")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).expect("read cases");
        let document = Document::parse(&source, &file.display().to_string()).expect("parse cases");
        let cases: Vec<Case> = document.deserialize().expect("cases");
        for case in &cases {
            ran += 1;
            if let Err(e) = check_ignored(&detector, case) {
                failures.push(e);
            }
            let want = match expected_spans(case) {
                Ok(spans) => spans,
                Err(e) => {
                    failures.push(format!("{}: {e}", case.name));
                    continue;
                }
            };
            let got: Vec<(usize, usize, Kind)> = detector
                .find(&case.text)
                .into_iter()
                .map(|f| (f.start, f.end, f.kind))
                .collect();
            if got != want {
                let show = |spans: &[(usize, usize, Kind)]| {
                    spans
                        .iter()
                        .map(|&(s, e, k)| format!("{k} `{}`", &case.text[s..e]))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                failures.push(format!(
                    "{}:\n    text:     {}\n    expected: [{}]\n    found:    [{}]",
                    case.name,
                    case.text,
                    show(&want),
                    show(&got)
                ));
            }
        }
    }
    assert!(ran > 40, "only {ran} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} detector cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Restricting the detector to some kinds drops the others, and only them.
#[test]
fn with_kinds_filters() {
    let text = "mail a@example.com, card 4111 1111 1111 1111, ip 10.0.0.1";
    let only = Detector::with_kinds(&[Kind::PaymentCard, Kind::IpAddress]).expect("detector");
    let kinds: Vec<Kind> = only.find(text).iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::PaymentCard, Kind::IpAddress]);
}

/// Random text made of the pieces identifiers, labels and separators are
/// made of never makes `find` or `explain` panic, and their spans are in
/// order, within the text and on character boundaries.
#[test]
fn random_pieces_never_panic() {
    const PIECES: &[&str] = &[
        "0",
        "1",
        "2",
        "3",
        "5",
        "8",
        "9",
        "00",
        "86",
        "138",
        "0755",
        "021",
        "4111",
        "1234",
        "5678",
        "X",
        "x",
        " ",
        "  ",
        "-",
        ".",
        "(",
        ")",
        "+",
        "@",
        ":",
        "::",
        "#",
        "：",
        "（",
        "电话",
        "手机号",
        "號",
        "tel",
        "Tel.",
        "call me at",
        "SSN",
        "passport",
        "护照",
        "IBAN",
        "GB82",
        "gb82",
        "west",
        "WEST",
        "DE89",
        "E",
        "G",
        "MA",
        "abc",
        "中",
        "\u{3000}",
        "\n",
        "é",
        "a@b.cn",
        "2001:db8",
        "信用代码",
    ];
    let detector = Detector::new().expect("detector");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let n = (next() % 24) as usize;
        let text: String = (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let mut at = 0;
        for f in detector.find(&text) {
            assert!(
                f.start >= at && f.start < f.end && f.end <= text.len(),
                "{text:?}: {f:?}"
            );
            assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            at = f.end;
        }
        let mut at = 0;
        for i in detector.explain(&text) {
            assert!(
                i.start >= at && i.start < i.end && i.end <= text.len(),
                "{text:?}: {i:?}"
            );
            assert!(text.is_char_boundary(i.start) && text.is_char_boundary(i.end));
            at = i.end;
        }
    }
}
