// The npm package as a user's app meets it: `node scripts/package.mjs` packs dist/ (built by
// `node scripts/build.mjs`), the tarball is installed with npm into a fresh app in the system's
// temporary folder, and then: its `exports` resolve, a Vite build of
// `import { start } from "tailor-sdk"` emits the engine's wasm as an asset and starts Tailor in
// Chromium (the app is the npm snippet of docs/frameworks.md), and the TypeScript types of both entry points check with `tsc`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { binary, launchBrowser, root, startServer, watchConsole } from "./e2e/harness.mjs";

const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
let app;
let tarball;

const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240000 });

before(() => {
  tarball = sh("node", [join(root, "scripts", "package.mjs")], root).trim().split("\n").pop();
  app = mkdtempSync(join(tmpdir(), "tailor-npm-app-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({
    name: "an-app", private: true, type: "module",
    dependencies: { "tailor-sdk": "file:" + tarball },
    // The versions the example app uses (npm's cache has them after its `npm ci`).
    devDependencies: { typescript: "5.9.3", vite: "8.3.8" },
  }, null, 2));
  sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], app);
});
after(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

const installed = (...parts) => join(app, "node_modules", "tailor-sdk", ...parts);

describe("npm package", () => {
  test("npm pack gives tailor-sdk at the repository's version, with the script-tag files", () => {
    assert.match(tarball, new RegExp(`tailor-sdk-${version.replace(/\./g, "\\.")}\\.tgz$`));
    const manifest = JSON.parse(readFileSync(installed("package.json"), "utf8"));
    assert.equal(manifest.name, "tailor-sdk");
    assert.equal(manifest.version, version);
    assert.equal(manifest.type, "module");
    assert.deepEqual(Object.keys(manifest.exports).slice(0, 2), [".", "./react"]);
    for (const file of ["tailor.mjs", "tailor.mjs.d.ts", "tailor.js", "tailor_core.wasm.js", "tailor_core.wasm", "tailor_tools.wasm", "tailor.d.ts", "react.mjs", "react.d.ts", "README.md", "LICENSE"]) {
      assert.ok(existsSync(installed(file)), file);
    }
    const files = readdirSync(installed());
    assert.deepEqual(files.filter((f) => /\.(br|gz)$/.test(f) || f === "size.json"), [], "no build by-products");
    // The same engine as dist/, byte for byte.
    assert.ok(readFileSync(installed("tailor_core.wasm")).equals(readFileSync(join(root, "dist", "tailor_core.wasm"))));
    assert.equal(manifest.peerDependenciesMeta.react.optional, true, "React only for tailor-sdk/react");
  });

  test("the exports resolve from the app: module entry, React binding, script-tag files", () => {
    const specifiers = ["tailor-sdk", "tailor-sdk/react", "tailor-sdk/tailor.js", "tailor-sdk/tailor_core.wasm.js",
      "tailor-sdk/tailor_core.wasm", "tailor-sdk/package.json"];
    const resolved = JSON.parse(sh("node", ["--input-type=module", "-e",
      `console.log(JSON.stringify(${JSON.stringify(specifiers)}.map((s) => import.meta.resolve(s))))`], app));
    const expected = ["tailor.mjs", "react.mjs", "tailor.js", "tailor_core.wasm.js", "tailor_core.wasm", "package.json"];
    assert.deepEqual(resolved.map((u) => new URL(u).pathname), expected.map((f) => installed(f)));
    assert.throws(() => sh("node", ["--input-type=module", "-e", `import.meta.resolve("tailor-sdk/size.json")`], app),
      /ERR_PACKAGE_PATH_NOT_EXPORTED/, "only what exports names");
  });

  test("a Vite build of `import { start } from \"tailor-sdk\"` emits the wasm and starts Tailor", async () => {
    writeFileSync(join(app, "index.html"), `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'wasm-unsafe-eval'">
<title>an app</title><link rel="icon" href="data:,"></head>
<body><h1 id="greeting">Welcome!</h1><script type="module" src="/main.js"></script></body></html>
`);
    // The app is the npm snippet of docs/frameworks.md, as a reader would paste it.
    const snippet = readFileSync(join(root, "docs", "frameworks.md"), "utf8").match(/```mjs\n([\s\S]*?)```/);
    assert.ok(snippet, "docs/frameworks.md has its npm snippet");
    writeFileSync(join(app, "main.js"), snippet[1]);
    writeFileSync(join(app, "rules.json"), JSON.stringify({
      rules: [{ id: "greet", actions: [{ selector: "#greeting", text: "Hello from the package" }] }],
    }));
    sh(join(app, "node_modules", ".bin", "vite"), ["build", "--logLevel", "error"], app);
    const assets = readdirSync(join(app, "dist", "assets"));
    const wasm = assets.filter((f) => /^tailor_core-[\w-]+\.wasm$/.test(f));
    assert.equal(wasm.length, 1, "the wasm is an asset of the build: " + assets.join(", "));
    assert.ok(readFileSync(join(app, "dist", "assets", wasm[0])).equals(readFileSync(installed("tailor_core.wasm"))));
    const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(app, "dist", "assets", f), "utf8")).join("\n");
    assert.ok(js.includes(wasm[0]), "the bundle names the emitted wasm");
    // The rest of the engine, fetched after the decision, is emitted too.
    const rest = assets.filter((f) => /^tailor_core_rest-[\w-]+\.wasm$/.test(f));
    assert.equal(rest.length, 1, "the rest of the engine is an asset of the build: " + assets.join(", "));
    assert.ok(readFileSync(join(app, "dist", "assets", rest[0])).equals(readFileSync(installed("tailor_core_rest.wasm"))));
    assert.ok(js.includes(rest[0]), "the bundle names the emitted rest of the engine");
    // The engine a preview link or ?tailor-debug loads is emitted too (and requested only then).
    const tools = assets.filter((f) => /^tailor_tools-[\w-]+\.wasm$/.test(f));
    assert.equal(tools.length, 1, "the tools engine is an asset of the build: " + assets.join(", "));
    assert.ok(js.includes(tools[0]), "the bundle names the emitted tools engine");

    const server = await startServer({ site: join(app, "dist") });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const { messages, errors } = watchConsole(page);
      const decided = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("Tailor decided"), timeout: 10000 });
      await page.goto(server.url + "/");
      await decided;
      const report = await page.evaluate(() => window.tailor.report());
      assert.deepEqual(report.matched, ["greet"]);
      assert.equal(await page.locator("#greeting").textContent(), "Hello from the package");
      assert.equal(await page.evaluate(() => window.tailor.error()), null);
      assert.deepEqual(errors.map(String), []);
      assert.deepEqual(messages.filter((m) => m.type === "error" || m.type === "warning"), [],
        "no console errors: the page's CSP allows only 'self' and 'wasm-unsafe-eval'");
      const engines = () => page.evaluate(() => performance.getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")));
      // This app does not enable debug, so ?tailor-debug keeps the visitors' engine.
      let decidedAgain = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("Tailor decided"), timeout: 10000 });
      await page.goto(server.url + "/?tailor-debug");
      await decidedAgain;
      assert.deepEqual(await engines(), ["/assets/" + wasm[0], "/assets/" + rest[0]]);
      // A tab in preview runs the tools engine, found where the bundler emitted it (the app does
      // not allow previews, so the engine then leaves preview with a console note).
      await page.evaluate(() => sessionStorage.setItem("tailor.preview", "{}"));
      decidedAgain = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("Tailor decided"), timeout: 10000 });
      await page.reload();
      await decidedAgain;
      assert.deepEqual(await engines(), ["/assets/" + tools[0]]);
      assert.deepEqual(await page.evaluate(() => window.tailor.report().matched), ["greet"]);
      assert.deepEqual(errors.map(String), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  });

  test("an app that starts Tailor with compiled rules gets the lean engine from its bundle", async () => {
    writeFileSync(join(app, "compiled.json"), JSON.stringify({
      rules: [{ id: "greet", actions: [{ selector: "#greeting", text: "Hello, compiled" }] }],
    }));
    sh(binary, ["compile", join(app, "compiled.json"), "--out", join(app, "rules.compiled.json")], app);
    writeFileSync(join(app, "main.js"), `import { start } from "tailor-sdk";
import rules from "./rules.compiled.json";
start({ rules }).then((tailor) => console.log("Tailor decided", JSON.stringify(tailor.report())));
`);
    sh(join(app, "node_modules", ".bin", "vite"), ["build", "--logLevel", "error", "--outDir", "dist-compiled"], app);
    const assets = readdirSync(join(app, "dist-compiled", "assets"));
    const lean = assets.filter((f) => /^tailor_lean-[\w-]+\.wasm$/.test(f));
    assert.equal(lean.length, 1, "the lean engine is an asset of the build: " + assets.join(", "));
    assert.ok(readFileSync(join(app, "dist-compiled", "assets", lean[0])).equals(readFileSync(installed("tailor_lean.wasm"))));
    const leanRest = assets.filter((f) => /^tailor_lean_rest-[\w-]+\.wasm$/.test(f));
    assert.equal(leanRest.length, 1, "the rest of the lean engine is an asset of the build: " + assets.join(", "));
    const server = await startServer({ site: join(app, "dist-compiled") });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const { messages, errors } = watchConsole(page);
      const decided = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("Tailor decided"), timeout: 10000 });
      await page.goto(server.url + "/");
      await decided;
      assert.equal(await page.locator("#greeting").textContent(), "Hello, compiled");
      assert.equal(await page.evaluate(() => window.tailor.error()), null);
      const engines = await page.evaluate(() => performance.getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")));
      assert.deepEqual(engines, ["/assets/" + lean[0], "/assets/" + leanRest[0]], "only the lean engine (and its rest) is downloaded");
      assert.deepEqual(errors.map(String), []);
      assert.deepEqual(messages.filter((m) => m.type === "error" || m.type === "warning"), []);
    } finally {
      await browser.close();
      await server.stop();
    }
  });

  test("the types of both entry points check with tsc", () => {
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "es2022", module: "esnext", moduleResolution: "bundler", strict: true,
        noEmit: true, lib: ["es2022", "dom"], types: [],
      },
      files: ["check.ts", "wrong.ts"],
    }));
    writeFileSync(join(app, "check.ts"), `import { start } from "tailor-sdk";
import type { TailorApi } from "tailor-sdk";
import { useTailorSlot } from "tailor-sdk/react";

const started: Promise<TailorApi> = start({ rules: { rules: [] }, config: { consent: "implied" }, timeout: 800 });
started.then((tailor) => tailor.report());
const hero = useTailorSlot<{ image: string; caption: string }>("hero");
const caption: string | undefined = hero?.caption;
export { caption };
`);
    // A wrong use must be refused, or the check proves nothing: exactly this one error.
    writeFileSync(join(app, "wrong.ts"), `import { useTailorSlot } from "tailor-sdk/react";
const n: number = useTailorSlot("hero");
export { n };
`);
    let output = "";
    try {
      sh(join(app, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], app);
    } catch (e) {
      output = e.stdout + e.stderr;
    }
    const errors = output.split("\n").filter((l) => /error TS\d+/.test(l));
    assert.equal(errors.length, 1, "tsc:\n" + output);
    assert.match(errors[0], /^wrong\.ts\(2,7\): error TS2322/, "tsc:\n" + output);
  });
});
