//! Tests through the public surface: files written to a temporary folder, read back.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use super::*;

fn write(folder: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = folder.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs a test twice: every input read inline, then every input read on a thread.
fn inline_and_threaded(test: impl Fn()) {
    for threshold in [u64::MAX, 0] {
        pipeline::TEST_THRESHOLD.with(|t| t.set(Some(threshold)));
        test();
    }
    pipeline::TEST_THRESHOLD.with(|t| t.set(None));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

fn input(path: &Path) -> Input {
    let mut inputs = discover(&[path.to_path_buf()]).unwrap();
    assert_eq!(inputs.len(), 1);
    inputs.remove(0)
}

/// A unit as (record, field, text).
type Unit = (Option<u64>, Option<String>, String);

/// Units and the report.
fn units(input: &Input, fields: &[&str]) -> (Vec<Unit>, ReadReport) {
    let options = TextOptions {
        fields: fields.iter().map(|f| f.to_string()).collect(),
        ..TextOptions::default()
    };
    let mut reader = text_units(input, &options).unwrap();
    let units = (&mut reader)
        .map(|u| u.unwrap())
        .map(|u| (u.record, u.field, u.text))
        .collect();
    (units, reader.report().clone())
}

fn unit(record: u64, field: &str, text: &str) -> Unit {
    (Some(record), Some(field.to_string()), text.to_string())
}

#[test]
fn formats_and_compression_come_from_the_name() {
    let cases = [
        ("a.txt", Format::Text, Compression::None, false),
        ("a", Format::Text, Compression::None, false),
        ("a.jsonl", Format::Jsonl, Compression::None, false),
        ("a.NDJSON", Format::Jsonl, Compression::None, false),
        ("a.jsonl.gz", Format::Jsonl, Compression::Gzip, false),
        ("a.csv.zst", Format::Csv, Compression::Zstd, false),
        ("a.tsv", Format::Csv, Compression::None, true),
        ("a.tsv.gz", Format::Csv, Compression::Gzip, true),
        ("a.parquet", Format::Parquet, Compression::None, false),
        ("a.txt.gz", Format::Text, Compression::Gzip, false),
        ("a.gz", Format::Text, Compression::Gzip, false),
        ("a.json", Format::Text, Compression::None, false),
        ("csv", Format::Text, Compression::None, false),
    ];
    for (name, format, compression, tab) in cases {
        assert_eq!(
            discover::classify(Path::new(name)),
            (format, compression, tab),
            "{name}"
        );
    }
}

#[test]
fn folders_are_walked_recursively_sorted_without_hidden_entries() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "b.txt", b"b");
    write(root, "a/z.csv", b"x\n1\n");
    write(root, "a/c/d.jsonl.gz", &gzip(b"{}\n"));
    write(root, "a/.hidden.txt", b"h");
    write(root, ".git/config", b"h");
    write(root, "c.parquet", b"");
    let inputs = discover(&[root.to_path_buf()]).unwrap();
    let shown: Vec<String> = inputs
        .iter()
        .map(|i| {
            i.display
                .strip_prefix(&root.display().to_string())
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        shown,
        ["/a/c/d.jsonl.gz", "/a/z.csv", "/b.txt", "/c.parquet"]
    );
    assert_eq!(inputs[0].format, Format::Jsonl);
    assert_eq!(inputs[0].compression, Compression::Gzip);
    assert_eq!(inputs[2].size, 1);
    // A file named explicitly is taken even when hidden; paths keep the order given.
    let explicit = discover(&[root.join("b.txt"), root.join("a/.hidden.txt")]).unwrap();
    assert_eq!(explicit.len(), 2);
    assert!(explicit[1].display.ends_with(".hidden.txt"));
}

#[test]
fn a_missing_path_is_not_found() {
    let folder = tempfile::tempdir().unwrap();
    let error = discover(&[folder.path().join("nope.txt")]).unwrap_err();
    assert!(matches!(error, DataError::NotFound { .. }), "{error:?}");
    assert!(
        error.to_string().contains("nope.txt` does not exist"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_entries_are_inputs_whose_opening_fails() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "good.txt", b"ok");
    std::os::unix::fs::symlink(root.join("gone.txt"), root.join("broken.txt")).unwrap();
    let inputs = discover(&[root.to_path_buf()]).unwrap();
    assert_eq!(inputs.len(), 2);
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|i| text_units(i, &TextOptions::default()).err())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].contains("broken.txt"), "{failures:?}");
}

