//! Validation and compilation of loaded packs into a [`RuleSet`].
//!
//! Everything a pack author can get wrong is found here and reported with
//! file:line:column: unknown facts and values, operators that do not fit a
//! fact's type, unknown controls and instruments, dangling or duplicate ids,
//! reference cycles, impossible dates.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use serde_json::Value;

use accord_model::doc::{Diagnostic, Document, did_you_mean, quote_list};
use accord_model::facts::{FactDef, Source, parse_date};
use accord_model::{FactRegistry, FactType, markets};

use crate::pack::{
    Catalogue, ControlMapping, EVIDENCE_KINDS, EvidenceExpectation, Instrument, LoadedPack,
    RuleKind, Verification,
};

/// Interned strings: every value a rule compares against gets a small integer.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

/// The symbol of a string no rule mentions: it equals nothing.
pub const FOREIGN: u32 = u32::MAX;

impl Symbols {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    pub fn get(&self, name: &str) -> u32 {
        self.ids.get(name).copied().unwrap_or(FOREIGN)
    }

    pub fn name(&self, id: u32) -> &str {
        self.names
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }
}

/// A constant in a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Bool(bool),
    Num(f64),
    Sym(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => "≥",
            Cmp::Lt => "<",
            Cmp::Le => "≤",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Equals(Const),
    In(Vec<Const>),
    Contains(u32),
    ContainsAny(Vec<u32>),
    ContainsAll(Vec<u32>),
    Empty(bool),
    /// Numbers, or dates as `yyyymmdd`.
    Compare(Cmp, f64),
    Known(bool),
}

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Leaf {
        fact: usize,
        op: Op,
    },
    /// Another rule's final truth.
    Rule(usize),
    /// Some producer of a classification holds.
    Classification {
        id: String,
        producers: Vec<usize>,
    },
}

/// A date as an ordered integer, `yyyymmdd`.
pub fn date_code(date: Date) -> i32 {
    i32::from(date.year()) * 10_000 + i32::from(date.month()) * 100 + i32::from(date.day())
}

/// Where a rule is defined.
#[derive(Clone, Debug)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug)]
pub struct TransitionalDate {
    pub when: Node,
    pub applies_from: Date,
    pub citation: Option<String>,
}

/// A validated, compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub pack: usize,
    pub classification: Option<String>,
    pub title: String,
    pub title_zh: Option<String>,
    pub instrument: Instrument,
    pub citation: String,
    pub source: String,
    pub verification: Verification,
    pub note: Option<String>,
    pub jurisdiction: String,
    pub applies_from: Option<Date>,
    pub applies_until: Option<Date>,
    pub transitional: Vec<TransitionalDate>,
    pub when: Node,
    pub because: Option<String>,
    pub because_zh: Option<String>,
    pub effect: Option<String>,
    pub binds: Vec<String>,
    pub controls: Vec<ControlMapping>,
    pub evidence: Vec<EvidenceExpectation>,
    pub deadline: Option<String>,
    /// For exemptions: the rules they exempt.
    pub exempts: Vec<usize>,
    /// The exemptions that exempt this rule.
    pub exempted_by: Vec<usize>,
    pub location: Location,
    pub(crate) jurisdiction_symbol: u32,
    /// Empty when the rule binds any role.
    pub(crate) binds_symbols: Vec<u32>,
}

/// A loaded pack's metadata, kept for reports and explanations.
#[derive(Clone, Debug)]
pub struct PackInfo {
    pub id: String,
    pub version: String,
    pub digest: String,
    pub jurisdiction: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub description: Option<String>,
    pub instruments: Vec<Instrument>,
    pub root: String,
    pub builtin: bool,
}

/// Every loaded rule, validated and compiled, ready to evaluate.
#[derive(Clone, Debug)]
pub struct RuleSet {
    pub registry: FactRegistry,
    pub catalogue: Catalogue,
    pub packs: Vec<PackInfo>,
    pub rules: Vec<Rule>,
    /// Rules in an order where every rule comes after those it depends on.
    pub(crate) order: Vec<usize>,
    pub(crate) symbols: Symbols,
    pub(crate) roles_fact: usize,
    pub(crate) markets_fact: usize,
    /// Jurisdictions in the order packs introduce them.
    pub jurisdictions: Vec<String>,
    pub classification_producers: HashMap<String, Vec<usize>>,
    /// Rule indices by id.
    pub(crate) index: HashMap<String, usize>,
    /// For each of `jurisdictions`: its rules, and its classification ids with the rules producing each.
    pub by_jurisdiction: Vec<JurisdictionRules>,
}

/// The rules of one jurisdiction, grouped for assembling results.
#[derive(Clone, Debug)]
pub struct JurisdictionRules {
    pub rules: Vec<usize>,
    pub classifications: Vec<(String, Vec<usize>)>,
    /// The title of the pack that declares the jurisdiction, if one does.
    pub name: Option<String>,
}

struct Compiler<'a> {
    registry: &'a FactRegistry,
    symbols: &'a mut Symbols,
    rule_index: &'a HashMap<String, usize>,
    producers: &'a HashMap<String, Vec<usize>>,
    problems: &'a mut Vec<Diagnostic>,
}

