//! What the engine needs from the platform, as three small traits: a clock, a random source and a
//! key-value store (the model is GrowthBook's `Polyfills` and `LocalStorageCompat`).
//!
//! The browser shell implements them over `Date.now()`, `crypto.getRandomValues` and
//! `localStorage`; native tests, the CLI and the server use [`FixedClock`], [`SeededRandom`] and
//! [`MemoryStore`]. Nothing here may touch a real platform API. Storage is hostile: it may be
//! missing, blocked or full, and [`FallbackStore`] turns any failure into "keep working in memory"
//! instead of a panic.

use crate::prelude::*;
/// Milliseconds since the Unix epoch, as JavaScript's `Date.now()` gives them.
pub trait Clock {
    fn now_ms(&self) -> f64;
}

/// Cryptographically strong random bytes (`crypto.getRandomValues` in the browser). Used for the
/// anonymous visitor id, never derived from anything about the device.
pub trait RandomSource {
    fn fill(&mut self, buf: &mut [u8]);
}

/// Why a storage call failed. The shell maps the browser's exceptions onto these kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// There is no storage at all (`window.localStorage` is missing or `null`).
    Unavailable,
    /// Access throws a `SecurityError` (cookies disabled, sandboxed iframe, some private modes).
    Blocked,
    /// The write did not fit (`QuotaExceededError`; Safari's old private mode has a quota of 0).
    QuotaExceeded,
    /// Anything else the platform threw.
    Other,
}

impl StoreError {
    /// A static message for the shell's one console warning (no formatting code in the wasm).
    pub fn message(self) -> &'static str {
        match self {
            StoreError::Unavailable => "storage is unavailable; the profile is kept in memory only",
            StoreError::Blocked => "storage is blocked; the profile is kept in memory only",
            StoreError::QuotaExceeded => "storage is full; the profile is kept in memory only",
            StoreError::Other => "storage failed; the profile is kept in memory only",
        }
    }
}

/// A string key-value store with `localStorage`'s shape. Values are text: the shell parses it
/// with the browser's `JSON.parse` and hands the engine a [`crate::Value`].
pub trait KeyValueStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    fn remove(&mut self, key: &str) -> Result<(), StoreError>;
}

/// Storage keys of the engine's records, so every shell uses the same ones.
pub const PROFILE_KEY: &str = "tailor.profile";
pub const CONSENT_KEY: &str = "tailor.consent";

/// An in-memory store: for tests, and the shell's fallback when real storage fails.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    entries: Vec<(String, String)>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl KeyValueStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone()))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.entries.push((key.to_owned(), value.to_owned())),
        }
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        if let Some(i) = self.entries.iter().position(|(k, _)| k == key) {
            self.entries.remove(i);
        }
        Ok(())
    }
}

/// Wraps a real store and degrades to memory on its first failure: from then on every call goes
/// to an in-memory copy, so the page keeps its profile for this visit and nothing panics. The
/// first error is kept so the shell can print one console warning ([`StoreError::message`]).
#[derive(Debug)]
pub struct FallbackStore<S> {
    primary: S,
    memory: MemoryStore,
    failure: Option<StoreError>,
    /// Set by [`FallbackStore::detach`]: the real store is left alone, without a failure.
    detached: bool,
}

impl<S: KeyValueStore> FallbackStore<S> {
    pub fn new(primary: S) -> FallbackStore<S> {
        FallbackStore {
            primary,
            memory: MemoryStore::new(),
            failure: None,
            detached: false,
        }
    }

    /// From now on every read and write goes to an empty in-memory store and the real store
    /// is never touched again (a preview: what it does must leave the device as it was).
    pub fn detach(&mut self) {
        self.detached = true;
        self.memory = MemoryStore::new();
    }

    /// The error that made this store fall back to memory, if any.
    pub fn failure(&self) -> Option<StoreError> {
        self.failure
    }

    /// Whether writes still reach the real store.
    pub fn is_persistent(&self) -> bool {
        self.failure.is_none() && !self.detached
    }

    fn fail(&mut self, error: StoreError) {
        self.failure.get_or_insert(error);
    }

    pub fn get(&mut self, key: &str) -> Option<String> {
        if self.is_persistent() {
            match self.primary.get(key) {
                Ok(value) => return value,
                Err(e) => self.fail(e),
            }
        }
        self.memory.get(key).ok().flatten()
    }

