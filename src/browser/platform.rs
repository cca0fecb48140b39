//! What a visit needs from the browser ([`crate::visit::Host`]): `Date.now()`,
//! `crypto.getRandomValues`, the browser's `JSON`, the page's context and topics, the DOM applier
//! and the console.

use super::{dom::Applier, js_json, page};
use crate::context::PageContext;
use crate::platform::{Clock, RandomSource};
use crate::prelude::*;
use crate::rules::Edit;
use crate::visit::Host;
use crate::Value;

/// The browser side of a visit. It owns the DOM applier, which only the shell touches.
#[derive(Default)]
pub struct BrowserHost {
    pub applier: Applier,
}

impl Clock for BrowserHost {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

impl RandomSource for BrowserHost {
    fn fill(&mut self, buf: &mut [u8]) {
        CryptoRandom.fill(buf);
    }
}

impl Host for BrowserHost {
    fn parse_json(&self, text: &str) -> Option<Value> {
        js_json::parse_text(text)
    }

    fn json_text(&self, value: &Value) -> String {
        js_json::to_text(value)
    }

    fn context(&mut self, now: f64) -> PageContext {
        page::context(now)
    }

    fn time_zone(&mut self) -> Option<String> {
        page::time_zone()
    }

    fn head_topics(&mut self) -> Vec<String> {
        page::head_topics()
    }

    fn body_topics(&mut self) -> Vec<String> {
        page::body_topics()
    }

    fn show(&mut self, edits: Vec<(String, Vec<Edit>)>) -> usize {
        self.applier.set(edits);
        self.applier.apply()
    }

    fn warn(&mut self, message: &str) {
        web_sys::console::warn_1(&message.into());
    }
}

/// `crypto.getRandomValues`. Every browser Tailor runs in has it; should it ever be missing,
/// `Math.random` fills the bytes — the id is then less unpredictable, never a fingerprint.
pub struct CryptoRandom;

impl RandomSource for CryptoRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        let filled = super::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
        if !filled {
            for b in buf.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }
}
