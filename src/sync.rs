//! Sync planning: the outbox of consented events and the batches that carry them to the site's
//! Tailor server, in the wire format of `docs/sync-protocol.md` (version 1).
//!
//! Pure: the shell persists the outbox, sends what [`Outbox::take_batch`] returns (fetch or
//! beacon) and reports the answer to [`Outbox::finished`], which says when to try again. This
//! module decides what may leave the device: only events the shell hands it (which it does only
//! with `sync` consent) and only the profile fields on the site's allow-list — never the name
//! unless listed. Every event has an id, so a batch sent twice (a reload mid-flush, a beacon whose
//! answer was never seen) is stored once by the server.

use crate::float;
use crate::prelude::*;
use crate::value::put;
use crate::Value;

/// The wire format's version (`"v"`).
pub const WIRE_VERSION: f64 = 1.0;

/// Profile fields the wire format can carry (`docs/sync-protocol.md`).
pub const ALLOWABLE: [&str; 8] = [
    "country",
    "region",
    "pet",
    "topics",
    "stage",
    "sessions",
    "page_views",
    "name",
];

/// Profile fields sent when the site lists none: coarse, and never the name.
pub const DEFAULT_ALLOW: [&str; 7] = [
    "country",
    "region",
    "pet",
    "topics",
    "stage",
    "sessions",
    "page_views",
];

#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// Where batches go (`/v1/events` on the site's server); empty: sync is off.
    pub endpoint: String,
    /// Profile fields that may leave the device.
    pub allow: Vec<String>,
    /// Bounds of the outbox on the device.
    pub max_events: usize,
    pub max_bytes: usize,
    /// Bounds of one batch (a beacon carries at most 64 KiB).
    pub batch_events: usize,
    pub batch_bytes: usize,
    /// Send when this many events wait, or this long after the first one arrived.
    pub flush_at: usize,
    pub flush_after_ms: f64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            endpoint: String::new(),
            allow: {
                let mut allow = Vec::with_capacity(DEFAULT_ALLOW.len());
                for field in DEFAULT_ALLOW {
                    allow.push((*field).to_owned());
                }
                allow
            },
            max_events: 200,
            max_bytes: 32 * 1024,
            batch_events: 50,
            batch_bytes: 16 * 1024,
            flush_at: 20,
            flush_after_ms: 5_000.0,
        }
    }
}

impl SyncConfig {
    pub fn enabled(&self) -> bool {
        !self.endpoint.is_empty()
    }

    /// The erase endpoint for `visitor` (`DELETE`), next to the events endpoint; `None` unless
    /// `visitor` is a visitor id, so nothing read from storage is ever pasted into a URL.
    pub fn erase_url(&self, visitor: &str) -> Option<String> {
        if !crate::visitor_id::is_visitor_id(visitor) {
            return None;
        }
        let base = self
            .endpoint
            .strip_suffix("/events")
            .unwrap_or(&self.endpoint);
        Some(crate::text::concat(&[base, "/visitors/", visitor]))
    }
}

/// At most this many erase requests wait on a device.
pub const MAX_ERASE_QUEUE: usize = 8;

/// The erase queue read back from storage (`stored`, a JSON array of ids): the valid visitor
/// ids, at most [`MAX_ERASE_QUEUE`], and how many entries were dropped as not an id (the
/// caller warns once). An invalid entry is never sent: it would only earn a 400 on every page
/// and block the valid entries behind it.
pub fn restore_erase_queue(stored: &Value) -> (Vec<String>, usize) {
    let Value::Array(entries) = stored else {
        return (Vec::new(), 0);
    };
    let mut ids = Vec::new();
    let mut dropped = 0;
    for entry in entries {
        match entry.as_str() {
            Some(id) if crate::visitor_id::is_visitor_id(id) => {
                if ids.len() < MAX_ERASE_QUEUE && !ids.iter().any(|known| known == id) {
                    ids.push(id.to_owned());
                }
            }
            _ => dropped += 1,
        }
    }
    (ids, dropped)
}

