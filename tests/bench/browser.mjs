// Browser benchmarks (run by `npm run bench`; figures printed as `name: value` lines, no
// assertions). Engine timings use a separate wasm build with the `bench` feature; the flicker and
// latency bench loads the production dist/ build the way a visitor does.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// Benchmarks run against the release server.
process.env.TAILOR_BIN ||= fileURLToPath(new URL("../../target/release/tailor", import.meta.url));
const { launchBrowser, root, startServer } = await import("../e2e/harness.mjs");
const { CHANGES, benchPage } = await import("./pages.mjs");
const { wasmOpt } = await import("../../scripts/wasm_opt.mjs");

const benchTarget = join(root, "target", "bench");
const benchPkg = join(benchTarget, "pkg");

function buildBenchWasm() {
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown", "-p", "tailor",
    "--lib", "--features", "bench", "--target-dir", benchTarget]);
  run("wasm-bindgen", [join(benchTarget, "wasm32-unknown-unknown/release/tailor.wasm"), "--target", "web",
    "--out-dir", benchPkg, "--out-name", "tailor_core"]);
  // Optimized as the shipped engine is, so the figures are those of the code visitors run.
  const wasm = join(benchPkg, "tailor_core_bg.wasm");
  wasmOpt(wasm, wasm);
}

const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const print = (name, value) => console.log(`${name}: ${value}`);

// ---- Engine figures inside the browser's wasm runtime --------------------------------------

const ATTRIBUTES = {
  id: "0123456789abcdef0123456789abcdef", visits: 3, pageViews: 12, stage: "consideration",
  pet: "cat", name: "Hana", geo: { country: "JP", region: "JP-01", hemisphere: "north" },
  topics: { cats: 3.2, "cat-toys": 1.4, "cat-food": 0.8 }, events: { product_view: 4, add_to_cart: 1 },
  url: "https://shop.example/cats/toys", path: "/cats/toys", device: "mobile", lang: "ja-JP",
  hour: 20, weekday: "saturday", season: "winter",
};

const TEN_CLAUSES = { $and: [
  { pet: "cat" }, { "geo.country": { $in: ["JP", "AU"] } }, { visits: { $gte: 2 } },
  { stage: { $ne: "awareness" } }, { "topics.cat-toys": { $gt: 0.5 } }, { lang: { $regex: "^ja" } },
  { device: { $in: ["mobile", "tablet"] } }, { hour: { $gte: 18, $lt: 23 } },
  { "events.add_to_cart": { $exists: true } }, { season: { $nin: ["summer"] } },
] };

function thousandRules() {
  const slots = ["hero", "greeting", "cta", "banner"];
  const pets = ["cat", "dog", "bird", "fish"];
  return { rules: Array.from({ length: 1000 }, (_, i) => ({
    id: "rule-" + i, slot: slots[i % 4], priority: i % 7,
    condition: { $and: [
      { pet: pets[i % 4] }, { "geo.country": { $in: ["JP", "AU", "US"] } },
      { visits: { $gte: i % 5 } }, { ["topics.topic-" + (i % 30)]: { $gt: 0.5 } },
    ] },
    actions: [{ selector: "#" + slots[i % 4], text: "Hello {{name|friend}} " + i }],
  })) };
}

