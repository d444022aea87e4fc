//! Generates the fairness benchmark's table: N rows of sex, race, label,
//! prediction and score, as CSV and Parquet, deterministically, with the
//! expected confusion-matrix counts per (sex, race) group for checking.
//!
//! Usage: `fairness-gen N DIR` writes DIR/table.csv, DIR/table.parquet and
//! DIR/expected.json.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use accord_bench::Rng;
use anyhow::Context as _;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// (value, share in ten-thousandths, selection bias in percentage points).
const SEXES: &[(&str, u64, u64)] = &[
    ("Female", 4_900, 6),
    ("Male", 4_950, 0),
    ("Non-binary", 150, 3),
];
const RACES: &[(&str, u64, u64)] = &[
    ("White", 5_500, 0),
    ("Black or African American", 1_300, 9),
    ("Hispanic or Latino", 1_800, 5),
    ("Asian", 800, 1),
    ("Two or More Races", 300, 4),
    ("American Indian or Alaska Native", 150, 7),
    ("Native Hawaiian or Other Pacific Islander", 50, 2),
    ("Unknown", 100, 0),
];

fn pick(rng: &mut Rng, table: &'static [(&'static str, u64, u64)]) -> (&'static str, u64) {
    let mut draw = rng.below(10_000);
    for &(name, share, bias) in table {
        if draw < share {
            return (name, bias);
        }
        draw -= share;
    }
    (table[0].0, table[0].2)
}

const BATCH: usize = 1 << 20;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .context("usage: fairness-gen N DIR")?
        .replace('_', "")
        .parse()
        .context("N must be a number of rows")?;
    let dir = PathBuf::from(args.next().context("usage: fairness-gen N DIR")?);
    std::fs::create_dir_all(&dir)?;

    let schema = Arc::new(Schema::new(vec![
        Field::new("sex", DataType::Utf8, false),
        Field::new("race", DataType::Utf8, false),
        Field::new("label", DataType::Int64, false),
        Field::new("prediction", DataType::Int64, false),
        Field::new("score", DataType::Float64, false),
    ]));
    let mut csv = BufWriter::with_capacity(1 << 20, File::create(dir.join("table.csv"))?);
    writeln!(csv, "sex,race,label,prediction,score")?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(BATCH))
        .build();
    let mut parquet = ArrowWriter::try_new(
        File::create(dir.join("table.parquet"))?,
        schema.clone(),
        Some(properties),
    )?;

    // (sex, race) -> [tp, fp, tn, fn]
    let mut expected: BTreeMap<(&str, &str), [u64; 4]> = BTreeMap::new();
    let mut rng = Rng(0x5eed_fa12_2026_1128);
    let mut written = 0usize;
    while written < rows {
        let n = BATCH.min(rows - written);
        let mut sexes = Vec::with_capacity(n);
        let mut races = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        let mut predictions = Vec::with_capacity(n);
        let mut scores = Vec::with_capacity(n);
        for _ in 0..n {
            let (sex, sex_bias) = pick(&mut rng, SEXES);
            let (race, race_bias) = pick(&mut rng, RACES);
            let label = i64::from(rng.below(100) < 35);
            // The score: higher for label 1, lowered by the group's bias.
            let base = if label == 1 { 6_000 } else { 3_000 };
            let score_units = (base + rng.below(4_000)).saturating_sub((sex_bias + race_bias) * 60);
            let score = score_units as f64 / 10_000.0;
            let prediction = i64::from(score_units >= 6_200);
            let cell = expected.entry((sex, race)).or_default();
            match (label, prediction) {
                (1, 1) => cell[0] += 1,
                (0, 1) => cell[1] += 1,
                (0, 0) => cell[2] += 1,
                _ => cell[3] += 1,
            }
            writeln!(csv, "{sex},{race},{label},{prediction},{score}")?;
            sexes.push(sex);
            races.push(race);
            labels.push(label);
            predictions.push(prediction);
            scores.push(score);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(sexes)),
            Arc::new(StringArray::from(races)),
            Arc::new(Int64Array::from(labels)),
            Arc::new(Int64Array::from(predictions)),
            Arc::new(Float64Array::from(scores)),
        ];
        parquet.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
        written += n;
    }
    csv.flush()?;
    parquet.close()?;

    let groups: Vec<serde_json::Value> = expected
        .iter()
        .map(|((sex, race), [tp, fp, tn, fn_])| {
            serde_json::json!({"group": {"sex": sex, "race": race}, "tp": tp, "fp": fp, "tn": tn, "fn": fn_})
        })
        .collect();
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&serde_json::json!({"rows": rows, "groups": groups}))?,
    )?;
    let size = |name: &str| {
        std::fs::metadata(dir.join(name))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    println!(
        "{rows} rows, {} groups: table.csv {:.1} MB, table.parquet {:.1} MB",
        expected.len(),
        size("table.csv") as f64 / 1e6,
        size("table.parquet") as f64 / 1e6
    );
    Ok(())
}
