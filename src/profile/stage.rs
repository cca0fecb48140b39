//! Journey stages (awareness → interest → consideration → purchase → loyalty), derived from what
//! the visitor did by thresholds the site can tune.

use super::Profile;
use crate::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Awareness,
    Interest,
    Consideration,
    Purchase,
    Loyalty,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Awareness => "awareness",
            Stage::Interest => "interest",
            Stage::Consideration => "consideration",
            Stage::Purchase => "purchase",
            Stage::Loyalty => "loyalty",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        match s {
            "awareness" => Some(Stage::Awareness),
            "interest" => Some(Stage::Interest),
            "consideration" => Some(Stage::Consideration),
            "purchase" => Some(Stage::Purchase),
            "loyalty" => Some(Stage::Loyalty),
            _ => None,
        }
    }
}

/// Which events count as product views, carts and purchases, and how many of each (or how many
/// visits) reach each stage. A stage is reached when any of its thresholds is met.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRules {
    pub product_view_event: String,
    pub cart_event: String,
    pub purchase_event: String,
    /// Interest: this many visits (2) or product views (1).
    pub interest_visits: u32,
    pub interest_product_views: u32,
    /// Consideration: this many product views (3) or cart additions (1).
    pub consideration_product_views: u32,
    pub consideration_carts: u32,
    /// Purchase: this many purchases (1); loyalty: this many (2).
    pub purchase_purchases: u32,
    pub loyalty_purchases: u32,
}

impl Default for StageRules {
    fn default() -> Self {
        StageRules {
            product_view_event: "product_view".to_owned(),
            cart_event: "add_to_cart".to_owned(),
            purchase_event: "purchase".to_owned(),
            interest_visits: 2,
            interest_product_views: 1,
            consideration_product_views: 3,
            consideration_carts: 1,
            purchase_purchases: 1,
            loyalty_purchases: 2,
        }
    }
}

/// The stage the profile's counts reach now. A threshold of 0 never fires (a site turns a rule
/// off that way); [`Profile::stage`] keeps the furthest stage ever reached.
pub fn derive_stage(profile: &Profile, rules: &StageRules) -> Stage {
    let reached = |count: u32, threshold: u32| threshold > 0 && count >= threshold;
    let views = profile.event_count(&rules.product_view_event);
    let carts = profile.event_count(&rules.cart_event);
    let purchases = profile.event_count(&rules.purchase_event);
    if reached(purchases, rules.loyalty_purchases) {
        Stage::Loyalty
    } else if reached(purchases, rules.purchase_purchases) {
        Stage::Purchase
    } else if reached(views, rules.consideration_product_views)
        || reached(carts, rules.consideration_carts)
    {
        Stage::Consideration
    } else if reached(profile.sessions, rules.interest_visits)
        || reached(views, rules.interest_product_views)
    {
        Stage::Interest
    } else {
        Stage::Awareness
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::EventCount;

    fn with(sessions: u32, events: &[(&str, u32)]) -> Profile {
        let mut p = Profile::new("x".into(), 0.0);
        p.sessions = sessions;
        p.events = events
            .iter()
            .map(|(n, c)| EventCount {
                name: (*n).into(),
                count: *c,
                last: 0.0,
            })
            .collect();
        p
    }

    #[test]
    fn thresholds_walk_the_journey() {
        let r = StageRules::default();
        assert_eq!(derive_stage(&with(1, &[]), &r), Stage::Awareness);
        assert_eq!(derive_stage(&with(2, &[]), &r), Stage::Interest);
        assert_eq!(
            derive_stage(&with(1, &[("product_view", 1)]), &r),
            Stage::Interest
        );
        assert_eq!(
            derive_stage(&with(1, &[("product_view", 3)]), &r),
            Stage::Consideration
        );
        assert_eq!(
            derive_stage(&with(1, &[("add_to_cart", 1)]), &r),
            Stage::Consideration
        );
        assert_eq!(
            derive_stage(&with(1, &[("purchase", 1)]), &r),
            Stage::Purchase
        );
        assert_eq!(
            derive_stage(&with(9, &[("purchase", 2)]), &r),
            Stage::Loyalty
        );
    }

    #[test]
    fn thresholds_and_event_names_are_configurable() {
        let r = StageRules {
            purchase_event: "order".into(),
            interest_visits: 5,
            interest_product_views: 0,
            ..StageRules::default()
        };
        assert_eq!(
            derive_stage(&with(4, &[("product_view", 1)]), &r),
            Stage::Awareness
        );
        assert_eq!(derive_stage(&with(5, &[]), &r), Stage::Interest);
        assert_eq!(
            derive_stage(&with(1, &[("purchase", 5)]), &r),
            Stage::Awareness
        );
        assert_eq!(derive_stage(&with(1, &[("order", 1)]), &r), Stage::Purchase);
        for s in [
            "awareness",
            "interest",
            "consideration",
            "purchase",
            "loyalty",
        ] {
            assert_eq!(Stage::parse(s).unwrap().as_str(), s);
        }
        assert!(Stage::Loyalty > Stage::Awareness);
    }
}