async function engineFigures(browser) {
  buildBenchWasm();
  const site = mkdtempSync(join(tmpdir(), "tailor-bench-"));
  writeFileSync(join(site, "engine.html"), `<!doctype html><meta charset="utf-8"><title>engine bench</title>
<script type="module">
  import init, * as core from "/dist/tailor_core.js";
  window.benchReady = init({ module_or_path: "/dist/tailor_core_bg.wasm" }).then(() => { window.core = core; });
</script>`);
  const server = await startServer({ site, dist: benchPkg });
  try {
    const page = await browser.newPage();
    await page.goto(server.url + "/engine.html");
    await page.evaluate(() => window.benchReady);
    const cond = await page.evaluate(([c, a]) => window.core.benchCondition(c, a), [TEN_CLAUSES, ATTRIBUTES]);
    print("conditions.wasm.eval_10_clause_median_ns", cond.medianNs.toFixed(0));
    const decide = await page.evaluate(([r, a]) => window.core.benchDecide(r, a), [thousandRules(), ATTRIBUTES]);
    print("rules.wasm.decide_1000_median_us", decide.medianUs.toFixed(1) + " (budget 1000)");
    const profile = await page.evaluate(() => window.core.benchProfile());
    print("profile.wasm.heavy_stored_bytes", profile.storedBytes + " (budget 8192)");
    print("profile.wasm.heavy_load_save_median_us", profile.loadSaveMedianUs.toFixed(1) + " (budget 300)");
    print("profile.wasm.heavy_load_save_after_other_tab_median_us", profile.loadRebaseSaveMedianUs.toFixed(1));
    await page.close();
  } finally {
    await server.stop();
    rmSync(site, { recursive: true, force: true });
  }
}

// ---- Flicker and time-to-personalized against a hand-written inline script ------------------

