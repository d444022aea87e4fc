//! Label and prediction values: binary outcomes.
//!
//! Accepted, in any column type that holds them: `1` / `0` (integers, or
//! floats equal to 1 and 0), booleans, and the strings `1`, `0`, `true`,
//! `false`, `yes`, `no` (case-insensitive, surrounding spaces ignored) and
//! numbers written as text that equal 1 or 0 (`1.0`, `0.00`), so that a
//! column read as text gives the same outcomes as the same column typed. `1`,
//! `true` and `yes` are positive: for the prediction, "selected"; for the
//! label, the favourable true outcome. Anything else — including a missing
//! value — is an error naming the row, because an audit that silently drops
//! or guesses outcomes would misstate every rate.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;

use crate::FairnessError;

/// A cell that is not a binary outcome.
pub const INVALID: u8 = 2;

/// Reads a string as an outcome.
pub fn parse_str(value: &str) -> Option<bool> {
    let value = value.trim();
    if value == "1" || value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if value == "0"
        || value.eq_ignore_ascii_case("false")
        || value.eq_ignore_ascii_case("no")
    {
        Some(false)
    } else {
        // `1.0`, `0.0`: what a float column holds, written as text. Words such
        // as `inf` or `nan` parse as floats but equal neither.
        match value.parse::<f64>() {
            Ok(1.0) => Some(true),
            Ok(0.0) => Some(false),
            _ => None,
        }
    }
}

/// One byte per row: 1 positive, 0 negative, [`INVALID`] otherwise.
pub fn decode(column: &str, array: &ArrayRef) -> Result<Vec<u8>, FairnessError> {
    let rows = array.len();
    let mut out = vec![INVALID; rows];
    let data_type = array.data_type();
    match data_type {
        DataType::Boolean => {
            let a = array.as_boolean();
            for (row, slot) in out.iter_mut().enumerate() {
                if a.is_valid(row) {
                    *slot = u8::from(a.value(row));
                }
            }
        }
        DataType::Int64 => decode_ints(array.as_primitive::<Int64Type>(), &mut out),
        t if t.is_integer() => {
            let cast = arrow_cast::cast(array, &DataType::Int64)
                .map_err(|e| FairnessError::Internal(format!("cast to Int64: {e}")))?;
            decode_ints(cast.as_primitive::<Int64Type>(), &mut out);
        }
        t if t.is_floating() => {
            let cast = arrow_cast::cast(array, &DataType::Float64)
                .map_err(|e| FairnessError::Internal(format!("cast to Float64: {e}")))?;
            let a = cast.as_primitive::<Float64Type>();
            for (row, slot) in out.iter_mut().enumerate() {
                if a.is_valid(row) {
                    let v = a.value(row);
                    if v == 1.0 {
                        *slot = 1;
                    } else if v == 0.0 {
                        *slot = 0;
                    }
                }
            }
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            decode_strings(array, &mut out);
        }
        DataType::Dictionary(..) => {
            let cast = arrow_cast::cast(array, &DataType::Utf8)
                .map_err(|e| FairnessError::Internal(format!("cast to Utf8: {e}")))?;
            decode_strings(&cast, &mut out);
        }
        other => {
            return Err(FairnessError::ColumnType {
                column: column.to_string(),
                data_type: other.to_string(),
                what: "cannot hold binary outcomes (expected 0/1, true/false or yes/no)"
                    .to_string(),
            });
        }
    }
    Ok(out)
}

fn decode_ints(a: &arrow_array::Int64Array, out: &mut [u8]) {
    let values = a.values();
    if a.null_count() == 0 {
        for (slot, &v) in out.iter_mut().zip(values.iter()) {
            // 0 -> 0, 1 -> 1, anything else -> INVALID, without a branch.
            *slot = if (v as u64) < 2 { v as u8 } else { INVALID };
        }
    } else {
        for (row, slot) in out.iter_mut().enumerate() {
            if a.is_valid(row) {
                let v = values[row];
                *slot = if (v as u64) < 2 { v as u8 } else { INVALID };
            }
        }
    }
}

fn decode_strings(array: &ArrayRef, out: &mut [u8]) {
    crate::filter::for_each_str(array, |row, value| {
        if let Some(b) = value.and_then(parse_str) {
            out[row] = u8::from(b);
        }
    });
}

/// The value at `row` as shown in an error message.
pub fn describe(array: &ArrayRef, row: usize) -> String {
    if array.is_null(row) {
        return "an empty value".to_string();
    }
    let shown = arrow_cast::display::ArrayFormatter::try_new(array.as_ref(), &Default::default())
        .map(|f| f.value(row).to_string())
        .unwrap_or_else(|_| "?".to_string());
    let shown: String = shown.chars().take(60).collect();
    format!("`{shown}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{BooleanArray, Float64Array, Int32Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn decodes_every_accepted_form() {
        let strings: ArrayRef = Arc::new(StringArray::from(vec![
            Some("1"),
            Some(" yes "),
            Some("TRUE"),
            Some("0"),
            Some("No"),
            Some("false"),
            Some("2"),
            Some("maybe"),
            None,
            Some(""),
            Some("1.0"),
            Some(" 0.00 "),
            Some("-0"),
            Some("1e0"),
            Some("0.5"),
            Some("nan"),
            Some("inf"),
        ]));
        assert_eq!(
            decode("c", &strings).unwrap(),
            [1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 1, 0, 0, 1, 2, 2, 2]
        );
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(1),
            Some(0),
            Some(-1),
            Some(2),
            None,
        ]));
        assert_eq!(decode("c", &ints).unwrap(), [1, 0, 2, 2, 2]);
        let small: ArrayRef = Arc::new(Int32Array::from(vec![1, 0, 7]));
        assert_eq!(decode("c", &small).unwrap(), [1, 0, 2]);
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 0.0, 0.5, f64::NAN]));
        assert_eq!(decode("c", &floats).unwrap(), [1, 0, 2, 2]);
        let bools: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]));
        assert_eq!(decode("c", &bools).unwrap(), [1, 0, 2]);
    }

    #[test]
    fn describes_values() {
        let strings: ArrayRef = Arc::new(StringArray::from(vec![Some("maybe"), None]));
        assert_eq!(describe(&strings, 0), "`maybe`");
        assert_eq!(describe(&strings, 1), "an empty value");
    }
}