impl RuleSet {
    /// Validates and compiles packs against a control catalogue. Returns every
    /// problem found, each located, when there are any.
    pub fn compile(
        packs: Vec<LoadedPack>,
        catalogue: Catalogue,
    ) -> Result<RuleSet, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let mut registry = FactRegistry::builtin();
        let mut pack_ids: HashMap<String, usize> = HashMap::new();

        // Pass 1: pack metadata, custom facts and purposes.
        for (p, pack) in packs.iter().enumerate() {
            let m = &pack.manifest;
            let doc = &pack.manifest_document;
            if let Some(&other) = pack_ids.get(&m.id) {
                problems.push(
                    doc.error_at_value("/id", format!("Duplicate rulepack id `{}`", m.id))
                        .with_hint(format!("`{}` already defines it", packs[other].root)),
                );
            }
            pack_ids.insert(m.id.clone(), p);
            check_id(doc, "/id", &m.id, &mut problems);
            check_jurisdiction(doc, "/jurisdiction", &m.jurisdiction, &mut problems);
            let chinese = is_chinese(&m.jurisdiction);
            let mut instrument_ids = HashSet::new();
            for (i, instrument) in m.instruments.iter().enumerate() {
                let at = format!("/instruments/{i}");
                if !instrument_ids.insert(instrument.id.as_str()) {
                    problems.push(doc.error_at_value(
                        &format!("{at}/id"),
                        format!("Duplicate instrument id `{}`", instrument.id),
                    ));
                }
                if chinese && instrument.title_zh.as_deref().is_none_or(str::is_empty) {
                    problems.push(doc.error_at(
                        &at,
                        format!(
                            "Instrument `{}` of a Chinese pack needs `title_zh`",
                            instrument.id
                        ),
                    ));
                }
                check_url(
                    doc,
                    &format!("{at}/source"),
                    &instrument.source,
                    &mut problems,
                );
                if let Some(date) = &instrument.in_force {
                    check_date(doc, &format!("{at}/in_force"), date, &mut problems);
                }
            }
            for (i, fact) in m.facts.iter().enumerate() {
                let at = format!("/facts/{i}");
                if !is_fact_id(&fact.id) {
                    problems.push(doc.error_at_value(
                        &format!("{at}/id"),
                        format!(
                            "Fact id `{}` must be lowercase words joined by `.` or `_`",
                            fact.id
                        ),
                    ));
                }
                if matches!(fact.kind, FactType::Enum | FactType::Set) && fact.values.is_empty() {
                    problems.push(doc.error_at(
                        &at,
                        format!(
                            "Fact `{}` of type {} needs `values`",
                            fact.id,
                            fact.kind.as_str()
                        ),
                    ));
                }
                if fact.kind == FactType::Markets {
                    problems.push(doc.error_at(
                        &format!("{at}/type"),
                        "Only the built-in `markets` fact has type `markets`",
                    ));
                }
                let def = FactDef {
                    id: fact.id.clone(),
                    kind: fact.kind,
                    values: fact.values.clone(),
                    question: fact.question.clone(),
                    question_zh: fact.question_zh.clone(),
                    source: Source::Custom,
                    declared_by: Some(m.id.clone()),
                };
                if let Err(message) = registry.declare(def) {
                    problems.push(doc.error_at_value(&format!("{at}/id"), message));
                }
            }
            registry.extend_values("purposes", m.purposes.iter().cloned());
        }

        // Pass 2: rule ids and classification producers, so references resolve in any order.
        let mut rule_index: HashMap<String, usize> = HashMap::new();
        let mut producers: HashMap<String, Vec<usize>> = HashMap::new();
        let mut flat = Vec::new();
        for (p, pack) in packs.iter().enumerate() {
            for (r, rule) in pack.rules.iter().enumerate() {
                let index = flat.len();
                let doc = &pack.documents[rule.document];
                if let Some(&previous) = rule_index.get(&rule.def.id) {
                    let (pp, pr): (usize, usize) = flat[previous];
                    let prev = &packs[pp].rules[pr];
                    let at = packs[pp].documents[prev.document]
                        .position(&format!("{}/id", prev.pointer));
                    let where_ = at
                        .map(|a| {
                            format!(
                                "{}:{}:{}",
                                packs[pp].documents[prev.document].file, a.line, a.column
                            )
                        })
                        .unwrap_or_default();
                    problems.push(
                        doc.error_at_value(
                            &format!("{}/id", rule.pointer),
                            format!("Duplicate rule id `{}`", rule.def.id),
                        )
                        .with_hint(format!("first defined at {where_}")),
                    );
                } else {
                    rule_index.insert(rule.def.id.clone(), index);
                }
                if let Some(class) = &rule.def.classification {
                    producers.entry(class.clone()).or_default().push(index);
                }
                flat.push((p, r));
            }
        }

        let mut symbols = Symbols::default();
        let catalogue_ids: Vec<&str> = catalogue.controls.iter().map(|c| c.id.as_str()).collect();
        let mut rules: Vec<Rule> = Vec::with_capacity(flat.len());
        let mut jurisdictions: Vec<String> = Vec::new();

