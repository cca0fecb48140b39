// What the engine's download costs on a visit's next page (same tab, warm HTTP cache), step by
// step: fetch() to its response, the body read, the synchronous compile, streaming compilation,
// an XMLHttpRequest of the same bytes with a SHA-384 check, and a fetch of the 30 KB loader as
// text for scale. A tool for reading, not a benchmark: it runs on an idle page after start-up, so
// it shows each step's floor, not its cost inside a busy start-up (docs/size.md).
//
//   node tests/bench/engine_fetch.mjs           # needs the release server (cargo build --release)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

process.env.TAILOR_BIN ||= fileURLToPath(new URL("../../target/release/tailor", import.meta.url));
const { launchBrowser, startServer } = await import("../e2e/harness.mjs");
const { benchPage } = await import("./pages.mjs");

const site = mkdtempSync(join(tmpdir(), "tailor-fetch-"));
benchPage(site);
const server = await startServer({ site });
const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url + "/tailor.html");
  await page.evaluate(() => window.tailor.ready());
  for (let i = 0; i < 8; i++) {
    const step = await page.evaluate(async () => {
      const url = performance.getEntriesByType("resource").map((e) => e.name).find((n) => /tailor_core\.wasm/.test(n));
      const t = [performance.now()];
      const response = await fetch(url);
      t.push(performance.now());
      const bytes = await response.arrayBuffer();
      t.push(performance.now());
      new WebAssembly.Module(bytes);
      t.push(performance.now());
      await WebAssembly.compileStreaming(fetch(url));
      t.push(performance.now());
      const xhr = await new Promise((resolve, reject) => {
        const x = new XMLHttpRequest();
        x.open("GET", url);
        x.responseType = "arraybuffer";
        x.onload = () => resolve(x.response);
        x.onerror = reject;
        x.send();
      });
      await crypto.subtle.digest("SHA-384", xhr);
      t.push(performance.now());
      await (await fetch("/dist/tailor.js")).text();
      t.push(performance.now());
      const d = (a, b) => (t[b] - t[a]).toFixed(1);
      return { response: d(0, 1), body: d(1, 2), compile: d(2, 3), streaming: d(3, 4), xhr_sha384: d(4, 5), loader_text: d(5, 6) };
    });
    console.log(Object.entries(step).map(([k, v]) => `${k} ${v} ms`).join(", "));
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(site, { recursive: true, force: true });
}
