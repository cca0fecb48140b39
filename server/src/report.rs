//! The lift report: per rule, the conversion rate of exposed visitors against the holdout, and
//! the difference with a 95% confidence interval.
//!
//! Pure functions of the stored counts. The unit is the visitor: a rule's exposed (or holdout)
//! arm is the set of visitors with at least one exposure event of that variant, and a converter
//! is one of them who converted (see `store::VariantCounts`). Intervals use the normal
//! approximation for two independent proportions: the absolute lift `p1 - p0` has standard error
//! `sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)`; the relative lift `p1/p0 - 1` uses the log of the rate
//! ratio, with standard error `sqrt((1-p1)/(n1 p1) + (1-p0)/(n0 p0))`. Both are unreliable with
//! few conversions; the report says so rather than hiding small arms.

use crate::store::VariantCounts;
use serde::Serialize;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

pub const METHOD: &str = "Two-proportion comparison, normal approximation: absolute lift \
p1 - p0 with standard error sqrt(p1(1-p1)/n1 + p0(1-p0)/n0); relative lift p1/p0 - 1 with the \
interval of the log rate ratio. 95% intervals (z = 1.96). Unit: visitors; a converter is an \
exposed (or holdout) visitor with a conversion attributed to the rule, or to no rule at or after \
their first exposure.";

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Arm {
    pub visitors: i64,
    pub exposures: i64,
    pub conversions: i64,
    /// `conversions / visitors`, or `None` for an empty arm.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lift {
    /// Exposed rate minus holdout rate.
    pub absolute: f64,
    pub absolute_ci95: [f64; 2],
    /// Exposed rate over holdout rate, minus one; `None` when the holdout rate is 0.
    pub relative: Option<f64>,
    /// `None` when either rate is 0 (the log interval is undefined).
    pub relative_ci95: Option<[f64; 2]>,
    /// Whether the absolute interval excludes 0.
    pub significant: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub exposed: Arm,
    pub holdout: Arm,
    /// `None` until both arms have visitors.
    pub lift: Option<Lift>,
}

/// Groups the counts by rule (input ordered by rule, as stores return them).
pub fn build(counts: &[VariantCounts]) -> Vec<RuleReport> {
    let mut rules: Vec<RuleReport> = Vec::new();
    for c in counts {
        if rules.last().map(|r| r.rule.as_str()) != Some(c.rule.as_str()) {
            rules.push(RuleReport {
                rule: c.rule.clone(),
                exposed: Arm::default(),
                holdout: Arm::default(),
                lift: None,
            });
        }
        let report = rules.last_mut().expect("pushed above");
        let arm = match c.variant.as_str() {
            "exposed" => &mut report.exposed,
            "holdout" => &mut report.holdout,
            _ => continue,
        };
        arm.visitors += c.visitors;
        arm.exposures += c.exposures;
        arm.conversions += c.converters;
    }
    for report in &mut rules {
        for arm in [&mut report.exposed, &mut report.holdout] {
            arm.rate = (arm.visitors > 0).then(|| arm.conversions as f64 / arm.visitors as f64);
        }
        report.lift = lift(&report.exposed, &report.holdout);
    }
    rules
}

/// The lift of `exposed` over `holdout`, `None` unless both arms have visitors.
pub fn lift(exposed: &Arm, holdout: &Arm) -> Option<Lift> {
    if exposed.visitors <= 0 || holdout.visitors <= 0 {
        return None;
    }
    let (n1, n0) = (exposed.visitors as f64, holdout.visitors as f64);
    let p1 = (exposed.conversions as f64 / n1).clamp(0.0, 1.0);
    let p0 = (holdout.conversions as f64 / n0).clamp(0.0, 1.0);
    let absolute = p1 - p0;
    let se = (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0).sqrt();
    let absolute_ci95 = [absolute - Z95 * se, absolute + Z95 * se];
    let relative = (p0 > 0.0).then(|| p1 / p0 - 1.0);
    let relative_ci95 = (p0 > 0.0 && p1 > 0.0).then(|| {
        let log_ratio = (p1 / p0).ln();
        let se_log = ((1.0 - p1) / (n1 * p1) + (1.0 - p0) / (n0 * p0)).sqrt();
        [
            (log_ratio - Z95 * se_log).exp() - 1.0,
            (log_ratio + Z95 * se_log).exp() - 1.0,
        ]
    });
    let significant = se > 0.0 && (absolute_ci95[0] > 0.0 || absolute_ci95[1] < 0.0);
    Some(Lift {
        absolute,
        absolute_ci95,
        relative,
        relative_ci95,
        significant,
    })
}

/// The 95% Wald interval of one arm's rate, clamped to [0, 1] (for the chart's whiskers).
pub fn rate_ci95(arm: &Arm) -> Option<[f64; 2]> {
    let p = arm.rate?;
    let se = (p * (1.0 - p) / arm.visitors as f64).sqrt();
    Some([(p - Z95 * se).max(0.0), (p + Z95 * se).min(1.0)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(visitors: i64, conversions: i64) -> Arm {
        Arm {
            visitors,
            exposures: visitors,
            conversions,
            rate: Some(conversions as f64 / visitors as f64),
        }
    }

    #[test]
    fn lift_matches_a_hand_computed_example() {
        // 1000 exposed with 120 conversions, 1000 holdout with 100.
        let l = lift(&arm(1000, 120), &arm(1000, 100)).unwrap();
        assert!((l.absolute - 0.02).abs() < 1e-12);
        // se = sqrt(.12*.88/1000 + .1*.9/1000) = 0.013964...
        let se = (0.12f64 * 0.88 / 1000.0 + 0.1 * 0.9 / 1000.0).sqrt();
        assert!((l.absolute_ci95[0] - (0.02 - 1.959964 * se)).abs() < 1e-6);
        assert!((l.absolute_ci95[1] - (0.02 + 1.959964 * se)).abs() < 1e-6);
        assert!(!l.significant, "the interval spans 0");
        assert!((l.relative.unwrap() - 0.2).abs() < 1e-12);
        let [lo, hi] = l.relative_ci95.unwrap();
        assert!(lo < 0.0 && hi > 0.2 && hi < 0.6, "{lo} {hi}");
    }

    #[test]
    fn a_clear_effect_is_significant_and_edge_cases_stay_finite() {
        let l = lift(&arm(5000, 1000), &arm(5000, 500)).unwrap();
        assert!(l.significant && l.absolute_ci95[0] > 0.0);
        let zero = lift(&arm(10, 0), &arm(10, 0)).unwrap();
        assert_eq!(zero.absolute, 0.0);
        assert!(!zero.significant && zero.relative.is_none() && zero.relative_ci95.is_none());
        assert!(lift(&arm(10, 1), &Arm::default()).is_none());
    }

    #[test]
    fn build_groups_variants_by_rule() {
        let counts = vec![
            VariantCounts {
                rule: "a".into(),
                variant: "exposed".into(),
                visitors: 10,
                exposures: 15,
                converters: 3,
            },
            VariantCounts {
                rule: "a".into(),
                variant: "holdout".into(),
                visitors: 5,
                exposures: 5,
                converters: 1,
            },
            VariantCounts {
                rule: "b".into(),
                variant: "exposed".into(),
                visitors: 2,
                exposures: 2,
                converters: 0,
            },
        ];
        let r = build(&counts);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].exposed.rate, Some(0.3));
        assert_eq!(r[0].holdout.rate, Some(0.2));
        assert!(r[0].lift.is_some());
        assert_eq!(r[1].holdout.visitors, 0);
        assert!(r[1].lift.is_none());
    }
}
