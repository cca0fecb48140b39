//! This tab's live profile: the last profile it saw plus the ops it has not saved yet.
//!
//! Two tabs of the same site share one stored profile and no lock. Instead of writing its whole
//! in-memory profile (which would overwrite what the other tab wrote in between), a tab saves by
//! [`rebase`]: load what is stored *now*, apply its own pending ops, write the result. Ops only
//! add counts, take maximum times and keep better sources, so replaying them onto a profile
//! another tab moved on loses neither tab's updates. The same call answers the browser's
//! `storage` event ([`LiveProfile::reload`]). A separate two-profile `merge` is therefore not
//! needed: the op log is the merge.
//!
//! One more hazard: browsers cache `localStorage` per renderer process and pass other tabs'
//! writes on asynchronously, so a tab can read a stale copy and overwrite another tab's write.
//! Every op therefore has an id, the stored profile remembers the ids of recent ops, and a tab
//! keeps each op it saved for [`RECHECK_MS`]: when a later read of storage (the `storage` event
//! that the overwrite fires) lacks one of them, the op is applied again and saved again.
//!
//! The shell's loop, per tab:
//! 1. `LiveProfile::load(stored)` at start-up;
//! 2. `record(op)` for everything that happens (it applies at once, so decisions see it);
//! 3. when it is time to save (debounced, and on `pagehide`), read storage, `prepare_save`, write
//!    `save.value`, then `saved(save)`; if the write fails, skip `saved` and the ops stay pending;
//! 4. on a `storage` event for the profile key, `reload(stored)`.

use super::{apply, apply_all, encode, load, LoadStatus, Op, Profile, ProfileConfig, MAX_APPLIED};
use crate::platform::RandomSource;
use crate::prelude::*;
use crate::Value;

/// How long a tab keeps an op it saved, to re-apply it if a stale write of another tab lost it.
pub const RECHECK_MS: f64 = 10_000.0;
/// At most this many saved ops are kept for that (fewer than [`MAX_APPLIED`], so a kept op's id
/// is still in any stored profile that has it).
const MAX_RECENT: usize = 16;

/// Loads what is stored now and applies `pending` to it: the profile a save must write.
pub fn rebase(
    stored: Option<&Value>,
    pending: &[Op],
    config: &ProfileConfig,
    now: f64,
    random: &mut dyn RandomSource,
) -> (Profile, LoadStatus) {
    let (mut profile, status) = load(stored, config, now, random);
    apply_all(&mut profile, pending, config);
    (profile, status)
}

/// A save ready to be written: store `value` (the shell stringifies it), then hand the whole
/// `Save` back to [`LiveProfile::saved`].
#[derive(Debug, Clone)]
pub struct Save {
    pub value: Value,
    pub profile: Profile,
    /// What was found in storage (a `Discarded` reason deserves one console warning).
    pub status: LoadStatus,
    /// How many pending ops this save includes.
    included: usize,
    /// When the save was prepared.
    at: f64,
}

#[derive(Debug, Clone)]
pub struct LiveProfile {
    profile: Profile,
    pending: Vec<Op>,
    /// The ids of `pending`, index for index.
    pending_ids: Vec<String>,
    /// Ops saved less than [`RECHECK_MS`] ago, with their ids.
    recent: Vec<(String, Op)>,
    /// This tab's prefix for op ids, and the next op's number.
    tab: String,
    counter: u32,
}

impl LiveProfile {
    /// Starts from what is stored (or a fresh profile, with the reason in the status).
    pub fn load(
        stored: Option<&Value>,
        config: &ProfileConfig,
        now: f64,
        random: &mut dyn RandomSource,
    ) -> (LiveProfile, LoadStatus) {
        let (profile, status) = load(stored, config, now, random);
        let mut tab = super::new_id(random);
        tab.truncate(8);
        (
            LiveProfile {
                profile,
                pending: Vec::new(),
                pending_ids: Vec::new(),
                recent: Vec::new(),
                tab,
                counter: 0,
            },
            status,
        )
    }

    /// The profile as this tab sees it, pending ops included.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Ops applied here but not yet written.
    pub fn pending(&self) -> &[Op] {
        &self.pending
    }

    /// Applies `op` now and keeps it for the next save.
    pub fn record(&mut self, op: Op, config: &ProfileConfig) {
        self.counter = self.counter.wrapping_add(1);
        let id = op_id(&self.tab, self.counter);
        apply(&mut self.profile, &op, config);
        note_applied(&mut self.profile, &id);
        self.pending.push(op);
        self.pending_ids.push(id);
    }

