//! DOM rules in headless Chromium (wasm-bindgen-test): every action kind, late elements, SPA
//! navigation, revert, the loop guard against a page that fights back, hostile values, holdouts,
//! explain and conversions — against the real DOM.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, JSON};
use tailor::browser::Tailor;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn parse(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap()
}

/// A fresh fixture: `<div id="fixture">` with `html` inside (test markup, written by the test).
fn fixture(html: &str) -> Element {
    let doc = document();
    if let Some(old) = doc.get_element_by_id("fixture") {
        old.remove();
    }
    let el = doc.create_element("div").unwrap();
    el.set_id("fixture");
    el.set_inner_html(html);
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

fn q(selector: &str) -> Element {
    document()
        .query_selector(selector)
        .unwrap()
        .expect(selector)
}

fn engine(rules: &str) -> (Tailor, JsValue) {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let mut t = Tailor::new(JsValue::NULL, false);
    let report = t.start(parse(rules), true).unwrap();
    (t, report)
}

fn events(t: &mut Tailor, kind: &str) -> Vec<JsValue> {
    let list: Array = t.take_events().unchecked_into();
    list.iter()
        .filter(|e| get(e, "type") == kind)
        .map(|e| get(&e, "detail"))
        .collect()
}

#[wasm_bindgen_test]
fn every_action_kind_applies_and_reverts() {
    fixture(
        r#"<h1 id="g">Hello <b>there</b></h1>
           <img id="hero" src="/dog.svg" alt="A dog">
           <section id="box" class="dog"></section>
           <p id="banner">Dog days</p>
           <p id="promo" hidden>Hidden promo</p>
           <div id="slot">default</div>
           <template id="cat-card"><strong>Cats</strong> love this</template>
           <ul><li class="rec">a</li><li class="rec">b</li></ul>"#,
    );
    let (mut t, report) = engine(
        r##"{"rules":[{"id":"all","actions":[
          {"selector":"#g","text":"Welcome, {{name|friend}}!"},
          {"selector":"#hero","attributes":{"src":"/cat.svg","alt":"A cat"}},
          {"selector":"#box","addClass":"cat","removeClass":"dog"},
          {"selector":"#banner","hide":true},
          {"selector":"#promo","show":true},
          {"selector":"#slot","template":"cat-card"},
          {"selector":".rec","items":[{"text":"Cat toys"},{"text":"Cat food"}]}]}]}"##,
    );
    assert_eq!(get(&report, "applied"), 10.0, "one per element and edit");
    assert_eq!(q("#g").text_content().unwrap(), "Welcome, friend!");
    assert_eq!(q("#hero").get_attribute("src").unwrap(), "/cat.svg");
    assert_eq!(q("#hero").get_attribute("alt").unwrap(), "A cat");
    assert_eq!(q("#box").class_name(), "cat");
    assert!(q("#banner").has_attribute("hidden"));
    assert!(!q("#promo").has_attribute("hidden"));
    assert_eq!(q("#slot").inner_html(), "<strong>Cats</strong> love this");
    let recs = document().query_selector_all(".rec").unwrap();
    assert_eq!(recs.item(0).unwrap().text_content().unwrap(), "Cat toys");
    assert_eq!(recs.item(1).unwrap().text_content().unwrap(), "Cat food");

    // Applying again changes nothing.
    assert_eq!(t.reapply(), 0);

    t.revert();
    assert_eq!(
        q("#g").inner_html(),
        "Hello <b>there</b>",
        "children restored, markup included"
    );
    assert_eq!(q("#hero").get_attribute("src").unwrap(), "/dog.svg");
    assert_eq!(q("#box").class_name(), "dog");
    assert!(!q("#banner").has_attribute("hidden"));
    assert!(q("#promo").has_attribute("hidden"));
    assert_eq!(q("#slot").text_content().unwrap(), "default");
    assert_eq!(t.reapply(), 0, "reverted changes are not re-applied");
}

