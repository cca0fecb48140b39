//! One visitor on one page: the live profile, consent, the page view's context and decisions,
//! and the queues for the server. Every decision the browser used to make lives here, with time,
//! randomness, storage and the page reached through [`Host`] and [`KeyValueStore`], so native
//! tests drive it the way the browser shell does:
//!
//! - a page view counts itself, decides, shows the winners and exposes each decided rule once
//!   per page view (a holdout is exposed as control, a slot rule when its slot is shown);
//! - a click converts: a named event for every rule decided on the view, a click inside a rule's
//!   target for that rule, each (rule, name) once per page view;
//! - a returning visitor is decided with the time zone their profile has (asking the browser
//!   costs a new tab tens of milliseconds) and the zone is checked after the first paint;
//! - the erase queue is the visitor's own request: kept whatever the consent, at most
//!   [`sync::MAX_ERASE_QUEUE`] entries.
//!
//! The browser shell (`browser`) converts JavaScript values, calls one method and converts the
//! result; it keeps only the DOM applier, which it lends to the visit as [`Host::show`].

use crate::prelude::*;
mod consent;
mod records;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use crate::config::SiteConfig;
use crate::consent::{Consent, Source};
use crate::context::PageContext;
use crate::platform::{
    Clock, FallbackStore, KeyValueStore, RandomSource, CONSENT_KEY, PROFILE_KEY,
};
use crate::preview::Preview;
use crate::profile::{self, LiveProfile, Op};
use crate::rules::{DecideInput, Decisions, Edit, RuleReport, RuleSet};
use crate::sync::{self, Outbox};
use crate::Value;

/// Storage key of the events waiting for the server.
pub const OUTBOX_KEY: &str = "tailor.outbox";
/// Storage key of the rules files the loader caches on the device (erased with the profile).
pub const RULES_CACHE_KEY: &str = "tailor.rules";
/// Storage key of the visitor ids whose server copy must be erased.
pub const ERASE_KEY: &str = "tailor.erase";

/// What a visit needs from where it runs, besides storage: the clock and a random source, the
/// platform's JSON, what the page says about itself, a way to show decided edits, and the
/// console.
pub trait Host: Clock + RandomSource {
    /// JSON text to a value; `None` where `JSON.parse` would throw.
    fn parse_json(&self, text: &str) -> Option<Value>;
    /// A value as JSON text, as `JSON.stringify` prints it.
    fn json_text(&self, value: &Value) -> String;
    /// The context of a page view starting at `now`: URL, referrer, language, screen, local
    /// time. The time zone is left out: see [`Host::time_zone`].
    fn context(&mut self, now: f64) -> PageContext;
    /// The platform's time zone, e.g. `Asia/Tokyo` (`Temporal`, else `Intl`, which is costly on its
    /// first use in a tab).
    fn time_zone(&mut self) -> Option<String>;
    /// Topic lists the page declares before its body (`<meta name="tailor:topics">`), each
    /// comma-separated.
    fn head_topics(&mut self) -> Vec<String>;
    /// Topic lists marked in the body (`data-tailor-topic`), each comma-separated.
    fn body_topics(&mut self) -> Vec<String>;
    /// Shows `edits` (per rule) in place of what was shown; returns how many elements changed.
    fn show(&mut self, edits: Vec<(String, Vec<Edit>)>) -> usize;
    /// One warning for the site's developer (the browser console).
    fn warn(&mut self, message: &str);
}

/// Tailor on one page.
pub struct Visit<S, H> {
    host: H,
    config: SiteConfig,
    store: FallbackStore<S>,
    live: LiveProfile,
    consent: Consent,
    ctx: PageContext,
    rules: RuleSet,
    decided: Decisions,
    /// Conversions already counted on this page view: (rule id, event name).
    converted: Vec<(String, String)>,
    /// Rules exposed on this page view: each is exposed once per view, however often it is
    /// decided again or its slot shown.
    exposed: Vec<String>,
    /// Whether this page view changes the page (false when the loader gave up waiting).
    applying: bool,
    events: Vec<Value>,
    storage_warned: bool,
    /// The stored profile text as this tab last read or wrote it: when storage still holds it,
    /// no other tab has written, and a save needs no re-read of the stored profile.
    last_text: Option<String>,
    /// Consented events waiting for the server (only with `sync` consent and an endpoint).
    outbox: Outbox,
    /// The stored outbox text as this tab last read or wrote it (unchanged: no re-read).
    outbox_text: Option<String>,
    /// Visitor ids whose server copy must be erased (sync withdrawn, or `forget`).
    erase_queue: Vec<String>,
    /// This page view assumed the time zone the profile had; `flush` checks it.
    zone_unchecked: bool,
    /// The site allows preview links (`"preview": true` in `#tailor-config`).
    preview_allowed: bool,
    /// This tab is in preview: nothing is stored, counted or sent.
    preview: Option<Preview>,
}

