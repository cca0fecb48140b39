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

/// Console warnings printed while `work` runs (console.warn is replaced meanwhile).
fn warnings_during<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    let console = get(&js_sys::global(), "console");
    let original = get(&console, "warn");
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let capture = Closure::<dyn FnMut(JsValue)>::new(move |m: JsValue| {
        sink.borrow_mut().push(m.as_string().unwrap_or_default());
    });
    Reflect::set(&console, &"warn".into(), capture.as_ref()).unwrap();
    let out = work();
    Reflect::set(&console, &"warn".into(), &original).unwrap();
    let seen = seen.borrow().clone();
    (out, seen)
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
fn a_page_that_undoes_a_change_a_thousand_times_is_stopped_with_one_warning_within_the_rate_budget()
{
    fixture(r#"<p id="fight">Original</p>"#);
    let (mut t, _) =
        engine(r##"{"rules":[{"id":"fight","actions":[{"selector":"#fight","text":"Tailor"}]}]}"##);
    let el = q("#fight");
    let ((reapplied, elapsed), warnings) = warnings_during(|| {
        let mut reapplied = 0;
        let started = now();
        for _ in 0..1000 {
            el.set_text_content(Some("Original")); // the framework puts its text back
            reapplied += t.reapply();
        }
        (reapplied, now() - started)
    });
    assert!(elapsed < 1000.0, "the fight took {elapsed} ms");
    assert_eq!(
        reapplied,
        tailor::browser::dom::REAPPLY_PER_SECOND as u32,
        "the budget of one second holds"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        warnings[0],
        "Tailor: a script on this page keeps undoing the change of rule \"fight\" to #fight; \
         leaving it as the page has it"
    );
    assert_eq!(
        el.text_content().unwrap(),
        "Original",
        "the page keeps its own text"
    );
    // Stopped for good on this element: later undoing is not fought either.
    el.set_text_content(Some("Still the page's"));
    assert_eq!(t.reapply(), 0);
    wasm_bindgen_test::console_log!(
        "loop guard: 1,000 undo/re-apply rounds in {elapsed:.2} ms ({:.2} us a round), {reapplied} re-applications allowed per second",
        elapsed
    );
}

#[wasm_bindgen_test]
fn a_component_that_re_renders_every_150_ms_keeps_the_change_after_every_re_render() {
    fixture(r#"<p id="clock">Welcome!</p><p id="cart">Cart: 0</p>"#);
    let (mut t, _) = engine(
        r##"{"rules":[{"id":"greet","actions":[{"selector":"#clock","text":"Hello, friend!"},
            {"selector":"#cart","addClass":"vip"}]}]}"##,
    );
    let clock = q("#clock");
    let cart = q("#cart");
    // The component keeps a reference to its text node and updates it, as React does.
    let text_node = clock.first_child().unwrap();
    assert_eq!(clock.text_content().unwrap(), "Hello, friend!");
    let (renders, warnings) = warnings_during(|| {
        let started = now();
        let mut renders = 0;
        while now() - started < 3_100.0 {
            let due = started + 150.0 * f64::from(renders + 1);
            while now() < due {} // the page's own timer
            renders += 1;
            if renders % 2 == 0 {
                text_node.set_node_value(Some("Welcome!"));
            } else {
                clock.set_text_content(Some("Welcome!")); // a re-render with new nodes
            }
            cart.set_class_name(""); // the component re-renders its class list too
            cart.set_text_content(Some(&["Cart: ", &renders.to_string()].concat()));
            t.reapply();
            assert_eq!(
                clock.text_content().unwrap(),
                "Hello, friend!",
                "render {renders}"
            );
            assert!(cart.class_list().contains("vip"), "render {renders}");
        }
        renders
    });
    assert!(renders >= 20, "{renders} re-renders in 3 s");
    assert!(warnings.is_empty(), "{warnings:?}");
}

/// Marks `el` with an own property `key`, as a framework marks the nodes it renders.
fn mark_as_rendered(el: &Element, key: &str) {
    Reflect::set(el, &key.into(), &js_sys::Object::new()).unwrap();
}