#[test]
fn compressed_inputs_are_read_transparently() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        let text = "hello\nworld\n".repeat(1000);
        let inputs = [
            write(folder.path(), "a.txt", text.as_bytes()),
            write(folder.path(), "b.txt.gz", &gzip(text.as_bytes())),
            write(folder.path(), "c.txt.zst", &zstd(text.as_bytes())),
        ];
        for path in inputs {
            let mut read = String::new();
            open(&input(&path))
                .unwrap()
                .read_to_string(&mut read)
                .unwrap();
            assert_eq!(read, text, "{}", path.display());
        }
        // Concatenated gzip members (bgzip) are read whole.
        let mut two = gzip(b"one\n");
        two.extend(gzip(b"two\n"));
        let path = write(folder.path(), "d.txt.gz", &two);
        let (units, _) = units(&input(&path), &[]);
        assert_eq!(
            units.iter().map(|u| u.2.as_str()).collect::<String>(),
            "one\ntwo\n"
        );
        // A corrupt stream ends the iterator with an error naming the file.
        let mut corrupt = gzip(text.as_bytes());
        let middle = corrupt.len() / 2;
        corrupt[middle..].fill(0xAA);
        let path = write(folder.path(), "e.txt.gz", &corrupt);
        let results: Vec<_> = text_units(&input(&path), &TextOptions::default())
            .unwrap()
            .collect();
        let error = results.last().unwrap().as_ref().unwrap_err();
        assert!(error.to_string().contains("e.txt.gz"), "{error}");
        // Tables and JSON lines too, after the batches read before the damage.
        let mut csv = String::from("a,b\n");
        let mut jsonl = String::new();
        let mut random = 1u64;
        for i in 0..20_000 {
            random = random
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            csv.push_str(&format!("{i},{}\n", random >> 20));
            jsonl.push_str(&format!("{{\"a\": {i}, \"b\": \"{}\"}}\n", random >> 20));
        }
        for (name, content) in [("f.csv.gz", csv), ("f.jsonl.gz", jsonl)] {
            let mut corrupt = gzip(content.as_bytes());
            let middle = corrupt.len() / 2;
            corrupt[middle..].fill(0xAA);
            let path = write(folder.path(), name, &corrupt);
            let options = TableOptions {
                columns: vec!["a".into()],
                batch_rows: 100,
                ..TableOptions::default()
            };
            let results: Vec<_> = table(&input(&path), &options).unwrap().collect();
            assert!(results.len() > 2, "{name}");
            assert!(
                results[..results.len() - 1].iter().all(Result::is_ok),
                "{name}"
            );
            let error = results.last().unwrap().as_ref().unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
            let results: Vec<_> = text_units(&input(&path), &TextOptions::default())
                .unwrap()
                .collect();
            assert!(results.last().unwrap().is_err(), "{name}");
        }
    });
}

use std::io::Read as _;

/// Reads plain text in small units and checks every unit against the file.
fn check_plain(bytes: &[u8], chunk: usize, compression: &str) -> (Vec<TextUnit>, ReadReport) {
    let folder = tempfile::tempdir().unwrap();
    let stored = match compression {
        "gz" => gzip(bytes),
        "zst" => zstd(bytes),
        _ => bytes.to_vec(),
    };
    let name = if compression.is_empty() {
        "t.txt".to_string()
    } else {
        format!("t.txt.{compression}")
    };
    let path = write(folder.path(), &name, &stored);
    let options = TextOptions {
        fields: Vec::new(),
        chunk_bytes: chunk,
    };
    let mut reader = text_units(&input(&path), &options).unwrap();
    let units: Vec<TextUnit> = (&mut reader).map(|u| u.unwrap()).collect();
    let mut expected_offset = 0;
    for unit in &units {
        assert_eq!(unit.offset, expected_offset);
        assert_eq!(unit.text.len(), unit.text.len());
        assert!(
            unit.text.len() <= chunk.max(4),
            "a unit of {} bytes for chunks of {chunk}",
            unit.text.len()
        );
        assert!(!unit.text.is_empty());
        expected_offset += unit.text.len() as u64;
    }
    assert_eq!(expected_offset, bytes.len() as u64);
    assert_eq!(reader.report().bytes, bytes.len() as u64);
    assert_eq!(reader.report().records, units.len() as u64);
    (units, reader.report().clone())
}

#[test]
fn plain_text_offsets_are_byte_offsets_of_the_file() {
    inline_and_threaded(|| {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!(
                "line {i}: 张三 的邮箱 zhang{i}@example.com，电话 138{i:08}\n"
            ));
        }
        for compression in ["", "gz", "zst"] {
            for chunk in [64, 100, 4096, 1 << 20] {
                let (units, report) = check_plain(text.as_bytes(), chunk, compression);
                assert_eq!(report.invalid_utf8, 0);
                // Every needle found in units is where it is in the file.
                let mut found = Vec::new();
                for unit in &units {
                    for (i, _) in unit.text.match_indices("@example.com") {
                        found.push(unit.offset + i as u64);
                    }
                    // Units end at line ends where there is one in reach.
                    if chunk >= 100 && unit.offset + (unit.text.len() as u64) < text.len() as u64 {
                        assert!(unit.text.ends_with('\n'), "chunk {chunk}: {:?}", unit.text);
                    }
                }
                let expected: Vec<u64> = text
                    .match_indices("@example.com")
                    .map(|(i, _)| i as u64)
                    .collect();
                assert_eq!(found, expected, "chunk {chunk} {compression}");
                assert_eq!(
                    units.iter().map(|u| u.text.as_str()).collect::<String>(),
                    text
                );
            }
        }
    });
}

#[test]
fn a_line_of_several_megabytes_is_cut_at_whitespace_or_characters() {
    inline_and_threaded(|| {
        // Words: cut after a space.
        let words = "word ".repeat(1_200_000) + "end";
        let (units, _) = check_plain(words.as_bytes(), 1 << 20, "gz");
        assert_eq!(units.len(), 6);
        for unit in &units[..units.len() - 1] {
            assert!(unit.text.ends_with(' '));
            assert!(unit.text.len() > (1 << 20) - 5);
        }
        // Chinese without spaces or lines: cut between characters, never inside one.
        let chinese = "数据安全".repeat(500_000);
        let (units, report) = check_plain(chinese.as_bytes(), 1 << 20, "");
        assert_eq!(report.invalid_utf8, 0);
        assert_eq!(units.len(), 6);
        assert_eq!(
            units.iter().map(|u| u.text.as_str()).collect::<String>(),
            chinese
        );
        // Four-byte characters and tiny chunks: a unit holds at least one character.
        let emoji = "a😀b😀😀c".repeat(10);
        for chunk in 1..9 {
            let (units, _) = check_plain(emoji.as_bytes(), chunk, "");
            assert_eq!(
                units.iter().map(|u| u.text.as_str()).collect::<String>(),
                emoji
            );
        }
    });
}

