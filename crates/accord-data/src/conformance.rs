//! The CSV conformance suite: one harness over case files, each with the rows
//! it must give.
//!
//! - Accord's own cases, `tests/csv/*.json`: `content` (or `content_hex` for
//!   bytes that are not UTF-8), the `file` name (`.tsv` for tabs), the
//!   `header`, the `rows` as written, the `malformed` records (1-based line,
//!   0-based row, a piece of the message), `invalid_utf8` when some, and
//!   `records` when the `csv` crate reads another number of data records than
//!   rows + malformed (reading resumed after a stray quote).
//! - The public csv-spectrum corpus (npm, BSD-2-Clause), installed by
//!   `npm ci --prefix crates/accord-data/tests/corpus` (`.ci/run` does it):
//!   `csvs/NAME.csv` with the rows it must give in `json/NAME.json`. When it
//!   is not installed the test says so loudly and passes, unless
//!   `ACCORD_REQUIRE_CSV_CORPUS` is set (CI sets it): then it fails.
//!
//! Every case is checked four ways: the splitter, with and without its fast
//! path for simple lines and however the input arrives, gives exactly the
//! records of the `csv` crate; [`crate::text_units`] and [`crate::table`] (as
//! text, and with inferred types) give the expected rows, report the expected
//! malformed records, and every record of the file is either given out or
//! reported — plain, gzip and zstd, read inline and on threads.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use arrow_array::Array;
use arrow_array::cast::AsArray;
use serde_json::Value;

use crate::csv::{Records, Split, TEST_NO_FAST_PATH};
use crate::{Input, ReadReport, TableOptions, TextOptions, discover, pipeline, table, text_units};

struct Malformed {
    line: u64,
    row: u64,
    message: String,
}

struct Case {
    name: String,
    file: String,
    content: Vec<u8>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    malformed: Vec<Malformed>,
    /// Data records as the `csv` crate reads them.
    records: usize,
    invalid_utf8: u64,
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn own_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(manifest().join("tests/csv"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let case: Value = serde_json::from_slice(&std::fs::read(path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let content = match (case.get("content"), case.get("content_hex")) {
                (Some(text), None) => text.as_str().unwrap().as_bytes().to_vec(),
                (None, Some(text)) => hex(text.as_str().unwrap()),
                _ => panic!("{name}: give `content` or `content_hex`"),
            };
            let rows: Vec<Vec<String>> = case["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(strings)
                .collect();
            let malformed: Vec<Malformed> = case["malformed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| Malformed {
                    line: m["line"].as_u64().unwrap(),
                    row: m["row"].as_u64().unwrap(),
                    message: m["message"].as_str().unwrap().to_owned(),
                })
                .collect();
            let records = case
                .get("records")
                .map_or(rows.len() + malformed.len(), |r| {
                    r.as_u64().unwrap() as usize
                });
            Case {
                file: case["file"].as_str().unwrap().to_owned(),
                header: strings(&case["header"]),
                invalid_utf8: case.get("invalid_utf8").map_or(0, |v| v.as_u64().unwrap()),
                name,
                content,
                rows,
                malformed,
                records,
            }
        })
        .collect()
}

/// Errors in csv-spectrum 2.0.0's expected JSON, corrected here (case, row,
/// column, what the JSON says, what the CSV holds). The assertion that the
/// JSON still says it keeps this list honest when the corpus is updated.
const ERRATA: &[(&str, usize, &str, &str, &str)] = &[(
    "location_coordinates",
    0,
    "Contact Phone Number",
    "1234567890",
    "2095257564",
)];

/// The csv-spectrum cases, or `None` when the corpus is not installed.
fn corpus_cases() -> Option<Vec<Case>> {
    let folder = manifest().join("tests/corpus/node_modules/csv-spectrum");
    let required =
        std::env::var("ACCORD_REQUIRE_CSV_CORPUS").is_ok_and(|v| !v.is_empty() && v != "0");
    if !folder.join("csvs").is_dir() {
        if required {
            panic!(
                "ACCORD_REQUIRE_CSV_CORPUS is set but the csv-spectrum corpus is not installed in {}: \
                 run `npm ci --prefix crates/accord-data/tests/corpus`",
                folder.display()
            );
        }
        // Written to the stream itself, not through `eprintln!`, so that the
        // test harness does not capture it: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n==========================================================================\n\
             skipped: the csv-spectrum corpus is not installed; run\n\
             `npm ci --prefix crates/accord-data/tests/corpus` to check CSV reading against it\n\
             ==========================================================================\n"
        );
        return None;
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder.join("csvs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "csv"))
        .collect();
    paths.sort();
    let cases: Vec<Case> = paths
        .iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let expected: Value = serde_json::from_slice(
                &std::fs::read(folder.join("json").join(format!("{name}.json"))).unwrap(),
            )
            .unwrap();
            // One case gives a single object rather than an array of them.
            let objects = match expected {
                Value::Array(objects) => objects,
                object => vec![object],
            };
            let header: Vec<String> = objects[0].as_object().unwrap().keys().cloned().collect();
            let mut rows: Vec<Vec<String>> = objects
                .iter()
                .map(|o| {
                    let o = o.as_object().unwrap();
                    assert_eq!(
                        o.keys().collect::<Vec<_>>(),
                        header.iter().collect::<Vec<_>>()
                    );
                    o.values().map(|v| v.as_str().unwrap().to_owned()).collect()
                })
                .collect();
            for (case, row, column, wrong, right) in ERRATA {
                if *case == name {
                    let column = header.iter().position(|h| h == column).unwrap();
                    assert_eq!(rows[*row][column], *wrong, "csv-spectrum {name}: erratum");
                    rows[*row][column] = (*right).to_owned();
                }
            }
            Case {
                name: format!("csv-spectrum {name}"),
                file: "data.csv".into(),
                content: std::fs::read(path).unwrap(),
                header,
                records: rows.len(),
                rows,
                malformed: Vec::new(),
                invalid_utf8: 0,
            }
        })
        .collect();
    assert!(
        cases.len() >= 12,
        "csv-spectrum has 12 cases, found {}",
        cases.len()
    );
    Some(cases)
}

/// Gives at most `step` bytes per read, to split records across refills.
struct Trickle {
    bytes: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.bytes.len() - self.at);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

type Rows = Vec<Vec<Vec<u8>>>;

/// Every record (the header too) as the `csv` crate reads it.
pub(crate) fn csv_crate(bytes: &[u8], tab: bool) -> Rows {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if tab { b'\t' } else { b',' })
        .from_reader(bytes)
        .byte_records()
        .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
        .collect()
}

