/*! Tailor loader (MIT). One classic <script> in <head>: pre-hides only what rules may change,
 * starts the WebAssembly engine, replays queued commands, and reveals the original content when
 * anything fails. It decides nothing itself: the engine does. */
(function (window, document) {
  "use strict";

  var PREFIX = "Tailor: ";
  var existing = window.tailor;
  if (existing && !Array.isArray(existing) && existing.version) {
    return; // the script tag is on the page twice; the first one runs Tailor
  }
  var queue = Array.isArray(existing) ? existing : [];
  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var base = script && script.src ? script.src.replace(/[^/]*([?#].*)?$/, "") : "/dist/";
  var timeoutMs = clamp(parseInt(data.timeout, 10), 0, 10000, 800);
  var state = { finished: false, timedOut: false, report: null, error: null };

  function clamp(n, lo, hi, fallback) {
    return n >= lo && n <= hi ? n : fallback;
  }

  // ---- Anti-flicker: hide only the elements rules may change, never the page ----------------

  function inlineRules() {
    var el = document.getElementById("tailor-rules");
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return { error: "the inline #tailor-rules block is not valid JSON (" + e.message + ")" };
    }
  }

  function selectorsOf(rules) {
    var list = rules && (Array.isArray(rules) ? rules : rules.rules);
    var out = [];
    if (!Array.isArray(list)) return out;
    for (var i = 0; i < list.length; i++) {
      var actions = list[i] && list[i].actions;
      if (!Array.isArray(actions)) continue;
      for (var j = 0; j < actions.length; j++) {
        var s = actions[j] && actions[j].selector;
        if (typeof s === "string" && s && out.indexOf(s) < 0) out.push(s);
      }
    }
    return out;
  }

  // A constructed stylesheet is not subject to the page's style-src policy; a <style> element is
  // the fallback for browsers without one. Each selector is its own rule, so an invalid one
  // cannot void the others.
  function hide(selectors) {
    var rules = ["[data-tailor-slot]"].concat(selectors).map(function (s) {
      return s + "{visibility:hidden!important}";
    });
    try {
      var sheet = new CSSStyleSheet();
      rules.forEach(function (r) {
        try {
          sheet.insertRule(r, sheet.cssRules.length);
        } catch (e) {
          /* invalid selector: the engine reports it */
        }
      });
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      return function () {
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter(function (s) {
          return s !== sheet;
        });
      };
    } catch (e) {
      var style = document.createElement("style");
      style.setAttribute("data-tailor", "anti-flicker");
      style.textContent = rules.join("\n");
      (document.head || document.documentElement).appendChild(style);
      return function () {
        if (style.parentNode) style.parentNode.removeChild(style);
      };
    }
  }

  var rulesAtStart = inlineRules();
  var unhide = hide(selectorsOf(rulesAtStart));
  function reveal() {
    if (unhide) unhide();
    unhide = null;
  }

  var timer = setTimeout(function () {
    if (state.finished) return;
    state.timedOut = true;
    console.warn(PREFIX + "not ready after " + timeoutMs + " ms; showing the original content.");
    reveal();
  }, timeoutMs);

  // ---- Start the engine: fetch the wasm and import its glue at once, not one after the other ----

  function explain(error) {
    var message = String((error && error.message) || error);
    if (typeof WebAssembly !== "object") {
      return "this browser cannot run WebAssembly; showing the original content.";
    }
    if (/Content.Security.Policy|unsafe-eval/i.test(message)) {
      return (
        "WebAssembly was refused by this page's Content-Security-Policy. Add 'wasm-unsafe-eval' " +
        "to script-src to enable Tailor; showing the original content. (" + message + ")"
      );
    }
    return message.indexOf(PREFIX) === 0 ? message.slice(PREFIX.length) : message;
  }

  function domReady() {
    return new Promise(function (resolve) {
      if (document.readyState !== "loading") resolve();
      else document.addEventListener("DOMContentLoaded", resolve, { once: true });
    });
  }

  function loadRules() {
    var inline = inlineRules() || rulesAtStart;
    if (inline && inline.error) return Promise.reject(new Error(inline.error));
    if (inline) return Promise.resolve(inline);
    if (!data.rules) return Promise.resolve({ rules: [] });
    return fetch(data.rules, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("could not load rules from " + data.rules + " (HTTP " + r.status + ")");
      return r.json();
    });
  }

  var wasmUrl = base + "tailor_core_bg.wasm";
  var started = Promise.resolve()
    .then(function () {
      if (typeof WebAssembly !== "object") throw new Error("no WebAssembly");
      var wasm = fetch(wasmUrl).then(function (response) {
        if (!response.ok) {
          throw new Error("could not load " + wasmUrl + " (HTTP " + response.status + ")");
        }
        return response;
      });
      var rules = data.rules ? loadRules() : null; // a remote rules file is fetched in parallel
      return Promise.all([import(base + "tailor_core.js"), wasm, rules]);
    })
    .then(function (parts) {
      var core = parts[0];
      return core.default({ module_or_path: parts[1] }).then(function () {
        return domReady();
      }).then(function () {
        return parts[2] || loadRules();
      }).then(function (rules) {
        state.report = core.boot(rules, !state.timedOut);
        state.core = core;
      });
    });

  started.then(finish, function (error) {
    state.error = error;
    console.error(PREFIX + explain(error));
    finish();
  });

  function finish() {
    state.finished = true;
    clearTimeout(timer);
    reveal();
    window.tailor = api;
    for (var i = 0; i < queue.length; i++) run(queue[i]);
    queue.length = 0;
    emit("tailor:ready", { ok: !state.error, report: state.report });
  }

  // ---- The public object: commands queued before load are replayed through it ----------------

  function run(command) {
    try {
      if (typeof command === "function") return command(api);
      if (Array.isArray(command) && typeof api[command[0]] === "function" && command[0] !== "push") {
        return api[command[0]].apply(api, command.slice(1));
      }
      console.warn(PREFIX + "unknown command", command);
    } catch (e) {
      // A page callback that throws must not break Tailor or the other callbacks.
      console.error(PREFIX + "a queued command threw:", e);
    }
  }

  function emit(name, detail) {
    try {
      document.dispatchEvent(new CustomEvent(name, { detail: detail }));
    } catch (e) {
      console.error(PREFIX + "a " + name + " listener threw:", e);
    }
  }

  var api = {
    version: "0.1.0",
    push: function (command) {
      if (!state.finished) queue.push(command);
      else return run(command);
    },
    /** What the engine did on this page view, or null before it finished or when it failed. */
    report: function () {
      return state.report;
    },
    /** Why Tailor is not running on this page, or null when it is. */
    error: function () {
      return state.error ? explain(state.error) : null;
    },
    /** Resolves once Tailor has finished starting (successfully or not). */
    ready: function () {
      return started.then(
        function () { return state.report; },
        function () { return null; }
      );
    },
  };
})(window, document);