#[test]
fn invalid_utf8_in_plain_text_is_substituted_byte_for_byte_and_counted() {
    inline_and_threaded(|| {
        let bytes = b"ab\xFFcd\xE4\xB8 ok \xF0\x9F\x98\x80 \x80\x80\x80\x80z@x.org\n".repeat(3);
        let (units, report) = check_plain(&bytes, 1 << 20, "");
        // Each stray continuation byte is a sequence of its own, as `from_utf8_lossy` counts.
        assert_eq!(report.invalid_utf8, 18);
        let text: String = units.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(text.len(), bytes.len());
        assert_eq!(
            text.find("z@x.org"),
            bytes.windows(7).position(|w| w == b"z@x.org")
        );
        assert!(text.starts_with("ab\u{1A}cd\u{1A}\u{1A} ok 😀 \u{1A}\u{1A}\u{1A}\u{1A}z@x.org"));
        // Cut into small units, the count is the same and offsets still hold.
        let (_, report) = check_plain(&bytes, 7, "");
        assert_eq!(report.invalid_utf8, 18);
    });
}

#[test]
fn empty_files_give_nothing() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        for name in [
            "e.txt",
            "e.jsonl",
            "e.csv",
            "e.tsv",
            "e.txt.gz",
            "e.jsonl.zst",
        ] {
            let bytes = match name {
                n if n.ends_with(".gz") => gzip(b""),
                n if n.ends_with(".zst") => zstd(b""),
                _ => Vec::new(),
            };
            let path = write(folder.path(), name, &bytes);
            let (units, report) = units(&input(&path), &[]);
            assert!(units.is_empty(), "{name}");
            assert_eq!(report.malformed, 0, "{name}");
            if name.contains("csv") || name.contains("tsv") || name.contains("jsonl") {
                let columns_read = columns(&input(&path)).unwrap();
                assert!(columns_read.is_empty());
                let batches: Vec<_> = table(&input(&path), &TableOptions::default())
                    .unwrap()
                    .collect();
                assert!(batches.is_empty(), "{name}");
            }
        }
    });
}

/// A case for the text harness: a file, the fields asked for, what comes out.
struct TextCase {
    name: &'static str,
    file: &'static str,
    content: &'static [u8],
    fields: &'static [&'static str],
    units: &'static [(u64, &'static str, &'static str)],
    /// Malformed records: (1-based line, a piece of the message).
    malformed: &'static [(u64, &'static str)],
    invalid_utf8: u64,
}

const TEXT_CASES: &[TextCase] = &[
    TextCase {
        name: "jsonl every string with its pointer",
        file: "a.jsonl",
        content: b"{\"id\": 1, \"text\": \"hi\", \"meta\": {\"a/b\": \"x\", \"tags\": [\"t0\", 5, \"t2\"], \"n\": null}}\n\n{\"text\": \"\"}\n",
        fields: &[],
        units: &[(0, "/text", "hi"), (0, "/meta/a~1b", "x"), (0, "/meta/tags/0", "t0"), (0, "/meta/tags/2", "t2")],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "jsonl chosen fields, pointers and stringified numbers, in document order, once each",
        file: "a.jsonl",
        content: b"{\"id\": 7, \"text\": \"hi\", \"meta\": {\"title\": \"T\", \"tags\": [\"a\", \"b\"]}}\n{\"text\": \"yo\"}\r\n",
        fields: &["text", "/meta/title", "id", "meta"],
        units: &[
            (0, "id", "7"),
            (0, "text", "hi"),
            (0, "/meta/title", "T"),
            (0, "/meta/tags/0", "a"),
            (0, "/meta/tags/1", "b"),
            (1, "text", "yo"),
        ],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "jsonl pointers into arrays, escaped keys and strings",
        file: "a.jsonl",
        content: "{\"a/b\": \"slash\", \"q\\\"k\": \"quote\", \"tags\": [{\"x\": 1.5}, {\"x\": \"\\u4e2d\\n\"}], \"t~\": [\"z\"]}\n[\"top\", {\"tags\": 1}]\n\"just a string\"\n".as_bytes(),
        fields: &["a/b", "/tags/1/x", "/tags/0/x", "/t~0", "q\"k"],
        units: &[
            (0, "a/b", "slash"),
            (0, "q\"k", "quote"),
            (0, "/tags/0/x", "1.5"),
            (0, "/tags/1/x", "中\n"),
            (0, "/t~0/0", "z"),
        ],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "jsonl every string of any value",
        file: "a.jsonl",
        content: "[\"top\", {\"k~/\": [\"deep\"]}, 3]\n\"just a string\"\n{\"a\": true}\n".as_bytes(),
        fields: &[],
        units: &[(0, "/0", "top"), (0, "/1/k~0~1/0", "deep"), (1, "", "just a string")],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "jsonl malformed lines are counted with their line numbers and skipped",
        file: "a.jsonl",
        content: b"{\"text\": \"one\"}\n{\"text\": \"two\"\n\nnot json\n{\"text\": \"four\"}\n{\"text\": \"fi\xFFve\"}",
        fields: &["text"],
        units: &[(0, "text", "one"), (4, "text", "four"), (5, "text", "fi\u{FFFD}ve")],
        malformed: &[(2, "invalid JSON at column 14: EOF while parsing an object"), (4, "invalid JSON at column 2: expected ident")],
        invalid_utf8: 1,
    },
    TextCase {
        name: "jsonl with a byte order mark",
        file: "a.ndjson",
        content: b"\xEF\xBB\xBF{\"text\": \"bom\"}\n",
        fields: &[],
        units: &[(0, "/text", "bom")],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "csv chosen columns keep values as written",
        file: "a.csv",
        content: b"id,name,phone\n1,Ann,007\n2,\"Lee, Bo\",\"13800138000\"\n3,,x\n",
        fields: &["phone", "name"],
        units: &[(0, "phone", "007"), (0, "name", "Ann"), (1, "phone", "13800138000"), (1, "name", "Lee, Bo"), (2, "phone", "x")],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "csv every column, quoted lines and CRLF",
        file: "a.csv",
        content: b"\xEF\xBB\xBFa,b\r\n\"multi\r\nline\",\"say \"\"hi\"\"\"\r\n\r\nx,y",
        fields: &[],
        units: &[(0, "a", "multi\r\nline"), (0, "b", "say \"hi\""), (1, "a", "x"), (1, "b", "y")],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "csv rows with the wrong number of fields are counted and skipped",
        file: "a.csv",
        content: b"a,b\n1,2\n3\n4,5,6\n7,8\n9,\xFF\n",
        fields: &[],
        units: &[(0, "a", "1"), (0, "b", "2"), (3, "a", "7"), (3, "b", "8"), (4, "a", "9"), (4, "b", "\u{FFFD}")],
        malformed: &[(3, "row 1: expected 2 fields, found 1"), (4, "row 2: expected 2 fields, found 3")],
        invalid_utf8: 1,
    },
    TextCase {
        name: "csv unbalanced quote drops only its own line",
        file: "a.csv",
        content: b"a,b\n1,2\n3,\"oops\n5,6\n7,8\n",
        fields: &["a"],
        units: &[(0, "a", "1"), (2, "a", "5"), (3, "a", "7")],
        malformed: &[(3, "row 1: a quote that is never closed")],
        invalid_utf8: 0,
    },
    TextCase {
        name: "tsv is tab-separated",
        file: "a.tsv",
        content: b"a\tb,c\n1\tx,y\n",
        fields: &["b,c"],
        units: &[(0, "b,c", "x,y")],
        malformed: &[],
        invalid_utf8: 0,
    },
    TextCase {
        name: "csv header only",
        file: "a.csv",
        content: b"a,b\n",
        fields: &["b"],
        units: &[],
        malformed: &[],
        invalid_utf8: 0,
    },
];

