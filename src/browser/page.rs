//! Reads what this page view knows: URL, referrer, language, screen, local time and time zone,
//! the server's location hint and the page's topics. Coarse context only: never the Geolocation
//! API, nothing that fingerprints the device.

use crate::context::{Device, PageContext};
use crate::prelude::*;
use js_sys::{Array, Date, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};

pub fn context(now: f64) -> PageContext {
    let window = super::window();
    let document = window.as_ref().and_then(|w| w.document());
    let url = window
        .as_ref()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let mut ctx = PageContext::new(now, &url);
    if let Some(doc) = &document {
        ctx.referrer = doc.referrer();
        ctx.geo_hint = meta(doc, "tailor:geo");
    }
    if let Some(w) = &window {
        ctx.lang = w.navigator().language().unwrap_or_default();
        // The screen, not the window: `innerWidth` makes the browser lay the page out, which
        // costs milliseconds while the page is still loading (2.6 ms measured in Chromium).
        let width = w.screen().ok().map_or(0, |s| s.width().unwrap_or(0));
        ctx.device = Device::from_screen_width(f64::from(width));
    }
    let date = Date::new(&now.into());
    ctx.hour = date.get_hours() as u8;
    ctx.weekday = date.get_day() as u8;
    ctx.month = date.get_month() as u8 + 1;
    ctx.utc_offset_min = -(date.get_timezone_offset() as i32);
    ctx
}

#[wasm_bindgen]
extern "C" {
    /// `Temporal.Now.timeZoneId()`; throws where the browser has no `Temporal`. Taken as any
    /// value: a page's own `Temporal` may answer with something that is not a string.
    #[wasm_bindgen(js_namespace = ["Temporal", "Now"], js_name = timeZoneId, catch)]
    fn temporal_time_zone() -> Result<JsValue, JsValue>;
}

/// The visitor's IANA time zone, e.g. `Asia/Tokyo`: `Temporal.Now.timeZoneId()`, else
/// `Intl.DateTimeFormat().resolvedOptions().timeZone` (the same name in Chromium, aliases such as
/// `Asia/Calcutta` included). `Temporal` answers in well under 0.1 ms in a new tab, where the
/// first `Intl.DateTimeFormat` of a page's process loads the browser's locale data: 14-31 ms
/// measured in a new Chromium tab (stop 20). Where only `Intl` is there, a visit asks only when
/// the profile has no time zone yet, and otherwise checks it after the page has been decided
/// (see `Visit::flush`).
pub fn time_zone() -> Option<String> {
    if let Some(zone) = temporal_time_zone().ok().and_then(|zone| zone.as_string()) {
        return Some(zone);
    }
    let format = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new());
    Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()?
        .as_string()
}

fn meta(doc: &Document, name: &str) -> Option<String> {
    let selector = crate::text::concat(&["meta[name=\"", name, "\"]"]);
    let content = doc
        .query_selector(&selector)
        .ok()??
        .get_attribute("content")?;
    let content = content.trim();
    (!content.is_empty()).then(|| content.to_owned())
}

/// Topic lists of this page known in `<head>`: `<meta name="tailor:topics" content="cats, cat-food">`.
pub fn head_topics() -> Vec<String> {
    let doc = super::window().and_then(|w| w.document());
    doc.and_then(|d| meta(&d, "tailor:topics"))
        .into_iter()
        .collect()
}

/// Topic lists marked in the body: `data-tailor-topic="cat-toys"` on any element.
pub fn body_topics() -> Vec<String> {
    let mut lists = Vec::new();
    let Some(doc) = super::window().and_then(|w| w.document()) else {
        return lists;
    };
    if let Ok(nodes) = doc.query_selector_all("[data-tailor-topic]") {
        for i in 0..nodes.length() {
            if let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                lists.extend(el.get_attribute("data-tailor-topic"));
            }
        }
    }
    lists
}
