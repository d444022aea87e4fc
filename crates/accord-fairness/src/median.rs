//! The exact median of scores held in several slices (one per group), without
//! copying or reordering them: a radix select over the bits of the floats,
//! 16 bits at a time (four passes per rank), so memory stays what the scores
//! already take.

/// Maps a float to an unsigned integer with the same order (for non-NaN values).
#[inline]
fn key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[inline]
fn from_key(key: u64) -> f64 {
    if key >> 63 == 1 {
        f64::from_bits(key & !(1 << 63))
    } else {
        f64::from_bits(!key)
    }
}

/// The `rank`-th smallest value (0-based) of all values in `slices`; `None`
/// when there are not that many. NaN values must not be present.
pub fn select(slices: &[&[f64]], rank: usize) -> Option<f64> {
    let total: usize = slices.iter().map(|s| s.len()).sum();
    if rank >= total {
        return None;
    }
    let mut remaining = rank;
    let mut prefix = 0u64;
    let mut mask = 0u64;
    let mut histogram = vec![0usize; 1 << 16];
    for shift in [48u32, 32, 16, 0] {
        histogram.iter_mut().for_each(|h| *h = 0);
        for slice in slices {
            for &value in *slice {
                let k = key(value);
                if k & mask == prefix {
                    histogram[((k >> shift) & 0xffff) as usize] += 1;
                }
            }
        }
        let mut bucket = 0usize;
        for (index, &count) in histogram.iter().enumerate() {
            if remaining < count {
                bucket = index;
                break;
            }
            remaining -= count;
        }
        prefix |= (bucket as u64) << shift;
        mask |= 0xffff << shift;
    }
    Some(from_key(prefix))
}

/// The median of all values in `slices`: the middle value, or the mean of the
/// two middle values when their number is even (as `numpy.median`). `None`
/// for no values.
pub fn median(slices: &[&[f64]]) -> Option<f64> {
    let total: usize = slices.iter().map(|s| s.len()).sum();
    if total == 0 {
        return None;
    }
    let lower = select(slices, (total - 1) / 2)?;
    if total % 2 == 1 {
        return Some(lower);
    }
    // The upper middle value is `lower` again when more than half the values are
    // at most `lower`; otherwise it is the smallest value above it.
    let mut at_most = 0usize;
    let mut above = f64::INFINITY;
    for slice in slices {
        for &value in *slice {
            if value <= lower {
                at_most += 1;
            } else if value < above {
                above = value;
            }
        }
    }
    let upper = if at_most > total / 2 { lower } else { above };
    // (a + b) / 2, as numpy computes the mean of the two.
    Some((lower + upper) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_median(values: &[f64]) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    #[test]
    fn select_matches_sorting() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut values = Vec::new();
        for i in 0..2001 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = match i % 5 {
                0 => (state % 7) as f64,             // many ties
                1 => -((state % 1000) as f64) / 7.0, // negatives
                2 => (state >> 11) as f64 / (1u64 << 53) as f64,
                3 => 1e300 * ((state % 3) as f64 - 1.0), // huge, and zero
                _ => 0.5,
            };
            values.push(v);
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let (a, b) = values.split_at(700);
        let (b, c) = b.split_at(3);
        for rank in [0, 1, 2, 500, 1000, 1999, 2000] {
            assert_eq!(select(&[a, b, c], rank), Some(sorted[rank]), "rank {rank}");
        }
        assert_eq!(select(&[a, b, c], 2001), None);
        assert_eq!(median(&[a, b, c]), Some(sorted_median(&values)));
        let even = &values[..2000];
        assert_eq!(median(&[even]), Some(sorted_median(even)));
    }

    #[test]
    fn small_cases() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[&[3.0]]), Some(3.0));
        assert_eq!(median(&[&[1.0], &[4.0]]), Some(2.5));
        assert_eq!(median(&[&[2.0, 2.0], &[2.0, 9.0]]), Some(2.0));
        assert_eq!(median(&[&[-1.0, f64::INFINITY, 0.0]]), Some(0.0));
    }
}