#[test]
fn text_cases() {
    inline_and_threaded(|| {
        for case in TEXT_CASES {
            let folder = tempfile::tempdir().unwrap();
            for compression in ["", ".gz", ".zst"] {
                let content = match compression {
                    ".gz" => gzip(case.content),
                    ".zst" => zstd(case.content),
                    _ => case.content.to_vec(),
                };
                let path = write(
                    folder.path(),
                    &format!("{}{compression}", case.file),
                    &content,
                );
                let (got, report) = units(&input(&path), case.fields);
                let expected: Vec<_> = case.units.iter().map(|(r, f, t)| unit(*r, f, t)).collect();
                assert_eq!(got, expected, "{} {compression}", case.name);
                assert_eq!(
                    report.malformed,
                    case.malformed.len() as u64,
                    "{}: {:?}",
                    case.name,
                    report.malformed_examples
                );
                for ((line, message), (expected_line, piece)) in
                    report.malformed_examples.iter().zip(case.malformed)
                {
                    assert_eq!(line, expected_line, "{}: {message}", case.name);
                    assert!(
                        message.contains(piece),
                        "{}: `{message}` lacks `{piece}`",
                        case.name
                    );
                }
                assert_eq!(report.invalid_utf8, case.invalid_utf8, "{}", case.name);
                assert_eq!(report.bytes, case.content.len() as u64, "{}", case.name);
            }
        }
    });
}

#[test]
fn a_missing_column_names_the_columns_that_exist() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        let csv = write(folder.path(), "a.csv", b"name,email\nAnn,a@x.org\n");
        let jsonl = write(
            folder.path(),
            "a.jsonl",
            b"{\"text\": \"x\", \"meta\": {\"t\": 1}}\n{\"other\": 1}\n",
        );
        let cases = [
            (
                &csv,
                vec!["emial", "name"],
                "has no column `emial`; it has: `name`, `email`",
            ),
            (
                &jsonl,
                vec!["txt", "/meta/t", "/meta/u"],
                "has no column `txt`, `/meta/u`; it has: `text`, `meta`, `other`",
            ),
        ];
        for (path, fields, message) in cases {
            let options = TextOptions {
                fields: fields.iter().map(|f| f.to_string()).collect(),
                ..TextOptions::default()
            };
            let error = text_units(&input(path), &options).unwrap_err();
            assert!(matches!(error, DataError::MissingColumns { .. }));
            assert!(error.to_string().contains(message), "{error}");
            let columns: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
            let error = table(
                &input(path),
                &TableOptions {
                    columns,
                    batch_rows: 10,
                    ..TableOptions::default()
                },
            )
            .unwrap_err();
            assert!(error.to_string().contains("has no column `"), "{error}");
        }
        assert_eq!(columns(&input(&csv)).unwrap(), ["name", "email"]);
        assert_eq!(columns(&input(&jsonl)).unwrap(), ["text", "meta", "other"]);
        let text = write(folder.path(), "a.txt", b"x");
        assert!(matches!(
            columns(&input(&text)),
            Err(DataError::Format { .. })
        ));
        assert!(matches!(
            table(&input(&text), &TableOptions::default()),
            Err(DataError::Format { .. })
        ));
    });
}

