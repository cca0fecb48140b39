//! How often Tailor puts an edit back on an element that something else keeps undoing: at most
//! [`REAPPLY_PER_SECOND`] times in any rolling second per element (GrowthBook's dom-mutator
//! allows the same). A script that undoes an edit faster than that is fighting Tailor, and the
//! browser shell stops changing that element instead of looping against it.

/// Re-applications allowed per element in any rolling second.
pub const REAPPLY_PER_SECOND: usize = 10;

/// The rate budget of one element: when its last [`REAPPLY_PER_SECOND`] re-applications
/// happened. A re-application is allowed when the oldest of them is a second old: O(1), and
/// exactly "at most N in any 1000 ms".
#[derive(Debug, Clone)]
pub struct Budget {
    times: [f64; REAPPLY_PER_SECOND],
    next: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            times: [f64::NEG_INFINITY; REAPPLY_PER_SECOND],
            next: 0,
        }
    }
}

impl Budget {
    /// Spends one re-application at `now` (ms, any monotonic clock) if the budget allows it.
    pub fn spend(&mut self, now: f64) -> bool {
        if now - self.times[self.next] < 1000.0 {
            return false;
        }
        self.times[self.next] = now;
        self.next = (self.next + 1) % REAPPLY_PER_SECOND;
        true
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn ten_in_a_burst_then_none_until_the_oldest_is_a_second_old() {
        let mut b = Budget::default();
        for i in 0..REAPPLY_PER_SECOND {
            assert!(b.spend(100.0 + i as f64), "re-application {i}");
        }
        assert!(!b.spend(150.0));
        assert!(!b.spend(1099.9), "the first is not a second old yet");
        assert!(b.spend(1100.0), "the first is a second old: one more");
        assert!(!b.spend(1100.5), "the second is not");
        assert!(b.spend(1101.0));
    }

    #[test]
    fn never_more_than_ten_in_any_rolling_second() {
        let mut b = Budget::default();
        let mut spent = Vec::new();
        for step in 0..5_000 {
            let now = f64::from(step) * 1.7;
            if b.spend(now) {
                spent.push(now);
            }
        }
        for (i, t) in spent.iter().enumerate() {
            let in_window = spent[i..].iter().take_while(|u| **u - t < 1000.0).count();
            assert!(
                in_window <= REAPPLY_PER_SECOND,
                "{in_window} within a second from {t}"
            );
        }
        // A steady fighter still gets its ten a second, not fewer.
        assert!(spent.len() >= 80, "{}", spent.len());
    }
}
