//! The visitor profile: everything Tailor remembers about one anonymous visitor, kept in the
//! visitor's own browser.
//!
//! The profile is plain data ([`Profile`]) changed only by [`Op`]s, which are what the shell
//! records (a page view, a topic, an event, a form, an exposure…). Storing is "load what is stored
//! now → apply this tab's unsaved ops → write" ([`rebase`], [`LiveProfile`]), so two tabs writing at
//! once lose nothing. The stored form is a [`crate::Value`] ([`encode`] / [`load`]) that the shell
//! turns into JSON text with the browser's own `JSON`; its schema is versioned and migrated, and
//! anything corrupt is discarded with a reason, never a panic. Every collection is bounded, so
//! the profile stays a few kilobytes whatever the visitor does.
//!
//! This module never touches the platform: time arrives as numbers, randomness through
//! [`crate::platform::RandomSource`], storage as values in and out.

use crate::prelude::*;
mod attributes;
mod campaign;
mod codec;
mod decode;
mod exposure;
mod live;
mod migrate;
mod ops;
mod pet;
mod stage;
mod topics;

pub use attributes::attributes;
pub use campaign::{Campaign, MAX_CAMPAIGN_CHARS};
pub use codec::{encode, load, LoadStatus, SCHEMA_VERSION};
pub use exposure::{Exposure, ExposureCounts};
pub use live::{rebase, LiveProfile, Save};
pub use ops::{apply, apply_all, geo_op, page_ops, Op};
pub use pet::{infer_pet, Pet, PetRules, PetSource, MAX_PET_CHARS};
pub use stage::{derive_stage, Stage, StageRules};
pub use topics::Topics;

use crate::geo::Geo;
use crate::platform::RandomSource;
use crate::Value;

const DAY_MS: f64 = 86_400_000.0;

/// What a site may tune. The defaults are the documented ones; every bound keeps the stored
/// profile small (see `tests/profile_budget.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileConfig {
    /// A page view after this much inactivity starts a new session (30 minutes).
    pub session_idle_ms: f64,
    /// Topic scores halve over this time (30 days).
    pub topic_half_life_ms: f64,
    /// The whole profile is discarded after this much inactivity (180 days).
    pub expiry_ms: f64,
    /// Topics kept, highest scores first (32).
    pub max_topics: usize,
    /// Event names kept, least recently seen evicted first (64).
    pub max_events: usize,
    /// Rules whose exposure history is kept, least recently shown evicted first (64: an exposure
    /// row is the largest record, and 128 of them alone would take 5 KB of the 8 KB budget).
    pub max_exposures: usize,
    /// Experiment assignments kept, oldest evicted first (64).
    pub max_assignments: usize,
    /// Custom attributes set with `tailor.set` (16).
    pub max_custom: usize,
    /// Longest name kept, in characters (64).
    pub max_name_chars: usize,
    /// Longest topic, event, rule or attribute key, in characters (40).
    pub max_key_chars: usize,
    /// A site-wide location (`JP`, `JP-13`) used when no server hint arrives.
    pub geo: Option<String>,
    pub stage: StageRules,
    pub pet: PetRules,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig {
            session_idle_ms: 30.0 * 60_000.0,
            topic_half_life_ms: 30.0 * DAY_MS,
            expiry_ms: 180.0 * DAY_MS,
            max_topics: 32,
            max_events: 64,
            max_exposures: 64,
            max_assignments: 64,
            max_custom: 16,
            max_name_chars: 64,
            max_key_chars: 40,
            geo: None,
            stage: StageRules::default(),
            pet: PetRules::default(),
        }
    }
}

/// How many times an event happened, and when last.
#[derive(Debug, Clone, PartialEq)]
pub struct EventCount {
    pub name: String,
    pub count: u32,
    pub last: f64,
}

/// One anonymous visitor. Times are ms since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// 128 random bits as 32 lower-case hex digits; never derived from the device.
    pub id: String,
    pub created: f64,
    pub last_seen: f64,
    /// Sessions so far (the `visits` attribute).
    pub sessions: u32,
    /// When the current session started: exposures after it count "this session".
    pub session_start: f64,
    pub page_views: u32,
    pub geo: Option<Geo>,
    /// Declared by the visitor, or inferred from topics when not declared.
    pub pet: Option<Pet>,
    /// Declared only (a form, `tailor.set`), never inferred.
    pub name: Option<String>,
    pub topics: Topics,
    pub events: Vec<EventCount>,
    pub first_touch: Option<Campaign>,
    pub last_touch: Option<Campaign>,
    /// The furthest journey stage reached (never lost when old events are evicted).
    pub stage: Stage,
    pub exposures: Vec<Exposure>,
    /// Experiment or rule id → variation index.
    pub assignments: Vec<(String, u32)>,
    /// Site-defined attributes from `tailor.set(key, value)`: strings, numbers, booleans.
    pub custom: Vec<(String, Value)>,
    /// When the visitor last erased their profile (0 = never): older unsaved ops are dropped.
    pub erased_at: f64,
    /// Ids of erased profiles whose server copy must still be erased (sent by sync, then cleared).
    pub erase_pending: Vec<String>,
    /// Ids of the most recent ops applied (at most [`MAX_APPLIED`]), so a tab can see that an
    /// op of its own was lost to another tab's stale write and apply it again (`live.rs`).
    pub applied: Vec<String>,
}

