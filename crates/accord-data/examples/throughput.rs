//! Read throughput of accord-data on generated inputs.
//!
//! ```text
//! cargo run --release -p accord-data --example throughput -- /tmp/accord-data-bench [text_mb] [csv_rows]
//! ```
//!
//! Writes (once, deterministically) a plain-text file of about `text_mb` MB
//! (default 500) of mixed English and Chinese lines, and a CSV of `csv_rows`
//! rows (default 10,000,000) with sex, race, label, prediction and score, plus
//! gzip, zstd, JSON lines and Parquet variants of smaller size; then reads each
//! and prints MB/s of decompressed input. Files already there are reused (delete
//! the folder after changing the generator). Each reading checks its own answer
//! (bytes, rows, the sum of a column), so a fast wrong reading fails.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use accord_data::{Input, TableOptions, TextOptions, discover, table, text_units};
use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

// As in the `accord` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// splitmix64: deterministic, no dependency.
struct Random(u64);

impl Random {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

const WORDS: &[&str] = &[
    "the",
    "model",
    "data",
    "training",
    "privacy",
    "audit",
    "contact",
    "email",
    "phone",
    "report",
    "数据",
    "安全",
    "个人信息",
    "训练",
    "模型",
    "联系",
    "电话",
    "邮箱",
    "审计",
    "合规",
    "and",
    "of",
    "to",
    "in",
];

fn write_text(path: &Path, megabytes: u64) -> Result<u64> {
    if let Ok(metadata) = std::fs::metadata(path) {
        return Ok(metadata.len());
    }
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut random = Random(42);
    let mut written = 0u64;
    let target = megabytes * 1_000_000;
    let mut line = String::new();
    while written < target {
        line.clear();
        let words = 8 + random.below(16);
        for i in 0..words {
            if i > 0 {
                line.push(' ');
            }
            match random.below(40) {
                0 => line.push_str(&format!("user{}@example.com", random.below(100_000))),
                1 => line.push_str(&format!("138{:08}", random.below(100_000_000))),
                _ => line.push_str(WORDS[random.below(WORDS.len() as u64) as usize]),
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
    }
    out.flush()?;
    Ok(written)
}

/// Returns the sum of the label column, to check readings against.
fn write_csv(path: &Path, rows: u64) -> Result<i64> {
    let sum_file = path.with_extension("labels");
    if path.exists()
        && let Ok(sum) = std::fs::read_to_string(&sum_file)
    {
        return Ok(sum.trim().parse()?);
    }
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut random = Random(7);
    writeln!(out, "sex,race,label,pred,score")?;
    let mut labels = 0i64;
    for _ in 0..rows {
        let sex = ["F", "M"][random.below(2) as usize];
        let race = ["Asian", "Black", "Hispanic", "White", "Other"][random.below(5) as usize];
        let label = random.below(2) as i64;
        let pred = random.below(2);
        let score = random.below(1000) as f64 / 1000.0;
        labels += label;
        writeln!(out, "{sex},{race},{label},{pred},{score}")?;
    }
    out.flush()?;
    std::fs::write(sum_file, labels.to_string())?;
    Ok(labels)
}

fn one(path: &Path) -> Result<Input> {
    Ok(discover(&[path.to_path_buf()])?.remove(0))
}

/// CPU seconds used by this process so far, all threads (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let Some(rest) = stat.rsplit_once(") ").map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn report(what: &str, bytes: u64, seconds: f64, cpu: f64) {
    let megabytes = bytes as f64 / 1e6;
    println!(
        "{what:<52} {megabytes:>7.1} MB {seconds:>6.2} s {:>7.1} MB/s  cpu {cpu:>5.2} s ({:>4.2} cores)",
        megabytes / seconds,
        cpu / seconds
    );
}

/// `ACCORD_BENCH_ONLY=text` runs only the readings whose name contains `text`.
fn skipped(what: &str) -> bool {
    std::env::var("ACCORD_BENCH_ONLY").is_ok_and(|only| !what.contains(&only))
}

fn time_text(what: &str, path: &Path, fields: &[&str], expected_bytes: Option<u64>) -> Result<()> {
    if skipped(what) {
        return Ok(());
    }
    let input = one(path)?;
    let options = TextOptions {
        fields: fields.iter().map(|f| f.to_string()).collect(),
        ..TextOptions::default()
    };
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut reader = text_units(&input, &options)?;
    let mut text_bytes = 0u64;
    let mut units = 0u64;
    for unit in &mut reader {
        let unit = unit?;
        text_bytes += unit.text.len() as u64;
        units += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    let read = reader.report();
    if let Some(expected) = expected_bytes {
        assert_eq!(text_bytes, expected, "{what}: text bytes");
    }
    assert_eq!(read.malformed, 0, "{what}: {:?}", read.malformed_examples);
    report(
        &format!("{what} ({units} units)"),
        read.bytes,
        seconds,
        cpu_seconds() - cpu,
    );
    Ok(())
}

fn time_table(what: &str, path: &Path, columns: &[&str], rows: u64, labels: i64) -> Result<()> {
    time_table_as(what, path, columns, rows, labels, false)
}

/// `text`: every column read as `Utf8` ([`TableOptions::text`]); labels are parsed here.
fn time_table_as(
    what: &str,
    path: &Path,
    columns: &[&str],
    rows: u64,
    labels: i64,
    text: bool,
) -> Result<()> {
    if skipped(what) {
        return Ok(());
    }
    let input = one(path)?;
    let options = TableOptions {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        batch_rows: 65_536,
        text,
    };
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut reader = table(&input, &options)?;
    let mut read_rows = 0u64;
    let mut sum = 0i64;
    let label = reader.schema().index_of("label")?;
    for batch in &mut reader {
        let batch = batch?;
        read_rows += batch.num_rows() as u64;
        if text {
            let column = batch.column(label).as_string::<i32>();
            assert_eq!(column.null_count(), 0);
            for value in column.iter().flatten() {
                sum += value.parse::<i64>()?;
            }
        } else {
            let column = batch.column(label).as_primitive::<Int64Type>();
            assert_eq!(column.null_count(), 0);
            sum += column.values().iter().sum::<i64>();
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(read_rows, rows, "{what}: rows");
    assert_eq!(sum, labels, "{what}: sum of labels");
    let bytes = if reader.report().bytes > 0 {
        reader.report().bytes
    } else {
        input.size
    };
    report(
        &format!("{what} ({rows} rows)"),
        bytes,
        seconds,
        cpu_seconds() - cpu,
    );
    Ok(())
}

/// The same table with CRLF line ends (as Python's csv module writes) and,
/// when `quote_all`, every field quoted (as `csv.QUOTE_ALL` writes): records
/// that the splitter's fast path for simple lines does not take.
fn rewrite_csv(path: &Path, to: &Path, quote_all: bool) -> Result<()> {
    use std::io::BufRead;
    if to.exists() {
        return Ok(());
    }
    let source = std::io::BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(to)?);
    for line in source.lines() {
        let line = line?;
        if quote_all {
            let quoted: Vec<String> = line.split(',').map(|f| format!("\"{f}\"")).collect();
            out.write_all(quoted.join(",").as_bytes())?;
        } else {
            out.write_all(line.as_bytes())?;
        }
        out.write_all(b"\r\n")?;
    }
    out.flush()?;
    Ok(())
}

fn compress(path: &Path, to: &Path, zstd_level: Option<i32>) -> Result<()> {
    if to.exists() {
        return Ok(());
    }
    let mut source = File::open(path)?;
    let target = BufWriter::new(File::create(to)?);
    match zstd_level {
        Some(level) => {
            let mut encoder = zstd::Encoder::new(target, level)?;
            std::io::copy(&mut source, &mut encoder)?;
            encoder.finish()?.flush()?;
        }
        None => {
            let mut encoder = flate2::write::GzEncoder::new(target, flate2::Compression::fast());
            std::io::copy(&mut source, &mut encoder)?;
            encoder.finish()?.flush()?;
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    let arguments: Vec<String> = std::env::args().collect();
    let folder = PathBuf::from(
        arguments
            .get(1)
            .map_or("/tmp/accord-data-bench", String::as_str),
    );
    let text_mb: u64 = arguments.get(2).map_or(Ok(500), |a| a.parse())?;
    let csv_rows: u64 = arguments.get(3).map_or(Ok(10_000_000), |a| a.parse())?;
    std::fs::create_dir_all(&folder)?;

    let text = folder.join(format!("text-{text_mb}.txt"));
    let text_bytes = write_text(&text, text_mb)?;
    let csv = folder.join(format!("table-{csv_rows}.csv"));
    let labels = write_csv(&csv, csv_rows)?;
    let small_text = folder.join("text-100.txt");
    let small_bytes = write_text(&small_text, 100)?;
    compress(&small_text, &folder.join("text-100.txt.gz"), None)?;
    compress(&small_text, &folder.join("text-100.txt.zst"), Some(3))?;
    compress(
        &csv,
        &folder.join(format!("table-{csv_rows}.csv.zst")),
        Some(3),
    )?;

    // JSON lines and Parquet from the CSV, through Arrow's own writers.
    let jsonl = folder.join(format!("table-{csv_rows}.jsonl"));
    let parquet = folder.join(format!("table-{csv_rows}.parquet"));
    if !parquet.exists() {
        let reader = table(
            &one(&csv)?,
            &TableOptions {
                columns: Vec::new(),
                batch_rows: 65_536,
                ..TableOptions::default()
            },
        )?;
        let mut json = arrow_json::LineDelimitedWriter::new(BufWriter::new(File::create(&jsonl)?));
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(File::create(&parquet)?, reader.schema(), None)?;
        for batch in reader {
            let batch = batch?;
            json.write(&batch)?;
            writer.write(&batch)?;
        }
        json.finish()?;
        writer.close()?;
    }

    println!(
        "accord-data read throughput ({} cores)",
        std::thread::available_parallelism()?.get()
    );
    time_text("text_units plain", &text, &[], Some(text_bytes))?;
    time_text(
        "text_units plain .gz",
        &folder.join("text-100.txt.gz"),
        &[],
        Some(small_bytes),
    )?;
    time_text(
        "text_units plain .zst",
        &folder.join("text-100.txt.zst"),
        &[],
        Some(small_bytes),
    )?;
    time_text("text_units csv (race)", &csv, &["race"], None)?;
    time_text("text_units jsonl (race)", &jsonl, &["race"], None)?;
    time_table("table csv (all columns)", &csv, &[], csv_rows, labels)?;
    time_table(
        "table csv (sex, race, label, pred)",
        &csv,
        &["sex", "race", "label", "pred"],
        csv_rows,
        labels,
    )?;
    time_table(
        "table csv.zst (all columns)",
        &folder.join(format!("table-{csv_rows}.csv.zst")),
        &[],
        csv_rows,
        labels,
    )?;
    time_table_as(
        "table csv as text (all columns)",
        &csv,
        &[],
        csv_rows,
        labels,
        true,
    )?;
    let crlf = folder.join(format!("table-{csv_rows}-crlf.csv"));
    rewrite_csv(&csv, &crlf, false)?;
    time_table("table csv CRLF (all columns)", &crlf, &[], csv_rows, labels)?;
    time_table_as(
        "table csv CRLF as text (all columns)",
        &crlf,
        &[],
        csv_rows,
        labels,
        true,
    )?;
    let quoted = folder.join(format!("table-{csv_rows}-quoted.csv"));
    rewrite_csv(&csv, &quoted, true)?;
    time_table(
        "table csv CRLF, every field quoted (all columns)",
        &quoted,
        &[],
        csv_rows,
        labels,
    )?;
    time_text(
        "text_units csv CRLF, every field quoted (race)",
        &quoted,
        &["race"],
        None,
    )?;
    time_table("table jsonl (all columns)", &jsonl, &[], csv_rows, labels)?;
    time_table_as(
        "table jsonl as text (all columns)",
        &jsonl,
        &[],
        csv_rows,
        labels,
        true,
    )?;
    time_table(
        "table parquet (all columns)",
        &parquet,
        &[],
        csv_rows,
        labels,
    )?;
    Ok(())
}
