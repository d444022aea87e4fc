//! Three-valued evaluation of a [`RuleSet`] over the facts of one profile.
//!
//! A leaf over an unknown fact is [`Truth::Unknown`]; `all` is false as soon as
//! one part is false, `any` true as soon as one part is true, and otherwise
//! unknown stays unknown. Each rule's truth is computed once, in dependency
//! order. Explanations (`because`) and the facts still worth asking are
//! derived afterwards, only for the rules that need them.

use jiff::civil::Date;

use accord_model::facts::{FactValue, format_number};
use accord_model::{FactType, Status, markets};

use crate::compile::{Cmp, Const, FOREIGN, Node, Op, RuleSet, date_code};
use crate::pack::RuleKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    False,
    Unknown,
    True,
}

impl Truth {
    pub fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// A fact value in the form the evaluator compares: strings interned, dates as `yyyymmdd`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Num(f64),
    Sym(u32),
    Set(Vec<u32>),
}

/// The facts of one profile, ready to evaluate.
#[derive(Clone, Debug)]
pub struct Facts {
    values: Vec<Option<Value>>,
}

impl Facts {
    pub fn get(&self, fact: usize) -> Option<&Value> {
        self.values.get(fact).and_then(Option::as_ref)
    }
}

/// The truth of every rule for one profile.
#[derive(Clone, Debug)]
pub struct Evaluation {
    truths: Vec<Truth>,
    /// Like `truths`, except that exemptions not in force on the date are false.
    effects: Vec<Truth>,
}

impl Evaluation {
    pub fn truth(&self, rule: usize) -> Truth {
        self.truths[rule]
    }
}

impl RuleSet {
    /// Converts fact values read from a profile (in registry order).
    pub fn facts(&self, values: &[Option<FactValue>]) -> Facts {
        let defs = self.registry.facts();
        let values = values
            .iter()
            .zip(defs)
            .map(|(value, def)| {
                value.as_ref().map(|v| match v {
                    FactValue::Bool(b) => Value::Bool(*b),
                    FactValue::Number(n) => Value::Num(*n),
                    FactValue::Date(d) => Value::Num(f64::from(date_code(*d))),
                    FactValue::Text(t) => Value::Sym(self.symbols.get(t)),
                    FactValue::Set(items) if def.kind == FactType::Markets => {
                        let mut out = Vec::with_capacity(items.len() * 2);
                        for item in items {
                            for code in markets::ancestors(item) {
                                let s = self.symbols.get(&code);
                                if !out.contains(&s) || s == FOREIGN {
                                    out.push(s);
                                }
                            }
                        }
                        Value::Set(out)
                    }
                    FactValue::Set(items) => {
                        Value::Set(items.iter().map(|i| self.symbols.get(i)).collect())
                    }
                })
            })
            .collect();
        Facts { values }
    }

    /// Evaluates every rule. The date matters only for exemptions: one exempts
    /// its targets only while it is in force (`applies_from` .. `applies_until`).
    pub fn evaluate(&self, facts: &Facts, as_of: Date) -> Evaluation {
        let mut truths = vec![Truth::Unknown; self.rules.len()];
        let mut effects = vec![Truth::False; self.rules.len()];
        for &r in &self.order {
            truths[r] = self.rule_truth(r, facts, &effects);
            let rule = &self.rules[r];
            if rule.kind == RuleKind::Exemption {
                let in_force = rule.applies_from.is_none_or(|f| as_of >= f)
                    && rule.applies_until.is_none_or(|u| as_of < u);
                effects[r] = if in_force { truths[r] } else { Truth::False };
            } else {
                effects[r] = truths[r];
            }
        }
        Evaluation { truths, effects }
    }

    fn gate(&self, rule: usize, facts: &Facts) -> Truth {
        let symbol = self.rules[rule].jurisdiction_symbol;
        match facts.get(self.markets_fact) {
            Some(Value::Set(items)) => Truth::from_bool(items.contains(&symbol)),
            _ => Truth::Unknown,
        }
    }

    fn binds(&self, rule: usize, facts: &Facts) -> Truth {
        let binds = &self.rules[rule].binds_symbols;
        if binds.is_empty() || self.rules[rule].kind != RuleKind::Obligation {
            return Truth::True;
        }
        match facts.get(self.roles_fact) {
            Some(Value::Set(roles)) => Truth::from_bool(binds.iter().any(|b| roles.contains(b))),
            _ => Truth::Unknown,
        }
    }

