// Consent from the site's own consent platform, end to end in Chromium against the real server:
// an IAB TCF v2.2 CMP built on the IAB's open-source libraries (@iabtcf/stub, @iabtcf/cmpapi,
// @iabtcf/core encoding real TC strings against a committed vendor-list fixture), Google Consent
// Mode v2 commands pushed by gtag-style code and by a real open-source CMP (tarteaucitron.js),
// and Global Privacy Control on top of both.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { launchBrowser, pagesDir, root, startServer, tailorStarted, watchConsole } from "./harness.mjs";

const KEY = "e2e-admin-key-0123456789";
const require = createRequire(import.meta.url);
let browser;
let server;
let site;

// The test pages, with the CMP libraries bundled for the browser (as a site's build would).
async function buildSite() {
  const dir = mkdtempSync(join(tmpdir(), "tailor-cmp-site-"));
  cpSync(pagesDir, dir, { recursive: true });
  await build({
    entryPoints: { stub: join(pagesDir, "cmp", "stub.mjs"), "tcf-cmp": join(pagesDir, "cmp", "tcf-cmp.mjs") },
    outdir: join(dir, "cmp"), bundle: true, format: "iife", platform: "browser", target: "es2020",
    logLevel: "error", absWorkingDir: root,
  });
  const tac = dirname(require.resolve("tarteaucitronjs/package.json"));
  for (const f of ["tarteaucitron.js", "tarteaucitron.services.js", "lang", "css"]) {
    cpSync(join(tac, f), join(dir, "cmp", "tarteaucitron", f), { recursive: true });
  }
  return dir;
}

before(async () => {
  site = await buildSite();
  browser = await launchBrowser();
  server = await startServer({ site, args: ["--admin-key", KEY, "--rate-limit", "0"] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (site) rmSync(site, { recursive: true, force: true });
});

const GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });";

async function open(path, { gpc = false } = {}) {
  const context = await browser.newContext();
  if (gpc) await context.addInitScript(GPC);
  // tarteaucitron's GA4 service loads gtag.js from Google: no network here, and none needed.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  const page = await context.newPage();
  const console = watchConsole(page);
  await page.goto(server.url + path);
  await tailorStarted(page);
  return { context, page, console };
}

/** Tailor's keys in localStorage (the CMP's own cookie is not Tailor's). */
const stored = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("tailor.")).sort());
const consent = (page) => page.evaluate(() => window.tailor.consent());
const until = (page, personalization, sync) =>
  page.waitForFunction(([p, s]) => {
    const c = window.tailor.consent();
    return c.personalization === p && c.sync === s;
  }, [personalization, sync], { timeout: 5000 });
const welcome = (page) => page.textContent("#welcome");
const visitor = (page) => page.evaluate(() => window.tailor.profile().profile.id);

async function exported(id) {
  const r = await fetch(`${server.url}/v1/visitors/${id}`, { headers: { authorization: "Bearer " + KEY } });
  return r.status === 200 ? r.json() : { status: r.status };
}

/** Saves the form and waits a flush: what Tailor would store, it has stored by then. */
async function declare(page) {
  await page.click("#save");
  await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
}