/// Every record as Accord's splitter gives it, `step` bytes at a time.
pub(crate) fn split(bytes: &[u8], tab: bool, step: usize, fast: bool) -> Rows {
    TEST_NO_FAST_PATH.with(|f| f.set(!fast));
    let input = Input::new(if tab { "t.tsv" } else { "t.csv" }.into(), "t".into(), 0);
    let reader = Box::new(Trickle {
        bytes: bytes.to_vec(),
        at: 0,
        step,
    });
    let mut records = Records::from_reader(&input, reader).unwrap();
    TEST_NO_FAST_PATH.with(|f| f.set(false));
    let mut out = Vec::new();
    let mut consumed = 0;
    loop {
        match records.next_record().unwrap() {
            Split::Record(record) => {
                consumed += record.raw.len();
                out.push(
                    (0..record.len())
                        .map(|i| record.field(i).to_vec())
                        .collect(),
                );
            }
            Split::TooLong { .. } => unreachable!(),
            Split::End => break,
        }
    }
    // Every byte belongs to a record, except blank lines at the end (and a
    // byte order mark when there is no record).
    let rest = if consumed == 0 {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        &bytes[consumed..]
    };
    assert!(
        rest.iter().all(|b| *b == b'\n' || *b == b'\r'),
        "{bytes:?} {consumed} {out:?}"
    );
    out
}

fn display(rows: &Rows) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn input(path: &Path) -> Input {
    let mut inputs = discover(&[path.to_path_buf()]).unwrap();
    assert_eq!(inputs.len(), 1);
    inputs.remove(0)
}

fn check_report(case: &Case, what: &str, report: &ReadReport) {
    let name = &case.name;
    assert_eq!(
        report.records,
        case.rows.len() as u64,
        "{name} ({what}): rows given out"
    );
    assert_eq!(
        report.malformed,
        case.malformed.len() as u64,
        "{name} ({what}): malformed {:?}",
        report.malformed_examples
    );
    assert_eq!(
        report.malformed_examples.len(),
        case.malformed.len(),
        "{name} ({what})"
    );
    for ((line, message), expected) in report.malformed_examples.iter().zip(&case.malformed) {
        assert_eq!(*line, expected.line, "{name} ({what}): {message}");
        assert!(
            message.contains(&expected.message),
            "{name} ({what}): `{message}` lacks `{}`",
            expected.message
        );
        assert!(
            message.starts_with(&format!("row {}: ", expected.row)),
            "{name} ({what}): {message}"
        );
    }
    assert_eq!(
        report.invalid_utf8, case.invalid_utf8,
        "{name} ({what}): invalid UTF-8"
    );
    assert_eq!(
        report.bytes,
        case.content.len() as u64,
        "{name} ({what}): bytes"
    );
}

/// The 0-based row of each expected row: rows count malformed records too.
fn row_numbers(case: &Case) -> Vec<u64> {
    let total = (case.rows.len() + case.malformed.len()) as u64;
    (0..total)
        .filter(|r| case.malformed.iter().all(|m| m.row != *r))
        .collect()
}

