//! `localStorage` as the hostile browser really offers it: possibly missing, blocked (a
//! `SecurityError` when cookies are disabled or in some private modes) or full (a
//! `QuotaExceededError`). Each failure is classified into the engine's [`StoreError`]; the
//! engine's `FallbackStore` then keeps working in memory. Nothing here throws or panics.
//! (Not gloo-storage: its accessors `expect_throw` when storage is missing, and its typed API
//! pulls serde_json into the wasm.)

use crate::platform::{KeyValueStore, StoreError};
use crate::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DomException, Storage};

pub struct LocalStore {
    storage: Result<Storage, StoreError>,
}

impl LocalStore {
    /// Opens `localStorage`; when it is missing or blocked, every call answers with that error.
    pub fn open() -> LocalStore {
        let storage = match super::window().map(|w| w.local_storage()) {
            None | Some(Ok(None)) => Err(StoreError::Unavailable),
            Some(Ok(Some(storage))) => Ok(storage),
            Some(Err(e)) => Err(classify(&e)),
        };
        LocalStore { storage }
    }

    fn storage(&self) -> Result<&Storage, StoreError> {
        self.storage.as_ref().map_err(|e| *e)
    }
}

impl KeyValueStore for LocalStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.storage()?.get_item(key).map_err(|e| classify(&e))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.storage()?
            .set_item(key, value)
            .map_err(|e| classify(&e))
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        self.storage()?.remove_item(key).map_err(|e| classify(&e))
    }
}

/// Maps what the browser threw onto the engine's kinds of storage failure.
pub fn classify(error: &JsValue) -> StoreError {
    match error.dyn_ref::<DomException>().map(|e| e.name()) {
        Some(name) if name == "SecurityError" => StoreError::Blocked,
        Some(name) if name == "QuotaExceededError" => StoreError::QuotaExceeded,
        _ => StoreError::Other,
    }
}
