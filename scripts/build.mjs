// Builds the script-tag SDK into dist/: the Rust engine for wasm32, wasm-bindgen (--target web),
// wasm-opt, the engine (tailor_core.wasm; its glue goes into the loader), the same engine with
// the site owner's tools (tailor_tools.wasm) and without the JSON rule parser, for compiled rules
// (tailor_lean.wasm; each visitors' engine also as a script, .wasm.js), the loader (tailor.js),
// the ES module for bundlers (tailor.mjs) and the TypeScript
// types; then prints the size report (raw, gzip -9,
// brotli) and writes it to dist/size.json for the benches and the budget test.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { minify } from "terser";
import { orderBySize, wasmOpt } from "./wasm_opt.mjs";
import { splitWasm } from "./wasm_split.mjs";
import { section as wasmSection, uleb, wasmSections } from "./wasm_sections.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// TAILOR_NAMES=1 keeps the wasm's function names, for reading a start-up profile
// (tests/bench/startup_profile.mjs), and builds into target/dist-names instead of dist/.
const keepNames = process.env.TAILOR_NAMES === "1";
const dist = keepNames ? join(root, "target", "dist-names") : join(root, "dist");
const pkg = join(root, "target", "pkg");
const budgetGzip = 40 * 1024; // issue 11: the critical path (JS + wasm before the decision), gzip

// The engine: wasm-bindgen's `--target web` glue, turned from an ES module into plain
// declarations (`initSync`, `Tailor`), goes into the loader itself; the optimized wasm is a file of
// its own, tailor_core.wasm, and the same bytes as a script, tailor_core.wasm.js (engineCarrier:
// not base64, which made the engine 27% larger compressed), which the loader requests as soon as
// it runs. The
// loader pins the wasm by version (its URL) and hash (fetch's integrity), so the glue and the wasm
// it was generated for never come from different builds. The glue's shape is wasm-bindgen's; a
// change of shape fails the build here rather than in a visitor's browser.
function engineGlue(glue) {
  // Long strings (rules, the stored profile) cross with the browser's own encoder: the glue's
  // ASCII loop runs in a cold interpreter on every page (1.6 ms a page in a start-up profile).
  const slowPath = "    if (realloc === undefined) {\n        const buf = cachedTextEncoder.encode(arg);";
  if (!glue.includes(slowPath)) {
    throw new Error("wasm-bindgen glue has a passStringToWasm0 the bundler does not know; see engineGlue");
  }
  const imports = "const imports = __wbg_get_imports();";
  if (!glue.includes(imports)) throw new Error("wasm-bindgen glue builds its imports another way; see engineGlue");
  const body = glue
    .replace(slowPath, slowPath.replace("realloc === undefined", "realloc === undefined || arg.length > 64"))
    // The first part of a split engine calls the loader's `enterRest` (scripts/wasm_split.mjs).
    .replaceAll(imports, imports + " imports.p = { e: enterRest };")
    .replace(/^export (class|function) /gm, "$1 ")
    .replace(/^export \{ initSync, __wbg_init as default \};\s*$/m, "")
    // Only __wbg_init (never called: the loader compiles the wasm itself) names its own URL.
    .replace(/import\.meta\.url/g, "document.baseURI");
  if (/^\s*(export|import)\b/m.test(body) || /import\.meta/.test(body)) {
    throw new Error("wasm-bindgen glue has a shape the bundler does not know; see engineGlue");
  }
  return body;
}