        // Pass 3: each rule.
        for (index, &(p, r)) in flat.iter().enumerate() {
            let pack = &packs[p];
            let loaded = &pack.rules[r];
            let def = &loaded.def;
            let doc = &pack.documents[loaded.document];
            let at = |field: &str| format!("{}/{field}", loaded.pointer);
            check_rule_id(doc, &at("id"), &def.id, &pack.manifest.id, &mut problems);
            let jurisdiction = def
                .jurisdiction
                .clone()
                .unwrap_or_else(|| pack.manifest.jurisdiction.clone());
            if def.jurisdiction.is_some() {
                check_jurisdiction(doc, &at("jurisdiction"), &jurisdiction, &mut problems);
            }
            if !jurisdictions.contains(&jurisdiction) {
                jurisdictions.push(jurisdiction.clone());
            }
            let instrument = match pack
                .manifest
                .instruments
                .iter()
                .find(|i| i.id == def.instrument)
            {
                Some(i) => i.clone(),
                None => {
                    let mut d = doc.error_at_value(
                        &at("instrument"),
                        format!("Unknown instrument `{}`", def.instrument),
                    );
                    if let Some(best) = did_you_mean(
                        &def.instrument,
                        pack.manifest.instruments.iter().map(|i| i.id.as_str()),
                    ) {
                        d = d.with_hint(format!("did you mean `{best}`?"));
                    } else {
                        d = d.with_hint("instruments are declared in pack.yaml");
                    }
                    problems.push(d);
                    Instrument {
                        id: def.instrument.clone(),
                        title: String::new(),
                        title_zh: None,
                        status: crate::pack::InstrumentStatus::Binding,
                        source: String::new(),
                        in_force: None,
                        note: None,
                    }
                }
            };
            if (is_chinese(&jurisdiction) || instrument.title_zh.is_some())
                && def.title_zh.as_deref().is_none_or(str::is_empty)
                && is_chinese(&jurisdiction)
            {
                problems.push(doc.error_at(
                    &at("title"),
                    format!("Rule `{}` of a Chinese instrument needs `title_zh`", def.id),
                ));
            }
            for (field, text) in [("title", &def.title), ("citation", &def.citation)] {
                if text.trim().is_empty() {
                    problems.push(
                        doc.error_at_value(&at(field), format!("`{field}` must not be empty")),
                    );
                }
            }
            check_url(doc, &at("source"), &def.source, &mut problems);
            match def.kind {
                RuleKind::Classification if def.classification.is_none() => {
                    problems.push(
                        doc.error_at(
                            &at("kind"),
                            format!("Classification rule `{}` needs `classification`", def.id),
                        )
                        .with_hint("the classification id it produces, e.g. `eu.high-risk`"),
                    );
                }
                RuleKind::Obligation if def.classification.is_some() => {
                    problems.push(doc.error_at(&at("classification"), "Obligations do not classify").with_hint("use a classification rule and refer to it with `{classification: ID}`"));
                }
                _ => {}
            }
            if let Some(class) = &def.classification
                && (!is_fact_id(&class.replace('-', "_")) || !class.contains('.'))
            {
                problems.push(doc.error_at_value(&at("classification"), format!("Classification id `{class}` must look like `jurisdiction.name`, e.g. `eu.high-risk`")));
            }
            if let Some(effect) = &def.effect {
                if effect != "prohibited" {
                    problems.push(
                        doc.error_at_value(&at("effect"), format!("Unknown effect `{effect}`"))
                            .with_hint("the only effect is `prohibited`"),
                    );
                } else if def.kind == RuleKind::Obligation {
                    problems.push(
                        doc.error_at(&at("effect"), "`effect` belongs on classification rules"),
                    );
                }
            }
            let applies_from = def
                .applies_from
                .as_deref()
                .and_then(|d| check_date(doc, &at("applies_from"), d, &mut problems));
            let applies_until = def
                .applies_until
                .as_deref()
                .and_then(|d| check_date(doc, &at("applies_until"), d, &mut problems));
            if let (Some(from), Some(until)) = (applies_from, applies_until)
                && until <= from
            {
                problems.push(doc.error_at_value(
                    &at("applies_until"),
                    format!("`applies_until` ({until}) must be after `applies_from` ({from})"),
                ));
            }
            let mut binds_symbols = Vec::new();
            for (i, role) in def.binds.iter().enumerate() {
                if role != "any" && !accord_model::facts::ROLES.contains(&role.as_str()) {
                    let mut d = doc.error_at_value(
                        &at(&format!("binds/{i}")),
                        format!("Unknown role `{role}`"),
                    );
                    if let Some(best) = did_you_mean(
                        role,
                        accord_model::facts::ROLES.iter().copied().chain(["any"]),
                    ) {
                        d = d.with_hint(format!("did you mean `{best}`?"));
                    }
                    problems.push(d);
                } else if role != "any" {
                    binds_symbols.push(symbols.intern(role));
                }
            }
            if def.binds.iter().any(|b| b == "any") {
                binds_symbols.clear();
            }
            if def.kind == RuleKind::Obligation {
                if def.binds.is_empty() {
                    problems.push(
                        doc.error_at(
                            &at("kind"),
                            format!("Obligation `{}` needs `binds`", def.id),
                        )
                        .with_hint("the roles it binds, e.g. `[provider]`, or `[any]`"),
                    );
                }
                if def.controls.is_empty() {
                    problems.push(doc.error_at(&at("kind"), format!("Obligation `{}` maps to no control", def.id)).with_hint("every obligation maps to at least one control of controls/catalogue.yaml"));
                }
            } else if !def.binds.is_empty() && def.kind == RuleKind::Classification {
                problems.push(doc.error_at(&at("binds"), "`binds` belongs on obligations"));
            }
            let mut seen_controls = HashSet::new();
            for (i, mapping) in def.controls.iter().enumerate() {
                if catalogue.get(&mapping.id).is_none() {
                    let mut d = doc.error_at_value(
                        &at(&format!("controls/{i}/id")),
                        format!("Unknown control `{}`", mapping.id),
                    );
                    if let Some(best) = did_you_mean(&mapping.id, catalogue_ids.iter().copied()) {
                        d = d.with_hint(format!("did you mean `{best}`?"));
                    } else {
                        d = d.with_hint("controls are listed in controls/catalogue.yaml");
                    }
                    problems.push(d);
                }
                if !seen_controls.insert(mapping.id.as_str()) {
                    problems.push(doc.error_at_value(
                        &at(&format!("controls/{i}/id")),
                        format!("Control `{}` is mapped twice", mapping.id),
                    ));
                }
            }
            for (i, expectation) in def.evidence.iter().enumerate() {
                if !EVIDENCE_KINDS.contains(&expectation.kind.as_str()) {
                    let mut d = doc.error_at_value(
                        &at(&format!("evidence/{i}/kind")),
                        format!("Unknown evidence kind `{}`", expectation.kind),
                    );
                    d = match did_you_mean(&expectation.kind, EVIDENCE_KINDS.iter().copied()) {
                        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                        None => d.with_hint(format!(
                            "expected one of {}",
                            quote_list(
                                &EVIDENCE_KINDS
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect::<Vec<_>>()
                            )
                        )),
                    };
                    problems.push(d);
                }
            }
            if def.kind != RuleKind::Exemption && !def.exempts.is_empty() {
                problems.push(doc.error_at(&at("exempts"), "`exempts` belongs on exemptions"));
            }
            if def.kind == RuleKind::Exemption && def.exempts.is_empty() {
                problems.push(doc.error_at(&at("kind"), format!("Exemption `{}` exempts nothing", def.id)).with_hint("list rule or classification ids under `exempts`, or `\"*\"` for the whole pack"));
            }

            let mut compiler = Compiler {
                registry: &registry,
                symbols: &mut symbols,
                rule_index: &rule_index,
                producers: &producers,
                problems: &mut problems,
            };
            let when = compiler.condition(doc, &at("when"), &def.when, 0);
            let mut transitional = Vec::new();
            for (i, t) in def.transitional.iter().enumerate() {
                let base = at(&format!("transitional/{i}"));
                let node = compiler.condition(doc, &format!("{base}/when"), &t.when, 0);
                if let Some(date) = check_date(
                    doc,
                    &format!("{base}/applies_from"),
                    &t.applies_from,
                    compiler.problems,
                ) {
                    transitional.push(TransitionalDate {
                        when: node,
                        applies_from: date,
                        citation: t.citation.clone(),
                    });
                }
            }
            let position = doc.position(&loaded.pointer).unwrap_or_default();
            let jurisdiction_symbol = symbols.intern(&jurisdiction);
            rules.push(Rule {
                id: def.id.clone(),
                kind: def.kind,
                pack: p,
                classification: def.classification.clone(),
                title: def.title.clone(),
                title_zh: def.title_zh.clone(),
                instrument,
                citation: def.citation.clone(),
                source: def.source.clone(),
                verification: def.verification,
                note: def.note.clone(),
                jurisdiction,
                applies_from,
                applies_until,
                transitional,
                when,
                because: def.because.clone(),
                because_zh: def.because_zh.clone(),
                effect: def.effect.clone(),
                binds: def.binds.clone(),
                controls: def.controls.clone(),
                evidence: def.evidence.clone(),
                deadline: def.deadline.clone(),
                exempts: Vec::new(),
                exempted_by: Vec::new(),
                location: Location {
                    file: doc.file.clone(),
                    line: position.line,
                    column: position.column,
                },
                jurisdiction_symbol,
                binds_symbols,
            });
            let _ = index;
        }