    /// Records several ops (e.g. [`super::page_ops`]).
    pub fn record_all(&mut self, ops: Vec<Op>, config: &ProfileConfig) {
        for op in ops {
            self.record(op, config);
        }
    }

    /// Prepares a save against what is stored now. When storage holds nothing (first save, or
    /// storage was cleared), this tab's id is kept, so decisions already bucketed by it stay put.
    pub fn prepare_save(
        &mut self,
        stored: Option<&Value>,
        config: &ProfileConfig,
        now: f64,
        random: &mut dyn RandomSource,
    ) -> Save {
        let (mut profile, status) = load(stored, config, now, random);
        if status == LoadStatus::New {
            let mut base = Profile::new(self.profile.id.clone(), self.profile.created);
            base.erased_at = self.profile.erased_at;
            base.erase_pending = self.profile.erase_pending.clone();
            profile = base;
        }
        // This tab's recent ops that the stored profile lacks (lost to a stale write), then its
        // pending ones.
        self.replay_missing(&mut profile, config, now);
        Save {
            value: encode(&profile),
            profile,
            status,
            included: self.pending.len(),
            at: now,
        }
    }

    /// A save for when storage still holds exactly what this tab last read or wrote (the shell
    /// compares the stored text): there is nothing to rebase onto, because the live profile
    /// already has every pending op applied. Saves the decode that [`Self::prepare_save`] needs.
    pub fn save_in_place(&self, now: f64) -> Save {
        Save {
            value: encode(&self.profile),
            profile: self.profile.clone(),
            status: LoadStatus::Loaded,
            included: self.pending.len(),
            at: now,
        }
    }

    /// The save was written: adopt its profile (which has the other tabs' updates) and drop the
    /// ops it included; ops recorded since are replayed onto it.
    pub fn saved(&mut self, save: Save, config: &ProfileConfig) {
        let n = save.included.min(self.pending.len());
        for (id, op) in self.pending_ids.drain(..n).zip(self.pending.drain(..n)) {
            self.recent.push((id, op));
        }
        forget_older(&mut self.recent, save.at - RECHECK_MS);
        let excess = self.recent.len().saturating_sub(MAX_RECENT);
        self.recent.drain(..excess);
        self.profile = save.profile;
        apply_all(&mut self.profile, &self.pending, config);
    }

    /// Another tab wrote the profile (a `storage` event): see its updates, keep ours pending.
    pub fn reload(
        &mut self,
        stored: Option<&Value>,
        config: &ProfileConfig,
        now: f64,
        random: &mut dyn RandomSource,
    ) -> LoadStatus {
        let (mut profile, status) = load(stored, config, now, random);
        self.replay_missing(&mut profile, config, now);
        self.profile = profile;
        status
    }

    /// Applies to `profile` this tab's ops it lacks: recent saved ones (which go back to pending,
    /// to be saved again) and pending ones.
    fn replay_missing(&mut self, profile: &mut Profile, config: &ProfileConfig, now: f64) {
        forget_older(&mut self.recent, now - RECHECK_MS);
        let mut lost = Vec::new();
        let mut i = 0;
        while i < self.recent.len() {
            if profile.applied.contains(&self.recent[i].0) {
                i += 1;
            } else {
                lost.push(self.recent.remove(i));
            }
        }
        for (id, op) in lost.into_iter().rev() {
            self.pending_ids.insert(0, id);
            self.pending.insert(0, op);
        }
        for (id, op) in self.pending_ids.iter().zip(&self.pending) {
            if !profile.applied.contains(id) {
                apply(profile, op, config);
                note_applied(profile, id);
            }
        }
    }

    /// `tailor.forget()`: a fresh profile that remembers the pending server erase; pending ops
    /// are dropped. Write `encode(profile())` (if personalization may store) and carry out
    /// [`crate::consent::Consent::forget_effects`].
    pub fn forget(&mut self, now: f64, random: &mut dyn RandomSource) {
        self.profile = super::forget(&self.profile, now, random);
        self.pending.clear();
        self.pending_ids.clear();
        self.recent.clear();
    }
}

/// Drops the ops older than `cutoff`.
fn forget_older(recent: &mut Vec<(String, Op)>, cutoff: f64) {
    crate::lists::remove_where(recent, |(_, op)| op.at() < cutoff);
}

