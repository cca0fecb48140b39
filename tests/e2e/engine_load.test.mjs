// How the loader gets its engine (issue 11): as the script tailor_core.wasm.js when the page
// preloads it (the README's install), else tailor_core.wasm, pinned by version and hash; a page
// that preloads either gets it with no second download, and a preloaded copy from another build
// (a stale cache after a deploy) is replaced by the loader's own.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { browserAndServer, pagesDir, root, tailorStarted, watchConsole } from "./harness.mjs";

const e2e = browserAndServer({ site: pagesDir });

const sri = (file) => "sha256-" + createHash("sha256").update(readFileSync(join(root, "dist", file))).digest("base64");
// `checked`: the loader's tag and the preload carry Subresource Integrity hashes of this build.
const page = (preload, checked = false) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Engine load</title>
<link rel="icon" href="/favicon.svg">
${preload === "script" ? `<link rel="preload" href="/dist/tailor_core.wasm.js" as="script" crossorigin${
  checked ? ` integrity="${sri("tailor_core.wasm.js")}"` : ""}>` : ""}
${preload === "fetch" ? '<link rel="preload" href="/dist/tailor_core.wasm" as="fetch" crossorigin>' : ""}
<script type="application/json" id="tailor-rules">${JSON.stringify({
  rules: [{ id: "greet", actions: [{ selector: "#greeting", text: "Hello, visitor!" }] }],
})}</script>
<script src="/dist/tailor.js"${checked ? ` integrity="${sri("tailor.js")}"` : ""}></script>
</head><body><h1 id="greeting">Welcome!</h1></body></html>`;

/**
 * Opens the page with the README's preload (`"script"`), the older one (`"fetch"`) or none;
 * `wasm` / `carrier` replace what the unversioned URL of the wasm / its script serves.
 */
async function open({ preload, wasm, carrier, integrity = false }) {
  const context = await e2e.browser.newContext();
  await context.route("**/t-load/page.html", (route) =>
    route.fulfill({ contentType: "text/html", body: page(preload, integrity) }));
  if (wasm) {
    await context.route((url) => url.pathname === "/dist/tailor_core.wasm" && !url.search, (route) =>
      route.fulfill({ contentType: "application/wasm", body: wasm }));
  }
  if (carrier) {
    await context.route((url) => url.pathname === "/dist/tailor_core.wasm.js" && !url.search, (route) =>
      route.fulfill({ contentType: "text/javascript; charset=utf-8", body: carrier }));
  }
  const tab = await context.newPage();
  const requests = [];
  tab.on("request", (r) => {
    if (r.url().includes("tailor_core.wasm")) requests.push(new URL(r.url()).pathname + new URL(r.url()).search);
  });
  const consoleLog = watchConsole(tab);
  await tab.goto(e2e.server.url + "/t-load/page.html");
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

  test("with the README's preload: the engine comes as the preloaded script, no second download", async () => {
    const { context, tab, requests, consoleLog } = await open({ preload: "script" });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.deepEqual(requests, ["/dist/tailor_core.wasm.js"]);
    assert.deepEqual(errorsOf(consoleLog), []);
    assert.equal(await tab.evaluate(() => "__tailorEngine" in window), false, "the carrier's text is let go");
    await context.close();
  });

  test("the script carries the engine's bytes exactly, whatever charset the server declares", async () => {
    // Served as UTF-8 (the route above says so): the file's byte-order mark decides.
    const served = readFileSync(join(root, "dist", "tailor_core.wasm.js"));
    const { context, tab, requests } = await open({ preload: "script", carrier: served });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.deepEqual(requests, ["/dist/tailor_core.wasm.js"]);
    await context.close();
  });

  test("a preloaded script of another build is refused by its version and this build's wasm is fetched", async () => {
    // The same text under another build's version (what an older deploy left in a cache).
    const own = readFileSync(join(root, "dist", "tailor_core.wasm.js")).toString("utf16le");
    const other = Buffer.from(own.replace(/__tailorEngine=\["[0-9a-f]{16}"/, '__tailorEngine=["0123456789abcdef"'), "utf16le");
    assert.notEqual(other.toString("utf16le"), own);
    const { context, tab, requests, consoleLog } = await open({ preload: "script", carrier: other });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.equal(requests.length, 2, JSON.stringify(requests));
    assert.equal(requests[0], "/dist/tailor_core.wasm.js");
    assert.match(requests[1], /^\/dist\/tailor_core\.wasm\?v=[0-9a-f]{16}$/);
    assert.deepEqual(errorsOf(consoleLog).filter((t) => t.startsWith("Tailor:")), []);
    await context.close();
  });

  test("an engine script whose bytes were changed on the way (a proxy, a CDN) gives way to the wasm", async () => {
    // This build's version, but text a transforming proxy re-encoded: the wasm no longer compiles.
    const text = readFileSync(join(root, "dist", "tailor_core.wasm.js")).toString("utf16le");
    const head = text.indexOf(',"', text.indexOf('",') + 2) + 2; // where the wasm's text begins
    const mangled = Buffer.from(text.slice(0, head) + "x".repeat(64) + text.slice(head + 64), "utf16le");
    const { context, tab, requests, consoleLog } = await open({ preload: "script", carrier: mangled });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.equal(requests.length, 2, JSON.stringify(requests));
    assert.match(requests[1], /^\/dist\/tailor_core\.wasm\?v=[0-9a-f]{16}$/);
    assert.deepEqual(errorsOf(consoleLog), []);
    await context.close();
  });

  test("a loader checked by Subresource Integrity checks its engine script too", async () => {
    const { context, tab, requests, consoleLog } = await open({ preload: "script", integrity: true });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.deepEqual(requests, ["/dist/tailor_core.wasm.js"], "the preload with the same hash is used");
    assert.deepEqual(errorsOf(consoleLog), []);
    await context.close();
    // A tampered script of this build's version fails its hash: the wasm is fetched and checked.
    const text = readFileSync(join(root, "dist", "tailor_core.wasm.js")).toString("utf16le");
    const tampered = Buffer.from(text.replace(/"\];\n$/, 'x"];\n'), "utf16le");
    const second = await open({ preload: "script", integrity: true, carrier: tampered });
    assert.equal(await second.tab.textContent("#greeting"), "Hello, visitor!");
    assert.equal(second.requests.at(-1).replace(/=.*/, "="), "/dist/tailor_core.wasm?v=");
    assert.deepEqual(errorsOf(second.consoleLog).filter((t) => t.startsWith("Tailor:")), []);
    await second.context.close();
  });

  test("with the older preload of the wasm: the preloaded copy is used, no second download", async () => {
    const { context, tab, requests, consoleLog } = await open({ preload: "fetch" });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.deepEqual(requests, ["/dist/tailor_core.wasm"]);
    assert.deepEqual(errorsOf(consoleLog), []);
    await context.close();
  });

  test("a preloaded engine of another build is refused by its hash and this build's is fetched", async () => {
    // Another build: the same module with a custom section appended (valid, other bytes).
    const own = readFileSync(join(root, "dist", "tailor_core.wasm"));
    const other = Buffer.concat([own, Buffer.from([0, 4, 3, 0x6f, 0x6c, 0x64])]);
    const { context, tab, requests, consoleLog } = await open({ preload: "fetch", wasm: other });
    assert.equal(await tab.textContent("#greeting"), "Hello, visitor!");
    assert.equal(requests.length, 2, JSON.stringify(requests));
    assert.equal(requests[0], "/dist/tailor_core.wasm");
    assert.match(requests[1], /^\/dist\/tailor_core\.wasm\?v=[0-9a-f]{16}$/);
    // The browser reports the failed integrity check; Tailor itself logs no error.
    assert.deepEqual(errorsOf(consoleLog).filter((t) => t.startsWith("Tailor:")), []);
    await context.close();
  });
});
