// Re-renders keep the personalization (issue 13, item 3): a page whose own script rewrites the
// greeting every 150 ms keeps Tailor's text in every frame after the first decision, with no
// warning; a script that undoes a change 1,000 times is stopped with one warning and the page
// stays responsive. Real loader, MutationObserver and release engine in Chromium.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { browserAndServer, frameRecorder, pagesDir, tailorStarted, watchConsole } from "./harness.mjs";

const e2e = browserAndServer({ site: pagesDir });

describe("re-renders", { timeout: 60000 }, () => {
  test("a component re-rendering every 150 ms keeps the change in every frame, with no warning", async () => {
    const page = await e2e.browser.newPage();
    const { messages, errors } = watchConsole(page);
    await page.addInitScript(frameRecorder("#greeting", "Welcome!"));
    await page.goto(e2e.server.url + "/rerender.html");
    await tailorStarted(page);
    await page.waitForFunction(() => typeof window.renders === "function" && window.renders() >= 24, null, { timeout: 10000 });
    await page.waitForTimeout(100);
    const frames = await page.evaluate(() => window.__tailorFrames);
    assert.equal(await page.textContent("#greeting"), "Hello, friend!");
    assert.ok(frames.frames > 60, `sampled ${frames.frames} frames`);
    assert.equal(frames.original, 0, "no frame showed the original: " + frames.samples.join(" | "));
    const warnings = messages.filter((m) => m.type === "warning" && m.text.startsWith("Tailor:"));
    assert.deepEqual(warnings, []);
    assert.deepEqual(errors, []);
    console.log(`re-render: 24 re-renders over 3.6 s, ${frames.frames} frames sampled, ${frames.original} with the original`);
    await page.close();
  });

  test("a script undoing a change 1,000 times is stopped with one warning, the page responsive", async () => {
    const page = await e2e.browser.newPage();
    const { messages, errors } = watchConsole(page);
    await page.goto(e2e.server.url + "/rerender.html");
    await tailorStarted(page);
    assert.equal(await page.textContent("#fight"), "Tailor");
    const result = await page.evaluate(() => window.fight());
    assert.equal(result.text, "Original", "the page keeps its own text");
    const warnings = messages.filter((m) => m.type === "warning" && m.text.includes("keeps undoing"));
    assert.equal(warnings.length, 1, JSON.stringify(messages));
    assert.match(warnings[0].text, /rule "fight" to #fight; leaving it as the page has it/);
    assert.ok(result.withTailor < 1000, `the fight took ${result.withTailor} ms`);
    // Responsive: a task runs promptly right after.
    const lag = await page.evaluate(() => new Promise((r) => { const t = performance.now(); setTimeout(() => r(performance.now() - t), 0); }));
    assert.ok(lag < 100, `a task waited ${lag} ms`);
    assert.deepEqual(errors, []);
    console.log(
      `loop guard: 1,000 undo rounds took ${result.withTailor.toFixed(1)} ms with Tailor, ` +
      `${result.alone.toFixed(1)} ms on an element no rule targets: ` +
      `${((result.withTailor - result.alone) / 1000 * 1000).toFixed(1)} us a round for Tailor's observer and guard`,
    );
    await page.close();
  });
});
