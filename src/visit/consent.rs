//! What the visitor allows, sees and erases: consent given in Tailor's own UI or heard from the
//! site's consent platform, the export of everything kept, and `forget`.

use super::{Host, Visit};
use crate::consent::{Consent, ConsentMode, Purpose};
use crate::platform::KeyValueStore;
use crate::prelude::*;
use crate::profile;
use crate::Value;

impl<S: KeyValueStore, H: Host> Visit<S, H> {
    /// `tailor.consent({ personalization?, sync? })`: records the visitor's choice and carries
    /// out what it means (withdrawing personalization erases the stored profile). Returns the
    /// consent state, or the error for choices that are not `{ purpose: boolean }`.
    pub fn consent(&mut self, choices: &Value) -> Result<Value, String> {
        let Some(members) = choices.as_object() else {
            return Err(
                "Tailor: consent() takes an object like { personalization: true, sync: false }"
                    .into(),
            );
        };
        let mut changes = Vec::new();
        for (key, value) in members {
            let (Some(purpose), Some(granted)) = (Purpose::parse(key), value.as_bool()) else {
                return Err(crate::text::concat(&[
                    "Tailor: consent(): \"",
                    key,
                    "\" must be personalization or sync, set to true or false",
                ]));
            };
            changes.push((purpose, granted));
        }
        let now = self.host.now_ms();
        let mut erased = false;
        for (purpose, granted) in changes {
            let effects = self.consent.set(purpose, granted, now);
            erased |= effects.erase_profile;
            self.carry_out(effects);
        }
        // Withdrawing personalization erased what the decision was made from: decide again, so
        // the page (and every slot) stops showing what the erased profile earned.
        if erased {
            self.redecide();
        }
        let state = self.consent_state();
        self.emit("tailor:consentchange", state.clone());
        Ok(state)
    }

    /// What the site's consent platform says now: carries out what changed, like `consent`,
    /// but stores nothing of it. Returns the consent state.
    pub fn source_consent(&mut self, personalization: bool, sync: bool) -> Value {
        let allowed = |c: &Consent| (c.may_store(), c.may_sync());
        let before = allowed(&self.consent);
        let effects = self.consent.heard(personalization, sync);
        self.carry_out(effects);
        let state = self.consent_state();
        if allowed(&self.consent) != before {
            self.emit("tailor:consentchange", state.clone());
        }
        state
    }

    /// `{ mode, gpc, personalization, sync }` with what is allowed now (and `source`, the
    /// consent platform's name, when the site configured one).
    pub fn consent_state(&self) -> Value {
        let mode = match self.consent.mode {
            ConsentMode::Implied => "implied",
            ConsentMode::Required => "required",
        };
        let mut state = vec![
            ("mode".into(), mode.into()),
            ("gpc".into(), Value::Bool(self.consent.gpc)),
            // In preview nothing may be stored (the loader's rules cache asks here too).
            (
                "personalization".into(),
                Value::Bool(self.consent.may_store() && self.preview.is_none()),
            ),
            ("sync".into(), Value::Bool(self.consent.may_sync())),
        ];
        if let Some(source) = self.config.consent_source {
            state.push(("source".into(), source.as_str().into()));
        }
        Value::Object(state)
    }

    /// Everything Tailor keeps about the visitor on this device, as it is stored.
    pub fn profile(&self) -> Value {
        Value::Object(vec![
            ("profile".into(), profile::encode(self.live.profile())),
            ("consent".into(), self.consent.record()),
            ("persisted".into(), Value::Bool(self.persisted())),
        ])
    }

    /// Erases the profile on this device and starts a fresh anonymous one; consent choices are
    /// kept, because forgetting a refusal would undo it.
    pub fn forget(&mut self) {
        let mut effects = self.consent.forget_effects();
        // The server holds something only if sync was allowed; a withdrawal of sync already
        // queued its erase.
        effects.request_server_erase &= self.consent.may_sync();
        self.carry_out(effects);
        self.emit("tailor:forget", Value::Object(Vec::new()));
    }
}
