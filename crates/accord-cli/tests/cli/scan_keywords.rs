//! `accord scan keywords`: hits with offsets into the original bytes, every
//! input format, per-source rates, the review sample, evidence that
//! `accord assess` accepts, and bad input.
//!
//! Keywords here are synthetic: no harmful list is kept in the repository.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{accord, assert_code, stderr, stdout};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

fn hits(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line per hit"))
        .collect()
}

fn summary(args: &[&str]) -> Value {
    let mut all = vec!["scan", "keywords"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = accord(&all);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).expect("JSON summary")
}

#[test]
fn hits_point_at_the_original_bytes_after_case_and_width_folding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(
        dir.path(),
        "list.txt",
        "# synthetic\nsecret plan\tA.3.3\n机密\tA.3.3\nＡＩ生成\tA.1.7\nＫｅｙ\n",
    );
    let text = "The ＳＥＣＲＥＴ　ＰＬＡＮ and the Secret Plan.\n这是机密文件，ａｉ生成内容。\nno hit here\nKEY key ｋｅｙ\n";
    let corpus = write(dir.path(), "corpus.txt", text);
    let o = accord(&[
        "scan", "keywords", &corpus, "--list", &list, "--format", "jsonl",
    ]);
    assert_code(&o, 0);
    let found: Vec<(String, String, Value)> = hits(&o)
        .iter()
        .map(|h| {
            let (offset, length) = (
                h["offset"].as_u64().expect("offset") as usize,
                h["length"].as_u64().expect("length") as usize,
            );
            assert_eq!(h["path"], corpus.as_str());
            assert!(h.get("record").is_none(), "plain text has no record: {h}");
            (
                h["keyword"].as_str().expect("keyword").to_string(),
                text[offset..offset + length].to_string(),
                h["category"].clone(),
            )
        })
        .collect();
    let want = [
        (
            "secret plan",
            "ＳＥＣＲＥＴ　ＰＬＡＮ",
            Value::from("A.3.3"),
        ),
        ("secret plan", "Secret Plan", Value::from("A.3.3")),
        ("机密", "机密", Value::from("A.3.3")),
        ("ＡＩ生成", "ａｉ生成", Value::from("A.1.7")),
        ("Ｋｅｙ", "KEY", Value::Null),
        ("Ｋｅｙ", "key", Value::Null),
        ("Ｋｅｙ", "ｋｅｙ", Value::Null),
    ];
    let want: Vec<(String, String, Value)> = want
        .into_iter()
        .map(|(k, t, c)| (k.to_string(), t.to_string(), c))
        .collect();
    assert_eq!(found, want);
    assert!(
        stderr(&o).contains("7 hits in 3 of 4 items"),
        "{}",
        stderr(&o)
    );

    // The text summary: per category, per file, top keywords.
    let o = accord(&[
        "scan",
        "keywords",
        &corpus,
        "--list",
        &list,
        "--taxonomy",
        "tc260-003",
    ]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("7 hits in 3 of 4 items (75.00%) from 1 file; 4 keywords"),
        "{out}"
    );
    assert!(
        out.contains("商业违法违规 / Commercial violations"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("A.3.3") && l.trim_end().ends_with('3')),
        "{out}"
    );
    assert!(out.contains("Top keywords:"), "{out}");
}

