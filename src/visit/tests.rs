//! The visit's decisions, driven natively the way the browser shell drives them: a host with a
//! clock the test moves, seeded randomness, a page the test describes, and storage shared
//! between visits (the next page, another tab) as `localStorage` is.

use super::*;
use crate::platform::{MemoryStore, SeededRandom, StoreError};
use std::cell::RefCell;
use std::rc::Rc;

/// 2024-12-10T00:00:00Z.
const NOW: f64 = 1_733_788_800_000.0;
const MINUTE: f64 = 60_000.0;

struct TestHost {
    now: f64,
    random: SeededRandom,
    url: String,
    zone: Option<String>,
    /// How often the time zone was asked for (costly in a browser with only `Intl`).
    zone_asked: usize,
    head: Vec<String>,
    body: Vec<String>,
    /// What the page shows now: rule id and its number of edits.
    shown: Vec<(String, usize)>,
    warnings: Vec<String>,
}

impl TestHost {
    fn new(seed: u64) -> TestHost {
        TestHost {
            now: NOW,
            random: SeededRandom::new(seed),
            url: "https://shop.example/".into(),
            zone: Some("Europe/Berlin".into()),
            zone_asked: 0,
            head: Vec::new(),
            body: Vec::new(),
            shown: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl Clock for TestHost {
    fn now_ms(&self) -> f64 {
        self.now
    }
}

impl RandomSource for TestHost {
    fn fill(&mut self, buf: &mut [u8]) {
        self.random.fill(buf);
    }
}

impl Host for TestHost {
    fn parse_json(&self, text: &str) -> Option<Value> {
        Value::parse_json(text).ok()
    }

    fn json_text(&self, value: &Value) -> String {
        value.to_json_string()
    }

    fn context(&mut self, now: f64) -> PageContext {
        PageContext::new(now, &self.url)
    }

    fn time_zone(&mut self) -> Option<String> {
        self.zone_asked += 1;
        self.zone.clone()
    }

    fn head_topics(&mut self) -> Vec<String> {
        self.head.clone()
    }

    fn body_topics(&mut self) -> Vec<String> {
        self.body.clone()
    }

    fn show(&mut self, edits: Vec<(String, Vec<Edit>)>) -> usize {
        self.shown = edits.iter().map(|(id, e)| (id.clone(), e.len())).collect();
        self.shown.iter().map(|(_, n)| n).sum()
    }

    fn warn(&mut self, message: &str) {
        self.warnings.push(message.to_owned());
    }
}

/// `localStorage`: one store that every visit of the test (each page, each tab) shares.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<MemoryStore>>, Rc<RefCell<bool>>);

impl Shared {
    fn get(&self, key: &str) -> Option<String> {
        self.0.borrow().get(key).unwrap()
    }

    fn block(&self) {
        *self.1.borrow_mut() = true;
    }
}

impl KeyValueStore for Shared {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        if *self.1.borrow() {
            return Err(StoreError::Blocked);
        }
        self.0.borrow().get(key)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if *self.1.borrow() {
            return Err(StoreError::Blocked);
        }
        self.0.borrow_mut().set(key, value)
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        if *self.1.borrow() {
            return Err(StoreError::Blocked);
        }
        self.0.borrow_mut().remove(key)
    }
}

fn json(text: &str) -> Value {
    Value::parse_json(text).unwrap()
}

/// Sync to a server, and nothing stored or sent before the visitor agrees.
const SYNC: &str =
    r#"{"consent":"required","sync":{"endpoint":"https://tailor.example/v1/events"}}"#;
const AGREE: &str = r#"{"personalization":true,"sync":true}"#;

/// A hero rule for cats (one edit, with a click target), a banner everyone gets, and a rule
/// that holds every visitor out (control).
const RULES: &str = r##"[
  {"id":"hero-cat","slot":"hero","condition":{"pet":"cat"},"actions":[{"selector":"#hero","text":"Cats"}]},
  {"id":"banner","actions":[{"selector":"#banner","text":"Free shipping"}]},
  {"id":"held","holdout":1,"actions":[{"selector":"#cta","text":"Buy"}]}
]"##;

fn open(config: &str, store: &Shared, seed: u64) -> Visit<Shared, TestHost> {
    open_at(NOW, config, store, seed)
}

/// A page opened at `now` (ms since the epoch).
fn open_at(now: f64, config: &str, store: &Shared, seed: u64) -> Visit<Shared, TestHost> {
    let mut host = TestHost::new(seed);
    host.now = now;
    Visit::open(json(config), false, store.clone(), host)
}

/// The events of `kind` since the last call, as `(rule, variant)`.
fn events(visit: &mut Visit<Shared, TestHost>, kind: &str) -> Vec<(String, String)> {
    let all = visit.take_events();
    let of_kind = all
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some(kind));
    let text = |e: &Value, key| {
        let v = e.get("detail").and_then(|d| d.get(key));
        v.and_then(Value::as_str).unwrap_or_default().to_owned()
    };
    of_kind
        .map(|e| (text(e, "rule"), text(e, "variant")))
        .collect()
}

