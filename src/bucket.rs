//! Traffic bucketing: deterministic hashing of visitor ids into variations and namespaces.
//!
//! These are GrowthBook's functions (`hash`, `getBucketRanges`, `chooseVariation`,
//! `getEqualWeights`, `inNamespace`), reproduced exactly so that a visitor lands in the same
//! variation here as in any GrowthBook SDK; `tests/conformance.rs` checks them against
//! GrowthBook's vectors. They are pure functions of their arguments: no randomness, no clock, no
//! storage. The hash is FNV-1a (32 bit) over the UTF-16 code units of the text, as JavaScript's
//! `charCodeAt` sees it, so ids outside ASCII (`訪問者`, `🐶🐱`) hash as they do in the browser.

use crate::prelude::*;
/// A variation's share of the unit interval: `[start, end)`.
pub type VariationRange = (f64, f64);

const FNV_OFFSET_BASIS: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv1a_feed(mut hash: u32, units: impl Iterator<Item = u16>) -> u32 {
    for unit in units {
        hash ^= u32::from(unit);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// FNV-1a, 32 bit, over the UTF-16 code units of `text`.
pub fn fnv1a32(text: &str) -> u32 {
    fnv1a_feed(FNV_OFFSET_BASIS, text.encode_utf16())
}

/// GrowthBook's `hash(seed, value, version)`: a number in `[0, 1)`, or `None` for a hash version
/// other than 1 and 2.
///
/// - Version 1 (the original, slightly biased): `fnv(value + seed) % 1000 / 1000`.
/// - Version 2: `fnv(decimal text of fnv(seed + value)) % 10000 / 10000`.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        1 => {
            let h = fnv1a_feed(fnv1a32(value), seed.encode_utf16());
            Some(f64::from(h % 1000) / 1000.0)
        }
        2 => {
            let first = fnv1a_feed(fnv1a32(seed), value.encode_utf16());
            let mut digits = [0u8; 10];
            let text = decimal_digits(first, &mut digits);
            let h = fnv1a_feed(FNV_OFFSET_BASIS, text.iter().map(|&b| u16::from(b)));
            Some(f64::from(h % 10000) / 10000.0)
        }
        _ => None,
    }
}

/// The ASCII decimal digits of `n`, written into `buffer` (no formatting machinery needed).
fn decimal_digits(mut n: u32, buffer: &mut [u8; 10]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buffer[start..]
}

/// GrowthBook's `getEqualWeights`: `n` equal weights of `1 / n` (none for `n == 0`).
pub fn equal_weights(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

/// GrowthBook's `getBucketRanges`: the range of the unit interval that each of
/// `num_variations` variations gets.
///
/// Normalisation, as GrowthBook does it: `coverage` (default 1) is clamped to `[0, 1]`; weights
/// that are missing, of the wrong length, or whose sum is outside `[0.99, 1.01]` are replaced by
/// equal weights. Variation `i` then starts at the sum of the weights before it and covers
/// `coverage * weight` of its share, so reducing coverage never moves a visitor from one
/// variation to another. Beyond GrowthBook: a `NaN` coverage counts as 0 and weights with a
/// non-finite sum as invalid (in JavaScript both would yield `NaN` ranges that hold nobody).
pub fn bucket_ranges(
    num_variations: usize,
    coverage: Option<f64>,
    weights: Option<&[f64]>,
) -> Vec<VariationRange> {
    let coverage = match coverage.unwrap_or(1.0) {
        c if c.is_nan() || c < 0.0 => 0.0,
        c if c > 1.0 => 1.0,
        c => c,
    };
    let equal;
    let weights = match weights {
        Some(w) if w.len() == num_variations && weights_sum_to_one(w) => w,
        _ => {
            equal = equal_weights(num_variations);
            &equal[..]
        }
    };
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|&w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

fn weights_sum_to_one(weights: &[f64]) -> bool {
    let total: f64 = weights.iter().sum();
    (0.99..=1.01).contains(&total)
}

/// Whether `n` falls in `[start, end)`.
pub fn in_range(n: f64, range: VariationRange) -> bool {
    n >= range.0 && n < range.1
}

/// GrowthBook's `chooseVariation`: the index of the first range holding `n`, or `None` (the
/// visitor is outside the experiment's coverage).
pub fn choose_variation(n: f64, ranges: &[VariationRange]) -> Option<usize> {
    ranges.iter().position(|&range| in_range(n, range))
}

/// GrowthBook's `inNamespace`: whether visitor `id` falls in `[start, end)` of the namespace
/// `namespace` (hash version 1, seed `"__" + namespace`), so that experiments sharing a
/// namespace with disjoint ranges never share a visitor.
pub fn in_namespace(id: &str, namespace: &str, start: f64, end: f64) -> bool {
    let mut seed = String::with_capacity(namespace.len() + 2);
    seed.push_str("__");
    seed.push_str(namespace);
    hash(&seed, id, 1).is_some_and(|n| n >= start && n < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_values() {
        // From the FNV reference test suite (ASCII, so UTF-16 units equal bytes).
        assert_eq!(fnv1a32(""), 0x811c_9dc5);
        assert_eq!(fnv1a32("a"), 0xe40c_292c);
        assert_eq!(fnv1a32("foobar"), 0xbf9c_f968);
    }

    /// Expected values computed by running GrowthBook's JavaScript algorithm (`hashFnv32a` over
    /// `charCodeAt`, then `hash` v1/v2 as in `packages/sdk-js/src/util.ts`) in node
    /// with a throwaway script; they are not from the conformance file, which is ASCII only.
    #[test]
    fn non_ascii_ids_hash_as_javascript_does() {
        let fnv = [
            ("訪問者", 0x70da_b609_u32),
            ("🐶🐱", 0xb766_7b9c),
            ("café", 0x3308_be7c),
        ];
        for (text, expected) in fnv {
            assert_eq!(fnv1a32(text), expected, "{text}");
        }
        let hashes = [
            ("seed", "訪問者", 1, 0.568),
            ("seed", "訪問者", 2, 0.658),
            ("", "🐶🐱", 1, 0.844),
            ("exp-hero", "🐶🐱", 2, 0.1204),
            ("猫", "visitor-1", 2, 0.3354),
            ("__ns", "訪問者🐶", 1, 0.935),
        ];
        for (seed, value, version, expected) in hashes {
            assert_eq!(
                hash(seed, value, version),
                Some(expected),
                "{seed} {value} v{version}"
            );
        }
    }

    #[test]
    fn unknown_hash_versions_give_none() {
        assert_eq!(hash("a", "b", 0), None);
        assert_eq!(hash("a", "b", 3), None);
    }

    #[test]
    fn decimal_digits_cover_the_whole_u32_range() {
        let mut buffer = [0u8; 10];
        assert_eq!(decimal_digits(0, &mut buffer), b"0");
        assert_eq!(decimal_digits(u32::MAX, &mut buffer), b"4294967295");
    }

    #[test]
    fn ranges_normalise_bad_input() {
        assert_eq!(
            bucket_ranges(2, Some(f64::NAN), None),
            vec![(0.0, 0.0), (0.5, 0.5)]
        );
        assert_eq!(
            bucket_ranges(2, None, Some(&[f64::NAN, 0.5])),
            vec![(0.0, 0.5), (0.5, 1.0)]
        );
        assert_eq!(bucket_ranges(0, None, None), vec![]);
        assert_eq!(
            choose_variation(0.99, &bucket_ranges(3, Some(0.5), None)),
            None
        );
    }
}
