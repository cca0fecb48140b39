//! The visitor profile on a hostile browser, in headless Chromium (wasm-bindgen-test): corrupt,
//! blocked and full storage, two tabs writing at once, and both consent modes — against the real
//! localStorage, with the browser's own exceptions injected where a test needs a failure.
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, JSON};
use tailor::browser::Tailor;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// Page-side helpers that make storage fail the way browsers make it fail.
#[wasm_bindgen(inline_js = r#"
let realStorage = null;
export function block_storage() {
  realStorage = Object.getOwnPropertyDescriptor(window, "localStorage")
    || Object.getOwnPropertyDescriptor(Window.prototype, "localStorage");
  Object.defineProperty(window, "localStorage", {
    configurable: true,
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
  });
}
export function unblock_storage() { Object.defineProperty(window, "localStorage", realStorage); }
const realSetItem = Storage.prototype.setItem;
export function fill_storage() {
  Storage.prototype.setItem = function () {
    throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  };
}
export function unfill_storage() { Storage.prototype.setItem = realSetItem; }
"#)]
extern "C" {
    fn block_storage();
    fn unblock_storage();
    fn fill_storage();
    fn unfill_storage();
}

const PROFILE: &str = "tailor.profile";
const CONSENT: &str = "tailor.consent";

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn parse(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn get(object: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(object.clone(), |o, key| {
        Reflect::get(&o, &key.into()).unwrap_or(JsValue::UNDEFINED)
    })
}

fn stored() -> Option<JsValue> {
    storage().get_item(PROFILE).unwrap().map(|t| parse(&t))
}

fn no_rules() -> JsValue {
    parse(r#"{"rules":[]}"#)
}

fn tab(config: &str, gpc: bool) -> Tailor {
    Tailor::new(parse(config), gpc)
}

/// A page view as the loader runs it: decide and apply, then write storage (the next task).
fn view(t: &mut Tailor) -> JsValue {
    let report = t.start(no_rules(), true).unwrap();
    t.flush();
    report
}

#[wasm_bindgen_test]
fn page_views_are_stored_and_counted_on() {
    storage().clear().unwrap();
    let report = view(&mut tab("{}", false));
    assert_eq!(get(&report, "pageViews"), 1.0);
    let first = stored().expect("profile stored");
    assert_eq!(get(&first, "views"), 1.0);
    let id = get(&first, "id").as_string().unwrap();
    assert_eq!(id.len(), 32, "128-bit hex id");

    view(&mut tab("{}", false));
    let second = stored().unwrap();
    assert_eq!(get(&second, "views"), 2.0);
    assert_eq!(get(&second, "id").as_string().unwrap(), id, "same visitor");
}

#[wasm_bindgen_test]
fn corrupt_storage_is_discarded_for_a_fresh_profile_never_an_exception() {
    for garbage in [
        "{garbage",
        r#"{"v":2,"id":5}"#,
        r#"{"v":2,"id":"0123456789abcdef0123456789abcdef","views":"many"}"#,
        "[1,2,3]",
        "null",
        r#"{"v":999}"#,
    ] {
        storage().clear().unwrap();
        storage().set_item(PROFILE, garbage).unwrap();
        let report = view(&mut tab("{}", false));
        assert_eq!(get(&report, "pageViews"), 1.0, "fresh after {garbage}");
        let repaired = stored().expect("a valid profile replaces the garbage");
        assert_eq!(get(&repaired, "views"), 1.0);
    }
}

#[wasm_bindgen_test]
fn blocked_storage_keeps_working_in_memory() {
    storage().clear().unwrap();
    block_storage();
    let mut t = tab("{}", false);
    let report = view(&mut t);
    t.track("add_to_cart").unwrap();
    t.set("pet", "cat".into()).unwrap();
    let profile = t.profile();
    unblock_storage();
    assert_eq!(get(&report, "persisted"), false);
    assert_eq!(get(&report, "pageViews"), 1.0);
    assert_eq!(get(&profile, "persisted"), false);
    assert_eq!(get(&profile, "profile.events.add_to_cart.0"), 1.0);
    assert_eq!(get(&profile, "profile.pet.value"), "cat");
    assert!(stored().is_none(), "nothing reached storage");
}

#[wasm_bindgen_test]
fn full_storage_keeps_working_in_memory() {
    storage().clear().unwrap();
    fill_storage();
    let mut t = tab("{}", false);
    view(&mut t);
    t.track("purchase").unwrap();
    let profile = t.profile();
    unfill_storage();
    assert_eq!(
        get(&profile, "persisted"),
        false,
        "the failed write is known"
    );
    assert_eq!(get(&profile, "profile.events.purchase.0"), 1.0);
    assert!(stored().is_none());
}

#[wasm_bindgen_test]
fn two_tabs_writing_at_once_lose_neither_tabs_updates() {
    storage().clear().unwrap();
    let mut a = tab("{}", false);
    view(&mut a);
    let mut b = tab("{}", false);
    view(&mut b);
    // Interleaved writes; neither tab re-reads storage in between (no storage event here).
    a.track("product_view").unwrap();
    b.track("product_view").unwrap();
    a.track("add_to_cart").unwrap();
    b.set("plan", "gold".into()).unwrap();
    a.set("name", "Hana".into()).unwrap();
    let s = stored().unwrap();
    assert_eq!(get(&s, "views"), 2.0);
    assert_eq!(get(&s, "events.product_view.0"), 2.0);
    assert_eq!(get(&s, "events.add_to_cart.0"), 1.0);
    assert_eq!(get(&s, "custom.plan"), "gold");
    assert_eq!(get(&s, "name"), "Hana");
    // The storage event brings the other tab's writes into this tab's view.
    b.storage_changed(Some(PROFILE.into()));
    assert_eq!(get(&b.profile(), "profile.name"), "Hana");
}

#[wasm_bindgen_test]
fn consent_required_writes_nothing_until_granted_and_withdrawal_erases() {
    storage().clear().unwrap();
    let mut t = tab(r#"{"consent":"required"}"#, false);
    view(&mut t);
    t.track("product_view").unwrap();
    t.set("pet", "dog".into()).unwrap();
    assert_eq!(
        storage().length().unwrap(),
        0,
        "nothing in localStorage before consent"
    );
    assert_eq!(get(&t.consent_state(), "personalization"), false);
    // The profile still works in memory for this page.
    assert_eq!(get(&t.profile(), "profile.pet.value"), "dog");

    let state = t.consent(parse(r#"{"personalization":true}"#)).unwrap();
    assert_eq!(get(&state, "personalization"), true);
    let s = stored().expect("written once granted");
    assert_eq!(get(&s, "pet.value"), "dog");
    assert!(storage().get_item(CONSENT).unwrap().is_some());

    t.consent(parse(r#"{"personalization":false}"#)).unwrap();
    assert!(stored().is_none(), "withdrawal erased the stored profile");
    t.track("purchase").unwrap();
    assert!(stored().is_none(), "and nothing is written after it");
    // The refusal itself is remembered, so the next page honours it.
    let next = tab(r#"{"consent":"required"}"#, false);
    assert_eq!(get(&next.consent_state(), "personalization"), false);
}

#[wasm_bindgen_test]
fn withdrawing_personalization_also_erases_the_rules_cache() {
    storage().clear().unwrap();
    let mut t = tab("{}", false);
    view(&mut t);
    storage()
        .set_item(
            "tailor.rules",
            r#"{"src":"/rules.json","rules":{"rules":[]}}"#,
        )
        .unwrap();
    t.consent(parse(r#"{"personalization":false}"#)).unwrap();
    assert!(storage().get_item("tailor.rules").unwrap().is_none());
    assert!(stored().is_none());
}

#[wasm_bindgen_test]
fn forget_asks_the_server_to_erase_only_when_sync_was_allowed() {
    storage().clear().unwrap();
    let config = r#"{"sync":{"endpoint":"/v1/events"}}"#;
    let mut t = tab(config, true); // GPC: no sync
    view(&mut t);
    t.forget();
    assert_eq!(
        t.take_erase(),
        None,
        "nothing was ever sent, nothing to erase"
    );
    let mut t = tab(config, false); // sync implied
    view(&mut t);
    let id = get(&t.profile(), "profile.id").as_string().unwrap();
    t.forget();
    assert_eq!(t.take_erase(), Some(["/v1/visitors/", &id].concat()));
}

#[wasm_bindgen_test]
fn consent_implied_stores_until_refused() {
    storage().clear().unwrap();
    let mut t = tab(r#"{"consent":"implied"}"#, false);
    view(&mut t);
    assert!(stored().is_some());
    t.consent(parse(r#"{"personalization":false}"#)).unwrap();
    assert!(stored().is_none());
    let mut next = tab("{}", false);
    view(&mut next);
    assert!(stored().is_none(), "the refusal holds on the next page");
}

#[wasm_bindgen_test]
fn global_privacy_control_denies_sync_until_granted_explicitly() {
    storage().clear().unwrap();
    let mut t = tab("{}", true);
    assert_eq!(get(&t.consent_state(), "sync"), false);
    assert_eq!(get(&t.consent_state(), "personalization"), true);
    let state = t.consent(parse(r#"{"sync":true}"#)).unwrap();
    assert_eq!(get(&state, "sync"), true);
    assert_eq!(get(&tab("{}", false).consent_state(), "sync"), true);
}

#[wasm_bindgen_test]
fn forget_erases_the_device_copy_and_keeps_the_consent_choice() {
    storage().clear().unwrap();
    let mut t = tab("{}", false);
    view(&mut t);
    t.consent(parse(r#"{"sync":false}"#)).unwrap();
    let before = get(&t.profile(), "profile.id");
    t.forget();
    assert!(stored().is_none());
    assert!(
        storage().get_item(CONSENT).unwrap().is_some(),
        "a refusal is not forgotten"
    );
    assert_ne!(
        get(&t.profile(), "profile.id"),
        before,
        "a new anonymous id"
    );
}

#[wasm_bindgen_test]
fn api_misuse_is_a_clear_error_and_hostile_strings_are_just_data() {
    storage().clear().unwrap();
    let mut t = tab("{}", false);
    view(&mut t);
    assert!(t.set("", 1.into()).is_err());
    assert!(t.set("x", parse("{}")).is_err());
    assert!(t.track("  ").is_err());
    assert!(t.consent(parse(r#"{"marketing":true}"#)).is_err());
    assert!(t.consent(parse("3")).is_err());
    let hostile = "<img src=x onerror=alert(1)>";
    t.declare(Some(hostile.into()), Some("cat".into()));
    assert_eq!(get(&stored().unwrap(), "name"), hostile);
}

#[wasm_bindgen_test]
fn a_bad_configuration_warns_and_uses_the_defaults() {
    storage().clear().unwrap();
    let t = tab(r#"{"consent":"sometimes","colour":"red"}"#, false);
    assert_eq!(get(&t.consent_state(), "mode"), "implied");
}
