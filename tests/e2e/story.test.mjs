// The product story (PRODUCT.md, "The story it must tell"), one test per step, told by the demo
// pet store as visitors meet it: real `tailor serve`, real SQLite, real Chromium, public
// interfaces only (the page, the page API, the server's HTTP API).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { artifactsDir, browserAndServer, watchConsole } from "./harness.mjs";

const KEY = "story-admin-key-0123456789";
// Mid-January: winter in Hokkaido, summer in Sydney.
const JANUARY = new Date("2025-01-15T03:00:00Z");

const e2e = browserAndServer({ args: ["--admin-key", KEY, "--rate-limit", "0"] });

/**
 * A new anonymous visitor. `region` is what the footer picker (standing in for the site's edge)
 * puts in the demo's region hint; `consent` grants purposes through the page API as soon as
 * Tailor starts (the consent banner itself is told in step 7).
 */
async function visitor({ region, timezoneId = "Asia/Tokyo", at, consent } = {}) {
  const context = await e2e.browser.newContext({ timezoneId, locale: "en-US" });
  if (at) await context.clock.setFixedTime(at);
  await context.addInitScript(
    ({ region, consent }) => {
      // Once, as if picked in the footer before the first page; the footer can change it later.
      if (region && localStorage.getItem("demo-region") === null) localStorage.setItem("demo-region", region);
      if (consent) (window.tailor = window.tailor || []).push((t) => t.consent(consent));
    },
    { region, consent },
  );
  const page = await context.newPage();
  return { context, page, console: watchConsole(page) };
}

/** Opens a demo page and resolves with Tailor's report once it has decided. */
async function open(page, path) {
  await page.goto(e2e.server.url + path);
  return page.evaluate(() => new Promise((resolve) => window.tailor.push((t) => resolve(t.report()))));
}

const text = (page, selector) => page.locator(selector).textContent();
const texts = (page, selector) => page.locator(selector).allTextContents();
const STORE = { personalization: true };
const STORE_AND_SYNC = { personalization: true, sync: true };

async function adminReport() {
  const response = await fetch(e2e.server.url + "/v1/report", { headers: { Authorization: "Bearer " + KEY } });
  assert.equal(response.status, 200);
  return response.json();
}

