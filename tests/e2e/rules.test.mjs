// DOM rules end to end: rules from a file cached on the device, the debug overlay's opt-in,
// dataLayer events, and explain/revert through the page API.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { browserAndServer, frameRecorder, pagesDir, watchConsole } from "./harness.mjs";

const e2e = browserAndServer({ site: pagesDir });

const ready = (page) => page.evaluate(() => window.tailor.ready());
const greeting = (page) => page.locator("#greeting").textContent();

describe("rules", () => {
  test("a rules file is cached: a returning visitor is personalized without the network, no flicker", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/rules-file.html");
    await ready(page);
    assert.equal(await greeting(page), "Hello, cat people!");
    const cached = await page.evaluate(() => JSON.parse(localStorage.getItem("tailor.rules")));
    assert.equal(JSON.parse(cached.text).version, "2026-11-23");

    // The rules file is now unreachable; the cached copy decides, and pre-hides its selector.
    await context.route("**/rules.json", (route) => route.abort("connectionrefused"));
    await context.addInitScript(frameRecorder("#greeting", "Original greeting"));
    const { errors } = watchConsole(page);
    await page.reload();
    await ready(page);
    await page.waitForFunction(() => window.__tailorFrames.frames >= 10);
    assert.equal(await greeting(page), "Hello, cat people!");
    assert.equal(await page.evaluate(() => window.__tailorFrames.original), 0, "never shown before the change");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("decisions and exposures reach dataLayer; explain and revert work from the page", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/rules-file.html");
    await ready(page);
    const events = await page.evaluate(() => window.dataLayer.map((e) => e.event));
    assert.ok(events.includes("tailor:decided"), JSON.stringify(events));
    assert.ok(events.includes("tailor:exposure"));
    const exposure = await page.evaluate(() => window.dataLayer.find((e) => e.event === "tailor:exposure").tailor);
    assert.deepEqual(exposure, { rule: "cat-greeting", variant: "exposed", slot: "greeting" });

    const why = await page.evaluate(() => window.tailor.explain(document.getElementById("greeting")));
    assert.equal(why.length, 1);
    assert.equal(why[0].rule, "cat-greeting");
    assert.equal(why[0].outcome, "applied");
    assert.deepEqual(await page.evaluate(() => window.tailor.explain(document.getElementById("plain"))), []);

    await page.evaluate(() => window.tailor.revert());
    assert.equal(await greeting(page), "Original greeting");
    await context.close();
  });

  test("the debug overlay needs the site's opt-in and ?tailor-debug, and says why", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/rules-file.html");
    await ready(page);
    assert.equal(await page.locator("#tailor-debug").count(), 0, "not without ?tailor-debug");

    await page.goto(e2e.server.url + "/rules-file.html?tailor-debug");
    await ready(page);
    const overlay = page.locator("#tailor-debug");
    await overlay.waitFor({ state: "visible", timeout: 5000 });
    const row = overlay.locator('tr[data-rule="cat-greeting"]');
    assert.match(await row.textContent(), /applied/);
    assert.match(await page.locator("#greeting").evaluate((el) => el.style.outline), /solid/);

    await page.goto(e2e.server.url + "/no-debug.html?tailor-debug");
    await ready(page);
    await page.waitForTimeout(300);
    assert.equal(await page.locator("#tailor-debug").count(), 0, "a site that did not enable it never shows it");
    const engines = await page.evaluate(() => performance.getEntriesByType("resource")
      .map((e) => new URL(e.name).pathname).filter((p) => /\/tailor_(core|tools)/.test(p)));
    assert.deepEqual(engines, ["/dist/tailor_core.wasm", "/dist/tailor_core_rest.wasm"], "nor downloads the site owner's tools for it");

    // The loader picks the engine when it runs, so a block after it enables the overlay too late:
    // the page says where the block belongs instead of failing.
    const { messages } = watchConsole(page);
    await page.goto(e2e.server.url + "/debug-config-after.html?tailor-debug");
    await ready(page);
    await page.waitForTimeout(300);
    assert.equal(await page.locator("#tailor-debug").count(), 0);
    assert.ok(messages.some((m) => m.type === "warning" && /must come before the Tailor script/.test(m.text)),
      JSON.stringify(messages));
    assert.equal(await page.locator("#greeting").textContent() !== "Original greeting", true, "still personalized");
    await context.close();
  });
});