impl<S: KeyValueStore, H: Host> Visit<S, H> {
    /// Loads the visitor's profile and consent from `store`. Never fails: a bad configuration,
    /// corrupt storage or blocked storage each give one warning and the visit goes on (with
    /// defaults, a fresh profile, or in memory).
    pub fn open(mut config: Value, gpc: bool, store: S, mut host: H) -> Self {
        let preview_allowed = crate::preview::take_opt_in(&mut config).unwrap_or_else(|w| {
            host.warn(&crate::text::concat(&["Tailor: ", w]));
            false
        });
        let (config, warnings) = SiteConfig::parse(&config);
        for w in &warnings {
            host.warn(&crate::text::concat(&["Tailor: ", w]));
        }
        let mut store = FallbackStore::new(store);
        let now = host.now_ms();
        let record = read_json(&host, &mut store, CONSENT_KEY);
        let mut consent = Consent::restore(config.consent_mode, gpc, record.as_ref());
        if config.consent_source.is_some() {
            consent.source = Source::Waiting;
        }
        let last_text = store.get(PROFILE_KEY);
        let stored = last_text.as_deref().map(|t| parse_json(&host, t));
        let (live, status) = LiveProfile::load(stored.as_ref(), &config.profile, now, &mut host);
        if let Some(reason) = status.warning() {
            host.warn(&discarded(reason));
        }
        let mut visit = Visit {
            ctx: host.context(now),
            host,
            config,
            store,
            live,
            consent,
            rules: RuleSet::default(),
            decided: Decisions::default(),
            converted: Vec::new(),
            exposed: Vec::new(),
            applying: true,
            events: Vec::new(),
            storage_warned: false,
            last_text,
            outbox: Outbox::default(),
            outbox_text: None,
            erase_queue: Vec::new(),
            zone_unchecked: false,
            preview_allowed,
            preview: None,
        };
        visit.restore_queues();
        visit.warn_storage();
        visit
    }

    pub fn host(&self) -> &H {
        &self.host
    }

    pub fn host_mut(&mut self) -> &mut H {
        &mut self.host
    }

    /// Shows this tab as the visitor a preview link describes (`payload`: the link's JSON
    /// text). From then on nothing is stored (storage is left as it was), nothing is sent, no
    /// exposure or conversion is counted, the visitor's real profile is not read, and held-out
    /// visitors see what the rules show. False when the site does not allow previews or the
    /// payload is refused (each with a warning).
    pub fn preview(&mut self, payload: &str) -> bool {
        if !self.preview_allowed {
            self.host.warn("Tailor: a preview link was ignored: this site does not allow previews (\"preview\": true in #tailor-config)");
            return false;
        }
        let host = &self.host;
        let preview = match crate::preview::parse(payload, |t| host.parse_json(t)) {
            Ok(p) => p,
            Err(why) => {
                self.host.warn(&crate::text::concat(&[
                    "Tailor: a preview link was refused: ",
                    &why,
                ]));
                return false;
            }
        };
        self.store.detach();
        let now = self.host.now_ms();
        self.live = LiveProfile::load(None, &self.config.profile, now, &mut self.host).0;
        self.last_text = None;
        self.outbox = Outbox::default();
        self.erase_queue.clear();
        self.preview = Some(preview);
        self.preview_context();
        true
    }

    /// Counts this page view, decides with `rules` and, unless `apply` is false (the loader
    /// already gave up waiting), shows the winners. Writes nothing: `flush` does, after the
    /// first paint. Returns `{ visits, pageViews, persisted, matched, holdout, applied }`, or
    /// why the rules were refused.
    pub fn start(&mut self, rules: &Value, apply: bool) -> Result<Value, String> {
        let (rules, warnings) = RuleSet::load(rules)?;
        for w in &warnings {
            self.host.warn(&crate::text::concat(&["Tailor: ", w]));
        }
        self.rules = rules;
        Ok(self.page_view(apply))
    }

