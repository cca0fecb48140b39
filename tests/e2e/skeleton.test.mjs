// The walking skeleton, end to end: real server, real Chromium, as a visitor meets it.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { distWithout, frameRecorder, launchBrowser, root, startServer, watchConsole } from "./harness.mjs";

const ORIGINAL = "Welcome to Pawsome Pets!";
const PERSONALIZED = "Welcome back! Your pets missed you.";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// The demo requires consent (its banner asks); these tests are about other things, so the visitor
// grants it through the page API as soon as Tailor starts.
async function consenting(context) {
  await context.addInitScript(() => {
    (window.tailor = window.tailor || []).push((t) => t.consent({ personalization: true }));
  });
  return context;
}

async function greetingOf(page) {
  return page.locator("#greeting").textContent();
}

async function tailorReady(page) {
  return page.evaluate(() =>
    new Promise((resolve) => {
      const t = window.tailor;
      if (t && typeof t.ready === "function") t.ready().then(resolve);
      else document.addEventListener("tailor:ready", (e) => resolve(e.detail.report), { once: true });
    }),
  );
}

describe("demo site", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("the first visit shows the default greeting, the second the personalized one", async () => {
    const context = await consenting(await browser.newContext());
    const page = await context.newPage();
    const { errors } = watchConsole(page);
    await page.goto(server.url + "/");
    const first = await tailorReady(page);
    assert.equal(first.pageViews, 1);
    assert.equal(await greetingOf(page), ORIGINAL);

    await page.reload();
    const second = await tailorReady(page);
    assert.equal(second.pageViews, 2);
    assert.ok(second.matched.includes("welcome-back"), second.matched.join(", "));
    assert.equal(await greetingOf(page), PERSONALIZED);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("tailor.profile")));
    assert.equal(stored.views, 2);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("no frame shows the original greeting on the second-visit load", async () => {
    const context = await consenting(await browser.newContext());
    await context.addInitScript(frameRecorder("#greeting", ORIGINAL));
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await tailorReady(page);
    await page.waitForFunction(() => window.__tailorFrames.frames >= 10);
    // The recorder does see the original greeting when it is shown: first visit, no rule.
    const firstVisit = await page.evaluate(() => window.__tailorFrames);
    assert.ok(firstVisit.original > 0, "the recorder saw the default greeting on the first visit");

    await page.reload();
    await tailorReady(page);
    await page.waitForFunction(() => window.__tailorFrames.frames >= 10);
    const secondVisit = await page.evaluate(() => window.__tailorFrames);
    assert.equal(await greetingOf(page), PERSONALIZED);
    assert.equal(
      secondVisit.original,
      0,
      `frames showing the original greeting: ${secondVisit.original} of ${secondVisit.frames}: ` +
        secondVisit.samples.slice(0, 20).join(" | "),
    );
    await context.close();
  });

  test("commands queued before load are replayed, and a throwing one breaks nothing", async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      window.tailor = [
        (t) => (window.__replayed = t.version),
        () => {
          throw new Error("page bug");
        },
        (t) => (window.__after = t.report().pageViews),
      ];
    });
    const page = await context.newPage();
    const { messages, errors } = watchConsole(page);
    await page.goto(server.url + "/");
    await tailorReady(page);
    assert.equal(await page.evaluate(() => window.__replayed), "0.1.0");
    assert.equal(await page.evaluate(() => window.__after), 1);
    assert.ok(messages.some((m) => m.type === "error" && m.text.includes("a queued command threw")));
    assert.deepEqual(errors, [], "the throwing command did not escape as an uncaught error");
    await context.close();
  });
});