// Short import names. wasm-bindgen names each import the glue provides after its function and a
// 16-digit hash (`./tailor_core_bg.js` / `__wbg_getItem_49556a3e59cfb688`); both the wasm and the
// glue carry every name, and the hashes do not compress. Each import becomes `w` / a base-36
// number in the wasm's import section and in the glue's import object alike (about -2 KB gzip
// over both files); a glue whose import object has another shape fails the build.
// `names` (the map an earlier call returned) renames a second build of the engine the same way,
// so one glue serves both; an import that map lacks fails the build.
function shortImports(wasm, glue, names = null) {
  const section = wasmSections(wasm).find((s) => s.id === 2);
  if (!section) throw new Error("shortImports: the wasm has no import section");
  const r = section.reader();
  const count = r.u32();
  const body = [uleb(count)];
  const renamed = new Map();
  for (let i = 0; i < count; i++) {
    const { module, field, desc } = r.importEntry();
    if (module !== "./tailor_core_bg.js") throw new Error("shortImports: an import from " + module);
    const short = names ? names.get(field) : i.toString(36);
    if (short === undefined) throw new Error("shortImports: the tools engine's glue has no " + field);
    renamed.set(field, short);
    body.push(uleb(1), Buffer.from("w"), uleb(short.length), Buffer.from(short), desc);
  }
  if (r.p !== section.end) throw new Error("shortImports: the import section did not parse");
  const renamedWasm = Buffer.concat([
    wasm.subarray(0, section.at), wasmSection(2, ...body), wasm.subarray(section.end),
  ]);
  if (names) return { wasm: renamedWasm, glue: null, names };
  let out = glue.replace('"./tailor_core_bg.js": import0', "w: import0");
  for (const [field, short] of renamed) {
    const key = new RegExp("^(\\s+)" + field + ": function", "gm");
    const hits = out.match(key);
    if (!hits || hits.length !== 1) throw new Error("shortImports: the glue names " + field + " " + (hits ? hits.length : 0) + " times");
    out = out.replace(key, "$1" + JSON.stringify(short) + ": function");
  }
  if (out.includes("tailor_core_bg.js")) throw new Error("shortImports: the glue still names its module");
  return { wasm: renamedWasm, glue: out, names: renamed };
}

// The loader with the engine's name and hash filled in.
function pinnedLoader(loader, fills) {
  let text = loader;
  for (const [marker, value] of Object.entries(fills)) {
    if (!text.includes(marker)) throw new Error("js/tailor.js lacks the " + marker + " marker");
    text = text.replace(marker, () => value);
  }
  return text;
}

// The engine as a script (tailor_core.wasm.js), for the script tag: a script comes from the
// renderer's in-memory cache on the next page of a visit, where a fetch() of the wasm waits
// 10-20 ms for the HTTP cache (docs/size.md). The file is UTF-16LE text with a byte-order mark
// (which every browser obeys over the server's charset), so its bytes are the wasm's own bytes
// and compress as well: each pair of wasm bytes is one character of a string literal. The few
// characters a literal cannot hold (quote, backslash, line ends, lone surrogates) and the escape
// character itself are written as the escape character followed by the character XOR 0x8000;
// the least frequent character is chosen as the escape. Surrogates are most of those characters,
// so every byte is first XORed with a constant `flip`, chosen to leave few: the same change of
// every byte keeps every repeat in the file a repeat, so gzip compresses it as well, and the
// escapes went from 753 to about 200 (-0.6 KB gzip and brotli, stop 22). The flip never changes a
// byte's top bit: brotli models each byte after the top bits of the ones before it, and a flip
// of 128 or more cost it 1.5 KB. The loader undoes both (unpackEngine).
function engineCarrier(wasm, version) {
  const forbidden = (u) => u === 0x0a || u === 0x0d || u === 0x22 || u === 0x5c ||
    u === 0x2028 || u === 0x2029 || (u >= 0xd800 && u <= 0xdfff);
  const flipped = (flip) => {
    const units = new Uint16Array(Math.ceil(wasm.length / 2));
    for (let i = 0; i < wasm.length; i++) units[i >> 1] |= (wasm[i] ^ flip) << ((i & 1) * 8);
    return units;
  };
  // Of the eight flips that leave the fewest escapes, the one that compresses smallest.
  const candidates = [];
  for (let k = 0; k < 128; k++) candidates.push([flipped(k).reduce((n, u) => n + (forbidden(u) ? 1 : 0), 0), k]);
  candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let flip = 0;
  let smallest = Infinity;
  for (const [, k] of candidates.slice(0, 8)) {
    const { gzip, brotli } = sizeOf(Buffer.from(flipped(k).buffer));
    if (gzip.length + brotli.length < smallest) [flip, smallest] = [k, gzip.length + brotli.length];
  }
  const units = flipped(flip);
  const count = new Uint32Array(0x10000);
  for (const u of units) count[u]++;
  let mark = -1;
  for (let u = 0x100; u < 0x10000; u++) {
    const usable = !forbidden(u) && !forbidden(u ^ 0x8000);
    if (usable && (mark < 0 || count[u] < count[mark])) mark = u;
  }
  const out = [0xfeff];
  const ascii = (text) => { for (const c of text) out.push(c.charCodeAt(0)); };
  ascii(`self.__tailorEngine=["${version}",${wasm.length},${mark},${flip},"`);
  for (const u of units) {
    if (forbidden(u) || u === mark) out.push(mark, u ^ 0x8000);
    else out.push(u);
  }
  ascii(`"];\n`);
  const bytes = Buffer.alloc(out.length * 2);
  out.forEach((u, i) => bytes.writeUInt16LE(u, i * 2));
  return bytes;
}