fn pair(rule: &str, variant: &str) -> (String, String) {
    (rule.to_owned(), variant.to_owned())
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    let items = v.and_then(Value::as_array).unwrap_or_default();
    items.iter().filter_map(Value::as_str).collect()
}

#[test]
fn each_decided_rule_is_exposed_once_per_page_view_and_a_holdout_as_control() {
    let store = Shared::default();
    let mut visit = open("{}", &store, 1);
    let report = visit.start(&json(RULES), true).unwrap();
    assert_eq!(strings(report.get("matched")), ["banner"]);
    assert_eq!(strings(report.get("holdout")), ["held"]);
    // Control sees the page as it is: only the banner's edit is shown.
    assert_eq!(visit.host().shown, [("banner".to_owned(), 1)]);
    assert_eq!(report.get("applied"), Some(&Value::Number(1.0)));
    let exposed = events(&mut visit, "tailor:exposure");
    assert_eq!(
        exposed,
        [pair("banner", "exposed"), pair("held", "holdout")]
    );

    // The visitor answers: decided again for this view, the cat hero wins, but what was
    // exposed on this view is not exposed again.
    visit.set("pet", "cat".into()).unwrap();
    assert_eq!(
        events(&mut visit, "tailor:exposure"),
        [pair("hero-cat", "exposed")]
    );
    visit.set("name", "Ada".into()).unwrap();
    assert!(events(&mut visit, "tailor:exposure").is_empty());

    // A new page view exposes every decided rule again.
    visit.host_mut().now += MINUTE;
    visit.navigate();
    let exposed = events(&mut visit, "tailor:exposure");
    assert_eq!(exposed.len(), 3, "{exposed:?}");
    let counts = visit
        .live
        .profile()
        .exposure_counts("held", visit.ctx.day_number());
    assert_eq!(
        counts.day, 2,
        "the holdout's exposures count in the profile too"
    );
}

