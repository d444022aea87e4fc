//! Runs the hand-computed metric cases in `tests/cases/metrics.yaml` through
//! the engine (Arrow batches, two worker threads) and the metrics.

use std::sync::Arc;

use accord_fairness::FairnessError;
use accord_fairness::engine::{AuditSpec, run};
use accord_fairness::filter::Filter;
use accord_fairness::metrics::{AuditOptions, audit};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;

/// A column built from YAML values: integers, floats or text.
fn column(values: &[Value], force_float: bool) -> (DataType, ArrayRef) {
    let present: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
    if !force_float && present.iter().all(|v| v.is_i64()) {
        let array = Int64Array::from(values.iter().map(Value::as_i64).collect::<Vec<_>>());
        (DataType::Int64, Arc::new(array))
    } else if force_float || present.iter().all(|v| v.is_number()) {
        let array = Float64Array::from(values.iter().map(Value::as_f64).collect::<Vec<_>>());
        (DataType::Float64, Arc::new(array))
    } else {
        let array = StringArray::from(
            values
                .iter()
                .map(|v| match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .collect::<Vec<_>>(),
        );
        (DataType::Utf8, Arc::new(array))
    }
}

fn expected_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let (a, b) = s.split_once('/')?;
            Some(a.trim().parse::<f64>().ok()? / b.trim().parse::<f64>().ok()?)
        }
        _ => None,
    }
}

/// Written as an expected value: the key must not be there at all (an audit
/// leaves out what it cannot compute instead of writing zeros or nulls).
const ABSENT: &str = "<absent>";

/// Checks that `actual` has what `expected` says; problems are pushed with their JSON path.
fn matches(expected: &Value, actual: &Value, path: &str, problems: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                match a.get(key) {
                    Some(found) if value.as_str() == Some(ABSENT) => {
                        problems.push(format!("{path}/{key}: {found}, expected no such key"))
                    }
                    None if value.as_str() == Some(ABSENT) => {}
                    Some(found) => matches(value, found, &format!("{path}/{key}"), problems),
                    None if value.is_null() => {}
                    None => problems.push(format!("{path}/{key}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                problems.push(format!(
                    "{path}: {} items, expected {}: {actual}",
                    a.len(),
                    e.len()
                ));
                return;
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                matches(x, y, &format!("{path}/{i}"), problems);
            }
        }
        (e, Value::Number(a)) if expected_number(e).is_some() => {
            let want = expected_number(e).unwrap_or(f64::NAN);
            let got = a.as_f64().unwrap_or(f64::NAN);
            if (want - got).abs() > 1e-12 {
                problems.push(format!("{path}: {got}, expected {want} ({e})"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => problems.push(format!("{path}: {a}, expected {e}")),
    }
}

fn rows_of(case: &Value, groups: &[String], scored: bool) -> Vec<Vec<Value>> {
    if let Some(cells) = case.get("cells").and_then(Value::as_array) {
        let mut rows = Vec::new();
        for cell in cells {
            let group = cell["group"].as_array().cloned().unwrap_or_default();
            assert_eq!(group.len(), groups.len(), "cell {cell}");
            for (name, label, prediction) in
                [("tp", 1, 1), ("fp", 0, 1), ("tn", 0, 0), ("fn", 1, 0)]
            {
                for _ in 0..cell[name].as_u64().unwrap_or(0) {
                    let mut row = group.clone();
                    row.push(label.into());
                    row.push(prediction.into());
                    rows.push(row);
                }
            }
        }
        assert!(!scored, "cells cannot carry scores; use rows");
        rows
    } else {
        case["rows"]
            .as_array()
            .expect("a case has `cells` or `rows`")
            .iter()
            .map(|r| r.as_array().cloned().expect("a row is a list"))
            .collect()
    }
}

#[test]
fn metric_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/metrics.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let document = accord_model::doc::Document::parse(&text, path).unwrap();
    let cases = document.value.as_array().expect("a list of cases").clone();
    assert!(cases.len() >= 8);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let groups: Vec<String> = case["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let scored = case["score"].as_bool().unwrap_or(false);
        let labelled = case["label"].as_bool().unwrap_or(true);
        let predicted = case["prediction"].as_bool().unwrap_or(true);
        let filter = case["filter"].as_str().map(|f| Filter::parse(f).unwrap());
        let rows = rows_of(case, &groups, scored);
        let names: Vec<String> = match case["columns"].as_array() {
            Some(names) => names
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
            None => {
                // Row values: the groups, then the label, the prediction and
                // the score that the case has.
                let mut names = groups.clone();
                if labelled {
                    names.push("label".into());
                }
                if predicted {
                    names.push("prediction".into());
                }
                if scored {
                    names.push("score".into());
                }
                names
            }
        };
        let mut fields = Vec::new();
        let mut arrays = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let values: Vec<Value> = rows
                .iter()
                .map(|r| r.get(i).cloned().unwrap_or(Value::Null))
                .collect();
            let (data_type, array) = column(&values, name == "score");
            fields.push(Field::new(name, data_type, true));
            arrays.push(array);
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
        // Split in batches of three rows, so that the workers share the work.
        let batches: Vec<RecordBatch> = (0..batch.num_rows())
            .step_by(3)
            .map(|start| batch.slice(start, 3.min(batch.num_rows() - start)))
            .collect();
        let spec = AuditSpec {
            groups: groups.clone(),
            label: labelled.then(|| "label".to_string()),
            prediction: predicted.then(|| "prediction".to_string()),
            score: scored.then(|| "score".to_string()),
            filter,
        };
        let mut reader = batches.into_iter().map(Ok::<_, FairnessError>);
        let mut tally = run(&mut reader, &spec, 2, |_, _| {}).unwrap();
        tally.rows_rejected = case["rejected"].as_u64().unwrap_or(0);
        let options = AuditOptions {
            label: spec.label.clone(),
            prediction: spec.prediction.clone(),
            score: spec.score.clone(),
            exclude_small: case["exclude_small"].as_bool().unwrap_or(false),
            exclusion_justification: case["justification"].as_str().map(str::to_string),
            ..AuditOptions::default()
        };
        let result = serde_json::to_value(audit(&tally, &options)).unwrap();
        let mut problems = Vec::new();
        matches(&case["expect"], &result, "", &mut problems);
        if !problems.is_empty() {
            failures.push(format!("case `{name}`:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