fn read_table(path: &Path, columns: &[&str], batch_rows: usize) -> (Vec<RecordBatch>, ReadReport) {
    let options = TableOptions {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        batch_rows,
        ..TableOptions::default()
    };
    let mut reader = table(&input(path), &options).unwrap();
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = (&mut reader).map(|b| b.unwrap()).collect();
    for batch in &batches {
        assert_eq!(batch.schema(), schema);
        assert!(batch.num_rows() <= batch_rows);
    }
    (batches, reader.report().clone())
}

fn int_column(batches: &[RecordBatch], column: usize) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(column)
                .as_primitive::<Int64Type>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

fn string_column(batches: &[RecordBatch], column: usize) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(column)
                .as_string::<i32>()
                .iter()
                .map(|s| s.map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn csv_tables_infer_types_project_columns_and_report_bad_rows() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        // Types are inferred from the first 1,000 rows: the bad rows come after.
        let mut content = String::from("sex,race,label,score,pred\n");
        for i in 0..1025 {
            content.push_str(&format!(
                "{},{},{},{}.5,{}\n",
                ["F", "M"][i % 2],
                "A",
                i % 2,
                i,
                i % 3
            ));
        }
        // Row 1025 (line 1027): a field too many; row 1026: a label that is not a number;
        // row 27: a quoted field that never closes, swallowing the lines after it.
        content.push_str("F,A,1,1.0,1,extra\nM,A,yes,2.0,0\nF,\"A,1,2.0,1\n");
        for i in 0..5 {
            content.push_str(&format!("M,B,{},{}.0,1\n", i % 2, i));
        }
        for (name, bytes) in [
            ("t.csv", content.clone().into_bytes()),
            ("t.csv.zst", zstd(content.as_bytes())),
            ("t.tsv.gz", gzip(content.replace(',', "\t").as_bytes())),
        ] {
            let path = write(folder.path(), name, &bytes);
            let (batches, report) = read_table(&path, &["label", "sex", "score"], 7);
            let schema = batches[0].schema();
            assert_eq!(
                schema.field(0),
                &Field::new("label", DataType::Int64, true),
                "{name}"
            );
            assert_eq!(schema.field(1).data_type(), &DataType::Utf8);
            assert_eq!(schema.field(2).data_type(), &DataType::Float64);
            let labels = int_column(&batches, 0);
            assert_eq!(
                labels.len(),
                1030,
                "{name}: {:?}",
                report.malformed_examples
            );
            assert_eq!(labels[..4], [Some(0), Some(1), Some(0), Some(1)]);
            assert_eq!(
                labels[1025..],
                [Some(0), Some(1), Some(0), Some(1), Some(0)]
            );
            assert_eq!(string_column(&batches, 1)[1029].as_deref(), Some("M"));
            let scores: Vec<f64> = batches
                .iter()
                .flat_map(|b| b.column(2).as_primitive::<Float64Type>().values().to_vec())
                .collect();
            assert_eq!(scores[24], 24.5);
            assert_eq!(report.records, 1030);
            assert_eq!(
                report.malformed, 3,
                "{name}: {:?}",
                report.malformed_examples
            );
            let lines: Vec<u64> = report.malformed_examples.iter().map(|e| e.0).collect();
            assert_eq!(
                lines,
                [1027, 1028, 1029],
                "{name}: {:?}",
                report.malformed_examples
            );
            assert!(
                report.malformed_examples[0]
                    .1
                    .contains("row 1025: expected 5 fields, found 6")
            );
            assert!(
                report.malformed_examples[1].1.contains("row 1026: ")
                    && report.malformed_examples[1].1.contains("yes")
            );
            assert!(
                report.malformed_examples[1]
                    .1
                    .contains("value `yes` in column `label` is not of type `Int64`"),
                "{:?}",
                report.malformed_examples[1]
            );
            assert!(
                !report.malformed_examples[1].1.contains("at line"),
                "{:?}",
                report.malformed_examples[1]
            );
            assert_eq!(report.bytes, content.len() as u64);
        }
    });
}

#[test]
fn csv_tables_read_every_column_when_none_are_named() {
    let folder = tempfile::tempdir().unwrap();
    let path = write(folder.path(), "t.csv", b"a,b,c\n1,,x\n2,,y\n");
    let (batches, _) = read_table(&path, &[], 100);
    assert_eq!(batches.len(), 1);
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    // An all-empty column is text, all null.
    assert_eq!(schema.field(1).data_type(), &DataType::Utf8);
    assert_eq!(batches[0].column(1).null_count(), 2);
}

