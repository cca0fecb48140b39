// Shared set-up for the end-to-end tests: the real `tailor serve` binary on a free loopback
// port with its own SQLite file, and the system Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const pagesDir = join(root, "tests", "e2e", "pages");
export const artifactsDir = join(root, "tests", "e2e", "artifacts");

// The debug build by default (npm test builds it for the native tests anyway); the benches set
// TAILOR_BIN to the release build.
export const binary = process.env.TAILOR_BIN || join(root, "target", "debug", "tailor");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

/** Starts `tailor serve` on 127.0.0.1 with a fresh SQLite database (or `db`, e.g. a PostgreSQL
 * URL several instances share); resolves once it listens. */
export async function startServer({ site = join(root, "demo-site"), dist = join(root, "dist"), db, args = [] } = {}) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: build it with cargo build -p tailor-server`);
  const dir = mkdtempSync(join(tmpdir(), "tailor-e2e-"));
  const child = spawn(
    binary,
    ["serve", "--port", "0", "--db", db || join(dir, "e2e.db"), "--site", site, "--dist", dist, ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start in 10 s: " + stderr)), 10000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return {
    url,
    dir,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A copy of dist/ with some files left out, to test a broken install. */
export function distWithout(...names) {
  const dir = mkdtempSync(join(tmpdir(), "tailor-dist-"));
  // The precompressed copies (.br, .gz) go too: the server would send them in its place.
  const gone = (src) => names.some((n) => [n, n + ".br", n + ".gz"].some((f) => src.endsWith(f)));
  cpSync(join(root, "dist"), dir, { recursive: true, filter: (src) => !gone(src) });
  return dir;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * The usual set-up of an e2e file: Chromium and one `tailor serve` (startServer's `options`),
 * started before the file's tests and closed after them. Read them from the returned object
 * (`e2e.browser`, `e2e.server`) once the tests run.
 */
export function browserAndServer(options) {
  const e2e = { browser: null, server: null };
  before(async () => {
    e2e.browser = await launchBrowser();
    e2e.server = await startServer(options);
  });
  after(async () => {
    await e2e.browser?.close();
    await e2e.server?.stop();
  });
  return e2e;
}

/** Collects console messages and uncaught page errors of a page. */
export function watchConsole(page) {
  const messages = [];
  const errors = [];
  page.on("console", (m) => messages.push({ type: m.type(), text: m.text() }));
  page.on("pageerror", (e) => errors.push(e));
  return { messages, errors };
}

/**
 * Init script: records, on every animation frame from the first one, whether an element with
 * `selector` shows `originalText` (present, rendered and not hidden). Read the count from
 * `window.__tailorFrames`.
 */
export function frameRecorder(selector, originalText) {
  return `(() => {
    const record = { frames: 0, original: 0, samples: [] };
    window.__tailorFrames = record;
    const visible = (el) => {
      if (!el || !el.isConnected) return false;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none" || style.opacity === "0") return false;
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0;
    };
    const tick = () => {
      record.frames++;
      const el = document.querySelector(${JSON.stringify(selector)});
      const showing = !!el && el.textContent.includes(${JSON.stringify(originalText)}) && visible(el);
      if (showing) record.original++;
      if (record.samples.length < 400) record.samples.push(el ? (visible(el) ? "v:" : "h:") + el.textContent.trim().slice(0, 24) : "-");
      if (record.frames < 600) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();`;
}

/** Resolves once Tailor has started on `page` (also while `window.tailor` is still the queue). */
export const tailorStarted = (page) => page.evaluate(() => window.tailor.ready ? window.tailor.ready() : new Promise((r) =>
  document.addEventListener("tailor:ready", () => r(), { once: true })));

/** Resolves once the page's outbox is empty: every queued event reached the server. */
export const outboxDelivered = (page) =>
  page.waitForFunction(() => !localStorage.getItem("tailor.outbox"), null, { timeout: 20000 });