#[test]
fn structured_inputs_report_record_and_field_and_per_source_rates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "list.txt", "alpha\n禁词\n");
    // Source a.example: 1 of 20 items hit (5%, not over); b.example: 2 of 10 (20%, over).
    let mut jsonl = String::new();
    for i in 0..20 {
        let text = if i == 3 {
            "an ALPHA here"
        } else {
            "clean text"
        };
        jsonl.push_str(&format!(
            "{{\"text\": \"{text}\", \"meta\": {{\"site\": \"a.example\"}}}}\n"
        ));
    }
    for i in 0..10 {
        let text = if i % 5 == 0 {
            "含有禁词和ａｌｐｈａ"
        } else {
            "干净"
        };
        jsonl.push_str(&format!(
            "{{\"text\": \"{text}\", \"meta\": {{\"site\": \"b.example\"}}}}\n"
        ));
    }
    let data = write(dir.path(), "data.jsonl", &jsonl);
    let o = accord(&[
        "scan",
        "keywords",
        &data,
        "--list",
        &list,
        "--field",
        "text",
        "--source-field",
        "/meta/site",
        "--format",
        "jsonl",
    ]);
    assert_code(&o, 0);
    let found = hits(&o);
    assert_eq!(found.len(), 5, "{found:?}");
    assert_eq!(found[0]["record"], 3);
    assert_eq!(found[0]["field"], "text");
    assert_eq!(
        (found[0]["offset"].as_u64(), found[0]["length"].as_u64()),
        (Some(3), Some(5))
    );
    // "含有禁词和ａｌｐｈａ": 禁词 at byte 6, ａｌｐｈａ (15 bytes) at byte 15 of the field.
    assert_eq!(found[1]["record"], 20);
    assert_eq!(
        (found[1]["offset"].as_u64(), found[1]["length"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(
        (found[2]["offset"].as_u64(), found[2]["length"].as_u64()),
        (Some(15), Some(15))
    );

    let s = summary(&[
        &data,
        "--list",
        &list,
        "--field",
        "text",
        "--source-field",
        "/meta/site",
    ]);
    let sources = s["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 2, "{s:#}");
    assert_eq!(
        (
            sources[0]["source"].as_str(),
            sources[0]["items"].as_u64(),
            sources[0]["items_with_hits"].as_u64()
        ),
        (Some("a.example"), Some(20), Some(1))
    );
    assert_eq!(
        sources[0]["over_threshold"], false,
        "exactly 5% is not over"
    );
    assert_eq!(
        (
            sources[1]["source"].as_str(),
            sources[1]["items_with_hits"].as_u64()
        ),
        (Some("b.example"), Some(2))
    );
    assert_eq!(sources[1]["hit_rate"], 0.2);
    assert_eq!(sources[1]["over_threshold"], true);
    assert_eq!(s["sources_over_threshold"], 1);
    assert_eq!(
        (
            s["items"].as_u64(),
            s["items_with_hits"].as_u64(),
            s["hits"].as_u64()
        ),
        (Some(30), Some(3), Some(5))
    );

    // CSV by column, with the source in another column.
    let csv = write(
        dir.path(),
        "rows.csv",
        "id,body,site\n1,alpha one,x\n2,nothing,x\n3,\"quoted, 禁词\",y\n",
    );
    let o = accord(&[
        "scan",
        "keywords",
        &csv,
        "--list",
        &list,
        "--column",
        "body",
        "--source-field",
        "site",
        "--format",
        "jsonl",
    ]);
    assert_code(&o, 0);
    let found = hits(&o);
    let places: Vec<(u64, &str, u64)> = found
        .iter()
        .map(|h| {
            (
                h["record"].as_u64().expect("record"),
                h["field"].as_str().expect("field"),
                h["offset"].as_u64().expect("offset"),
            )
        })
        .collect();
    assert_eq!(places, [(0, "body", 0), (2, "body", 8)]);

    // A column that does not exist: exit 2, naming those that do.
    let o = accord(&[
        "scan", "keywords", &csv, "--list", &list, "--column", "text",
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("`text`") && stderr(&o).contains("`body`"),
        "{}",
        stderr(&o)
    );
}

/// A gzip member holding `data` in one stored (uncompressed) deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let length = u16::try_from(data.len()).expect("small");
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x01];
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&(!length).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).expect("small").to_le_bytes());
    out
}

/// A zstd frame holding `data` in one raw block.
fn zstd_raw(data: &[u8]) -> Vec<u8> {
    let size = u8::try_from(data.len()).expect("under 256 bytes");
    let mut out = vec![0x28, 0xB5, 0x2F, 0xFD, 0x20, size];
    let header = 1u32 | (u32::from(size) << 3);
    out.extend_from_slice(&header.to_le_bytes()[..3]);
    out.extend_from_slice(data);
    out
}

#[test]
fn folders_and_compressed_files_are_read_and_unreadable_ones_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "list.txt", "needle\n针\n");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("sub")).expect("mkdir");
    write(&corpus, "a.txt", "needle one\n");
    write(
        &corpus.join("sub"),
        "b.txt.gz",
        gzip_stored("两根针 NEEDLE\n".as_bytes()),
    );
    write(
        &corpus,
        "c.jsonl.zst",
        zstd_raw(b"{\"t\": \"needle\"}\n{\"t\": \"none\"}\n"),
    );
    let s = summary(&[corpus.to_str().expect("utf-8"), "--list", &list]);
    let per_file: Vec<(String, u64, u64)> = s["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            let path = i["path"].as_str().expect("path");
            let name = Path::new(path)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            (
                name,
                i["items"].as_u64().expect("items"),
                i["hits"].as_u64().expect("hits"),
            )
        })
        .collect();
    assert_eq!(
        per_file,
        [
            ("a.txt".to_string(), 1, 1),
            ("c.jsonl.zst".to_string(), 2, 1),
            ("b.txt.gz".to_string(), 1, 2)
        ]
    );

    // A broken compressed file is reported and skipped; the others are still
    // scanned and reported; the exit code says something went wrong.
    write(&corpus, "broken.txt.gz", b"this is not gzip");
    let o = accord(&[
        "scan",
        "keywords",
        corpus.to_str().expect("utf-8"),
        "--list",
        &list,
        "--format",
        "json",
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("broken.txt.gz"), "{}", stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).expect("JSON summary still written");
    assert_eq!(s["hits"], 4);
}