/// One queued event: its id, its wire form and its approximate size.
#[derive(Debug, Clone, PartialEq)]
struct Queued {
    id: String,
    event: Value,
    bytes: usize,
}

/// What the shell should do next after a batch ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Nothing waits.
    Idle,
    /// Send again in this many ms.
    RetryIn(f64),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outbox {
    queue: Vec<Queued>,
    bytes: usize,
    /// Events dropped because the outbox was full, since the last delivered batch.
    dropped: u32,
    /// Ids of the batch being sent.
    in_flight: Vec<String>,
    /// Ids of the events this tab queued and has not delivered: kept when another tab's write
    /// lacks them (that tab had not seen them yet), where events queued elsewhere follow storage.
    own: Vec<String>,
    /// Consecutive failures, for the backoff.
    attempt: u32,
    /// Events per batch now (halved after a 413).
    batch_events: usize,
    /// When the oldest waiting event arrived (for the flush timer).
    first_at: f64,
}

/// A batch ready to send: the body and how many events it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub body: Value,
    pub events: usize,
}

impl Outbox {
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Queues `event` (a wire event with its `id`), keeping the outbox within its bounds: when
    /// full, the oldest page views and plain events go first (exposures and conversions are what
    /// lift is measured on), then the oldest of any kind; each drop is counted and reported with
    /// the next batch.
    pub fn push(&mut self, event: Value, now: f64, config: &SyncConfig) {
        let id = event.get("id").and_then(Value::as_str).map(str::to_owned);
        self.insert(event, now, config);
        if let Some(id) = id.filter(|id| self.queue.iter().any(|q| q.id == *id)) {
            self.own.push(id);
        }
    }

    /// Queues an event within the bounds (see `push`), as this tab's or as restored.
    fn insert(&mut self, event: Value, now: f64, config: &SyncConfig) {
        let Some(id) = event.get("id").and_then(Value::as_str).map(str::to_owned) else {
            return;
        };
        if self.queue.iter().any(|q| q.id == id) {
            return;
        }
        if self.queue.is_empty() {
            self.first_at = now;
        }
        let bytes = approximate_size(&event);
        self.bytes += bytes;
        self.queue.push(Queued { id, event, bytes });
        while self.queue.len() > config.max_events.max(1)
            || (self.bytes > config.max_bytes && self.queue.len() > 1)
        {
            let victim = self
                .queue
                .iter()
                .position(|q| !self.in_flight.contains(&q.id) && !essential(&q.event))
                .or_else(|| {
                    self.queue
                        .iter()
                        .position(|q| !self.in_flight.contains(&q.id))
                })
                .unwrap_or(0);
            let gone = self.queue.remove(victim);
            self.bytes -= gone.bytes;
            self.dropped = self.dropped.saturating_add(1);
            crate::lists::remove_where(&mut self.own, |id| *id == gone.id);
        }
    }

    /// How long until the waiting events should be sent (0: now), or `None` when nothing waits
    /// or a batch is already on its way.
    pub fn flush_in(&self, now: f64, config: &SyncConfig) -> Option<f64> {
        if self.queue.is_empty() || !self.in_flight.is_empty() {
            return None;
        }
        if self.queue.len() >= config.flush_at {
            return Some(0.0);
        }
        Some((self.first_at + config.flush_after_ms - now).max(0.0))
    }

