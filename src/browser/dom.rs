//! Applies decided edits to the page, and undoes them.
//!
//! Text always goes in as text (`textContent`), attributes only as the rules engine allowed them,
//! templates only as clones of the site's own `<template>`. Every change keeps what is needed to
//! revert it. Applying is idempotent: an element that already shows an edit is left alone, so the
//! loader can call [`Applier::apply`] on every DOM mutation (late elements, frameworks).
//!
//! Re-renders: a component that re-renders its own content undoes an edit each time, and the
//! edit is re-applied each time, within a rate budget per element of [`REAPPLY_PER_SECOND`]
//! re-applications in any rolling second (`crate::reapply`, tested natively). A script
//! that undoes an edit faster than that is fighting Tailor: Tailor stops changing that element,
//! with one console warning, instead of looping against it.
//!
//! Framework-owned elements (rendered by React or Vue, see [`framework`]): text is changed in
//! the text nodes the framework already has, never by replacing its nodes; changes that would
//! replace or remove nodes the framework reconciles (a `template` swap, text over child
//! elements) are refused with a warning naming the rule, since the framework's next update
//! would fail on the missing nodes (`removeChild`, `insertBefore`).

use super::framework;
use crate::prelude::*;
use crate::reapply::Budget;
pub use crate::reapply::REAPPLY_PER_SECOND;
use crate::rules::{Edit, Resolved};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTemplateElement, Node};

/// What was there before an edit, to put it back.
enum Undo {
    Children(Vec<Node>),
    /// The element's own text nodes and their text before the edit (changed in place).
    TextNodes(Vec<(Node, String)>),
    /// Nothing was changed: the edit was refused on this element.
    Nothing,
    Attribute(String, Option<String>),
    /// Classes that were absent before an add (or present before a remove).
    Classes {
        added: Vec<String>,
        removed: Vec<String>,
    },
    Visibility {
        hidden: Option<String>,
        display: String,
        priority: String,
    },
}

struct Change {
    rule: usize,
    /// The edit's position in its rule's list (one action may make several edits).
    edit: usize,
    element: Element,
    undo: Undo,
    /// The template clone's first node, to see whether it is still in place.
    marker: Option<Node>,
    /// The element's re-application budget; the first change of an element holds the one
    /// every edit on it spends.
    budget: Budget,
    gave_up: bool,
}

/// The edits of this page view and the changes made for them.
#[derive(Default)]
pub struct Applier {
    /// (rule id, its edits) of the decisions being shown.
    edits: Vec<(String, Vec<Edit>)>,
    changes: Vec<Change>,
}

impl Applier {
    /// Replaces the decisions being shown (a new page view): reverts every change first.
    pub fn set(&mut self, edits: Vec<(String, Vec<Edit>)>) {
        self.revert();
        self.edits = edits;
    }

    /// Applies every edit to every matching element that does not show it yet; returns how many
    /// elements changed. Safe to call as often as the DOM changes.
    pub fn apply(&mut self) -> usize {
        let Some(document) = super::window().and_then(|w| w.document()) else {
            return 0;
        };
        let mut changed = 0;
        // Edits come in precedence order; the first edit to claim an element's property keeps
        // it, so two rules changing the same text never fight each other.
        let mut claimed: Vec<(Element, &'static str, String)> = Vec::new();
        for rule in 0..self.edits.len() {
            for e in 0..self.edits[rule].1.len() {
                let edit = self.edits[rule].1[e].clone();
                let Ok(nodes) = document.query_selector_all(&edit.selector) else {
                    warn(&crate::text::concat(&[
                        "Tailor: invalid selector ",
                        &edit.selector,
                    ]));
                    continue;
                };
                for i in 0..nodes.length() {
                    if edit.index.is_some_and(|n| n != i) {
                        continue;
                    }
                    let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                        continue;
                    };
                    if refused_tag(&el) {
                        warn(&crate::text::concat(&[
                            "Tailor: rule \"",
                            &self.edits[rule].0,
                            "\" may not change a <",
                            &el.local_name(),
                            "> element; refused",
                        ]));
                        continue;
                    }
                    if let Some((kind, name)) = property(&edit.change) {
                        if claimed
                            .iter()
                            .any(|(e, k, n)| *e == el && *k == kind && *n == name)
                        {
                            continue;
                        }
                        claimed.push((el.clone(), kind, name));
                    }
                    changed += usize::from(self.apply_one((rule, e), &edit, el, &document));
                }
            }
        }
        changed
    }