function run(cmd, args, env = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

// Two builds of one engine: the visitors' (tailor_core.wasm) and the site owner's, which adds
// preview links and the debug overlay's report (feature `tools`: tailor_tools.wasm, fetched only
// for a preview link or `?tailor-debug`; every visitor downloads 2.9 KB gzip less, docs/size.md).
// One glue, the tools build's, serves both: the build fails unless wasm-bindgen generated the
// same glue for each (the same exports, the same imports).
function engineBuild(name, features) {
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "tailor", "--lib", ...features]);
  const out = join(pkg, name);
  run("wasm-bindgen", [
    join(root, "target/wasm32-unknown-unknown/release/tailor.wasm"),
    "--target", "web", "--out-dir", out, "--out-name", "tailor_core",
    ...(keepNames ? [] : ["--remove-name-section", "--remove-producers-section"]),
  ]);
  wasmOpt(join(out, "tailor_core_bg.wasm"), join(out, "tailor_core_opt.wasm"), { keepNames });
  return { wasm: readFileSync(join(out, "tailor_core_opt.wasm")), glue: readFileSync(join(out, "tailor_core.js"), "utf8") };
}

rmSync(pkg, { recursive: true, force: true });
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const toolsBuild = engineBuild("tools", ["--features", "tools"]);
const coreBuild = engineBuild("core", []);
// The lean engine: the visitors' engine without the validating JSON rule parser, for pages that
// ship compiled rules (`tailor compile`; feature `compiled-only`, docs/size.md).
const leanBuild = engineBuild("lean", ["--features", "compiled-only"]);
for (const [build, feature] of [[coreBuild, "tools"], [leanBuild, "compiled-only"]]) {
  if (build.glue !== toolsBuild.glue) {
    throw new Error(`an engine's glue differs from the tools engine's: the \`${feature}\` feature may not change exports or imports`);
  }
}
const tools = shortImports(toolsBuild.wasm, toolsBuild.glue);
// Each visitors' engine in two parts (scripts/wasm_split.mjs, docs/size.md): what a page runs up
// to its first paint, and the rest (events, consent changes, sync, explain, export and forget),
// fetched after the decision. These are the exports the loader calls before the rest has
// arrived (js/tailor.js, `afterPaint`), with wasm-bindgen's own; everything they can reach stays
// in the first part, so a page view never waits for the rest to decide, apply or store.
const FIRST_PAINT = [
  "tailor_new", "tailor_start", "tailor_reapply", "tailor_navigate", "tailor_takeEvents", "tailor_slots",
  "tailor_slotShown", "tailor_consentState", "tailor_flush", "tailor_flushIn", "tailor_takeErase", "tailor_bodyTopics", "__wbg_tailor_free",
  "__wbindgen_start", "__wbindgen_malloc", "__wbindgen_realloc", "__wbindgen_free", "__wbindgen_exn_store",
  "__externref_table_alloc", "__externref_table_dealloc",
];
function splitEngine(name, wasm) {
  const { first, second } = splitWasm(wasm, FIRST_PAINT);
  if (!second) throw new Error("the split left nothing for " + name + "'s second part");
  if (keepNames) return { first, rest: second }; // names and rustc's order kept, for profiles
  const parts = [["first", first], ["rest", second]].map(([part, bytes]) => {
    const file = join(pkg, name, part + ".wasm");
    writeFileSync(file, bytes);
    orderBySize(file); // the stubs changed the first part's sizes; the rest is a module of its own
    return readFileSync(file);
  });
  return { first: parts[0], rest: parts[1] };
}
const core = splitEngine("core", shortImports(coreBuild.wasm, null, tools.names).wasm);
const lean = splitEngine("lean", shortImports(leanBuild.wasm, null, tools.names).wasm);
const leanWasm = lean.first;
// SHA-256 for integrity (as strong a pin as SHA-384 here, and the loader carries seven of them:
// 16 bytes of hash each that cannot compress, -0.1 KB gzip on the critical path, docs/size.md).
// The version (the file's URL) is the start of the same digest.
const pin = (bytes) => {
  const digest = createHash("sha256").update(bytes).digest();
  return { integrity: "sha256-" + digest.toString("base64"), version: digest.toString("hex").slice(0, 16) };
};
writeFileSync(join(dist, "tailor_tools.wasm"), tools.wasm);
const toolsPin = pin(tools.wasm);
const wasmBytes = core.first;
writeFileSync(join(dist, "tailor_core.wasm"), wasmBytes);
const { integrity, version } = pin(wasmBytes);
writeFileSync(join(dist, "tailor_core_rest.wasm"), core.rest);
const restPin = pin(core.rest);
writeFileSync(join(dist, "tailor_lean_rest.wasm"), lean.rest);
const leanRestPin = pin(lean.rest);
// The loader's decoder for the engine script (js/unpack.wat), assembled by binaryen's wasm-as.
run(join(root, "node_modules", ".bin", "wasm-as"), [join(root, "js", "unpack.wat"), "-o", join(pkg, "unpack.wasm")]);
const unpacker = readFileSync(join(pkg, "unpack.wasm")).toString("base64");
const carrier = engineCarrier(wasmBytes, version);
writeFileSync(join(dist, "tailor_core.wasm.js"), carrier);
const carrierIntegrity = pin(carrier).integrity;
writeFileSync(join(dist, "tailor_lean.wasm"), leanWasm);
const leanPin = pin(leanWasm);
const leanCarrier = engineCarrier(leanWasm, leanPin.version);
writeFileSync(join(dist, "tailor_lean.wasm.js"), leanCarrier);
const leanCarrierIntegrity = pin(leanCarrier).integrity;
const glue = engineGlue(tools.glue);
const loader = readFileSync(join(root, "js", "tailor.js"), "utf8");
const licence = loader.match(/^\/\*![\s\S]*?\*\//)[0];
const loaderBody = loader.replace(licence, "");
// Minified (terser: local names only, never properties, which the wasm imports are keyed by);
// the licence comment stays. Function expressions that use neither `this` nor `arguments` become
// arrows and object members' functions methods (nothing here calls them with `new`): -0.1 KB
// gzip of the loader (docs/size.md).
const terse = (code, module) => minify(code, {
  ecma: 2017, module, mangle: true, format: { comments: /^!/ },
  compress: { passes: 2, unsafe_arrows: true, unsafe_methods: true },
});
// The script tag's loader: one classic script that runs `boot` for its own <script> element.
const classic = licence + "\n(function () {\n\"use strict\";\n" + glue + "\n" +
  pinnedLoader(loaderBody, {
    "@tailor-wasm-file@": "tailor_core.wasm?v=" + version,
    "@tailor-wasm-integrity@": integrity,
    "@tailor-tools-file@": "tailor_tools.wasm?v=" + toolsPin.version,
    "@tailor-tools-integrity@": toolsPin.integrity,
    "@tailor-carrier-file@": "tailor_core.wasm.js?v=" + version,
    "@tailor-carrier-integrity@": carrierIntegrity,
    "@tailor-engine-version@": version,
    "@tailor-lean-file@": "tailor_lean.wasm?v=" + leanPin.version,
    "@tailor-lean-integrity@": leanPin.integrity,
    "@tailor-lean-carrier-file@": "tailor_lean.wasm.js?v=" + leanPin.version,
    "@tailor-lean-carrier-integrity@": leanCarrierIntegrity,
    "@tailor-lean-version@": leanPin.version,
    "@tailor-rest-file@": "tailor_core_rest.wasm?v=" + restPin.version,
    "@tailor-rest-integrity@": restPin.integrity,
    "@tailor-lean-rest-file@": "tailor_lean_rest.wasm?v=" + leanRestPin.version,
    "@tailor-lean-rest-integrity@": leanRestPin.integrity,
    "@tailor-unpacker@": unpacker,
  }) +
  "\nboot(window, document, { script: document.currentScript });\n})();\n";
writeFileSync(join(dist, "tailor.js"), (await terse(classic, false)).code + "\n");
// The ES module for bundlers: `start(options)`; the bundler finds tailor_core.wasm through
// `new URL("./tailor_core.wasm", import.meta.url)` and emits it with the app.
const moduleSource = readFileSync(join(root, "js", "module.mjs"), "utf8");
if (!moduleSource.includes("/* @tailor-boot@ */")) throw new Error("js/module.mjs lacks its marker");
const esm = moduleSource.replace("/* @tailor-boot@ */", () =>
  glue + "\n" + pinnedLoader(loaderBody, {
    "@tailor-wasm-file@": "tailor_core.wasm",
    "@tailor-wasm-integrity@": integrity,
    "@tailor-tools-file@": "tailor_tools.wasm",
    "@tailor-tools-integrity@": toolsPin.integrity,
    // Bundlers emit the wasm itself (new URL(..., import.meta.url)): no script carrier.
    "@tailor-carrier-file@": "",
    "@tailor-carrier-integrity@": "",
    "@tailor-engine-version@": version,
    "@tailor-lean-file@": "tailor_lean.wasm",
    "@tailor-lean-integrity@": leanPin.integrity,
    "@tailor-lean-carrier-file@": "",
    "@tailor-lean-carrier-integrity@": "",
    "@tailor-lean-version@": leanPin.version,
    "@tailor-rest-file@": "tailor_core_rest.wasm",
    "@tailor-rest-integrity@": restPin.integrity,
    "@tailor-lean-rest-file@": "tailor_lean_rest.wasm",
    "@tailor-lean-rest-integrity@": leanRestPin.integrity,
    "@tailor-unpacker@": "",
  }));
writeFileSync(join(dist, "tailor.mjs"), (await terse(esm, true)).code + "\n");
copyFileSync(join(root, "js", "tailor.d.ts"), join(dist, "tailor.d.ts"));
copyFileSync(join(root, "js", "tailor_debug.js"), join(dist, "tailor_debug.js"));
copyFileSync(join(root, "schema", "rules.schema.json"), join(dist, "rules.schema.json"));

// Size report. The script tag loads tailor.js and its engine as tailor_core.wasm.js (tailor.mjs
// and tailor_core.wasm are the same for bundlers and the fallback, not counted twice).
function sizeOf(bytes) {
  const gzip = gzipSync(bytes, { level: 9 });
  const brotli = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  return { raw: bytes.length, gzip, brotli };
}
const sizes = {};
for (const name of ["tailor.js", "tailor_core.wasm.js", "tailor_core.wasm", "tailor_core_rest.wasm", "tailor_lean.wasm.js",
  "tailor_lean.wasm", "tailor_lean_rest.wasm", "tailor.mjs", "tailor_tools.wasm", "tailor_debug.js", "tailor.d.ts"]) {
  const { raw, gzip, brotli } = sizeOf(readFileSync(join(dist, name)));
  sizes[name] = { raw, gzip: gzip.length, brotli: brotli.length };
  // Precompressed copies, served by `tailor serve` (and by any static server that knows them)
  // when the browser accepts them.
  if (name !== "tailor.d.ts") {
    writeFileSync(join(dist, name + ".gz"), gzip);
    writeFileSync(join(dist, name + ".br"), brotli);
  }
}
// What a page downloads before Tailor can decide (the critical path), and everything it may
// download in a page view (the total: the critical path plus parts loaded after the decision).
// The site owner's tools (tailor_tools.wasm, the engine that previews and reports to the opt-in
// debug overlay, and the overlay itself) and the types are not counted: no visitor downloads them. scripts/size_guard.mjs compares both
// with the committed size-baseline.json.
// The script tag downloads the engine as tailor_core.wasm.js; tailor_core.wasm is the same
// engine for bundlers and the loader's fallback, not counted twice.
const criticalFiles = ["tailor.js", "tailor_core.wasm.js"];
const deferredFiles = ["tailor_core_rest.wasm"];
function sum(names) {
  const out = { raw: 0, gzip: 0, brotli: 0 };
  for (const name of names) for (const k of Object.keys(out)) out[k] += sizes[name][k];
  return out;
}
const criticalPath = sum(criticalFiles);
const total = sum([...criticalFiles, ...deferredFiles]);
// A page with compiled rules (`tailor compile`) downloads the lean engine instead.
const compiledFiles = ["tailor.js", "tailor_lean.wasm.js"];
const compiledCriticalPath = { files: compiledFiles, ...sum(compiledFiles) };
const compiledAll = [...compiledFiles, "tailor_lean_rest.wasm"];
const compiledTotal = { files: compiledAll, ...sum(compiledAll) };
const report = {
  files: sizes, criticalFiles, deferredFiles, criticalPath, total, compiledCriticalPath, compiledTotal, budgetGzip,
  // For pages that check tailor.js by Subresource Integrity: the preload's `integrity` (docs/csp.md).
  integrity: {
    "tailor_core.wasm.js": carrierIntegrity, "tailor_core.wasm": integrity,
    "tailor_lean.wasm.js": leanCarrierIntegrity, "tailor_lean.wasm": leanPin.integrity,
    "tailor_core_rest.wasm": restPin.integrity, "tailor_lean_rest.wasm": leanRestPin.integrity,
    "tailor_tools.wasm": toolsPin.integrity,
  },
};
writeFileSync(join(dist, "size.json"), JSON.stringify(report, null, 2) + "\n");

const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
console.log("\nTailor size report (dist/)");
console.log("file".padEnd(22) + "raw".padStart(10) + "gzip -9".padStart(10) + "brotli".padStart(10));
for (const [name, s] of Object.entries(sizes)) {
  console.log(name.padEnd(22) + kb(s.raw) + kb(s.gzip) + kb(s.brotli));
}
console.log("critical path".padEnd(22) + kb(criticalPath.raw) + kb(criticalPath.gzip) + kb(criticalPath.brotli));
console.log("total".padEnd(22) + kb(total.raw) + kb(total.gzip) + kb(total.brotli));
const c = compiledCriticalPath;
console.log("compiled rules: path".padEnd(22) + kb(c.raw) + kb(c.gzip) + kb(c.brotli));
const ct = compiledTotal;
console.log("compiled rules: total".padEnd(22) + kb(ct.raw) + kb(ct.gzip) + kb(ct.brotli));
const verdict = criticalPath.gzip <= budgetGzip ? "within" : "OVER";
console.log(`size.critical_path_gzip_bytes: ${criticalPath.gzip} (${verdict} the ${budgetGzip / 1024} KB budget)`);
console.log(`size.total_gzip_bytes: ${total.gzip}`);
console.log(`size.compiled_critical_path_gzip_bytes: ${c.gzip} (${c.gzip <= budgetGzip ? "within" : "OVER"} the ${budgetGzip / 1024} KB budget)\n`);
