//! Viewed topics as scores that decay exponentially, so stale interests fade.
//!
//! All scores share one reference time (`at`): a score stored as `s` is worth
//! `s · 2^-(now - at)/half_life` now. One shared time keeps the stored form small (no time per
//! topic) and makes shares between topics independent of when they are read, which is what pet
//! inference needs. Only the top N scores are kept.

use crate::float;
use crate::prelude::*;
/// Scores below this are forgotten (they would print as 0 anyway).
pub const MIN_SCORE: f64 = 0.01;
/// One page view adds at most this much to a topic; scores never exceed [`MAX_SCORE`].
pub const MAX_WEIGHT: f64 = 100.0;
pub const MAX_SCORE: f64 = 1e6;

/// Topic scores as of time `at`, highest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Topics {
    /// The reference time of every score (ms).
    pub at: f64,
    pub scores: Vec<(String, f64)>,
}

/// The fraction of a score left after `elapsed` ms.
pub fn decay(elapsed: f64, half_life: f64) -> f64 {
    if elapsed <= 0.0 {
        1.0
    } else if half_life <= 0.0 || !half_life.is_finite() {
        0.0
    } else {
        exp2(-elapsed / half_life)
    }
}

/// 2^x within about one ulp of the exact value. `f64::exp2` in the wasm build is libm's
/// table-driven version: 4.6 KB of code and table for a factor that is rounded to two decimals
/// before anyone sees it. Here: 2^x = 2^n · 2^r with n whole and |r| ≤ 1/2, 2^r by its Taylor
/// series (enough terms that the first one dropped is below half an ulp).
fn exp2(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < -1076.0 {
        return 0.0;
    }
    if x >= 1024.0 {
        return f64::INFINITY;
    }
    let n = float::floor(x + 0.5);
    let t = (x - n) * core::f64::consts::LN_2;
    let mut p = 1.0;
    for k in (1..=14).rev() {
        p = 1.0 + p * t / f64::from(k);
    }
    // n is in -1076..=1024: scale in two steps where 2^n alone is not a normal number.
    let n = n as i32;
    let (p, n) = if n < -1000 {
        (p * pow2(-1000), n + 1000)
    } else if n > 1000 {
        (p * pow2(1000), n - 1000)
    } else {
        (p, n)
    };
    p * pow2(n)
}

/// 2^n for n in -1022..=1023, exactly.
fn pow2(n: i32) -> f64 {
    f64::from_bits(((n + 1023) as u64) << 52)
}

impl Topics {
    /// Adds `weight` to `topic` at time `at`. An op older than the reference time (replayed from
    /// another tab) adds its weight already decayed, so the order of ops does not matter.
    pub fn add(&mut self, topic: &str, weight: f64, at: f64, half_life: f64, max: usize) {
        let weight = if weight.is_finite() {
            weight.clamp(0.0, MAX_WEIGHT)
        } else {
            0.0
        };
        if at > self.at {
            let factor = decay(at - self.at, half_life);
            for (_, s) in &mut self.scores {
                *s *= factor;
            }
            self.at = at;
        }
        let weight = weight * decay(self.at - at, half_life);
        match self.scores.iter_mut().find(|(t, _)| t == topic) {
            Some((_, s)) => *s = (*s + weight).min(MAX_SCORE),
            None => self.scores.push((topic.to_owned(), weight.min(MAX_SCORE))),
        }
        self.bound(max);
    }

    /// Drops negligible scores and keeps the `max` highest, highest first (a stable order, so
    /// the stored text does not churn).
    pub fn bound(&mut self, max: usize) {
        crate::lists::remove_where(&mut self.scores, |t| t.1 < MIN_SCORE);
        keep_highest(&mut self.scores, max, |t| t.1);
    }

    /// The score of `topic` at time `now` (0 when unknown).
    pub fn score(&self, topic: &str, now: f64, half_life: f64) -> f64 {
        let factor = decay(now - self.at, half_life);
        self.scores
            .iter()
            .find(|(t, _)| t == topic)
            .map_or(0.0, |(_, s)| s * factor)
    }

    /// All scores at time `now`, highest first.
    pub fn ranked(&self, now: f64, half_life: f64) -> Vec<(String, f64)> {
        let factor = decay(now - self.at, half_life);
        let mut out = Vec::with_capacity(self.scores.len());
        for (t, s) in &self.scores {
            out.push((t.clone(), s * factor));
        }
        keep_highest(&mut out, usize::MAX, |t| t.1);
        out
    }
}

/// Keeps the `max` items with the highest `key`, highest first; equal keys keep their order. The
/// same result as a stable sort and a truncate, without core's stable sort (about 2 KB of wasm per
/// item type): the lists are short (bounded by the profile config), so the ranking is an
/// insertion into the kept list, done once on the keys alone (not per item type), and the items
/// are then moved into place by swaps.
pub(crate) fn keep_highest<T>(items: &mut Vec<T>, max: usize, key: fn(&T) -> f64) {
    let mut keys = Vec::with_capacity(items.len());
    for item in items.iter() {
        keys.push(key(item));
    }
    let order = ranking(&keys, max);
    // Gather in place: position j receives the item first at order[j]. An item already moved
    // away from an earlier position is followed to where it went.
    for (j, &first) in order.iter().enumerate() {
        let mut at = first;
        while at < j {
            at = order[at];
        }
        items.swap(j, at);
    }
    items.truncate(order.len());
}

