//! Applies decided actions to the page. Text always goes in as text (`textContent`), never as
//! markup; a selector that is invalid or matches nothing is skipped with a console warning, and
//! the other actions still apply.

use crate::rules::{Action, Change};
use wasm_bindgen::JsCast;
use web_sys::Element;

/// Applies `actions`; returns how many elements were changed.
pub fn apply_actions(actions: &[Action]) -> usize {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return 0;
    };
    let mut changed = 0;
    for action in actions {
        let Ok(nodes) = document.query_selector_all(&action.selector) else {
            warn(&["Tailor: invalid selector ", &action.selector].concat());
            continue;
        };
        for i in 0..nodes.length() {
            let Some(element) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            match &action.change {
                Change::Text(text) => element.set_text_content(Some(text)),
            }
            changed += 1;
        }
    }
    changed
}

fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
