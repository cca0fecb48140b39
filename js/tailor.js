/*! Tailor loader (MIT). One classic <script> in <head>: pre-hides only what rules may change,
 * starts the WebAssembly engine, replays queued commands, and reveals the original content when
 * anything fails. It decides nothing itself: the engine does. */
//
// The build wraps this file twice (scripts/build.mjs), each time beside wasm-bindgen's glue:
// dist/tailor.js runs it from the script tag (`entry.script`, whose data-* attributes configure
// it); dist/tailor.mjs exports `start(options)`, which runs it with `entry.data`, `entry.rules`,
// `entry.config`, `entry.wasmUrl`, `entry.leanUrl`, `entry.restUrl`, `entry.leanRestUrl` and
// `entry.toolsUrl` given by the app.
function boot(window, document, entry) {
  "use strict";

  var PREFIX = "Tailor: ";
  function mark(name) {
    try {
      performance.mark("tailor:" + name);
    } catch (e) {
      /* no User Timing: nothing to mark */
    }
  }
  mark("loader");
  var existing = window.tailor;
  if (existing && !Array.isArray(existing) && existing.version) {
    return; // the script tag is on the page twice; the first one runs Tailor
  }
  var queue = Array.isArray(existing) ? existing : [];
  var script = entry.script || null;
  var data = entry.data || (script && script.dataset) || {};
  var base = script && script.src ? script.src.replace(/[^/]*([?#].*)?$/, "") : "/dist/";
  var timeoutMs = clamp(parseInt(data.timeout, 10), 0, 10000, 800);
  var loaderStart = Date.now(); // data-timeout counts from here
  var state = { finished: false, timedOut: false, report: null, error: null };

  function clamp(n, lo, hi, fallback) {
    return n >= lo && n <= hi ? n : fallback;
  }

  // ---- Anti-flicker: hide only the elements rules may change, never the page ----------------

  // Rules travel as JSON text: the engine parses them itself, which costs one crossing into the
  // wasm instead of one per value. The loader parses them only to pre-hide their selectors.
  function inlineRules() {
    if (typeof entry.rules === "string") return entry.rules; // given to start() by the app
    var el = document.getElementById("tailor-rules");
    return el ? el.textContent : null;
  }

  function parseRules(text, where) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(where + " is not valid JSON (" + e.message + ")");
    }
  }

  // Compiled rules (`tailor compile`), parsed: they list their selectors for the anti-flicker
  // sheet; the rest is for the engine.
  function isCompiled(rules) {
    return !!rules && typeof rules.format === "string" && rules.format.indexOf("tailor-compiled/") === 0;
  }

  // Whether the rules `text` are compiled; null for text that is not JSON (either engine refuses
  // it alike).
  function compiledText(text) {
    try {
      return isCompiled(text === rulesAtStart && validAtStart ? parsedAtStart : JSON.parse(text));
    } catch (e) {
      return null;
    }
  }

  function selectorsOf(rules) {
    var out = [];
    var add = function (s) {
      if (typeof s === "string" && safeSelector(s) && out.indexOf(s) < 0) out.push(s);
    };
    if (isCompiled(rules)) {
      if (Array.isArray(rules.selectors)) rules.selectors.forEach(add);
      return out;
    }
    var list = rules && (Array.isArray(rules) ? rules : rules.rules);
    if (!Array.isArray(list)) return out;
    for (var i = 0; i < list.length; i++) {
      var actions = list[i] && list[i].actions;
      if (!Array.isArray(actions)) continue;
      for (var j = 0; j < actions.length; j++) add(actions[j] && actions[j].selector);
    }
    return out;
  }

  // Only a selector that parses as one goes into the anti-flicker stylesheet: pasted there,
  // `x{background:url(/leak)}/*` would be CSS of the rules file's choosing.
  function safeSelector(s) {
    if (!s || /[{};@]|\/\*/.test(s)) return false;
    try {
      document.querySelector(s);
      return true;
    } catch (e) {
      return false;
    }
  }

  // A constructed stylesheet is not subject to the page's style-src policy; a <style> element is
  // the fallback for browsers without one. Each selector is its own rule, so an invalid one
  // cannot void the others.
  function hide(selectors) {
    return hideRules(["[data-tailor-slot]"].concat(selectors));
  }
  function hideRule(selector) {
    return hideRules([selector]);
  }
  function hideRules(selectors) {
    var rules = selectors.map(function (s) {
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

  // Rules from a rules file are cached on the device (when the visitor allows storage), so a
  // returning visitor needs no network before deciding; the file is refreshed in the background.
  var CACHE_KEY = "tailor.rules";
  function cachedRules() {
    if (!data.rules) return null;
    try {
      var cached = JSON.parse(localStorage.getItem(CACHE_KEY));
      return cached && cached.src === data.rules && typeof cached.text === "string" ? cached.text : null;
    } catch (e) {
      return null; // storage blocked or garbage: fetch instead
    }
  }

  var inlineAtStart = inlineRules();
  var rulesAtStart = inlineAtStart || cachedRules();
  var selectors = [];
  var validAtStart = false; // rulesAtStart parsed: loadRules need not check it again
  var parsedAtStart = null;
  try {
    if (rulesAtStart) selectors = selectorsOf(parsedAtStart = JSON.parse(rulesAtStart));
    validAtStart = true;
  } catch (e) {
    /* not JSON: the engine is never started with these rules, and loadRules says why */
  }
  var unhide = hide(selectors);
  function reveal() {
    if (unhide) unhide();
    unhide = null;
  }

  // Images. Chromium keeps painting an image's old, decoded picture until the new `src` or
  // `srcset` has loaded, so revealing a changed image at once would show the original picture.
  // The images among the hidden targets are noted before the decision; those whose source the
  // decision changed stay hidden (by the `data-tailor-loading` rule of the anti-flicker sheet's
  // own sheet) until the new picture is decoded, failed, or the timeout is reached.
  var LOADING = "data-tailor-loading";
  function sourceOf(img) {
    var picture = img.parentNode && img.parentNode.nodeName === "PICTURE" ? img.parentNode : null;
    var key = img.getAttribute("src") + "\n" + img.getAttribute("srcset");
    if (picture) {
      var sources = picture.getElementsByTagName("source");
      for (var i = 0; i < sources.length; i++) key += "\n" + sources[i].getAttribute("srcset");
    }
    return key;
  }
  function imagesOf(selectors) {
    var found = [];
    ["[data-tailor-slot]"].concat(selectors).forEach(function (selector) {
      var matched;
      try {
        matched = document.querySelectorAll(selector);
      } catch (e) {
        return; // invalid selector: the engine reports it
      }
      for (var i = 0; i < matched.length; i++) {
        var el = matched[i];
        var imgs = el.nodeName === "IMG" ? [el] : el.getElementsByTagName("img");
        for (var j = 0; j < imgs.length; j++) {
          if (found.indexOf(imgs[j]) < 0) found.push(imgs[j]);
        }
      }
    });
    return found.map(function (img) { return { img: img, was: sourceOf(img) }; });
  }
  function addedImages(records) {
    var found = [];
    for (var i = 0; i < records.length; i++) {
      var nodes = records[i].addedNodes;
      for (var j = 0; j < nodes.length; j++) {
        var node = nodes[j];
        if (node.nodeType !== 1) continue;
        var imgs = node.nodeName === "IMG" ? [node] : node.getElementsByTagName("img");
        for (var k = 0; k < imgs.length; k++) found.push({ img: imgs[k], was: sourceOf(imgs[k]) });
      }
    }
    return found;
  }
  var imageSheet = null;
  function holdImages(images) {
    var held = images.filter(function (n) {
      return sourceOf(n.img) !== n.was && !(n.img.complete && n.img.naturalWidth > 0);
    });
    if (!held.length) return;
    if (!imageSheet) imageSheet = hideRule("[" + LOADING + "]");
    var left = Math.max(0, timeoutMs - (Date.now() - loaderStart)); // the timeout's own clock
    held.forEach(function (n) {
      var img = n.img;
      var done = false;
      var release = function () {
        if (done) return;
        done = true;
        img.removeAttribute(LOADING);
        img.removeEventListener("load", release);
        img.removeEventListener("error", release);
      };
      img.setAttribute(LOADING, "");
      img.addEventListener("load", release);
      img.addEventListener("error", release);
      if (typeof img.decode === "function") img.decode().then(release, release);
      setTimeout(function () {
        if (!done) console.warn(PREFIX + "an image's new picture was not ready within " + timeoutMs + " ms; showing it as it loads.");
        release();
      }, left);
    });
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

  function fetchRules() {
    return fetch(data.rules, { credentials: "same-origin", cache: "no-cache" }).then(function (r) {
      if (!r.ok) throw new Error("could not load rules from " + data.rules + " (HTTP " + r.status + ")");
      return r.text();
    }).then(function (text) {
      parseRules(text, "the rules file " + data.rules);
      return text;
    });
  }

  // The rules as JSON text: the page's #tailor-rules block (read again now: it may come after
  // the script tag), the device's cached copy of the rules file, or the rules file.
  function loadRules() {
    var inline = inlineRules();
    if (inline !== null) {
      if (!(validAtStart && inline === rulesAtStart)) parseRules(inline, "the inline #tailor-rules block");
      return Promise.resolve(inline);
    }
    if (rulesAtStart) return Promise.resolve(rulesAtStart);
    if (!data.rules) return Promise.resolve('{"rules":[]}');
    return fetchRules();
  }

  function cacheRules(text) {
    try {
      if (engine && engine.consentState().personalization) {
        localStorage.setItem(CACHE_KEY, JSON.stringify({ src: data.rules, text: text }));
      }
    } catch (e) {
      /* storage full or blocked: no cache, fetch next time */
    }
  }

  // The site's configuration: the app's `config` given to start(), or else a `#tailor-config`
  // JSON block; the script tag's data-consent / data-geo take precedence.
  function siteConfig() {
    if (config) return config;
    config = {};
    var el = entry.config ? null : document.getElementById("tailor-config");
    if (entry.config && typeof entry.config === "object") config = Object.assign({}, entry.config);
    if (el) {
      try {
        config = JSON.parse(el.textContent);
      } catch (e) {
        console.warn(PREFIX + "the #tailor-config block is not valid JSON; using the defaults");
      }
      if (!config || typeof config !== "object" || Array.isArray(config)) {
        // null, a number, a string or a list: data-consent / data-geo could not be added to it.
        if (config !== null) console.warn(PREFIX + "the #tailor-config block is not a JSON object; using the defaults");
        config = {};
      }
    }
    if (data.consent) config.consent = data.consent;
    if (data.geo) config.geo = data.geo;
    return config;
  }

  // ---- The engine: wasm-bindgen's glue is part of this file (the build puts `initSync` and
  // `Tailor` beside `boot`); its WebAssembly is requested as soon as this script runs. The build
  // pins it to this loader: a version in its URL (no mixed versions from caches) and its hash (no
  // tampered engine: the browser checks the integrity).
  // With the README's preload of tailor_core.wasm.js (CARRIER), the engine comes as a script: on
  // the next page of a visit a script comes from the renderer's memory cache, where a fetch() of
  // tailor_core.wasm waits 10-20 ms for the HTTP cache (docs/size.md). Where that script cannot
  // run (a policy refuses it, another build's file is cached), the wasm itself is fetched, as it
  // is without the preload.
  // Two builds of it serve visitors, each reading one form of rules: tailor_core JSON rules,
  // tailor_lean (7 KB gzip smaller: no rule or condition parser) compiled rules (`tailor compile`).
  // Each is in two parts (scripts/wasm_split.mjs): the rest (events, consent changes, sync,
  // explain, export and forget) is fetched after the decision (`restOfEngine`).
  var CORE = {
    name: "tailor_core", wasm: "@tailor-wasm-file@", integrity: "@tailor-wasm-integrity@",
    carrier: "@tailor-carrier-file@", carrierIntegrity: "@tailor-carrier-integrity@", version: "@tailor-engine-version@",
    rest: "@tailor-rest-file@", restIntegrity: "@tailor-rest-integrity@", restUrl: entry.restUrl,
  };
  var LEAN = {
    name: "tailor_lean", wasm: "@tailor-lean-file@", integrity: "@tailor-lean-integrity@",
    carrier: "@tailor-lean-carrier-file@", carrierIntegrity: "@tailor-lean-carrier-integrity@", version: "@tailor-lean-version@",
    rest: "@tailor-lean-rest-file@", restIntegrity: "@tailor-lean-rest-integrity@", restUrl: entry.leanRestUrl,
  };
  var UNPACKER = "@tailor-unpacker@";
  // The site owner's tools (preview links, the debug overlay's report) are in a second build of
  // the engine, tailor_tools.wasm, which visitors never download: a page view takes it instead
  // only when it opens a preview link, stays in preview (this tab's sessionStorage) or asks for
  // the overlay. It is fetched, pinned the same way; the preloaded engine script goes unused.
  var TOOLS = "@tailor-tools-file@";
  var TOOLS_INTEGRITY = "@tailor-tools-integrity@";
  var PREVIEW_KEY = "tailor.preview";
  var PREVIEW_LINK = /(?:^#|&)tailor-preview=([^&]*)/;
  var DEBUG_PARAM = /[?&]tailor-debug(=|&|$)/;
  var storedPreview = null; // this tab's preview payload, read once
  try {
    storedPreview = sessionStorage.getItem(PREVIEW_KEY);
  } catch (e) {
    /* no sessionStorage: no preview */
  }
  var config = null; // siteConfig's: the site's configuration, read once
  var compiled = null;
  var tools = false; // whether this page view runs the tools engine
  var lean = false; // whether it runs the lean engine
  if (typeof WebAssembly === "object") {
    tools = toolsWanted();
    lean = !tools && leanWanted();
    compiled = tools ? compileEngine(String(entry.toolsUrl || base + TOOLS), TOOLS_INTEGRITY) : visitorsEngine(lean ? LEAN : CORE);
    compiled.catch(function () {}); // reported by the start-up chain, not as unhandled
  }

  function visitorsEngine(build) {
    // A page that preloads the engine (`<link rel="preload" as="script" crossorigin
    // href=".../tailor_core.wasm.js">` or tailor_lean.wasm.js, the README's install, or the older
    // `as="fetch"` of the .wasm) has it downloading before this script even runs; that copy is
    // used when its hash is this build's, else the pinned URL is requested.
    var pinned = String((build === CORE ? entry.wasmUrl : entry.leanUrl) || base + build.wasm);
    var early = entry.wasmUrl ? null : preloadedEngine(build.name, pinned);
    var carrier = build.carrier && early && early.script ? early.href : null;
    var fetched = function () {
      return early && !early.script ? compileEngine(early.href, build.integrity).catch(function (e) {
        if (e instanceof WebAssembly.CompileError) throw e; // refused by the page's policy: no retry
        return compileEngine(pinned, build.integrity);
      }) : compileEngine(pinned, build.integrity);
    };
    // Whatever fails with the script (refused, missing, another build, bytes a proxy changed),
    // the fetched wasm is tried; a policy that refuses WebAssembly refuses that one too.
    return carrier ? scriptEngine(carrier, build).then(null, fetched) : fetched();
  }

  // The lean engine, when the rules this page view starts with are compiled: the inline block
  // or the cached rules file, or else a rules file named *.compiled.json (what `tailor compile`
  // writes). Each visitors' engine reads one form of rules; rules that turn out to be of the
  // other form load the other engine (`load`).
  function leanWanted() {
    if (rulesAtStart) return isCompiled(parsedAtStart);
    return !inlineAtStart && /\.compiled\.json([?#]|$)/.test(data.rules || "");
  }

  function toolsWanted() {
    if (PREVIEW_LINK.test(location.hash) || storedPreview !== null) return true;
    return DEBUG_PARAM.test(location.search) && debugEnabledEarly();
  }

  // Whether the site enables the overlay, as this script sees it when it runs: its own
  // data-debug, the app's config, or a #tailor-config block before it in the page (the README's
  // install places it there). Without a block yet, the config is not read: siteConfig keeps what
  // it reads, and the block may still come.
  function debugEnabledEarly() {
    return entry.config || document.getElementById("tailor-config") ? debugEnabled() : data.debug === "true";
  }

  function preloadedEngine(name, pinned) {
    var links = document.querySelectorAll('link[rel="preload"]');
    var file = new RegExp("/" + name + "\\.wasm(\\.js)?([?#]|$)");
    for (var i = 0; i < links.length; i++) {
      var as = links[i].getAttribute("as");
      var href = links[i].href;
      var found = file.exec(href);
      if (!found) continue;
      if (as === "script" && found[1]) return { href: href, script: true };
      if (as === "fetch" && !found[1] && href !== pinned) return { href: href, script: false };
    }
    return null;
  }

  // The engine from tailor_core.wasm.js: a script that leaves the wasm in `__tailorEngine` as
  // [build version, size, escape, flip, text], the text UTF-16 with two wasm bytes per character (engineCarrier in
  // scripts/build.mjs says why and how).
  function scriptEngine(url, build) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.onload = function () {
        mark("script"); // the engine script has run (downloaded, parsed, evaluated)
        var packed = window.__tailorEngine;
        try {
          delete window.__tailorEngine;
          // A copy from an older deploy (the preload's URL has no version) is not this build's.
          if (packed[0] !== build.version) throw new Error("another build's engine");
          var bytes = unpackEngine(packed[1], packed[2], packed[3], packed[4]);
          mark("unpacked");
          resolve(new WebAssembly.Module(bytes));
        } catch (e) {
          reject(e);
        }
      };
      el.onerror = reject;
      el.crossOrigin = "anonymous";
      // A loader checked by Subresource Integrity has its engine checked too (the preload then
      // needs the same integrity to be reused: docs/csp.md).
      if (script && script.integrity) el.integrity = build.carrierIntegrity;
      if (script && script.nonce) el.nonce = script.nonce;
      el.src = scriptUrl(url); // throws where Trusted Types refuse it: the wasm is fetched instead
      document.head.appendChild(el);
    });
  }

  // A loop over the text's characters here ran in a cold interpreter (2-6 ms, 12 ms at 4x CPU
  // throttling); the browser's TextEncoder and a 200-byte wasm (js/unpack.wat) take well under 1.
  // Where the page enforces Trusted Types, a script URL needs a policy: Tailor's, named "tailor",
  // makes exactly one, the engine's (a page that lists its policies allows it with
  // `trusted-types tailor`; docs/csp.md).
  function scriptUrl(url) {
    var types = window.trustedTypes;
    if (!types || typeof types.createPolicy !== "function") return url;
    return types.createPolicy("tailor", { createScriptURL: function () { return url; } }).createScriptURL("");
  }

  function unpackEngine(size, escape, flip, text) {
    var tool = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(atob(UNPACKER), function (c) {
      return c.charCodeAt(0);
    }))).exports;
    var utf8 = text.length * 3; // at most 3 UTF-8 bytes a character (no surrogates)
    tool.m.grow(Math.ceil((utf8 + size + 2) / 65536));
    var written = new TextEncoder().encodeInto(text, new Uint8Array(tool.m.buffer, 0, utf8)).written;
    var at = (written + 1) & ~1;
    if (tool.u(written, at, escape, flip) - at < size) throw new Error("the engine script is truncated");
    return new Uint8Array(tool.m.buffer, at, size);
  }

  function compileEngine(url, integrity, priority) {
    var refused = function (why) {
      return new Error("could not load " + url + " (missing, blocked by the page's Content-Security-Policy, " +
        "or not the file this loader was built with" + why + ")");
    };
    return fetch(url, { credentials: "same-origin", integrity: integrity, priority: priority || "auto" }).then(function (response) {
      if (!response.ok) throw refused("; HTTP " + response.status);
      return response.arrayBuffer();
    }, function () {
      throw refused("");
    }).then(function (bytes) {
      // Compiled on this thread: lazily, so only validated now, which is quicker than the task
      // hops of an asynchronous compile. Browsers that refuse it (RangeError) compile in the
      // background instead.
      try {
        return new WebAssembly.Module(bytes);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return WebAssembly.compile(bytes);
      }
    });
  }

  // ---- Start-up, in named steps: load (engine, rules) -> construct -> decide -> after the paint

  var engine = null;
  var running = null; // the visitors' engine this page view runs (null: the tools engine, in one part)
  var rest = null; // the rest of that engine, requested once the page has its decision
  var restReady = false; // it has arrived: the page's signals and sync go to the engine
  var restFailed = null; // why it could not load
  var waiting = []; // engine calls from page signals, waiting for the rest
  var started = Promise.resolve().then(load).then(construct).then(decide).then(afterPaint);

  // The compiled engine and, with a rules file, the rules, both in flight at once.
  function load() {
    if (!compiled) throw new Error("no WebAssembly");
    var rules = data.rules ? loadRules() : null; // a remote rules file is fetched in parallel
    // Open the device's storage while the engine downloads: the first access in a page loads it
    // (1.3 ms in a start-up profile), and the engine reads the profile from it first.
    try {
      void window.localStorage;
    } catch (e) {
      /* blocked: the engine says so */
    }
    return Promise.all([compiled, rules]).then(function (parts) {
      // Rules of the form the chosen engine does not read (a rules file not yet cached, an inline
      // block after this script) get the other engine, a round trip later.
      var text = parts[1] !== null ? parts[1] : inlineRules();
      var compiledForm = tools || text === null ? lean : compiledText(text);
      if (compiledForm === null || compiledForm === lean) return parts;
      lean = compiledForm;
      console.warn(PREFIX + (lean ? "compiled rules, found late: name a rules file *.compiled.json, put #tailor-rules " +
        "before this script" : "these rules are JSON, not compiled") + "; loading " + (lean ? LEAN : CORE).name);
      return Promise.all([visitorsEngine(lean ? LEAN : CORE), parts[1]]);
    });
  }

  // The engine on this page: the visitor's profile and consent read from storage.
  function construct(parts) {
    mark("fetched");
    running = tools ? null : lean ? LEAN : CORE;
    initSync({ module: parts[0] });
    mark("instantiated");
    engine = new Tailor(siteConfig(), navigator.globalPrivacyControl === true);
    preview(engine);
    mark("constructed");
    return parts[1] || loadRules();
  }

  // Decide and apply now, before the document is even parsed: elements that appear later are
  // changed by the MutationObserver before the browser paints them.
  function decide(rules) {
    mark("rules");
    var images = imagesOf(selectors);
    // A decision after the timeout: by default the page view keeps the original content the
    // visitor has already seen (no late jump); `"late": "apply"` changes it late instead.
    var late = state.timedOut && (data.late || siteConfig().late) !== "apply";
    state.report = engine.start(rules, !late);
    mark("decided");
    if (late) {
      console.warn(PREFIX + "decided after the " + timeoutMs + " ms timeout; this page view keeps its " +
        "original content (set \"late\": \"apply\" in #tailor-config to change it late instead).");
    }
    holdImages(images); // a changed image stays hidden until its new picture can paint
    // Pages that render slot data themselves (useTailorSlot) hear the decision now, and the
    // reveal waits a microtask: React renders a store change in a microtask queued before it, so
    // the slot's element is shown with its payload, never with the default first.
    publishSlots();
    Promise.resolve().then(reveal); // every decided change is in place: nothing needs hiding any more
    observe(); // now: elements the parser adds next must not be missed
    return rules;
  }

  // The rest of the engine, pinned like its first part and compiled on arrival; `enterRest`
  // (beside `boot`) instantiates it now, on the first part's memory. Requested after the paint,
  // at low priority: the new pictures of the decision go first.
  function restOfEngine() {
    if (!running) return Promise.resolve(); // the tools engine is in one part
    return compileEngine(String(running.restUrl || base + running.rest), running.restIntegrity, "low").then(function (module) {
      restModule = module;
      enterRest();
      mark("rest");
    });
  }

  // What follows waits for the next task, after the browser could paint the decision (adding the
  // storage listener alone took 1.5 ms in a start-up profile). The page view is stored then, by
  // the first part; the page's signals that need the rest of the engine (clicks, forms, consent
  // events, other tabs) wait for it, and the consent platform and sync start when it is in.
  function afterPaint(rules) {
    return new Promise(function (resolve) { setTimeout(resolve, 0); }).then(function () {
      rest = restOfEngine();
      listen();
      engine.flush(); // storage is written here, not before the paint
      if (data.rules) {
        if (rulesAtStart) fetchRules().then(cacheRules, function () {});
        else cacheRules(rules);
      }
      domReady().then(function () {
        call(function () { engine.bodyTopics(); });
      });
      return rest.then(null, function (error) {
        // The decision stands and the page view is stored; what needs the rest waits for a page
        // view where it loads (the queued events and sync stay stored on the device).
        restFailed = error;
        state.error = error;
        waiting.length = 0;
        console.error(PREFIX + "the rest of the engine did not load, so clicks, consent changes, events and sync " +
          "are off on this page view: " + explain(error));
      });
    }).then(function () {
      if (restFailed) return;
      restReady = true;
      for (var i = 0; i < waiting.length; i++) call(waiting[i]);
      waiting.length = 0;
      consentSource(siteConfig().consent); // the site's consent platform, when the config names one
      engine.flush();
      schedule(engine.flushIn());
      if (engine.takeErase()) send(false);
      if (debugRequested()) {
        if (!tools) {
          console.warn(PREFIX + "?tailor-debug: the #tailor-config block that enables debug must come before the Tailor script");
          return;
        }
        import(base + "tailor_debug.js").then(function (m) { m.show(api, engine); }, function (e) {
          console.error(PREFIX + "the debug overlay could not load: " + e.message);
        });
      }
    });
  }

  started.then(finish, function (error) {
    state.error = error;
    // A cached rules file the engine refused is dropped, so the next page view fetches the fix.
    if (rulesAtStart && inlineAtStart === null) {
      try {
        localStorage.removeItem(CACHE_KEY);
      } catch (e) {
        /* blocked: nothing was cached */
      }
    }
    console.error(PREFIX + explain(error));
    finish();
  });

  function finish() {
    state.finished = true;
    clearTimeout(timer);
    reveal();
    window.tailor = api;
    flushEvents();
    for (var i = 0; i < queue.length; i++) run(queue[i]);
    queue.length = 0;
    emit("tailor:ready", { ok: !state.error, report: state.report });
  }

  // ---- Signals from the page, forwarded to the engine ----------------------------------------

  // Late elements (frameworks, lazy rendering) and re-renders that undo a change: the engine
  // re-applies what is missing (idempotent, with a per-element budget against loops).
  function observe() {
    if (typeof MutationObserver !== "function") return;
    var observer = new MutationObserver(function (records) {
      // An image the parser (or a framework) adds after the decision is changed here, before it
      // paints; within the timeout it is held like the others until its new picture can paint.
      var added = Date.now() - loaderStart < timeoutMs ? addedImages(records) : [];
      call(function () { engine.reapply(); });
      holdImages(added);
    });
    observer.observe(document.documentElement, {
      childList: true, subtree: true, characterData: true, attributes: true,
    });
    // Single-page-app navigation: a new page view whenever the URL (without its hash) changes.
    var current = pageUrl();
    function navigated() {
      var next = pageUrl();
      if (next === current) return;
      current = next;
      call(function () { engine.navigate(); });
    }
    ["pushState", "replaceState"].forEach(function (name) {
      var original = history[name];
      if (typeof original !== "function") return;
      history[name] = function () {
        var result = original.apply(this, arguments);
        navigated();
        return result;
      };
    });
    window.addEventListener("popstate", navigated);
  }

  function pageUrl() {
    return location.href.split("#")[0];
  }

  function debugEnabled() {
    return data.debug === "true" || siteConfig().debug === true;
  }

  function debugRequested() {
    return DEBUG_PARAM.test(location.search) && debugEnabled();
  }

  function listen() {
    document.addEventListener("click", function (e) {
      var target = e.target && e.target.nodeType === 1 ? e.target : e.target && e.target.parentElement;
      if (!target) return;
      var marked = target.closest("[data-tailor-event]");
      later(function () {
        engine.clicked(target, marked ? marked.getAttribute("data-tailor-event") : undefined);
      });
    }, true);
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (form && form.matches && form.matches("form[data-tailor-capture]")) capture(form);
    }, true);
    document.addEventListener("tailor:consent", function (e) {
      later(function () { engine.consent(e.detail || {}); });
    });
    window.addEventListener("storage", function (e) {
      if (e.storageArea === window.localStorage) later(function () { engine.storageChanged(e.key); });
    });
    window.addEventListener("pagehide", function () {
      call(function () { engine.flush(); });
      send(true);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") send(true);
    });
  }

  // ---- Consent from the site's consent platform: `"consent": {"source": "tcf" | "consent-mode"}`
  // This only reads the platform and maps its answer to Tailor's two purposes; the engine
  // (`sourceConsent`) decides what that allows, erases what a withdrawal takes back, keeps GPC's
  // "no" to sync, and stores none of it. Until the platform answers, nothing is stored.

  function consentSource(settings) {
    var source = engine.consentState().source;
    if (!source) return;
    var said = "";
    var warned = false;
    function tell(personalization, sync) {
      if (said === personalization + "," + sync) return;
      said = personalization + "," + sync;
      call(function () { engine.sourceConsent(personalization, sync); });
      if (!erasing && engine.takeErase()) send(false);
    }
    function warn(why) {
      if (!warned) console.warn(PREFIX + why + "; Tailor stores nothing until it gives a valid answer.");
      warned = true;
    }
    (source === "tcf" ? tcfSource : consentModeSource)(settings, tell, warn);
  }

  // IAB TCF v2.2 through `__tcfapi` (the CMP's stub queues the call until the CMP is there). A
  // purpose counts when the visitor consented to it (`purpose.consents`, or the publisher's own
  // `publisher.consents`), or, for purposes listed in `legitimateInterest`, did not object to
  // it; with `vendorId`, that vendor also needs the visitor's consent (or no objection).
  function tcfSource(s, tell, warn) {
    var personalization = s.personalization || [1, 5, 6];
    var sync = s.sync || [1, 8, 9];
    var li = (s.legitimateInterest || []).filter(function (n) { return [2, 7, 8, 9, 10, 11].indexOf(n) >= 0; });
    function allows(tc, purposes) {
      var id = s.vendorId;
      return purposes.every(function (n) {
        return (tc.purpose.consents[n] || tc.publisher.consents[n]) && (!id || tc.vendor.consents[id]) ||
          li.indexOf(n) >= 0 && (tc.purpose.legitimateInterests[n] || tc.publisher.legitimateInterests[n]) &&
          (!id || tc.vendor.legitimateInterests[id]);
      });
    }
    function heard(tc, success) {
      if (!success || !tc || tc.cmpStatus === "error") return warn("the CMP answered with an error");
      if (tc.gdprApplies === false) return tell(true, true); // the CMP says no TCF consent is needed
      if (tc.eventStatus !== "tcloaded" && tc.eventStatus !== "useractioncomplete") return;
      if (!wellFormed(tc.tcString)) return warn("the CMP's TC string is malformed");
      try {
        tell(allows(tc, personalization), allows(tc, sync));
      } catch (e) {
        warn("the CMP's TC data is malformed");
      }
    }
    // A TC string's core segment: version 2 in its first 6 bits, a CMP id (bits 78-89) of at least
    // 2 (0 and 1 are never assigned), and at least its fixed fields (41 characters).
    function wellFormed(text) {
      var core = String(text).split(".")[0];
      return /^[\w-]{41,}$/.test(core) && bits(core, 0, 6) === 2 && bits(core, 78, 12) > 1;
    }
    function bits(text, from, n) {
      var v = 0;
      for (var i = from; i < from + n; i++) {
        var c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(text.charAt(i / 6 | 0));
        v = v * 2 + ((c >> (5 - i % 6)) & 1);
      }
      return v;
    }
    function ask() {
      if (typeof window.__tcfapi !== "function") return false;
      window.__tcfapi("addEventListener", 2, heard);
      return true;
    }
    if (!ask()) {
      window.addEventListener("load", function () {
        if (!ask()) warn("no TCF CMP (__tcfapi) on this page");
      }, { once: true });
    }
  }

  // Google Consent Mode v2: the `gtag("consent", "default" | "update", {...})` commands in
  // `dataLayer`, those already there and those pushed later. An `update` wins over any default;
  // among defaults, one for the visitor's region (`JP-47`) wins over one for the country (`JP`),
  // which wins over one without `region`; among equals, the later. A purpose needs every type
  // mapped to it granted; a type never set counts as denied.
  function consentModeSource(s, tell) {
    var personalization = s.personalization || ["personalization_storage"];
    var sync = s.sync || ["analytics_storage"];
    var geo = engine.profile().profile.geo || {};
    var types = {}; // type -> [rank, granted]
    var seen = false;
    function read(entry) {
      if (!entry || entry[0] !== "consent" || !entry[2] || typeof entry[2] !== "object") return;
      var rank = entry[1] === "update" ? 3 : entry[1] === "default" ? 0 : -1;
      if (rank === 0 && entry[2].region) {
        rank = -1; // a default for other regions
        [].concat(entry[2].region).forEach(function (r) {
          r = String(r).toUpperCase();
          rank = Math.max(rank, r === geo.region ? 2 : r === geo.country ? 1 : -1);
        });
      }
      if (rank < 0) return;
      seen = true;
      for (var type in entry[2]) {
        var v = entry[2][type];
        if ((v === "granted" || v === "denied") && !(types[type] && types[type][0] > rank)) {
          types[type] = [rank, v === "granted"];
        }
      }
    }
    function granted(list) {
      return list.every(function (type) { return types[type] && types[type][1]; });
    }
    function decide() {
      if (seen) tell(granted(personalization), granted(sync));
    }
    var dataLayer = (window.dataLayer = window.dataLayer || []);
    for (var i = 0; i < dataLayer.length; i++) read(dataLayer[i]);
    decide();
    var push = dataLayer.push;
    dataLayer.push = function () {
      var result = push.apply(this, arguments);
      try {
        for (var j = 0; j < arguments.length; j++) read(arguments[j]);
        decide();
      } catch (e) {
        console.error(PREFIX + ((e && e.message) || e));
      }
      return result;
    };
  }

  // ---- Sync: the engine decides what leaves the device and when; this only does the I/O ------

  var sendTimer = null;
  var sendDue = Infinity;
  var erasing = false;
  function schedule(ms) {
    if (!(ms >= 0)) return;
    var due = Date.now() + ms;
    if (due >= sendDue) return;
    clearTimeout(sendTimer);
    sendDue = due;
    sendTimer = setTimeout(function () {
      sendDue = Infinity;
      send(false);
    }, ms);
  }

  // Sends the next batch. When the page is going away a beacon carries it (the browser delivers
  // it after the page is gone, but its answer is never seen: the events stay queued and go again
  // with the next batch; the server stores each event id once).
  function send(leaving) {
    if (!engine || !restReady) return; // the queue stays stored until the rest of the engine is here
    var erase = erasing ? null : engine.takeErase();
    if (erase) {
      erasing = true; // one erase request at a time
      fetch(erase, { method: "DELETE", keepalive: true, credentials: "omit" }).then(function (r) {
        erasing = false;
        engine.eraseAnswered(r.status); // 2xx/404 done, other 4xx dropped, else kept
        if (r.ok) schedule(0);
      }, function () {
        erasing = false;
        engine.eraseAnswered(0); // no answer: tried again on a later page
      });
    }
    var batch = engine.takeBatch();
    if (!batch) return;
    if (leaving && navigator.sendBeacon && batch.body.length < 60000) {
      var queued = false;
      try {
        queued = navigator.sendBeacon(batch.url, batch.body);
      } catch (e) {
        queued = false;
      }
      if (queued) {
        engine.batchDone(-1);
        return;
      }
    }
    fetch(batch.url, {
      method: "POST", body: batch.body, credentials: "omit",
      headers: { "Content-Type": "application/json" }, keepalive: batch.body.length < 60000,
    }).then(function (response) {
      var retryAfter = parseFloat(response.headers.get("Retry-After"));
      if (!response.ok && response.status !== 429 && response.status < 500) {
        response.json().then(function (body) {
          var why = body && body.error ? body.error.code + ": " + body.error.message : "";
          console.warn(PREFIX + "the server refused a batch (HTTP " + response.status + ") " + why);
        }, function () {});
      }
      schedule(engine.batchDone(response.status, isNaN(retryAfter) ? undefined : retryAfter));
    }, function () {
      schedule(engine.batchDone(0)); // offline or unreachable: back off, keep the events
    });
  }

  // A form marked data-tailor-capture fills the visitor's declared name and pet: from fields
  // marked data-tailor-field="name|pet" (any other value becomes a custom attribute), or else
  // from fields named "name" and "pet".
  function capture(form) {
    var values = new FormData(form);
    var marked = form.querySelectorAll("[data-tailor-field]");
    var fields = {};
    for (var i = 0; i < marked.length; i++) {
      fields[marked[i].getAttribute("data-tailor-field")] = marked[i].name;
    }
    if (!marked.length) fields = { name: "name", pet: "pet" };
    function text(key) {
      var v = fields[key] ? values.get(fields[key]) : null;
      return typeof v === "string" ? v : undefined;
    }
    later(function () {
      engine.declare(text("name"), text("pet"));
      for (var key in fields) {
        if (key !== "name" && key !== "pet" && text(key) !== undefined) engine.set(key, text(key));
      }
    });
  }

  // An engine call that needs the rest of the engine: now, or when the rest has arrived (never,
  // when it could not load).
  function later(work) {
    if (restReady) call(work);
    else if (!restFailed) waiting.push(work);
  }

  // Runs an engine call from a page signal; a failure is logged, never thrown into the page.
  function call(work) {
    if (!engine) return;
    try {
      work();
    } catch (e) {
      console.error(PREFIX + ((e && e.message) || e));
    }
    flushEvents();
    schedule(engine.flushIn());
  }

  // Events queued by the engine are dispatched after its call has returned, as CustomEvents on
  // document and, when the page has one, pushed to window.dataLayer.
  function flushEvents() {
    if (!engine) return;
    var list = engine.takeEvents();
    for (var i = 0; i < list.length; i++) {
      emit(list[i].type, list[i].detail);
      if (Array.isArray(window.dataLayer)) {
        try {
          window.dataLayer.push({ event: list[i].type, tailor: list[i].detail });
        } catch (e) {
          console.error(PREFIX + "dataLayer.push threw:", e);
        }
      }
    }
  }

  // ---- Preview links: this tab shows the page as a chosen visitor would see it ---------------

  // A link ends in `#tailor-preview=<base64url JSON>` (`tailor preview`, or the report page). A
  // fragment never reaches a server: no request, log, cache key or Referer carries it. The
  // engine checks the payload, refuses a hostile one, and stores, counts and sends nothing while
  // previewing. sessionStorage keeps the payload (and nothing else) so every page of this tab
  // stays in preview until the visitor exits.
  function preview(engine) {
    // A link pasted over the page it names changes only the fragment: load it as a page.
    window.addEventListener("hashchange", function () {
      if (/tailor-preview=/.test(location.hash)) location.reload();
    });
    var found = PREVIEW_LINK.exec(location.hash);
    var text = null;
    try {
      text = found ? previewText(found[1]) : storedPreview;
    } catch (e) {
      console.warn(PREFIX + "a preview link was refused: it is not base64url JSON text");
    }
    if (found) {
      try {
        history.replaceState(history.state, "", location.href.split("#")[0]); // exit reloads without it
      } catch (e) {
        /* a sandboxed frame: the link stays in the address */
      }
    }
    if (text === null) return;
    var on = engine.preview(text);
    try {
      if (on) sessionStorage.setItem(PREVIEW_KEY, text);
      else sessionStorage.removeItem(PREVIEW_KEY);
    } catch (e) {
      /* no sessionStorage: this page only */
    }
    if (on) domReady().then(function () { previewBanner(previewWords(JSON.parse(text))); });
  }

  // The banner's words, from the payload the engine accepted: `cat · JP-47 · purchase · visits 3`
  // (the place once, as its region code when it has one).
  function previewWords(payload) {
    var words = [];
    var place = false;
    for (var key in payload) {
      var value = payload[key];
      if (/^geo\./.test(key)) {
        if (place) continue;
        place = true;
        value = payload["geo.region"] || value;
      } else if (!/^(pet|name|stage)$/.test(key)) {
        value = key + " " + value;
      }
      words.push(String(value));
    }
    return words;
  }

  function previewText(code) {
    var binary = atob(code.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  }

  // Text only (the words are checked values, and still never markup), styled through the CSSOM,
  // which a Content-Security-Policy without 'unsafe-inline' allows.
  function previewBanner(words) {
    var bar = document.createElement("div");
    var exit = document.createElement("button");
    bar.setAttribute("data-tailor", "preview");
    bar.setAttribute("role", "status");
    bar.style.cssText = "position:fixed;z-index:2147483647;left:8px;bottom:8px;padding:4px 8px;" +
      "font:13px system-ui,sans-serif;background:#1d2430;color:#fff;border-radius:4px";
    exit.type = "button";
    exit.textContent = "exit";
    exit.style.cssText = "font:inherit;color:inherit;background:none;border:0;padding:0;text-decoration:underline;cursor:pointer";
    exit.addEventListener("click", function () {
      try {
        sessionStorage.removeItem(PREVIEW_KEY);
      } catch (e) {
        /* nothing was kept */
      }
      location.reload();
    });
    bar.appendChild(document.createTextNode("Preview: " + words.join(" \u00b7 ") + " \u2014 "));
    bar.appendChild(exit);
    document.body.appendChild(bar);
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
    slotsAfter(name);
  }

  // Calls the engine for the page's API; API misuse throws a clear Error to the caller.
  function use(work) {
    if (!engine || restFailed) {
      console.warn(PREFIX + "not running on this page" + (state.error ? ": " + explain(state.error) : ""));
      return null;
    }
    try {
      return work(engine);
    } finally {
      flushEvents();
      schedule(engine.flushIn());
      if (!erasing && engine.takeErase()) send(false);
    }
  }

  var api = {
    version: "0.1.0",
    push: function (command) {
      if (!state.finished) queue.push(command);
      else return run(command);
    },
    /** Grants or refuses purposes: { personalization?: boolean, sync?: boolean }. */
    consent: function (choices) {
      return use(function (e) { return choices === undefined ? e.consentState() : e.consent(choices); });
    },
    /** Sets a profile attribute (name and pet are the visitor's own answers). */
    set: function (path, value) {
      return use(function (e) { e.set(String(path), value === undefined ? null : value); });
    },
    /** Counts a named event (add_to_cart, purchase, ...). */
    track: function (name) {
      return use(function (e) { e.track(String(name)); });
    },
    /** Everything Tailor keeps about this visitor on this device. */
    profile: function () {
      return use(function (e) { return e.profile(); });
    },
    /** Why an element looks the way it does: [{ rule, outcome, reason }]. */
    explain: function (element) {
      return use(function (e) { return e.explain(element); });
    },
    /** Reverts every change Tailor made on this page. */
    revert: function () {
      return use(function (e) { e.revert(); });
    },
    /** Erases the profile on this device. */
    forget: function () {
      return use(function (e) { e.forget(); });
    },
    /** What the engine did on this page view, or null before it finished or when it failed. */
    report: function () {
      return state.report;
    },
    /** Why Tailor is not running on this page, or null when it is. */
    error: function () {
      return state.error ? explain(state.error) : null;
    },
    /** Resolves once Tailor has finished starting (with the report, or null when it failed). */
    ready: function () {
      return started.then(
        function () { return state.report; },
        function () { return null; }
      );
    },
  };

  // ---- Slots: decisions as data, for pages that render personalized content themselves ------
  // The engine decides; this keeps each slot's value ({ rule, data }, frozen, the same object
  // while it is unchanged, so it can serve as a React useSyncExternalStore snapshot) and tells
  // subscribers when it changes. It re-reads the slots after every decision the engine reports
  // (`tailor:decided`: start, navigation, consent, a form answer, another tab's change), after
  // the engine call has returned, and notifies once Tailor is ready. A slot the page showed and
  // still subscribes to keeps being shown on the next page view of a single-page app (a route
  // change that leaves its value unchanged calls no subscriber): its exposure is recorded again
  // for that view, as a DOM rule's is.
  var slotValues = {}; // slot name -> frozen { rule, data }; absent: null
  var slotSubscribers = []; // { name, fn, seen }: seen is the value fn last got (undefined: none)
  var slotsShown = []; // names the page has shown
  function publishSlots() {
    slotsAfter("tailor:decided", true);
  }
  function slotsAfter(eventName, early) {
    var unchanged = [];
    if (eventName === "tailor:decided" && engine) {
      var next = {};
      try {
        next = engine.slots() || {};
      } catch (e) {
        console.error(PREFIX + ((e && e.message) || e));
      }
      var names = Object.keys(slotValues).concat(Object.keys(next));
      for (var i = 0; i < names.length; i++) {
        var old = slotValues[names[i]] || null;
        var value = next[names[i]] || null;
        if (!value) delete slotValues[names[i]];
        else if (!old || old.rule !== value.rule || JSON.stringify(old.data) !== JSON.stringify(value.data)) {
          slotValues[names[i]] = Object.freeze({ rule: value.rule, data: Object.freeze(value.data || {}) });
        } else if (unchanged.indexOf(names[i]) < 0) unchanged.push(names[i]);
      }
    }
    if (!(state.finished || early) || (eventName !== "tailor:decided" && eventName !== "tailor:ready")) return;
    notifySlots();
    for (var j = 0; j < unchanged.length; j++) {
      var still = slotSubscribers.some(function (s) { return s.name === unchanged[j]; });
      if (still && slotsShown.indexOf(unchanged[j]) >= 0) api.slotShown(unchanged[j]);
    }
  }
  function slotValue(name) {
    return Object.prototype.hasOwnProperty.call(slotValues, name) ? slotValues[name] : null;
  }
  function notifySlots() {
    var list = slotSubscribers.slice();
    for (var i = 0; i < list.length; i++) {
      var value = slotValue(list[i].name);
      if (list[i].seen === value || slotSubscribers.indexOf(list[i]) < 0) continue;
      list[i].seen = value;
      try {
        list[i].fn(value);
      } catch (e) {
        // A subscriber that throws must not break Tailor or the other subscribers.
        console.error(PREFIX + "a slot subscriber threw:", e);
      }
    }
  }
  /** The decided value of a slot: { rule, data } or null (no engine yet, no winner, control). */
  api.slot = function (name) {
    return slotValue(String(name));
  };
  /** Calls fn(value) whenever the slot's value changes (and once when Tailor is ready, if it
   * was not yet); returns the function that unsubscribes. */
  api.onSlot = function (name, fn) {
    if (typeof fn !== "function") throw new TypeError(PREFIX + "onSlot(name, fn) needs a function");
    var entry = { name: String(name), fn: fn, seen: state.finished ? slotValue(String(name)) : undefined };
    slotSubscribers.push(entry);
    return function () {
      var at = slotSubscribers.indexOf(entry);
      if (at >= 0) slotSubscribers.splice(at, 1);
    };
  };
  /** The page shows the slot's current value (or its default, for control): records the
   * exposure, once per rule and page view. Returns whether one was recorded now. */
  api.slotShown = function (name) {
    if (!engine) return false;
    if (slotsShown.indexOf(String(name)) < 0) slotsShown.push(String(name));
    return use(function (e) { return e.slotShown(String(name)); }) === true;
  };
  queue.slot = api.slot;
  queue.onSlot = api.onSlot;
  queue.slotShown = api.slotShown;
  // ---- end of slots ----------------------------------------------------------------------------

  // Until Tailor has started, window.tailor is the command queue (whether or not the page made
  // one), already able to say when Tailor is ready.
  queue.ready = api.ready;
  window.tailor = queue;
}

// The rest of the engine (scripts/wasm_split.mjs): its first part calls this (import `p.e`)
// before each function that moved to the rest. The first call instantiates the rest, which the
// loader compiled when it arrived, on the first part's memory, tables and globals (`wasm`: the
// glue's exports); the loader calls nothing that needs it before then.
var restModule = null;
var restInstance = null;
function enterRest() {
  if (restInstance) return;
  if (!restModule) throw new Error("Tailor: the rest of the engine is not loaded yet");
  restInstance = new WebAssembly.Instance(restModule, { p: wasm });
}