    fn apply_one(
        &mut self,
        (rule, e): (usize, usize),
        edit: &Edit,
        el: Element,
        doc: &web_sys::Document,
    ) -> bool {
        let found = self
            .changes
            .iter()
            .position(|c| c.rule == rule && c.edit == e && c.element == el);
        if let Some(i) = found {
            let c = &self.changes[i];
            if c.gave_up || shows(&el, &edit.change, c.marker.as_ref()) {
                return false;
            }
            // Something undid the edit: re-apply within the element's budget, keeping the first
            // undo.
            let owner = self
                .changes
                .iter()
                .position(|c| c.element == el)
                .unwrap_or(i);
            if !self.changes[owner].budget.spend(now()) {
                for c in self.changes.iter_mut().filter(|c| c.element == el) {
                    c.gave_up = true;
                }
                warn(&crate::text::concat(&[
                    "Tailor: a script on this page keeps undoing the change of rule \"",
                    &self.edits[rule].0,
                    "\" to ",
                    &edit.selector,
                    "; leaving it as the page has it",
                ]));
                return false;
            }
            let marker = write(&el, &edit.change, doc).1;
            self.changes[i].marker = marker;
            return true;
        }
        if shows(&el, &edit.change, None) {
            return false;
        }
        let refused = framework::unsafe_change(&el, &edit.change);
        let (undo, marker) = match refused {
            Some((owner, why)) => {
                warn(&crate::text::concat(&[
                    "Tailor: rule \"",
                    &self.edits[rule].0,
                    "\" may not change ",
                    &edit.selector,
                    ": ",
                    owner,
                    " renders it, and ",
                    why,
                    "; refused (change text, attributes or classes, or render the slot's data)",
                ]));
                (Some(Undo::Nothing), None)
            }
            None => write(&el, &edit.change, doc),
        };
        let Some(undo) = undo else {
            return false;
        };
        self.changes.push(Change {
            rule,
            edit: e,
            element: el,
            undo,
            marker,
            budget: Budget::default(),
            // A refused change is remembered, so it is not refused (and warned) again on every
            // mutation.
            gave_up: refused.is_some(),
        });
        refused.is_none()
    }

    /// Puts back everything this page view changed, newest change first.
    pub fn revert(&mut self) {
        while let Some(c) = self.changes.pop() {
            undo(&c.element, c.undo);
        }
    }

    /// The ids of the rules that changed `element` or an element containing it.
    pub fn rules_for(&self, element: &Element) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.changes {
            let id = self.edits[c.rule].0.as_str();
            let changed = !matches!(c.undo, Undo::Nothing);
            if changed
                && (c.element == *element || c.element.contains(Some(element)))
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
        out
    }

    /// Stops showing anything: reverts every change and forgets the edits.
    pub fn clear(&mut self) {
        self.revert();
        self.edits.clear();
    }
}

/// Elements no rule may touch: they run script, load content or style the page (any namespace,
/// and anything inside `<svg>` or `<math>`, whose `<script>`, `<animate>` and `<set>` can run code).
fn refused_tag(el: &Element) -> bool {
    let name = el.local_name().to_ascii_lowercase();
    crate::rules::REFUSED_TAGS.contains(&name.as_str())
        || el.closest("svg, math").ok().flatten().is_some()
}

/// The element property an edit owns (classes are shared: adding one never undoes another).
fn property(change: &Resolved) -> Option<(&'static str, String)> {
    match change {
        Resolved::Text(_) | Resolved::Template(_) => Some(("content", String::new())),
        Resolved::Attribute { name, .. } => Some(("attribute", name.clone())),
        Resolved::Show | Resolved::Hide => Some(("visibility", String::new())),
        Resolved::AddClass(_) | Resolved::RemoveClass(_) => None,
    }
}

/// Whether `el` already shows `change`.
fn shows(el: &Element, change: &Resolved, marker: Option<&Node>) -> bool {
    match change {
        Resolved::Text(text) => el.text_content().as_deref() == Some(text.as_str()),
        Resolved::Attribute { name, value } => el.get_attribute(name).as_deref() == Some(value),
        Resolved::AddClass(list) => list.iter().all(|c| el.class_list().contains(c)),
        Resolved::RemoveClass(list) => !list.iter().any(|c| el.class_list().contains(c)),
        Resolved::Hide => el.has_attribute("hidden") && display(el).0 == "none",
        Resolved::Show => !el.has_attribute("hidden") && display(el).0 != "none",
        Resolved::Template(_) => {
            marker.is_some_and(|m| m.parent_node().as_ref() == Some(el.as_ref()))
        }
    }
}

