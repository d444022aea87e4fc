//! Exports the built-in rulepacks as one Rego policy, with N fully-known
//! generated profiles, so that a Rego engine can evaluate the same rules on
//! the same inputs (bench/rego-peer.sh). Also times Accord on those inputs.
//!
//! Every fact of every profile is known, so Accord's three-valued logic and
//! Rego's two-valued logic (negation as failure) must give the same answer;
//! the peer script checks that they do, rule by rule, for every profile.
//!
//! Usage: `rego-export N OUTDIR`. Writes `policy.rego`, `inputs.jsonl` (the
//! Rego input per profile), `expected.jsonl` (the rule ids that hold, per
//! Accord) and `accord.json` (Accord's timings).

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Map, Value, json};

use accord_assess::{Assessor, Options, ProfileInput};
use accord_model::facts::Source;
use accord_model::{FactType, markets};
use accord_rules::compile::{Cmp, Const, Op};
use accord_rules::{Node, RuleKind, RuleSet, Truth};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use accord_bench::Rng;

const MARKETS: &[&str] = &[
    "EU",
    "DE",
    "CN",
    "US",
    "US-CA",
    "US-NY",
    "US-NY-NYC",
    "US-CO",
    "US-IL",
    "US-TX",
    "US-UT",
    "KR",
    "JP",
];
const NUMBERS: &[f64] = &[
    0.0,
    5.0,
    9_999.0,
    10_000.0,
    99_999.0,
    100_000.0,
    1e6,
    1_000_001.0,
    5e8,
    6e8,
    1e10,
    1e12,
    1e23,
    3e25,
    1e26,
    2e26,
];

/// A profile with every fact known, built from the fact registry.
fn profile(rules: &RuleSet, rng: &mut Rng, i: usize) -> Value {
    let mut p = Map::new();
    p.insert("accord".into(), json!("profile/v1"));
    p.insert("name".into(), json!(format!("Known {i}")));
    let mut custom = Map::new();
    for fact in rules.registry.facts() {
        let value = match fact.kind {
            // Mostly in scope, so that most rules are exercised rather than exempted.
            FactType::Bool if fact.id == "ai_system" => json!(rng.below(10) != 0),
            FactType::Set if fact.id == "exclusions" => json!(if rng.below(10) == 0 {
                vec!["scientific-research"]
            } else {
                vec![]
            }),
            FactType::Bool => json!(rng.below(2) == 0),
            FactType::Number => json!(NUMBERS[rng.below(NUMBERS.len() as u64) as usize]),
            FactType::Date => json!(format!(
                "20{}-0{}-1{}",
                21 + rng.below(7),
                1 + rng.below(9),
                rng.below(10)
            )),
            FactType::String if fact.id == "operator.established_in" => {
                json!(["US-CA", "CN", "DE", "GB", "KR"][rng.below(5) as usize])
            }
            FactType::String => json!("some value"),
            FactType::Enum => json!(fact.values[rng.below(fact.values.len() as u64) as usize]),
            FactType::Set => {
                let mut items: Vec<&String> =
                    fact.values.iter().filter(|_| rng.below(8) == 0).collect();
                items.dedup();
                json!(items)
            }
            FactType::Markets => {
                let mut items: Vec<&str> = MARKETS
                    .iter()
                    .copied()
                    .filter(|_| rng.below(3) == 0)
                    .collect();
                if items.is_empty() {
                    items.push("EU");
                }
                json!(items)
            }
        };
        match &fact.source {
            Source::Pointer(_) => {
                let keys: Vec<&str> = fact.id.split('.').collect();
                let mut target = &mut p;
                for key in &keys[..keys.len() - 1] {
                    target = target
                        .entry(key.to_string())
                        .or_insert_with(|| json!({}))
                        .as_object_mut()
                        .expect("object");
                }
                target.insert(keys[keys.len() - 1].to_string(), value);
            }
            Source::Custom => {
                custom.insert(fact.id.clone(), value);
            }
            Source::ExportSum { .. } => {}
        }
    }
    let individuals = NUMBERS[rng.below(8) as usize];
    let sensitive = [0.0, 1.0, 9_999.0, 10_000.0][rng.below(4) as usize];
    p.entry("personal_data".to_string())
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("object")
        .insert("exports".into(), json!([{"from": "CN", "to": "US", "individuals": individuals, "sensitive_individuals": sensitive}]));
    p.insert("facts".into(), Value::Object(custom));
    Value::Object(p)
}