describe("IAB TCF v2.2", () => {
  test("accept all: nothing is stored until the CMP answers, then both purposes", async () => {
    const { context, page } = await open("/cmp/tcf.html?delay=400"); // Tailor asks through the stub
    assert.equal(await welcome(page), "Welcome, cat lover", "the page decides for an anonymous visitor");
    assert.deepEqual(await consent(page), { mode: "required", gpc: false, personalization: false, sync: false, source: "tcf" });
    await declare(page);
    assert.deepEqual(await stored(page), [], "nothing is written before the CMP answers");
    await page.waitForSelector("#cmp-banner:not([hidden])");
    await page.click("#cmp-accept");
    await until(page, true, true);
    await declare(page);
    assert.ok((await stored(page)).includes("tailor.profile"));
    assert.equal(await page.evaluate(() => localStorage.getItem("tailor.consent")), null,
      "the CMP's answer is the CMP's to keep, not Tailor's");
    const id = await visitor(page);
    await page.evaluate(() => window.tailor.track("newsletter"));
    await page.waitForFunction(() => !localStorage.getItem("tailor.outbox"), null, { timeout: 10000 });
    const record = await exported(id);
    assert.ok(record.events.some((e) => e.type === "event" && e.name === "newsletter"), "synced to the site's server");
    await context.close();
  });

  test("reject all: nothing is stored, on this page or the next", async () => {
    const { context, page } = await open("/cmp/tcf.html");
    await page.click("#cmp-reject");
    await page.waitForFunction(() => document.getElementById("cmp-banner").hidden);
    await declare(page);
    assert.deepEqual(await consent(page), { mode: "required", gpc: false, personalization: false, sync: false, source: "tcf" });
    assert.deepEqual(await stored(page), []);
    await page.reload(); // the CMP is there at once now, with the stored refusal (tcloaded)
    await tailorStarted(page);
    await declare(page);
    assert.equal(await welcome(page), "Welcome, cat lover");
    assert.deepEqual(await stored(page), []);
    await context.close();
  });

  test("accept only some purposes: personalized content but no sync", async () => {
    const { context, page } = await open("/cmp/tcf.html");
    await page.click("#cmp-some"); // purposes 1, 5 and 6 only
    await until(page, true, false);
    await declare(page);
    const keys = await stored(page);
    assert.ok(keys.includes("tailor.profile"), keys.join());
    assert.ok(!keys.includes("tailor.outbox"), "nothing queued for the server");
    await context.close();
  });

  test("change later: a withdrawal in the CMP erases on the device and on the server", async () => {
    const { context, page } = await open("/cmp/tcf.html");
    await page.click("#cmp-accept");
    await until(page, true, true);
    await declare(page);
    const id = await visitor(page);
    await page.reload(); // the stored TC string again (tcloaded): the same profile
    await tailorStarted(page);
    await until(page, true, true);
    assert.equal(await visitor(page), id);
    await page.evaluate(() => window.tailor.track("newsletter"));
    await page.waitForFunction(() => !localStorage.getItem("tailor.outbox"), null, { timeout: 10000 });
    assert.equal((await exported(id)).profile.pet, "cat");
    await page.click("#cmp-manage"); // re-opened (cmpuishown): nothing changes yet
    await page.waitForTimeout(50);
    assert.equal((await consent(page)).personalization, true);
    await page.click("#cmp-reject");
    await until(page, false, false);
    await page.waitForFunction(() => !localStorage.getItem("tailor.erase"), null, { timeout: 10000 });
    assert.deepEqual(await stored(page), [], "profile, outbox and erase queue are gone");
    assert.equal((await exported(id)).status, 404, "the server erased the visitor");
    await page.click("#cmp-manage");
    await page.click("#cmp-accept"); // and back: a fresh profile is stored again
    await until(page, true, true);
    await declare(page);
    assert.ok((await stored(page)).includes("tailor.profile"));
    assert.notEqual(await visitor(page), id);
    await context.close();
  });

  test("a CMP that never answers: nothing is stored, the page still decides", async () => {
    const { context, page, console } = await open("/cmp/tcf.html?cmp=never");
    assert.equal(await welcome(page), "Welcome, cat lover");
    await declare(page);
    await page.evaluate(() => window.tailor.track("newsletter"));
    await page.waitForTimeout(500);
    assert.deepEqual(await stored(page), []);
    assert.equal((await consent(page)).personalization, false);
    assert.deepEqual(console.messages.filter((m) => m.type === "error"), []);
    await context.close();
  });

  test("a malformed TC string: one clear warning, nothing stored", async () => {
    const { context, page, console } = await open("/cmp/tcf.html?cmp=malformed");
    const served = await page.evaluate(() => new Promise((r) => window.__tcfapi("getTCData", 2, (d) => r(d.tcString))));
    assert.equal(await page.evaluate((s) => window.tcStringDecodes(s), served), false, "the IAB's decoder refuses it too");
    await declare(page);
    await page.waitForTimeout(200);
    const warnings = console.messages.filter((m) => m.type === "warning" && m.text.includes("TC string"));
    assert.equal(warnings.length, 1, JSON.stringify(console.messages));
    assert.match(warnings[0].text, /^Tailor: the CMP's TC string is malformed; Tailor stores nothing/);
    assert.deepEqual(await stored(page), []);
    assert.equal((await consent(page)).personalization, false);
    await context.close();
  });

  test("GPC: sync stays denied whatever the CMP says, unless granted in Tailor's own UI", async () => {
    const { context, page } = await open("/cmp/tcf.html", { gpc: true });
    await page.click("#cmp-accept");
    await until(page, true, false);
    assert.equal((await consent(page)).gpc, true);
    await page.evaluate(() => window.tailor.consent({ sync: true })); // the visitor's own choice
    await until(page, true, true);
    await page.reload(); // remembered, and again only once the CMP allows it
    await tailorStarted(page);
    await until(page, true, true);
    await context.close();
  });
});

/** tarteaucitron has drawn its banner and added its GA4 service (which Accept all then accepts);
 * it wires the banner's buttons 500 ms after drawing it (a fixed delay of its own). */
async function tarteaucitronReady(page) {
  await page.waitForFunction(() =>
    document.getElementById("tarteaucitronPersonalize2") && window.tarteaucitron.added.gtag === true, null, { timeout: 10000 });
  await page.waitForTimeout(700);
}

describe("Google Consent Mode v2", () => {
  test("defaults before Tailor starts, the region's default first, updates after", async () => {
    const { context, page } = await open("/cmp/gtag.html?geo=JP-47");
    // JP grants both, JP-47 (more specific) denies analytics again.
    await until(page, true, false);
    await declare(page);
    assert.ok((await stored(page)).includes("tailor.profile"));
    const before = await page.evaluate(() => window.dataLayer.length);
    await page.click("#grant");
    await until(page, true, true);
    // gtag-style pushes still land in dataLayer for every other consumer.
    const pushed = await page.evaluate(() => window.dataLayer.slice(-3).map((e) => e[0] || e.event));
    assert.ok(await page.evaluate((n) => window.dataLayer.length > n, before));
    assert.ok(pushed.includes("consent"), pushed.join());
    await page.click("#deny");
    await until(page, false, false);
    assert.ok(!(await stored(page)).includes("tailor.profile"), "withdrawal erased the profile");
    await context.close();
  });

  test("the visitor's region decides which default applies", async () => {
    for (const [geo, personalization, sync] of [["JP-13", true, true], ["FR", false, false]]) {
      const { context, page } = await open("/cmp/gtag.html?geo=" + geo);
      await until(page, personalization, sync);
      await declare(page);
      assert.equal((await stored(page)).includes("tailor.profile"), personalization, geo);
      await context.close();
    }
  });

  test("no consent command yet: as required, until the first update", async () => {
    const { context, page } = await open("/cmp/gtag.html?defaults=none&geo=JP-13");
    await declare(page);
    assert.equal(await welcome(page), "Welcome, cat lover");
    assert.deepEqual(await stored(page), []);
    await page.click("#grant");
    await until(page, true, true);
    await declare(page);
    assert.ok((await stored(page)).includes("tailor.profile"));
    await context.close();
  });

  test("GPC: analytics_storage granted does not turn sync on, Tailor's own UI does", async () => {
    const { context, page } = await open("/cmp/gtag.html?geo=JP-13", { gpc: true });
    await until(page, true, false);
    await page.click("#grant");
    await page.waitForTimeout(50);
    assert.equal((await consent(page)).sync, false);
    await page.evaluate(() => window.tailor.consent({ sync: true }));
    await until(page, true, true);
    await context.close();
  });

  test("tarteaucitron.js: its banner's buttons drive Tailor through Consent Mode", async () => {
    const { context, page } = await open("/cmp/tarteaucitron.html");
    await tarteaucitronReady(page);
    // Its default (every type denied) is a consent command: an answer, and a "no".
    await until(page, false, false);
    await declare(page);
    assert.deepEqual(await stored(page), []);
    await page.click("#tarteaucitronPersonalize2"); // "Accept all"
    await until(page, true, true);
    await declare(page);
    assert.ok((await stored(page)).includes("tailor.profile"));
    await page.reload(); // its stored choice again, as a consent update
    await tailorStarted(page);
    await until(page, true, true);
    await tarteaucitronReady(page);
    await page.click("#tarteaucitronIcon"); // its privacy settings panel
    await page.click("#tarteaucitronAllDenied"); // "Deny all": a withdrawal
    await until(page, false, false);
    assert.ok(!(await stored(page)).includes("tailor.profile"), "withdrawal erased the profile");
    await context.close();
  });

  test("tarteaucitron.js with GPC: sync stays off after Accept all", async () => {
    const { context, page } = await open("/cmp/tarteaucitron.html", { gpc: true });
    await tarteaucitronReady(page);
    await until(page, false, false);
    await page.click("#tarteaucitronPersonalize2");
    await until(page, true, false);
    await context.close();
  });
});

describe("docs/privacy.md", () => {
  // Each HTML snippet that configures a consent source, served as a page of its own.
  const snippets = [...readFileSync(join(root, "docs", "privacy.md"), "utf8").matchAll(/```html\n([\s\S]*?)```/g)]
    .map((m) => m[1]).filter((html) => /"source":\s*"/.test(html));

  test("every consent-source snippet is a valid configuration", async () => {
    assert.ok(snippets.length >= 4, `found ${snippets.length}`);
    for (const html of snippets) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const { messages } = watchConsole(page);
      await page.route(server.url + "/cmp/snippet.html", (route) => route.fulfill({
        contentType: "text/html",
        body: "<!doctype html><head>" + html.replace(/<script src="\/cmp-stub.js"><\/script>.*\n/, "") +
          (html.includes("/dist/tailor.js") ? "" : '<script src="/dist/tailor.js"></script>') + "</head><body></body>",
      }));
      await page.goto(server.url + "/cmp/snippet.html");
      await tailorStarted(page);
      const source = html.match(/"source":\s*"([a-z-]+)"/)[1];
      assert.equal((await consent(page)).source, source, html);
      assert.deepEqual(messages.filter((m) => m.text.startsWith("Tailor: config")), [], html);
      await context.close();
    }
  });
});