        // Pass 4: exemption targets.
        for (index, &(p, r)) in flat.iter().enumerate() {
            let loaded = &packs[p].rules[r];
            let doc = &packs[p].documents[loaded.document];
            for (i, target) in loaded.def.exempts.iter().enumerate() {
                let targets: Vec<usize> = if target == "*" {
                    (0..rules.len())
                        .filter(|&t| rules[t].pack == p && rules[t].kind != RuleKind::Exemption)
                        .collect()
                } else if let Some(&t) = rule_index.get(target) {
                    vec![t]
                } else if let Some(list) = producers.get(target) {
                    list.clone()
                } else {
                    let at = format!("{}/exempts/{i}", loaded.pointer);
                    let mut d = doc.error_at_value(
                        &at,
                        format!("Exemption refers to unknown rule or classification `{target}`"),
                    );
                    if let Some(best) = did_you_mean(
                        target,
                        rule_index
                            .keys()
                            .map(String::as_str)
                            .chain(producers.keys().map(String::as_str)),
                    ) {
                        d = d.with_hint(format!("did you mean `{best}`?"));
                    }
                    problems.push(d);
                    continue;
                };
                for t in targets {
                    if rules[t].kind == RuleKind::Exemption {
                        let at = format!("{}/exempts/{i}", loaded.pointer);
                        problems.push(doc.error_at_value(
                            &at,
                            format!(
                                "`{}` is an exemption; exemptions cannot be exempted",
                                rules[t].id
                            ),
                        ));
                        continue;
                    }
                    if !rules[index].exempts.contains(&t) {
                        rules[index].exempts.push(t);
                        rules[t].exempted_by.push(index);
                    }
                }
            }
        }

