//! Exposure history per rule, so the rules engine can enforce frequency caps ("at most N per
//! session / per day / ever, at least M minutes apart") without keeping every exposure.
//!
//! Per rule the profile keeps the lifetime count, the count in the session of its last exposure,
//! the count on the local day of its last exposure, that day's number and the last time. A count
//! belongs to "now" only while its session or day is still the current one.

use super::Profile;
use crate::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    pub rule: String,
    pub lifetime: u32,
    /// Exposures in the session of `last`.
    pub session: u32,
    /// Exposures on local day `day`.
    pub day_count: u32,
    /// Local day number (days since 1970-01-01 in the visitor's time zone) of `day_count`.
    pub day: i64,
    pub last: f64,
}

/// What a frequency cap needs to know about one rule, as of now.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ExposureCounts {
    pub session: u32,
    pub day: u32,
    pub lifetime: u32,
    /// When the rule was last shown (for a minimum interval), `None` when never.
    pub last: Option<f64>,
}

/// Records one exposure of `rule` at `at` on local day `day`, evicting the least recently shown
/// rule beyond `max`.
pub(crate) fn record(profile: &mut Profile, rule: String, at: f64, day: i64, max: usize) {
    let session_start = profile.session_start;
    match profile.exposures.iter_mut().find(|e| e.rule == rule) {
        Some(e) => {
            e.lifetime = e.lifetime.saturating_add(1);
            if at >= session_start {
                e.session = if e.last >= session_start {
                    e.session.saturating_add(1)
                } else {
                    1
                };
            }
            if day == e.day {
                e.day_count = e.day_count.saturating_add(1);
            } else if day > e.day {
                (e.day, e.day_count) = (day, 1);
            }
            e.last = e.last.max(at);
        }
        None => profile.exposures.push(Exposure {
            rule,
            lifetime: 1,
            session: u32::from(at >= session_start),
            day_count: 1,
            day,
            last: at,
        }),
    }
    if profile.exposures.len() > max {
        if let Some(oldest) = (0..profile.exposures.len()).min_by(|&a, &b| {
            profile.exposures[a]
                .last
                .total_cmp(&profile.exposures[b].last)
        }) {
            profile.exposures.remove(oldest);
        }
    }
}

impl Profile {
    /// Exposure counts of `rule` for the current session and local day `today`
    /// ([`crate::context::PageContext::day_number`]).
    pub fn exposure_counts(&self, rule: &str, today: i64) -> ExposureCounts {
        let Some(e) = self.exposures.iter().find(|e| e.rule == rule) else {
            return ExposureCounts::default();
        };
        ExposureCounts {
            session: if e.last >= self.session_start {
                e.session
            } else {
                0
            },
            day: if e.day == today { e.day_count } else { 0 },
            lifetime: e.lifetime,
            last: Some(e.last),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_reset_per_session_and_per_day() {
        let mut p = Profile::new("x".into(), 0.0);
        p.session_start = 100.0;
        record(&mut p, "hero".into(), 100.0, 10, 8);
        record(&mut p, "hero".into(), 200.0, 10, 8);
        let c = p.exposure_counts("hero", 10);
        assert_eq!(
            (c.session, c.day, c.lifetime, c.last),
            (2, 2, 2, Some(200.0))
        );
        // A new session: the session count restarts, the day count goes on.
        p.session_start = 5_000.0;
        assert_eq!(p.exposure_counts("hero", 10).session, 0);
        record(&mut p, "hero".into(), 5_000.0, 10, 8);
        let c = p.exposure_counts("hero", 10);
        assert_eq!((c.session, c.day, c.lifetime), (1, 3, 3));
        // The next local day.
        assert_eq!(p.exposure_counts("hero", 11).day, 0);
        record(&mut p, "hero".into(), 6_000.0, 11, 8);
        let c = p.exposure_counts("hero", 11);
        assert_eq!((c.session, c.day, c.lifetime), (2, 1, 4));
        assert_eq!(p.exposure_counts("other", 11), ExposureCounts::default());
    }

    #[test]
    fn old_ops_from_another_tab_count_only_where_they_belong() {
        let mut p = Profile::new("x".into(), 0.0);
        p.session_start = 1_000.0;
        record(&mut p, "r".into(), 2_000.0, 5, 8);
        record(&mut p, "r".into(), 500.0, 4, 8);
        let c = p.exposure_counts("r", 5);
        assert_eq!(
            (c.session, c.day, c.lifetime, c.last),
            (1, 1, 2, Some(2_000.0))
        );
    }

    #[test]
    fn the_least_recently_shown_rule_is_evicted() {
        let mut p = Profile::new("x".into(), 0.0);
        for i in 0..5 {
            record(&mut p, format!("r{i}"), f64::from(i), 0, 3);
        }
        let rules: Vec<_> = p.exposures.iter().map(|e| e.rule.as_str()).collect();
        assert_eq!(rules, ["r2", "r3", "r4"]);
    }
}