    /// The next batch, oldest events first, within the batch bounds. `profile` is the allowed
    /// profile snapshot ([`profile_snapshot`]). `None` when nothing waits or a batch is in flight.
    pub fn take_batch(
        &mut self,
        visitor: &str,
        personalization: bool,
        profile: Option<Value>,
        now: f64,
        config: &SyncConfig,
    ) -> Option<Batch> {
        if self.queue.is_empty() || !self.in_flight.is_empty() {
            return None;
        }
        let limit = match self.batch_events {
            0 => config.batch_events,
            n => n.min(config.batch_events),
        }
        .max(1);
        let mut events = Vec::new();
        let mut bytes = 0;
        for q in &self.queue {
            if events.len() == limit || (!events.is_empty() && bytes + q.bytes > config.batch_bytes)
            {
                break;
            }
            bytes += q.bytes;
            events.push(q.event.clone());
            self.in_flight.push(q.id.clone());
        }
        let mut consent = Vec::with_capacity(2);
        put(&mut consent, "sync", Value::Bool(true));
        put(
            &mut consent,
            "personalization",
            Value::Bool(personalization),
        );
        let mut body = Vec::with_capacity(7);
        put(&mut body, "v", Value::Number(WIRE_VERSION));
        put(&mut body, "visitor", Value::from(visitor));
        put(&mut body, "consent", Value::Object(consent));
        put(&mut body, "sent_at", Value::Number(float::round(now)));
        put(&mut body, "dropped", Value::Number(f64::from(self.dropped)));
        if let Some(p) = profile {
            put(&mut body, "profile", p);
        }
        let count = events.len();
        put(&mut body, "events", Value::Array(events));
        Some(Batch {
            body: Value::Object(body),
            events: count,
        })
    }

    /// The batch in flight ended with HTTP `status` (0: a network error; -1 a beacon, whose
    /// answer is never seen). `retry_after_s` is the `Retry-After` header, `jitter` a random
    /// number in [0, 1). Returns what to do next; on a refusal that retrying cannot fix the
    /// batch's events are dropped (the shell logs the server's message).
    pub fn finished(
        &mut self,
        status: i32,
        retry_after_s: Option<f64>,
        jitter: f64,
        now: f64,
        config: &SyncConfig,
    ) -> Next {
        let sent = core::mem::take(&mut self.in_flight);
        match status {
            200..=299 => {
                self.remove(&sent);
                self.dropped = 0;
                self.attempt = 0;
                self.batch_events = 0;
                self.first_at = now;
            }
            // A beacon: the browser queued it; whether it arrived is unknown, so the events stay
            // and go again with the next batch (the server stores each id once).
            -1 => return Next::Idle,
            413 => {
                let n = if self.batch_events == 0 {
                    config.batch_events
                } else {
                    self.batch_events
                };
                self.batch_events = (n / 2).max(1);
                if n == 1 {
                    self.remove(&sent);
                }
                return Next::RetryIn(0.0);
            }
            429 | 500..=599 | 0 => {
                self.attempt = self.attempt.saturating_add(1);
                let backoff = 1_000.0 * f64::from(1u32 << (self.attempt.min(8) - 1));
                let delay = backoff.min(300_000.0) * (0.5 + jitter.clamp(0.0, 1.0) / 2.0);
                let asked = retry_after_s
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .unwrap_or(0.0);
                return Next::RetryIn(delay.max(asked * 1_000.0));
            }
            // 400, 403, 415, 422 ...: the batch can never be accepted as it is.
            _ => self.remove(&sent),
        }
        match self.flush_in(now, config) {
            Some(ms) => Next::RetryIn(ms),
            None => Next::Idle,
        }
    }

    /// Drops everything (sync consent withdrawn).
    pub fn clear(&mut self) {
        *self = Outbox::default();
    }

    fn remove(&mut self, ids: &[String]) {
        crate::lists::remove_where(&mut self.own, |id| ids.contains(id));
        let bytes = &mut self.bytes;
        crate::lists::remove_where(&mut self.queue, |e| {
            let sent = ids.contains(&e.id);
            if sent {
                *bytes -= e.bytes;
            }
            sent
        });
    }

    /// The stored form: `{"v":1,"dropped":n,"events":[...]}`.
    pub fn encode(&self) -> Value {
        let mut events = Vec::with_capacity(self.queue.len());
        for q in &self.queue {
            events.push(q.event.clone());
        }
        let mut record = Vec::with_capacity(3);
        put(&mut record, "v", Value::Number(1.0));
        put(
            &mut record,
            "dropped",
            Value::Number(f64::from(self.dropped)),
        );
        put(&mut record, "events", Value::Array(events));
        Value::Object(record)
    }

    /// Whether this version can read a stored outbox record (version 1).
    fn readable(stored: &Value) -> bool {
        stored.get("v").and_then(Value::as_f64) == Some(1.0)
    }