        // Pass 5: an evaluation order; a cycle is an error.
        let order = match topological_order(&rules) {
            Ok(order) => order,
            Err(cycle) => {
                let names = cycle
                    .iter()
                    .map(|&i| format!("`{}`", rules[i].id))
                    .collect::<Vec<_>>()
                    .join(" → ");
                let first = &rules[cycle[0]];
                problems.push(
                    Diagnostic::new(
                        first.location.file.clone(),
                        Some(accord_model::Position {
                            line: first.location.line,
                            column: first.location.column,
                        }),
                        format!("Rules depend on each other in a cycle: {names}"),
                    )
                    .with_hint(
                        "a rule may not depend, through references or exemptions, on itself",
                    ),
                );
                Vec::new()
            }
        };

        if !problems.is_empty() {
            return Err(problems);
        }
        let roles_fact = registry.index_of("operator.roles").unwrap_or(0);
        let markets_fact = registry.index_of("markets").unwrap_or(0);
        let by_jurisdiction = jurisdictions
            .iter()
            .map(|j| {
                let members: Vec<usize> = (0..rules.len())
                    .filter(|&r| &rules[r].jurisdiction == j)
                    .collect();
                let mut classifications: Vec<(String, Vec<usize>)> = Vec::new();
                for &r in &members {
                    if let Some(class) = &rules[r].classification {
                        match classifications.iter_mut().find(|(c, _)| c == class) {
                            Some((_, list)) => list.push(r),
                            None => classifications.push((class.clone(), vec![r])),
                        }
                    }
                }
                let name = packs
                    .iter()
                    .find(|p| &p.manifest.jurisdiction == j)
                    .map(|p| p.manifest.title.clone());
                JurisdictionRules {
                    rules: members,
                    classifications,
                    name,
                }
            })
            .collect();
        let pack_infos = packs
            .into_iter()
            .map(|pack| PackInfo {
                id: pack.manifest.id,
                version: pack.manifest.version,
                digest: pack.digest,
                jurisdiction: pack.manifest.jurisdiction,
                title: pack.manifest.title,
                title_zh: pack.manifest.title_zh,
                description: pack.manifest.description,
                instruments: pack.manifest.instruments,
                root: pack.root,
                builtin: pack.builtin,
            })
            .collect();
        Ok(RuleSet {
            registry,
            catalogue,
            packs: pack_infos,
            rules,
            order,
            symbols,
            roles_fact,
            markets_fact,
            jurisdictions,
            classification_producers: producers,
            index: rule_index,
            by_jurisdiction,
        })
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.index.get(id).map(|&i| &self.rules[i])
    }

    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The rules of one jurisdiction, in file order.
    pub fn rules_in<'a>(
        &'a self,
        jurisdiction: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Rule)> + 'a {
        self.rules
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.jurisdiction == jurisdiction)
    }

    pub fn symbols(&self) -> &Symbols {
        &self.symbols
    }
}

fn is_chinese(jurisdiction: &str) -> bool {
    jurisdiction == "CN" || jurisdiction.starts_with("CN-")
}

fn is_fact_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

fn check_id(doc: &Document, pointer: &str, id: &str, problems: &mut Vec<Diagnostic>) {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if !ok {
        problems.push(doc.error_at_value(
            pointer,
            format!("Pack id `{id}` must be lowercase letters, digits and `-`"),
        ));
    }
}

fn check_rule_id(
    doc: &Document,
    pointer: &str,
    id: &str,
    pack: &str,
    problems: &mut Vec<Diagnostic>,
) {
    let ok = !id.is_empty()
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | '_')
        })
        && !id.contains(char::is_whitespace);
    if !ok {
        problems.push(doc.error_at_value(
            pointer,
            format!("Rule id `{id}` must be lowercase letters, digits, `-`, `_`, `.` and `/`"),
        ));
    } else if !id.starts_with(&format!("{pack}/")) {
        problems.push(doc.error_at_value(
            pointer,
            format!("Rule id `{id}` must start with the pack id, `{pack}/`"),
        ));
    }
}

