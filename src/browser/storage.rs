//! `localStorage` as the hostile browser really offers it: possibly missing, blocked (a
//! `SecurityError` when cookies are disabled or in some private modes) or full (a
//! `QuotaExceededError`). Every failure degrades to "not persisted" and never throws or panics;
//! the engine keeps working in memory. (Not gloo-storage: its accessors `expect_throw` when
//! storage is missing, and its typed API pulls serde_json into the wasm.)

use web_sys::Storage;

pub struct LocalStore {
    storage: Option<Storage>,
}

impl LocalStore {
    /// Opens `localStorage`; a missing or blocked one gives a store that keeps nothing.
    pub fn open() -> LocalStore {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        LocalStore { storage }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.storage.as_ref()?.get_item(key).ok().flatten()
    }

    /// Writes `value`; false when storage is missing, blocked or full.
    pub fn set(&self, key: &str, value: &str) -> bool {
        self.storage
            .as_ref()
            .is_some_and(|s| s.set_item(key, value).is_ok())
    }
}