    /// A single-page-app navigation: a new page view for the new URL, decided again.
    pub fn navigate(&mut self) -> Value {
        let zone = self.ctx.time_zone.take();
        let now = self.host.now_ms();
        self.ctx = self.host.context(now);
        self.ctx.time_zone = zone;
        self.preview_context();
        let report = self.page_view(true);
        self.save();
        report
    }

    /// A click on the page. A named event (`data-tailor-event`) counts that event and converts
    /// every rule decided on this page view (holdouts as control); otherwise a click inside an
    /// element a rule targets (`inside(selector)`) converts that rule as `click`. Each
    /// (rule, name) converts once per page view.
    pub fn clicked(&mut self, event: Option<&str>, inside: impl Fn(&str) -> bool) {
        let event = event.map(str::trim).filter(|n| !n.is_empty());
        if let Some(name) = event {
            let _ = self.track(name);
        }
        if self.preview.is_some() {
            return; // a preview counts no conversion
        }
        let mut conversions = Vec::new();
        for d in &self.decided.decisions {
            let name = match event {
                Some(name) => name,
                None => {
                    let targeted = self
                        .rules
                        .get(&d.rule_id)
                        .is_some_and(|rule| rule.selectors().iter().any(|s| inside(s)));
                    if !targeted {
                        continue;
                    }
                    "click"
                }
            };
            let key = (d.rule_id.clone(), name.to_owned());
            if !self.converted.contains(&key) {
                conversions.push((d.rule_id.clone(), d.holdout, key.1.clone()));
                self.converted.push(key);
            }
        }
        for (rule, holdout, name) in conversions {
            self.enqueue(|id, at| sync::conversion(id, at, &name, Some((&rule, holdout))));
            self.emit(
                "tailor:conversion",
                Value::Object(vec![
                    ("rule".into(), rule.into()),
                    ("variant".into(), variant(holdout).into()),
                    ("name".into(), name.into()),
                ]),
            );
        }
    }

    /// The reports of the rules `ids` (the rules that changed an element): for "why am I
    /// seeing this?".
    pub fn explain(&self, ids: &[&str]) -> Value {
        let list = ids.iter().filter_map(|id| self.decided.report(id));
        Value::Array(list.map(report_value).collect())
    }

    /// For the debug overlay: the attributes rules saw and every rule's outcome, reason and
    /// selectors.
    pub fn debug_info(&self) -> Value {
        let rules = self
            .decided
            .reports
            .iter()
            .map(|r| {
                let mut v = report_value(r);
                let selectors = self.rules.get(&r.rule_id).map(|rule| rule.selectors());
                let list = selectors.unwrap_or_default().into_iter().map(Value::from);
                v.insert("selectors", Value::Array(list.collect()));
                v
            })
            .collect();
        Value::Object(vec![
            ("attributes".into(), self.attributes()),
            ("rules".into(), Value::Array(rules)),
        ])
    }

    /// Adds the topics marked in the body; called once the document is parsed.
    pub fn body_topics(&mut self) {
        let now = self.host.now_ms();
        let lists = self.host.body_topics();
        for topic in topic_list(lists.iter().map(String::as_str)) {
            let op = Op::Topic {
                at: now,
                topic,
                weight: 1.0,
            };
            self.live.record(op, &self.config.profile);
        }
        self.save();
    }