fn check_jurisdiction(doc: &Document, pointer: &str, code: &str, problems: &mut Vec<Diagnostic>) {
    if let Err(invalid) = markets::validate(code) {
        let mut d = doc.error_at_value(pointer, format!("Unknown jurisdiction `{code}`"));
        if let Some(s) = invalid.suggestion {
            d = d.with_hint(format!("did you mean `{s}`?"));
        }
        problems.push(d);
    }
}

fn check_url(doc: &Document, pointer: &str, url: &str, problems: &mut Vec<Diagnostic>) {
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        problems.push(
            doc.error_at_value(pointer, format!("`{url}` is not a source link"))
                .with_hint("cite the official text with an https:// link"),
        );
    }
}

fn check_date(
    doc: &Document,
    pointer: &str,
    text: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<Date> {
    match parse_date(text) {
        Ok(d) => Some(d),
        Err(message) => {
            problems.push(doc.error_at_value(pointer, capitalise(&message)));
            None
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Nesting of conditions beyond this is refused.
const MAX_CONDITION_DEPTH: usize = 32;

const OPERATORS: &[&str] = &[
    "equals",
    "in",
    "contains",
    "contains_any",
    "contains_all",
    "empty",
    "gt",
    "ge",
    "lt",
    "le",
    "known",
];

impl Compiler<'_> {
    fn fail(&mut self, doc: &Document, pointer: &str, message: impl Into<String>) -> Node {
        self.problems.push(doc.error_at_value(pointer, message));
        Node::All(Vec::new())
    }

    fn condition(&mut self, doc: &Document, pointer: &str, value: &Value, depth: usize) -> Node {
        if depth > MAX_CONDITION_DEPTH {
            return self.fail(
                doc,
                pointer,
                format!("Conditions nested deeper than {MAX_CONDITION_DEPTH} levels"),
            );
        }
        let Some(map) = value.as_object() else {
            let mut d = doc.error_at_value(pointer, "A condition must be a mapping");
            d = d.with_hint("e.g. `{fact: markets, contains: EU}`, `{all: [...]}`, `{classification: eu.high-risk}`");
            self.problems.push(d);
            return Node::All(Vec::new());
        };
        if map.is_empty() {
            return self.fail(doc, pointer, "Empty condition");
        }
        for combinator in ["all", "any"] {
            if let Some(list) = map.get(combinator) {
                if map.len() != 1 {
                    return self.fail(
                        doc,
                        pointer,
                        format!("`{combinator}` must stand alone in its mapping"),
                    );
                }
                let Some(items) = list.as_array() else {
                    return self.fail(
                        doc,
                        &format!("{pointer}/{combinator}"),
                        format!("`{combinator}` takes a list of conditions"),
                    );
                };
                if items.is_empty() {
                    return self.fail(
                        doc,
                        &format!("{pointer}/{combinator}"),
                        format!("`{combinator}` needs at least one condition"),
                    );
                }
                let children = items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        self.condition(doc, &format!("{pointer}/{combinator}/{i}"), c, depth + 1)
                    })
                    .collect();
                return if combinator == "all" {
                    Node::All(children)
                } else {
                    Node::Any(children)
                };
            }
        }
        if let Some(inner) = map.get("not") {
            if map.len() != 1 {
                return self.fail(doc, pointer, "`not` must stand alone in its mapping");
            }
            return Node::Not(Box::new(self.condition(
                doc,
                &format!("{pointer}/not"),
                inner,
                depth + 1,
            )));
        }
        if let Some(target) = map.get("rule") {
            let Some(id) = target.as_str() else {
                return self.fail(doc, &format!("{pointer}/rule"), "`rule` takes a rule id");
            };
            if map.len() != 1 {
                return self.fail(doc, pointer, "`rule` must stand alone in its mapping");
            }
            return match self.rule_index.get(id) {
                Some(&i) => Node::Rule(i),
                None => {
                    let mut d = doc
                        .error_at_value(&format!("{pointer}/rule"), format!("Unknown rule `{id}`"));
                    if let Some(best) = did_you_mean(id, self.rule_index.keys().map(String::as_str))
                    {
                        d = d.with_hint(format!("did you mean `{best}`?"));
                    }
                    self.problems.push(d);
                    Node::All(Vec::new())
                }
            };
        }
        if let Some(target) = map.get("classification") {
            let Some(id) = target.as_str() else {
                return self.fail(
                    doc,
                    &format!("{pointer}/classification"),
                    "`classification` takes a classification id",
                );
            };
            if map.len() != 1 {
                return self.fail(
                    doc,
                    pointer,
                    "`classification` must stand alone in its mapping",
                );
            }
            return match self.producers.get(id) {
                Some(list) => Node::Classification {
                    id: id.to_string(),
                    producers: list.clone(),
                },
                None => {
                    let mut d = doc.error_at_value(
                        &format!("{pointer}/classification"),
                        format!("No rule produces classification `{id}`"),
                    );
                    if let Some(best) = did_you_mean(id, self.producers.keys().map(String::as_str))
                    {
                        d = d.with_hint(format!("did you mean `{best}`?"));
                    }
                    self.problems.push(d);
                    Node::All(Vec::new())
                }
            };
        }
        let Some(fact_value) = map.get("fact") else {
            let key = map.keys().next().cloned().unwrap_or_default();
            let forms = ["all", "any", "not", "fact", "rule", "classification"];
            let mut d = doc.error_at(
                &format!("{pointer}/{key}"),
                format!("Unknown condition `{key}`"),
            );
            d = match did_you_mean(&key, forms) {
                Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                None => {
                    d.with_hint("a condition is one of all, any, not, fact, rule, classification")
                }
            };
            self.problems.push(d);
            return Node::All(Vec::new());
        };
        let Some(fact_id) = fact_value.as_str() else {
            return self.fail(doc, &format!("{pointer}/fact"), "`fact` takes a fact id");
        };
        let Some(fact) = self.registry.index_of(fact_id) else {
            let mut d = doc.error_at_value(
                &format!("{pointer}/fact"),
                format!("Unknown fact `{fact_id}`"),
            );
            d = match did_you_mean(fact_id, self.registry.facts().iter().map(|f| f.id.as_str())) {
                Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                None => d.with_hint("facts are the profile's fields (docs/rulepacks.md) or declared under `facts:` in pack.yaml"),
            };
            self.problems.push(d);
            return Node::All(Vec::new());
        };
        let operators: Vec<&String> = map.keys().filter(|k| *k != "fact").collect();
        if operators.len() != 1 {
            let message = if operators.is_empty() {
                format!("The condition on `{fact_id}` has no operator")
            } else {
                format!(
                    "The condition on `{fact_id}` has {} operators; use one per condition",
                    operators.len()
                )
            };
            self.problems.push(
                doc.error_at_value(pointer, message)
                    .with_hint(format!("operators: {}", OPERATORS.join(", "))),
            );
            return Node::All(Vec::new());
        }
        let operator = operators[0].as_str();
        let at = format!("{pointer}/{operator}");
        let argument = &map[operator];
        let def = self.registry.facts()[fact].clone();
        let op = match operator {
            "equals" => self.constant(doc, &at, &def, argument).map(Op::Equals),
            "in" => match argument.as_array() {
                Some(items) if !items.is_empty() && is_scalar(def.kind) => {
                    let values: Option<Vec<Const>> = items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| self.constant(doc, &format!("{at}/{i}"), &def, v))
                        .collect();
                    values.map(Op::In)
                }
                _ if !is_scalar(def.kind) => self.type_mismatch(doc, &at, &def, operator),
                _ => self.bad_argument(doc, &at, "`in` takes a non-empty list"),
            },
            "contains" if is_collection(def.kind) => {
                self.member(doc, &at, &def, argument).map(Op::Contains)
            }
            "contains_any" | "contains_all" if is_collection(def.kind) => match argument.as_array()
            {
                Some(items) if !items.is_empty() => {
                    let values: Option<Vec<u32>> = items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| self.member(doc, &format!("{at}/{i}"), &def, v))
                        .collect();
                    values.map(|v| {
                        if operator == "contains_any" {
                            Op::ContainsAny(v)
                        } else {
                            Op::ContainsAll(v)
                        }
                    })
                }
                _ => self.bad_argument(doc, &at, &format!("`{operator}` takes a non-empty list")),
            },
            "empty" if is_collection(def.kind) => match argument.as_bool() {
                Some(b) => Some(Op::Empty(b)),
                None => self.bad_argument(doc, &at, "`empty` takes true or false"),
            },
            "gt" | "ge" | "lt" | "le" if matches!(def.kind, FactType::Number | FactType::Date) => {
                let cmp = match operator {
                    "gt" => Cmp::Gt,
                    "ge" => Cmp::Ge,
                    "lt" => Cmp::Lt,
                    _ => Cmp::Le,
                };
                let limit = if def.kind == FactType::Number {
                    argument.as_f64()
                } else {
                    argument
                        .as_str()
                        .and_then(|s| parse_date(s).ok())
                        .map(|d| f64::from(date_code(d)))
                };
                match limit {
                    Some(v) => Some(Op::Compare(cmp, v)),
                    None => self.bad_argument(
                        doc,
                        &at,
                        if def.kind == FactType::Number {
                            "expected a number"
                        } else {
                            "expected a date YYYY-MM-DD"
                        },
                    ),
                }
            }
            "known" => match argument.as_bool() {
                Some(b) => Some(Op::Known(b)),
                None => self.bad_argument(doc, &at, "`known` takes true or false"),
            },
            "contains" | "contains_any" | "contains_all" | "empty" | "gt" | "ge" | "lt" | "le" => {
                self.type_mismatch(doc, &at, &def, operator)
            }
            other => {
                let mut d = doc.error_at(&at, format!("Unknown operator `{other}`"));
                d = match did_you_mean(other, OPERATORS.iter().copied()) {
                    Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                    None => d.with_hint(format!("operators: {}", OPERATORS.join(", "))),
                };
                self.problems.push(d);
                None
            }
        };
        match op {
            Some(op) => Node::Leaf { fact, op },
            None => Node::All(Vec::new()),
        }
    }

    fn bad_argument<T>(&mut self, doc: &Document, pointer: &str, message: &str) -> Option<T> {
        self.problems
            .push(doc.error_at_value(pointer, capitalise(message)));
        None
    }

    fn type_mismatch<T>(
        &mut self,
        doc: &Document,
        pointer: &str,
        def: &FactDef,
        operator: &str,
    ) -> Option<T> {
        let hint = match def.kind {
            FactType::Set | FactType::Markets => {
                "use contains, contains_any, contains_all or empty on lists"
            }
            FactType::Number | FactType::Date => "use equals, in, gt, ge, lt or le",
            _ => "use equals or in",
        };
        self.problems.push(
            doc.error_at(
                pointer,
                format!(
                    "`{operator}` does not apply to `{}`, a {}",
                    def.id,
                    def.kind.as_str()
                ),
            )
            .with_hint(hint),
        );
        None
    }

    fn constant(
        &mut self,
        doc: &Document,
        pointer: &str,
        def: &FactDef,
        value: &Value,
    ) -> Option<Const> {
        match def.kind {
            FactType::Bool => match value.as_bool() {
                Some(b) => Some(Const::Bool(b)),
                None => self.bad_argument(doc, pointer, &format!("`{}` is true or false", def.id)),
            },
            FactType::Number => match value.as_f64() {
                Some(n) => Some(Const::Num(n)),
                None => self.bad_argument(doc, pointer, &format!("`{}` is a number", def.id)),
            },
            FactType::Date => match value.as_str().map(parse_date) {
                Some(Ok(d)) => Some(Const::Num(f64::from(date_code(d)))),
                Some(Err(m)) => self.bad_argument(doc, pointer, &m),
                None => {
                    self.bad_argument(doc, pointer, &format!("`{}` is a date YYYY-MM-DD", def.id))
                }
            },
            FactType::String | FactType::Enum => {
                self.member(doc, pointer, def, value).map(Const::Sym)
            }
            FactType::Set | FactType::Markets => self.type_mismatch(doc, pointer, def, "equals"),
        }
    }

    /// A value of a set, enum or string fact, checked against its vocabulary.
    fn member(
        &mut self,
        doc: &Document,
        pointer: &str,
        def: &FactDef,
        value: &Value,
    ) -> Option<u32> {
        let Some(text) = value.as_str() else {
            return self.bad_argument(doc, pointer, &format!("values of `{}` are strings", def.id));
        };
        if def.kind == FactType::Markets || def.id == "operator.established_in" {
            if let Err(invalid) = markets::validate(text) {
                let mut d = doc.error_at_value(pointer, invalid.message);
                if let Some(s) = invalid.suggestion {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                }
                self.problems.push(d);
                return None;
            }
        } else if !def.values.is_empty() && !def.values.iter().any(|v| v == text) {
            let mut d =
                doc.error_at_value(pointer, format!("`{text}` is not a value of `{}`", def.id));
            d = match did_you_mean(text, def.values.iter().map(String::as_str)) {
                Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                None => d.with_hint(format!("values: {}", def.values.join(", "))),
            };
            self.problems.push(d);
            return None;
        }
        Some(self.symbols.intern(text))
    }
}

