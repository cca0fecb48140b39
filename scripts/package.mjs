// Assembles the npm package `tailor-sdk` from dist/ (run `node scripts/build.mjs` first) into
// target/npm/package/, then `npm pack`s it into target/npm/ and prints the tarball's path.
// The package holds the same files as the script-tag install plus the ES module for bundlers
// (tailor.mjs, which finds tailor_core.wasm through `new URL(..., import.meta.url)`, the form
// Vite, webpack and Rollup emit as an asset) and the React binding (js/react.mjs).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const out = join(root, "target", "npm");
const stage = join(out, "package");
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// What the package's entry points need; a build without one of them is not packed.
const required = ["tailor.mjs", "tailor_core.wasm", "tailor_core.wasm.js", "tailor_core_rest.wasm", "tailor_lean.wasm",
  "tailor_lean.wasm.js", "tailor_lean_rest.wasm", "tailor_tools.wasm", "tailor.js", "tailor.d.ts"];
const missing = required.filter((f) => !existsSync(join(dist, f)));
if (missing.length) {
  throw new Error("dist/ lacks " + missing.join(", ") + ": run `node scripts/build.mjs` first");
}

rmSync(out, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// Every file the build wrote, except its size report and the precompressed copies (.br, .gz)
// that `tailor serve` sends: a bundler or CDN compresses for itself, and they would double the
// download of `npm install`.
const fromDist = readdirSync(dist, { withFileTypes: true })
  .filter((e) => e.isFile() && !/\.(br|gz)$/.test(e.name) && e.name !== "size.json")
  .map((e) => e.name)
  .sort();
for (const name of fromDist) copyFileSync(join(dist, name), join(stage, name));
copyFileSync(join(root, "js", "react.mjs"), join(stage, "react.mjs"));
copyFileSync(join(root, "js", "react.d.ts"), join(stage, "react.d.ts"));
// The module entry's types: start() and, re-exported, the page API's (tailor.d.ts).
copyFileSync(join(root, "js", "module.d.ts"), join(stage, "tailor.mjs.d.ts"));
copyFileSync(join(root, "js", "npm-README.md"), join(stage, "README.md"));
writeFileSync(join(stage, "LICENSE"), license(rootPackage.license));

const files = [...fromDist, "tailor.mjs.d.ts", "react.mjs", "react.d.ts"].sort();
const manifest = {
  name: "tailor-sdk",
  version: rootPackage.version,
  description: "On-device personalization for the web: a Rust engine in WebAssembly, for bundlers and the script tag",
  license: rootPackage.license,
  type: "module",
  main: "./tailor.mjs",
  module: "./tailor.mjs",
  types: "./tailor.mjs.d.ts",
  exports: {
    ".": { types: "./tailor.mjs.d.ts", import: "./tailor.mjs", default: "./tailor.mjs" },
    "./react": { types: "./react.d.ts", import: "./react.mjs", default: "./react.mjs" },
    // The script-tag install, for apps that copy or serve the files themselves.
    "./tailor.js": "./tailor.js",
    "./tailor_core.wasm": "./tailor_core.wasm",
    "./tailor_core.wasm.js": "./tailor_core.wasm.js",
    // The engine for compiled rules (`tailor compile`).
    "./tailor_lean.wasm": "./tailor_lean.wasm",
    "./tailor_lean.wasm.js": "./tailor_lean.wasm.js",
    // The rest of each engine, fetched after the decision.
    "./tailor_core_rest.wasm": "./tailor_core_rest.wasm",
    "./tailor_lean_rest.wasm": "./tailor_lean_rest.wasm",
    // The engine with the site owner's tools (preview links, the debug overlay).
    "./tailor_tools.wasm": "./tailor_tools.wasm",
    ...(fromDist.includes("tailor_debug.js") ? { "./tailor_debug.js": "./tailor_debug.js" } : {}),
    ...(fromDist.includes("rules.schema.json") ? { "./rules.schema.json": "./rules.schema.json" } : {}),
    "./package.json": "./package.json",
  },
  files,
  // Importing the module changes nothing until start() is called; the classic script runs Tailor.
  sideEffects: ["./tailor.js", "./tailor_core.wasm.js", "./tailor_lean.wasm.js"],
  peerDependencies: { react: "^19.0.0" },
  peerDependenciesMeta: { react: { optional: true } },
  keywords: ["personalization", "webassembly", "privacy", "react", "ab-testing"],
};
for (const [path, target] of Object.entries(manifest.exports)) {
  for (const file of typeof target === "string" ? [target] : Object.values(target)) {
    if (file !== "./package.json" && !existsSync(join(stage, file))) {
      throw new Error(`exports["${path}"] names ${file}, which the package lacks`);
    }
  }
}
writeFileSync(join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

const packed = JSON.parse(execFileSync("npm", ["pack", stage, "--json", "--pack-destination", out], {
  cwd: out, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
}));
const tarball = join(out, packed[0].filename);
const kb = (n) => (n / 1024).toFixed(1) + " KB";
console.error(`tailor-sdk ${manifest.version}: ${packed[0].entryCount} files, ${kb(packed[0].size)} packed, ${kb(packed[0].unpackedSize)} unpacked`);
console.log(tarball);

function license(id) {
  if (id !== "MIT") throw new Error("scripts/package.mjs writes the MIT licence only; the package says " + id);
  return `MIT License

Copyright (c) Tailor contributors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
}
