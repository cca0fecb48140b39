//! The engine's platform traits over the browser: `Date.now()` and `crypto.getRandomValues`.

use crate::platform::{Clock, RandomSource};

pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// `crypto.getRandomValues`. Every browser Tailor runs in has it; should it ever be missing,
/// `Math.random` fills the bytes — the id is then less unpredictable, never a fingerprint.
pub struct CryptoRandom;

impl RandomSource for CryptoRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        let filled = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
        if !filled {
            for b in buf.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }
}
