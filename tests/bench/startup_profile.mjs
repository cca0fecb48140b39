// Where a page's start-up time goes: loads the flicker bench's page (50 rules, 4 matching,
// returning visitor) 15 times under the DevTools CPU profiler and prints the functions with the
// most self time per load, wasm functions by name. NEW_TAB=1 loads each in a new tab (a new
// renderer process: nothing warm). A tool for reading, not a benchmark: the profiler's own cost
// inflates every figure.
//
//   TAILOR_NAMES=1 node scripts/build.mjs      # a build with function names, in target/dist-names
//   node tests/bench/startup_profile.mjs        # needs the release server (cargo build --release)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

process.env.TAILOR_BIN ||= fileURLToPath(new URL("../../target/release/tailor", import.meta.url));
const { launchBrowser, root, startServer } = await import("../e2e/harness.mjs");
const { benchPage } = await import("./pages.mjs");

const LOADS = 15;
const site = mkdtempSync(join(tmpdir(), "tailor-profile-"));
benchPage(site);
const server = await startServer({ site, dist: join(root, "target", "dist-names") });
const browser = await launchBrowser();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + "/tailor.html");
  await page.evaluate(() => window.tailor.ready());
  await page.evaluate(() => { window.tailor.set("pet", "cat"); window.tailor.set("name", "Hana"); });
  const newTab = process.env.NEW_TAB === "1";
  const self = new Map();
  let total = 0;
  for (let i = 0; i < LOADS; i++) {
    const tab = newTab ? await context.newPage() : page;
    await tab.goto("about:blank");
    const cdp = await context.newCDPSession(tab);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
    await cdp.send("Profiler.start");
    await tab.goto(server.url + "/tailor.html");
    await tab.evaluate(() => window.tailor.ready());
    const { profile } = await cdp.send("Profiler.stop");
    await cdp.detach();
    if (newTab) await tab.close();
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, k) => {
      const frame = nodes.get(id).callFrame;
      const name = frame.functionName ||
        `(anonymous ${frame.url.split("/").pop()}:${frame.lineNumber}:${frame.columnNumber})`;
      if (name === "(idle)" || name === "(program)") return;
      const dt = profile.timeDeltas[k + 1] || 0;
      self.set(name, (self.get(name) || 0) + dt);
      total += dt;
    });
  }
  const ms = (us) => (us / LOADS / 1000).toFixed(3).padStart(8);
  console.log(`busy ms per load (all of the page, profiler included): ${ms(total).trim()}`);
  [...self].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([name, us]) => console.log(ms(us), name.slice(0, 120)));
} finally {
  await browser.close();
  await server.stop();
  rmSync(site, { recursive: true, force: true });
}
