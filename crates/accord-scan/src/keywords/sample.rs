//! Reproducible random samples for manual review.
//!
//! [`Reservoir`] is Vitter's Algorithm R: item `i` (0-based, in input order)
//! takes a free slot while there is one, else replaces slot `j` when
//! `j = below(i + 1)` is under the sample size. Random numbers come from
//! [`SplitMix64`] (Steele, Lea and Flood 2014) seeded with the user's seed, and
//! `below(n)` is Lemire's unbiased multiply-shift with rejection. All three are
//! a few lines, so anyone can redraw the same sample from the same seed and
//! the same inputs in the same order, in any language.

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment, then mixed.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias (Lemire 2019).
    pub fn below(&mut self, n: u64) -> u64 {
        let mut product = u128::from(self.next_u64()) * u128::from(n);
        let mut low = product as u64;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                product = u128::from(self.next_u64()) * u128::from(n);
                low = product as u64;
            }
        }
        (product >> 64) as u64
    }
}

/// A fixed-size uniform sample of a stream of unknown length.
#[derive(Clone, Debug)]
pub struct Reservoir<T> {
    capacity: usize,
    seen: u64,
    rng: SplitMix64,
    /// (position of the item in the stream, the item)
    slots: Vec<(u64, T)>,
}

impl<T> Reservoir<T> {
    pub fn new(capacity: usize, seed: u64) -> Reservoir<T> {
        Reservoir {
            capacity,
            seen: 0,
            rng: SplitMix64::new(seed),
            slots: Vec::new(),
        }
    }

    /// Items offered so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// Offers the next item; when it is taken, `make` builds it and the slot
    /// it went to is returned (the slot may later be taken by another item).
    pub fn offer(&mut self, make: impl FnOnce() -> T) -> Option<usize> {
        let position = self.seen;
        self.seen += 1;
        if self.slots.len() < self.capacity {
            self.slots.push((position, make()));
            return Some(self.slots.len() - 1);
        }
        let j = self.rng.below(position + 1);
        let slot = usize::try_from(j).ok().filter(|&j| j < self.capacity)?;
        self.slots[slot] = (position, make());
        Some(slot)
    }

    /// The item in `slot` if it is still the item at `position`.
    pub fn get_mut(&mut self, slot: usize, position: u64) -> Option<&mut T> {
        self.slots
            .get_mut(slot)
            .filter(|(p, _)| *p == position)
            .map(|(_, item)| item)
    }

    /// The sample, in stream order.
    pub fn into_sorted(mut self) -> Vec<T> {
        self.slots.sort_by_key(|(position, _)| *position);
        self.slots.into_iter().map(|(_, item)| item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // The first outputs for seed 1234567 from the reference implementation
        // (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(1_234_567);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423
            ]
        );
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut rng = SplitMix64::new(7);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn same_seed_same_sample_other_seed_other_sample() {
        let draw = |seed| {
            let mut r = Reservoir::new(10, seed);
            for i in 0..10_000u32 {
                r.offer(|| i);
            }
            r.into_sorted()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
        let sample = draw(42);
        assert_eq!(sample.len(), 10);
        assert!(sample.windows(2).all(|w| w[0] < w[1]), "stream order");
    }

    #[test]
    fn small_streams_are_taken_whole() {
        let mut r = Reservoir::new(10, 1);
        for i in 0..4 {
            assert_eq!(r.offer(|| i), Some(i));
        }
        assert_eq!(r.into_sorted(), [0, 1, 2, 3]);
    }

    #[test]
    fn every_item_is_equally_likely() {
        // 20,000 draws of 3 out of 10: each item is in about 6,000 samples.
        let mut hits = [0u32; 10];
        for seed in 0..20_000 {
            let mut r = Reservoir::new(3, seed);
            for i in 0..10usize {
                r.offer(|| i);
            }
            for i in r.into_sorted() {
                hits[i] += 1;
            }
        }
        for h in hits {
            assert!((5_600..6_400).contains(&h), "{hits:?}");
        }
    }
}