fn is_scalar(kind: FactType) -> bool {
    !is_collection(kind)
}

fn is_collection(kind: FactType) -> bool {
    matches!(kind, FactType::Set | FactType::Markets)
}

fn dependencies(rule: &Rule) -> Vec<usize> {
    fn walk(node: &Node, out: &mut Vec<usize>) {
        match node {
            Node::All(c) | Node::Any(c) => c.iter().for_each(|n| walk(n, out)),
            Node::Not(n) => walk(n, out),
            Node::Leaf { .. } => {}
            Node::Rule(r) => out.push(*r),
            Node::Classification { producers, .. } => out.extend(producers),
        }
    }
    let mut out = Vec::new();
    walk(&rule.when, &mut out);
    for t in &rule.transitional {
        walk(&t.when, &mut out);
    }
    out.extend(&rule.exempted_by);
    out
}

/// Kahn's algorithm; on a cycle, returns the rules of one cycle.
fn topological_order(rules: &[Rule]) -> Result<Vec<usize>, Vec<usize>> {
    let deps: Vec<Vec<usize>> = rules.iter().map(dependencies).collect();
    let mut indegree = vec![0usize; rules.len()];
    let mut dependents = vec![Vec::new(); rules.len()];
    for (r, list) in deps.iter().enumerate() {
        for &d in list {
            indegree[r] += 1;
            dependents[d].push(r);
        }
    }
    let mut ready: std::collections::VecDeque<usize> =
        (0..rules.len()).filter(|&r| indegree[r] == 0).collect();
    let mut order = Vec::with_capacity(rules.len());
    while let Some(r) = ready.pop_front() {
        order.push(r);
        for &d in &dependents[r] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push_back(d);
            }
        }
    }
    if order.len() == rules.len() {
        return Ok(order);
    }
    // Walk dependencies among the unordered rules until one repeats.
    let mut current = (0..rules.len()).find(|&r| indegree[r] > 0).unwrap_or(0);
    let mut path = Vec::new();
    loop {
        if let Some(i) = path.iter().position(|&p| p == current) {
            return Err(path[i..].to_vec());
        }
        path.push(current);
        match deps[current].iter().find(|&&d| indegree[d] > 0) {
            Some(&next) => current = next,
            None => return Err(path),
        }
    }
}