    pub fn set(&mut self, key: &str, value: &str) {
        // The memory copy is always kept, so a later failure loses nothing already written.
        let _ = self.memory.set(key, value);
        if self.is_persistent() {
            if let Err(e) = self.primary.set(key, value) {
                self.fail(e);
            }
        }
    }

    pub fn remove(&mut self, key: &str) {
        let _ = self.memory.remove(key);
        if self.is_persistent() {
            if let Err(e) = self.primary.remove(key) {
                self.fail(e);
            }
        }
    }
}

/// A clock that says what it is told (tests, benches, the CLI's "what would visitor X see").
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub f64);

impl Clock for FixedClock {
    fn now_ms(&self) -> f64 {
        self.0
    }
}

/// A deterministic, NOT cryptographic, random source (xorshift64*) for tests and benches.
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(seed | 1)
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for byte in buf {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            *byte = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store that fails like Safari's blocked storage.
    struct Broken(StoreError);

    impl KeyValueStore for Broken {
        fn get(&self, _: &str) -> Result<Option<String>, StoreError> {
            Err(self.0)
        }
        fn set(&mut self, _: &str, _: &str) -> Result<(), StoreError> {
            Err(self.0)
        }
        fn remove(&mut self, _: &str) -> Result<(), StoreError> {
            Err(self.0)
        }
    }

    /// Reads work, writes hit the quota.
    struct Full(MemoryStore);

    impl KeyValueStore for Full {
        fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.0.get(key)
        }
        fn set(&mut self, _: &str, _: &str) -> Result<(), StoreError> {
            Err(StoreError::QuotaExceeded)
        }
        fn remove(&mut self, key: &str) -> Result<(), StoreError> {
            self.0.remove(key)
        }
    }

    #[test]
    fn memory_store_round_trips_and_removes() {
        let mut s = MemoryStore::new();
        assert_eq!(s.get("a"), Ok(None));
        s.set("a", "1").unwrap();
        s.set("a", "2").unwrap();
        assert_eq!(s.get("a"), Ok(Some("2".to_owned())));
        s.remove("a").unwrap();
        assert_eq!(s.get("a"), Ok(None));
    }

    #[test]
    fn blocked_storage_degrades_to_memory() {
        let mut s = FallbackStore::new(Broken(StoreError::Blocked));
        assert_eq!(s.get(PROFILE_KEY), None);
        assert_eq!(s.failure(), Some(StoreError::Blocked));
        s.set(PROFILE_KEY, "{}");
        assert_eq!(s.get(PROFILE_KEY).as_deref(), Some("{}"));
        s.remove(PROFILE_KEY);
        assert_eq!(s.get(PROFILE_KEY), None);
        assert!(!s.is_persistent());
    }

    #[test]
    fn a_full_store_keeps_the_write_in_memory() {
        let mut inner = MemoryStore::new();
        inner.set(PROFILE_KEY, "old").unwrap();
        let mut s = FallbackStore::new(Full(inner));
        assert_eq!(s.get(PROFILE_KEY).as_deref(), Some("old"));
        s.set(PROFILE_KEY, "new");
        assert_eq!(s.failure(), Some(StoreError::QuotaExceeded));
        assert_eq!(s.get(PROFILE_KEY).as_deref(), Some("new"));
        assert!(!StoreError::QuotaExceeded.message().is_empty());
    }

    #[test]
    fn a_detached_store_never_touches_the_real_one() {
        let mut inner = MemoryStore::new();
        inner.set(PROFILE_KEY, "real").unwrap();
        let mut s = FallbackStore::new(inner);
        s.detach();
        assert_eq!(s.get(PROFILE_KEY), None, "reads start empty");
        s.set(PROFILE_KEY, "preview");
        s.set(CONSENT_KEY, "{}");
        assert_eq!(s.get(PROFILE_KEY).as_deref(), Some("preview"));
        s.remove(PROFILE_KEY);
        assert_eq!(s.primary.get(PROFILE_KEY), Ok(Some("real".to_owned())));
        assert_eq!(s.primary.get(CONSENT_KEY), Ok(None));
        assert!(!s.is_persistent());
        assert_eq!(s.failure(), None, "no storage warning for a preview");
    }

    #[test]
    fn seeded_random_is_deterministic_and_spread() {
        let (mut a, mut b) = (SeededRandom::new(7), SeededRandom::new(7));
        let (mut x, mut y) = ([0u8; 16], [0u8; 16]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert!(x.iter().any(|&v| v != x[0]));
        assert_eq!(FixedClock(5.0).now_ms(), 5.0);
    }
}
