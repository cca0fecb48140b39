/*! Tailor for React (MIT): decisions as data. `useTailorSlot(name)` renders the payload that
 * Tailor decided for a slot and counts its exposure once the component has shown it. It reads
 * `window.tailor`, so it works with either install (the npm `start()` or the script tag) and
 * never loads the engine itself. */
import { useEffect, useSyncExternalStore } from "react";

// `window.tailor` when it has the slot API: the page API once Tailor runs, or, before that, the
// command queue (an array), which answers slot/onSlot/slotShown too. Absent with the npm install
// before `start()`, and with a Tailor older than slots.
function tailor() {
  const t = typeof window === "undefined" ? undefined : window.tailor;
  return t && typeof t.slot === "function" ? t : null;
}

// One store per slot name, shared by every component that renders it: useSyncExternalStore needs
// a snapshot that stays the same object while nothing changed, and a decision is compared by
// rule id and payload, as the page API compares it.
const stores = new Map();

function storeOf(name) {
  let store = stores.get(name);
  if (!store) {
    store = createStore(name);
    stores.set(name, store);
  }
  return store;
}

function createStore(name) {
  const listeners = new Set();
  // null until Tailor runs; then { rule, data, view }, rule and data null when the slot has no
  // payload for this visitor (no winner, or the holdout's control group).
  let snapshot = null;
  let key = "";
  let view = 0; // bumped by every decision (start, route change, consent, form answer)
  let detach = null;

  function read() {
    const t = tailor();
    let value = null;
    try {
      value = t ? t.slot(name) : null;
    } catch (e) {
      console.error("Tailor: slot(" + JSON.stringify(name) + ") threw:", e);
    }
    // The queue's null means "not decided yet"; the running API's, "the default".
    const running = !!value || (!!t && !Array.isArray(t));
    const next = !running ? "" : value ? view + "\n" + value.rule + "\n" + JSON.stringify(value.data) : view + "\n";
    if (next !== key) {
      key = next;
      snapshot = !running ? null : { rule: value ? value.rule : null, data: value ? value.data : null, view };
    }
    return snapshot;
  }

  function changed() {
    read();
    listeners.forEach((fn) => fn());
  }

  // A new decision may be a new page view (a route change) that shows the same payload again:
  // `view` makes it a new snapshot, so the component's effect counts that view's exposure.
  function decided() {
    view++;
    changed();
  }

  function attach() {
    if (detach) return;
    let unsubscribe = null;
    let gone = false;
    // Subscribed as early as the page allows (the queue takes subscriptions), so a decision is
    // rendered in the same task that makes it.
    const connect = () => {
      const t = tailor();
      if (gone || unsubscribe || !t || typeof t.onSlot !== "function") return;
      unsubscribe = t.onSlot(name, changed);
      changed(); // decided before we subscribed
    };
    document.addEventListener("tailor:ready", connect);
    document.addEventListener("tailor:decided", decided);
    connect();
    const queue = window.tailor;
    if (!unsubscribe && queue && typeof queue.ready === "function") queue.ready().then(connect, () => {});
    detach = () => {
      gone = true;
      document.removeEventListener("tailor:ready", connect);
      document.removeEventListener("tailor:decided", decided);
      if (unsubscribe) unsubscribe();
      detach = null;
    };
  }

  return {
    subscribe(fn) {
      listeners.add(fn);
      attach();
      return () => {
        listeners.delete(fn);
        if (!listeners.size && detach) detach();
      };
    },
    getSnapshot: read,
  };
}

// On the server and while hydrating, nothing is decided: the server's HTML and the first client
// render agree, and the decision re-renders the component right after hydration.
const serverSnapshot = () => null;

/**
 * The payload Tailor decided for `name` (`{ ...data }` of the winning rule), or null: no
 * decision yet, no winner, the visitor is in the holdout, or Tailor is not running. The component
 * re-renders when the decision changes (consent given, form answered, route changed).
 * Once it has rendered, the exposure is recorded (`tailor.slotShown`), once per page view, as
 * for DOM rules: a visitor in the rule's holdout gets null, renders the default, and is counted
 * as control, which is what the lift is measured against.
 */
export function useTailorSlot(name) {
  const store = storeOf(name);
  const value = useSyncExternalStore(store.subscribe, store.getSnapshot, serverSnapshot);
  const running = value !== null;
  const rule = running ? value.rule : null;
  const view = running ? value.view : -1;
  useEffect(() => {
    // Also without a payload: slotShown records the control exposure of a holdout visitor, and
    // nothing when no rule won the slot.
    if (!running) return undefined;
    // After the frame that shows it, and only if the component is still there then: a route
    // change decides the new view before React has removed the old route's components.
    const frame = requestAnimationFrame(() => {
      const t = tailor();
      if (!t || (typeof t.error === "function" && t.error())) return; // not running: nothing to count
      try {
        t.slotShown(name);
      } catch (e) {
        console.error("Tailor: slotShown(" + JSON.stringify(name) + ") threw:", e);
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [name, running, rule, view]);
  return running ? value.data : null;
}
