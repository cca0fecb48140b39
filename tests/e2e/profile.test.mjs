// The visitor profile end to end: the two-field form, consent required, two real tabs.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchBrowser, pagesDir, startServer, watchConsole } from "./harness.mjs";

let browser;
let demo;
let pages;
before(async () => {
  browser = await launchBrowser();
  demo = await startServer();
  pages = await startServer({ site: pagesDir });
});
after(async () => {
  await browser?.close();
  await demo?.stop();
  await pages?.stop();
});

function ready(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const t = window.tailor;
    if (t && typeof t.ready === "function") t.ready().then(resolve);
    else document.addEventListener("tailor:ready", (e) => resolve(e.detail.report), { once: true });
  }));
}

// The demo requires consent (its banner asks); the visitor grants it through the page API.
async function consenting(context) {
  await context.addInitScript(() => {
    (window.tailor = window.tailor || []).push((t) => t.consent({ personalization: true }));
  });
  return context;
}

// Two tabs of the demo in one browser context (one localStorage), each started.
async function twoTabs(context) {
  const tabs = [await context.newPage(), await context.newPage()];
  for (const tab of tabs) {
    await tab.goto(demo.url + "/");
    await ready(tab);
  }
  return tabs;
}

const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("tailor.profile")));

describe("profile", () => {
  test("the name and pet form fills the profile, hostile text stays text", async () => {
    const context = await consenting(await browser.newContext());
    const page = await context.newPage();
    const { errors } = watchConsole(page);
    await page.goto(demo.url + "/");
    await ready(page);
    const hostile = "<img src=x onerror=window.__pwned=1>";
    await page.fill("#about-you input[name=name]", hostile);
    await page.selectOption("#about-you select[name=pet]", "cat");
    await page.click("#about-you button[type=submit]");
    await page.waitForFunction(() => JSON.parse(localStorage.getItem("tailor.profile")).pet);
    const profile = await stored(page);
    assert.equal(profile.name, hostile);
    assert.deepEqual({ value: profile.pet.value, source: profile.pet.source }, { value: "cat", source: "declared" });
    const api = await page.evaluate(() => window.tailor.profile());
    assert.equal(api.profile.name, hostile, "tailor.profile() shows what is stored");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("with consent required nothing reaches localStorage until the banner grants it", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { errors } = watchConsole(page);
    await page.goto(pages.url + "/consent-required.html");
    await ready(page);
    await page.click("#save");
    await page.click("#add");
    const keys = () => page.evaluate(() => Object.keys(localStorage));
    assert.deepEqual(await keys(), [], "nothing stored before consent");
    // Still personalizing in memory for this page.
    const memory = await page.evaluate(() => window.tailor.profile());
    assert.equal(memory.persisted, false);
    assert.equal(memory.profile.name, "Hana");
    assert.equal(memory.profile.events.add_to_cart[0], 1);

    const changes = page.evaluate(() => new Promise((resolve) =>
      document.addEventListener("tailor:consentchange", (e) => resolve(e.detail), { once: true })));
    await page.click("#accept");
    assert.equal((await changes).personalization, true);
    assert.deepEqual((await keys()).sort(), ["tailor.consent", "tailor.profile"]);
    const profile = await stored(page);
    assert.equal(profile.name, "Hana");
    assert.ok(profile.topics.cats > 0, "the body's data-tailor-topic counted");

    // Withdrawing erases what personalization allowed.
    await page.evaluate(() => window.tailor.consent({ personalization: false }));
    assert.deepEqual(await keys(), ["tailor.consent"]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("two tabs writing at once lose neither tab's updates", async () => {
    const context = await consenting(await browser.newContext());
    const [a, b] = await twoTabs(context);
    for (let i = 0; i < 5; i++) {
      await a.evaluate(() => window.tailor.track("product_view"));
      await b.evaluate(() => window.tailor.track("product_view"));
    }
    await a.evaluate(() => window.tailor.set("name", "Kai"));
    await b.evaluate(() => window.tailor.track("add_to_cart"));
    // Chromium passes one tab's localStorage writes to the other asynchronously: wait until
    // both tabs see the same converged profile, then check that nothing was lost or doubled.
    const converged = () => {
      const p = JSON.parse(localStorage.getItem("tailor.profile"));
      return p && p.name === "Kai" && p.events.add_to_cart && p.events.product_view[0] >= 10;
    };
    await a.waitForFunction(converged, null, { timeout: 15000 });
    await b.waitForFunction(converged, null, { timeout: 15000 });
    for (const tab of [a, b]) {
      const profile = await stored(tab);
      assert.equal(profile.views, 2);
      assert.equal(profile.events.product_view[0], 10);
      assert.equal(profile.events.add_to_cart[0], 1);
      assert.equal(profile.name, "Kai");
    }
    // Tab b sees tab a's name through the storage event.
    await b.waitForFunction(() => window.tailor.profile().profile.name === "Kai");
    await context.close();
  });

  test("what one tab erases, the other open tab does not write back", async () => {
    const context = await consenting(await browser.newContext());
    const [a, b] = await twoTabs(context);
    await a.evaluate(() => { window.tailor.set("name", "Kai"); window.tailor.set("pet", "cat"); });
    await b.waitForFunction(() => window.tailor.profile().profile.name === "Kai", null, { timeout: 15000 });
    const oldId = (await stored(b)).id;

    // Forgotten in tab a: tab b starts fresh too, and its next write holds nothing of Kai.
    await a.evaluate(() => window.tailor.forget());
    await b.waitForFunction((old) => window.tailor.profile().profile.id !== old, oldId, { timeout: 15000 });
    await b.evaluate(() => window.tailor.track("add_to_cart"));
    let profile = await stored(a);
    assert.notEqual(profile.id, oldId);
    assert.equal(profile.name, undefined);
    assert.equal(profile.pet, undefined);
    assert.equal(profile.events.add_to_cart[0], 1);

    // Personalization withdrawn in tab a: tab b stops storing as well.
    const heard = b.evaluate(() => new Promise((resolve, reject) => {
      document.addEventListener("tailor:consentchange", (e) => resolve(e.detail), { once: true });
      setTimeout(() => reject(new Error("no tailor:consentchange in 15 s")), 15000);
    }));
    await a.evaluate(() => window.tailor.consent({ personalization: false }));
    assert.equal((await heard).personalization, false);
    await b.evaluate(() => window.tailor.set("name", "Zoe"));
    assert.equal(await b.evaluate(() => localStorage.getItem("tailor.profile")), null);
    assert.equal(await stored(a), null);
    await context.close();
  });

  test("forget erases the device copy; the API says what is kept", async () => {
    const context = await consenting(await browser.newContext());
    const page = await context.newPage();
    await page.goto(demo.url + "/");
    await ready(page);
    await page.evaluate(() => window.tailor.set("pet", "dog"));
    assert.ok(await stored(page));
    const forgotten = page.evaluate(() => new Promise((resolve) =>
      document.addEventListener("tailor:forget", () => resolve(true), { once: true })));
    await page.evaluate(() => window.tailor.forget());
    assert.equal(await forgotten, true);
    assert.equal(await stored(page), null);
    const after = await page.evaluate(() => window.tailor.profile());
    assert.equal(after.profile.pet, undefined);
    await context.close();
  });
});

// The time zone comes from `Temporal.Now.timeZoneId()` where the browser has it (Chromium does),
// else from Intl. Intl is read only when the profile has no zone: its first use in a tab costs
// tens of milliseconds, so a returning visitor is decided with the stored place and the zone is
// checked after the decision. A visitor who travelled gets the new place from their next page
// on. Each test runs as is and with `Temporal` hidden (a browser with Intl only).
const hideTemporal = () => {
  delete globalThis.Temporal;
};

describe("time zone", () => {
  for (const [label, init] of [["Temporal", null], ["Intl only", hideTemporal]]) {
    test(`a new visitor is placed at once; a travelling one from the next page on (${label})`, async () => {
      const tokyo = await browser.newContext({ timezoneId: "Asia/Tokyo" });
      if (init) await tokyo.addInitScript(init);
      let page = await tokyo.newPage();
      await page.goto(pages.url + "/travel.html");
      await ready(page);
      assert.equal(await page.locator("#place").textContent(), "Japan");
      await page.waitForFunction(() => JSON.parse(localStorage.getItem("tailor.profile") || "{}").geo);
      const visitor = await tokyo.storageState();
      await tokyo.close();

      const sydney = await browser.newContext({ timezoneId: "Australia/Sydney", storageState: visitor });
      if (init) await sydney.addInitScript(init);
      page = await sydney.newPage();
      const { errors } = watchConsole(page);
      await page.goto(pages.url + "/travel.html");
      await ready(page);
      assert.equal(await page.locator("#place").textContent(), "Japan", "decided with the stored place");
      await page.waitForFunction(() => JSON.parse(localStorage.getItem("tailor.profile")).geo.tz === "Australia/Sydney");
      await page.reload();
      await ready(page);
      assert.equal(await page.locator("#place").textContent(), "Australia");
      assert.deepEqual(errors, []);
      await sydney.close();
    });
  }

  test("with Temporal the zone is read from it and Intl is never loaded", async () => {
    const context = await browser.newContext({ timezoneId: "Asia/Tokyo" });
    await context.addInitScript(() => {
      const Original = Intl.DateTimeFormat;
      window.__intlCalls = 0;
      Intl.DateTimeFormat = function (...args) {
        window.__intlCalls++;
        return new Original(...args);
      };
      const zone = Temporal.Now.timeZoneId;
      window.__temporalCalls = 0;
      Temporal.Now.timeZoneId = function () {
        window.__temporalCalls++;
        return zone.call(this);
      };
    });
    const page = await context.newPage();
    await page.goto(pages.url + "/travel.html");
    await ready(page);
    assert.equal(await page.locator("#place").textContent(), "Japan");
    assert.deepEqual(await page.evaluate(() => [window.__temporalCalls > 0, window.__intlCalls]), [true, 0],
      "a new visitor is placed from Temporal");
    await page.waitForFunction(() => localStorage.getItem("tailor.profile"));
    await page.reload();
    await ready(page);
    await page.waitForFunction(() => window.__temporalCalls > 0); // checked after the decision
    assert.equal(await page.evaluate(() => window.__intlCalls), 0);
    await context.close();
  });

  for (const [label, answer] of [["answers with no name", "() => 42"], ["throws", "() => { throw new Error('no zone'); }"]]) {
    test(`a page's own Temporal that ${label} leaves Intl to place the visitor`, async () => {
      const context = await browser.newContext({ timezoneId: "Asia/Tokyo" });
      await context.addInitScript(`Object.defineProperty(globalThis, "Temporal", {
        value: { Now: { timeZoneId: ${answer} } }, configurable: true, writable: true });`);
      const page = await context.newPage();
      const { errors } = watchConsole(page);
      await page.goto(pages.url + "/travel.html");
      await ready(page);
      assert.equal(await page.locator("#place").textContent(), "Japan");
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  for (const timezoneId of ["Asia/Tokyo", "UTC"]) {
    test(`a returning visitor in ${timezoneId} is decided before Intl is asked (Intl only)`, async () => {
      const context = await browser.newContext({ timezoneId });
      await context.addInitScript(hideTemporal);
      await context.addInitScript(() => {
        const Original = Intl.DateTimeFormat;
        window.__intlCalls = [];
        Intl.DateTimeFormat = function (...args) {
          window.__intlCalls.push(performance.now());
          return new Original(...args);
        };
      });
      const page = await context.newPage();
      await page.goto(pages.url + "/travel.html");
      await ready(page);
      assert.ok((await page.evaluate(() => window.__intlCalls.length)) > 0, "a new visitor is placed at once");
      await page.waitForFunction(() => localStorage.getItem("tailor.profile"));
      await page.reload();
      await ready(page);
      await page.waitForFunction(() => window.__intlCalls.length > 0); // checked after the decision
      const { calls, decided } = await page.evaluate(() => ({
        calls: window.__intlCalls,
        decided: performance.getEntriesByName("tailor:decided")[0].startTime,
      }));
      assert.ok(calls.every((at) => at > decided), JSON.stringify({ calls, decided }));
      await context.close();
    });
  }
});