#[wasm_bindgen_test]
fn framework_owned_elements_get_text_in_place_and_no_node_swaps() {
    fixture(
        r#"<div id="root"><h1 id="hi">Hello, <!-- -->Hana<!-- -->!</h1>
             <section id="card"><span>React's child</span></section>
             <div id="promo">Default promo</div></div>
           <div id="vue"><p id="vp"><b>Vue child</b></p></div>
           <div id="plain"><b>plain</b></div>
           <template id="t"><i>swapped</i></template>"#,
    );
    mark_as_rendered(&q("#root"), "__reactContainer$abc123");
    mark_as_rendered(&q("#hi"), "__reactFiber$abc123");
    mark_as_rendered(&q("#vue"), "__vue_app__");
    let hi = q("#hi");
    let first_text = hi.first_child().unwrap();
    let span = q("#card span");
    let ((t, report), warnings) = warnings_during(|| {
        engine(
            r##"{"rules":[
              {"id":"greet","actions":[{"selector":"#hi","text":"Welcome back!"}]},
              {"id":"card-text","actions":[{"selector":"#card","text":"Flattened"}]},
              {"id":"swap","actions":[{"selector":"#promo","template":"t"}]},
              {"id":"vue-text","actions":[{"selector":"#vp","text":"Vue text"}]},
              {"id":"plain-swap","actions":[{"selector":"#plain","template":"t"}]},
              {"id":"safe","actions":[{"selector":"#card","addClass":"cat","attributes":{"title":"Cats"}},
                                      {"selector":"#promo","hide":true}]}]}"##,
        )
    });
    let mut t = t;
    // Text went into React's own text nodes: the nodes it holds are still there.
    assert_eq!(hi.text_content().unwrap(), "Welcome back!");
    assert_eq!(
        hi.first_child().unwrap(),
        first_text,
        "the same text node, changed in place"
    );
    assert_eq!(hi.child_nodes().length(), 5, "no node removed or added");
    // Node swaps on framework-owned elements are refused, each with one warning.
    assert!(q("#card").contains(Some(&span)), "React's child is kept");
    assert_eq!(q("#promo").text_content().unwrap(), "Default promo");
    assert_eq!(q("#vp").inner_html(), "<b>Vue child</b>");
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0]
            .starts_with("Tailor: rule \"card-text\" may not change #card: React renders it"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].contains("rule \"swap\"") && warnings[1].contains("template swap"),
        "{}",
        warnings[1]
    );
    assert!(
        warnings[2].contains("rule \"vue-text\"") && warnings[2].contains("Vue renders it"),
        "{}",
        warnings[2]
    );
    // Safe changes apply, and a page no framework renders still gets its template.
    assert!(q("#card").class_list().contains("cat"));
    assert_eq!(q("#card").get_attribute("title").unwrap(), "Cats");
    assert!(q("#promo").has_attribute("hidden"));
    assert_eq!(q("#plain").inner_html(), "<i>swapped</i>");
    assert_eq!(
        get(&report, "applied"),
        5.0,
        "the three refused changes are not counted"
    );
    // A refused change is not retried (nor warned about) on every mutation.
    let (again, warnings) = warnings_during(|| t.reapply());
    assert_eq!((again, warnings.len()), (0, 0));
    assert_eq!(
        t.explain(q("#card")).unchecked_into::<Array>().length(),
        1,
        "only \"safe\" changed it"
    );
    // Revert puts React's text back into its own nodes.
    t.revert();
    assert_eq!(hi.text_content().unwrap(), "Hello, Hana!");
    assert_eq!(hi.first_child().unwrap(), first_text);
    assert_eq!(q("#plain").inner_html(), "<b>plain</b>");
}

#[wasm_bindgen_test]
fn slot_data_is_read_per_slot_and_exposed_once_when_shown() {
    fixture("");
    let (mut t, _) = engine(
        r##"{"rules":[
          {"id":"cat-hero","slot":"hero","priority":5,"condition":{"pet":"cat"},
           "data":{"src":"/img/cat.jpg","cta":"Shop {{pet}} food, {{name|friend}}"}},
          {"id":"hero-default","slot":"hero","data":{"src":"/img/pets.jpg","cta":"Shop"}},
          {"id":"held","slot":"banner","holdout":1,"data":{"text":"Sale"}}]}"##,
    );
    let slots = t.slots();
    assert_eq!(
        JSON::stringify(&slots).unwrap(),
        r#"{"hero":{"rule":"hero-default","data":{"src":"/img/pets.jpg","cta":"Shop"}},"banner":null}"#
    );
    // Data-only rules are not exposed when decided, only when the page shows them.
    assert!(events(&mut t, "tailor:exposure").is_empty());
    assert!(t.slot_shown("hero"));
    assert!(!t.slot_shown("hero"), "once per page view");
    assert!(!t.slot_shown("nothing-here"));
    let exposures = events(&mut t, "tailor:exposure");
    assert_eq!(exposures.len(), 1);
    assert_eq!(get(&exposures[0], "rule"), "hero-default");
    assert_eq!(get(&exposures[0], "slot"), "hero");
    // Control: the payload is null, and showing the default records the control exposure.
    assert!(t.slot_shown("banner"));
    let exposures = events(&mut t, "tailor:exposure");
    assert_eq!(get(&exposures[0], "variant"), "holdout");
    // The form answer decides again: the slot changes, the new winner waits to be shown.
    t.declare(Some("<b>Hana</b>".into()), Some("cat".into()));
    let hero = get(&t.slots(), "hero");
    assert_eq!(get(&hero, "rule"), "cat-hero");
    assert_eq!(
        get(&get(&hero, "data"), "cta"),
        "Shop cat food, <b>Hana</b>"
    );
    assert!(events(&mut t, "tailor:exposure").is_empty());
    assert!(t.slot_shown("hero"));
    assert_eq!(events(&mut t, "tailor:exposure").len(), 1);
    // A new page view exposes again.
    t.navigate();
    assert!(t.slot_shown("hero"));
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
