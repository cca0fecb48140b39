//! Applies decided actions to the page. Text always goes in as text (`textContent`), never as
//! markup; a selector that is invalid or matches nothing is skipped with a console warning, and
//! the other actions still apply.

use crate::rules::{Edit, Resolved};
use wasm_bindgen::JsCast;
use web_sys::Element;

/// Applies `actions`; returns how many elements were changed.
/// (Interim: only text edits are applied; the other kinds are ignored.)
pub fn apply_actions(actions: &[Edit]) -> usize {
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
            if action.index.is_some_and(|n| n != i) {
                continue;
            }
            let Some(element) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            match &action.change {
                Resolved::Text(text) => element.set_text_content(Some(text)),
                _ => continue,
            }
            changed += 1;
        }
    }
    changed
}

pub fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
