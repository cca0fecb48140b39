//! What a visit keeps: the profile written onto what is stored (other tabs write too), the
//! outbox and the erase queue across pages, the time zone checked after the first paint, and
//! what a consent change means for each of them.

use super::{
    discarded, parse_json, read_json, Host, Visit, ERASE_KEY, OUTBOX_KEY, RULES_CACHE_KEY,
};
use crate::consent::Effects;
use crate::platform::{KeyValueStore, RandomSource, CONSENT_KEY, PROFILE_KEY};
use crate::prelude::*;
use crate::profile;
use crate::sync::{self, Next, Outbox};
use crate::visitor_id::{self, EraseAnswer};
use crate::Value;

/// A batch for the server: where to send it and the JSON text to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub url: String,
    pub body: String,
}

impl<S: KeyValueStore, H: Host> Visit<S, H> {
    /// The outbox (only when events may be sent) and the erase queue, as an earlier page left
    /// them.
    pub(super) fn restore_queues(&mut self) {
        if self.sync_on() {
            self.outbox_text = self.store.get(OUTBOX_KEY);
            if let Some(text) = &self.outbox_text {
                // Restored events are due at once: they have waited a page already.
                let stored = parse_json(&self.host, text);
                self.outbox = Outbox::decode(&stored, 0.0, &self.config.sync);
            }
        }
        if let Some(stored) = read_json(&self.host, &mut self.store, ERASE_KEY) {
            let (ids, dropped) = sync::restore_erase_queue(&stored);
            self.erase_queue = ids;
            if dropped > 0 {
                self.host
                    .warn("Tailor: dropped invalid entries of the stored erase queue");
                self.persist_erase_queue();
            }
        }
    }

    /// Writes pending changes now; the loader calls it in the task after the first decision and
    /// on `pagehide`. First checks the time zone this page view assumed.
    pub fn flush(&mut self) {
        self.check_time_zone();
        self.save();
    }

    /// Another tab changed storage (`key`: the key it wrote, `None` for `localStorage.clear()`).
    /// A consent choice made there is adopted here; a profile erased there (`forget`, or
    /// personalization withdrawn) is erased here too, and nothing this tab held of it is written
    /// back; otherwise its profile is picked up, ours kept pending, and the page decided again.
    pub fn storage_changed(&mut self, key: Option<&str>) {
        if self.preview.is_some() {
            return;
        }
        let is = |k: &str| key.is_none_or(|key| key == k);
        if is(ERASE_KEY) {
            self.reload_erase_queue();
        }
        if is(CONSENT_KEY) || is(PROFILE_KEY) {
            self.consent_changed_elsewhere();
        }
        if !is(PROFILE_KEY) || !self.consent.may_store() {
            return;
        }
        let text = self.store.get(PROFILE_KEY);
        if text.is_none() && self.last_text.is_some() {
            self.erased_elsewhere();
            return;
        }
        self.last_text = text;
        let stored = self.last_text.as_deref().map(|t| parse_json(&self.host, t));
        let now = self.host.now_ms();
        let config = &self.config.profile;
        self.live
            .reload(stored.as_ref(), config, now, &mut self.host);
        // Pending now also holds any op of ours that the other tab's write lost: save it again.
        if !self.live.pending().is_empty() {
            self.save();
        }
        // What the other tab learned (a form answered there) counts here too: decide again.
        self.redecide();
    }

    /// The consent record another tab may have written: carried out here as the visitor's
    /// choice, with one `tailor:consentchange` when it changes anything.
    fn consent_changed_elsewhere(&mut self) {
        let record = read_json(&self.host, &mut self.store, CONSENT_KEY);
        let effects = self.consent.adopt(record.as_ref());
        if effects == Effects::default() {
            return;
        }
        let erased = effects.erase_profile;
        self.carry_out(effects);
        if erased {
            self.redecide();
        }
        let state = self.consent_state();
        self.emit("tailor:consentchange", state);
    }

    /// Another tab removed the stored profile (the visitor's `forget` there): this tab starts
    /// a fresh one as well, drops the unsent events of the erased one, and decides again.
    fn erased_elsewhere(&mut self) {
        self.last_text = None;
        let now = self.host.now_ms();
        self.live.forget(now, &mut self.host);
        self.outbox.clear();
        self.redecide();
        self.emit("tailor:forget", Value::Object(Vec::new()));
    }

    /// The next batch for the server, or `None` when nothing waits, a batch is on its way, or
    /// sync is not allowed. Report the answer to `batch_done`.
    pub fn take_batch(&mut self) -> Option<Batch> {
        if !self.sync_on() {
            return None;
        }
        self.reload_outbox();
        let snapshot = sync::profile_snapshot(&self.attributes(), &self.config.sync.allow);
        let batch = self.outbox.take_batch(
            &self.live.profile().id,
            self.consent.may_store(),
            Some(snapshot),
            self.host.now_ms(),
            &self.config.sync,
        )?;
        Some(Batch {
            url: self.config.sync.endpoint.clone(),
            body: self.host.json_text(&batch.body),
        })
    }

