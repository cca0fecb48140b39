//! Consent: which purposes the visitor allows, and what the shell must do when that changes.
//!
//! Two purposes: `personalization` (keep a profile in this browser's storage) and `sync` (send
//! data to the site's backend). Two modes, chosen by the site: `implied` (both allowed until the
//! visitor refuses) and `required` (nothing allowed until granted; the profile lives in memory
//! only and nothing is written). Global Privacy Control, a flag the shell reads from
//! `navigator.globalPrivacyControl`, denies `sync` unless the visitor grants it explicitly.
//!
//! Transitions are pure: [`Consent::set`] returns the new state plus an [`Effects`] list that the
//! shell carries out (write or erase the stored profile, empty the outbox, ask the server to
//! erase). This module never touches storage itself.
//!
//! What is remembered: only the visitor's explicit choices, in a small record under
//! [`crate::platform::CONSENT_KEY`]. A refusal is stored even though personalization is refused,
//! because remembering "no" is strictly necessary to keep honouring it; a grant is stored in both
//! modes because it is the visitor's own decision and the site must be able to show it. The mode
//! and the GPC flag are never stored: they come from the site's configuration and the browser on
//! every page. No choice made means no record at all.

use crate::value::put;
use crate::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentMode {
    /// Personalization (and sync, without GPC) allowed until the visitor refuses.
    Implied,
    /// Nothing allowed until the visitor grants it.
    Required,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Personalization,
    Sync,
}

impl Purpose {
    pub fn parse(s: &str) -> Option<Purpose> {
        match s {
            "personalization" => Some(Purpose::Personalization),
            "sync" => Some(Purpose::Sync),
            _ => None,
        }
    }
}

/// The visitor's explicit choice for one purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Unset,
    Granted,
    Denied,
}

impl Choice {
    fn as_str(self) -> &'static str {
        match self {
            Choice::Unset => "unset",
            Choice::Granted => "granted",
            Choice::Denied => "denied",
        }
    }

    fn parse(v: Option<&Value>) -> Choice {
        match v.and_then(Value::as_str) {
            Some("granted") => Choice::Granted,
            Some("denied") => Choice::Denied,
            _ => Choice::Unset,
        }
    }
}

/// What the shell must do after a consent change. Several may be set at once; carry them out in
/// field order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Remove the stored profile and continue with a fresh in-memory one.
    pub erase_profile: bool,
    /// Write the in-memory profile to storage now (personalization just became allowed).
    pub write_profile: bool,
    /// Drop every queued, unsent event.
    pub clear_outbox: bool,
    /// Ask the backend to erase what it holds for this visitor (queued until it can be sent; see
    /// `profile::forget`, which marks it in the profile).
    pub request_server_erase: bool,
    /// Sync just became allowed: the outbox may start sending.
    pub start_sync: bool,
    /// The consent record to store under `CONSENT_KEY`; `None` means leave it as it is.
    pub write_record: Option<Value>,
}

/// The consent state of one page: the site's mode, the browser's GPC flag, the visitor's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    pub mode: ConsentMode,
    pub gpc: bool,
    pub personalization: Choice,
    pub sync: Choice,
    /// When the visitor last chose (ms); 0 when never.
    pub updated: f64,
}

impl Consent {
    /// The state before the visitor has said anything.
    pub fn new(mode: ConsentMode, gpc: bool) -> Consent {
        Consent {
            mode,
            gpc,
            personalization: Choice::Unset,
            sync: Choice::Unset,
            updated: 0.0,
        }
    }

    /// Restores the visitor's remembered choices from the stored record (already parsed by the
    /// shell). A missing or garbled record means no choice was made.
    pub fn restore(mode: ConsentMode, gpc: bool, record: Option<&Value>) -> Consent {
        let mut c = Consent::new(mode, gpc);
        if let Some(r) = record.filter(|r| r.get("v").and_then(Value::as_f64) == Some(1.0)) {
            c.personalization = Choice::parse(r.get("personalization"));
            c.sync = Choice::parse(r.get("sync"));
            c.updated = r
                .get("at")
                .and_then(Value::as_f64)
                .filter(|t| t.is_finite())
                .unwrap_or(0.0);
        }
        c
    }

    /// Whether `purpose` is allowed right now.
    pub fn allows(&self, purpose: Purpose) -> bool {
        let (choice, implied) = match purpose {
            Purpose::Personalization => (self.personalization, self.mode == ConsentMode::Implied),
            Purpose::Sync => (self.sync, self.mode == ConsentMode::Implied && !self.gpc),
        };
        match choice {
            Choice::Granted => true,
            Choice::Denied => false,
            Choice::Unset => implied,
        }
    }

    /// Whether the profile may be written to storage (otherwise it lives in memory only).
    pub fn may_store(&self) -> bool {
        self.allows(Purpose::Personalization)
    }

    pub fn may_sync(&self) -> bool {
        self.allows(Purpose::Sync)
    }