fn check_readers(case: &Case, path: &Path) {
    let name = &case.name;
    let what = path.file_name().unwrap().to_string_lossy().into_owned();
    let input = input(path);
    assert_eq!(
        crate::columns(&input).unwrap(),
        case.header,
        "{name} ({what}): header"
    );

    // Text units: every non-empty field, labelled with its column and row.
    let mut reader = text_units(&input, &TextOptions::default()).unwrap();
    let units: Vec<(Option<u64>, Option<String>, String)> = (&mut reader)
        .map(|u| u.unwrap())
        .map(|u| {
            assert_eq!(u.offset, 0);
            (u.record, u.field, u.text)
        })
        .collect();
    let expected: Vec<(Option<u64>, Option<String>, String)> = case
        .rows
        .iter()
        .zip(row_numbers(case))
        .flat_map(|(row, number)| {
            row.iter()
                .zip(&case.header)
                .filter(|(value, _)| !value.is_empty())
                .map(move |(value, column)| (Some(number), Some(column.clone()), value.clone()))
        })
        .collect();
    assert_eq!(units, expected, "{name} ({what}): text units");
    check_report(case, &format!("{what}, text units"), reader.report());

    // A table as text: every value as written, empty values null.
    for batch_rows in [1, 2, 8192] {
        let options = TableOptions {
            batch_rows,
            text: true,
            ..TableOptions::default()
        };
        let mut reader = table(&input, &options).unwrap();
        let schema = reader.schema();
        let names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            case.header.iter().collect::<Vec<_>>(),
            "{name} ({what})"
        );
        let mut rows: Vec<Vec<Option<String>>> = Vec::new();
        for batch in &mut reader {
            let batch = batch.unwrap();
            assert!(batch.num_rows() <= batch_rows);
            for r in 0..batch.num_rows() {
                rows.push(
                    batch
                        .columns()
                        .iter()
                        .map(|c| {
                            let c = c.as_string::<i32>();
                            c.is_valid(r).then(|| c.value(r).to_owned())
                        })
                        .collect(),
                );
            }
        }
        let expected: Vec<Vec<Option<String>>> = case
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| (!v.is_empty()).then(|| v.clone()))
                    .collect()
            })
            .collect();
        assert_eq!(
            rows, expected,
            "{name} ({what}): table as text, {batch_rows} rows a batch"
        );
        check_report(case, &format!("{what}, table as text"), reader.report());
    }

    // A table with inferred types: the same rows (none of these cases has a
    // value that does not fit its column's type).
    let mut reader = table(&input, &TableOptions::default()).unwrap();
    let rows: usize = (&mut reader).map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, case.rows.len(), "{name} ({what}): typed table rows");
    check_report(case, &format!("{what}, typed table"), reader.report());
}

fn check_case(case: &Case, folder: &Path) {
    let name = &case.name;
    let tab = case.file.ends_with(".tsv");
    // The splitter gives the `csv` crate's records, fast path or not, however the input arrives.
    let expected = csv_crate(&case.content, tab);
    for fast in [true, false] {
        for step in [1, 2, 3, 7, 64, 1 << 20] {
            assert_eq!(
                display(&split(&case.content, tab, step, fast)),
                display(&expected),
                "{name}: split {step} bytes at a time, fast path {fast}"
            );
        }
    }
    // The csv crate's header and number of records are the case's.
    let header: Vec<String> = expected
        .first()
        .map(|h| {
            h.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(header, case.header, "{name}: the csv crate's header");
    assert_eq!(
        expected.len().saturating_sub(1),
        case.records,
        "{name}: data records as the csv crate reads them"
    );
    if case.records == case.rows.len() + case.malformed.len() && case.invalid_utf8 == 0 {
        // Without resumed reading, the rows are the csv crate's well-formed records.
        let well_formed: Vec<Vec<String>> = display(&expected)
            .into_iter()
            .skip(1)
            .filter(|r| r.len() == case.header.len())
            .collect();
        if case
            .malformed
            .iter()
            .all(|m| m.message.contains("fields, found"))
        {
            assert_eq!(
                well_formed, case.rows,
                "{name}: the csv crate's well-formed records"
            );
        }
    }
    for compression in ["", ".gz", ".zst"] {
        let bytes = match compression {
            ".gz" => gzip(&case.content),
            ".zst" => zstd::encode_all(case.content.as_slice(), 3).unwrap(),
            _ => case.content.clone(),
        };
        let path = folder.join(format!("{}{compression}", case.file));
        std::fs::write(&path, bytes).unwrap();
        for threshold in [u64::MAX, 0] {
            pipeline::TEST_THRESHOLD.with(|t| t.set(Some(threshold)));
            check_readers(case, &path);
        }
        pipeline::TEST_THRESHOLD.with(|t| t.set(None));
    }
}

#[test]
fn own_cases_read_as_expected() {
    let cases = own_cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for case in &cases {
        let folder = tempfile::tempdir().unwrap();
        check_case(case, folder.path());
    }
}

#[test]
fn csv_spectrum_reads_as_expected() {
    let Some(cases) = corpus_cases() else {
        return;
    };
    for case in &cases {
        let folder = tempfile::tempdir().unwrap();
        check_case(case, folder.path());
    }
}
