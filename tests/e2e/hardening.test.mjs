// Hardening: what a rules file must never be able to do to the page, whatever it says.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchBrowser, pagesDir, startServer, watchConsole } from "./harness.mjs";

let browser;
let server;
let site;
const page = (name, rules, policy) =>
  writeFileSync(join(site, name + ".html"), `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  ${policy ? `<meta http-equiv="Content-Security-Policy" content="${policy}">` : ""}
  <title>${name}</title>
  <script type="application/json" id="tailor-rules">${JSON.stringify({ rules })}</script>
  <script src="/dist/tailor.js"></script>
</head>
<body>
  <h1 id="greeting">Original greeting</h1>
  <input id="inp" value="secret">
  <script id="empty"></script>
  <style id="css"></style>
</body>
</html>
`);

before(async () => {
  site = mkdtempSync(join(tmpdir(), "tailor-hard-"));
  page("script-rules", [
    {
      id: "evil",
      actions: [
        { selector: "#empty", text: "window.__ran = 1" },
        { selector: "#css", text: "body{background:red}" },
        { selector: "script", attributes: { src: "/evil.js" } },
        { selector: "#greeting", text: "{{query.q}}" },
      ],
    },
  ]);
  page("trusted-types", [{ id: "mixed", actions: [{ selector: "#greeting, script", text: "Personalized" }] }],
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
      "require-trusted-types-for 'script'; trusted-types tailor");
  page("css-leak", [{ id: "leak", actions: [{ selector: "#inp[value^=s]{background:url(/leak)}/*", text: "x" }] }],
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'");
  writeFileSync(join(site, "evil.js"), "window.__ran = 2;");
  browser = await launchBrowser();
  server = await startServer({ site });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (site) rmSync(site, { recursive: true, force: true });
});

describe("hardening", () => {
  test("rules never change script or style elements; the rule's other actions still apply", async () => {
    const p = await browser.newPage();
    const { messages } = watchConsole(p);
    const requests = [];
    p.on("request", (r) => requests.push(r.url()));
    await p.goto(server.url + "/script-rules.html?q=hi");
    await p.evaluate(() => window.tailor.ready());
    await p.waitForTimeout(200);
    assert.equal(await p.evaluate(() => window.__ran), undefined);
    assert.equal(await p.locator("#empty").evaluate((el) => el.textContent), "");
    assert.equal(await p.locator("#css").evaluate((el) => el.textContent), "");
    assert.ok(!requests.some((u) => u.endsWith("/evil.js")), JSON.stringify(requests));
    assert.equal(await p.locator("#greeting").textContent(), "hi");
    assert.ok(
      messages.some((m) => m.type === "warning" && /rule "evil" may not change a <script>/.test(m.text)),
      JSON.stringify(messages),
    );
    await p.close();
  });

  test("under Trusted Types a rule that also matches scripts leaves the engine usable", async () => {
    const p = await browser.newPage();
    const { errors } = watchConsole(p);
    await p.goto(server.url + "/trusted-types.html");
    await p.evaluate(() => window.tailor.ready());
    assert.equal(await p.locator("#greeting").textContent(), "Personalized");
    const why = await p.evaluate(() => window.tailor.explain(document.getElementById("greeting")));
    assert.equal(why[0].rule, "mixed");
    await p.evaluate(() => window.tailor.revert());
    assert.equal(await p.locator("#greeting").textContent(), "Original greeting");
    assert.deepEqual(errors, []);
    await p.close();
  });

  test("a cached rules file the engine refuses is dropped, so the site's fix reaches returning visitors", async () => {
    const rulesServer = await startServer({ site: pagesDir });
    const context = await browser.newContext();
    const rule = (id) => ({ id, condition: { pageViews: { $gte: 1 } }, actions: [{ selector: "#greeting", text: "Hello, cat people!" }] });
    let body = JSON.stringify({ rules: [rule("a")] });
    await context.route("**/rules.json", (route) => route.fulfill({ contentType: "application/json", body }));
    const p = await context.newPage();
    const visit = async () => {
      await p.goto(rulesServer.url + "/rules-file.html");
      await p.evaluate(() => window.tailor.ready());
      await p.waitForTimeout(150); // the background refresh of the cached copy
      return p.locator("#greeting").textContent();
    };
    try {
      assert.equal(await visit(), "Hello, cat people!");
      body = JSON.stringify({ rules: [rule("a"), rule("a")] }); // a duplicate id: refused
      await visit(); // the cached good copy decides; the broken file is cached behind it
      assert.equal(await visit(), "Original greeting");
      body = JSON.stringify({ rules: [rule("a")] });
      await visit();
      assert.equal(await visit(), "Hello, cat people!");
    } finally {
      await context.close();
      await rulesServer.stop();
    }
  });

  test("a selector carrying CSS never reaches the anti-flicker stylesheet", async () => {
    const p = await browser.newPage();
    const requests = [];
    p.on("request", (r) => requests.push(r.url()));
    await p.goto(server.url + "/css-leak.html");
    await p.evaluate(() => window.tailor.ready());
    await p.waitForTimeout(200);
    assert.ok(!requests.some((u) => u.includes("/leak")), JSON.stringify(requests));
    await p.close();
  });
});
