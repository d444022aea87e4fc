//! Runs every matching case in `testdata/keywords/*.yaml` (format in the
//! header of `cases.yaml`) and reports all failures at once.

use std::path::Path;

use accord_model::doc::Document;
use serde::Deserialize;

use super::{FoldBuffer, KeywordList, Matcher};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    list: String,
    text: String,
    expect: Vec<(String, String)>,
}

/// The expected spans: each hit's text found in order of appearance.
fn expected(case: &Case) -> Result<Vec<(usize, usize, String)>, String> {
    let mut from = 0;
    let mut spans = Vec::new();
    for (keyword, needle) in &case.expect {
        let Some(at) = case.text[from..].find(needle.as_str()) else {
            return Err(format!(
                "`{needle}` does not occur in the text after byte {from}"
            ));
        };
        let start = from + at;
        spans.push((start, start + needle.len(), keyword.clone()));
        from = start + needle.len();
    }
    Ok(spans)
}

#[test]
fn matching_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/keywords");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/keywords")
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
            let want = match expected(case) {
                Ok(spans) => spans,
                Err(e) => {
                    failures.push(format!("{}: {e}", case.name));
                    continue;
                }
            };
            let list = match KeywordList::parse(&case.list, "list", None) {
                Ok(list) => list,
                Err(e) => {
                    failures.push(format!("{}: list: {e:?}", case.name));
                    continue;
                }
            };
            let matcher = Matcher::new(&list).expect("automaton");
            let got: Vec<(usize, usize, String)> = matcher
                .find_all(&case.text, &mut FoldBuffer::new())
                .into_iter()
                .map(|m| {
                    (
                        m.start,
                        m.end,
                        list.keywords()[m.keyword as usize].text.clone(),
                    )
                })
                .collect();
            if got != want {
                let show = |spans: &[(usize, usize, String)]| {
                    spans
                        .iter()
                        .map(|(s, e, k)| {
                            format!(
                                "{k} {:?} @{s}..{e}",
                                case.text.get(*s..*e).unwrap_or("<not a char boundary>")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                failures.push(format!(
                    "{}:\n    want {}\n    got  {}",
                    case.name,
                    show(&want),
                    show(&got)
                ));
            }
        }
    }
    assert!(ran >= 10, "only {ran} cases found in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
