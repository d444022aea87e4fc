//! Score values: numbers, in a numeric column or written as text.
//!
//! A numeric column (integers, floats, decimals) is read as `f64`; a missing
//! cell or NaN is a missing score. A text column — what a CSV or JSON lines
//! file gives when its columns are read as text — is parsed cell by cell
//! (surrounding spaces ignored): an empty cell is a missing score, `NaN` too,
//! and any other text that is not a number is an error for the caller to
//! report with its row, because an audit that quietly dropped scores would
//! misstate the median and every scoring rate.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;

use crate::FairnessError;
use crate::filter::for_each_str;

/// One batch's scores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// One value per row; NaN for a missing score.
    pub values: Vec<f64>,
    /// Rows (0-based in the batch, ascending) whose text is not a number.
    pub invalid: Vec<usize>,
}

/// Reads a score column.
pub fn decode(column: &str, array: &ArrayRef) -> Result<Scores, FairnessError> {
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(parse_strings(array)),
        DataType::Dictionary(_, value) if value.is_string() => {
            let cast = arrow_cast::cast(array, &DataType::Utf8)
                .map_err(|e| FairnessError::Internal(format!("cast to Utf8: {e}")))?;
            Ok(parse_strings(&cast))
        }
        data_type => {
            let cast = arrow_cast::cast(array, &DataType::Float64).map_err(|_| {
                FairnessError::ColumnType {
                    column: column.to_string(),
                    data_type: data_type.to_string(),
                    what: "cannot be read as numeric scores".to_string(),
                }
            })?;
            let floats = cast.as_primitive::<Float64Type>();
            let mut values = floats.values().to_vec();
            if floats.null_count() > 0 {
                for (row, value) in values.iter_mut().enumerate() {
                    if floats.is_null(row) {
                        *value = f64::NAN;
                    }
                }
            }
            Ok(Scores {
                values,
                invalid: Vec::new(),
            })
        }
    }
}

fn parse_strings(array: &ArrayRef) -> Scores {
    let mut scores = Scores {
        values: vec![f64::NAN; array.len()],
        invalid: Vec::new(),
    };
    for_each_str(array, |row, cell| {
        let Some(text) = cell.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        match text.parse::<f64>() {
            Ok(value) => scores.values[row] = value,
            Err(_) => scores.invalid.push(row),
        }
    });
    scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BooleanArray, DictionaryArray, Float64Array, Int32Array, LargeStringArray, StringArray,
        StringViewArray,
    };
    use std::sync::Arc;

    fn shown(scores: &Scores) -> Vec<String> {
        scores.values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn text_parses_as_numbers_and_empty_is_missing() {
        let cells = vec![
            Some("52.5"),
            Some(" 7 "),
            Some(""),
            None,
            Some("1e3"),
            Some("-0.25"),
            Some("NaN"),
            Some("n/a"),
            Some("12,5"),
            Some("   "),
        ];
        let expected_values = [
            "52.5", "7", "NaN", "NaN", "1000", "-0.25", "NaN", "NaN", "NaN", "NaN",
        ];
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(cells.clone())),
            Arc::new(LargeStringArray::from(cells.clone())),
            Arc::new(StringViewArray::from(cells.clone())),
            Arc::new(
                cells
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<arrow_array::types::Int32Type>>(),
            ),
        ];
        for array in arrays {
            let scores = decode("s", &array).unwrap();
            assert_eq!(shown(&scores), expected_values, "{}", array.data_type());
            assert_eq!(scores.invalid, [7, 8], "{}", array.data_type());
        }
    }

    #[test]
    fn numbers_keep_their_values() {
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![Some(0.5), None, Some(f64::NAN)]));
        let scores = decode("s", &floats).unwrap();
        assert_eq!(shown(&scores), ["0.5", "NaN", "NaN"]);
        assert!(scores.invalid.is_empty());
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![3, -1]));
        assert_eq!(shown(&decode("s", &ints).unwrap()), ["3", "-1"]);
        let bools: ArrayRef = Arc::new(BooleanArray::from(vec![true, false]));
        assert_eq!(shown(&decode("s", &bools).unwrap()), ["1", "0"]);
    }
}