/// Makes the change; returns what undoes it (None when nothing could be done) and, for a
/// template, the clone's first node.
fn write(el: &Element, change: &Resolved, doc: &web_sys::Document) -> (Option<Undo>, Option<Node>) {
    match change {
        Resolved::Text(text) => {
            // Only text in the element (what a component renders as `{greeting}`): change the
            // text nodes in place, so a framework holding them keeps valid nodes.
            if let Some(nodes) = framework::own_text(el).filter(|n| !n.is_empty()) {
                let mut old = Vec::with_capacity(nodes.len());
                for (i, node) in nodes.into_iter().enumerate() {
                    let was = node.node_value().unwrap_or_default();
                    node.set_node_value(Some(if i == 0 { text } else { "" }));
                    old.push((node, was));
                }
                return (Some(Undo::TextNodes(old)), None);
            }
            let old = take_children(el);
            // Through Reflect so a DOM exception (a Trusted Types sink, say) is a warning here
            // instead of a throw out of the engine while it is borrowed.
            if js_sys::Reflect::set(el, &"textContent".into(), &text.into()).is_err() {
                warn("Tailor: the page refused a text change");
                for n in &old {
                    let _ = el.append_child(n);
                }
                return (None, None);
            }
            (Some(Undo::Children(old)), None)
        }
        Resolved::Attribute { name, value } => {
            let old = el.get_attribute(name);
            if el.set_attribute(name, value).is_err() {
                return (None, None);
            }
            (Some(Undo::Attribute(name.clone(), old)), None)
        }
        Resolved::AddClass(list) | Resolved::RemoveClass(list) => {
            let adding = matches!(change, Resolved::AddClass(_));
            let classes = el.class_list();
            let mut touched = Vec::new();
            for c in list {
                if classes.contains(c) != adding {
                    let done = if adding {
                        classes.add_1(c)
                    } else {
                        classes.remove_1(c)
                    };
                    if done.is_ok() {
                        touched.push(c.clone());
                    }
                }
            }
            let undo = if adding {
                Undo::Classes {
                    added: touched,
                    removed: Vec::new(),
                }
            } else {
                Undo::Classes {
                    added: Vec::new(),
                    removed: touched,
                }
            };
            (Some(undo), None)
        }
        Resolved::Hide | Resolved::Show => {
            let hidden = el.get_attribute("hidden");
            let (display, priority) = display(el);
            let style = el.dyn_ref::<HtmlElement>().map(HtmlElement::style);
            if matches!(change, Resolved::Hide) {
                let _ = el.set_attribute("hidden", "");
                if let Some(s) = &style {
                    let _ = s.set_property_with_priority("display", "none", "important");
                }
            } else {
                let _ = el.remove_attribute("hidden");
                if let Some(s) = &style {
                    if display == "none" {
                        let _ = s.remove_property("display");
                    }
                }
            }
            (
                Some(Undo::Visibility {
                    hidden,
                    display,
                    priority,
                }),
                None,
            )
        }
        Resolved::Template(id) => {
            let Some(template) = doc
                .get_element_by_id(id)
                .and_then(|t| t.dyn_into::<HtmlTemplateElement>().ok())
            else {
                warn(&crate::text::concat(&[
                    "Tailor: no <template id=\"",
                    id,
                    "\"> on this page",
                ]));
                return (None, None);
            };
            let Ok(clone) = template.content().clone_node_with_deep(true) else {
                return (None, None);
            };
            let old = take_children(el);
            let marker = clone.first_child();
            let _ = el.append_child(&clone);
            (Some(Undo::Children(old)), marker)
        }
    }
}

fn undo(el: &Element, undo: Undo) {
    match undo {
        Undo::Nothing => {}
        Undo::TextNodes(nodes) => {
            // Nodes the page has replaced since are left alone: what is there now is its own.
            for (node, was) in nodes {
                if node.parent_node().as_ref() == Some(el.as_ref()) {
                    node.set_node_value(Some(&was));
                }
            }
        }
        Undo::Children(nodes) => {
            take_children(el);
            for n in nodes {
                let _ = el.append_child(&n);
            }
        }
        Undo::Attribute(name, old) => {
            let _ = match old {
                Some(v) => el.set_attribute(&name, &v),
                None => el.remove_attribute(&name),
            };
        }
        Undo::Classes { added, removed } => {
            let classes = el.class_list();
            for c in &added {
                let _ = classes.remove_1(c);
            }
            for c in &removed {
                let _ = classes.add_1(c);
            }
        }
        Undo::Visibility {
            hidden,
            display,
            priority,
        } => {
            let _ = match hidden {
                Some(v) => el.set_attribute("hidden", &v),
                None => el.remove_attribute("hidden"),
            };
            if let Some(style) = el.dyn_ref::<HtmlElement>().map(HtmlElement::style) {
                let _ = if display.is_empty() {
                    style.remove_property("display").map(|_| ())
                } else {
                    style.set_property_with_priority("display", &display, &priority)
                };
            }
        }
    }
}

/// Moves the element's children out (they come back on revert).
fn take_children(el: &Element) -> Vec<Node> {
    let mut nodes = Vec::new();
    while let Some(child) = el.first_child() {
        let _ = el.remove_child(&child);
        nodes.push(child);
    }
    nodes
}

/// The inline `display` value and its priority.
fn display(el: &Element) -> (String, String) {
    match el.dyn_ref::<HtmlElement>().map(HtmlElement::style) {
        Some(s) => (
            s.get_property_value("display").unwrap_or_default(),
            s.get_property_priority("display"),
        ),
        None => (String::new(), String::new()),
    }
}

/// The shell's clock for the rate budget (`performance.now()`, ms).
fn now() -> f64 {
    super::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

pub fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
