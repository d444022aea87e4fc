//! Parquet, through the `parquet` crate's Arrow reader with column projection.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, StringArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::read::open_file;
use crate::{
    Compression, DataError, Input, ReadReport, RecordBatch, TableOptions, TextOptions, TextUnit,
};

const TEXT_BATCH_ROWS: usize = 4096;

fn builder(input: &Input) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>, DataError> {
    if input.compression != Compression::None {
        return Err(DataError::Format {
            path: input.display.clone(),
            row: None,
            message: "a compressed Parquet file cannot be read as a stream; decompress it first (Parquet compresses its own pages)".into(),
        });
    }
    let file = open_file(input)?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| format_error(input, &e))
}

fn format_error(input: &Input, error: &dyn std::fmt::Display) -> DataError {
    DataError::Format {
        path: input.display.clone(),
        row: None,
        message: error.to_string(),
    }
}

fn names(schema: &SchemaRef) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

pub(crate) fn columns(input: &Input) -> Result<Vec<String>, DataError> {
    Ok(names(builder(input)?.schema()))
}

/// A reader of the columns at `indices` (top-level fields), and where each
/// requested column lands in the batches it gives (file order).
fn projected(
    input: &Input,
    builder: ParquetRecordBatchReaderBuilder<std::fs::File>,
    indices: &[usize],
    batch_rows: usize,
) -> Result<(ParquetRecordBatchReader, Vec<usize>), DataError> {
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let order = indices
        .iter()
        .map(|i| sorted.iter().position(|s| s == i).unwrap_or(0))
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), sorted.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_batch_size(batch_rows)
        .build()
        .map_err(|e| format_error(input, &e))?;
    Ok((reader, order))
}

pub(crate) struct ParquetText {
    input: Input,
    reader: ParquetRecordBatchReader,
    names: Vec<String>,
    order: Vec<usize>,
    /// The current batch as text, one array per selected column.
    columns: Vec<StringArray>,
    rows: usize,
    row: usize,
    column: usize,
    /// The record number of the current batch's first row.
    base: u64,
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, value) => is_text(value),
        _ => false,
    }
}

impl ParquetText {
    pub(crate) fn new(input: &Input, options: &TextOptions) -> Result<Self, DataError> {
        let builder = builder(input)?;
        let schema = builder.schema().clone();
        let available = names(&schema);
        let indices: Vec<usize> = if options.fields.is_empty() {
            (0..available.len())
                .filter(|&i| is_text(schema.field(i).data_type()))
                .collect()
        } else {
            crate::resolve_columns(input, &options.fields, &available)?
        };
        let selected = indices.iter().map(|&i| available[i].clone()).collect();
        let (reader, order) = projected(input, builder, &indices, TEXT_BATCH_ROWS)?;
        Ok(ParquetText {
            input: input.clone(),
            reader,
            names: selected,
            order,
            columns: Vec::new(),
            rows: 0,
            row: 0,
            column: 0,
            base: 0,
        })
    }

    pub(crate) fn next_unit(
        &mut self,
        report: &mut ReadReport,
    ) -> Result<Option<TextUnit>, DataError> {
        if self.names.is_empty() {
            return Ok(None);
        }
        loop {
            while self.row < self.rows {
                while self.column < self.columns.len() {
                    let array = &self.columns[self.column];
                    let column = self.column;
                    self.column += 1;
                    if array.is_null(self.row) || array.value(self.row).is_empty() {
                        continue;
                    }
                    return Ok(Some(TextUnit {
                        record: Some(self.base + self.row as u64),
                        field: Some(self.names[column].clone()),
                        offset: 0,
                        text: array.value(self.row).to_owned(),
                    }));
                }
                self.row += 1;
                self.column = 0;
            }
            self.base += self.rows as u64;
            let Some(batch) = self.reader.next() else {
                report.bytes = self.input.size;
                return Ok(None);
            };
            let batch = batch.map_err(|e| format_error(&self.input, &e))?;
            report.records += batch.num_rows() as u64;
            self.columns = self
                .order
                .iter()
                .map(|&i| as_text(batch.column(i)))
                .collect::<Result<_, _>>()
                .map_err(|e| format_error(&self.input, &e))?;
            self.rows = batch.num_rows();
            self.row = 0;
            self.column = 0;
        }
    }
}

/// Any column as text: strings as they are, other types as Arrow displays them.
fn as_text(array: &ArrayRef) -> Result<StringArray, arrow_schema::ArrowError> {
    if array.data_type() == &DataType::Utf8
        && let Some(strings) = array.as_any().downcast_ref::<StringArray>()
    {
        return Ok(strings.clone());
    }
    if is_text(array.data_type()) {
        let cast = arrow_cast::cast(array, &DataType::Utf8)?;
        if let Some(strings) = cast.as_any().downcast_ref::<StringArray>() {
            return Ok(strings.clone());
        }
    }
    let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default())?;
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| formatter.value(i).to_string()))
        .collect())
}

pub(crate) struct ParquetTable {
    input: Input,
    reader: ParquetRecordBatchReader,
    schema: SchemaRef,
    order: Vec<usize>,
}

impl ParquetTable {
    pub(crate) fn new(input: &Input, options: &TableOptions) -> Result<Self, DataError> {
        let builder = builder(input)?;
        let schema = builder.schema().clone();
        let available = names(&schema);
        let indices = if options.columns.is_empty() {
            (0..available.len()).collect()
        } else {
            crate::resolve_columns(input, &options.columns, &available)?
        };
        let projected_schema = Arc::new(
            schema
                .project(&indices)
                .map_err(|e| DataError::Internal(e.to_string()))?,
        );
        let (reader, order) = projected(input, builder, &indices, options.batch_rows)?;
        Ok(ParquetTable {
            input: input.clone(),
            reader,
            schema: projected_schema,
            order,
        })
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl crate::pipeline::Stage for ParquetTable {
    type Item = RecordBatch;

    fn next_item(&mut self, report: &mut ReadReport) -> Result<Option<RecordBatch>, DataError> {
        let Some(batch) = self.reader.next() else {
            report.bytes = self.input.size;
            return Ok(None);
        };
        let batch = batch.map_err(|e| format_error(&self.input, &e))?;
        report.records += batch.num_rows() as u64;
        let columns: Vec<ArrayRef> = self
            .order
            .iter()
            .map(|&i| batch.column(i).clone())
            .collect();
        let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        let batch = RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
            .map_err(|e| {
                DataError::Internal(format!(
                    "reordering columns of `{}`: {e}",
                    self.input.display
                ))
            })?;
        Ok(Some(batch))
    }
}
