// Where the wasm's bytes are: code size per module path and the largest functions, read from
// the name section of a build that keeps names (docs/size.md):
//   TAILOR_NAMES=1 node scripts/build.mjs && node scripts/wasm_sizes.mjs target/dist-names/tailor_core.wasm [groups]
import { readFileSync } from "node:fs";
import { bodySizes, importedFunctions, wasmSections } from "./wasm_sections.mjs";

const buf = readFileSync(process.argv[2]);
const imports = importedFunctions(buf);
const bodies = bodySizes(buf);
const names = new Map();
const sections = {};
let dataSize = 0;
for (const section of wasmSections(buf)) {
  sections[section.id] = (sections[section.id] || 0) + section.end - section.start;
  if (section.id === 11) dataSize += section.end - section.start;
  if (section.id !== 0) continue;
  const r = section.reader();
  if (r.name() !== "name") continue;
  while (r.p < section.end) {
    const sub = r.byte();
    const subEnd = r.u32() + r.p;
    if (sub === 1) for (let n = r.u32(); n > 0; n--) names.set(r.u32(), r.name());
    r.p = subEnd;
  }
}
const rows = bodies.map((s, i) => [names.get(i + imports) || `f${i + imports}`, s]);
const total = rows.reduce((a, r) => a + r[1], 0);
console.log("sections", sections, "code", total, "data", dataSize, "funcs", rows.length);
const group = new Map();
for (const [n, s] of rows) {
  let g = n.replace(/^_?<?/, "");
  const m = g.match(/^([a-zA-Z0-9_]+(::[a-zA-Z0-9_]+)?)/); g = m ? m[1] : g;
  group.set(g, (group.get(g) || 0) + s);
}
const top = [...group].sort((a, b) => b[1] - a[1]).slice(0, +process.argv[3] || 40);
for (const [g, s] of top) console.log(String(s).padStart(7), g);
console.log("--- largest functions");
for (const [n, s] of rows.sort((a, b) => b[1] - a[1]).slice(0, +process.argv[4] || 40)) console.log(String(s).padStart(7), n.slice(0, 140));