describe("the story", () => {
  test("1. coarse context: a regional seasonal banner, winter in Hokkaido and summer in Sydney the same day", async () => {
    const cases = [
      { region: "JP-01", timezoneId: "Asia/Tokyo", text: "Hokkaido winter", img: "/img/winter.svg" },
      { region: "AU-NSW", timezoneId: "Australia/Sydney", text: "Summer is here", img: "/img/summer.svg" },
      { region: "JP-47", timezoneId: "Asia/Tokyo", text: "Okinawa sunshine", img: "/img/summer.svg" },
      // No hint at all: the browser's time zone gives the hemisphere, so the season still fits.
      { region: null, timezoneId: "Asia/Tokyo", text: "Winter warmers", img: "/img/winter.svg" },
    ];
    for (const c of cases) {
      const { context, page, console } = await visitor({ region: c.region, timezoneId: c.timezoneId, at: JANUARY });
      await open(page, "/");
      assert.match(await text(page, "#season-text"), new RegExp(c.text), `${c.region ?? c.timezoneId}`);
      assert.equal(await page.locator("#season-img").getAttribute("src"), c.img);
      const geo = await page.evaluate(() => window.tailor.profile().profile.geo);
      if (c.region) assert.equal(geo.region, c.region, "the region came from the hint");
      assert.deepEqual(console.errors, []);
      await context.close();
    }
  });

  test("2. the name and pet form: the greeting uses the name and the hero follows the pet", async () => {
    const { context, page } = await visitor({ consent: STORE });
    await open(page, "/");
    assert.equal(await text(page, "#greeting"), "Welcome to Pawsome Pets!");
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/pets.svg");
    await page.fill("#about-you input[name=name]", "Yuki");
    await page.selectOption("#about-you select[name=pet]", "cat");
    await page.click("#about-you button[type=submit]");
    await page.locator("#about-saved").waitFor();
    // The answer changes this page at once: the hero follows the pet without a reload.
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/cat.svg");
    // And the page stops asking what it knows: the form collapses to a greeting, and the call
    // to action follows the journey stage (still awareness) instead of asking for the pet.
    const stopsAsking = async () => {
      assert.equal(await text(page, "#about-known"), "Hi Yuki (cat) — change your answers");
      assert.equal(await page.locator("#about-known").isVisible(), true);
      assert.equal(await page.locator("#about-you").isVisible(), false);
      assert.equal(await page.getByText("Tell us about your pet").count(), 1, "only the hidden heading says it");
      assert.equal(await page.getByText("Tell us about your pet").isVisible(), false);
      assert.equal(await text(page, "#cta"), "See this week's picks for your cat");
      assert.equal(await page.locator("#cta").getAttribute("href"), "/product.html");
    };
    await stopsAsking();
    // And every page from then on.
    await open(page, "/");
    assert.equal(await text(page, "#greeting"), "Welcome back, Yuki! Your cat missed you.");
    await stopsAsking();
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/cat.svg");
    assert.equal(await page.locator("#hero-img").getAttribute("alt"), "A curious cat");
    assert.equal(await page.locator("#hero-link").getAttribute("href"), "/cats.html");
    // A change of mind: the greeting's button reopens the form, prefilled; a dog this time.
    await page.click("#about-change");
    assert.equal(await page.locator("#about-you").isVisible(), true);
    assert.equal(await page.inputValue("#about-you input[name=name]"), "Yuki");
    assert.equal(await page.inputValue("#about-you select[name=pet]"), "cat");
    await page.selectOption("#about-you select[name=pet]", "dog");
    await page.click("#about-you button[type=submit]");
    assert.equal(await text(page, "#about-known"), "Hi Yuki (dog) — change your answers");
    assert.equal(await page.locator("#about-you").isVisible(), false);
    await open(page, "/");
    assert.equal(await page.locator("#hero-img").getAttribute("src"), "/img/dog.svg");
    assert.equal(await text(page, "#hero-link"), "Shop for your dog");
    await context.close();
  });

  test("3. viewed topics: recommendations say what the visitor looked at, with several options", async () => {
    const { context, page } = await visitor({ consent: STORE });
    await open(page, "/");
    assert.equal(await text(page, "#recs-title"), "Popular right now");
    await open(page, "/cats.html");
    await open(page, "/");
    assert.equal(await text(page, "#recs-title"), "Because you looked at cats");
    assert.deepEqual(await texts(page, ".rec"), ["Salmon cat food", "Cozy cat bed", "Feather teaser wand"]);
    const topics = await page.evaluate(() => window.tailor.profile().profile.topics);
    assert.ok(topics.cats > 0, JSON.stringify(topics));
    // A more specific interest wins over the broad one.
    await open(page, "/product.html");
    await open(page, "/");
    assert.equal(await text(page, "#recs-title"), "Because you looked at cat toys");
    assert.deepEqual(await texts(page, ".rec"), ["Catnip mice, 3-pack", "Laser chaser", "Scratching post"]);
    await context.close();
  });

  test("4. journey stages: the call to action follows the stage, not always 'buy'", async () => {
    const { context, page } = await visitor({ consent: STORE });
    const stageAndCta = async () => {
      await open(page, "/");
      const stage = await page.evaluate(() => window.tailor.explain(document.querySelector("#cta")));
      return { cta: await text(page, "#cta"), href: await page.locator("#cta").getAttribute("href"), rules: stage.map((r) => r.rule) };
    };
    let now = await stageAndCta();
    assert.equal(now.cta, "Tell us about your pet", "awareness: get to know the visitor");
    await open(page, "/product.html"); // product_view
    now = await stageAndCta();
    // The product page was about cats: the pet is inferred until the visitor says otherwise.
    assert.equal(now.cta, "Find the right food for your cat", "interest");
    assert.deepEqual(now.rules, ["cta-interest"]);
    await open(page, "/product.html");
    await page.click("#add-to-cart"); // add_to_cart
    now = await stageAndCta();
    assert.equal(now.cta, "Your cart is saved: check out when you are ready", "consideration");
    assert.equal(now.href, "/cart.html");
    await open(page, "/cart.html");
    await page.click("#checkout"); // purchase
    now = await stageAndCta();
    assert.equal(now.cta, "Thank you for your order! Read our care guides", "purchase");
    await open(page, "/product.html");
    await page.click("#add-to-cart");
    await open(page, "/cart.html");
    await page.click("#checkout"); // a repeat purchase
    now = await stageAndCta();
    assert.equal(now.cta, "Loyal friend: 10% off your next order", "loyalty");
    const events = await page.evaluate(() => window.tailor.profile().profile.events);
    assert.equal(events.purchase[0], 2);
    await context.close();
  });

  test("5. no over-personalization: the promotion stops after its cap, and offers several options", async () => {
    const { context, page } = await visitor({ consent: STORE });
    for (let view = 1; view <= 2; view++) {
      const report = await open(page, "/");
      assert.ok(report.matched.includes("promo-welcome-gift"), `view ${view}: ${report.matched}`);
      assert.equal(await page.locator("#promo").isVisible(), true, `view ${view}`);
      assert.deepEqual(await texts(page, ".promo-option"), [
        "A free treats sample",
        "10% off your first bag of food",
        "Free shipping on your first order",
      ]);
    }
    for (const path of ["/", "/dogs.html"]) {
      const report = await open(page, path);
      assert.ok(!report.matched.includes("promo-welcome-gift"), `capped on ${path}: ${report.matched}`);
      assert.equal(await page.locator("#promo").isVisible(), false, `hidden on ${path}`);
    }
    await context.close();
  });

  test("6. measure: exposures and conversions reach the server, holdout visitors count as control", async () => {
    const arms = { exposed: 0, holdout: 0 };
    // Visitor ids are random, so the 50% holdout is too: new visitors until both arms have one.
    for (let i = 0; i < 30 && (arms.exposed === 0 || arms.holdout === 0 || i < 3); i++) {
      const { context, page } = await visitor({ consent: STORE_AND_SYNC });
      await open(page, "/product.html");
      await page.click("#add-to-cart");
      const report = await open(page, "/cart.html");
      const held = report.holdout.includes("free-shipping-week");
      assert.equal(
        await text(page, "#shipping-note"),
        held ? "Free shipping on orders over ¥5,000." : "This week only: free shipping on every order.",
        "holdout visitors see the default",
      );
      arms[held ? "holdout" : "exposed"]++;
      await page.click("#checkout"); // a purchase: a conversion for every rule shown on the page
      await page.locator("#order").waitFor();
      await open(page, "/"); // leaving the page flushes the outbox
      await context.close();
    }
    let rule;
    const deadline = Date.now() + 15000;
    do {
      await new Promise((r) => setTimeout(r, 300));
      rule = (await adminReport()).rules.find((r) => r.rule === "free-shipping-week");
    } while (
      Date.now() < deadline &&
      !(rule && rule.exposed.visitors === arms.exposed && rule.holdout.visitors === arms.holdout &&
        rule.exposed.conversions === arms.exposed && rule.holdout.conversions === arms.holdout)
    );
    assert.ok(rule, "the rule is in the report");
    assert.equal(rule.exposed.visitors, arms.exposed, JSON.stringify(rule));
    assert.equal(rule.holdout.visitors, arms.holdout, JSON.stringify(rule));
    assert.equal(rule.exposed.conversions, arms.exposed, JSON.stringify(rule));
    assert.equal(rule.holdout.conversions, arms.holdout, JSON.stringify(rule));
    assert.ok(rule.exposed.exposures >= arms.exposed);
    assert.ok(rule.lift, "both arms have visitors, so lift is computed: " + JSON.stringify(arms));
    // The HTML report the demo links to opens with the key in the URL.
    const html = await fetch(e2e.server.url + "/report?key=" + KEY);
    assert.equal(html.status, 200);
    assert.match(await html.text(), /free-shipping-week/);
    assert.equal((await fetch(e2e.server.url + "/v1/report")).status, 401, "no key, no report");
  });

  test("7. trust: nothing stored before consent; the privacy center exports and forgets", async () => {
    const { context, page, console } = await visitor();
    const sent = [];
    page.on("request", (r) => r.url().includes("/v1/") && sent.push(r.method() + " " + new URL(r.url()).pathname));
    await open(page, "/");
    await page.locator("#consent").waitFor();
    await page.fill("#about-you input[name=name]", "Hana");
    await page.selectOption("#about-you select[name=pet]", "cat");
    await page.click("#about-you button[type=submit]");
    // Known in memory on this page, but nothing kept and nothing sent.
    await page.locator("#about-saved").waitFor();
    assert.equal(await page.evaluate(() => window.tailor.profile().profile.name), "Hana");
    const tailorKeys = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("tailor")).sort());
    assert.deepEqual(await tailorKeys(), []);
    assert.equal(await page.evaluate(() => window.tailor.profile().persisted), false);

    await page.click("#consent-device"); // personalization only, no sync
    assert.deepEqual(await tailorKeys(), ["tailor.consent", "tailor.profile"]);
    await open(page, "/");
    assert.equal(await page.locator("#consent").isHidden(), true, "the choice is remembered");
    assert.equal(await text(page, "#greeting"), "Welcome back, Hana! Your cat missed you.");

    await open(page, "/privacy.html");
    assert.match(await text(page, "#stored"), /"name": "Hana"/);
    assert.equal(await page.locator("#allow-personalization").isChecked(), true);
    assert.equal(await page.locator("#allow-sync").isChecked(), false);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    assert.equal(download.suggestedFilename(), "pawsome-pets-my-data.json");
    const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
    assert.equal(exported.profile.name, "Hana");
    assert.equal(exported.profile.pet.value, "cat");

    await page.click("#forget");
    assert.equal(await page.evaluate(() => localStorage.getItem("tailor.profile")), null);
    assert.doesNotMatch(await text(page, "#stored"), /Hana/);
    await open(page, "/");
    assert.equal(await text(page, "#greeting"), "Welcome to Pawsome Pets!", "a fresh, anonymous visitor");

    // Withdrawing personalization in the privacy center erases the profile, keeps the "no".
    await open(page, "/privacy.html");
    await page.uncheck("#allow-personalization");
    // The cached rules file (the site's rules, nothing about the visitor) stays; see the report.
    assert.deepEqual((await tailorKeys()).filter((k) => k !== "tailor.rules"), ["tailor.consent"]);
    assert.equal(await page.locator("#allow-personalization").isChecked(), false);
    // No sync consent: no events left the device. (Forgetting does ask the server to erase the
    // anonymous id, in case an earlier visit had synced: DELETE /v1/visitors/{id}.)
    assert.deepEqual(sent.filter((r) => !r.startsWith("DELETE /v1/visitors/")), [], "no events sent");
    assert.deepEqual(console.errors, []);
    await context.close();
  });
});