/// `tab` and a base-36 counter: short, unique per tab, valid as a stored id.
fn op_id(tab: &str, n: u32) -> String {
    let mut digits = Vec::new();
    let mut n = n;
    loop {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    let mut id = String::with_capacity(tab.len() + 1 + digits.len());
    id.push_str(tab);
    id.push('-');
    for d in digits {
        id.push(char::from(d));
    }
    id
}

fn note_applied(profile: &mut Profile, id: &str) {
    profile.applied.push(id.to_owned());
    let excess = profile.applied.len().saturating_sub(MAX_APPLIED);
    profile.applied.drain(..excess);
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::SeededRandom;

    const MIN: f64 = 60_000.0;

    /// localStorage as the shell sees it: JSON text, parsed on read.
    #[derive(Default)]
    struct Storage(Option<String>);

    impl Storage {
        fn read(&self) -> Option<Value> {
            self.0.as_deref().map(|t| Value::parse_json(t).unwrap())
        }
        fn save(
            &mut self,
            tab: &mut LiveProfile,
            cfg: &ProfileConfig,
            now: f64,
            r: &mut SeededRandom,
        ) {
            let save = tab.prepare_save(self.read().as_ref(), cfg, now, r);
            self.0 = Some(save.value.to_json_string());
            tab.saved(save, cfg);
        }
    }

    fn view(at: f64, topic: &str) -> Op {
        Op::PageView {
            at,
            topics: vec![(topic.into(), 1.0)],
            campaign: None,
        }
    }

    #[test]
    fn two_tabs_interleaving_lose_nothing() {
        let cfg = ProfileConfig::default();
        let mut r = SeededRandom::new(9);
        let mut disk = Storage::default();
        let (mut a, _) = LiveProfile::load(None, &cfg, 0.0, &mut r);
        a.record(view(0.0, "cats"), &cfg);
        disk.save(&mut a, &cfg, 0.0, &mut r);
        let id = a.profile().id.clone();

        // Tab B opens, both work at once, saving in turn.
        let (mut b, status) = LiveProfile::load(disk.read().as_ref(), &cfg, 1.0, &mut r);
        assert_eq!(status, LoadStatus::Loaded);
        b.record(view(1.0 * MIN, "dogs"), &cfg);
        a.record(
            Op::Event {
                at: 2.0 * MIN,
                name: "add_to_cart".into(),
            },
            &cfg,
        );
        b.record(
            Op::Event {
                at: 3.0 * MIN,
                name: "add_to_cart".into(),
            },
            &cfg,
        );
        a.record(
            Op::Exposure {
                at: 4.0 * MIN,
                rule: "hero".into(),
                day: 0,
            },
            &cfg,
        );
        disk.save(&mut a, &cfg, 5.0 * MIN, &mut r);
        b.record(
            Op::Exposure {
                at: 5.0 * MIN,
                rule: "hero".into(),
                day: 0,
            },
            &cfg,
        );
        b.record(
            Op::Declare {
                at: 5.0 * MIN,
                name: Some("Ann".into()),
                pet: None,
            },
            &cfg,
        );
        disk.save(&mut b, &cfg, 6.0 * MIN, &mut r);
        a.record(view(7.0 * MIN, "cats"), &cfg);
        disk.save(&mut a, &cfg, 8.0 * MIN, &mut r);

        let (p, _) = load(disk.read().as_ref(), &cfg, 9.0 * MIN, &mut r);
        assert_eq!(p.id, id);
        assert_eq!((p.page_views, p.sessions), (3, 1));
        assert_eq!(p.event_count("add_to_cart"), 2);
        assert_eq!(p.exposure_counts("hero", 0).session, 2);
        assert_eq!(p.name.as_deref(), Some("Ann"));
        assert!(p.topics.score("dogs", 9.0 * MIN, cfg.topic_half_life_ms) > 0.99);
        assert!(p.topics.score("cats", 9.0 * MIN, cfg.topic_half_life_ms) > 1.99);
        // Tab A sees B's name after saving; tab B sees A's last view after a storage event.
        assert_eq!(a.profile().name.as_deref(), Some("Ann"));
        b.reload(disk.read().as_ref(), &cfg, 9.0 * MIN, &mut r);
        assert_eq!(b.profile().page_views, 3);
        assert!(a.pending().is_empty() && b.pending().is_empty());
    }

    #[test]
    fn an_op_lost_to_another_tabs_stale_write_is_applied_again() {
        let cfg = ProfileConfig::default();
        let mut r = SeededRandom::new(9);
        let mut store = Storage::default();
        let (mut a, _) = LiveProfile::load(None, &cfg, 0.0, &mut r);
        a.record(view(0.0, "cats"), &cfg);
        store.save(&mut a, &cfg, 0.0, &mut r);
        let stale = store.0.clone();
        let (mut b, _) = LiveProfile::load(store.read().as_ref(), &cfg, MIN, &mut r);

        // Tab a saves an event; tab b, reading its stale cached copy, overwrites it.
        let event = |at| Op::Event {
            at,
            name: "add_to_cart".into(),
        };
        a.record(event(MIN), &cfg);
        store.save(&mut a, &cfg, MIN, &mut r);
        store.0 = stale;
        b.record(event(MIN + 1.0), &cfg);
        store.save(&mut b, &cfg, MIN + 1.0, &mut r);
        assert_eq!(load_count(&store, &cfg), 1, "a's event is lost for now");

        // The overwrite fires a storage event in tab a: it sees its op missing and saves again.
        a.reload(store.read().as_ref(), &cfg, MIN + 2.0, &mut r);
        assert_eq!(a.pending().len(), 1, "the lost op is pending again");
        store.save(&mut a, &cfg, MIN + 2.0, &mut r);
        assert_eq!(load_count(&store, &cfg), 2);
        // And tab b, reloading, does not apply anything twice.
        b.reload(store.read().as_ref(), &cfg, MIN + 3.0, &mut r);
        assert!(b.pending().is_empty());
        assert_eq!(b.profile().event_count("add_to_cart"), 2);
        // After the recheck window nothing is replayed any more.
        a.reload(store.read().as_ref(), &cfg, MIN + RECHECK_MS + 10.0, &mut r);
        assert!(a.pending().is_empty());
    }

    fn load_count(store: &Storage, cfg: &ProfileConfig) -> u32 {
        let mut r = SeededRandom::new(1);
        let (p, _) = load(store.read().as_ref(), cfg, 2.0 * MIN, &mut r);
        p.event_count("add_to_cart")
    }

    #[test]
    fn an_unsaved_tab_keeps_its_id_on_first_save_and_a_failed_write_keeps_ops() {
        let cfg = ProfileConfig::default();
        let mut r = SeededRandom::new(3);
        let (mut tab, status) = LiveProfile::load(None, &cfg, 0.0, &mut r);
        assert_eq!(status, LoadStatus::New);
        let id = tab.profile().id.clone();
        tab.record(view(0.0, "cats"), &cfg);
        // The write failed: no `saved`, the op stays pending.
        let _ = tab.prepare_save(None, &cfg, 1.0, &mut r);
        assert_eq!(tab.pending().len(), 1);
        let save = tab.prepare_save(None, &cfg, 2.0, &mut r);
        assert_eq!(save.profile.id, id);
        tab.record(view(3.0, "dogs"), &cfg);
        tab.saved(save, &cfg);
        assert_eq!(
            tab.pending().len(),
            1,
            "the op recorded after prepare_save stays pending"
        );
        assert_eq!(tab.profile().page_views, 2);
    }

    #[test]
    fn another_tabs_old_ops_do_not_survive_a_forget() {
        let cfg = ProfileConfig::default();
        let mut r = SeededRandom::new(4);
        let mut disk = Storage::default();
        let (mut a, _) = LiveProfile::load(None, &cfg, 0.0, &mut r);
        disk.save(&mut a, &cfg, 0.0, &mut r);
        let old_id = a.profile().id.clone();
        let (mut b, _) = LiveProfile::load(disk.read().as_ref(), &cfg, 0.0, &mut r);
        b.record(
            Op::Declare {
                at: 10.0,
                name: Some("Ann".into()),
                pet: Some("cat".into()),
            },
            &cfg,
        );
        a.forget(20.0, &mut r);
        disk.0 = Some(encode(a.profile()).to_json_string());
        b.record(view(30.0, "dogs"), &cfg);
        disk.save(&mut b, &cfg, 40.0, &mut r);
        let (p, _) = load(disk.read().as_ref(), &cfg, 50.0, &mut r);
        assert_eq!((p.name, p.pet), (None, None));
        assert_eq!(p.page_views, 1, "what happened after the erase is kept");
        assert_eq!(p.erase_pending, vec![old_id]);
    }
}
