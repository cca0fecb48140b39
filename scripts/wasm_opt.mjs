// wasm-opt as the shipped build runs it: one list, used by scripts/build.mjs and by the engine
// bench (tests/bench/browser.mjs), so the bench times the code visitors run.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Optimizes `input` into `output`; `keepNames` keeps the name section (for profiles). */
export function wasmOpt(input, output, { keepNames = false } = {}) {
  // wasm-opt from the npm binaryen package (pinned in package.json): Debian's binaryen 108 breaks
  // the externref table that wasm-bindgen emits when reference types are on (rustc's default).
  // The features enabled are those rustc enables by default for wasm32; every browser Tailor
  // supports has them.
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
    "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int", "--enable-reference-types", "--enable-multivalue",
    "-o", output,
  ], { stdio: "inherit" });
}
