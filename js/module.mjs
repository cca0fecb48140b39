/*! Tailor (MIT): the ES module entry for apps built with a bundler (Vite, webpack, Rollup). */
// The build (scripts/build.mjs) puts wasm-bindgen's glue and the loader's `boot` (js/tailor.js)
// where the marker below is: the same engine and the same `window.tailor` API as the script tag.
/* @tailor-boot@ */

/**
 * Starts Tailor on this page and resolves with `window.tailor` once it has decided (or failed,
 * with the page's original content shown: `tailor.error()` says why). Calling it again returns
 * the running Tailor.
 *
 * options: { rules?: object | string (the rules, as the #tailor-rules block would hold them),
 *   rulesUrl?: string (a rules file, as data-rules), config?: object (as #tailor-config),
 *   timeout?: number (ms, as data-timeout), late?: "apply", consent?: string, geo?: string,
 *   debug?: boolean, wasmUrl?: string | URL (where tailor_core.wasm is served, when the bundler
 *   does not emit it beside this module), leanUrl?: string | URL (the same for tailor_lean.wasm, the
 *   engine for compiled rules), toolsUrl?: string | URL (the same for
 *   tailor_tools.wasm, the engine a preview link or ?tailor-debug loads) }
 */
export function start(options) {
  var o = options || {};
  var rules = o.rules;
  if (rules != null && typeof rules !== "string") rules = JSON.stringify(rules);
  var data = {};
  if (o.rulesUrl != null) data.rules = String(o.rulesUrl);
  if (o.timeout != null) data.timeout = String(o.timeout);
  if (o.late != null) data.late = String(o.late);
  if (o.consent != null) data.consent = String(o.consent);
  if (o.geo != null) data.geo = String(o.geo);
  if (o.debug === true) data.debug = "true";
  boot(window, document, {
    data: data,
    rules: rules == null ? null : rules,
    config: o.config || null,
    // This exact form lets bundlers find the wasm and emit it with the app.
    wasmUrl: o.wasmUrl || new URL("./tailor_core.wasm", import.meta.url),
    // The engine for compiled rules (`tailor compile`), fetched instead when the rules are.
    leanUrl: o.leanUrl || new URL("./tailor_lean.wasm", import.meta.url),
    // The rest of each (events, consent changes, sync, ...), fetched after the decision.
    restUrl: o.restUrl || new URL("./tailor_core_rest.wasm", import.meta.url),
    leanRestUrl: o.leanRestUrl || new URL("./tailor_lean_rest.wasm", import.meta.url),
    // The engine with the site owner's tools, fetched only for a preview link or ?tailor-debug.
    toolsUrl: o.toolsUrl || new URL("./tailor_tools.wasm", import.meta.url),
  });
  var tailor = window.tailor;
  return Promise.resolve(tailor.ready()).then(function () {
    return window.tailor;
  });
}
