// Where the wasm's bytes are: code size per module path and the largest functions, read from
// the name section of a build that keeps names (docs/size.md):
//   TAILOR_NAMES=1 node scripts/build.mjs && node scripts/wasm_sizes.mjs target/dist-names/tailor_core.wasm [groups]
import { readFileSync } from "node:fs";
const buf = readFileSync(process.argv[2]);
let p = 8;
function leb() { let r = 0, s = 0, b; do { b = buf[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; }
let imports = 0, bodies = [], names = new Map(), dataSize = 0, sections = {};
while (p < buf.length) {
  const id = buf[p++]; const size = leb(); const start = p; const end = p + size;
  sections[id] = (sections[id] || 0) + size;
  if (id === 2) { const n = leb(); for (let i = 0; i < n; i++) { let l = leb(); p += l; l = leb(); p += l; const k = buf[p++]; if (k === 0) { leb(); imports++; } else if (k === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); } else if (k === 2) { const f = leb(); leb(); if (f & 1) leb(); } else if (k === 3) { p += 2; } } }
  if (id === 10) { const n = leb(); for (let i = 0; i < n; i++) { const s = leb(); bodies.push(s); p += s; } }
  if (id === 11) dataSize += size;
  if (id === 0) { const l = leb(); const nm = buf.slice(p, p + l).toString(); p += l;
    if (nm === "name") { while (p < end) { const sid = buf[p++]; const ss = leb(); const se = p + ss;
      if (sid === 1) { const n = leb(); for (let i = 0; i < n; i++) { const idx = leb(); const l2 = leb(); names.set(idx, buf.slice(p, p + l2).toString()); p += l2; } }
      p = se; } } }
  p = end;
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
