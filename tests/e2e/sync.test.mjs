// Consented sync end to end: the outbox in Chromium against the real server and its database.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { browserAndServer, outboxDelivered, pagesDir, tailorStarted } from "./harness.mjs";

const KEY = "e2e-admin-key-0123456789";
const e2e = browserAndServer({ site: pagesDir, args: ["--admin-key", KEY, "--rate-limit", "0"] });

const ready = tailorStarted;
const visitor = (page) => page.evaluate(() => window.tailor.profile().profile.id);
const delivered = outboxDelivered;

async function exported(id) {
  const r = await fetch(`${e2e.server.url}/v1/visitors/${id}`, { headers: { authorization: "Bearer " + KEY } });
  return r.status === 200 ? r.json() : { status: r.status };
}

function count(record, type, name) {
  return record.events.filter((e) => e.type === type && (name === undefined || e.name === name || e.rule === name)).length;
}

describe("sync", () => {
  test("every event arrives exactly once, also when the page reloads mid-flush", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/sync.html");
    await ready(page);
    const id = await visitor(page);
    for (let i = 0; i < 3; i++) await page.evaluate(() => window.tailor.track("product_view"));
    await page.click("#save");
    await page.click("#buy");
    await page.reload(); // mid-flush: the batch is still waiting (or in flight as a beacon)
    await ready(page);
    await delivered(page);
    const record = await exported(id);
    assert.equal(count(record, "pageview"), 2);
    assert.equal(count(record, "event", "product_view"), 3);
    assert.equal(count(record, "event", "purchase"), 1);
    assert.equal(count(record, "exposure", "cta"), 2, "one exposure per page view");
    assert.equal(count(record, "conversion", "purchase"), 1);
    const ids = record.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "stored once each");
    assert.equal(record.profile.pet, "cat");
    assert.equal(record.profile.name, undefined, "the name never leaves the device by default");
    await context.close();
  });

  test("offline events survive a reload and are delivered once back online", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/sync.html");
    await ready(page);
    await delivered(page);
    const id = await visitor(page);
    await context.setOffline(true);
    await page.evaluate(() => { window.tailor.track("offline_view"); window.tailor.track("offline_view"); });
    await page.waitForTimeout(800); // the send fails and backs off
    const queued = await page.evaluate(() => JSON.parse(localStorage.getItem("tailor.outbox")).events.length);
    assert.ok(queued >= 2, "kept on the device while offline");
    await context.setOffline(false);
    await page.reload();
    await ready(page);
    await delivered(page);
    const record = await exported(id);
    assert.equal(count(record, "event", "offline_view"), 2);
    assert.equal(count(record, "pageview"), 2);
    await context.close();
  });

  test("two tabs offline keep each other's unsent events; all arrive once back online", async () => {
    const context = await e2e.browser.newContext();
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      await tab.goto(e2e.server.url + "/sync.html");
      await ready(tab);
      await delivered(tab);
    }
    const [a, b] = tabs;
    const id = await visitor(a);
    await context.setOffline(true);
    for (let i = 0; i < 3; i++) {
      await a.evaluate(() => window.tailor.track("from_a"));
      await b.evaluate(() => window.tailor.track("from_b"));
    }
    // Both tabs' sends fail and back off; each retry writes the outbox again. Chromium passes one
    // tab's localStorage writes to the other asynchronously, so a write may not have seen the
    // other tab's latest event yet: the next one has it back. Wait until the stored outbox holds
    // all six in both tabs.
    const all = () => {
      const names = JSON.parse(localStorage.getItem("tailor.outbox") || '{"events":[]}').events.map((e) => e.name);
      return names.filter((n) => n === "from_a").length === 3 && names.filter((n) => n === "from_b").length === 3;
    };
    await a.waitForFunction(all, null, { timeout: 15000 });
    await b.waitForFunction(all, null, { timeout: 15000 });
    await a.close();
    await b.close();
    await context.setOffline(false);
    const next = await context.newPage();
    await next.goto(e2e.server.url + "/sync.html");
    await ready(next);
    await delivered(next);
    const record = await exported(id);
    assert.equal(count(record, "event", "from_a"), 3);
    assert.equal(count(record, "event", "from_b"), 3);
    const ids = record.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "stored once each");
    await context.close();
  });

  test("withdrawing sync erases on the server and on the device; nothing more is sent", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/sync.html");
    await ready(page);
    await page.evaluate(() => window.tailor.track("before"));
    await delivered(page);
    const id = await visitor(page);
    assert.equal(count(await exported(id), "event", "before"), 1);
    await page.evaluate(() => window.tailor.consent({ sync: false }));
    await page.waitForFunction(() => !localStorage.getItem("tailor.erase"), null, { timeout: 10000 });
    assert.equal((await exported(id)).status, 404, "erased on the server");
    await page.evaluate(() => window.tailor.track("after"));
    await page.waitForTimeout(700);
    assert.equal(await page.evaluate(() => localStorage.getItem("tailor.outbox")), null);
    assert.equal((await exported(id)).status, 404, "nothing sent after withdrawal");
    await context.close();
  });
});