    /// Restores a stored outbox; anything malformed is left out (a corrupt store loses only
    /// what cannot be read).
    pub fn decode(stored: &Value, now: f64, config: &SyncConfig) -> Outbox {
        let mut outbox = Outbox::default();
        if !Outbox::readable(stored) {
            return outbox;
        }
        for event in stored
            .get("events")
            .and_then(Value::as_array)
            .unwrap_or(&[])
        {
            let ok = event.get("type").and_then(Value::as_str).is_some()
                && event.get("at").and_then(Value::as_f64).is_some();
            if ok {
                outbox.insert(event.clone(), now, config);
            }
        }
        let dropped = stored.get("dropped").and_then(Value::as_f64).unwrap_or(0.0);
        outbox.dropped = outbox
            .dropped
            .saturating_add(dropped.clamp(0.0, 1e9) as u32);
        outbox
    }

    /// Takes the stored outbox as the queue (other tabs queue events and deliver them too),
    /// keeping what only this tab knows: its own undelivered events, the batch it has in flight,
    /// its backoff and batch size, and when its oldest waiting event arrived. Events queued
    /// elsewhere follow storage: gone when another tab delivered them, so not sent again; events
    /// a closed tab left behind are sent with ours. This tab's own events stay whatever the
    /// stored copy says: a browser passes one tab's writes to the others a little later, so a
    /// stored copy may be a write that had not seen them yet (if another tab did deliver them,
    /// they go once more, and the server stores each id once).
    pub fn adopt(&mut self, stored: Option<&Value>, now: f64, config: &SyncConfig) {
        let mut fresh = Outbox::default();
        if let Some(stored) = stored {
            if !Outbox::readable(stored) {
                // Corrupt, or written by a newer version: ours is all we know.
                return;
            }
            fresh = Outbox::decode(stored, now, config);
        }
        if !self.queue.is_empty() {
            fresh.first_at = self.first_at;
        }
        for q in &self.queue {
            if self.own.contains(&q.id) {
                fresh.insert(q.event.clone(), now, config);
            }
        }
        let own = core::mem::take(&mut self.own);
        fresh.own = own
            .into_iter()
            .filter(|id| fresh.queue.iter().any(|q| q.id == *id))
            .collect();
        fresh.in_flight = core::mem::take(&mut self.in_flight);
        fresh.attempt = self.attempt;
        fresh.batch_events = self.batch_events;
        *self = fresh;
    }
}

/// Exposures and conversions are what lift is measured on: dropped last.
fn essential(event: &Value) -> bool {
    matches!(
        event.get("type").and_then(Value::as_str),
        Some("exposure" | "conversion")
    )
}

/// A cheap upper estimate of the JSON size, without printing numbers.
fn approximate_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 16,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|i| approximate_size(i) + 1).sum::<usize>(),
        Value::Object(members) => {
            2 + members
                .iter()
                .map(|(k, v)| k.len() + 4 + approximate_size(v))
                .sum::<usize>()
        }
    }
}

/// The wire event for a page view (the path only: a query string may hold personal data).
pub fn pageview(id: String, at: f64, path: &str) -> Value {
    let mut path = printable(path, 512);
    if !path.starts_with('/') {
        path = "/".to_owned();
    }
    event(id, "pageview", at, vec![("path", Value::String(path))])
}

/// A rule was shown (`variant` `exposed`) or held out (`holdout`).
pub fn exposure(id: String, at: f64, rule: &str, holdout: bool) -> Value {
    let variant = if holdout { "holdout" } else { "exposed" };
    event(
        id,
        "exposure",
        at,
        vec![("rule", text(rule, 128)), ("variant", variant.into())],
    )
}

/// A goal reached, attributed to `rule` when given.
pub fn conversion(id: String, at: f64, name: &str, rule: Option<(&str, bool)>) -> Value {
    let mut fields = vec![("name", text(name, 64))];
    if let Some((rule, holdout)) = rule {
        fields.push(("rule", text(rule, 128)));
        fields.push((
            "variant",
            if holdout { "holdout" } else { "exposed" }.into(),
        ));
    }
    event(id, "conversion", at, fields)
}

