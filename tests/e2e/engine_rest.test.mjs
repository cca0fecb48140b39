// The engine in two parts (issue 11, scripts/wasm_split.mjs): a page downloads what it needs to
// decide, apply and store its page view, and the rest of the engine (events, consent changes,
// sync, explain, export and forget) after the decision. The page never waits for the rest to be
// personalized; the page API is there once the rest is; a rest that cannot load leaves the
// decision and the stored page view in place and says what is off.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, test } from "node:test";
import { distWithout, launchBrowser, pagesDir, startServer, watchConsole } from "./harness.mjs";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rest</title>
<link rel="icon" href="/favicon.svg">
<link rel="preload" href="/dist/tailor_core.wasm.js" as="script" crossorigin>
<script type="application/json" id="tailor-rules">${JSON.stringify({
  rules: [{ id: "greet", actions: [{ selector: "#greeting", text: "Hello, visitor!" }] }],
})}</script>
<script src="/dist/tailor.js" data-consent="implied"></script>
</head><body><h1 id="greeting">Welcome!</h1><button id="buy" data-tailor-event="purchase">Buy</button></body></html>`;

const browser = await launchBrowser();
after(() => browser.close());

async function open(server, { restDelayMs = 0 } = {}) {
  const context = await browser.newContext();
  await context.route("**/t-rest/page.html", (route) => route.fulfill({ contentType: "text/html", body: PAGE }));
  let restRequested = null;
  let releaseRest = () => {};
  const restHeld = new Promise((resolve) => (releaseRest = resolve));
  if (restDelayMs) {
    await context.route("**/tailor_core_rest.wasm*", async (route) => {
      restRequested = Date.now();
      await Promise.race([restHeld, new Promise((r) => setTimeout(r, restDelayMs))]);
      await route.continue();
    });
  }
  const tab = await context.newPage();
  const log = watchConsole(tab);
  await tab.goto(server.url + "/t-rest/page.html");
  return { context, tab, log, releaseRest, restRequested: () => restRequested };
}

describe("the rest of the engine", () => {
  test("is requested after the decision; the page is personalized and its page view stored before it arrives, and clicks meanwhile count", async () => {
    const server = await startServer({ site: pagesDir });
    try {
      const { context, tab, log, releaseRest, restRequested } = await open(server, { restDelayMs: 5000 });
      await tab.waitForFunction(() => document.getElementById("greeting").textContent === "Hello, visitor!");
      // The rest is held by the route: the decision, the change and the stored page view came
      // without it, and the page API (which needs it) is not there yet.
      await tab.waitForFunction(() => localStorage.getItem("tailor.profile") !== null, null, { timeout: 5000 });
      assert.ok(restRequested(), "the rest was requested");
      const before = await tab.evaluate(() => ({
        decided: performance.getEntriesByName("tailor:decided").length,
        rest: performance.getEntriesByName("tailor:rest").length,
        api: typeof window.tailor.track,
        requested: performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname),
      }));
      assert.equal(before.decided, 1);
      assert.equal(before.rest, 0, "the rest has not arrived");
      assert.equal(before.api, "undefined", "window.tailor is still the command queue");
      // Commands queued meanwhile are replayed once it has, and so is a click already seen.
      await tab.evaluate(() => window.tailor.push(["track", "queued_early"]));
      await tab.click("#buy");
      releaseRest();
      const report = await tab.evaluate(() => window.tailor.ready());
      assert.deepEqual(report.matched, ["greet"]);
      const marks = await tab.evaluate(() => ({
        decided: performance.getEntriesByName("tailor:decided")[0].startTime,
        rest: performance.getEntriesByName("tailor:rest")[0].startTime,
        restStart: performance.getEntriesByType("resource").find((e) => e.name.includes("tailor_core_rest")).startTime,
      }));
      assert.ok(marks.restStart >= marks.decided, JSON.stringify(marks));
      assert.ok(marks.rest > marks.decided, JSON.stringify(marks));
      // What moved to the rest works: events, clicks, the visitor's own data.
      await tab.click("#buy");
      const events = await tab.evaluate(() => window.tailor.profile().profile.events);
      assert.equal(events.queued_early[0], 1, JSON.stringify(events));
      assert.equal(events.purchase[0], 2, "the click before the rest arrived counts too: " + JSON.stringify(events));
      assert.equal(await tab.evaluate(() => window.tailor.error()), null);
      assert.deepEqual(log.errors.map(String), []);
      assert.deepEqual(log.messages.filter((m) => m.type === "error"), []);
      await context.close();
    } finally {
      await server.stop();
    }
  });

  test("that cannot load leaves the decision and the stored page view, and the console says what is off", async () => {
    const dist = distWithout("tailor_core_rest.wasm");
    const server = await startServer({ site: pagesDir, dist });
    try {
      const { context, tab, log } = await open(server);
      const report = await tab.evaluate(() => window.tailor.ready());
      assert.deepEqual(report.matched, ["greet"]);
      assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
      assert.match(await tab.evaluate(() => window.tailor.error()), /could not load .*tailor_core_rest\.wasm/);
      assert.ok(log.messages.some((m) => m.type === "error" &&
        /the rest of the engine did not load, so clicks, consent changes, events and sync are off/.test(m.text)),
      JSON.stringify(log.messages));
      // The page API says it is not running rather than failing inside the engine.
      assert.equal(await tab.evaluate(() => window.tailor.profile()), null);
      assert.ok(log.messages.some((m) => m.type === "warning" && /not running on this page/.test(m.text)));
      // The page view was stored: the next one counts it.
      const views = await tab.evaluate(() => JSON.parse(localStorage.getItem("tailor.profile")).views);
      await tab.reload();
      await tab.evaluate(() => window.tailor.ready());
      assert.equal(await tab.evaluate(() => JSON.parse(localStorage.getItem("tailor.profile")).views), views + 1);
      assert.deepEqual(log.errors.map(String), []);
      await context.close();
    } finally {
      await server.stop();
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