/// Issue 9: malformed rows are rejected and named, the rest is scanned and
/// every output written, then the run exits 2 and the evidence fails, unless
/// --max-bad-rows allows them.
#[test]
fn rejected_rows_fail_the_scan_after_it_writes_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "list.txt", "alpha\n");
    let csv = write(
        dir.path(),
        "rows.csv",
        "id,body\n1,alpha\n2,beta,extra\n3,\"gamma, alpha\"\n",
    );
    let lines = write(
        dir.path(),
        "rows.jsonl",
        "{\"body\": \"alpha\"}\n{\"body\": }\n{\"body\": \"clean\"}\n",
    );
    let evidence = dir.path().join("kw.json");
    let hits_file = dir.path().join("hits.jsonl");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "keywords",
            csv.as_str(),
            lines.as_str(),
            "--list",
            &list,
            "--format",
            "jsonl",
            "--output",
            hits_file.to_str().expect("utf-8"),
            "--evidence",
            evidence.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        let o = accord(&args);
        let e: Value = serde_json::from_str(&std::fs::read_to_string(&evidence).expect("evidence"))
            .expect("JSON");
        let hits = std::fs::read_to_string(&hits_file).expect("hits written");
        std::fs::remove_file(&evidence).expect("rm");
        (o, e, hits)
    };
    let threshold = |e: &Value| -> Value {
        e["thresholds"]
            .as_array()
            .expect("thresholds")
            .iter()
            .find(|t| t["name"] == "malformed_records")
            .cloned()
            .expect("malformed_records threshold")
    };

    let (o, e, hits) = run(&[]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("rows.csv`: 1 of 3 rows rejected: line 3: "),
        "{err}"
    );
    assert!(
        err.contains("rows.jsonl`: 1 of 3 rows rejected: line 2: "),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    // Every good row was scanned: the rows before and after the bad ones.
    assert_eq!(hits.lines().count(), 3, "{hits}");
    assert_eq!(e["passed"], false);
    assert_eq!(e["metrics"]["malformed_records"], 2);
    assert_eq!(e["metrics"]["rows_read"], 6);
    assert_eq!(e["metrics"]["malformed_examples"][0]["line"], 3);
    let t = threshold(&e);
    assert_eq!(
        (t["actual"].as_u64(), t["passed"].as_bool()),
        (Some(2), Some(false))
    );

    let (o, e, hits) = run(&["--max-bad-rows", "2"]);
    assert_code(&o, 0);
    assert!(stderr(&o).contains("warning: "), "{}", stderr(&o));
    assert_eq!(hits.lines().count(), 3);
    assert_eq!(threshold(&e)["passed"], true);
    let (o, e, _) = run(&["--max-bad-rows", "33.3%"]);
    assert_code(&o, 2);
    assert_eq!(threshold(&e)["value"], 1);

    // The text summary names them per file.
    let o = accord(&["scan", "keywords", &csv, "--list", &list]);
    assert_code(&o, 2);
    assert!(
        stdout(&o).contains("(1 malformed row rejected)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn invalid_utf8_empty_files_and_very_long_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "list.txt", "机密\nabc\n");
    // Invalid bytes are counted and replaced one for one, so offsets stay those of the file.
    let mut bytes = b"x\xff\xfeabc ".to_vec();
    bytes.extend_from_slice("机密".as_bytes());
    let bad = write(dir.path(), "bad.txt", &bytes);
    let empty = write(dir.path(), "empty.txt", "");
    let o = accord(&[
        "scan", "keywords", &bad, &empty, "--list", &list, "--format", "jsonl",
    ]);
    assert_code(&o, 0);
    let found = hits(&o);
    let spans: Vec<(u64, u64)> = found
        .iter()
        .map(|h| {
            (
                h["offset"].as_u64().expect("o"),
                h["length"].as_u64().expect("l"),
            )
        })
        .collect();
    assert_eq!(spans, [(3, 3), (7, 6)]);
    assert!(stderr(&o).contains("invalid UTF-8"), "{}", stderr(&o));

    // One line of 3.5 MB without spaces or line ends is cut into chunks at
    // character boundaries (accord-data: the last one within 1 MiB, so every
    // 1,048,575 bytes here, where every character has 3 bytes). Keywords
    // planted across each cut, and between, are found exactly once.
    let cut = (1 << 20) / 3 * 3;
    let mut line = String::new();
    let mut planted = Vec::new();
    while line.len() < 3_500_000 {
        if (line.len() + 3).is_multiple_of(cut) || line.len() % 400_000 < 3 {
            planted.push(line.len());
            line.push_str("机密");
        } else {
            line.push('中');
        }
    }
    let long = write(dir.path(), "long.txt", &line);
    let o = accord(&[
        "scan", "keywords", &long, "--list", &list, "--format", "jsonl",
    ]);
    assert_code(&o, 0);
    let offsets: Vec<usize> = hits(&o)
        .iter()
        .map(|h| h["offset"].as_u64().expect("offset") as usize)
        .collect();
    assert_eq!(offsets, planted);
    assert!(
        planted.contains(&(cut - 3)) && planted.contains(&(3 * cut - 3)),
        "{planted:?}"
    );

    // Several threads or one: the same hits in the same order.
    let one = accord(&[
        "scan",
        "keywords",
        &long,
        &bad,
        "--list",
        &list,
        "--format",
        "jsonl",
        "--threads",
        "1",
    ]);
    let four = accord(&[
        "scan",
        "keywords",
        &long,
        &bad,
        "--list",
        &list,
        "--format",
        "jsonl",
        "--threads",
        "4",
    ]);
    assert_eq!(stdout(&one), stdout(&four));
}

#[test]
fn the_review_sample_is_reproducible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "list.txt", "zzz\n");
    let lines: String = (0..500).map(|i| format!("line number {i}\n")).collect();
    let corpus = write(dir.path(), "corpus.txt", &lines);
    let records: String = (0..300)
        .map(|i| format!("{{\"a\": \"first {i}\", \"b\": \"second {i}\"}}\n"))
        .collect();
    let data = write(dir.path(), "data.jsonl", &records);
    let draw = |seed: &str, name: &str| -> Vec<Value> {
        let out = dir.path().join(name);
        let o = accord(&[
            "scan",
            "keywords",
            &corpus,
            &data,
            "--list",
            &list,
            "--field",
            "a,b",
            "--sample",
            "40",
            "--seed",
            seed,
            "--sample-out",
            out.to_str().expect("utf-8"),
        ]);
        assert_code(&o, 0);
        assert!(
            stdout(&o).contains("Review sample: 40 items (seed"),
            "{}",
            stdout(&o)
        );
        std::fs::read_to_string(&out)
            .expect("sample")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect()
    };
    let first = draw("7", "s1.jsonl");
    let again = draw("7", "s2.jsonl");
    let other = draw("8", "s3.jsonl");
    assert_eq!(first, again);
    assert_ne!(first, other);
    // Plain-text items are lines (field null); JSONL items are records, one entry per field.
    let mut items = std::collections::BTreeSet::new();
    for entry in &first {
        let record = entry["record"].as_u64().expect("record");
        items.insert((entry["path"].as_str().expect("path").to_string(), record));
        if entry["path"]
            .as_str()
            .expect("path")
            .ends_with("corpus.txt")
        {
            assert_eq!(entry["field"], Value::Null);
            assert_eq!(entry["text"], format!("line number {record}"));
        } else {
            let field = entry["field"].as_str().expect("field");
            let word = if field == "a" { "first" } else { "second" };
            assert_eq!(entry["text"], format!("{word} {record}"));
        }
    }
    assert_eq!(items.len(), 40);
    // Both inputs are represented (500 and 300 items: about 25 and 15 expected).
    let from_text = items
        .iter()
        .filter(|(p, _)| p.ends_with("corpus.txt"))
        .count();
    assert!((10..35).contains(&from_text), "{from_text}");

    // --sample needs --sample-out.
    let o = accord(&[
        "scan", "keywords", &corpus, "--list", &list, "--sample", "5",
    ]);
    assert_code(&o, 2);
}