/// Issue 9: a CSV file written with CRLF line ends and minimal quoting (as
/// Python's csv module writes by default) was read as about 30 rows: the
/// records were handed to Arrow's decoder as written, and Arrow, counting a
/// CRLF as a record end at its CR, stopped each batch one byte short of its
/// last record's LF and called the rows malformed. Every row must be read,
/// in batches of any size, inline and on threads, typed and as text.
#[test]
fn crlf_csv_as_pythons_csv_module_writes_it_is_read_whole() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        let rows = 20_000;
        let mut writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer
            .write_record(["id", "sex", "race", "selected", "score", "text"])
            .unwrap();
        let mut selected = 0;
        for i in 0..rows {
            let text = match i % 10 {
                0 => format!("Contact me, \"Bob\", at bob{i}@example.com\nor call 555-0100"),
                1 => "line one\r\nline two, with comma".to_owned(),
                2 => "said \"hi\"".to_owned(),
                3 => String::new(),
                _ => format!("plain note {i}"),
            };
            selected += (i % 3 == 0) as i64;
            writer
                .write_record([
                    i.to_string(),
                    ["F", "M"][i % 2].to_owned(),
                    ["Asian", "Black", "White"][i % 3].to_owned(),
                    ((i % 3 == 0) as i64).to_string(),
                    format!("0.{}", i % 100),
                    text,
                ])
                .unwrap();
        }
        let content = writer.into_inner().unwrap();
        assert!(content.windows(2).filter(|w| w == b"\r\n").count() > rows);
        for (name, bytes) in [
            ("python.csv", content.clone()),
            ("python.csv.gz", gzip(&content)),
        ] {
            let path = write(folder.path(), name, &bytes);
            for text in [false, true] {
                let options = TableOptions {
                    columns: vec!["selected".into(), "text".into(), "id".into()],
                    batch_rows: 999,
                    text,
                };
                let mut reader = table(&input(&path), &options).unwrap();
                let batches: Vec<RecordBatch> = (&mut reader).map(|b| b.unwrap()).collect();
                let report = reader.report().clone();
                assert_eq!(
                    report.malformed, 0,
                    "{name}: {:?}",
                    report.malformed_examples
                );
                assert_eq!(report.records, rows as u64, "{name}");
                let ids: Vec<i64> = if text {
                    string_column(&batches, 2)
                        .iter()
                        .map(|v| v.as_deref().unwrap().parse().unwrap())
                        .collect()
                } else {
                    int_column(&batches, 2).iter().map(|v| v.unwrap()).collect()
                };
                assert_eq!(ids, (0..rows as i64).collect::<Vec<_>>(), "{name}");
                let total: i64 = if text {
                    string_column(&batches, 0)
                        .iter()
                        .map(|v| v.as_deref().unwrap().parse::<i64>().unwrap())
                        .sum()
                } else {
                    int_column(&batches, 0).iter().map(|v| v.unwrap()).sum()
                };
                assert_eq!(total, selected);
                let texts = string_column(&batches, 1);
                assert_eq!(
                    texts[10].as_deref(),
                    Some("Contact me, \"Bob\", at bob10@example.com\nor call 555-0100")
                );
                assert_eq!(
                    texts[11].as_deref(),
                    Some("line one\r\nline two, with comma")
                );
                assert_eq!(texts[13], None);
                assert_eq!(texts[rows - 1].as_deref(), Some("plain note 19999"));
            }
            let (units, report) = units(&input(&path), &["text"]);
            assert_eq!(report.records, rows as u64);
            assert_eq!(report.malformed, 0);
            assert_eq!(units.len(), rows - rows / 10);
            assert_eq!(
                units[1],
                unit(1, "text", "line one\r\nline two, with comma")
            );
        }
    });
}

/// Without `text`, a value that does not fit the type inferred from the first
/// 1,000 rows makes its row malformed (reported with the value and column);
/// with `text`, every row is read and the value is kept as written.
#[test]
fn text_tables_never_reject_a_value_for_its_type() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        let mut csv = String::from("group,score,when\r\n");
        let mut jsonl = String::new();
        for i in 0..6000 {
            let score = if i == 4999 {
                "NA".to_owned()
            } else {
                i.to_string()
            };
            csv.push_str(&format!("g{},{score},2025-01-0{}\r\n", i % 2, 1 + i % 9));
            let value = if i == 4999 {
                "\"NA\"".to_owned()
            } else {
                i.to_string()
            };
            jsonl.push_str(&format!(
                "{{\"group\": \"g{}\", \"score\": {value}}}\n",
                i % 2
            ));
        }
        let csv = write(folder.path(), "t.csv.zst", &zstd(csv.as_bytes()));
        let jsonl = write(folder.path(), "t.jsonl", jsonl.as_bytes());
        for path in [&csv, &jsonl] {
            let typed = table(
                &input(path),
                &TableOptions {
                    columns: vec!["score".into()],
                    batch_rows: 512,
                    ..TableOptions::default()
                },
            )
            .unwrap();
            assert_eq!(typed.schema().field(0).data_type(), &DataType::Int64);
            let mut typed = typed;
            let rows: usize = (&mut typed).map(|b| b.unwrap().num_rows()).sum();
            assert_eq!(rows, 5999, "{}", path.display());
            assert_eq!(typed.report().malformed, 1);
            let (line, message) = &typed.report().malformed_examples[0];
            if path == &csv {
                assert_eq!(*line, 5001);
                assert_eq!(
                    message,
                    "row 4999: value `NA` in column `score` is not of type `Int64`, the type \
                     inferred from the first 1,000 rows (hint: read the table as text to take \
                     every value as written)"
                );
            } else {
                assert_eq!(*line, 5000);
            }

            let mut text = table(
                &input(path),
                &TableOptions {
                    columns: vec!["score".into(), "group".into()],
                    batch_rows: 512,
                    text: true,
                },
            )
            .unwrap();
            assert!(
                text.schema()
                    .fields()
                    .iter()
                    .all(|f| f.data_type() == &DataType::Utf8)
            );
            let batches: Vec<RecordBatch> = (&mut text).map(|b| b.unwrap()).collect();
            assert_eq!(text.report().malformed, 0);
            assert_eq!(text.report().records, 6000);
            let scores = string_column(&batches, 0);
            assert_eq!(scores.len(), 6000);
            assert_eq!(scores[4998].as_deref(), Some("4998"));
            assert_eq!(scores[4999].as_deref(), Some("NA"));
            assert_eq!(string_column(&batches, 1)[5999].as_deref(), Some("g1"));
        }
    });
}