    /// `tailor.set(path, value)`: `name` and `pet` declare the visitor's own answers; any other
    /// key is a custom attribute. Values are strings, numbers, booleans, or `null` to remove.
    pub fn set(&mut self, path: &str, value: Value) -> Result<(), &'static str> {
        let path = path.trim();
        if path.is_empty() {
            return Err("Tailor: set(path, value) needs a non-empty path");
        }
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            return Err("Tailor: set(path, value) takes a string, number, boolean or null");
        }
        let op = Op::Set {
            at: self.host.now_ms(),
            path: path.to_owned(),
            value,
        };
        self.live.record(op, &self.config.profile);
        self.save();
        self.redecide();
        Ok(())
    }

    /// `tailor.track(name)`: counts a named event (`add_to_cart`, `purchase`, ...).
    pub fn track(&mut self, name: &str) -> Result<(), &'static str> {
        let name = name.trim();
        if name.is_empty() {
            return Err("Tailor: track(name) needs a non-empty event name");
        }
        let op = Op::Event {
            at: self.host.now_ms(),
            name: name.to_owned(),
        };
        self.live.record(op, &self.config.profile);
        self.save();
        self.enqueue(|id, at| sync::named(id, at, name));
        self.emit(
            "tailor:track",
            Value::Object(vec![("name".into(), name.into())]),
        );
        Ok(())
    }

    /// A capture form was submitted: the visitor's own name and pet (blank answers ignored).
    pub fn declare(&mut self, name: Option<&str>, pet: Option<&str>) {
        let clean = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let (name, pet) = (clean(name), clean(pet));
        if name.is_none() && pet.is_none() {
            return;
        }
        let op = Op::Declare {
            at: self.host.now_ms(),
            name,
            pet,
        };
        self.live.record(op, &self.config.profile);
        self.save();
        self.redecide();
    }

    /// Every slot decided on this page view: `{ [slot]: { rule, data } | null }`. `data` is the
    /// winning rule's rendered payload (`{}` when it has none); `null` for a holdout (control
    /// sees the default) and on a page view that does not change the page (decided late).
    pub fn slots(&self) -> Value {
        let mut out = Vec::new();
        for d in &self.decided.decisions {
            let Some(slot) = &d.slot else { continue };
            let value = if d.holdout || !self.applying {
                Value::Null
            } else {
                let data = d.data.iter().flatten();
                let data = data.map(|(k, v)| (k.clone(), Value::from(v.as_str())));
                Value::Object(vec![
                    ("rule".into(), d.rule_id.as_str().into()),
                    ("data".into(), Value::Object(data.collect())),
                ])
            };
            out.push((slot.clone(), value));
        }
        Value::Object(out)
    }

    /// The page showed `slot`'s current decision (its payload, or the default for control):
    /// records the rule's exposure, once per page view like a DOM rule's. Whether an exposure
    /// was recorded now (false: no decision for the slot, or already exposed).
    pub fn slot_shown(&mut self, slot: &str) -> bool {
        let found = self
            .decided
            .decisions
            .iter()
            .find(|d| d.slot.as_deref() == Some(slot));
        let Some(d) = found else { return false };
        if !self.applying || self.exposed.contains(&d.rule_id) {
            return false;
        }
        let (rule, holdout) = (d.rule_id.clone(), d.holdout);
        self.expose(rule, holdout, Some(slot.to_owned()));
        self.save();
        true
    }

    /// The events for the page since the last call: `{ type, detail }` each.
    pub fn take_events(&mut self) -> Vec<Value> {
        core::mem::take(&mut self.events)
    }

    /// Records a page view at `self.ctx`, decides, shows (unless `apply` is false) and exposes.
    fn page_view(&mut self, apply: bool) -> Value {
        self.page_time_zone();
        let lists = self.host.head_topics();
        let site = self.config.topics_for_path(&self.ctx.path);
        let topics = topic_list(lists.iter().map(String::as_str).chain(site));
        let weighted: Vec<(&str, f64)> = topics.iter().map(|t| (t.as_str(), 1.0)).collect();
        let ops = profile::page_ops(&self.ctx, &weighted, &self.config.profile);
        self.live.record_all(ops, &self.config.profile);
        let path = self.ctx.path.clone();
        self.enqueue(|id, at| sync::pageview(id, at, &path));
        self.converted.clear();
        self.exposed.clear();
        self.applying = apply;
        self.decide_and_show()
    }

    /// The visitor's own answers (the form, `tailor.set`) change what they should see now, not
    /// only from the next page: decide again. Rules already exposed on this view are not
    /// exposed again.
    fn redecide(&mut self) {
        if self.rules.rules.is_empty() {
            return;
        }
        self.decide_and_show();
    }

    /// Decides for the current attributes, shows the winners (unless this page view does not
    /// apply) and exposes each decision not exposed on this view yet (a rule that only hands
    /// data to its slot waits for `slot_shown`). Returns the report for the loader.
    fn decide_and_show(&mut self) -> Value {
        let apply = self.applying;
        let attributes = self.attributes();
        let profile = self.live.profile();
        let exposures = |rule: &str, today: i64| profile.exposure_counts(rule, today);
        self.decided = self.rules.decide(&DecideInput {
            attributes: &attributes,
            visitor_id: &profile.id,
            now: self.ctx.now,
            today: self.ctx.day_number(),
            url: &self.ctx.url,
            exposures: &exposures,
        });
        let shown = if apply {
            let preview = self.preview.is_some();
            let winners = self.decided.decisions.iter();
            let winners = winners.filter(|d| !d.holdout || preview);
            winners
                .map(|d| (d.rule_id.clone(), d.actions.clone()))
                .collect()
        } else {
            Vec::new()
        };
        let applied = self.host.show(shown);

        let mut matched = Vec::new();
        let mut holdout = Vec::new();
        let mut exposed = Vec::new();
        for d in &self.decided.decisions {
            let list = if d.holdout {
                &mut holdout
            } else {
                &mut matched
            };
            list.push(Value::from(d.rule_id.as_str()));
            if apply && !d.exposed_when_shown && !self.exposed.contains(&d.rule_id) {
                exposed.push((d.rule_id.clone(), d.holdout, d.slot.clone()));
            }
        }
        for (rule, is_holdout, slot) in exposed {
            self.expose(rule, is_holdout, slot);
        }
        let reports = self.decided.reports.iter().map(report_value).collect();
        self.emit(
            "tailor:decided",
            Value::Object(vec![("rules".into(), Value::Array(reports))]),
        );
        let count = |key| attributes.get(key).cloned().unwrap_or_default();
        let report = Value::Object(vec![
            ("visits".into(), count("visits")),
            ("pageViews".into(), count("pageViews")),
            ("persisted".into(), Value::Bool(self.persisted())),
            ("matched".into(), Value::Array(matched)),
            ("holdout".into(), Value::Array(holdout)),
            ("applied".into(), Value::Number(applied as f64)),
        ]);
        if apply {
            self.emit("tailor:applied", report.clone());
        }
        report
    }

    /// Records one exposure of `rule` on this page view; holdout visitors are exposed too, as
    /// control: that is what lift is measured against.
    fn expose(&mut self, rule: String, is_holdout: bool, slot: Option<String>) {
        if self.preview.is_some() {
            return; // a preview counts no exposure
        }
        let op = profile::Op::exposure(&rule, &self.ctx);
        self.live.record(op, &self.config.profile);
        self.enqueue(|id, at| sync::exposure(id, at, &rule, is_holdout));
        self.exposed.push(rule.clone());
        let mut detail = vec![
            ("rule".into(), rule.into()),
            ("variant".into(), variant(is_holdout).into()),
        ];
        if let Some(slot) = slot {
            detail.push(("slot".into(), slot.into()));
        }
        self.emit("tailor:exposure", Value::Object(detail));
    }

    /// A preview's place replaces the page's location hint (so season and hemisphere follow it).
    fn preview_context(&mut self) {
        if let Some(hint) = self.preview.as_ref().and_then(|p| p.geo_hint.clone()) {
            self.ctx.geo_hint = Some(hint);
        }
    }

    fn attributes(&self) -> Value {
        let mut attributes =
            profile::attributes(self.live.profile(), &self.ctx, &self.config.profile);
        if let Some(preview) = &self.preview {
            preview.overlay(&mut attributes);
        }
        attributes
    }

    fn emit(&mut self, kind: &str, detail: Value) {
        self.events.push(Value::Object(vec![
            ("type".into(), kind.into()),
            ("detail".into(), detail),
        ]));
    }
}

