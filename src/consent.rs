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
//!
//! A consent source: a site that runs a consent platform (an IAB TCF CMP, Google Consent Mode)
//! names it in its configuration, and the loader reports what the platform says through
//! [`Consent::heard`]. Until the platform answers on a page, nothing is allowed (as in
//! `required`). Then a purpose is allowed when the platform allows it and the visitor has not
//! refused it in Tailor's own UI; `sync` under GPC also needs the visitor's explicit grant in
//! Tailor's UI. A refusal on either side wins. What the platform says is never stored: the
//! platform keeps it, and says it again on every page.

use crate::prelude::*;
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

/// What the site's consent platform says on this page (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The site has no consent platform: the mode and the visitor's choices decide.
    Off,
    /// The site has one, and it has not answered on this page yet: nothing is allowed.
    Waiting,
    /// Its latest answer.
    Says { personalization: bool, sync: bool },
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
    /// The site's consent platform; never stored.
    pub source: Source,
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
            source: Source::Off,
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

    /// Whether `purpose` is allowed right now. Not inlined: it is called from many places.
    #[inline(never)]
    pub fn allows(&self, purpose: Purpose) -> bool {
        let (choice, implied) = match purpose {
            Purpose::Personalization => (self.personalization, self.mode == ConsentMode::Implied),
            Purpose::Sync => (self.sync, self.mode == ConsentMode::Implied && !self.gpc),
        };
        match (self.source, purpose) {
            (Source::Off, _) => match choice {
                Choice::Granted => true,
                Choice::Denied => false,
                Choice::Unset => implied,
            },
            (Source::Waiting, _) => false,
            (
                Source::Says {
                    personalization, ..
                },
                Purpose::Personalization,
            ) => personalization && choice != Choice::Denied,
            (Source::Says { sync, .. }, Purpose::Sync) => {
                sync && choice != Choice::Denied && (!self.gpc || choice == Choice::Granted)
            }
        }
    }

    /// The allowances now, personalization first.
    fn allowed(&self) -> (bool, bool) {
        (
            self.allows(Purpose::Personalization),
            self.allows(Purpose::Sync),
        )
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
        let before = self.allowed();
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
        let mut effects = changes(before, self.allowed());
        effects.write_record = Some(self.record());
        effects
    }

    /// The site's consent platform answered (see the module's documentation); returns what the
    /// shell must do. Nothing of it is stored. Its first denial on a page also erases what an
    /// earlier page stored under an earlier grant (the platform may have been told "no"
    /// elsewhere); only a withdrawal seen on this page asks the server to erase, so a refusing
    /// visitor does not cause an erase request on every page.
    pub fn heard(&mut self, personalization: bool, sync: bool) -> Effects {
        let first = self.source == Source::Waiting;
        let before = self.allowed();
        self.source = Source::Says {
            personalization,
            sync,
        };
        let after = self.allowed();
        let mut effects = changes(before, after);
        if first {
            effects.erase_profile = !after.0;
            effects.clear_outbox |= !after.1;
        }
        effects
    }

    /// Another tab stored the visitor's choices (`record`, as [`Consent::restore`] reads it):
    /// takes them when they are newer than this page's, and returns what that means here. The
    /// tab where the visitor chose stored the record and asked the server to erase, so neither is
    /// asked again.
    pub fn adopt(&mut self, record: Option<&Value>) -> Effects {
        let stored = Consent::restore(self.mode, self.gpc, record);
        if stored.updated <= self.updated {
            return Effects::default();
        }
        let before = self.allowed();
        self.personalization = stored.personalization;
        self.sync = stored.sync;
        self.updated = stored.updated;
        let mut effects = changes(before, self.allowed());
        effects.request_server_erase = false;
        effects
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

/// What a change of the allowances `(personalization, sync)` from `before` to `after` means.
fn changes(before: (bool, bool), after: (bool, bool)) -> Effects {
    Effects {
        erase_profile: before.0 && !after.0,
        write_profile: !before.0 && after.0,
        clear_outbox: before.1 && !after.1,
        request_server_erase: before.1 && !after.1,
        start_sync: !before.1 && after.1,
        write_record: None,
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
    fn another_tabs_newer_choice_is_adopted_without_a_second_record_or_erase_request() {
        let mut here = Consent::new(Implied, false);
        let mut there = Consent::new(Implied, false);
        let fx = there.set(Personalization, false, 50.0);
        let record = fx.write_record.unwrap();
        let fx = here.adopt(Some(&record));
        assert!(fx.erase_profile && !here.may_store());
        assert_eq!(fx.write_record, None);
        assert_eq!(here.adopt(Some(&record)), Effects::default(), "once");
        // An older record (or none) changes nothing here.
        here.set(Personalization, true, 60.0);
        assert_eq!(here.adopt(Some(&record)), Effects::default());
        assert_eq!(here.adopt(None), Effects::default());
        assert!(here.may_store());
        // Withdrawing sync elsewhere empties this tab's outbox; the other tab asked the erase.
        let fx = there.set(Sync, false, 70.0);
        let fx = here.adopt(fx.write_record.as_ref());
        assert!(fx.clear_outbox && !fx.request_server_erase && !here.may_sync());
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

    fn waiting(gpc: bool) -> Consent {
        let mut c = Consent::new(Required, gpc);
        c.source = Source::Waiting;
        c
    }

    #[test]
    fn a_source_allows_nothing_until_it_answers() {
        let mut c = waiting(false);
        assert!(!c.may_store() && !c.may_sync());
        // A grant in Tailor's own UI alone is not enough: the platform has not answered.
        let fx = c.set(Personalization, true, 1.0);
        assert!(!fx.write_profile && !c.may_store());
        let fx = c.heard(true, true);
        assert!(fx.write_profile && fx.start_sync && !fx.erase_profile && !fx.clear_outbox);
        assert!(
            fx.write_record.is_none(),
            "what the platform says is never stored"
        );
        assert!(c.may_store() && c.may_sync());
    }

    #[test]
    fn a_withdrawal_by_the_source_erases_like_tailor_consent() {
        let mut c = waiting(false);
        c.heard(true, true);
        // The same answer again (tcloaded, then useractioncomplete) changes nothing.
        assert_eq!(c.heard(true, true), Effects::default());
        let fx = c.heard(false, true);
        assert!(fx.erase_profile && !fx.clear_outbox && !fx.request_server_erase);
        let fx = c.heard(false, false);
        assert!(fx.clear_outbox && fx.request_server_erase && !fx.erase_profile);
        assert!(!c.may_store() && !c.may_sync());
        let fx = c.heard(true, false);
        assert!(fx.write_profile);
    }

    #[test]
    fn the_first_denial_on_a_page_erases_what_an_earlier_page_stored() {
        let mut c = waiting(false);
        let fx = c.heard(false, false);
        assert!(fx.erase_profile && fx.clear_outbox);
        assert!(
            !fx.request_server_erase,
            "no erase request on every page of a refusing visitor"
        );
        let mut c = waiting(false);
        let fx = c.heard(true, false);
        assert!(fx.write_profile && !fx.erase_profile && fx.clear_outbox);
    }

    #[test]
    fn a_refusal_in_tailors_ui_wins_over_the_source() {
        let mut c = waiting(false);
        c.heard(true, true);
        let fx = c.set(Personalization, false, 2.0);
        assert!(fx.erase_profile && !c.may_store());
        assert!(!c.heard(true, true).write_profile && !c.may_store());
        // Remembered across pages: the platform's grant does not undo the visitor's "no".
        let mut next = Consent::restore(Required, false, fx.write_record.as_ref());
        next.source = Source::Waiting;
        next.heard(true, true);
        assert!(!next.may_store() && next.may_sync());
    }

    #[test]
    fn gpc_keeps_sync_denied_whatever_the_source_says_unless_granted_in_tailor() {
        let mut c = waiting(true);
        let fx = c.heard(true, true);
        assert!(fx.write_profile && !fx.start_sync);
        assert!(c.may_store() && !c.may_sync());
        let fx = c.set(Sync, true, 3.0);
        assert!(fx.start_sync && c.may_sync());
        // The grant in Tailor's UI does not override the platform's own refusal.
        let fx = c.heard(true, false);
        assert!(fx.clear_outbox && !c.may_sync());
        // Nor does it count before the platform answered on the next page.
        let mut next = Consent::restore(Required, true, Some(&c.record()));
        next.source = Source::Waiting;
        assert!(!next.may_sync());
        assert!(next.heard(true, true).start_sync && next.may_sync());
    }

    #[test]
    fn forget_erases_everything_but_the_choice() {
        let fx = Consent::new(Implied, false).forget_effects();
        assert!(fx.erase_profile && fx.clear_outbox && fx.request_server_erase);
        assert!(fx.write_record.is_none());
    }
}
