// Reading a module's code as instructions, as far as the build's split (scripts/wasm_split.mjs)
// needs it: every function a body calls or refers to, every global and table it uses, and a copy
// of a body with those indices renumbered. Covers the instruction set rustc and binaryen emit for
// the features the build enables (MVP, sign extension, non-trapping float conversion, bulk
// memory, reference types, multi-value); anything else stops the build with the opcode's name.
import { WasmReader, uleb, wasmSections } from "./wasm_sections.mjs";

/** Skips a LEB128 number (signed or not) at `r.p`. */
function skipLeb(r) {
  while (r.byte() & 0x80);
}

// Opcodes whose only immediate is one index of the kind named.
const INDEX = new Map([
  [0x0c, "label"], [0x0d, "label"], [0x10, "func"], [0x20, "local"], [0x21, "local"],
  [0x22, "local"], [0x23, "global"], [0x24, "global"], [0x25, "table"], [0x26, "table"],
  [0xd2, "func"],
]);

/**
 * Walks one function body (from its locals to its final `end`), calling `visit(kind, index, at,
 * end)` for each function, global, table and (of `call_indirect`) type index it holds (`at`..`end`: the LEB's bytes).
 */
export function walkBody(wasm, start, end, visit) {
  const r = new WasmReader(wasm, start);
  for (let n = r.u32(); n > 0; n--) {
    r.u32();
    r.byte();
  }
  const index = (kind) => {
    const at = r.p;
    const value = r.u32();
    if (kind !== "label" && kind !== "local") visit(kind, value, at, r.p);
  };
  while (r.p < end) {
    const op = r.byte();
    if (INDEX.has(op)) {
      index(INDEX.get(op));
    } else if (op === 0x02 || op === 0x03 || op === 0x04) {
      const t = wasm[r.p];
      if (t === 0x40 || t >= 0x6f) r.p++; // empty or one value type
      else skipLeb(r); // a type index (s33)
    } else if (op === 0x0e) {
      for (let n = r.u32(); n >= 0; n--) r.u32(); // the targets and the default
    } else if (op === 0x11) {
      index("type"); // call_indirect: the type called, then the table
      index("table");
    } else if (op === 0x1c) {
      for (let n = r.u32(); n > 0; n--) r.byte();
    } else if (op >= 0x28 && op <= 0x3e) {
      r.u32(); // alignment
      r.u32(); // offset
    } else if (op === 0x3f || op === 0x40) {
      r.byte();
    } else if (op === 0x41 || op === 0x42) {
      skipLeb(r);
    } else if (op === 0x43) {
      r.p += 4;
    } else if (op === 0x44) {
      r.p += 8;
    } else if (op === 0xd0) {
      r.byte();
    } else if (op === 0xfc) {
      const sub = r.u32();
      if (sub <= 7) continue; // saturating conversions
      if (sub === 8) { r.u32(); r.byte(); } // memory.init
      else if (sub === 9 || sub === 13) r.u32(); // data.drop, elem.drop
      else if (sub === 10) r.p += 2; // memory.copy
      else if (sub === 11) r.byte(); // memory.fill
      else if (sub === 12) { r.u32(); index("table"); } // table.init
      else if (sub === 14) { index("table"); index("table"); } // table.copy
      else if (sub >= 15 && sub <= 17) index("table"); // table.grow, size, fill
      else throw new Error("wasm: unknown instruction 0xfc " + sub);
    } else if (!(op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b ||
      (op >= 0x45 && op <= 0xc4) || op === 0xd1)) {
      throw new Error("wasm: an instruction the build does not know: 0x" + op.toString(16));
    }
    // the rest (numeric, drop, select, unreachable, nop, else, end, return) have no immediates
  }
  if (r.p !== end) throw new Error("wasm: a function body runs past its end");
}

/** A copy of the body at `start`..`end` with each index `map(kind, index)` gives renumbered. */
export function renumberBody(wasm, start, end, map) {
  const parts = [];
  let copied = start;
  walkBody(wasm, start, end, (kind, index, at, after) => {
    const to = map(kind, index);
    if (to === index) return;
    parts.push(wasm.subarray(copied, at), uleb(to));
    copied = after;
  });
  parts.push(wasm.subarray(copied, end));
  return Buffer.concat(parts);
}

/** Each function body's place: `{ start, end }` (locals to final `end`), in index order. */
export function bodies(wasm) {
  const section = wasmSections(wasm).find((s) => s.id === 10);
  const r = section.reader();
  const out = [];
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    out.push({ start: r.p, end: r.p + size });
    r.p += size;
  }
  return out;
}