/// A synthetic keyword library of `n` distinct Latin and CJK terms.
fn synthetic_list(n: usize) -> String {
    let mut out = String::from("# synthetic terms for tests\n");
    for i in 0..n {
        // Spread over the 17 risks of TC260-003 A.1 (8) and A.2 (9).
        let risk = i % 17;
        let code = if risk < 8 {
            format!("A.1.{}", risk + 1)
        } else {
            format!("A.2.{}", risk - 7)
        };
        if i % 2 == 0 {
            out.push_str(&format!("qz{i:05}x\t{code}\n"));
        } else {
            let a = char::from_u32(0x4E00 + (i as u32 % 2000)).expect("cjk");
            let b = char::from_u32(0x5E00 + (i as u32 / 2000)).expect("cjk");
            out.push_str(&format!("{a}{b}{a}\t{code}\n"));
        }
    }
    out
}

fn evidence_file(
    dir: &Path,
    corpus: &str,
    list: &str,
    name: &str,
    extra: &[&str],
) -> (PathBuf, Value) {
    let path = dir.join(name);
    let mut args = vec![
        "scan",
        "keywords",
        corpus,
        "--list",
        list,
        "--taxonomy",
        "tc260-003",
        "--evidence",
        path.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let o = accord(&args);
    assert_code(&o, 0);
    let evidence: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("evidence")).expect("JSON");
    (path, evidence)
}