/// The topics of comma-separated `lists`, each once, in order of appearance.
fn topic_list<'a>(lists: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    for list in lists {
        for t in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !topics.iter().any(|o| o == t) {
                topics.push(t.to_owned());
            }
        }
    }
    topics
}

fn variant(holdout: bool) -> &'static str {
    if holdout {
        "holdout"
    } else {
        "exposed"
    }
}

fn report_value(r: &RuleReport) -> Value {
    Value::Object(vec![
        ("rule".into(), r.rule_id.as_str().into()),
        ("outcome".into(), r.outcome.as_str().into()),
        ("reason".into(), r.reason.as_str().into()),
    ])
}

fn discarded(reason: &str) -> String {
    crate::text::concat(&[
        "Tailor: the stored profile was discarded (",
        reason,
        "); starting fresh",
    ])
}

/// Reads and parses a stored JSON record. Text that is not JSON is reported once as the reason
/// for starting fresh, like any other corrupt record.
fn read_json<S: KeyValueStore>(
    host: &impl Host,
    store: &mut FallbackStore<S>,
    key: &str,
) -> Option<Value> {
    store.get(key).as_deref().map(|t| parse_json(host, t))
}

/// Stored text that is not JSON becomes a string value, which the decoders discard as corrupt
/// (with their one warning).
fn parse_json(host: &impl Host, text: &str) -> Value {
    host.parse_json(text)
        .unwrap_or_else(|| Value::String(text.to_owned()))
}