/// JSON lines as text: strings as they are, numbers and booleans as written,
/// objects and arrays as compact JSON, null and missing keys as null; a line
/// that is not an object is malformed. A byte order mark before the first
/// line is dropped, compressed or not.
#[test]
fn jsonl_tables_as_text_keep_values_as_written() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        let content = "\u{feff}{\"s\": \"a \\\"q\\\" \\u4e2d\", \"n\": 1.50, \"e\": 1e3, \"b\": true, \"o\": {\"k\": [1, 2.0, \"x y\"], \"z\": null}, \"a\": [ ], \"x\": null}\n\
                       {\"n\": -0, \"s\": \"\", \"b\": false, \"o\": \"str\", \"n\": 7}\n\
                       \n\
                       [1, 2]\n\
                       {\"s\": \"last\"}\n";
        for (name, bytes) in [
            ("t.jsonl", content.as_bytes().to_vec()),
            ("t.jsonl.gz", gzip(content.as_bytes())),
            ("t.jsonl.zst", zstd(content.as_bytes())),
        ] {
            let path = write(folder.path(), name, &bytes);
            let mut reader = table(
                &input(&path),
                &TableOptions {
                    text: true,
                    ..TableOptions::default()
                },
            )
            .unwrap();
            let schema = reader.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            assert_eq!(names, ["s", "n", "e", "b", "o", "a", "x"], "{name}");
            let batches: Vec<RecordBatch> = (&mut reader).map(|b| b.unwrap()).collect();
            let column = |i| string_column(&batches, i);
            let some = |s: &str| Some(s.to_owned());
            assert_eq!(
                column(0),
                [some("a \"q\" 中"), some(""), some("last")],
                "{name}"
            );
            // A key given twice: the last value counts.
            assert_eq!(column(1), [some("1.50"), some("7"), None]);
            assert_eq!(column(2), [some("1e3"), None, None]);
            assert_eq!(column(3), [some("true"), some("false"), None]);
            assert_eq!(
                column(4),
                [
                    some("{\"k\":[1,2.0,\"x y\"],\"z\":null}"),
                    some("str"),
                    None
                ]
            );
            assert_eq!(column(5), [some("[]"), None, None]);
            assert_eq!(column(6), [None, None, None]);
            let report = reader.report();
            assert_eq!(report.records, 3);
            assert_eq!(report.malformed, 1);
            assert_eq!(report.malformed_examples[0].0, 4);
            assert!(
                report.malformed_examples[0]
                    .1
                    .contains("expected a JSON object"),
                "{:?}",
                report.malformed_examples
            );
            // Text units of the same file: the first line parses, and its
            // string is a field's text (offset 0 into the value).
            let (units, report) = units(&input(&path), &["s"]);
            assert_eq!(units[0], unit(0, "s", "a \"q\" 中"));
            assert_eq!(report.malformed, 0);
        }
    });
}

/// A byte order mark at the start of plain text is text like any other: it
/// stays in the first unit (as U+FEFF, three bytes), so that offsets stay
/// byte offsets of the file.
#[test]
fn a_byte_order_mark_in_plain_text_keeps_offsets_those_of_the_file() {
    let folder = tempfile::tempdir().unwrap();
    let path = write(
        folder.path(),
        "bom.txt",
        "\u{feff}call 555-0100\n".as_bytes(),
    );
    let (units, _) = units(&input(&path), &[]);
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].2, "\u{feff}call 555-0100\n");
    let file = std::fs::read(&path).unwrap();
    let at = units[0].2.find("555").unwrap();
    assert_eq!(&file[at..at + 3], b"555");
}

#[test]
fn jsonl_tables_report_bad_lines_and_read_the_rest() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        // Types are inferred from the first 1,000 records: the bad lines come after.
        let mut content = String::new();
        for i in 0..1020 {
            content.push_str(&format!(
                "{{\"sex\": \"{}\", \"label\": {}, \"extra\": [1]}}\n",
                ["F", "M"][i % 2],
                i % 2
            ));
        }
        content.push_str("{\"sex\": \"F\", \"label\": \n\n[1, 2]\n{\"sex\": \"M\", \"label\": {\"no\": 1}}\n{\"sex\": 5, \"label\": 1}\n");
        let path = write(folder.path(), "t.jsonl.gz", &gzip(content.as_bytes()));
        let (batches, report) = read_table(&path, &["label", "sex"], 8);
        let labels = int_column(&batches, 0);
        assert_eq!(labels.len(), 1021, "{:?}", report.malformed_examples);
        assert_eq!(labels[..3], [Some(0), Some(1), Some(0)]);
        // A number where text is expected is kept as text.
        assert_eq!(string_column(&batches, 1)[1020].as_deref(), Some("5"));
        let lines: Vec<u64> = report.malformed_examples.iter().map(|e| e.0).collect();
        assert_eq!(lines, [1021, 1023, 1024], "{:?}", report.malformed_examples);
        assert_eq!(report.malformed, 3);
        assert_eq!(report.records, 1021);
        // A type conflict inside the sample makes that column text, not the others.
        let path = write(
            folder.path(),
            "u.jsonl",
            b"{\"a\": 1, \"b\": 2}\n{\"a\": \"x\", \"b\": 3}\n",
        );
        let (batches, report) = read_table(&path, &[], 8);
        assert_eq!(report.malformed, 0);
        assert_eq!(
            string_column(&batches, 0),
            [Some("1".to_string()), Some("x".to_string())]
        );
        assert_eq!(int_column(&batches, 1), [Some(2), Some(3)]);
    });
}

