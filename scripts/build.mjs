// Builds the script-tag SDK into dist/: the Rust engine for wasm32, wasm-bindgen (--target web),
// wasm-opt, the engine script (tailor_core.js, the wasm as base64), the loader and the TypeScript
// types; then prints the size report (raw, gzip -9,
// brotli) and writes it to dist/size.json for the benches and the budget test.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { minify } from "terser";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// TAILOR_NAMES=1 keeps the wasm's function names, for reading a start-up profile
// (tests/bench/startup_profile.mjs), and builds into target/dist-names instead of dist/.
const keepNames = process.env.TAILOR_NAMES === "1";
const dist = keepNames ? join(root, "target", "dist-names") : join(root, "dist");
const pkg = join(root, "target", "pkg");
const budgetGzip = 40 * 1024; // issue 11: the critical path (JS + wasm before the decision), gzip

// The engine script, tailor_core.js: wasm-bindgen's `--target web` glue turned from an ES module
// into a function, and the optimized wasm as base64; running it hands both to the loader on its
// own script element. A script, not a module import plus a .wasm fetch: browsers keep scripts in
// their in-memory cache across a visit's pages (see loadCore in js/tailor.js), and the glue and
// the wasm it was generated for can never come from different builds. The glue's shape is
// wasm-bindgen's; a change of shape fails the build here rather than in a visitor's browser.
async function coreScript(glue, wasm) {
  // Long strings (rules, the stored profile) cross with the browser's own encoder: the glue's
  // ASCII loop runs in a cold interpreter on every page (1.6 ms a page in a start-up profile).
  const slowPath = "    if (realloc === undefined) {\n        const buf = cachedTextEncoder.encode(arg);";
  if (!glue.includes(slowPath)) {
    throw new Error("wasm-bindgen glue has a passStringToWasm0 the bundler does not know; see coreScript");
  }
  const body = glue
    .replace(slowPath, slowPath.replace("realloc === undefined", "realloc === undefined || arg.length > 64"))
    .replace(/^export (class|function) /gm, "$1 ")
    .replace(/^export \{ initSync, __wbg_init as default \};\s*$/m, "")
    .replace(/import\.meta\.url/g, "document.baseURI");
  if (/^\s*(export|import)\b/m.test(body) || /import\.meta/.test(body)) {
    throw new Error("wasm-bindgen glue has a shape the bundler does not know; see coreScript");
  }
  const source = "(function (script) {\n" + body +
    "\nvar core = { initSync: initSync, Tailor: Tailor, wasm: \"" + wasm.toString("base64") + "\" };" +
    // Loaded as a module (see importCore in js/tailor.js) there is no current script.
    "\nif (script) script.tailorCore = core; else self.tailorCore = core;\n})(document.currentScript);\n";
  const minified = await minify(source, {
    ecma: 2017, compress: { passes: 2 }, mangle: true, format: { comments: false },
  });
  const text = "/*! Tailor engine (MIT): wasm-bindgen glue and WebAssembly, started by tailor.js */\n" +
    minified.code + "\n";
  const digest = (alg) => createHash(alg).update(text).digest();
  return {
    text,
    file: "tailor_core.js?v=" + digest("sha256").toString("hex").slice(0, 16),
    integrity: "sha384-" + digest("sha384").toString("base64"),
  };
}

// The loader with the engine script's name and hash filled in.
function pinnedLoader(loader, core) {
  const fill = (text, marker, value) => {
    if (!text.includes(marker)) throw new Error("js/tailor.js lacks the " + marker + " marker");
    return text.replace(marker, () => value);
  };
  return fill(fill(loader, "@tailor-core-file@", core.file), "@tailor-core-integrity@", core.integrity);
}