// Records, from navigation start: every frame where any target shows its original content
// visibly, and when all four show their personalized content.
const RECORDER = `(() => {
  const rec = { frames: 0, original: 0, oldPicture: 0, appliedAt: null, parsedAt: null, hiddenFrom: null, hiddenTo: null };
  document.addEventListener("DOMContentLoaded", () => { rec.parsedAt = performance.now(); });
  window.__bench = rec;
  const checks = [${CHANGES.map((c) => `{ id: "${c.id}", shown: (el) => ${c.shown}, original: (el) => ${c.original} }`).join(",")}];
  const visible = (el) => { const s = getComputedStyle(el); return s.visibility !== "hidden" && s.display !== "none"; };
  const check = () => {
    if (rec.appliedAt === null && checks.every((c) => { const el = document.getElementById(c.id); return el && c.shown(el); })) {
      rec.appliedAt = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  const tick = () => {
    rec.frames++;
    if (checks.some((c) => { const el = document.getElementById(c.id); return el && c.original(el) && visible(el); })) rec.original++;
    // The hero changed but its new picture not loaded yet: Chromium paints the old one.
    const hero = document.getElementById("hero");
    if (hero && visible(hero) && hero.getAttribute("src") === "/cat.svg" && !(hero.complete && hero.naturalWidth > 0)) rec.oldPicture++;
    if (checks.some((c) => { const el = document.getElementById(c.id); return el && !visible(el); })) {
      const now = performance.now();
      if (rec.hiddenFrom === null) rec.hiddenFrom = now;
      rec.hiddenTo = now;
    }
    if (rec.frames < 120) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

/** The loader's start-up marks (js/tailor.js), each with the times seen over the loads. */
function startupMarks() {
  const names = ["loader", "script", "unpacked", "fetched", "instantiated", "constructed", "rules", "decided", "rest"];
  return Object.fromEntries(names.map((name) => ["tailor:" + name, []]));
}

function printMarks(prefix, marks) {
  for (const [name, list] of Object.entries(marks)) {
    if (list.length) print(prefix + name.slice(7) + "_median_ms", median(list).toFixed(1));
  }
}

/** Loads `url` in `page`, waits for 10 frames and returns the recorder's figures; adds the
 * page's start-up marks to `marks` when given. */
async function load(page, url, marks) {
  await page.goto(url, { waitUntil: "load" });
  // Tailor's engine download (a fetch) does not hold the load event back, as the old engine
  // script did: wait for Tailor to have finished starting (decided, failed or timed out).
  await page.evaluate(() => (window.tailor && typeof window.tailor.ready === "function" ? window.tailor.ready() : null));
  await page.waitForFunction(() => window.__bench.frames >= 10);
  const rec = await page.evaluate(() => window.__bench);
  if (marks) {
    const seen = await page.evaluate(() => performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]));
    for (const [name, at] of seen) if (marks[name]) marks[name].push(at);
  }
  return rec;
}

/** Loads Tailor's and the inline page alternately, each in a fresh context (empty HTTP cache)
 * holding the returning visitor's storage, with CDP network emulation when `network` is given;
 * prints the medians, the ratio, the frames with original content or an old picture, and how
 * long targets stayed hidden. */
async function coldFigures(browser, server, storageState, prefix, network, compare, cpu) {
  const loads = Number(process.env.BENCH_COLD_LOADS || 15);
  const times = { tailor: [], fetch: [], inline: [], compare: [], remote: [], compiled: [] };
  const hidden = [];
  let original = 0;
  let oldPicture = 0;
  const incomplete = { tailor: 0, fetch: 0, inline: 0, compare: 0, remote: 0, compiled: 0 };
  const marks = startupMarks();
  const compiledMarks = startupMarks();
  let compiledOriginal = 0;
  for (let i = 0; i < loads; i++) {
    // With `cpu` (a CDP slowdown factor), also the install with a rules file (`data-rules`).
    for (const kind of ["tailor", "compiled", "fetch", "inline", ...(compare ? ["compare"] : []), ...(cpu ? ["remote"] : [])]) {
      const context = await browser.newContext({ storageState });
      await context.addInitScript(RECORDER);
      const page = await context.newPage();
      if (cpu) {
        const cdp = await context.newCDPSession(page);
        await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpu });
      }
      if (network) {
        const cdp = await context.newCDPSession(page);
        const bytesPerSecond = (network.mbit * 1e6) / 8;
        await cdp.send("Network.emulateNetworkConditions", {
          offline: false, latency: network.latency, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
        });
      }
      // The compared build is loaded without the preload line (older builds had none), or with
      // the README's install when BENCH_COMPARE_PAGE=tailor.html (builds since stop 19).
      const url = kind === "compare" ? compare.url + "/" + (process.env.BENCH_COMPARE_PAGE || "tailor-no-preload.html") :
        server.url + (kind === "fetch" ? "/tailor-fetch.html" : kind === "remote" ? "/tailor-remote.html" :
          kind === "compiled" ? "/tailor-compiled.html" : "/" + kind + ".html");
      const rec = await load(page, url, kind === "tailor" ? marks : kind === "compiled" ? compiledMarks : null);
      if (kind === "compiled") compiledOriginal += rec.original + rec.oldPicture;
      if (rec.appliedAt === null) incomplete[kind]++;
      else times[kind].push(rec.appliedAt);
      if (kind === "tailor") {
        original += rec.original;
        oldPicture += rec.oldPicture;
        if (rec.hiddenFrom !== null) hidden.push(rec.hiddenTo - rec.hiddenFrom);
      }
      await context.close();
    }
  }
  // Incomplete: not personalized within the load (for Tailor: it missed data-timeout, 800 ms,
  // and that page view keeps its original content).
  print(prefix + "loads", loads + " each (not personalized: tailor " + incomplete.tailor +
    ", inline " + incomplete.inline + ")");
  print(prefix + "tailor_median_ms", median(times.tailor).toFixed(1));
  print(prefix + "inline_median_ms", median(times.inline).toFixed(1));
  print(prefix + "ratio_to_inline", (median(times.tailor) / median(times.inline)).toFixed(2) +
    (network ? "" : " (target 2.5)"));
  // The same build with the older install (the wasm fetched): the carrier's A/B in this run.
  print(prefix + "fetch_preload_ratio_to_inline", (median(times.fetch) / median(times.inline)).toFixed(2) +
    " (not personalized " + incomplete.fetch + ")");
  // The same rules compiled (`tailor compile`), on the lean engine.
  print(prefix + "compiled_rules_ratio_to_inline", (median(times.compiled) / median(times.inline)).toFixed(2) +
    " (not personalized " + incomplete.compiled + ", frames with original content or an old picture " + compiledOriginal + ")");
  printMarks(prefix + "compiled.", compiledMarks);
  if (cpu) {
    print(prefix + "rules_file_ratio_to_inline", (median(times.remote) / median(times.inline)).toFixed(2) +
      " (not personalized " + incomplete.remote + ")");
  }
  if (compare) {
    print(prefix + "compare_not_personalized", incomplete.compare);
    print(prefix + "compare_median_ms", median(times.compare).toFixed(1));
    print(prefix + "compare_ratio_to_inline", (median(times.compare) / median(times.inline)).toFixed(2));
  }
  print(prefix + "frames_showing_original", original);
  print(prefix + "frames_showing_old_picture", oldPicture + " (budget 0)");
  printMarks(prefix, marks);
  print(prefix + "targets_hidden_median_ms", hidden.length ? median(hidden).toFixed(1) : "0");
}

/** A first visit with an empty HTTP cache (a fresh context, nothing in storage): no rule of the
 * bench page matches a new visitor, so this prints when Tailor has decided (the `tailor:decided`
 * mark) against when the page was parsed; with `compare`, the other build on the same page. */
async function firstVisitFigures(browser, server, compare) {
  const loads = Number(process.env.BENCH_COLD_LOADS || 15);
  const decided = { tailor: [], compare: [] };
  const parsed = [];
  for (let i = 0; i < loads; i++) {
    for (const kind of ["tailor", ...(compare ? ["compare"] : [])]) {
      const context = await browser.newContext();
      await context.addInitScript(RECORDER);
      const page = await context.newPage();
      const marks = startupMarks();
      const rec = await load(page, (kind === "compare" ? compare.url : server.url) + "/tailor.html", marks);
      if (marks["tailor:decided"].length) decided[kind].push(marks["tailor:decided"][0]);
      if (kind === "tailor" && rec.parsedAt !== null) parsed.push(rec.parsedAt);
      await context.close();
    }
  }
  print("dom.first_visit_empty_cache.decided_median_ms", median(decided.tailor).toFixed(1) +
    " (decided in " + decided.tailor.length + " of " + loads + ")");
  print("dom.first_visit_empty_cache.page_parsed_median_ms", median(parsed).toFixed(1));
  if (compare) print("dom.first_visit_empty_cache.compare_decided_median_ms", median(decided.compare).toFixed(1));
}

async function flickerFigures(browser) {
  const site = mkdtempSync(join(tmpdir(), "tailor-flicker-"));
  benchPage(site);
  const server = await startServer({ site });
  try {
    const context = await browser.newContext();
    await context.addInitScript(RECORDER);
    const page = await context.newPage();
    // Make a returning visitor: a first visit that declares the pet and name.
    await page.goto(server.url + "/tailor.html");
    await page.evaluate(() => window.tailor.ready());
    await page.evaluate(() => { window.tailor.set("pet", "cat"); window.tailor.set("name", "Hana"); });
    // The rules file's copy on the device, as a returning visitor of tailor-remote.html has it.
    await page.goto(server.url + "/tailor-remote.html");
    await page.evaluate(() => window.tailor.ready());
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith("tailor.rules")));
    // BENCH_COMPARE_DIST=<another build's dist/>: the cold cases also load that build's Tailor,
    // interleaved with this one's and the inline page (an A/B that survives machine noise).
    // BENCH_COLD_ONLY=1 skips the same-tab and new-tab cases, BENCH_WARM_ONLY=1 the others.
    const compareDist = process.env.BENCH_COMPARE_DIST;
    const compare = compareDist ? await startServer({ site, dist: compareDist }) : null;
    const coldOnly = process.env.BENCH_COLD_ONLY === "1";
    const tailor = [];
    const parsed = [];
    const inline = [];
    const fetched = [];
    const compiledRules = [];
    const marks = startupMarks();
    let framesWithOriginal = 0;
    let incomplete = 0;
    for (let i = 0; i < (coldOnly ? 0 : 20); i++) {
      for (const [path, out] of [["/tailor.html", tailor], ["/tailor-compiled.html", compiledRules], ["/tailor-fetch.html", fetched], ["/inline.html", inline]]) {
        const isTailor = path === "/tailor.html";
        const rec = await load(page, server.url + path, isTailor ? marks : null);
        if (rec.appliedAt === null) incomplete++;
        else out.push(rec.appliedAt);
        if (isTailor) {
          framesWithOriginal += rec.original;
          if (rec.parsedAt !== null) parsed.push(rec.parsedAt);
        }
      }
    }
    print("dom.flicker.loads", tailor.length + " (20 planned; incomplete " + incomplete + ")");
    print("dom.flicker.frames_showing_original", framesWithOriginal + " (budget 0)");
    print("dom.applied.tailor_median_ms", median(tailor).toFixed(1));
    print("dom.applied.inline_median_ms", median(inline).toFixed(1));
    // The engine script runs once the parser lets go of the page (after DOMContentLoaded on this
    // small page), so Tailor's time is about this plus the engine's own start-up.
    print("dom.applied.tailor_page_parsed_median_ms", median(parsed).toFixed(1));
    print("dom.applied.ratio_to_inline", (median(tailor) / median(inline)).toFixed(2) + " (budget 1.5)");
    print("dom.applied.fetch_preload_ratio_to_inline", (median(fetched) / median(inline)).toFixed(2));
    print("dom.applied.compiled_rules_ratio_to_inline", (median(compiledRules) / median(inline)).toFixed(2));
    printMarks("dom.startup.", marks);

    // The first page in a new tab: a new renderer process, so nothing is warm (no in-memory
    // cache, no compiled code, no locale data). Both pages are loaded the same way.
    const fresh = { tailor: [], "tailor-compiled": [], "tailor-fetch": [], inline: [] };
    const freshMarks = startupMarks();
    for (let i = 0; i < (coldOnly ? 0 : 10); i++) {
      for (const kind of ["tailor", "tailor-compiled", "tailor-fetch", "inline"]) {
        const tab = await context.newPage();
        const rec = await load(tab, server.url + "/" + kind + ".html", kind === "tailor" ? freshMarks : null);
        if (rec.appliedAt !== null) fresh[kind].push(rec.appliedAt);
        await tab.close();
      }
    }
    print("dom.new_tab.tailor_median_ms", median(fresh.tailor).toFixed(1));
    print("dom.new_tab.inline_median_ms", median(fresh.inline).toFixed(1));
    print("dom.new_tab.ratio_to_inline", (median(fresh.tailor) / median(fresh.inline)).toFixed(2));
    print("dom.new_tab.fetch_preload_ratio_to_inline", (median(fresh["tailor-fetch"]) / median(fresh.inline)).toFixed(2));
    print("dom.new_tab.compiled_rules_ratio_to_inline", (median(fresh["tailor-compiled"]) / median(fresh.inline)).toFixed(2));
    printMarks("dom.new_tab.", freshMarks);

    // A returning visitor with an empty HTTP cache (a new session days later): a fresh browser
    // context per load with the visitor's storage, on loopback and on throttled networks.
    if (process.env.BENCH_WARM_ONLY === "1") {
      await context.close();
      return;
    }
    const visitor = await context.storageState();
    // The compared build is on another origin: the same returning visitor there too.
    if (compare) {
      for (const o of [...visitor.origins]) {
        if (o.origin === server.url) visitor.origins.push({ ...o, origin: compare.url });
      }
    }
    await firstVisitFigures(browser, server, compare);
    await coldFigures(browser, server, visitor, "dom.empty_cache.", null, compare);
    await coldFigures(browser, server, visitor, "dom.throttled_9mbit_40ms.", { latency: 40, mbit: 9 }, compare);
    await coldFigures(browser, server, visitor, "dom.throttled_1_6mbit_150ms.", { latency: 150, mbit: 1.6 }, compare);
    await coldFigures(browser, server, visitor, "dom.cpu_4x_empty_cache.", null, compare, 4);
    await compare?.stop();
    await context.close();
  } finally {
    await server.stop();
    rmSync(site, { recursive: true, force: true });
  }
}

const browser = await launchBrowser();
try {
  // BENCH=flicker or BENCH=engine runs one half.
  if (process.env.BENCH !== "flicker") await engineFigures(browser);
  if (process.env.BENCH !== "engine") await flickerFigures(browser);
} finally {
  await browser.close();
}
