//! `accord assess --interactive`: ask the unknown facts that change the outcome,
//! round after round (an answer can raise new questions), then write the
//! completed profile and assess it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::bail;
use dialoguer::{Input, MultiSelect, Select};
use serde_json::Value;

use accord_assess::{Assessor, ProfileInput};
use accord_model::facts::{FactDef, Source, parse_date};
use accord_model::{FactType, markets};

use crate::input;
use crate::output::write_atomically;

const UNKNOWN: &str = "I don't know (leave unknown)";

/// Asks one fact; `None` leaves it unknown.
fn ask(fact: &FactDef, decides: &[String]) -> anyhow::Result<Option<Value>> {
    let prompt = format!(
        "{}\n  ({}; decides {})",
        fact.question,
        fact.id,
        decides.join(", ")
    );
    let theme = dialoguer::theme::SimpleTheme;
    Ok(match fact.kind {
        FactType::Bool => {
            let choice = Select::with_theme(&theme)
                .with_prompt(prompt)
                .items(["yes", "no", UNKNOWN])
                .default(2)
                .interact()?;
            match choice {
                0 => Some(Value::Bool(true)),
                1 => Some(Value::Bool(false)),
                _ => None,
            }
        }
        FactType::Enum => {
            let mut items: Vec<&str> = fact.values.iter().map(String::as_str).collect();
            items.push(UNKNOWN);
            let choice = Select::with_theme(&theme)
                .with_prompt(prompt)
                .items(&items)
                .default(items.len() - 1)
                .interact()?;
            fact.values.get(choice).map(|v| Value::String(v.clone()))
        }
        FactType::Set => {
            let known = Select::with_theme(&theme)
                .with_prompt(prompt)
                .items(["choose the values that apply (none is an answer)", UNKNOWN])
                .default(0)
                .interact()?;
            if known == 1 {
                return Ok(None);
            }
            let chosen = MultiSelect::with_theme(&theme)
                .with_prompt("space to select, enter to confirm")
                .items(&fact.values)
                .interact()?;
            Some(Value::Array(
                chosen
                    .into_iter()
                    .map(|i| Value::String(fact.values[i].clone()))
                    .collect(),
            ))
        }
        FactType::Markets => {
            let text: String = Input::with_theme(&theme)
                .with_prompt(format!(
                    "{prompt}\n  comma-separated codes, empty to leave unknown"
                ))
                .allow_empty(true)
                .validate_with(|t: &String| -> Result<(), String> {
                    t.split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .try_for_each(|c| markets::validate(c).map_err(|e| e.message))
                })
                .interact_text()?;
            let codes: Vec<Value> = text
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| Value::String(c.to_string()))
                .collect();
            (!codes.is_empty()).then_some(Value::Array(codes))
        }
        FactType::Number => {
            let text: String = Input::with_theme(&theme)
                .with_prompt(format!(
                    "{prompt}\n  a number (1e25 is fine), empty to leave unknown"
                ))
                .allow_empty(true)
                .validate_with(|t: &String| -> Result<(), String> {
                    if t.trim().is_empty()
                        || t.trim()
                            .parse::<f64>()
                            .is_ok_and(|n| n.is_finite() && n >= 0.0)
                    {
                        Ok(())
                    } else {
                        Err("a number, at least 0".into())
                    }
                })
                .interact_text()?;
            let t = text.trim();
            if t.is_empty() {
                None
            } else if let Ok(i) = t.parse::<i64>() {
                Some(Value::from(i))
            } else {
                t.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            }
        }
        FactType::Date => {
            let text: String = Input::with_theme(&theme)
                .with_prompt(format!("{prompt}\n  YYYY-MM-DD, empty to leave unknown"))
                .allow_empty(true)
                .validate_with(|t: &String| -> Result<(), String> {
                    if t.trim().is_empty() {
                        Ok(())
                    } else {
                        parse_date(t.trim()).map(|_| ())
                    }
                })
                .interact_text()?;
            (!text.trim().is_empty()).then(|| Value::String(text.trim().to_string()))
        }
        FactType::String => {
            let text: String = Input::with_theme(&theme)
                .with_prompt(format!("{prompt}\n  empty to leave unknown"))
                .allow_empty(true)
                .interact_text()?;
            (!text.trim().is_empty()).then(|| Value::String(text.trim().to_string()))
        }
    })
}