function run(cmd, args, env = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "tailor", "--lib"]);
rmSync(pkg, { recursive: true, force: true });
run("wasm-bindgen", [
  join(root, "target/wasm32-unknown-unknown/release/tailor.wasm"),
  "--target", "web", "--out-dir", pkg, "--out-name", "tailor_core",
  ...(keepNames ? [] : ["--remove-name-section", "--remove-producers-section"]),
]);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
// wasm-opt from the npm binaryen package (pinned in package.json): Debian's binaryen 108 breaks
// the externref table that wasm-bindgen emits when reference types are on (rustc's default).
// The features enabled are those rustc enables by default for wasm32; every browser Tailor
// supports has them.
run(join(root, "node_modules", ".bin", "wasm-opt"), [
  // The module owns its memory, which starts zero-filled, and Rust places nothing below 1 KB:
  // both let wasm-opt drop stores of zeros and fold address offsets (about -1.5 KB raw).
  join(pkg, "tailor_core_bg.wasm"), "-Oz", "--zero-filled-memory", "--low-memory-unused",
  ...(keepNames ? ["-g"] : ["--strip-debug", "--strip-producers"]),
  "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue",
  "-o", join(pkg, "tailor_core_opt.wasm"),
]);
const core = await coreScript(
  readFileSync(join(pkg, "tailor_core.js"), "utf8"),
  readFileSync(join(pkg, "tailor_core_opt.wasm")),
);
writeFileSync(join(dist, "tailor_core.js"), core.text);
// The loader: one small classic script, pinned to its engine script.
const bundled = pinnedLoader(readFileSync(join(root, "js", "tailor.js"), "utf8"), core);
// Minified, as the engine script is (terser: local names only, never properties, which the wasm
// imports are keyed by); the licence comment stays.
const minified = await minify(bundled, {
  ecma: 2017, compress: { passes: 2 }, mangle: true, format: { comments: /^!/ },
});
writeFileSync(join(dist, "tailor.js"), minified.code);
copyFileSync(join(root, "js", "tailor.d.ts"), join(dist, "tailor.d.ts"));
copyFileSync(join(root, "js", "tailor_debug.js"), join(dist, "tailor_debug.js"));
copyFileSync(join(root, "schema", "rules.schema.json"), join(dist, "rules.schema.json"));

// Size report. The script tag loads tailor.js, which loads tailor_core.js.
function sizeOf(bytes) {
  const gzip = gzipSync(bytes, { level: 9 });
  const brotli = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  return { raw: bytes.length, gzip, brotli };
}
const sizes = {};
for (const name of ["tailor.js", "tailor_core.js", "tailor_debug.js", "tailor.d.ts"]) {
  const { raw, gzip, brotli } = sizeOf(readFileSync(join(dist, name)));
  sizes[name] = { raw, gzip: gzip.length, brotli: brotli.length };
  // Precompressed copies, served by `tailor serve` (and by any static server that knows them)
  // when the browser accepts them.
  if (name !== "tailor.d.ts") {
    writeFileSync(join(dist, name + ".gz"), gzip);
    writeFileSync(join(dist, name + ".br"), brotli);
  }
}
// The wasm alone, for comparison with the base64 that carries it.
const wasm = sizeOf(readFileSync(join(pkg, "tailor_core_opt.wasm")));
const engineWasm = { raw: wasm.raw, gzip: wasm.gzip.length, brotli: wasm.brotli.length };
// What a page downloads before Tailor can decide (the critical path), and everything it may
// download in a page view (the total: the critical path plus parts loaded after the decision).
// The opt-in debug overlay and the types are not counted. scripts/size_guard.mjs compares both
// with the committed size-baseline.json.
const criticalFiles = ["tailor.js", "tailor_core.js"];
const deferredFiles = [];
function sum(names) {
  const out = { raw: 0, gzip: 0, brotli: 0 };
  for (const name of names) for (const k of Object.keys(out)) out[k] += sizes[name][k];
  return out;
}
const criticalPath = sum(criticalFiles);
const total = sum([...criticalFiles, ...deferredFiles]);
const report = {
  files: sizes, engineWasm, criticalFiles, deferredFiles, criticalPath, total, budgetGzip,
};
writeFileSync(join(dist, "size.json"), JSON.stringify(report, null, 2) + "\n");

const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
console.log("\nTailor size report (dist/)");
console.log("file".padEnd(22) + "raw".padStart(10) + "gzip -9".padStart(10) + "brotli".padStart(10));
for (const [name, s] of Object.entries(sizes)) {
  console.log(name.padEnd(22) + kb(s.raw) + kb(s.gzip) + kb(s.brotli));
}
console.log("(its wasm alone)".padEnd(22) + kb(engineWasm.raw) + kb(engineWasm.gzip) + kb(engineWasm.brotli));
console.log("critical path".padEnd(22) + kb(criticalPath.raw) + kb(criticalPath.gzip) + kb(criticalPath.brotli));
console.log("total".padEnd(22) + kb(total.raw) + kb(total.gzip) + kb(total.brotli));
const verdict = criticalPath.gzip <= budgetGzip ? "within" : "OVER";
console.log(`size.critical_path_gzip_bytes: ${criticalPath.gzip} (${verdict} the ${budgetGzip / 1024} KB budget)`);
console.log(`size.total_gzip_bytes: ${total.gzip}\n`);