#[test]
fn a_page_view_decided_too_late_shows_nothing_and_exposes_nothing() {
    let store = Shared::default();
    let mut visit = open("{}", &store, 1);
    let rules = r##"[{"id":"hero","slot":"hero","data":{"title":"Hi"},"actions":[{"selector":"h1","text":"Hi"}]}]"##;
    let report = visit.start(&json(rules), false).unwrap();
    assert_eq!(strings(report.get("matched")), ["hero"]);
    assert!(visit.host().shown.is_empty());
    assert!(events(&mut visit, "tailor:exposure").is_empty());
    assert_eq!(
        visit.slots(),
        json(r#"{"hero":null}"#),
        "the slot keeps its default"
    );
    assert!(!visit.slot_shown("hero"));
    // On time, the slot hands over its payload.
    visit.navigate();
    let slots = visit.slots();
    assert_eq!(
        slots.get_path("hero.data.title").and_then(Value::as_str),
        Some("Hi")
    );
}

#[test]
fn clicks_convert_each_rule_once_per_page_view_and_named_events_convert_holdouts_too() {
    let store = Shared::default();
    let mut visit = open("{}", &store, 1);
    visit.start(&json(RULES), true).unwrap();
    visit.take_events();

    // A click outside every target converts nothing; one inside the banner converts it once.
    visit.clicked(None, |_| false);
    assert!(events(&mut visit, "tailor:conversion").is_empty());
    visit.clicked(None, |selector| selector == "#banner");
    visit.clicked(Some("  "), |selector| selector == "#banner");
    assert_eq!(
        events(&mut visit, "tailor:conversion"),
        [pair("banner", "exposed")]
    );

    // A named event converts every rule decided on this view, control included, and counts
    // the event itself.
    visit.clicked(Some(" add_to_cart "), |_| false);
    let all = visit.take_events();
    let kinds: Vec<&str> = all.iter().filter_map(|e| e.get("type")?.as_str()).collect();
    assert_eq!(
        kinds,
        ["tailor:track", "tailor:conversion", "tailor:conversion"]
    );
    assert_eq!(visit.live.profile().event_count("add_to_cart"), 1);
    visit.clicked(Some("add_to_cart"), |_| false);
    assert!(events(&mut visit, "tailor:conversion").is_empty());

    // The next page view converts again.
    visit.navigate();
    visit.take_events();
    visit.clicked(None, |selector| selector == "#banner");
    assert_eq!(
        events(&mut visit, "tailor:conversion"),
        [pair("banner", "exposed")]
    );
}

#[test]
fn conversions_and_exposures_go_to_the_outbox_only_with_sync_consent() {
    let store = Shared::default();
    let mut visit = open(SYNC, &store, 1);
    visit.start(&json(RULES), true).unwrap();
    assert!(
        visit.take_batch().is_none(),
        "no sync consent, nothing to send"
    );
    assert_eq!(visit.flush_in(), -1.0);

    visit.consent(&json(AGREE)).unwrap();
    visit.clicked(None, |selector| selector == "#banner");
    let batch = visit.take_batch().expect("a batch once sync is allowed");
    assert_eq!(batch.url, "https://tailor.example/v1/events");
    let body = json(&batch.body);
    let sent = body.get("events").and_then(Value::as_array).unwrap();
    let types: Vec<&str> = sent
        .iter()
        .filter_map(|e| e.get("type")?.as_str())
        .collect();
    assert_eq!(types, ["conversion"], "{}", batch.body);
    // A server error keeps the batch for a retry with jitter; success empties the outbox.
    let retry = visit.batch_done(503, None);
    assert!(retry > 0.0, "{retry}");
    assert!(store.get(OUTBOX_KEY).is_some());
    visit.host_mut().now += retry;
    assert!(visit.take_batch().is_some());
    assert_eq!(visit.batch_done(200, None), -1.0);
    assert_eq!(store.get(OUTBOX_KEY), None);
}

#[test]
fn the_erase_queue_keeps_the_newest_requests_whatever_the_consent() {
    let store = Shared::default();
    let mut visit = open(SYNC, &store, 7);
    visit.consent(&json(AGREE)).unwrap();
    let mut ids = Vec::new();
    for _ in 0..sync::MAX_ERASE_QUEUE + 3 {
        ids.push(visit.live.profile().id.clone());
        visit.forget();
    }
    assert_eq!(visit.erase_queue.len(), sync::MAX_ERASE_QUEUE);
    assert_eq!(
        visit.erase_queue[..],
        ids[3..],
        "the oldest requests make room"
    );
    let stored = json(&store.get(ERASE_KEY).unwrap());
    assert_eq!(stored.as_array().unwrap().len(), sync::MAX_ERASE_QUEUE);

    // Withdrawing every consent queues the erase of the visitor now, and leaves the queue in
    // storage for the next page.
    let current = visit.live.profile().id.clone();
    visit
        .consent(&json(r#"{"sync":false,"personalization":false}"#))
        .unwrap();
    let next = open(SYNC, &store, 8);
    assert_eq!(next.erase_queue.len(), sync::MAX_ERASE_QUEUE);
    assert_eq!(next.erase_queue.last(), Some(&current));
    assert_eq!(next.erase_queue[0], ids[4]);
    drop(next);

    // 404 and 2xx finish an entry, 400 drops it with a warning, 503 keeps it.
    let first = visit.take_erase().unwrap();
    assert!(first.contains(&ids[4]), "{first}");
    visit.erase_answered(503);
    assert_eq!(visit.take_erase().unwrap(), first);
    visit.erase_answered(404);
    visit.erase_answered(400);
    assert!(visit
        .host()
        .warnings
        .iter()
        .any(|w| w.contains("refused an erase")));
    assert!(visit.take_erase().unwrap().contains(&ids[6]));
}

#[test]
fn a_returning_visitor_is_decided_with_their_stored_time_zone_and_checked_after_paint() {
    let store = Shared::default();
    let country = r##"[{"id":"de","condition":{"geo.country":"DE"},"actions":[{"selector":"h1","text":"Hallo"}]},
                       {"id":"jp","condition":{"geo.country":"JP"},"actions":[{"selector":"h1","text":"Konnichiwa"}]}]"##;
    // A first visit asks for the zone before deciding.
    let mut first = open("{}", &store, 1);
    let report = first.start(&json(country), true).unwrap();
    assert_eq!(first.host().zone_asked, 1);
    assert_eq!(strings(report.get("matched")), ["de"]);
    first.flush();
    assert_eq!(
        first.host().zone_asked,
        1,
        "nothing to check on a first page"
    );

    // The next page does not ask before deciding; it travelled to Tokyo meanwhile.
    let mut next = open_at(NOW + 10.0 * MINUTE, "{}", &store, 2);
    next.host_mut().zone = Some("Asia/Tokyo".into());
    let report = next.start(&json(country), true).unwrap();
    assert_eq!(next.host().zone_asked, 0, "decided with the stored zone");
    assert_eq!(strings(report.get("matched")), ["de"]);
    next.flush();
    assert_eq!(next.host().zone_asked, 1, "checked after the decision");

    // The page after decides with where the visitor is now.
    let mut third = open_at(NOW + 20.0 * MINUTE, "{}", &store, 3);
    third.host_mut().zone = Some("Asia/Tokyo".into());
    let report = third.start(&json(country), true).unwrap();
    assert_eq!(strings(report.get("matched")), ["jp"]);
    third.flush();
    assert_eq!(
        third.host().zone_asked,
        1,
        "checked, unchanged, nothing recorded"
    );
}

#[test]
fn visits_and_page_views_follow_the_clock_it_is_given() {
    let store = Shared::default();
    let mut visit = open("{}", &store, 1);
    let report = visit.start(&json("[]"), true).unwrap();
    assert_eq!(report.get("visits"), Some(&Value::Number(1.0)));
    visit.host_mut().now += 5.0 * MINUTE;
    visit.navigate();
    visit.flush();
    // Two hours later, on a new page: a second visit.
    let mut later = open_at(NOW + 120.0 * MINUTE, "{}", &store, 2);
    let report = later.start(&json("[]"), true).unwrap();
    assert_eq!(report.get("visits"), Some(&Value::Number(2.0)));
    assert_eq!(report.get("pageViews"), Some(&Value::Number(3.0)));
    assert_eq!(report.get("persisted"), Some(&Value::Bool(true)));
}

#[test]
fn topics_come_from_head_and_site_patterns_once_each_then_from_the_body() {
    let store = Shared::default();
    let config = r#"{"topics":{"/cats/*":"cats, cat-food"}}"#;
    let mut visit = open(config, &store, 1);
    visit.host_mut().url = "https://shop.example/cats/toys".into();
    visit.ctx = visit.host_mut().context(NOW);
    visit.host_mut().head = vec![" cats ,toys,".into()];
    visit.host_mut().body = vec!["cat-toys".into(), "toys, cat-toys".into()];
    visit.start(&json("[]"), true).unwrap();
    let score = |v: &Visit<Shared, TestHost>, t: &str| {
        let scores = &v.live.profile().topics.scores;
        scores.iter().find(|(name, _)| name == t).map(|(_, s)| *s)
    };
    let names: Vec<&str> = visit
        .live
        .profile()
        .topics
        .scores
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let toys = score(&visit, "toys").unwrap();
    assert_eq!(
        score(&visit, "cats"),
        Some(toys),
        "counted once though named twice"
    );
    assert_eq!(score(&visit, "cat-food"), Some(toys));
    visit.body_topics();
    assert_eq!(score(&visit, "cat-toys"), Some(toys));
    assert!(score(&visit, "toys").unwrap() > toys);
}

#[test]
fn an_answer_given_right_after_forget_is_kept() {
    let store = Shared::default();
    let mut visit = open("{}", &store, 1);
    visit.start(&json(RULES), true).unwrap();
    visit.set("pet", "dog".into()).unwrap();
    visit.forget();
    visit.set("pet", "cat".into()).unwrap(); // the same millisecond, as in one click handler
    let pet = visit.live.profile().pet.as_ref().map(|p| p.value.as_str());
    assert_eq!(pet, Some("cat"));
    assert!(visit.host().shown.iter().any(|(id, _)| id == "hero-cat"));
}

#[test]
fn blocked_storage_warns_once_and_the_visit_goes_on_in_memory() {
    let store = Shared::default();
    store.block();
    let mut visit = open("{}", &store, 1);
    let report = visit.start(&json(RULES), true).unwrap();
    visit.flush();
    visit.set("pet", "cat".into()).unwrap();
    assert_eq!(report.get("persisted"), Some(&Value::Bool(false)));
    let storage: Vec<&String> = visit
        .host()
        .warnings
        .iter()
        .filter(|w| w.contains("storage"))
        .collect();
    assert_eq!(storage.len(), 1, "{storage:?}");
    assert_eq!(
        visit.host().shown.len(),
        2,
        "the cat hero is shown from memory"
    );
}

#[test]
fn a_preview_stores_counts_and_sends_nothing_and_shows_what_holdouts_would_see() {
    let store = Shared::default();
    let mut real = open("{}", &store, 1);
    real.start(&json("[]"), true).unwrap();
    real.flush();
    let before = store.get(PROFILE_KEY);

    let mut refused = open("{}", &store, 2);
    assert!(!refused.preview(r#"{"pet":"cat"}"#));
    assert!(refused.host().warnings[0].contains("does not allow previews"));

    let mut visit = open(r#"{"preview":true}"#, &store, 3);
    assert!(!visit.preview("not json"));
    assert!(
        visit.preview(r#"{"pet":"cat"}"#),
        "{:?}",
        visit.host().warnings
    );
    let report = visit.start(&json(RULES), true).unwrap();
    visit.flush();
    visit.clicked(Some("purchase"), |_| true);
    assert_eq!(strings(report.get("matched")), ["hero-cat", "banner"]);
    assert_eq!(
        visit.host().shown.len(),
        3,
        "the held-out rule is shown in preview"
    );
    assert!(events(&mut visit, "tailor:exposure").is_empty());
    assert_eq!(store.get(PROFILE_KEY), before, "storage is left as it was");
    assert_eq!(
        visit.consent_state().get("personalization"),
        Some(&Value::Bool(false))
    );
}

#[test]
fn withdrawing_personalization_erases_the_profile_and_the_rules_cache_and_decides_again() {
    let store = Shared::default();
    let mut visit = open("{}", &store, 1);
    visit.start(&json(RULES), true).unwrap();
    visit.set("pet", "cat".into()).unwrap();
    visit.store.set(RULES_CACHE_KEY, "[]");
    assert!(store.get(PROFILE_KEY).is_some());
    visit.take_events();
    let state = visit
        .consent(&json(r#"{"personalization":false}"#))
        .unwrap();
    assert_eq!(state.get("personalization"), Some(&Value::Bool(false)));
    assert_eq!(store.get(PROFILE_KEY), None);
    assert_eq!(store.get(RULES_CACHE_KEY), None);
    assert!(!visit.host().shown.iter().any(|(id, _)| id == "hero-cat"));
    let kinds: Vec<String> = visit
        .take_events()
        .iter()
        .filter_map(|e| Some(e.get("type")?.as_str()?.to_owned()))
        .collect();
    assert!(
        kinds.contains(&"tailor:consentchange".to_owned()),
        "{kinds:?}"
    );
    assert!(visit
        .consent(&json(r#"{"ads":true}"#))
        .unwrap_err()
        .contains("\"ads\""));
    assert!(visit.consent(&json("true")).is_err());
}

#[test]
fn another_tabs_answer_is_picked_up_and_ours_is_kept() {
    let store = Shared::default();
    let mut one = open("{}", &store, 1);
    one.start(&json(RULES), true).unwrap();
    one.flush();
    let mut two = open("{}", &store, 2);
    two.start(&json(RULES), true).unwrap();
    two.set("pet", "cat".into()).unwrap();
    one.track("add_to_cart").unwrap();
    one.storage_changed(Some("tailor.outbox"));
    assert!(
        !one.host().shown.iter().any(|(id, _)| id == "hero-cat"),
        "another key: ignored"
    );
    one.storage_changed(Some(PROFILE_KEY));
    assert!(one.host().shown.iter().any(|(id, _)| id == "hero-cat"));
    let three = open("{}", &store, 3);
    let profile = three.live.profile();
    assert_eq!(
        profile.event_count("add_to_cart"),
        1,
        "our event survives the other tab's write"
    );
    assert_eq!(profile.pet.as_ref().map(|p| p.value.as_str()), Some("cat"));
}

#[test]
fn what_one_tab_erases_another_open_tab_does_not_write_back() {
    let store = Shared::default();
    let mut one = open(SYNC, &store, 1);
    one.consent(&json(AGREE)).unwrap();
    one.start(&json(RULES), true).unwrap();
    one.set("name", "Ada".into()).unwrap();
    one.set("pet", "cat".into()).unwrap();
    let mut two = open(SYNC, &store, 2);
    two.start(&json(RULES), true).unwrap();
    let old_id = two.live.profile().id.clone();
    assert_eq!(one.live.profile().id, old_id);
    assert!(one.host().shown.iter().any(|(id, _)| id == "hero-cat"));

    // The visitor erases everything in the second tab; the first hears of it and goes on.
    two.host_mut().now += 1_000.0;
    two.forget();
    one.host_mut().now += 2_000.0;
    one.take_events();
    one.storage_changed(Some(PROFILE_KEY));
    assert_eq!(events(&mut one, "tailor:forget").len(), 1);
    assert!(
        !one.host().shown.iter().any(|(id, _)| id == "hero-cat"),
        "decided again"
    );
    assert!(
        one.take_batch().is_none_or(|b| !b.body.contains(&old_id)),
        "nothing of the erased id is sent"
    );
    one.track("add_to_cart").unwrap();
    one.flush();
    let third = open_at(NOW + 3_000.0, SYNC, &store, 3);
    let p = third.live.profile();
    assert_ne!(p.id, old_id, "the erased visitor id is not written back");
    assert_eq!(p.name, None, "the erased name is not written back: {p:?}");
    assert_eq!(p.pet, None, "the erased pet is not written back");
    assert_eq!(
        p.event_count("add_to_cart"),
        1,
        "what came after the erase is kept"
    );
    // The erase request the second tab queued is still there for the server.
    assert_eq!(third.erase_queue, [old_id]);
}

#[test]
fn a_consent_withdrawn_in_another_tab_stops_this_tab_storing() {
    let store = Shared::default();
    let mut one = open("{}", &store, 1);
    one.start(&json(RULES), true).unwrap();
    one.set("pet", "cat".into()).unwrap();
    let mut two = open("{}", &store, 2);
    two.start(&json(RULES), true).unwrap();
    two.host_mut().now += 1_000.0;
    two.consent(&json(r#"{"personalization":false}"#)).unwrap();
    assert_eq!(store.get(PROFILE_KEY), None);

    one.host_mut().now += 2_000.0;
    one.take_events();
    // The consent record is written before the profile is removed, so it is heard first.
    one.storage_changed(Some(CONSENT_KEY));
    let changes = events(&mut one, "tailor:consentchange");
    assert_eq!(changes.len(), 1);
    assert_eq!(
        one.consent_state().get("personalization"),
        Some(&Value::Bool(false))
    );
    assert!(
        !one.host().shown.iter().any(|(id, _)| id == "hero-cat"),
        "decided again"
    );
    one.storage_changed(Some(PROFILE_KEY));
    one.set("name", "Ada".into()).unwrap();
    one.flush();
    assert_eq!(store.get(PROFILE_KEY), None, "nothing is stored again");
    assert_eq!(
        one.live.profile().pet,
        None,
        "the erased answer is gone here too"
    );
    // Granting again in the first tab is this tab's own choice: storing resumes.
    one.consent(&json(r#"{"personalization":true}"#)).unwrap();
    assert!(store.get(PROFILE_KEY).is_some_and(|t| t.contains("Ada")));
    two.storage_changed(Some(CONSENT_KEY));
    assert_eq!(
        two.consent_state().get("personalization"),
        Some(&Value::Bool(true))
    );
}

#[test]
fn erase_requests_from_two_tabs_are_both_kept() {
    let store = Shared::default();
    let mut one = open(SYNC, &store, 1);
    one.consent(&json(AGREE)).unwrap();
    one.start(&json(RULES), true).unwrap();
    let mut two = open(SYNC, &store, 2);
    two.start(&json(RULES), true).unwrap();
    let first = one.live.profile().id.clone();
    one.forget();
    two.storage_changed(Some(PROFILE_KEY)); // two starts fresh too
    let second = two.live.profile().id.clone();
    assert_ne!(first, second);
    two.forget();
    let stored = json(&store.get(ERASE_KEY).unwrap());
    let ids: Vec<&str> = stored
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    // Both tabs ask the server to erase the first entry; each answer finishes only that one,
    // and the second tab's stale copy does not bring the first back.
    assert!(one.take_erase().unwrap().contains(&first));
    assert!(two.take_erase().unwrap().contains(&first));
    one.erase_answered(204);
    two.erase_answered(204);
    assert_eq!(
        store.get(ERASE_KEY),
        Some(crate::text::concat(&["[\"", &second, "\"]"]))
    );
    assert!(two.take_erase().unwrap().contains(&second));
}

/// The ids of the events in an outbox record or a batch body.
fn event_ids(text: &str) -> Vec<String> {
    let record = json(text);
    let events = record.get("events").and_then(Value::as_array).unwrap();
    let id = |e: &Value| e.get("id").and_then(Value::as_str).unwrap().to_owned();
    events.iter().map(id).collect()
}

#[test]
fn two_tabs_offline_keep_each_others_unsent_events() {
    let store = Shared::default();
    let mut one = open(SYNC, &store, 1);
    one.consent(&json(AGREE)).unwrap();
    one.start(&json(RULES), true).unwrap();
    // The network is down: the batch stays queued.
    assert!(one.take_batch().is_some());
    assert!(one.batch_done(0, None) > 0.0);
    let mut two = open(SYNC, &store, 2);
    two.start(&json(RULES), true).unwrap();
    let both = event_ids(&store.get(OUTBOX_KEY).unwrap());
    // The first tab's click is queued onto what the second tab stored, not over it.
    one.clicked(None, |selector| selector == "#banner");
    let after_click = event_ids(&store.get(OUTBOX_KEY).unwrap());
    assert_eq!(after_click.len(), both.len() + 1, "{after_click:?}");
    assert!(both.iter().all(|id| after_click.contains(id)));
    // And the second tab's next event keeps the click.
    two.track("newsletter").unwrap();
    let last = event_ids(&store.get(OUTBOX_KEY).unwrap());
    assert_eq!(last.len(), after_click.len() + 1, "{last:?}");
    assert!(after_click.iter().all(|id| last.contains(id)));
    // Both tabs close; the next page sends everything they queued.
    drop((one, two));
    let mut next = open(SYNC, &store, 3);
    let batch = next.take_batch().unwrap();
    let sent = event_ids(&batch.body);
    assert!(last.iter().all(|id| sent.contains(id)), "{sent:?}");
}

#[test]
fn events_one_tab_delivered_are_not_sent_again_by_another() {
    let store = Shared::default();
    let mut one = open(SYNC, &store, 1);
    one.consent(&json(AGREE)).unwrap();
    one.start(&json(RULES), true).unwrap();
    let mut two = open(SYNC, &store, 2); // restores the first tab's events
    let first = one.take_batch().unwrap();
    assert_eq!(one.batch_done(200, None), -1.0);
    assert_eq!(store.get(OUTBOX_KEY), None);
    two.start(&json(RULES), true).unwrap();
    let second = two.take_batch().unwrap();
    let delivered = event_ids(&first.body);
    let again = event_ids(&second.body);
    assert!(!again.is_empty());
    assert!(again.iter().all(|id| !delivered.contains(id)), "{again:?}");
}

#[test]
fn a_corrupt_stored_outbox_does_not_cost_this_tab_its_events() {
    let store = Shared::default();
    let mut visit = open(SYNC, &store, 1);
    visit.consent(&json(AGREE)).unwrap();
    visit.start(&json(RULES), true).unwrap();
    let queued = event_ids(&store.get(OUTBOX_KEY).unwrap());
    store.0.borrow_mut().set(OUTBOX_KEY, "{not json").unwrap();
    visit.track("newsletter").unwrap();
    let kept = event_ids(&store.get(OUTBOX_KEY).unwrap());
    assert_eq!(kept.len(), queued.len() + 1);
    assert!(queued.iter().all(|id| kept.contains(id)));
}

#[test]
fn a_stale_write_from_another_tab_does_not_cost_this_tab_its_events() {
    let store = Shared::default();
    let mut one = open(SYNC, &store, 1);
    one.consent(&json(AGREE)).unwrap();
    one.start(&json(RULES), true).unwrap();
    let before = store.get(OUTBOX_KEY).unwrap();
    one.track("newsletter").unwrap();
    let tracked = event_ids(&store.get(OUTBOX_KEY).unwrap());
    // Another tab writes the outbox as it was before the track (its copy was not yet updated).
    store.0.borrow_mut().set(OUTBOX_KEY, &before).unwrap();
    one.track("newsletter").unwrap();
    let kept = event_ids(&store.get(OUTBOX_KEY).unwrap());
    assert!(tracked.iter().all(|id| kept.contains(id)), "{kept:?}");
    assert_eq!(kept.len(), tracked.len() + 1);
}