/// Any other named event.
pub fn named(id: String, at: f64, name: &str) -> Value {
    event(id, "event", at, vec![("name", text(name, 64))])
}

fn event(id: String, kind: &str, at: f64, fields: Vec<(&str, Value)>) -> Value {
    let mut members = Vec::with_capacity(3 + fields.len());
    put(&mut members, "id", Value::String(id));
    put(&mut members, "type", kind.into());
    put(&mut members, "at", Value::Number(float::round(at).max(1.0)));
    for (k, v) in fields {
        put(&mut members, k, v);
    }
    Value::Object(members)
}

/// The number of characters of `s`: its bytes that do not continue a character. (Not
/// `chars().count()`, whose unrolled counter is 0.8 KB of wasm.)
fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// The first `max` characters of `s` that are not control characters.
fn printable(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().filter(|c| !c.is_control()).take(max) {
        out.push(c);
    }
    out
}

/// Text for the wire: no control characters, at most `max` characters, never empty.
fn text(s: &str, max: usize) -> Value {
    let clean = printable(s, max);
    Value::String(if clean.is_empty() {
        "-".to_owned()
    } else {
        clean
    })
}

/// The allowed part of the profile, from the attributes rules see (`profile::attributes`):
/// only fields on `allow`, in the wire's names and bounds.
pub fn profile_snapshot(attributes: &Value, allow: &[String]) -> Value {
    let allowed = |field: &str| allow.iter().any(|a| a == field);
    let mut out = Vec::new();
    let mut put_text = |field: &str, value: Option<&Value>, max: usize| {
        if let Some(s) = value.and_then(Value::as_str).filter(|s| !s.is_empty()) {
            if allowed(field) && char_count(s) <= max {
                put(&mut out, field, Value::from(s));
            }
        }
    };
    let country = attributes.get_path("geo.country");
    let valid_country = country
        .and_then(Value::as_str)
        .is_some_and(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
    if valid_country {
        put_text("country", country, 2);
    }
    put_text("region", attributes.get_path("geo.region"), 64);
    put_text("pet", attributes.get("pet"), 32);
    put_text("stage", attributes.get("stage"), 16);
    put_text("name", attributes.get("name"), 64);
    if allowed("topics") {
        if let Some(topics) = attributes.get("topics").and_then(Value::as_object) {
            let mut list = Vec::new();
            for (k, v) in topics {
                if list.len() == 32 {
                    break;
                }
                if !k.is_empty() && char_count(k) <= 64 && v.as_f64().is_some_and(|n| n >= 0.0) {
                    list.push((k.clone(), v.clone()));
                }
            }
            put(&mut out, "topics", Value::Object(list));
        }
    }
    for (field, attribute) in [("sessions", "visits"), ("page_views", "pageViews")] {
        if let Some(n) = attributes.get(attribute).and_then(Value::as_f64) {
            if allowed(field) && n >= 0.0 {
                put(&mut out, field, Value::Number(float::floor(n)));
            }
        }
    }
    Value::Object(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn config() -> SyncConfig {
        SyncConfig {
            endpoint: "/v1/events".into(),
            ..SyncConfig::default()
        }
    }

    fn ev(i: u32, kind: &str) -> Value {
        let id = crate::text::concat(&["e", &i.to_string()]);
        match kind {
            "exposure" => exposure(id, 1_000.0, "r", false),
            "conversion" => conversion(id, 1_000.0, "buy", None),
            _ => pageview(id, 1_000.0, "/x"),
        }
    }

    #[test]
    fn batches_carry_the_wire_format_and_acknowledged_events_leave() {
        let c = config();
        let mut o = Outbox::default();
        o.push(pageview("a1".into(), 10.4, "/cats?secret=1"), 0.0, &c);
        o.push(exposure("a2".into(), 11.0, "cat-hero", true), 0.0, &c);
        o.push(exposure("a2".into(), 11.0, "cat-hero", true), 0.0, &c);
        assert_eq!(o.len(), 2, "an id is queued once");
        let b = o
            .take_batch("ab".repeat(16).as_str(), true, None, 99.6, &c)
            .unwrap();
        assert_eq!(b.events, 2);
        assert_eq!(
            b.body.to_json_string(),
            r#"{"v":1,"visitor":"abababababababababababababababab","consent":{"sync":true,"personalization":true},"sent_at":100,"dropped":0,"events":[{"id":"a1","type":"pageview","at":10,"path":"/cats?secret=1"},{"id":"a2","type":"exposure","at":11,"rule":"cat-hero","variant":"holdout"}]}"#
        );
        assert!(
            o.take_batch("x", true, None, 0.0, &c).is_none(),
            "one batch in flight"
        );
        assert_eq!(o.finished(200, None, 0.5, 200.0, &c), Next::Idle);
        assert!(o.is_empty());
    }

    #[test]
    fn a_full_outbox_drops_page_views_before_exposures_and_counts_drops() {
        let c = SyncConfig {
            max_events: 3,
            ..config()
        };
        let mut o = Outbox::default();
        o.push(ev(1, "exposure"), 0.0, &c);
        o.push(ev(2, "pageview"), 0.0, &c);
        o.push(ev(3, "conversion"), 0.0, &c);
        o.push(ev(4, "pageview"), 0.0, &c);
        o.push(ev(5, "exposure"), 0.0, &c);
        let ids: Vec<_> = o.queue.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["e1", "e3", "e5"]);
        assert_eq!(o.dropped(), 2);
        let b = o.take_batch("v", true, None, 0.0, &c).unwrap();
        assert_eq!(b.body.get("dropped"), Some(&Value::Number(2.0)));
        o.finished(204, None, 0.0, 0.0, &c);
        assert_eq!(o.dropped(), 0, "reported once delivered");
    }

    #[test]
    fn retries_back_off_with_jitter_and_honour_retry_after() {
        let c = config();
        let mut o = Outbox::default();
        o.push(ev(1, "pageview"), 0.0, &c);
        let mut delays = Vec::new();
        for status in [0, 503, 500, 429] {
            o.take_batch("v", true, None, 0.0, &c).unwrap();
            match o.finished(status, None, 1.0, 0.0, &c) {
                Next::RetryIn(ms) => delays.push(ms),
                Next::Idle => panic!("must retry"),
            }
        }
        assert_eq!(delays, [1_000.0, 2_000.0, 4_000.0, 8_000.0]);
        o.take_batch("v", true, None, 0.0, &c).unwrap();
        assert_eq!(
            o.finished(429, Some(60.0), 0.0, 0.0, &c),
            Next::RetryIn(60_000.0)
        );
        o.take_batch("v", true, None, 0.0, &c).unwrap();
        let Next::RetryIn(low) = o.finished(500, None, 0.0, 0.0, &c) else {
            panic!()
        };
        assert_eq!(low, 16_000.0, "jitter 0 halves the 32 s backoff");
        assert_eq!(o.len(), 1, "nothing lost while retrying");
        // A refusal retrying cannot fix drops the batch.
        o.take_batch("v", true, None, 0.0, &c).unwrap();
        assert_eq!(o.finished(422, None, 0.0, 0.0, &c), Next::Idle);
        assert!(o.is_empty());
    }

    #[test]
    fn too_large_halves_the_batch_and_a_beacon_keeps_its_events() {
        let c = config();
        let mut o = Outbox::default();
        for i in 0..60 {
            o.push(ev(i, "pageview"), 0.0, &c);
        }
        assert_eq!(o.take_batch("v", true, None, 0.0, &c).unwrap().events, 50);
        assert_eq!(o.finished(413, None, 0.0, 0.0, &c), Next::RetryIn(0.0));
        assert_eq!(o.take_batch("v", true, None, 0.0, &c).unwrap().events, 25);
        o.finished(413, None, 0.0, 0.0, &c);
        assert_eq!(o.take_batch("v", true, None, 0.0, &c).unwrap().events, 12);
        o.finished(-1, None, 0.0, 0.0, &c);
        assert_eq!(o.len(), 60, "a beacon's events stay until a seen answer");
    }

    #[test]
    fn the_outbox_survives_storage_and_corrupt_parts_are_skipped() {
        let c = config();
        let mut o = Outbox::default();
        o.push(ev(1, "exposure"), 0.0, &c);
        o.push(ev(2, "pageview"), 0.0, &c);
        let stored = o.encode();
        let back = Outbox::decode(&stored, 0.0, &c);
        assert_eq!(back.encode(), stored);
        let garbled = Value::parse_json(
            r#"{"v":1,"dropped":"x","events":[{"id":"a","type":"event","at":1,"name":"n"},{"id":5},7]}"#,
        )
        .unwrap();
        assert_eq!(Outbox::decode(&garbled, 0.0, &c).len(), 1);
        assert!(Outbox::decode(&Value::parse_json("[1]").unwrap(), 0.0, &c).is_empty());
    }

    #[test]
    fn flush_timing() {
        let c = SyncConfig {
            flush_at: 3,
            ..config()
        };
        let mut o = Outbox::default();
        assert_eq!(o.flush_in(0.0, &c), None);
        o.push(ev(1, "pageview"), 1_000.0, &c);
        assert_eq!(o.flush_in(2_000.0, &c), Some(4_000.0));
        o.push(ev(2, "pageview"), 2_000.0, &c);
        o.push(ev(3, "pageview"), 2_000.0, &c);
        assert_eq!(o.flush_in(2_000.0, &c), Some(0.0));
    }

    #[test]
    fn the_profile_snapshot_sends_only_allowed_coarse_fields() {
        let attrs = Value::parse_json(
            r#"{"id":"x","name":"Hana","pet":"cat","stage":"interest","visits":2,"pageViews":7,
                "geo":{"country":"JP","region":"JP-01","timeZone":"Asia/Tokyo"},
                "topics":{"cats":2.5,"toys":0.5},"url":"https://x/?email=a@b"}"#,
        )
        .unwrap();
        let default: Vec<String> = DEFAULT_ALLOW.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            profile_snapshot(&attrs, &default).to_json_string(),
            r#"{"country":"JP","region":"JP-01","pet":"cat","stage":"interest","topics":{"cats":2.5,"toys":0.5},"sessions":2,"page_views":7}"#
        );
        let with_name = vec!["name".to_string(), "pet".to_string()];
        assert_eq!(
            profile_snapshot(&attrs, &with_name).to_json_string(),
            r#"{"pet":"cat","name":"Hana"}"#
        );
    }

    #[test]
    fn erase_url_sits_beside_the_events_endpoint() {
        let c = SyncConfig {
            endpoint: "https://api.example/v1/events".into(),
            ..config()
        };
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            c.erase_url(id).as_deref(),
            Some("https://api.example/v1/visitors/0123456789abcdef0123456789abcdef")
        );
    }

    #[test]
    fn an_erase_url_is_only_made_for_a_visitor_id() {
        let c = SyncConfig {
            endpoint: "https://api.example/v1/events".into(),
            ..config()
        };
        assert_eq!(c.erase_url("../../../healthz?"), None);
        assert_eq!(c.erase_url("abc"), None);
        assert_eq!(c.erase_url("0123456789ABCDEF0123456789ABCDEF"), None);
    }

    #[test]
    fn invalid_stored_erase_entries_are_dropped_and_do_not_block_the_valid_one() {
        let good = "0123456789abcdef0123456789abcdef";
        let stored = Value::Array(vec![
            Value::from("../../../healthz?"),
            Value::from("abc"),
            Value::Bool(true),
            Value::from(good),
            Value::from(good),
        ]);
        let (ids, dropped) = restore_erase_queue(&stored);
        assert_eq!(ids, vec![good.to_string()]);
        assert_eq!(dropped, 3);
        assert_eq!(restore_erase_queue(&Value::from("x")), (Vec::new(), 0));
    }
}
