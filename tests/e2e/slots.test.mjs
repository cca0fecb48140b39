// Decisions as data end to end: a plain page renders its slots itself through tailor.slot /
// onSlot / slotShown, against the real e2e.server. Payloads, change notifications (form answer,
// consent withdrawn, route change) and exposures counted once per page view on the e2e.server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { browserAndServer, outboxDelivered, pagesDir, tailorStarted, watchConsole } from "./harness.mjs";

const KEY = "e2e-admin-key-0123456789";
const e2e = browserAndServer({ site: pagesDir, args: ["--admin-key", KEY, "--rate-limit", "0"] });

async function exported(id) {
  const r = await fetch(`${e2e.server.url}/v1/visitors/${id}`, { headers: { authorization: "Bearer " + KEY } });
  assert.equal(r.status, 200, `visitor ${id} on the server`);
  return r.json();
}

const exposures = (record, rule) => record.events.filter((e) => e.type === "exposure" && e.rule === rule).length;
const seen = (page) => page.evaluate(() => window.seen);

describe("slots", { timeout: 60000 }, () => {
  test("the page reads the payload, hears the form answer and counts one exposure per view", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    const { messages, errors } = watchConsole(page);
    await page.goto(e2e.server.url + "/slots.html");
    await tailorStarted(page);
    assert.deepEqual(
      await page.evaluate(() => [window.earlySlot, window.earlyShown]),
      [null, false],
      "before Tailor is ready: null, and nothing recorded",
    );
    assert.deepEqual(await page.evaluate(() => window.tailor.slot("hero")), {
      rule: "hero-default",
      data: { src: "/img/pets.svg", cta: "Shop pets" },
    });
    assert.equal(await page.textContent("#hero"), "Shop pets");
    assert.deepEqual(await seen(page), { hero: ["hero-default"], banner: [null] }, "each fired once when ready");
    assert.equal(await page.evaluate(() => window.tailor.slot("banner")), null, "no winner on this page");
    const same = await page.evaluate(() => window.tailor.slot("hero") === window.tailor.slot("hero"));
    assert.ok(same, "the same object while unchanged");

    // The form answer decides again: the subscriber hears the new winner, with its rendered text.
    await page.click("#save");
    await page.waitForFunction(() => window.seen.hero.length === 2);
    assert.equal(await page.textContent("#hero"), "Shop cat food, Hana");
    assert.deepEqual(await page.evaluate(() => window.tailor.slot("hero").data.src), "/img/cat.svg");
    // Showing it again is not another exposure; nor is an unchanged re-decision a notification.
    assert.equal(await page.evaluate(() => window.tailor.slotShown("hero")), false);
    await page.evaluate(() => window.tailor.set("colour", "red"));
    assert.equal((await seen(page)).hero.length, 2, "no call when the value is unchanged");

    // A route change decides for the new URL.
    await page.evaluate(() => history.pushState(null, "", "/cats-sale"));
    await page.waitForFunction(() => window.seen.banner.length === 2);
    assert.equal(await page.textContent("#banner"), "Cats on sale");
    assert.deepEqual((await seen(page)).hero, ["hero-default", "cat-hero"], "hero unchanged by the route");
    await page.evaluate(() => history.pushState(null, "", "/slots.html"));
    await page.waitForFunction(() => window.seen.banner.length === 3);

    const id = await page.evaluate(() => window.tailor.profile().profile.id);
    await page.reload();
    await tailorStarted(page);
    assert.deepEqual((await seen(page)).hero, ["cat-hero"], "the next page view starts with the answer");
    await outboxDelivered(page);
    const record = await exported(id);
    // Views: slots.html, /cats-sale, slots.html (navigation), the reload.
    assert.equal(record.events.filter((e) => e.type === "pageview").length, 4);
    assert.equal(exposures(record, "hero-default"), 1, "shown once on the first view");
    // cat-hero: after the answer, then on each of the three later views.
    assert.equal(exposures(record, "cat-hero"), 4);
    assert.equal(exposures(record, "cats-sale"), 1);
    assert.equal(await page.evaluate(() => window.unsubscribedCalled === true), false, "unsubscribed");
    const thrown = messages.filter((m) => m.type === "error" && m.text.includes("a slot subscriber threw"));
    assert.ok(thrown.length >= 1, "a throwing subscriber is logged");
    assert.deepEqual(errors, [], "and never thrown into the page");
    await context.close();
  });

  test("withdrawing consent decides again and the subscriber hears it", async () => {
    const context = await e2e.browser.newContext();
    const page = await context.newPage();
    await page.goto(e2e.server.url + "/slots.html");
    await tailorStarted(page);
    await page.click("#save");
    await page.waitForFunction(() => window.seen.hero.length === 2);
    // The banner's way: a tailor:consent event. The erased profile no longer has the answer.
    await page.evaluate(() =>
      document.dispatchEvent(new CustomEvent("tailor:consent", { detail: { personalization: false } })));
    await page.waitForFunction(() => window.seen.hero.length === 3);
    assert.deepEqual((await seen(page)).hero, ["hero-default", "cat-hero", "hero-default"]);
    assert.equal(await page.textContent("#hero"), "Shop pets");
    // Granting again changes nothing shown: no call.
    await page.evaluate(() => window.tailor.consent({ personalization: true }));
    assert.equal((await seen(page)).hero.length, 3);
    await context.close();
  });
});