#[wasm_bindgen_test]
fn elements_that_appear_later_are_changed_on_the_next_mutation() {
    fixture("");
    let (mut t, report) = engine(
        r##"{"rules":[{"id":"late","actions":[{"selector":"#late","text":"Personalized"}]}]}"##,
    );
    assert_eq!(get(&report, "applied"), 0.0);
    fixture(r#"<p id="late">Original</p>"#);
    assert_eq!(t.reapply(), 1);
    assert_eq!(q("#late").text_content().unwrap(), "Personalized");
}

#[wasm_bindgen_test]
fn a_page_that_undoes_a_change_a_thousand_times_gets_three_reapplies_then_peace() {
    fixture(r#"<p id="fight">Original</p>"#);
    let (mut t, _) =
        engine(r##"{"rules":[{"id":"fight","actions":[{"selector":"#fight","text":"Tailor"}]}]}"##);
    let el = q("#fight");
    let mut reapplied = 0;
    for _ in 0..1000 {
        el.set_text_content(Some("Original")); // the framework puts its text back
        reapplied += t.reapply();
    }
    assert_eq!(reapplied, 3, "the budget holds");
    assert_eq!(
        el.text_content().unwrap(),
        "Original",
        "the page keeps its own text"
    );
}

#[wasm_bindgen_test]
fn spa_navigation_re_decides_for_the_new_url() {
    fixture(r#"<p id="where">Somewhere</p>"#);
    let history = web_sys::window().unwrap().history().unwrap();
    let original = web_sys::window().unwrap().location().href().unwrap();
    history
        .push_state_with_url(&JsValue::NULL, "", Some("/spa/cats"))
        .unwrap();
    let (mut t, _) = engine(
        r##"{"rules":[
          {"id":"cats","pages":["/spa/cats"],"actions":[{"selector":"#where","text":"Cats page"}]},
          {"id":"dogs","pages":["/spa/dogs"],"actions":[{"selector":"#where","text":"Dogs page"}]}]}"##,
    );
    assert_eq!(q("#where").text_content().unwrap(), "Cats page");
    history
        .push_state_with_url(&JsValue::NULL, "", Some("/spa/dogs"))
        .unwrap();
    let report = t.navigate();
    assert_eq!(q("#where").text_content().unwrap(), "Dogs page");
    let matched: Array = get(&report, "matched").unchecked_into();
    assert_eq!(matched.get(0), "dogs");
    history
        .push_state_with_url(&JsValue::NULL, "", Some("/spa/birds"))
        .unwrap();
    t.navigate();
    assert_eq!(
        q("#where").text_content().unwrap(),
        "Somewhere",
        "no rule: the original"
    );
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&original))
        .unwrap();
}

#[wasm_bindgen_test]
fn hostile_values_stay_data_and_bad_actions_are_refused_alone() {
    fixture(r#"<p id="hi">Hi</p><a id="cta" href="/shop">Shop</a><a id="cta2" href="/x">X</a>"#);
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let mut t = Tailor::new(JsValue::NULL, false);
    t.set("name", "<img src=x onerror=\"window.__pwned=1\">".into())
        .unwrap();
    t.start(
        parse(
            r##"{"rules":[{"id":"r","actions":[
              {"selector":"#hi","text":"Hi {{name}}"},
              {"selector":"#cta","attributes":{"href":"javascript:alert(1)"}},
              {"selector":"#cta","attributes":{"onclick":"alert(1)"}},
              {"selector":"#cta2","attributes":{"href":" JaVa\tscript:alert(1)"}},
              {"selector":"#cta","attributes":{"title":"Still applied"}}]}]}"##,
        ),
        true,
    )
    .unwrap();
    assert_eq!(
        q("#hi").text_content().unwrap(),
        "Hi <img src=x onerror=\"window.__pwned=1\">"
    );
    assert_eq!(q("#hi").child_element_count(), 0, "no element was created");
    assert_eq!(q("#cta").get_attribute("href").unwrap(), "/shop");
    assert!(!q("#cta").has_attribute("onclick"));
    assert_eq!(q("#cta2").get_attribute("href").unwrap(), "/x");
    assert_eq!(q("#cta").get_attribute("title").unwrap(), "Still applied");
    let pwned = Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
