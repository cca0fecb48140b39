//! Which elements a JavaScript framework renders, and which changes would break it.
//!
//! React and Vue keep references to the DOM nodes they rendered and update them in place: a
//! change that replaces or removes one of those nodes makes the framework's next update fail
//! (`removeChild` or `insertBefore` on a node that is no longer there) or silently write to a
//! detached node. Text, attributes, classes, styles and `hidden` leave every node where it is,
//! so they are safe; replacing an element's children is not. This module only looks at the
//! element: the applier decides what to do with the answer. It never changes the page.
//!
//! Ownership is read from the keys the frameworks put on their nodes: React's
//! `__reactFiber$…` / `__reactProps$…` on every element it renders and `__reactContainer$…` on
//! a root container (`createRoot`, `hydrateRoot`), Vue's `__vue_app__` and `_vnode` on its
//! app container and `__vueParentComponent` / `__vnode` on elements (development builds).

use crate::prelude::*;
use crate::rules::Resolved;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

/// Keys on an element that a framework renders.
const ELEMENT_KEYS: [(&str, &str); 4] = [
    ("__reactFiber$", "React"),
    ("__reactProps$", "React"),
    ("__vueParentComponent", "Vue"),
    ("__vnode", "Vue"),
];

/// Keys on a framework's root container: everything inside it is the framework's.
const ROOT_KEYS: [(&str, &str); 3] = [
    ("__reactContainer$", "React"),
    ("__vue_app__", "Vue"),
    ("_vnode", "Vue"),
];

/// The framework that renders `el` (`"React"`, `"Vue"`), if one does: `el` carries a
/// framework's element keys, or `el` or an element around it is a framework's root container.
pub fn owner(el: &Element) -> Option<&'static str> {
    if let Some(name) = keyed(el, &ELEMENT_KEYS) {
        return Some(name);
    }
    let mut at = Some(el.clone());
    while let Some(e) = at {
        if let Some(name) = keyed(&e, &ROOT_KEYS) {
            return Some(name);
        }
        at = e.parent_element();
    }
    None
}

/// The first framework whose key (a prefix) is an own property of `el`.
fn keyed(el: &Element, keys: &[(&str, &'static str)]) -> Option<&'static str> {
    let names = js_sys::Object::get_own_property_names(el.unchecked_ref::<js_sys::Object>());
    for name in names.iter() {
        let Some(name) = name.as_string() else {
            continue;
        };
        if let Some((_, owner)) = keys.iter().find(|(k, _)| name.starts_with(k)) {
            return Some(owner);
        }
    }
    None
}

/// The element's text nodes when it holds only text (and comments, such as React's hydration
/// separators): a text change can then go into them in place. `None` when it has a child
/// element.
pub fn own_text(el: &Element) -> Option<Vec<Node>> {
    let children = el.child_nodes();
    let mut out = Vec::new();
    for i in 0..children.length() {
        let Some(node) = children.item(i) else {
            continue;
        };
        match node.node_type() {
            Node::ELEMENT_NODE => return None,
            Node::TEXT_NODE => out.push(node),
            _ => {}
        }
    }
    Some(out)
}

/// Why `change` may not be made on `el`: `(framework, what it would break)`, or `None` when it
/// is safe (always, on an element no framework renders).
pub fn unsafe_change(el: &Element, change: &Resolved) -> Option<(&'static str, &'static str)> {
    let why = match change {
        Resolved::Template(_) => "a template swap would replace the nodes it keeps",
        Resolved::Text(_) if own_text(el).is_none() => {
            "text over its child elements would remove the nodes it keeps"
        }
        _ => return None,
    };
    owner(el).map(|name| (name, why))
}
