// Compiled rules end to end (`tailor compile`, issue 11): a page with compiled rules downloads the
// lean engine, which has no JSON rule parser, and decides exactly as the JSON rules do; rules of
// the other form than the loader expected still work (the other engine, a round trip later);
// damaged compiled rules leave the original page with a clear error.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { binary, browserAndServer, frameRecorder, pagesDir, root, watchConsole } from "./harness.mjs";

// The demo's 21 rules without its one holdout, so that two fresh visitors get the same decisions.
const json = JSON.parse(readFileSync(join(root, "demo-site", "rules.json"), "utf8"));
for (const rule of json.rules) delete rule.holdout;
const site = mkdtempSync(join(tmpdir(), "tailor-compiled-"));
cpSync(pagesDir, site, { recursive: true });
writeFileSync(join(site, "demo-rules.json"), JSON.stringify(json));
const compiledText = execFileSync(binary, ["compile", join(site, "demo-rules.json"), "--out", "-"], { encoding: "utf8" }).trim();
writeFileSync(join(site, "demo-rules.compiled.json"), compiledText);
writeFileSync(join(site, "compiled-rules.json"), compiledText); // compiled, not named so
writeFileSync(join(site, "json-rules.compiled.json"), JSON.stringify(json)); // JSON, named compiled

