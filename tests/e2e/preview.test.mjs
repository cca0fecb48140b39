// Preview links end to end: a link printed by the real `tailor preview` binary, opened in real
// Chromium on the demo store served by the real `tailor serve`. In preview the page looks as the
// chosen visitor would see it on every page of the tab, nothing is stored, counted or sent, and
// exit brings the visitor's real profile back. Hostile links are refused.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { browserAndServer, outboxDelivered, pagesDir, root, startServer, tailorStarted, watchConsole } from "./harness.mjs";

const binary = process.env.TAILOR_BIN || join(root, "target", "debug", "tailor");

const e2e = browserAndServer({ args: ["--rate-limit", "0"] });

/** `tailor preview` as a site owner runs it; returns the printed link. */
function previewLink(url, ...sets) {
  const args = ["preview", "--rules", join(root, "demo-site", "rules.json"), "--url", url];
  for (const s of sets) args.push("--set", s);
  return execFileSync(binary, args, { encoding: "utf8", timeout: 10000 }).trim();
}

const base64url = (text) => Buffer.from(text, "utf8").toString("base64url");

/** A visitor with a real profile: answered the form (Hana, dog), allowed storing and sync. */
async function realVisitor() {
  const context = await e2e.browser.newContext({ timezoneId: "Asia/Tokyo", locale: "en-US" });
  await context.addInitScript(() => {
    // Every Tailor event the page sees, and every request to the server's API.
    window.__events = [];
    for (const type of ["tailor:exposure", "tailor:conversion"]) {
      document.addEventListener(type, (e) => window.__events.push(type + ":" + e.detail.rule));
    }
  });
  const page = await context.newPage();
  const api = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/v1/")) api.push(r.method() + " " + new URL(r.url()).pathname);
  });
  const console = watchConsole(page);
  await page.goto(e2e.server.url + "/");
  await tailorStarted(page);
  await page.evaluate(() => window.tailor.consent({ personalization: true, sync: true }));
  await page.fill("#about-you input[name=name]", "Hana");
  await page.selectOption("#about-you select[name=pet]", "dog");
  await page.click("#about-you button[type=submit]");
  await page.goto(e2e.server.url + "/");
  await tailorStarted(page);
  await outboxDelivered(page);
  assert.ok(api.length > 0, "the real visitor syncs");
  return { context, page, api, console };
}

const storage = (page) => page.evaluate(() => {
  const all = {};
  for (let i = 0; i < localStorage.length; i++) all[localStorage.key(i)] = localStorage.getItem(localStorage.key(i));
  return all;
});
const session = (page) => page.evaluate(() => Object.keys(sessionStorage).sort());
const banner = (page) => page.locator("[data-tailor=preview]");
const text = (page, selector) => page.locator(selector).textContent();

