//! Any bytes as a CSV file (or TSV, when the first byte is odd): read as text
//! units, as a table of text and as a table with inferred types, plain and
//! gzip-compressed. Nothing may panic or fail (a file that opens can always
//! be read: bad records are reported, not errors), and what is read must be
//! consistent:
//!
//! - the three readers agree on how many rows were given out and which
//!   records were malformed;
//! - every record is either given out or reported, and when none is
//!   malformed, the table of text holds exactly the records the `csv` crate
//!   reads after the header (empty fields as null), and `columns` is the
//!   `csv` crate's first record.
#![no_main]

use std::io::Write;
use std::path::PathBuf;
use std::sync::LazyLock;

use accord_data::{ReadReport, TableOptions, TextOptions};
use arrow_array::Array;
use arrow_array::cast::AsArray;
use libfuzzer_sys::fuzz_target;

static FOLDER: LazyLock<PathBuf> = LazyLock::new(|| {
    let folder = std::env::temp_dir().join(format!("accord-fuzz-csv-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
});

fn read(path: &std::path::Path, content: &[u8], tab: bool) {
    let input = accord_data::discover(&[path.to_path_buf()]).unwrap().remove(0);
    let header = accord_data::columns(&input).unwrap();

    let mut units = accord_data::text_units(&input, &TextOptions::default()).unwrap();
    for unit in &mut units {
        let unit = unit.unwrap();
        assert!(!unit.text.is_empty());
        assert!(header.iter().any(|h| Some(h) == unit.field.as_ref()));
    }
    let text_report = units.report().clone();

    let options = TableOptions {
        text: true,
        batch_rows: 3,
        ..TableOptions::default()
    };
    let mut table = accord_data::table(&input, &options).unwrap();
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    for batch in &mut table {
        let batch = batch.unwrap();
        assert_eq!(batch.num_columns(), header.len());
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
    let table_report = table.report().clone();
    same(&text_report, &table_report);
    assert_eq!(rows.len() as u64, table_report.records);

    let mut typed = accord_data::table(&input, &TableOptions::default()).unwrap();
    let mut typed_rows = 0;
    for batch in &mut typed {
        typed_rows += batch.unwrap().num_rows() as u64;
    }
    // Types may make rows malformed, never more rows.
    assert_eq!(
        typed_rows + typed.report().malformed,
        table_report.records + table_report.malformed
    );

    if table_report.malformed == 0 && table_report.invalid_utf8 == 0 {
        let records: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(if tab { b'\t' } else { b',' })
            .from_reader(content)
            .records()
            .map(|r| r.unwrap())
            .collect();
        let expected_header: Vec<String> = records
            .first()
            .map(|r| r.iter().map(str::to_owned).collect())
            .unwrap_or_default();
        assert_eq!(header, expected_header);
        let expected: Vec<Vec<Option<String>>> = records
            .iter()
            .skip(1)
            .map(|r| r.iter().map(|f| (!f.is_empty()).then(|| f.to_owned())).collect())
            .collect();
        assert_eq!(rows, expected);
    }
}

fn same(a: &ReadReport, b: &ReadReport) {
    assert_eq!(a.records, b.records);
    assert_eq!(a.malformed, b.malformed);
    assert_eq!(a.malformed_examples, b.malformed_examples);
    assert_eq!(a.bytes, b.bytes);
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, content)) = data.split_first() else {
        return;
    };
    let tab = first & 1 == 1;
    let extension = if tab { "tsv" } else { "csv" };
    let path = FOLDER.join(format!("input.{extension}"));
    std::fs::write(&path, content).unwrap();
    read(&path, content, tab);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(content).unwrap();
    let path = FOLDER.join(format!("input.{extension}.gz"));
    std::fs::write(&path, encoder.finish().unwrap()).unwrap();
    read(&path, content, tab);
});