fn obligation<'a>(a: &'a Value, id: &str) -> &'a Value {
    a["jurisdictions"]
        .as_array()
        .expect("jurisdictions")
        .iter()
        .flat_map(|j| j["obligations"].as_array().expect("obligations"))
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no obligation {id}"))
}

#[test]
fn evidence_carries_the_metrics_the_cn_ai_rules_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = write(dir.path(), "library.txt", synthetic_list(10_000));
    // 400 clean lines from one source, and 4 hits: 1% of items.
    let mut text: String = (0..396).map(|i| format!("clean line {i}\n")).collect();
    text.push_str("qz00000x\nqz00002x\n丁帀丁 here\nQZ00004X\n");
    let corpus = write(dir.path(), "corpus.txt", &text);
    let (path, evidence) = evidence_file(dir.path(), &corpus, &list, "keywords.json", &[]);
    assert_eq!(evidence["accord"], "evidence/v1");
    assert_eq!(evidence["kind"], "keyword-scan");
    assert_eq!(
        evidence["controls"],
        serde_json::json!(["content-safety-testing"])
    );
    let metrics = &evidence["metrics"];
    assert_eq!(metrics["keyword_count"], 10_000);
    assert_eq!(metrics["items_scanned"], 400);
    assert_eq!(metrics["items_with_hits"], 4);
    assert_eq!(metrics["technical_sample_fraction"], 1.0);
    assert_eq!(metrics["technical_sample_pass_rate"], 0.99);
    assert_eq!(metrics["max_source_harmful_ratio"], 0.01);
    assert_eq!(evidence["passed"], true, "{evidence:#}");
    // The library covers the 17 risks of A.1 and A.2 (clause 8.1), not the others.
    let uncovered = metrics["risks_without_keywords"].as_array().expect("list");
    assert_eq!(uncovered.len(), 31 - 17);
    assert_eq!(uncovered[0], "A.3.1");
    assert_eq!(
        evidence["inputs"].as_array().expect("inputs").len(),
        2,
        "the corpus and the list, with digests"
    );

    // The thresholds written are the ones the cn-ai rules put on keyword-scan evidence.
    let rules_file =
        crate::root().join("rulepacks/cn-ai/rules/50-tc260-security-requirements.yaml");
    let source = std::fs::read_to_string(&rules_file).expect("cn-ai rules");
    let rules: Value = accord_model::doc::Document::parse(&source, "rules")
        .expect("yaml")
        .deserialize()
        .expect("value");
    let mut expected = std::collections::BTreeSet::new();
    for rule in rules["rules"].as_array().expect("rules") {
        for e in rule["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["kind"] == "keyword-scan")
        {
            for t in e["thresholds"].as_array().expect("thresholds") {
                expected.insert((
                    t["name"].as_str().expect("name").to_string(),
                    t["op"].as_str().expect("op").to_string(),
                    t["value"].to_string(),
                ));
            }
        }
    }
    // Besides them, the scan's own: every input read, no rejected rows.
    let (standard, reading): (Vec<&Value>, Vec<&Value>) = evidence["thresholds"]
        .as_array()
        .expect("thresholds")
        .iter()
        .partition(|t| {
            t["source"]
                .as_str()
                .expect("source")
                .starts_with("TC260-003-2024 clause")
        });
    let reading: Vec<(&str, bool)> = reading
        .iter()
        .map(|t| (t["name"].as_str().expect("name"), t["passed"] == true))
        .collect();
    assert_eq!(
        reading,
        [("unreadable_inputs", true), ("malformed_records", true)]
    );
    let written: std::collections::BTreeSet<(String, String, String)> = standard
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_string(),
                t["op"].as_str().expect("op").to_string(),
                t["value"].to_string(),
            )
        })
        .collect();
    let normalise =
        |set: &std::collections::BTreeSet<(String, String, String)>| -> Vec<(String, String, f64)> {
            set.iter()
                .map(|(n, o, v)| (n.clone(), o.clone(), v.parse().expect("number")))
                .collect()
        };
    assert_eq!(normalise(&written), normalise(&expected));

    // `accord assess` takes it: the keyword-library and corpus-source duties are met.
    let o = accord(&[
        "assess",
        "examples/china-public-chatbot.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        path.to_str().expect("utf-8"),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_code(&o, 0);
    let a: Value = serde_json::from_str(&stdout(&o)).expect("assessment");
    assert_eq!(
        obligation(&a, "cn-ai/gbt45654-keyword-library")["evidence"],
        "satisfied"
    );

    // A source over 5% fails the evidence, and assess says why.
    let mut dirty: String = (0..90).map(|i| format!("line {i}\n")).collect();
    dirty.push_str(&"qz00006x\n".repeat(10));
    let dirty = write(dir.path(), "dirty.txt", &dirty);
    let (path, evidence) = evidence_file(dir.path(), &dirty, &list, "dirty.json", &[]);
    assert_eq!(evidence["metrics"]["max_source_harmful_ratio"], 0.1);
    assert_eq!(
        evidence["metrics"]["sources_over_threshold"],
        serde_json::json!([dirty.as_str()])
    );
    assert_eq!(evidence["passed"], false);
    let o = accord(&[
        "assess",
        "examples/china-public-chatbot.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        path.to_str().expect("utf-8"),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let a: Value = serde_json::from_str(&stdout(&o)).expect("assessment");
    let source_rule = obligation(&a, "cn-ai/gbt45654-corpus-source");
    // A source above the 5% harmful share fails the screening (issue 9: a failed
    // test is failed, with the number and the rule's threshold).
    assert_eq!(source_rule["evidence"], "failed", "{source_rule}");
    assert!(
        source_rule["findings"].to_string().contains(
            "dirty.json: max_source_harmful_ratio = 0.1; cn-ai/gbt45654-corpus-source requires ≤ 0.05"
        ),
        "{source_rule}"
    );

    // A scan of part of the corpus: the technical sample fraction is measured against the whole.
    let (_, evidence) = evidence_file(
        dir.path(),
        &corpus,
        &list,
        "part.json",
        &["--corpus-items", "8000"],
    );
    assert_eq!(evidence["metrics"]["technical_sample_fraction"], 0.05);
    assert_eq!(evidence["passed"], false);
}

#[test]
fn bad_lists_and_taxonomies_exit_2_with_locations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write(dir.path(), "corpus.txt", "text\n");
    let list = write(
        dir.path(),
        "list.txt",
        "ok\tA.1\n\tA.2\nbad\tA.7\nalso\tA.1.1\textra\n",
    );
    let o = accord(&[
        "scan",
        "keywords",
        &corpus,
        "--list",
        &list,
        "--taxonomy",
        "tc260-003",
    ]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("list.txt:2:1: Empty keyword"), "{err}");
    assert!(
        err.contains("list.txt:3:5: Unknown category `A.7` (taxonomy `tc260-003`)"),
        "{err}"
    );
    assert!(err.contains("list.txt:4:1: More than one tab"), "{err}");
    assert!(stdout(&o).is_empty());

    // Without --taxonomy, categories are free text; duplicates are a warning.
    let list = write(dir.path(), "free.txt", "ok\tmy-cat\nOK\nfine\n");
    let o = accord(&["scan", "keywords", &corpus, "--list", &list]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("1 duplicate keyword ignored"),
        "{}",
        stderr(&o)
    );

    // A taxonomy of one's own, from a file.
    let taxonomy = write(
        dir.path(),
        "mine.yaml",
        "id: mine\ntitle: Mine\nsource: internal\nverification: verified\ncategories:\n  - code: X\n    title: X things\n    risks: [{code: X.1, title: one}, {code: X.2, title: two}]\n",
    );
    let own = write(dir.path(), "own.txt", "text\tX.1\nother\tX.9\n");
    let o = accord(&[
        "scan",
        "keywords",
        &corpus,
        "--list",
        &own,
        "--taxonomy",
        &taxonomy,
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("own.txt:2:7: Unknown category `X.9` (taxonomy `mine`)"),
        "{}",
        stderr(&o)
    );
    let own = write(dir.path(), "own.txt", "text\tX.1\n");
    let o = accord(&[
        "scan",
        "keywords",
        &corpus,
        "--list",
        &own,
        "--taxonomy",
        &taxonomy,
    ]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("Risks without keywords (1 of 2): X.2"),
        "{}",
        stdout(&o)
    );

    let o = accord(&[
        "scan",
        "keywords",
        &corpus,
        "--list",
        &list,
        "--taxonomy",
        "tc261",
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("Unknown taxonomy `tc261`"),
        "{}",
        stderr(&o)
    );

    let latin1 = write(dir.path(), "latin1.txt", b"ok\ncaf\xe9\n");
    let o = accord(&["scan", "keywords", &corpus, "--list", &latin1]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("latin1.txt:2:4: Not UTF-8 text"),
        "{}",
        stderr(&o)
    );

    let empty = write(dir.path(), "empty.txt", "# nothing\n\n");
    let o = accord(&["scan", "keywords", &corpus, "--list", &empty]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("The keyword list is empty"),
        "{}",
        stderr(&o)
    );

    let o = accord(&["scan", "keywords", "no/such/path", "--list", &list]);
    assert_code(&o, 2);
}
