//! Shared pieces of the benchmarks: a deterministic generator and the built-in rule set.

use accord_rules::{Catalogue, RuleSet, load_pack};

/// xorshift64: small, fast and the same on every machine, so inputs are reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// One to `max` distinct items, sorted.
    pub fn subset(&mut self, items: &[&str], max: usize) -> Vec<String> {
        let n = 1 + self.below(max as u64) as usize;
        let mut out: Vec<String> = (0..n).map(|_| self.pick(items).to_string()).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Every built-in rulepack, compiled.
pub fn builtin_rules() -> anyhow::Result<RuleSet> {
    let (path, text) = accord_builtin::catalogue();
    let catalogue = Catalogue::parse(text, path).map_err(|d| anyhow::anyhow!("{d}"))?;
    let packs = accord_builtin::packs()
        .iter()
        .map(load_pack)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|d| anyhow::anyhow!("{d:?}"))?;
    RuleSet::compile(packs, catalogue).map_err(|d| anyhow::anyhow!("{d:?}"))
}
