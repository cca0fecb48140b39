// How the loader gets its engine (issue 11): tailor_core.wasm, pinned by version and hash; a
// page that preloads it (the README's install) gets it with no second download, and a preloaded
// copy from another build (a stale cache after a deploy) is replaced by the loader's own.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchBrowser, pagesDir, root, startServer, tailorStarted, watchConsole } from "./harness.mjs";

let browser;
let server;
before(async () => {
  browser = await launchBrowser();
  server = await startServer({ site: pagesDir });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const page = (preload) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Engine load</title>
<link rel="icon" href="/favicon.svg">
${preload ? '<link rel="preload" href="/dist/tailor_core.wasm" as="fetch" crossorigin>' : ""}
<script type="application/json" id="tailor-rules">${JSON.stringify({
  rules: [{ id: "greet", actions: [{ selector: "#greeting", text: "Hello, visitor!" }] }],
})}</script>
<script src="/dist/tailor.js"></script>
</head><body><h1 id="greeting">Welcome!</h1></body></html>`;

/** Opens the page (with or without the preload); `wasm` replaces what the unversioned URL serves. */
async function open({ preload, wasm }) {
  const context = await browser.newContext();
  await context.route("**/t-load/page.html", (route) =>
    route.fulfill({ contentType: "text/html", body: page(preload) }));
  if (wasm) {
    await context.route((url) => url.pathname === "/dist/tailor_core.wasm" && !url.search, (route) =>
      route.fulfill({ contentType: "application/wasm", body: wasm }));
  }
  const tab = await context.newPage();
  const requests = [];
  tab.on("request", (r) => {
    if (r.url().includes("tailor_core.wasm")) requests.push(new URL(r.url()).pathname + new URL(r.url()).search);
  });
  const consoleLog = watchConsole(tab);
  await tab.goto(server.url + "/t-load/page.html");
  await tailorStarted(tab);
  return { context, tab, requests, consoleLog };
}

const errorsOf = ({ messages, errors }) =>
  [...errors.map(String), ...messages.filter((m) => m.type === "error").map((m) => m.text)];

describe("the engine download", () => {
  test("without a preload: one request, for this build's pinned URL", async () => {
    const { context, tab, requests, consoleLog } = await open({ preload: false });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.equal(requests.length, 1, JSON.stringify(requests));
    assert.match(requests[0], /^\/dist\/tailor_core\.wasm\?v=[0-9a-f]{16}$/);
    assert.deepEqual(errorsOf(consoleLog), []);
    await context.close();
  });

  test("with the README's preload: the preloaded copy is used, no second download", async () => {
    const { context, tab, requests, consoleLog } = await open({ preload: true });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.deepEqual(requests, ["/dist/tailor_core.wasm"]);
    assert.deepEqual(errorsOf(consoleLog), []);
    await context.close();
  });

  test("a preloaded engine of another build is refused by its hash and this build's is fetched", async () => {
    // Another build: the same module with a custom section appended (valid, other bytes).
    const own = readFileSync(join(root, "dist", "tailor_core.wasm"));
    const other = Buffer.concat([own, Buffer.from([0, 4, 3, 0x6f, 0x6c, 0x64])]);
    const { context, tab, requests, consoleLog } = await open({ preload: true, wasm: other });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.equal(requests.length, 2, JSON.stringify(requests));
    assert.equal(requests[0], "/dist/tailor_core.wasm");
    assert.match(requests[1], /^\/dist\/tailor_core\.wasm\?v=[0-9a-f]{16}$/);
    // The browser reports the failed integrity check; Tailor itself logs no error.
    assert.deepEqual(errorsOf(consoleLog).filter((t) => t.startsWith("Tailor:")), []);
    await context.close();
  });
});