    /// The batch ended with HTTP `status` (0: network error; -1: sent as a beacon, answer
    /// unseen); `retry_after` is the `Retry-After` header in seconds. Returns the ms until the
    /// next send, or -1 when nothing waits.
    pub fn batch_done(&mut self, status: i32, retry_after: Option<f64>) -> f64 {
        let jitter = unit_random(&mut self.host);
        self.reload_outbox();
        let now = self.host.now_ms();
        let next = self
            .outbox
            .finished(status, retry_after, jitter, now, &self.config.sync);
        self.persist_outbox();
        match next {
            Next::RetryIn(ms) => ms,
            Next::Idle => -1.0,
        }
    }

    /// Ms until waiting events should be sent (0: now), or -1 when there is nothing to send.
    pub fn flush_in(&self) -> f64 {
        if !self.sync_on() {
            return -1.0;
        }
        let due = self.outbox.flush_in(self.host.now_ms(), &self.config.sync);
        due.unwrap_or(-1.0)
    }

    /// The URL of the next server erase to request (`DELETE`), or `None`.
    pub fn take_erase(&self) -> Option<String> {
        let id = self.erase_queue.first()?;
        if self.config.sync.endpoint.is_empty() || self.preview.is_some() {
            return None;
        }
        self.config.sync.erase_url(id)
    }

    /// The erase request answered with HTTP `status` (0: no answer). 2xx and 404 finish the
    /// entry, another 4xx (such as 400) drops it, anything else leaves it for a later page.
    pub fn erase_answered(&mut self, status: u16) {
        match visitor_id::erase_answer(status) {
            EraseAnswer::Done => self.drop_first_erase(),
            EraseAnswer::Refused => {
                self.host
                    .warn("Tailor: the server refused an erase request; it is dropped");
                self.drop_first_erase();
            }
            EraseAnswer::Retry => {}
        }
    }

    fn drop_first_erase(&mut self) {
        let Some(done) = self.erase_queue.first().cloned() else {
            return;
        };
        self.reload_erase_queue();
        crate::lists::remove_where(&mut self.erase_queue, |id| *id == done);
        self.persist_erase_queue();
    }

    /// The erase queue as stored now (another tab may have added to it or finished an entry).
    fn reload_erase_queue(&mut self) {
        if !self.store.is_persistent() {
            return;
        }
        let stored = read_json(&self.host, &mut self.store, ERASE_KEY);
        self.erase_queue = match stored {
            Some(stored) => sync::restore_erase_queue(&stored).0,
            None => Vec::new(),
        };
    }

    /// The time zone for this page view. A visitor seen before is decided with the zone their
    /// profile has, or none when it has none (a zone that places nobody, such as `UTC`), and
    /// `flush` checks it after the decision; only a new visitor's first page asks first.
    pub(super) fn page_time_zone(&mut self) {
        if self.ctx.time_zone.is_some() {
            return;
        }
        let profile = self.live.profile();
        let stored = profile.geo.as_ref().and_then(|g| g.time_zone.clone());
        if stored.is_some() || profile.page_views > 0 {
            self.zone_unchecked = true;
            self.ctx.time_zone = stored;
        } else {
            self.ctx.time_zone = self.host.time_zone();
        }
    }

    /// When the platform's time zone is not the one this page view assumed (the visitor
    /// travelled), records where the visitor is now; the next page view decides with it.
    fn check_time_zone(&mut self) {
        if !core::mem::take(&mut self.zone_unchecked) {
            return;
        }
        let zone = self.host.time_zone();
        if zone.is_none() || zone == self.ctx.time_zone {
            return;
        }
        self.ctx.time_zone = zone;
        let place = profile::geo_op(&self.ctx, &self.config.profile, self.host.now_ms());
        if let Some(op) = place {
            self.live.record(op, &self.config.profile);
        }
    }

    /// Whether events may be queued for the server now.
    pub(super) fn sync_on(&self) -> bool {
        self.config.sync.enabled() && self.consent.may_sync() && self.preview.is_none()
    }

    /// Queues one wire event (built by `make` from a fresh id and the time), when sync is on.
    pub(super) fn enqueue(&mut self, make: impl FnOnce(String, f64) -> Value) {
        if !self.sync_on() {
            return;
        }
        self.reload_outbox();
        let now = self.host.now_ms();
        let event = make(profile::new_id(&mut self.host), now);
        self.outbox.push(event, now, &self.config.sync);
        self.persist_outbox();
    }