#[test]
fn parquet_is_read_with_projection() {
    inline_and_threaded(|| {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("t.parquet");
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("text", DataType::Utf8, true),
            Field::new("score", DataType::Float64, true),
            Field::new("email", DataType::Utf8, true),
        ]));
        let rows = 10_000;
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from_iter_values(0..rows)),
                Arc::new(StringArray::from_iter(
                    (0..rows).map(|i| (i % 10 != 0).then(|| format!("row {i}"))),
                )),
                Arc::new(Float64Array::from_iter_values(
                    (0..rows).map(|i| i as f64 / 2.0),
                )),
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("u{i}@x.org")),
                )),
            ],
        )
        .unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = ::parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let parquet = input(&path);
        assert_eq!(columns(&parquet).unwrap(), ["id", "text", "score", "email"]);

        let (batches, report) = read_table(&path, &["score", "id"], 3000);
        assert_eq!(batches.len(), 4);
        assert_eq!(batches[0].num_columns(), 2);
        assert_eq!(batches[0].schema().field(0).name(), "score");
        assert_eq!(int_column(&batches, 1).len(), rows as usize);
        assert_eq!(int_column(&batches, 1)[9999], Some(9999));
        assert_eq!(report.records, rows as u64);

        // Text: every string column by default, row by row; chosen columns in the order asked, numbers as text.
        let (units, _) = units(&parquet, &[]);
        assert_eq!(units[0], unit(0, "email", "u0@x.org"));
        assert_eq!(units[1], unit(1, "text", "row 1"));
        assert_eq!(units[2], unit(1, "email", "u1@x.org"));
        assert_eq!(units.len(), 19_000);
        let (units, _) = self::units(&parquet, &["score", "text"]);
        assert_eq!(units[0], unit(0, "score", "0.0"));
        assert_eq!(units[1], unit(1, "score", "0.5"));
        assert_eq!(units[2], unit(1, "text", "row 1"));
        assert_eq!(units.last().unwrap(), &unit(9999, "text", "row 9999"));

        let error = table(
            &parquet,
            &TableOptions {
                columns: vec!["scor".into()],
                batch_rows: 10,
                ..TableOptions::default()
            },
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("has no column `scor`; it has: `id`, `text`, `score`, `email`"),
            "{error}"
        );
        // Not Parquet at all.
        let fake = write(folder.path(), "fake.parquet", b"hello");
        assert!(matches!(
            text_units(&input(&fake), &TextOptions::default()),
            Err(DataError::Format { .. })
        ));
    });
}

#[test]
fn records_longer_than_the_limit_are_malformed_and_reading_goes_on() {
    inline_and_threaded(|| {
        read::TEST_RECORD_LIMIT.with(|l| l.set(Some(64)));
        let folder = tempfile::tempdir().unwrap();
        let long = "x".repeat(200);
        // Line 3: one long line; line 4: a quote that never closes, swallowing lines beyond the limit.
        let mut csv = format!("a,b\n1,2\n{long},3\n4,\"oops\n");
        for i in 5..30 {
            csv.push_str(&format!("{i},{i}\n"));
        }
        let path = write(folder.path(), "long.csv.gz", &gzip(csv.as_bytes()));
        let (got, report) = units(&input(&path), &["a"]);
        assert_eq!(got[0], unit(0, "a", "1"));
        assert_eq!(got[1], unit(3, "a", "5"));
        assert_eq!(got.len(), 26);
        let lines: Vec<u64> = report.malformed_examples.iter().map(|e| e.0).collect();
        assert_eq!(lines, [3, 4], "{:?}", report.malformed_examples);
        assert!(
            report.malformed_examples[0]
                .1
                .contains("row 1: a record longer than the limit of 64 bytes")
        );
        let (batches, table_report) = read_table(&path, &["b"], 10);
        assert_eq!(int_column(&batches, 0).len(), 26);
        assert_eq!(table_report.malformed, 2);

        let jsonl = format!("{{\"t\": \"a\"}}\n{{\"t\": \"{long}\"}}\n{{\"t\": \"b\"}}\n");
        let path = write(folder.path(), "long.jsonl", jsonl.as_bytes());
        let (got, report) = units(&input(&path), &["t"]);
        assert_eq!(got, [unit(0, "t", "a"), unit(2, "t", "b")]);
        assert_eq!(report.malformed_examples.len(), 1);
        assert_eq!(report.malformed_examples[0].0, 2);
        assert!(
            report.malformed_examples[0]
                .1
                .contains("a line of 210 bytes is longer than the limit of 64 bytes")
        );
        let (batches, table_report) = read_table(&path, &["t"], 10);
        assert_eq!(
            string_column(&batches, 0),
            [Some("a".to_string()), Some("b".to_string())]
        );
        assert_eq!(table_report.malformed, 1);

        // Plain text has no such limit.
        let path = write(folder.path(), "long.txt", long.as_bytes());
        let (got, report) = units(&input(&path), &[]);
        assert_eq!(got.len(), 1);
        assert_eq!(report.malformed, 0);
        read::TEST_RECORD_LIMIT.with(|l| l.set(None));
    });
}

#[test]
fn readers_are_send() {
    fn send<T: Send>() {}
    send::<TextReader>();
    send::<TableReader>();
    send::<Input>();
    send::<DataError>();
}