fn holdout_visitors_keep_the_default_and_are_exposed_as_control() {
    fixture(r#"<p id="h">Default</p>"#);
    let (mut t, report) = engine(
        r##"{"rules":[{"id":"held","holdout":1,"actions":[{"selector":"#h","text":"Changed"}]}]}"##,
    );
    assert_eq!(q("#h").text_content().unwrap(), "Default");
    let holdout: Array = get(&report, "holdout").unchecked_into();
    assert_eq!(holdout.get(0), "held");
    let exposures = events(&mut t, "tailor:exposure");
    assert_eq!(exposures.len(), 1);
    assert_eq!(get(&exposures[0], "variant"), "holdout");
}

#[wasm_bindgen_test]
fn explain_says_why_an_element_changed() {
    fixture(r#"<div id="card"><p id="inner">Default</p></div>"#);
    let (t, _) = engine(
        r##"{"rules":[{"id":"why","condition":{"pageViews":{"$gte":1}},
             "actions":[{"selector":"#card","text":"Changed"}]}]}"##,
    );
    let list: Array = t.explain(q("#card")).unchecked_into();
    assert_eq!(list.length(), 1);
    assert_eq!(get(&list.get(0), "rule"), "why");
    assert_eq!(get(&list.get(0), "outcome"), "applied");
    let reason = get(&list.get(0), "reason").as_string().unwrap();
    assert!(reason.contains("matched"), "{reason}");
    let none: Array = t
        .explain(document().body().unwrap().into())
        .unchecked_into();
    assert_eq!(none.length(), 0);
}

#[wasm_bindgen_test]
fn clicks_count_conversions_once_per_rule_and_page_view() {
    fixture(
        r#"<a id="buy" href="javascript:void 0"><span id="label">Buy</span></a><p id="other">x</p>"#,
    );
    let (mut t, _) = engine(
        r##"{"rules":[{"id":"cta","actions":[{"selector":"#buy","attributes":{"title":"Buy now"}}]}]}"##,
    );
    t.take_events();
    t.clicked(q("#label"), None);
    t.clicked(q("#label"), None);
    t.clicked(q("#other"), None);
    let conversions = events(&mut t, "tailor:conversion");
    assert_eq!(conversions.len(), 1);
    assert_eq!(get(&conversions[0], "rule"), "cta");
    assert_eq!(get(&conversions[0], "name"), "click");
    t.clicked(q("#other"), Some("purchase".into()));
    let conversions = events(&mut t, "tailor:conversion");
    assert_eq!(conversions.len(), 1);
    assert_eq!(get(&conversions[0], "name"), "purchase");
}

#[wasm_bindgen_test]
fn the_visitors_own_answer_changes_the_page_at_once_without_a_second_exposure() {
    fixture(r#"<h1 id="hello">Hello!</h1><p id="pet">Pets</p>"#);
    let (mut t, _) = engine(
        r##"{"rules":[
          {"id":"named","condition":{"name":{"$exists":true}},
           "actions":[{"selector":"#hello","text":"Hello, {{name}}!"}]},
          {"id":"always","actions":[{"selector":"#pet","text":"Pets for {{pet|everyone}}"}]}]}"##,
    );
    assert_eq!(q("#hello").text_content().unwrap(), "Hello!");
    assert_eq!(q("#pet").text_content().unwrap(), "Pets for everyone");
    t.take_events();
    t.declare(Some("Hana".into()), Some("cat".into()));
    assert_eq!(q("#hello").text_content().unwrap(), "Hello, Hana!");
    assert_eq!(q("#pet").text_content().unwrap(), "Pets for cat");
    let exposures = events(&mut t, "tailor:exposure");
    assert_eq!(exposures.len(), 1, "only the newly matched rule is exposed");
    assert_eq!(get(&exposures[0], "rule"), "named");
}