impl Profile {
    /// An empty profile with the given id, created at `now`.
    pub fn new(id: String, now: f64) -> Profile {
        Profile {
            id,
            created: now,
            last_seen: now,
            sessions: 0,
            session_start: now,
            page_views: 0,
            geo: None,
            pet: None,
            name: None,
            topics: Topics::default(),
            events: Vec::new(),
            first_touch: None,
            last_touch: None,
            stage: Stage::Awareness,
            exposures: Vec::new(),
            assignments: Vec::new(),
            custom: Vec::new(),
            erased_at: 0.0,
            erase_pending: Vec::new(),
            applied: Vec::new(),
        }
    }

    /// An empty profile with a fresh random id.
    pub fn fresh(now: f64, random: &mut dyn RandomSource) -> Profile {
        Profile::new(new_id(random), now)
    }

    /// The count of event `name` (0 when never seen or evicted).
    pub fn event_count(&self, name: &str) -> u32 {
        self.events
            .iter()
            .find(|e| e.name == name)
            .map_or(0, |e| e.count)
    }

    /// The variation this visitor was assigned in experiment `id`, if any.
    pub fn assignment(&self, id: &str) -> Option<u32> {
        self.assignments
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| *v)
    }
}

/// 128 random bits as 32 lower-case hex digits.
pub fn new_id(random: &mut dyn RandomSource) -> String {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(32);
    for b in bytes {
        id.push(HEX[usize::from(b >> 4)] as char);
        id.push(HEX[usize::from(b & 15)] as char);
    }
    id
}

/// Erases the profile (`tailor.forget()`): returns a fresh profile with a new id that remembers
/// only that the old id's server copy must be erased, and when the erase happened (so another
/// tab's unsaved ops from before it are not replayed into the new profile). Carry out
/// [`crate::consent::Consent::forget_effects`] alongside.
pub fn forget(old: &Profile, now: f64, random: &mut dyn RandomSource) -> Profile {
    let mut fresh = Profile::fresh(now, random);
    fresh.erased_at = now;
    fresh.erase_pending = old.erase_pending.clone();
    fresh.erase_pending.push(old.id.clone());
    let excess = fresh.erase_pending.len().saturating_sub(MAX_ERASE_PENDING);
    fresh.erase_pending.drain(..excess);
    fresh
}

/// Erased ids waiting for the server, at most (older ones are dropped).
pub const MAX_ERASE_PENDING: usize = 4;

/// Op ids remembered in the stored profile.
pub const MAX_APPLIED: usize = 32;

/// Removes the entries of `list` whose key is `key`.
pub(crate) fn remove_key<V>(list: &mut Vec<(String, V)>, key: &str) {
    crate::lists::remove_where(list, |(k, _)| k == key);
}

/// A topic, event, rule or attribute key as stored: trimmed, clipped, and with `.` replaced by
/// `-` because a dot would split the condition path (`events.a.b`). `None` when empty.
pub(crate) fn clean_key(raw: &str, max_chars: usize) -> Option<String> {
    let key: String = crate::text_value::clean_text(raw, max_chars)
        .chars()
        .map(|c| if c == '.' { '-' } else { c })
        .collect();
    (!key.is_empty()).then_some(key)
}

/// A finite time or `None`: NaN or infinite times from a broken clock are refused.
pub(crate) fn finite(t: f64) -> Option<f64> {
    t.is_finite().then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::SeededRandom;

    #[test]
    fn ids_are_128_random_bits_in_hex() {
        let mut r = SeededRandom::new(1);
        let a = new_id(&mut r);
        let b = new_id(&mut r);
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn forget_makes_a_new_profile_that_remembers_the_server_erase() {
        let mut r = SeededRandom::new(2);
        let mut old = Profile::fresh(1.0, &mut r);
        old.name = Some("Ann".into());
        let mut p = old.clone();
        for t in 0..6 {
            p = forget(&p, 100.0 + f64::from(t), &mut r);
        }
        assert_eq!(p.erase_pending.len(), MAX_ERASE_PENDING);
        let once = forget(&old, 50.0, &mut r);
        assert_eq!(once.erase_pending, vec![old.id.clone()]);
        assert_ne!(once.id, old.id);
        assert_eq!((once.name.as_deref(), once.erased_at), (None, 50.0));
    }

    #[test]
    fn keys_are_clipped_and_lose_their_dots() {
        assert_eq!(clean_key("  cat.food ", 40).as_deref(), Some("cat-food"));
        assert_eq!(clean_key("   ", 40), None);
        assert_eq!(clean_key(&"x".repeat(100), 40).unwrap().len(), 40);
    }
}
