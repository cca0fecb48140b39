// wasm-opt as the shipped build runs it: one list, used by scripts/build.mjs and by the engine
// bench (tests/bench/browser.mjs), so the bench times the code visitors run.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bodySizes, importedFunctions, name, section, uleb, wasmSections } from "./wasm_sections.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The features rustc enables by default for wasm32; every browser Tailor supports has them.
const features = [
  "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue",
];

/** Optimizes `input` into `output`; `keepNames` keeps the name section (for profiles). */
export function wasmOpt(input, output, { keepNames = false } = {}) {
  // wasm-opt from the npm binaryen package (pinned in package.json): Debian's binaryen 108 breaks
  // the externref table that wasm-bindgen emits when reference types are on (rustc's default).
  execFileSync(join(root, "node_modules", ".bin", "wasm-opt"), [
    input,
    // `--flatten --rereloop` first rebuilds each function's control flow from its basic blocks,
    // which -Oz then folds tighter than rustc's own structure: -0.6 KB gzip (stop 22).
    "--flatten", "--rereloop", "-Oz", "-Oz",
    // `--converge` repeats the passes while they still shrink the module: -76 B gzip for 1.6 s of
    // build (measured at stop 20; `-Os` instead of `-Oz` +27 B, rustc's opt-level "s" +17 KB).
    "--converge",
    // The module owns its memory, which starts zero-filled, and Rust places nothing below 1 KB:
    // both let wasm-opt drop stores of zeros and fold address offsets (about -1.5 KB raw).
    "--zero-filled-memory", "--low-memory-unused",
    ...(keepNames ? ["-g"] : ["--strip-debug", "--strip-producers"]),
    ...features, "-o", output,
  ], { stdio: "inherit" });
  if (keepNames) return; // a build for reading profiles keeps rustc's names and order
  orderBySize(output);
}

// The functions in order of size, smallest first: the many small shims and wrappers, which
// look alike, end up within gzip's 32 KB window of each other (-1.3 KB gzip, -0.7 KB brotli
// at stop 22, where binaryen's own order by call count was +0.4 KB). binaryen sorts by name,
// so the module gets names that sort that way, dropped again in the same run. The build runs it
// again on each part of a split engine (scripts/wasm_split.mjs).
export function orderBySize(file) {
  writeFileSync(file, namedBySize(readFileSync(file)));
  execFileSync(join(root, "node_modules", ".bin", "wasm-opt"), [
    // `--strip-target-features`: rustc's list of the features it compiled for (148 bytes), which
    // no browser reads.
    file, "--reorder-functions-by-name", "--strip-debug", "--strip-target-features", ...features, "-o", file,
  ], { stdio: "inherit" });
}

/** The module with a name section naming its functions so that names sort by body size. */
function namedBySize(wasm) {
  const imported = importedFunctions(wasm);
  const kept = [wasm.subarray(0, 8)];
  for (const s of wasmSections(wasm)) {
    if (s.id === 0 && s.reader().name() === "name") continue; // replaced below
    kept.push(wasm.subarray(s.at, s.end));
  }
  const order = bodySizes(wasm).map((size, rank) => [size, rank, imported + rank]);
  order.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const names = [uleb(order.length)];
  order.forEach(([, , index], rank) => {
    const name = Buffer.from(String(rank).padStart(6, "0"));
    names.push(uleb(index), uleb(name.length), name);
  });
  const functionNames = Buffer.concat(names);
  return Buffer.concat([...kept, section(0, name("name"), Buffer.from([1]), uleb(functionNames.length), functionNames)]);
}
