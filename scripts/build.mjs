// Builds the script-tag SDK into dist/: the Rust engine for wasm32, wasm-bindgen (--target web),
// wasm-opt, the loader and the TypeScript types; then prints the size report (raw, gzip -9,
// brotli) and writes it to dist/size.json for the benches and the budget test.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const pkg = join(root, "target", "pkg");
const budgetGzip = 40 * 1024; // issue 2: script-tag total (JS + wasm), gzip

function run(cmd, args, env = {}) {
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "tailor", "--lib"]);
rmSync(pkg, { recursive: true, force: true });
run("wasm-bindgen", [
  join(root, "target/wasm32-unknown-unknown/release/tailor.wasm"),
  "--target", "web", "--out-dir", pkg, "--out-name", "tailor_core",
  "--remove-name-section", "--remove-producers-section",
]);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
// wasm-opt from the npm binaryen package (pinned in package.json): Debian's binaryen 108 breaks
// the externref table that wasm-bindgen emits when reference types are on (rustc's default).
// The features enabled are those rustc enables by default for wasm32; every browser Tailor
// supports has them.
run(join(root, "node_modules", ".bin", "wasm-opt"), [
  join(pkg, "tailor_core_bg.wasm"), "-Oz", "--strip-debug", "--strip-producers",
  "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue",
  "-o", join(dist, "tailor_core_bg.wasm"),
]);
copyFileSync(join(pkg, "tailor_core.js"), join(dist, "tailor_core.js"));
copyFileSync(join(pkg, "tailor_core.d.ts"), join(dist, "tailor_core.d.ts"));
copyFileSync(join(root, "js", "tailor.js"), join(dist, "tailor.js"));
copyFileSync(join(root, "js", "tailor.d.ts"), join(dist, "tailor.d.ts"));
copyFileSync(join(root, "js", "tailor_debug.js"), join(dist, "tailor_debug.js"));

// Size report. The script tag loads tailor.js, which imports tailor_core.js and its wasm.
const scriptTag = ["tailor.js", "tailor_core.js", "tailor_core_bg.wasm"];
const sizes = {};
for (const name of [...scriptTag, "tailor_debug.js", "tailor.d.ts"]) {
  const bytes = readFileSync(join(dist, name));
  sizes[name] = {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}
const total = { raw: 0, gzip: 0, brotli: 0 };
for (const name of scriptTag) for (const k of Object.keys(total)) total[k] += sizes[name][k];
const report = { files: sizes, scriptTag: total, budgetGzip };
writeFileSync(join(dist, "size.json"), JSON.stringify(report, null, 2) + "\n");

const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
console.log("\nTailor size report (dist/)");
console.log("file".padEnd(22) + "raw".padStart(10) + "gzip -9".padStart(10) + "brotli".padStart(10));
for (const [name, s] of Object.entries(sizes)) {
  console.log(name.padEnd(22) + kb(s.raw) + kb(s.gzip) + kb(s.brotli));
}
console.log("script-tag total".padEnd(22) + kb(total.raw) + kb(total.gzip) + kb(total.brotli));
const verdict = total.gzip <= budgetGzip ? "within" : "OVER";
console.log(`size.script_tag_gzip_bytes: ${total.gzip} (${verdict} the ${budgetGzip / 1024} KB budget)\n`);