    fn exempted(&self, rule: usize, effects: &[Truth]) -> Truth {
        self.rules[rule]
            .exempted_by
            .iter()
            .fold(Truth::False, |acc, &e| acc.or(effects[e]))
    }

    fn rule_truth(&self, rule: usize, facts: &Facts, truths: &[Truth]) -> Truth {
        let gate = self.gate(rule, facts);
        if gate == Truth::False {
            return Truth::False;
        }
        let binds = self.binds(rule, facts);
        if binds == Truth::False {
            return Truth::False;
        }
        let when = self.node(&self.rules[rule].when, facts, truths);
        gate.and(binds)
            .and(when)
            .and(self.exempted(rule, truths).not())
    }

    fn node(&self, node: &Node, facts: &Facts, truths: &[Truth]) -> Truth {
        match node {
            Node::All(children) => {
                let mut result = Truth::True;
                for child in children {
                    match self.node(child, facts, truths) {
                        Truth::False => return Truth::False,
                        Truth::Unknown => result = Truth::Unknown,
                        Truth::True => {}
                    }
                }
                result
            }
            Node::Any(children) => {
                let mut result = Truth::False;
                for child in children {
                    match self.node(child, facts, truths) {
                        Truth::True => return Truth::True,
                        Truth::Unknown => result = Truth::Unknown,
                        Truth::False => {}
                    }
                }
                result
            }
            Node::Not(inner) => self.node(inner, facts, truths).not(),
            Node::Leaf { fact, op } => match facts.get(*fact) {
                None => match op {
                    Op::Known(want) => Truth::from_bool(!*want),
                    _ => Truth::Unknown,
                },
                Some(value) => Truth::from_bool(leaf(op, value)),
            },
            Node::Rule(r) => truths[*r],
            Node::Classification { producers, .. } => producers
                .iter()
                .fold(Truth::False, |acc, &p| acc.or(truths[p])),
        }
    }

    /// Where a rule stands on a date, the date it applies from, and — when the
    /// date itself depends on unknown facts — those facts.
    pub fn status(
        &self,
        rule: usize,
        facts: &Facts,
        evaluation: &Evaluation,
        as_of: Date,
    ) -> (Status, Option<Date>, Vec<usize>) {
        let r = &self.rules[rule];
        match evaluation.truth(rule) {
            Truth::False => return (Status::NotApplicable, r.applies_from, Vec::new()),
            Truth::Unknown => return (Status::Undetermined, r.applies_from, Vec::new()),
            Truth::True => {}
        }
        let mut from = r.applies_from;
        let mut doubtful = Vec::new();
        for t in &r.transitional {
            match self.node(&t.when, facts, &evaluation.effects) {
                Truth::True => {
                    from = Some(t.applies_from);
                    break;
                }
                Truth::Unknown => doubtful.push(t),
                Truth::False => {}
            }
        }
        let on = |from: Option<Date>| -> Status {
            if r.applies_until.is_some_and(|until| as_of >= until) {
                Status::NotApplicable
            } else if from.is_none_or(|f| as_of >= f) {
                Status::Applies
            } else {
                Status::Upcoming
            }
        };
        let status = on(from);
        if doubtful.iter().any(|t| on(Some(t.applies_from)) != status) {
            let mut facts_out = Vec::new();
            let mut seen = Vec::new();
            for t in doubtful {
                self.unknowns_in(&t.when, facts, evaluation, &mut facts_out, &mut seen);
            }
            return (Status::Undetermined, from, facts_out);
        }
        (status, from, Vec::new())
    }