    /// Records the visitor granting or refusing `purpose` at `now`; returns what the shell must do.
    pub fn set(&mut self, purpose: Purpose, granted: bool, now: f64) -> Effects {
        let before = (
            self.allows(Purpose::Personalization),
            self.allows(Purpose::Sync),
        );
        let choice = if granted {
            Choice::Granted
        } else {
            Choice::Denied
        };
        match purpose {
            Purpose::Personalization => self.personalization = choice,
            Purpose::Sync => self.sync = choice,
        }
        self.updated = now;
        let after = (
            self.allows(Purpose::Personalization),
            self.allows(Purpose::Sync),
        );
        Effects {
            erase_profile: before.0 && !after.0,
            write_profile: !before.0 && after.0,
            clear_outbox: before.1 && !after.1,
            request_server_erase: before.1 && !after.1,
            start_sync: !before.1 && after.1,
            write_record: Some(self.record()),
        }
    }

    /// What `tailor.forget()` must do besides resetting the profile: erase the stored profile,
    /// drop unsent events and have the server erase its copy. The consent record is kept: the
    /// visitor's choice is not profile data, and forgetting a refusal would undo it.
    pub fn forget_effects(&self) -> Effects {
        Effects {
            erase_profile: true,
            write_profile: false,
            clear_outbox: true,
            request_server_erase: true,
            start_sync: false,
            write_record: None,
        }
    }

    /// The record stored under `CONSENT_KEY`: `{"v":1,"personalization":…,"sync":…,"at":ms}`.
    pub fn record(&self) -> Value {
        let mut record = Vec::with_capacity(4);
        put(&mut record, "v", Value::Number(1.0));
        let personalization = Value::from(self.personalization.as_str());
        put(&mut record, "personalization", personalization);
        put(&mut record, "sync", Value::from(self.sync.as_str()));
        put(&mut record, "at", Value::Number(self.updated));
        Value::Object(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentMode::*;
    use Purpose::*;

    #[test]
    fn implied_mode_allows_until_refused() {
        let mut c = Consent::new(Implied, false);
        assert!(c.may_store() && c.may_sync());
        let fx = c.set(Personalization, false, 10.0);
        assert!(fx.erase_profile && !fx.write_profile && !fx.clear_outbox);
        assert!(!c.may_store());
        assert!(fx.write_record.is_some(), "a refusal is remembered");
        let fx = c.set(Personalization, true, 20.0);
        assert!(fx.write_profile && !fx.erase_profile);
    }

    #[test]
    fn required_mode_allows_nothing_until_granted() {
        let mut c = Consent::new(Required, false);
        assert!(!c.may_store() && !c.may_sync());
        let fx = c.set(Personalization, true, 10.0);
        assert_eq!(
            fx,
            Effects {
                write_profile: true,
                write_record: Some(c.record()),
                ..Effects::default()
            }
        );
        assert!(c.may_store() && !c.may_sync());
        let fx = c.set(Sync, true, 11.0);
        assert!(fx.start_sync && c.may_sync());
    }

    #[test]
    fn gpc_denies_sync_unless_granted_explicitly() {
        let mut c = Consent::new(Implied, true);
        assert!(c.may_store() && !c.may_sync());
        let fx = c.set(Sync, true, 5.0);
        assert!(fx.start_sync && c.may_sync());
        // The explicit grant survives a reload with GPC still on.
        let again = Consent::restore(Implied, true, fx.write_record.as_ref());
        assert!(again.may_sync());
    }

    #[test]
    fn withdrawing_sync_empties_the_outbox_and_asks_the_server_to_erase() {
        let mut c = Consent::new(Implied, false);
        let fx = c.set(Sync, false, 5.0);
        assert!(fx.clear_outbox && fx.request_server_erase && !fx.erase_profile);
        // Refusing again changes nothing but the record.
        let fx = c.set(Sync, false, 6.0);
        assert!(!fx.clear_outbox && !fx.request_server_erase);
    }

    #[test]
    fn records_round_trip_and_garbage_means_no_choice() {
        let mut c = Consent::new(Required, false);
        c.set(Personalization, true, 42.0);
        c.set(Sync, false, 43.0);
        let restored = Consent::restore(Required, false, Some(&c.record()));
        assert_eq!(restored, c);
        for garbage in [
            Value::Null,
            Value::from("granted"),
            Value::Object(vec![("v".into(), Value::Number(99.0))]),
            Value::Object(vec![
                ("v".into(), 1.0.into()),
                ("personalization".into(), 3.0.into()),
            ]),
        ] {
            let r = Consent::restore(Required, false, Some(&garbage));
            assert_eq!(r.personalization, Choice::Unset);
            assert!(!r.may_store());
        }
        assert_eq!(Purpose::parse("sync"), Some(Sync));
        assert_eq!(Purpose::parse("ads"), None);
    }

    #[test]
    fn forget_erases_everything_but_the_choice() {
        let fx = Consent::new(Implied, false).forget_effects();
        assert!(fx.erase_profile && fx.clear_outbox && fx.request_server_erase);
        assert!(fx.write_record.is_none());
    }
}