/// The Rego input: every fact by id, markets expanded with their ancestors.
fn rego_input(rules: &RuleSet, input: &ProfileInput, as_of: &str) -> Value {
    let mut f = Map::new();
    for (def, value) in rules.registry.facts().iter().zip(&input.values) {
        let Some(value) = value else { continue };
        let v = match value {
            accord_model::FactValue::Bool(b) => json!(b),
            accord_model::FactValue::Number(n) => json!(n),
            accord_model::FactValue::Date(d) => json!(d.to_string()),
            accord_model::FactValue::Text(t) => json!(t),
            accord_model::FactValue::Set(items) if def.kind == FactType::Markets => {
                let mut all: Vec<String> =
                    items.iter().flat_map(|m| markets::ancestors(m)).collect();
                all.sort();
                all.dedup();
                json!(all)
            }
            accord_model::FactValue::Set(items) => json!(items),
        };
        f.insert(def.id.clone(), v);
    }
    json!({"as_of": as_of, "f": f})
}

struct Rego<'a> {
    rules: &'a RuleSet,
    out: String,
    next: usize,
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

impl Rego<'_> {
    fn fact(&self, fact: usize) -> String {
        format!("input.f[{}]", quote(&self.rules.registry.facts()[fact].id))
    }

    fn constant(&self, c: &Const, kind: FactType) -> String {
        match c {
            Const::Bool(b) => b.to_string(),
            Const::Num(n) if kind == FactType::Date => {
                let code = *n as i64;
                quote(&format!(
                    "{:04}-{:02}-{:02}",
                    code / 10_000,
                    (code / 100) % 100,
                    code % 100
                ))
            }
            Const::Num(n) => format!("{n:e}"),
            Const::Sym(s) => quote(self.rules.symbols().name(*s)),
        }
    }

    fn symbols(&self, list: &[u32]) -> String {
        list.iter()
            .map(|&s| quote(self.rules.symbols().name(s)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn rule_ref(&self, r: usize) -> String {
        // Conditions see exemptions only while they are in force.
        if self.rules.rules[r].kind == RuleKind::Exemption {
            format!("e{r}")
        } else {
            format!("r{r}")
        }
    }

    /// Emits rules for a node and returns the name of the rule that holds when it does.
    fn node(&mut self, node: &Node) -> String {
        let name = format!("n{}", self.next);
        self.next += 1;
        match node {
            Node::All(children) => {
                let parts: Vec<String> = children.iter().map(|c| self.node(c)).collect();
                let body = if parts.is_empty() {
                    "true".to_string()
                } else {
                    parts.join("\n  ")
                };
                let _ = writeln!(self.out, "{name} if {{\n  {body}\n}}");
            }
            Node::Any(children) => {
                for c in children {
                    let part = self.node(c);
                    let _ = writeln!(self.out, "{name} if {part}");
                }
            }
            Node::Not(inner) => {
                let part = self.node(inner);
                let _ = writeln!(self.out, "{name} if not {part}");
            }
            Node::Rule(r) => {
                let target = self.rule_ref(*r);
                let _ = writeln!(self.out, "{name} if {target}");
            }
            Node::Classification { producers, .. } => {
                for &p in producers {
                    let target = self.rule_ref(p);
                    let _ = writeln!(self.out, "{name} if {target}");
                }
            }
            Node::Leaf { fact, op } => {
                let f = self.fact(*fact);
                let kind = self.rules.registry.facts()[*fact].kind;
                let body = match op {
                    Op::Equals(c) => format!("{f} == {}", self.constant(c, kind)),
                    Op::In(list) => format!(
                        "{f} in {{{}}}",
                        list.iter()
                            .map(|c| self.constant(c, kind))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Op::Contains(s) => format!("{} in {f}", quote(self.rules.symbols().name(*s))),
                    Op::ContainsAny(list) => {
                        format!("some v in {f}\n  v in {{{}}}", self.symbols(list))
                    }
                    Op::ContainsAll(list) => {
                        format!("every v in [{}] {{ v in {f} }}", self.symbols(list))
                    }
                    Op::Empty(true) => format!("count({f}) == 0"),
                    Op::Empty(false) => format!("count({f}) > 0"),
                    Op::Compare(cmp, limit) => {
                        let op = match cmp {
                            Cmp::Gt => ">",
                            Cmp::Ge => ">=",
                            Cmp::Lt => "<",
                            Cmp::Le => "<=",
                        };
                        format!("{f} {op} {}", self.constant(&Const::Num(*limit), kind))
                    }
                    Op::Known(true) => format!(
                        "{} in object.keys(input.f)",
                        quote(&self.rules.registry.facts()[*fact].id)
                    ),
                    Op::Known(false) => format!(
                        "not {} in object.keys(input.f)",
                        quote(&self.rules.registry.facts()[*fact].id)
                    ),
                };
                let _ = writeln!(self.out, "{name} if {{\n  {body}\n}}");
            }
        }
        name
    }

    fn policy(mut self) -> String {
        self.out.push_str("# Generated by bench/src/rego_export.rs from Accord's built-in rulepacks. Do not edit.\npackage accord\n\nimport rego.v1\n\n");
        for (r, rule) in self.rules.rules.iter().enumerate() {
            let when = self.node(&rule.when);
            let mut body = vec![
                format!("{} in input.f[\"markets\"]", quote(&rule.jurisdiction)),
                when,
            ];
            let binds: Vec<&String> = rule.binds.iter().filter(|b| *b != "any").collect();
            if rule.kind == RuleKind::Obligation
                && !binds.is_empty()
                && binds.len() == rule.binds.len()
            {
                body.push(format!(
                    "some role in input.f[\"operator.roles\"]\n  role in {{{}}}",
                    binds
                        .iter()
                        .map(|b| quote(b))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !rule.exempted_by.is_empty() {
                body.push(format!("not x{r}"));
                for &e in &rule.exempted_by {
                    let _ = writeln!(self.out, "x{r} if e{e}");
                }
            }
            let _ = writeln!(self.out, "r{r} if {{\n  {}\n}}", body.join("\n  "));
            if rule.kind == RuleKind::Exemption {
                let mut window = vec![format!("r{r}")];
                if let Some(from) = rule.applies_from {
                    window.push(format!("input.as_of >= {}", quote(&from.to_string())));
                }
                if let Some(until) = rule.applies_until {
                    window.push(format!("input.as_of < {}", quote(&until.to_string())));
                }
                let _ = writeln!(self.out, "e{r} if {{\n  {}\n}}", window.join("\n  "));
            }
            let _ = writeln!(self.out, "holds contains {} if r{r}\n", quote(&rule.id));
        }
        self.out
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .context("usage: rego-export N OUTDIR")?
        .parse()
        .context("N must be a number")?;
    let dir = std::path::PathBuf::from(args.next().context("usage: rego-export N OUTDIR")?);
    std::fs::create_dir_all(&dir)?;
    let rules = accord_bench::builtin_rules()?;
    let as_of = jiff::civil::date(2026, 11, 28);

    std::fs::write(
        dir.join("policy.rego"),
        Rego {
            rules: &rules,
            out: String::new(),
            next: 0,
        }
        .policy(),
    )?;

    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let texts: Vec<String> = (0..n)
        .map(|i| serde_json::to_string(&profile(&rules, &mut rng, i)).expect("json"))
        .collect();
    let inputs: Vec<ProfileInput> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            ProfileInput::parse(t, &format!("known-{i}.json"), &rules)
                .map_err(|d| anyhow::anyhow!("profile {i}: {d:?}"))
        })
        .collect::<anyhow::Result<_>>()?;

    let mut inputs_file = std::io::BufWriter::new(std::fs::File::create(dir.join("inputs.jsonl"))?);
    let mut expected_file =
        std::io::BufWriter::new(std::fs::File::create(dir.join("expected.jsonl"))?);
    let mut unknown = 0usize;
    for input in &inputs {
        serde_json::to_writer(
            &mut inputs_file,
            &rego_input(&rules, input, &as_of.to_string()),
        )?;
        inputs_file.write_all(b"\n")?;
        let evaluation = rules.evaluate(&rules.facts(&input.values), as_of);
        let mut holds: Vec<&str> = Vec::new();
        for (r, rule) in rules.rules.iter().enumerate() {
            match evaluation.truth(r) {
                Truth::True => holds.push(&rule.id),
                Truth::Unknown => unknown += 1,
                Truth::False => {}
            }
        }
        holds.sort_unstable();
        serde_json::to_writer(&mut expected_file, &holds)?;
        expected_file.write_all(b"\n")?;
    }
    inputs_file.flush()?;
    expected_file.flush()?;
    anyhow::ensure!(
        unknown == 0,
        "{unknown} rule outcomes are unknown although every fact is known"
    );

    // Accord on the same inputs: the truth of every rule, and the full assessment.
    let start = Instant::now();
    let mut count = 0usize;
    for (i, t) in texts.iter().enumerate() {
        let input = ProfileInput::parse(t, &format!("known-{i}.json"), &rules)
            .map_err(|d| anyhow::anyhow!("{d:?}"))?;
        let evaluation = rules.evaluate(&rules.facts(&input.values), as_of);
        count += (0..rules.rules.len())
            .filter(|&r| evaluation.truth(r) == Truth::True)
            .count();
    }
    let truth = start.elapsed().as_secs_f64();
    let assessor = Assessor {
        rules: &rules,
        evidence: &[],
        options: Options {
            as_of,
            jurisdictions: Vec::new(),
        },
    };
    let start = Instant::now();
    let mut applicable = 0usize;
    for (i, t) in texts.iter().enumerate() {
        let input = ProfileInput::parse(t, &format!("known-{i}.json"), &rules)
            .map_err(|d| anyhow::anyhow!("{d:?}"))?;
        applicable += assessor.assess(&input).summary.obligations_applicable;
    }
    let full = start.elapsed().as_secs_f64();
    let report = json!({
        "profiles": n, "rules": rules.rules.len(), "rules_holding": count, "obligations_applicable": applicable,
        "truth_per_second": n as f64 / truth, "assess_per_second": n as f64 / full,
    });
    std::fs::write(
        dir.join("accord.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
