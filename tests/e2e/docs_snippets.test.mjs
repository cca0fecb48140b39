// Every JavaScript snippet in the docs runs: each ```js block of docs/*.md and README.md is
// evaluated in the demo page once Tailor has started, and must throw nothing and make Tailor log
// no error. (Rule examples are checked by tests/docs_examples.test.mjs through `tailor check`.)
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { browserAndServer, root, watchConsole } from "./harness.mjs";

const files = [
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join("docs", f)),
  "README.md",
];
const snippets = files.flatMap((file) =>
  [...readFileSync(join(root, file), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m, i) => ({
    name: `${file} snippet ${i + 1}`,
    code: m[1],
  })),
);

const e2e = browserAndServer();

describe("docs snippets", () => {
  test("the docs have JavaScript snippets to check", () => {
    assert.ok(snippets.length >= 2, `found ${snippets.length}`);
  });

  for (const snippet of snippets) {
    test(snippet.name, async () => {
      const context = await e2e.browser.newContext();
      const page = await context.newPage();
      const { messages, errors } = watchConsole(page);
      await page.goto(e2e.server.url + "/");
      await page.evaluate(() => window.tailor.ready());
      await page.evaluate(() => window.tailor.consent({ personalization: true }));
      await page.evaluate((code) => (0, eval)(code), snippet.code);
      await page.waitForTimeout(100);
      assert.deepEqual(errors.map(String), [], "no uncaught error");
      const tailorErrors = messages.filter((m) => m.type === "error" && m.text.startsWith("Tailor:"));
      assert.deepEqual(tailorErrors, [], "Tailor logged no error");
      await context.close();
    });
  }
});
