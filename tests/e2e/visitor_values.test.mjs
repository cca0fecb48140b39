// Visitor values with control characters and a hostile stored erase queue, end to end: Chromium
// against the real e2e.server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { browserAndServer, outboxDelivered, pagesDir, tailorStarted } from "./harness.mjs";

const KEY = "e2e-admin-key-0123456789";
const e2e = browserAndServer({ site: pagesDir, args: ["--admin-key", KEY, "--rate-limit", "0"] });

const ready = tailorStarted;
const delivered = outboxDelivered;

async function exported(id) {
  const r = await fetch(`${e2e.server.url}/v1/visitors/${id}`, { headers: { authorization: "Bearer " + KEY } });
  return r.status === 200 ? r.json() : { status: r.status };
}

describe("visitor values", () => {
  test("a control character in a visitor value costs neither the value nor the events", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/sync.html");
    await ready(page);
    const id = await page.evaluate(() => window.tailor.profile().profile.id);
    await page.evaluate(() => {
      window.tailor.set("pet", "ca\u0007t");
      window.tailor.track("product_view");
    });
    await delivered(page);
    const record = await exported(id);
    assert.equal(record.profile.pet, "cat");
    assert.ok(record.events.some((e) => e.type === "event" && e.name === "product_view"));
    await context.close();
  });

  test("invalid stored erase ids are dropped and never reach a URL", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    const good = "0123456789abcdef0123456789abcdef";
    await page.addInitScript((good) => {
      if (!sessionStorage.getItem("seeded")) {
        sessionStorage.setItem("seeded", "1");
        localStorage.setItem("tailor.erase", JSON.stringify(["../../../healthz?", "abc", good]));
      }
    }, good);
    const deletes = [];
    page.on("request", (r) => { if (r.method() === "DELETE") deletes.push(new URL(r.url()).pathname); });
    await page.goto(e2e.server.url + "/sync.html");
    await ready(page);
    await page.waitForFunction(() => !localStorage.getItem("tailor.erase"), null, { timeout: 20000 });
    assert.deepEqual(deletes, ["/v1/visitors/" + good]);
    await context.close();
  });
});