/// Sets a fact in a profile's JSON, creating parent mappings as needed.
pub fn set_fact(profile: &mut Value, fact: &FactDef, value: Value) {
    let path: Vec<String> = match &fact.source {
        Source::Pointer(pointer) => pointer
            .trim_start_matches('/')
            .split('/')
            .map(str::to_string)
            .collect(),
        Source::Custom => vec!["facts".to_string(), fact.id.clone()],
        Source::ExportSum { .. } => return,
    };
    let mut current = profile;
    for (i, key) in path.iter().enumerate() {
        if !current.is_object() {
            *current = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = current else { return };
        if i + 1 == path.len() {
            map.insert(key.clone(), value);
            return;
        }
        current = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

/// Renders a JSON value as block YAML (strings quoted when YAML would read them otherwise).
pub fn to_yaml(value: &Value) -> String {
    fn scalar(v: &Value) -> String {
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => {
                let plain = !s.is_empty()
                    && !s.contains([
                        ':', '#', '\n', '"', '\'', '{', '}', '[', ']', ',', '&', '*', '!', '|',
                        '>', '%', '@', '`',
                    ])
                    && !s.starts_with([' ', '-', '?'])
                    && !s.ends_with(' ')
                    && !matches!(
                        s.as_str(),
                        "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off"
                    )
                    && s.parse::<f64>().is_err()
                    && parse_date(s).is_err();
                if plain {
                    s.clone()
                } else {
                    serde_json::to_string(s).unwrap_or_default()
                }
            }
            Value::Array(items) if items.is_empty() => "[]".into(),
            Value::Object(map) if map.is_empty() => "{}".into(),
            _ => String::new(),
        }
    }
    fn key(k: &str) -> String {
        scalar(&Value::String(k.to_string()))
    }
    fn write(v: &Value, indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent);
        match v {
            Value::Object(map) => {
                for (k, item) in map {
                    match item {
                        Value::Object(m) if !m.is_empty() => {
                            out.push_str(&format!("{pad}{}:\n", key(k)));
                            write(item, indent + 1, out);
                        }
                        Value::Array(a)
                            if !a.is_empty()
                                && a.iter().all(|x| !x.is_object() && !x.is_array()) =>
                        {
                            let items: Vec<String> = a.iter().map(scalar).collect();
                            out.push_str(&format!("{pad}{}: [{}]\n", key(k), items.join(", ")));
                        }
                        Value::Array(a) if !a.is_empty() => {
                            out.push_str(&format!("{pad}{}:\n", key(k)));
                            write(item, indent + 1, out);
                        }
                        _ => out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(item))),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(m) if !m.is_empty() => {
                            let mut inner = String::new();
                            write(item, indent + 1, &mut inner);
                            let trimmed = inner.trim_start_matches(' ');
                            out.push_str(&format!("{pad}- {trimmed}"));
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                    }
                }
            }
            other => out.push_str(&format!("{pad}{}\n", scalar(other))),
        }
    }
    let mut out = String::new();
    write(value, 0, &mut out);
    out
}

/// Runs the questionnaire and returns the path of the completed profile.
pub fn complete(
    path: &Path,
    assessor: &Assessor<'_>,
    save: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!(
            "--interactive needs a terminal to ask questions in; answer the facts in the profile instead (see `accord questions {}`)",
            path.display()
        );
    }
    let rules = assessor.rules;
    let mut profile = input::profile(path, rules)?;
    let mut value = profile.document.value.clone();
    let mut skipped: Vec<String> = Vec::new();
    let mut answered = 0;
    loop {
        let assessment = assessor.assess(&profile);
        let open: Vec<_> = crate::commands::open_questions(&assessment)
            .into_iter()
            .filter(|q| !skipped.contains(&q.fact))
            .collect();
        if open.is_empty() {
            break;
        }
        eprintln!(
            "\n{} open question{} for {}:",
            open.len(),
            if open.len() == 1 { "" } else { "s" },
            profile.name
        );
        let mut changed = false;
        for q in open {
            let Some(fact) = rules.registry.get(&q.fact) else {
                continue;
            };
            match ask(fact, &q.decides)? {
                Some(answer) => {
                    set_fact(&mut value, fact, answer);
                    answered += 1;
                    changed = true;
                }
                None => skipped.push(q.fact.clone()),
            }
        }
        let text = serde_json::to_string(&value)?;
        profile = ProfileInput::parse(&text, &path.display().to_string(), rules)
            .map_err(crate::output::Diagnostics)?;
        if !changed {
            break;
        }
    }
    let target = match save {
        Some(p) => p.to_path_buf(),
        None => {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("profile");
            path.with_file_name(format!("{stem}.completed.yaml"))
        }
    };
    let header = format!(
        "# Completed by `accord assess --interactive` from {}: {answered} answers.\n",
        path.display()
    );
    write_atomically(&target, format!("{header}{}", to_yaml(&value)).as_bytes())?;
    eprintln!(
        "\nwrote {} ({answered} answers, {} left unknown)",
        target.display(),
        skipped.len()
    );
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trips_through_the_reader() {
        let value = serde_json::json!({
            "accord": "profile/v1", "name": "A: B", "markets": ["EU", "US-NY-NYC"], "ai_system": true,
            "placed_on_market": "2025-06-01", "version": "2.3", "operator": {"roles": ["provider"], "name": "x"},
            "personal_data": {"exports": [{"from": "CN", "to": "US", "individuals": 250000}]}, "generates": [],
            "model": {"training_compute_flop": 3e25}
        });
        let text = to_yaml(&value);
        let doc = accord_model::Document::parse(&text, "t").unwrap();
        assert_eq!(doc.value, value, "{text}");
    }
}
