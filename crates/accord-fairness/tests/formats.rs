//! The same table as CSV, gzipped CSV, JSON lines and Parquet gives the same audit.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use accord_data::TableOptions;
use accord_fairness::engine::{AuditSpec, run};
use accord_fairness::filter::Filter;
use accord_fairness::metrics::{AuditOptions, audit};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

struct Row {
    sex: &'static str,
    race: &'static str,
    year: i64,
    label: i64,
    pred: i64,
    score: f64,
}

fn rows() -> Vec<Row> {
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    (0..5000)
        .map(|_| Row {
            sex: ["F", "M"][(next() % 2) as usize],
            race: ["A", "B", "C"][(next() % 3) as usize],
            year: 2023 + (next() % 3) as i64,
            label: (next() % 2) as i64,
            pred: (next() % 3 == 0) as i64,
            score: (next() % 1000) as f64 / 10.0,
        })
        .collect()
}

fn write_all(dir: &Path) -> Vec<PathBuf> {
    let rows = rows();
    let csv: String = std::iter::once("sex,race,year,label,pred,score\n".to_string())
        .chain(rows.iter().map(|r| {
            format!(
                "{},{},{},{},{},{}\n",
                r.sex, r.race, r.year, r.label, r.pred, r.score
            )
        }))
        .collect();
    let csv_path = dir.join("t.csv");
    std::fs::write(&csv_path, &csv).unwrap();

    let gz_path = dir.join("t.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(csv.as_bytes()).unwrap();
    encoder.finish().unwrap();

    let jsonl: String = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"sex\":\"{}\",\"race\":\"{}\",\"year\":{},\"label\":{},\"pred\":{},\"score\":{},\"extra\":[1]}}\n",
                r.sex,
                r.race,
                r.year,
                if r.label == 1 { "true" } else { "false" },
                r.pred,
                r.score
            )
        })
        .collect();
    let jsonl_path = dir.join("t.jsonl");
    std::fs::write(&jsonl_path, jsonl).unwrap();

    let schema = Arc::new(Schema::new(vec![
        Field::new("sex", DataType::Utf8, false),
        Field::new("race", DataType::Utf8, false),
        Field::new("year", DataType::Int64, false),
        Field::new("label", DataType::Int64, false),
        Field::new("pred", DataType::Int64, false),
        Field::new("score", DataType::Float64, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.sex))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.race))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.year))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.label))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.pred))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.score))),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let parquet_path = dir.join("t.parquet");
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&parquet_path).unwrap(),
        schema,
        None,
    )
    .unwrap();
    // Several row groups.
    for start in (0..batch.num_rows()).step_by(1500) {
        writer
            .write(&batch.slice(start, 1500.min(batch.num_rows() - start)))
            .unwrap();
        writer.flush().unwrap();
    }
    writer.close().unwrap();
    vec![csv_path, gz_path, jsonl_path, parquet_path]
}

/// Every column cast to `Utf8`: booleans as `true`/`false`, numbers as their
/// shortest text, nulls kept.
fn text_batch(batch: &RecordBatch) -> RecordBatch {
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| Field::new(f.name(), DataType::Utf8, true))
        .collect();
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| arrow_cast::cast(c, &DataType::Utf8).unwrap())
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

#[test]
fn every_format_gives_the_same_audit() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_all(dir.path());
    let spec = AuditSpec {
        groups: vec!["sex".into(), "race".into()],
        label: Some("label".into()),
        prediction: Some("pred".into()),
        score: Some("score".into()),
        filter: Some(Filter::parse("year >= 2024 and race != 'C' or sex = 'M'").unwrap()),
    };
    let options = AuditOptions {
        score: spec.score.clone(),
        ..AuditOptions::default()
    };
    let mut audits = Vec::new();
    for path in &paths {
        let input = accord_data::discover(std::slice::from_ref(path))
            .unwrap()
            .remove(0);
        let mut reader = accord_data::table(
            &input,
            &TableOptions {
                columns: spec.columns(),
                batch_rows: 1000,
                ..TableOptions::default()
            },
        )
        .unwrap();
        let tally = run(&mut reader, &spec, 2, |_, _| {}).unwrap();
        assert_eq!(reader.report().malformed, 0, "{}", path.display());
        assert_eq!(tally.rows_read, 5000, "{}", path.display());
        let result = serde_json::to_value(audit(&tally, &options)).unwrap();
        audits.push((path.display().to_string(), result));

        // The same input with every column as text (as CSV and JSON lines are
        // read when their types are not guessed): numbers, booleans and
        // outcomes read from text give the same audit.
        let reader = accord_data::table(
            &input,
            &TableOptions {
                columns: spec.columns(),
                batch_rows: 1000,
                // CSV and JSON lines read as text, as `audit fairness` reads them;
                // Parquet keeps its types and is turned into text below.
                text: true,
            },
        )
        .unwrap();
        let mut as_text = reader.map(|batch| batch.map(|b| text_batch(&b)));
        let tally = run(&mut as_text, &spec, 2, |_, _| {}).unwrap();
        let result = serde_json::to_value(audit(&tally, &options)).unwrap();
        audits.push((format!("{} as text", path.display()), result));
    }
    let (first_path, first) = &audits[0];
    assert!(first["rows_audited"].as_u64().unwrap() > 1000);
    // F × C is filtered out entirely.
    assert_eq!(first["groups"].as_array().unwrap().len(), 5);
    assert!(first["ll144"]["score_median"].as_f64().is_some());
    for (path, other) in &audits[1..] {
        assert_eq!(other, first, "{path} differs from {first_path}");
    }
}