describe("the demo as a whole", () => {
  test("a full walk through the demo with zero uncaught page errors", async () => {
    const { context, page, console } = await visitor({ region: "JP-01" });
    await open(page, "/");
    await page.click("#consent-all");
    await page.fill("#about-you input[name=name]", "Kai");
    await page.selectOption("#about-you select[name=pet]", "dog");
    await page.click("#about-you button[type=submit]");
    await open(page, "/dogs.html");
    await open(page, "/cats.html");
    await page.click(".rec >> nth=0");
    await open(page, "/product.html");
    await page.click("#add-to-cart");
    await page.click("#added a");
    await page.waitForURL(/cart\.html/);
    await page.click("#checkout");
    await page.locator("#order").waitFor();
    await open(page, "/privacy.html");
    await open(page, "/?tailor-debug");
    await page.locator("#tailor-debug").waitFor();
    await page.selectOption("#region", "AU-NSW"); // reloads with the new region hint
    await page.waitForFunction(() => window.tailor.report && window.tailor.report() &&
      window.tailor.profile().profile.geo.region === "AU-NSW");
    await page.goto(e2e.server.url + "/report?key=" + KEY);
    assert.deepEqual(console.errors, []);
    const tailorErrors = console.messages.filter((m) => m.type === "error" && m.text.startsWith("Tailor:"));
    assert.deepEqual(tailorErrors, []);
    await context.close();
  });

  test("a screenshot of the personalized home page", async () => {
    const { context, page } = await visitor({ region: "JP-01", at: JANUARY, consent: STORE });
    await page.setViewportSize({ width: 1100, height: 1000 });
    await open(page, "/cats.html");
    await open(page, "/");
    await page.fill("#about-you input[name=name]", "Yuki");
    await page.selectOption("#about-you select[name=pet]", "cat");
    await page.click("#about-you button[type=submit]");
    await open(page, "/");
    assert.equal(await text(page, "#greeting"), "Welcome back, Yuki! Your cat missed you.");
    mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: join(artifactsDir, "home.png"), fullPage: true });
    await context.close();
  });
});