describe("preview links", () => {
  test("the page as a cat owner in Okinawa about to buy, across pages, storing and sending nothing", async () => {
    const link = previewLink(e2e.server.url + "/", "pet=cat", "geo.region=JP-47", "stage=purchase");
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#tailor-preview=[A-Za-z0-9_-]+$/);
    const { context, page, api, console } = await realVisitor();
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/dog.svg", "the real profile: a dog");
    const before = await storage(page);
    assert.ok(before["tailor.profile"] && before["tailor.consent"], Object.keys(before).join());
    api.length = 0;

    await page.goto("about:blank"); // as a link opened from a mail or chat
    await page.goto(link);
    await tailorStarted(page);
    await banner(page).waitFor();
    assert.equal(await banner(page).textContent(), "Preview: cat · JP-47 · purchase — exit");
    assert.equal(await banner(page).locator("*").count(), 1, "the banner holds text and its exit button only");
    assert.equal(new URL(page.url()).hash, "", "the payload leaves the address bar");
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/cat.svg");
    assert.match(await text(page, "#season-text"), /Okinawa sunshine/);
    assert.equal(await text(page, "#cta"), "Thank you for your order! Read our care guides");
    assert.equal(await text(page, "#greeting"), "Welcome to Pawsome Pets!", "the real name is not read");
    const attrs = await page.evaluate(() => window.tailor.report());
    assert.ok(attrs.matched.includes("hero-cat"), attrs.matched.join());
    assert.equal(attrs.persisted, false);
    assert.equal(await page.evaluate(() => window.tailor.consent().personalization), false, "nothing may be stored");
    assert.deepEqual(await session(page), ["tailor.preview"], "sessionStorage holds the payload only");

    // Another page of the tab: still in preview. A click on add to cart counts no conversion.
    await page.click("a[href='/product.html']");
    await tailorStarted(page);
    await banner(page).waitFor();
    await page.click("#add-to-cart");
    await page.goto(e2e.server.url + "/cats.html");
    await tailorStarted(page);
    await banner(page).waitFor();
    assert.equal(await banner(page).textContent(), "Preview: cat · JP-47 · purchase — exit");
    await page.waitForTimeout(1500); // past the demo's flushAfterMs: a batch would have gone
    await page.evaluate(() => new Promise((r) => { dispatchEvent(new Event("pagehide")); setTimeout(r, 200); }));
    assert.deepEqual(await page.evaluate(() => window.__events), [], "no exposure, no conversion");
    assert.deepEqual(api, [], "no request to the server's API");
    assert.deepEqual(await storage(page), before, "localStorage is byte for byte as it was");

    // Exit: the real visitor is back.
    await banner(page).locator("button").click();
    await page.waitForLoadState("load");
    await tailorStarted(page);
    assert.equal(await banner(page).count(), 0);
    assert.deepEqual(await session(page), ["demo-cart"], "the preview payload is gone (the demo's own cart stays)");
    await page.goto(e2e.server.url + "/");
    await tailorStarted(page);
    assert.equal(await text(page, "#greeting"), "Welcome back, Hana! Your dog missed you.");
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/dog.svg");
    assert.equal(await page.evaluate(() => window.tailor.consent().personalization), true);
    assert.deepEqual(console.errors, []);
    await context.close();
  });

  test("hostile links are refused with a console warning and change nothing", async () => {
    const { context, page, api, console } = await realVisitor();
    const before = await storage(page);
    api.length = 0;
    const hostile = [
      ["markup", base64url(JSON.stringify({ name: "<img src=x onerror=window.__pwned=1>" }))],
      ["control characters", base64url(JSON.stringify({ name: "Yu\u001bki" }))],
      ["a huge string", base64url(JSON.stringify({ name: "a".repeat(5000) }))],
      ["an unknown key", base64url(JSON.stringify({ url: "https://evil.example/" }))],
      ["a custom attribute", base64url(JSON.stringify({ plan: "gold" }))],
      ["bad JSON", base64url("{pet: cat")],
      ["bad base64", "%%%not-base64%%%"],
      ["bad UTF-8", Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")],
    ];
    for (const [what, code] of hostile) {
      const seen = console.messages.length;
      await page.goto("about:blank");
      await page.goto(e2e.server.url + "/#tailor-preview=" + code);
      await tailorStarted(page);
      const warnings = console.messages.slice(seen).filter((m) => m.type === "warning").map((m) => m.text);
      assert.ok(warnings.some((w) => w.includes("a preview link was refused")), `${what}: ${warnings.join(" | ")}`);
      assert.equal(await banner(page).count(), 0, what);
      assert.equal(await page.evaluate(() => window.__pwned), undefined, what);
      assert.equal(await page.locator("img[src=x]").count(), 0, what);
      assert.deepEqual(await session(page), [], what);
      assert.equal(await text(page, "#greeting"), "Welcome back, Hana! Your dog missed you.", `${what}: the real visitor`);
    }
    // The real visitor's page views were stored as usual; nothing of the links was.
    const after = await storage(page);
    assert.ok(!JSON.stringify(after).includes("evil") && !JSON.stringify(after).includes("<img"));
    assert.equal(after["tailor.consent"], before["tailor.consent"]);
    assert.deepEqual(console.errors, []);
    await context.close();
  });

  test("a site that did not opt in ignores preview links", async () => {
    const plain = await startServer({ site: pagesDir });
    try {
      const context = await e2e.browser.newContext();
      const page = await context.newPage();
      const console = watchConsole(page);
      await page.goto(plain.url + "/no-debug.html#tailor-preview=" + base64url('{"pet":"cat"}'));
      await tailorStarted(page);
      const warnings = console.messages.filter((m) => m.type === "warning").map((m) => m.text);
      assert.ok(warnings.some((w) => w.includes("a preview link was ignored: this site does not allow previews")), warnings.join(" | "));
      assert.equal(await banner(page).count(), 0);
      assert.equal(await page.evaluate(() => window.tailor.consent().personalization), true, "not in preview");
      await context.close();
    } finally {
      await plain.stop();
    }
  });
  test("visitors never download the site owner's tools: only a preview link, the tab it previews and ?tailor-debug do", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    const console = watchConsole(page);
    // The engine files this page view requested (resource timing lists cached ones too).
    const engines = () => page.evaluate(() => performance.getEntriesByType("resource")
      .map((e) => new URL(e.name).pathname).filter((p) => /\/tailor_(core|tools)/.test(p)).sort());
    await page.goto(e2e.server.url + "/");
    await tailorStarted(page);
    assert.deepEqual(await engines(), ["/dist/tailor_core.wasm.js", "/dist/tailor_core_rest.wasm"], "a visitor: the preloaded engine and its rest only");
    assert.equal(await page.evaluate(() => window.tailor.report().matched.length > 0), true);

    await page.goto("about:blank");
    await page.goto(previewLink(e2e.server.url + "/", "pet=cat"));
    await tailorStarted(page);
    await banner(page).waitFor();
    // The page's preload still fetches the visitors' engine; the tools engine is what runs.
    assert.deepEqual(await engines(), ["/dist/tailor_core.wasm.js", "/dist/tailor_tools.wasm"]);
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/cat.svg");

    await page.goto(e2e.server.url + "/cats.html");
    await tailorStarted(page);
    await banner(page).waitFor();
    assert.deepEqual(await engines(), ["/dist/tailor_core.wasm.js", "/dist/tailor_tools.wasm"], "the tab stays in preview");

    await banner(page).locator("button").click(); // exit
    await page.waitForLoadState("load");
    await tailorStarted(page);
    assert.equal(await banner(page).count(), 0);
    assert.deepEqual(await engines(), ["/dist/tailor_core.wasm.js", "/dist/tailor_core_rest.wasm"], "out of preview: the visitors' engine again");

    await page.goto(e2e.server.url + "/?tailor-debug");
    await tailorStarted(page);
    await page.locator("#tailor-debug").waitFor();
    assert.deepEqual(await engines(), ["/dist/tailor_core.wasm.js", "/dist/tailor_tools.wasm"]);
    assert.match(await page.locator("#tailor-debug").textContent(), /hero/, "the overlay reports the rules");
    assert.deepEqual(console.errors, []);
    await context.close();
  });
});