    /// The outbox as stored now, before this tab changes it: every open tab queues into and
    /// delivers from the one stored outbox, so none overwrites another's unsent events.
    fn reload_outbox(&mut self) {
        if !self.consent.may_store() || !self.store.is_persistent() {
            return;
        }
        let text = self.store.get(OUTBOX_KEY);
        if text == self.outbox_text {
            return;
        }
        let stored = text.as_deref().map(|t| parse_json(&self.host, t));
        let now = self.host.now_ms();
        self.outbox.adopt(stored.as_ref(), now, &self.config.sync);
        self.outbox_text = text;
    }

    /// Keeps the outbox across pages (and offline periods) when the visitor allows storage.
    fn persist_outbox(&mut self) {
        if !self.consent.may_store() {
            return;
        }
        if self.outbox.is_empty() && self.outbox.dropped() == 0 {
            self.store.remove(OUTBOX_KEY);
            self.outbox_text = None;
        } else {
            let text = self.host.json_text(&self.outbox.encode());
            self.store.set(OUTBOX_KEY, &text);
            self.outbox_text = Some(text);
        }
    }

    /// The pending erase requests are the visitor's own request: kept whatever the consent.
    fn persist_erase_queue(&mut self) {
        if self.erase_queue.is_empty() {
            self.store.remove(ERASE_KEY);
            return;
        }
        let ids = self.erase_queue.iter().map(|id| Value::from(id.as_str()));
        let text = self.host.json_text(&Value::Array(ids.collect()));
        self.store.set(ERASE_KEY, &text);
    }

    pub(super) fn persisted(&self) -> bool {
        self.consent.may_store() && self.store.is_persistent()
    }

    /// Writes this tab's pending ops onto what is stored now (so another tab's writes survive).
    /// Without consent to store, nothing is written: the profile lives in memory only.
    pub(super) fn save(&mut self) {
        if !self.consent.may_store() || self.live.pending().is_empty() {
            return;
        }
        let text_now = self.store.get(PROFILE_KEY);
        let now = self.host.now_ms();
        let save = if text_now == self.last_text {
            self.live.save_in_place(now)
        } else {
            // Another tab wrote since: replay this tab's ops onto what it wrote.
            let stored = text_now.as_deref().map(|t| parse_json(&self.host, t));
            let config = &self.config.profile;
            self.live
                .prepare_save(stored.as_ref(), config, now, &mut self.host)
        };
        if let Some(reason) = save.status.warning() {
            self.host.warn(&discarded(reason));
        }
        let text = self.host.json_text(&save.value);
        self.store.set(PROFILE_KEY, &text);
        self.last_text = Some(text);
        self.live.saved(save, &self.config.profile);
        self.warn_storage();
    }

    pub(super) fn carry_out(&mut self, effects: Effects) {
        // The choice first: another open tab hears it before the erase it causes, so it does
        // not write back what it held.
        if let Some(record) = &effects.write_record {
            let text = self.host.json_text(record);
            self.store.set(CONSENT_KEY, &text);
        }
        let visitor = self.live.profile().id.clone();
        if effects.clear_outbox {
            self.outbox.clear();
            self.store.remove(OUTBOX_KEY);
            self.outbox_text = None;
        }
        if effects.request_server_erase && self.config.sync.enabled() {
            // Other tabs queue erases too: add to what is stored now.
            self.reload_erase_queue();
            if visitor_id::is_visitor_id(&visitor) && !self.erase_queue.contains(&visitor) {
                self.erase_queue.push(visitor);
                let excess = self.erase_queue.len().saturating_sub(sync::MAX_ERASE_QUEUE);
                self.erase_queue.drain(..excess);
            }
            self.persist_erase_queue();
        }
        if effects.erase_profile {
            self.store.remove(PROFILE_KEY);
            // The loader's rules cache was written only because storing was allowed.
            self.store.remove(RULES_CACHE_KEY);
            self.last_text = None;
            let now = self.host.now_ms();
            self.live.forget(now, &mut self.host);
        }
        if effects.write_profile {
            self.save();
        }
        self.warn_storage();
    }

    /// One warning when storage fails, however often it fails after.
    pub(super) fn warn_storage(&mut self) {
        if self.storage_warned {
            return;
        }
        if let Some(failure) = self.store.failure() {
            self.storage_warned = true;
            self.host
                .warn(&crate::text::concat(&["Tailor: ", failure.message()]));
        }
    }
}

/// A number in [0, 1) from the random source (the retry jitter).
fn unit_random(random: &mut dyn RandomSource) -> f64 {
    let mut bytes = [0u8; 4];
    random.fill(&mut bytes);
    f64::from(u32::from_le_bytes(bytes)) / 4_294_967_296.0
}