/// The indices of the `max` highest keys, highest first, equal keys in index order.
fn ranking(keys: &[f64], max: usize) -> Vec<usize> {
    let mut kept: Vec<usize> = Vec::with_capacity(keys.len().min(max));
    for (i, k) in keys.iter().enumerate() {
        let at = kept
            .iter()
            .position(|&x| keys[x].total_cmp(k).is_lt())
            .unwrap_or(kept.len());
        if at < max {
            if kept.len() == max {
                kept.pop();
            }
            kept.insert(at, i);
        }
    }
    kept
}

/// Rounds to two decimals: enough for conditions, and it keeps the stored text short.
pub fn round2(x: f64) -> f64 {
    float::round(x * 100.0) / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400_000.0;
    const HL: f64 = 30.0 * DAY;

    #[test]
    fn scores_halve_every_half_life() {
        let mut t = Topics::default();
        t.add("cats", 8.0, 0.0, HL, 32);
        assert_eq!(t.score("cats", 0.0, HL), 8.0);
        assert!((t.score("cats", 30.0 * DAY, HL) - 4.0).abs() < 1e-9);
        assert!((t.score("cats", 60.0 * DAY, HL) - 2.0).abs() < 1e-9);
        assert_eq!(t.score("dogs", 0.0, HL), 0.0);
        // A later view decays the old score to its own time first.
        t.add("cats", 1.0, 30.0 * DAY, HL, 32);
        assert!((t.scores[0].1 - 5.0).abs() < 1e-9);
        assert_eq!(t.at, 30.0 * DAY);
    }

    #[test]
    fn order_of_ops_does_not_matter() {
        let mut a = Topics::default();
        a.add("cats", 2.0, 10.0 * DAY, HL, 32);
        a.add("dogs", 3.0, 20.0 * DAY, HL, 32);
        let mut b = Topics::default();
        b.add("dogs", 3.0, 20.0 * DAY, HL, 32);
        b.add("cats", 2.0, 10.0 * DAY, HL, 32);
        for topic in ["cats", "dogs"] {
            let (x, y) = (
                a.score(topic, 40.0 * DAY, HL),
                b.score(topic, 40.0 * DAY, HL),
            );
            assert!((x - y).abs() < 1e-9, "{topic}: {x} vs {y}");
        }
    }

    #[test]
    fn keep_highest_is_a_stable_sort_and_truncate() {
        let mut seed = 7u32;
        for len in 0..40usize {
            let items: Vec<(usize, f64)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (i, f64::from(seed >> 28) - 4.0)
                })
                .collect();
            for max in [0, 1, 3, 8, len, usize::MAX] {
                let mut want = items.clone();
                want.sort_by(|a, b| b.1.total_cmp(&a.1));
                want.truncate(max);
                let mut got = items.clone();
                keep_highest(&mut got, max, |t| t.1);
                assert_eq!(got, want, "len {len} max {max}");
            }
        }
    }

    #[test]
    fn only_the_top_n_are_kept() {
        let mut t = Topics::default();
        for i in 0..100 {
            t.add(&format!("t{i}"), f64::from(i) + 1.0, 0.0, HL, 8);
        }
        assert_eq!(t.scores.len(), 8);
        let ranked = t.ranked(0.0, HL);
        assert_eq!(ranked[0].0, "t99");
        assert_eq!(ranked[7].0, "t92");
    }

    #[test]
    fn exp2_agrees_with_std_within_one_ulp() {
        let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
        let mut x = -1100.0;
        while x < 1030.0 {
            let (got, want) = (exp2(x), x.exp2());
            assert!(ulps(got, want) <= 1, "2^{x}: {got} vs {want}");
            x += 0.013_7;
        }
        for x in [
            0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 10.0, -1074.0, 1023.0, -1e-300,
        ] {
            assert!(ulps(exp2(x), x.exp2()) <= 1, "2^{x}");
        }
        assert_eq!(exp2(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp2(f64::INFINITY), f64::INFINITY);
        assert!(exp2(f64::NAN).is_nan());
    }

    #[test]
    fn hostile_weights_are_clamped_and_faded_scores_dropped() {
        let mut t = Topics::default();
        t.add("x", f64::INFINITY, 0.0, HL, 32);
        t.add("y", f64::NAN, 0.0, HL, 32);
        t.add("z", 1e12, 0.0, HL, 32);
        assert_eq!(t.score("z", 0.0, HL), MAX_WEIGHT);
        assert!(t.score("x", 0.0, HL) == 0.0 && t.score("y", 0.0, HL) == 0.0);
        t.add("w", 1.0, 3650.0 * DAY, HL, 32);
        assert_eq!(t.scores.len(), 1, "ten-year-old scores fade away");
        assert_eq!(round2(1.23456), 1.23);
        assert_eq!(decay(1.0, 0.0), 0.0);
    }
}