describe("bad starts show the original content and say why", () => {
  // The engine files missing (the script the demo preloads and the wasm the loader falls back
  // to), and engine files that are not the ones this loader was built with (a half-finished
  // deploy, a tampered copy): the loader pins the engine by version and hash.
  for (const [name, breakDist] of [
    ["the engine file is missing", () => distWithout("tailor_core.wasm", "tailor_core.wasm.js")],
    ["the engine file is not the one the loader was built with", () => {
      const dir = distWithout("tailor_core.wasm", "tailor_core.wasm.js");
      const core = readFileSync(join(root, "dist", "tailor_core.wasm"));
      // Still a valid module (a custom section appended), but not the bytes of this build.
      writeFileSync(join(dir, "tailor_core.wasm"), Buffer.concat([core, Buffer.from([0, 4, 3, 0x61, 0x62, 0x63])]));
      // The engine script of another build: the same text under another version.
      const script = readFileSync(join(root, "dist", "tailor_core.wasm.js")).toString("utf16le");
      const other = script.replace(/__tailorEngine=\["[0-9a-f]{16}"/, '__tailorEngine=["0123456789abcdef"');
      writeFileSync(join(dir, "tailor_core.wasm.js"), Buffer.from(other, "utf16le"));
      return dir;
    }],
  ]) {
    test(name, async () => {
      const dist = breakDist();
      const server = await startServer({ dist });
      try {
        const page = await browser.newPage();
        const { messages } = watchConsole(page);
        await page.goto(server.url + "/");
        await page.locator("#greeting").waitFor({ state: "visible", timeout: 5000 });
        assert.equal(await greetingOf(page), ORIGINAL);
        await page.waitForFunction(() => window.tailor && window.tailor.error && window.tailor.error());
        const error = messages.find((m) => m.type === "error" && m.text.startsWith("Tailor:"));
        assert.ok(error, "a Tailor console error: " + JSON.stringify(messages));
        assert.match(error.text, /could not load .*\/tailor_core\.wasm\?v=[0-9a-f]{16} \(missing, blocked/);
        // Revealed by the failure itself, not by waiting for the timeout.
        assert.ok(!messages.some((m) => m.text.includes("not ready after")));
        await page.close();
      } finally {
        await server.stop();
        rmSync(dist, { recursive: true, force: true });
      }
    });
  }

  test("a #tailor-config block that is JSON but not an object: a warning, the defaults, and the script tag's settings", async () => {
    const site = mkdtempSync(join(tmpdir(), "tailor-config-"));
    writeFileSync(join(site, "index.html"), `<!doctype html><html><head><meta charset="utf-8"><title>config</title>
<script type="application/json" id="tailor-config">5</script>
<script type="application/json" id="tailor-rules">{"rules": [{"id": "r1", "actions": [{"selector": "#greeting", "text": "Personalized"}]}]}</script>
<script src="/dist/tailor.js" data-consent="implied"></script></head>
<body><h1 id="greeting" data-tailor-slot="greeting">Original greeting</h1></body></html>`);
    const server = await startServer({ site });
    try {
      const page = await browser.newPage();
      const { messages, errors } = watchConsole(page);
      await page.goto(server.url + "/");
      await page.waitForFunction(() => document.getElementById("greeting").textContent === "Personalized", null, { timeout: 5000 });
      await tailorReady(page); // the page API is there once the rest of the engine is
      assert.ok(messages.some((m) => m.type === "warning" && /the #tailor-config block is not a JSON object; using the defaults/.test(m.text)),
        JSON.stringify(messages));
      assert.equal(await page.evaluate(() => window.tailor.error()), null);
      assert.equal(await page.evaluate(() => window.tailor.consent().mode), "implied", "data-consent still applies");
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.stop();
      rmSync(site, { recursive: true, force: true });
    }
  });

  test("inline rules that are not JSON: original content, and the console says where", async () => {
    const site = mkdtempSync(join(tmpdir(), "tailor-broken-"));
    writeFileSync(join(site, "index.html"), `<!doctype html><html><head><meta charset="utf-8"><title>broken</title>
<script type="application/json" id="tailor-rules">{"rules": [{"id": "r1",</script>
<script src="/dist/tailor.js"></script></head>
<body><h1 id="greeting" data-tailor-slot="greeting">Original greeting</h1></body></html>`);
    const server = await startServer({ site });
    try {
      const page = await browser.newPage();
      const { messages, errors } = watchConsole(page);
      await page.goto(server.url + "/");
      await page.locator("#greeting").waitFor({ state: "visible", timeout: 5000 });
      assert.equal(await greetingOf(page), "Original greeting");
      await page.waitForFunction(() => window.tailor && window.tailor.error && window.tailor.error());
      const error = messages.find((m) => m.type === "error" && m.text.startsWith("Tailor:"));
      assert.match(error?.text ?? "", /the inline #tailor-rules block is not valid JSON/);
      assert.ok(!messages.some((m) => m.text.includes("not ready after")), "revealed by the failure, not the timeout");
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await server.stop();
      rmSync(site, { recursive: true, force: true });
    }
  });

  describe("Content-Security-Policy", () => {
    // One page per policy, the same page otherwise (a <meta> policy; the loader tag carries the
    // nonce where the policy has one).
    const POLICIES = {
      // No 'wasm-unsafe-eval': the browser refuses to compile Tailor's WebAssembly.
      "csp-strict": "default-src 'self'; script-src 'self'",
      // The only thing Tailor needs from a strict policy: 'wasm-unsafe-eval'.
      "csp-wasm": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'",
      // Nonces without 'self' for scripts: the loader's nonce is all Tailor needs (its engine is fetched).
      "csp-nonce": "default-src 'self'; script-src 'nonce-tailor-e2e' 'wasm-unsafe-eval'; style-src 'self'",
      // Trusted Types enforced: without the engine script's preload Tailor sets no script URL, so
      // it needs no policy...
      "csp-trusted-types": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
        "require-trusted-types-for 'script'; trusted-types tailor",
      // ... even where the page allows none.
      "csp-trusted-types-none": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
        "require-trusted-types-for 'script'; trusted-types 'none'",
    };
    // The same policies with the README's preload of the engine script (the loader then inserts
    // that script, with its own nonce and, under Trusted Types, through its "tailor" policy).
    for (const name of ["csp-strict", "csp-nonce", "csp-trusted-types", "csp-trusted-types-none"]) {
      POLICIES[name + "-preload"] = POLICIES[name];
    }
    let server;
    let site;
    before(async () => {
      site = mkdtempSync(join(tmpdir(), "tailor-csp-"));
      for (const [name, policy] of Object.entries(POLICIES)) {
        const nonce = policy.match(/'nonce-([^']+)'/);
        const nonceAttr = nonce ? ` nonce="${nonce[1]}"` : "";
        const preload = name.endsWith("-preload")
          ? `<link rel="preload" href="/dist/tailor_core.wasm.js" as="script" crossorigin${nonceAttr}>` : "";
        writeFileSync(join(site, name + ".html"), `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="${policy}">
  <title>${name}</title>
  <link rel="icon" href="/favicon.svg">
  <script type="application/json" id="tailor-rules">
  {"rules":[{"id":"always","actions":[{"selector":"#greeting","text":"Personalized"}]}]}
  </script>
  ${preload}
  <script${nonceAttr} src="/dist/tailor.js"></script>
</head>
<body>
  <h1 id="greeting" data-tailor-slot="greeting">Original greeting</h1>
</body>
</html>
`);
      }
      // An icon the pages name: without one Chromium asks for /favicon.ico, and the 404 it logs
      // lands in a test's console or not, depending on timing.
      writeFileSync(join(site, "favicon.svg"), '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"/>');
      server = await startServer({ site });
    });
    after(async () => {
      await server?.stop();
      if (site) rmSync(site, { recursive: true, force: true });
    });

    // With the engine script preloaded too: its decoding needs WebAssembly as well.
    for (const path of ["/csp-strict.html", "/csp-strict-preload.html"]) {
      test(`without 'wasm-unsafe-eval' the page keeps its content and the console says why (${path})`, async () => {
        const page = await browser.newPage();
        const { messages } = watchConsole(page);
        await page.goto(server.url + path);
        await page.locator("#greeting").waitFor({ state: "visible", timeout: 5000 });
        await page.waitForFunction(() => window.tailor && window.tailor.error && window.tailor.error());
        assert.equal(await greetingOf(page), "Original greeting");
        const error = messages.find((m) => m.type === "error" && m.text.startsWith("Tailor:"));
        assert.ok(error, "a Tailor console error: " + JSON.stringify(messages));
        assert.match(error.text, /Content-Security-Policy/);
        assert.match(error.text, /'wasm-unsafe-eval'/);
        await page.close();
      });
    }

    // docs/csp.md's recommended policy, read from the doc itself, on every demo page: Tailor, its
    // debug overlay and the demo's own scripts work, and nothing is refused.
    test("the demo runs under the policy docs/csp.md recommends", async () => {
      const doc = readFileSync(join(root, "docs", "csp.md"), "utf8");
      const policy = doc.match(/^Content-Security-Policy: (.+)$/m)[1];
      const demo = await startServer();
      const context = await consenting(await browser.newContext());
      const isPage = (url) => url.pathname === "/" || url.pathname.endsWith(".html");
      await context.route(isPage, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": policy } });
      });
      await context.addInitScript(() => {
        window.__refused = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__refused.push(e.violatedDirective + " " + e.blockedURI));
      });
      try {
        const page = await context.newPage();
        const { errors } = watchConsole(page);
        for (const path of ["/", "/cats.html", "/dogs.html", "/product.html", "/cart.html", "/privacy.html"]) {
          await page.goto(demo.url + path);
          await tailorReady(page);
          assert.equal(await page.evaluate(() => window.tailor.error()), null, path);
          assert.deepEqual(await page.evaluate(() => window.__refused), [], path);
        }
        await page.goto(demo.url + "/?tailor-debug");
        await page.locator("#tailor-debug").waitFor({ state: "visible" }); // the overlay's styles are set from script
        assert.deepEqual(await page.evaluate(() => window.__refused), []);
        assert.deepEqual(errors, []);
      } finally {
        await context.unrouteAll({ behavior: "ignoreErrors" });
        await context.close();
        await demo.stop();
      }
    });

    for (const [name, path] of [
      ["with 'wasm-unsafe-eval' (and no inline styles allowed) Tailor works", "/csp-wasm.html"],
      ["under a nonce-based policy the loader's nonce is enough", "/csp-nonce.html"],
      ["with Trusted Types enforced Tailor works", "/csp-trusted-types.html"],
      ["with Trusted Types enforced and no policy allowed Tailor works and the console stays clean", "/csp-trusted-types-none.html"],
      ["with the engine script preloaded, a nonce-based policy needs only the nonce on both tags", "/csp-nonce-preload.html"],
      ["with the engine script preloaded, Trusted Types allowing the \"tailor\" policy is enough", "/csp-trusted-types-preload.html"],
    ]) {
      test(name, async () => {
        const page = await browser.newPage();
        const engine = [];
        page.on("request", (r) => {
          if (r.url().includes("tailor_core")) engine.push(new URL(r.url()).pathname);
        });
        const { messages, errors } = watchConsole(page);
        await page.goto(server.url + path);
        await tailorReady(page);
        assert.equal(await greetingOf(page), "Personalized");
        assert.deepEqual(errors, []);
        const logged = messages.filter((m) => m.type === "error");
        assert.deepEqual(logged, []);
        const carried = path.endsWith("-preload.html");
        // The engine (as a script or fetched), then the rest of it, after the decision.
        assert.deepEqual(engine, [carried ? "/dist/tailor_core.wasm.js" : "/dist/tailor_core.wasm", "/dist/tailor_core_rest.wasm"]);
        await page.close();
      });
    }

    test("with the engine script preloaded and no Trusted Types policy allowed, the wasm is fetched instead", async () => {
      const page = await browser.newPage();
      const requests = [];
      page.on("request", (r) => {
        if (r.url().includes("tailor_core")) requests.push(new URL(r.url()).pathname);
      });
      const { messages } = watchConsole(page);
      await page.goto(server.url + "/csp-trusted-types-none-preload.html");
      await tailorReady(page);
      assert.equal(await greetingOf(page), "Personalized");
      assert.deepEqual(requests, ["/dist/tailor_core.wasm.js", "/dist/tailor_core.wasm", "/dist/tailor_core_rest.wasm"]);
      // The browser reports the refused policy; Tailor itself logs no error.
      assert.deepEqual(messages.filter((m) => m.type === "error" && m.text.startsWith("Tailor:")), []);
      await page.close();
    });
  });
});