    /// The unknown facts that could still change an undetermined rule.
    pub fn unknown_facts(&self, rule: usize, facts: &Facts, evaluation: &Evaluation) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        self.rule_unknowns(rule, facts, evaluation, &mut out, &mut seen);
        out
    }

    fn rule_unknowns(
        &self,
        rule: usize,
        facts: &Facts,
        evaluation: &Evaluation,
        out: &mut Vec<usize>,
        seen: &mut Vec<usize>,
    ) {
        if seen.contains(&rule) || evaluation.truths[rule] != Truth::Unknown {
            return;
        }
        seen.push(rule);
        if self.gate(rule, facts) == Truth::Unknown {
            push_unique(out, self.markets_fact);
        }
        if self.binds(rule, facts) == Truth::Unknown {
            push_unique(out, self.roles_fact);
        }
        self.unknowns_in(&self.rules[rule].when, facts, evaluation, out, seen);
        for &e in &self.rules[rule].exempted_by {
            if evaluation.effects[e] == Truth::Unknown {
                self.rule_unknowns(e, facts, evaluation, out, seen);
            }
        }
    }

    fn unknowns_in(
        &self,
        node: &Node,
        facts: &Facts,
        evaluation: &Evaluation,
        out: &mut Vec<usize>,
        seen: &mut Vec<usize>,
    ) {
        if self.node(node, facts, &evaluation.effects) != Truth::Unknown {
            return;
        }
        match node {
            Node::All(children) | Node::Any(children) => {
                for child in children {
                    self.unknowns_in(child, facts, evaluation, out, seen);
                }
            }
            Node::Not(inner) => self.unknowns_in(inner, facts, evaluation, out, seen),
            Node::Leaf { fact, .. } => push_unique(out, *fact),
            Node::Rule(r) => self.rule_unknowns(*r, facts, evaluation, out, seen),
            Node::Classification { producers, .. } => {
                for &p in producers {
                    self.rule_unknowns(p, facts, evaluation, out, seen);
                }
            }
        }
    }

    /// Why a rule holds (or, for `want = false`, why it does not), as short
    /// readable clauses: `purposes ∋ employment.recruitment`, `profiling = true`.
    pub fn explain(
        &self,
        rule: usize,
        facts: &Facts,
        evaluation: &Evaluation,
        want: bool,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let r = &self.rules[rule];
        let truths = &evaluation.effects;
        if want {
            if !mentions_fact(&r.when, self.markets_fact) {
                out.push(format!("markets ∋ {}", r.jurisdiction));
            }
            if r.kind == RuleKind::Obligation
                && !r.binds_symbols.is_empty()
                && let Some(Value::Set(roles)) = facts.get(self.roles_fact)
            {
                let matched: Vec<&str> = r
                    .binds_symbols
                    .iter()
                    .filter(|b| roles.contains(b))
                    .map(|&b| self.symbols.name(b))
                    .collect();
                out.push(format!("operator.roles ∋ {}", matched.join(", ")));
            }
            self.explain_node(&r.when, facts, truths, true, &mut out);
        } else {
            if self.gate(rule, facts) == Truth::False {
                out.push(format!("markets ∌ {}", r.jurisdiction));
                return out;
            }
            if self.binds(rule, facts) == Truth::False {
                out.push(format!(
                    "operator.roles contains none of {}",
                    r.binds.join(", ")
                ));
                return out;
            }
            if let Some(&e) = r.exempted_by.iter().find(|&&e| truths[e] == Truth::True) {
                out.push(format!(
                    "exempted by `{}` ({})",
                    self.rules[e].id, self.rules[e].citation
                ));
                return out;
            }
            self.explain_node(&r.when, facts, truths, false, &mut out);
        }
        out.dedup();
        out
    }

    fn explain_node(
        &self,
        node: &Node,
        facts: &Facts,
        truths: &[Truth],
        want: bool,
        out: &mut Vec<String>,
    ) {
        match node {
            Node::All(children) | Node::Any(children) => {
                let is_all = matches!(node, Node::All(_));
                // For `all` to be true every part is; for `any` to be false every part is.
                if is_all == want {
                    for child in children {
                        self.explain_node(child, facts, truths, want, out);
                    }
                } else if let Some(child) = children
                    .iter()
                    .find(|c| self.node(c, facts, truths) == Truth::from_bool(want))
                {
                    self.explain_node(child, facts, truths, want, out);
                }
            }
            Node::Not(inner) => self.explain_node(inner, facts, truths, !want, out),
            Node::Leaf { fact, op } => {
                out.push(self.describe_leaf(*fact, op, facts.get(*fact), want))
            }
            Node::Rule(r) => {
                let rule = &self.rules[*r];
                let name = rule
                    .classification
                    .as_deref()
                    .filter(|_| rule.kind != RuleKind::Obligation)
                    .unwrap_or(&rule.id);
                out.push(if want {
                    format!("{name} ({})", rule.citation)
                } else {
                    format!("not {name} ({})", rule.citation)
                });
            }
            Node::Classification { id, producers } => {
                if want {
                    let citation = producers
                        .iter()
                        .find(|&&p| truths[p] == Truth::True)
                        .map(|&p| self.rules[p].citation.as_str())
                        .unwrap_or("");
                    out.push(format!("classified {id} ({citation})"));
                } else {
                    out.push(format!("not classified {id}"));
                }
            }
        }
    }

    fn constant(&self, fact: usize, c: &Const) -> String {
        match c {
            Const::Bool(b) => b.to_string(),
            Const::Num(n) if self.registry.facts()[fact].kind == FactType::Date => {
                render_date_code(*n)
            }
            Const::Num(n) => format_number(*n),
            Const::Sym(s) => self.symbols.name(*s).to_string(),
        }
    }

    fn value(&self, fact: usize, value: Option<&Value>) -> String {
        match value {
            None => "unknown".to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Num(n)) if self.registry.facts()[fact].kind == FactType::Date => {
                render_date_code(*n)
            }
            Some(Value::Num(n)) => format_number(*n),
            Some(Value::Sym(s)) => self.symbols.name(*s).to_string(),
            Some(Value::Set(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .filter(|&&s| s != FOREIGN)
                    .map(|&s| self.symbols.name(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn describe_leaf(&self, fact: usize, op: &Op, value: Option<&Value>, want: bool) -> String {
        let name = &self.registry.facts()[fact].id;
        let names = |list: &[u32]| {
            list.iter()
                .map(|&s| self.symbols.name(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let actual = self.value(fact, value);
        match op {
            Op::Equals(c) => {
                let c = self.constant(fact, c);
                if want {
                    format!("{name} = {c}")
                } else {
                    format!("{name} = {actual}, not {c}")
                }
            }
            Op::In(list) => {
                let list = list
                    .iter()
                    .map(|c| self.constant(fact, c))
                    .collect::<Vec<_>>()
                    .join(", ");
                if want {
                    format!("{name} = {actual} ∈ {{{list}}}")
                } else {
                    format!("{name} = {actual} ∉ {{{list}}}")
                }
            }
            Op::Contains(s) => {
                if want {
                    format!("{name} ∋ {}", self.symbols.name(*s))
                } else {
                    format!("{name} ∌ {}", self.symbols.name(*s))
                }
            }
            Op::ContainsAny(list) => {
                if want {
                    let matched: Vec<u32> = match value {
                        Some(Value::Set(items)) => {
                            list.iter().copied().filter(|s| items.contains(s)).collect()
                        }
                        _ => Vec::new(),
                    };
                    format!("{name} ∋ {}", names(&matched))
                } else {
                    format!("{name} contains none of {{{}}}", names(list))
                }
            }
            Op::ContainsAll(list) => {
                if want {
                    format!("{name} ⊇ {{{}}}", names(list))
                } else {
                    format!("{name} = {actual} lacks some of {{{}}}", names(list))
                }
            }
            Op::Empty(empty) => {
                if *empty == want {
                    format!("{name} is empty")
                } else {
                    format!("{name} = {actual}")
                }
            }
            Op::Compare(cmp, limit) => {
                let limit = if self.registry.facts()[fact].kind == FactType::Date {
                    render_date_code(*limit)
                } else {
                    format_number(*limit)
                };
                if want {
                    format!("{name} = {actual} {} {limit}", cmp.symbol())
                } else {
                    format!("{name} = {actual}, not {} {limit}", cmp.symbol())
                }
            }
            Op::Known(known) => {
                if *known == want {
                    format!("{name} is known")
                } else {
                    format!("{name} is unknown")
                }
            }
        }
    }
}

fn push_unique(out: &mut Vec<usize>, fact: usize) {
    if !out.contains(&fact) {
        out.push(fact);
    }
}

fn mentions_fact(node: &Node, fact: usize) -> bool {
    match node {
        Node::All(c) | Node::Any(c) => c.iter().any(|n| mentions_fact(n, fact)),
        Node::Not(n) => mentions_fact(n, fact),
        Node::Leaf { fact: f, .. } => *f == fact,
        Node::Rule(_) | Node::Classification { .. } => false,
    }
}

fn render_date_code(code: f64) -> String {
    let code = code as i64;
    format!(
        "{:04}-{:02}-{:02}",
        code / 10_000,
        (code / 100) % 100,
        code % 100
    )
}

fn leaf(op: &Op, value: &Value) -> bool {
    match (op, value) {
        (Op::Equals(Const::Bool(c)), Value::Bool(v)) => c == v,
        (Op::Equals(Const::Num(c)), Value::Num(v)) => c == v,
        (Op::Equals(Const::Sym(c)), Value::Sym(v)) => c == v,
        (Op::In(list), v) => list.iter().any(|c| match (c, v) {
            (Const::Bool(c), Value::Bool(v)) => c == v,
            (Const::Num(c), Value::Num(v)) => c == v,
            (Const::Sym(c), Value::Sym(v)) => c == v,
            _ => false,
        }),
        (Op::Contains(s), Value::Set(items)) => items.contains(s),
        (Op::ContainsAny(list), Value::Set(items)) => list.iter().any(|s| items.contains(s)),
        (Op::ContainsAll(list), Value::Set(items)) => list.iter().all(|s| items.contains(s)),
        (Op::Empty(want), Value::Set(items)) => items.is_empty() == *want,
        (Op::Compare(cmp, limit), Value::Num(v)) => match cmp {
            Cmp::Gt => v > limit,
            Cmp::Ge => v >= limit,
            Cmp::Lt => v < limit,
            Cmp::Le => v <= limit,
        },
        (Op::Known(want), _) => *want,
        // Compilation checks operators against fact types, so this is unreachable
        // for valid packs; a mismatch can only be false, never a panic.
        _ => false,
    }
}

impl RuleSet {
    /// A condition in words, for `accord explain` and `accord rules show`.
    pub fn describe(&self, node: &Node) -> String {
        let mut out = String::new();
        self.describe_into(node, 0, &mut out);
        out
    }

    fn describe_into(&self, node: &Node, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        match node {
            Node::All(children) | Node::Any(children) => {
                let word = if matches!(node, Node::All(_)) {
                    "all of"
                } else {
                    "any of"
                };
                if children.len() == 1 {
                    self.describe_into(&children[0], depth, out);
                    return;
                }
                out.push_str(&format!("{indent}{word}:\n"));
                for child in children {
                    self.describe_into(child, depth + 1, out);
                }
            }
            Node::Not(inner) => {
                out.push_str(&format!("{indent}not:\n"));
                self.describe_into(inner, depth + 1, out);
            }
            Node::Leaf { fact, op } => {
                let text = self.describe_leaf_pattern(*fact, op);
                out.push_str(&format!("{indent}- {text}\n"));
            }
            Node::Rule(r) => out.push_str(&format!("{indent}- rule {} holds\n", self.rules[*r].id)),
            Node::Classification { id, .. } => {
                out.push_str(&format!("{indent}- classified {id}\n"))
            }
        }
    }

    fn describe_leaf_pattern(&self, fact: usize, op: &Op) -> String {
        let name = &self.registry.facts()[fact].id;
        let names = |list: &[u32]| {
            list.iter()
                .map(|&s| self.symbols.name(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match op {
            Op::Equals(c) => format!("{name} = {}", self.constant(fact, c)),
            Op::In(list) => format!(
                "{name} ∈ {{{}}}",
                list.iter()
                    .map(|c| self.constant(fact, c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Op::Contains(s) => format!("{name} ∋ {}", self.symbols.name(*s)),
            Op::ContainsAny(list) => format!("{name} contains any of {{{}}}", names(list)),
            Op::ContainsAll(list) => format!("{name} contains all of {{{}}}", names(list)),
            Op::Empty(true) => format!("{name} is empty"),
            Op::Empty(false) => format!("{name} is not empty"),
            Op::Compare(cmp, limit) => {
                let limit = if self.registry.facts()[fact].kind == FactType::Date {
                    render_date_code(*limit)
                } else {
                    format_number(*limit)
                };
                format!("{name} {} {limit}", cmp.symbol())
            }
            Op::Known(true) => format!("{name} is known"),
            Op::Known(false) => format!("{name} is unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::*;

    #[test]
    fn kleene_logic() {
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(Unknown.not(), Unknown);
    }
}