const page = ({ rules, file, preload, config }) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="/favicon.svg"><title>compiled</title>
<script>window.dataLayer = [];</script>
${config ? `<script type="application/json" id="tailor-config">${config}</script>` : ""}
${rules ? `<script type="application/json" id="tailor-rules">${rules}</script>` : ""}
${preload ? `<link rel="preload" href="/dist/${preload}" as="script" crossorigin>` : ""}
<script src="/dist/tailor.js"${file ? ` data-rules="${file}"` : ""}></script>
</head><body>
<h1 id="greeting">Welcome!</h1>
<p id="shipping-note">Free shipping on orders over ¥5,000.</p>
<a id="hero-link" href="/cats.html">Shop</a><p id="cta">Shop now</p>
</body></html>`;
writeFileSync(join(site, "json-inline.html"), page({ rules: JSON.stringify(json), preload: "tailor_core.wasm.js" }));
writeFileSync(join(site, "compiled-inline.html"), page({ rules: compiledText, preload: "tailor_lean.wasm.js" }));
writeFileSync(join(site, "compiled-debug.html"), page({ rules: compiledText, preload: "tailor_lean.wasm.js", config: '{"debug": true}' }));
writeFileSync(join(site, "compiled-file.html"), page({ file: "/demo-rules.compiled.json" }));
writeFileSync(join(site, "compiled-misnamed.html"), page({ file: "/compiled-rules.json" }));
writeFileSync(join(site, "json-misnamed.html"), page({ file: "/json-rules.compiled.json" }));
const damaged = JSON.parse(compiledText);
damaged.compiled[3][3] = "high"; // a priority that is not a number
writeFileSync(join(site, "compiled-damaged.html"), page({ rules: JSON.stringify(damaged) }));

const e2e = browserAndServer({ site });
after(() => rmSync(site, { recursive: true, force: true }));

const engines = (p) => p.evaluate(() => performance.getEntriesByType("resource")
  .map((e) => new URL(e.name).pathname).filter((path) => /\/tailor_(core|lean|tools)/.test(path)));

async function visit(path, { context } = {}) {
  const own = !context;
  context ||= await e2e.browser.newContext();
  const p = await context.newPage();
  const log = watchConsole(p);
  await p.goto(e2e.server.url + path);
  const report = await p.evaluate(() => window.tailor.ready());
  const decided = await p.evaluate(() => window.dataLayer.filter((e) => e.event === "tailor:decided").map((e) => e.tailor));
  const result = {
    report, decided, engines: await engines(p), log,
    error: await p.evaluate(() => window.tailor.error()),
    greeting: await p.locator("#greeting").textContent(),
    body: await p.evaluate(() => document.body.innerHTML),
    cached: await p.evaluate(() => JSON.parse(localStorage.getItem("tailor.rules") || "null")),
  };
  if (own) await context.close();
  else await p.close();
  return result;
}

describe("compiled rules", () => {
  test("inline compiled rules run on the lean engine and decide as the JSON rules, reasons and all", async () => {
    const fromJson = await visit("/json-inline.html");
    const compiled = await visit("/compiled-inline.html");
    assert.deepEqual(fromJson.engines, ["/dist/tailor_core.wasm.js", "/dist/tailor_core_rest.wasm"]);
    assert.deepEqual(compiled.engines, ["/dist/tailor_lean.wasm.js", "/dist/tailor_lean_rest.wasm"], "the preloaded lean engine script and its rest, nothing else");
    assert.equal(compiled.error, null);
    assert.ok(compiled.report.matched.length > 0, JSON.stringify(compiled.report));
    // `applied` counts what was changed at the decision, before the parser reached the body or
    // after: timing, not rules. The page that results is compared instead.
    const decisionOf = (r) => ({ ...r, applied: undefined });
    assert.deepEqual(decisionOf(compiled.report), decisionOf(fromJson.report));
    assert.equal(compiled.body, fromJson.body);
    assert.deepEqual(compiled.decided, fromJson.decided);
    assert.ok(compiled.decided[0].rules.length === json.rules.length);
    assert.equal(compiled.greeting, fromJson.greeting);
    assert.deepEqual(compiled.log.errors, []);
    assert.deepEqual(compiled.log.messages.filter((m) => m.type === "warning" || m.type === "error"),
      fromJson.log.messages.filter((m) => m.type === "warning" || m.type === "error"));
  });

  test("compiled targets are pre-hidden: the original text never paints", async () => {
    const context = await e2e.browser.newContext();
    const original = "Free shipping on orders over ¥5,000.";
    await context.addInitScript(frameRecorder("#shipping-note", original));
    const p = await context.newPage();
    await p.goto(e2e.server.url + "/compiled-inline.html");
    await p.evaluate(() => window.tailor.ready());
    await p.waitForFunction(() => window.__tailorFrames.frames >= 10);
    assert.equal(await p.locator("#shipping-note").textContent(), "This week only: free shipping on every order.");
    assert.equal(await p.evaluate(() => window.__tailorFrames.original), 0);
    await context.close();
  });

  test("a rules file named *.compiled.json gets the lean engine at once, and is cached for the next page", async () => {
    const context = await e2e.browser.newContext();
    const first = await visit("/compiled-file.html", { context });
    assert.equal(first.error, null);
    assert.deepEqual(first.engines, ["/dist/tailor_lean.wasm", "/dist/tailor_lean_rest.wasm"]);
    const fromJson = await visit("/json-inline.html");
    assert.equal(first.greeting, fromJson.greeting);
    assert.equal(first.cached && first.cached.src, "/demo-rules.compiled.json");
    const second = await visit("/compiled-file.html", { context });
    assert.equal(second.error, null);
    assert.deepEqual(second.engines, ["/dist/tailor_lean.wasm", "/dist/tailor_lean_rest.wasm"]);
    assert.deepEqual(second.report.matched, first.report.matched);
    await context.close();
  });

  test("rules of the other form still work, with the other engine, and the console says how to avoid the trip", async () => {
    const misnamed = await visit("/compiled-misnamed.html");
    assert.equal(misnamed.error, null);
    assert.deepEqual(misnamed.engines, ["/dist/tailor_core.wasm", "/dist/tailor_lean.wasm", "/dist/tailor_lean_rest.wasm"]);
    assert.ok(misnamed.report.matched.length > 0);
    assert.ok(misnamed.log.messages.some((m) => m.type === "warning" && /found late: name a rules file \*\.compiled\.json/.test(m.text)),
      JSON.stringify(misnamed.log.messages));
    const json = await visit("/json-misnamed.html");
    assert.equal(json.error, null);
    assert.deepEqual(json.engines, ["/dist/tailor_lean.wasm", "/dist/tailor_core.wasm", "/dist/tailor_core_rest.wasm"]);
    assert.deepEqual(json.report.matched, misnamed.report.matched);
    assert.equal(json.body, misnamed.body);
    assert.ok(json.log.messages.some((m) => m.type === "warning" && /JSON, not compiled/.test(m.text)));
  });

  test("the site owner's tools engine reads compiled rules: the debug overlay explains them", async () => {
    const context = await e2e.browser.newContext();
    const p = await context.newPage();
    await p.goto(e2e.server.url + "/compiled-debug.html?tailor-debug");
    assert.ok(await p.evaluate(() => window.tailor.ready()));
    const overlay = p.locator("#tailor-debug");
    await overlay.waitFor({ state: "visible", timeout: 5000 });
    assert.match(await overlay.locator('tr[data-rule="free-shipping-week"]').textContent(), /applied/);
    // The page's preload downloads the lean engine's script; the page view runs the tools engine
    // (the visitors' engines have no overlay report).
    assert.deepEqual(await engines(p), ["/dist/tailor_lean.wasm.js", "/dist/tailor_tools.wasm"]);
    await context.close();
  });

  test("damaged compiled rules leave the original page and say which rule and what to do", async () => {
    const result = await visit("/compiled-damaged.html");
    assert.equal(result.report, null);
    assert.match(result.error, /the compiled rules are damaged \(rule 3\): compile them again with `tailor compile`/);
    assert.equal(result.greeting, "Welcome!");
    assert.deepEqual(result.log.errors, []);
  });
});
