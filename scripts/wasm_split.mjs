// Splits the engine into the part a page needs to decide and apply, and a second part loaded
// after the decision (docs/size.md, "The engine in two parts").
//
// The first part is the whole module with the bodies of the functions it does not need replaced
// by stubs: each stub asks the loader for the second part (import `p.e`, which instantiates it
// once), then calls the function through the function table, where the second part's functions
// are placed when it is instantiated. The second part imports the first's memory, tables and
// globals and the functions its bodies call, so both work on one heap. Which functions stay is a
// closure over the call graph from the exports a page calls up to its first paint: everything
// they can reach (directly, through `ref.func`, or through `call_indirect` to any table entry of
// the type called) stays, so a page view that only decides never waits for the second part.
import { WasmReader, name, section, uleb, vector, wasmSections } from "./wasm_sections.mjs";
import { bodies, renumberBody, walkBody } from "./wasm_code.mjs";

/** What the split needs of a module: types, imports, functions' types, tables, globals,
 * exports and the function table's entries. */
export function moduleInfo(wasm) {
  const info = {
    types: [], imports: [], funcTypes: [], importedFuncs: 0, importedGlobals: 0, importedTables: 0,
    tables: [], globals: 0, exports: [], elements: [], sections: wasmSections(wasm),
  };
  for (const s of info.sections) {
    const r = s.reader();
    if (s.id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        const at = r.p;
        if (r.byte() !== 0x60) throw new Error("wasm: a type that is not a function type");
        const params = r.u32();
        r.p += params;
        const results = r.u32();
        r.p += results;
        info.types.push({ params, bytes: wasm.subarray(at, r.p) });
      }
    } else if (s.id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const entry = r.importEntry();
        if (entry.kind === 0) {
          entry.type = new WasmReader(entry.desc, 1).u32();
          info.funcTypes.push(entry.type);
          info.importedFuncs++;
        }
        if (entry.kind === 1) info.importedTables++;
        if (entry.kind === 3) info.importedGlobals++;
        info.imports.push(entry);
      }
    } else if (s.id === 3) {
      for (let n = r.u32(); n > 0; n--) info.funcTypes.push(r.u32());
    } else if (s.id === 4) {
      for (let n = r.u32(); n > 0; n--) {
        const at = r.p;
        const elem = r.byte();
        const flags = r.u32();
        const min = r.u32();
        const max = flags & 1 ? r.u32() : null;
        info.tables.push({ elem, min, max, bytes: wasm.subarray(at, r.p) });
      }
    } else if (s.id === 6) {
      info.globals = r.u32();
    } else if (s.id === 7) {
      for (let n = r.u32(); n > 0; n--) info.exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
    } else if (s.id === 9) {
      for (let n = r.u32(); n > 0; n--) {
        // rustc and binaryen write one kind of segment: active, table 0, an i32.const offset.
        if (r.byte() !== 0 || r.byte() !== 0x41) throw new Error("wasm: an element segment the split does not know");
        const offset = r.u32(); // i32.const of a small non-negative number: the same as u32
        if (r.byte() !== 0x0b) throw new Error("wasm: an element segment's offset is not a constant");
        const funcs = [];
        for (let k = r.u32(); k > 0; k--) funcs.push(r.u32());
        info.elements.push({ offset, funcs });
      }
    }
  }
  return info;
}

/** The functions (absolute indices) reachable from the exports named in `roots`. */
export function reachable(wasm, info, roots) {
  const code = bodies(wasm);
  const inTable = new Map(); // type -> table functions of that type
  for (const segment of info.elements) {
    for (const f of segment.funcs) {
      const t = info.funcTypes[f];
      if (!inTable.has(t)) inTable.set(t, []);
      inTable.get(t).push(f);
    }
  }
  const seen = new Set();
  const todo = [];
  const reach = (f) => {
    if (!seen.has(f)) {
      seen.add(f);
      todo.push(f);
    }
  };
  for (const e of info.exports) {
    if (e.kind === 0 && roots.includes(e.name)) reach(e.index);
  }
  const missing = roots.filter((r) => !info.exports.some((e) => e.kind === 0 && e.name === r));
  if (missing.length) throw new Error("wasm split: no export named " + missing.join(", "));
  while (todo.length) {
    const f = todo.pop();
    if (f < info.importedFuncs) continue;
    const body = code[f - info.importedFuncs];
    walkBody(wasm, body.start, body.end, (kind, index) => {
      if (kind === "func") reach(index);
      if (kind === "type") for (const g of inTable.get(index) || []) reach(g);
    });
  }
  return seen;
}

/** `n` as a signed LEB128 number (an `i32.const` immediate). */
function sleb(n) {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) {
      out.push(byte);
      return Buffer.from(out);
    }
    out.push(byte | 0x80);
  }
}

/** The globals' types (value type and mutability bytes), in index order. */
function globalTypes(wasm, info) {
  const s = info.sections.find((x) => x.id === 6);
  if (!s) return [];
  const r = s.reader();
  const types = [];
  for (let n = r.u32(); n > 0; n--) {
    types.push(wasm.subarray(r.p, r.p + 2));
    r.p += 2;
    // A constant initializer: one instruction and `end` (rustc writes i32.const only).
    const op = r.byte();
    if (op !== 0x41) throw new Error("wasm: a global initializer the split does not know");
    while (r.byte() & 0x80);
    if (r.byte() !== 0x0b) throw new Error("wasm: a global initializer the split does not know");
  }
  return types;
}

/**
 * Splits `wasm`: the functions reachable from the exports named in `roots` stay in the first
 * part, the rest move to the second. Returns `{ first, second, moved, kept }` (the modules and
 * how many functions each part holds); `second` is null when nothing would move.
 */
export function splitWasm(wasm, roots) {
  const info = moduleInfo(wasm);
  if (info.importedGlobals || info.importedTables || !info.tables.length || info.tables[0].elem !== 0x70) {
    throw new Error("wasm split: the module's tables and globals are not rustc's");
  }
  const code = bodies(wasm);
  const keep = reachable(wasm, info, roots);
  const F = info.importedFuncs;
  const moved = []; // absolute indices of the functions that move, in order
  for (let f = F; f < info.funcTypes.length; f++) if (!keep.has(f)) moved.push(f);
  if (!moved.length) return { first: wasm, second: null, moved: 0, kept: code.length };
  const slot = new Map(moved.map((f, k) => [f, k]));
  const slotBase = info.tables[0].min;

  // The first part: one import more (`p.e`, of type () -> ()), so each own function's index is
  // one more; the function table grows by a slot per moved function.
  let hookType = info.types.findIndex((t) => t.bytes.length === 3 && t.bytes[1] === 0 && t.bytes[2] === 0);
  const types = info.types.map((t) => t.bytes);
  if (hookType < 0) {
    hookType = types.length;
    types.push(Buffer.from([0x60, 0, 0]));
  }
  const shift = (f) => (f < F ? f : f + 1);
  const hook = F; // the new import's function index
  const calledFromSecond = new Set();
  for (const f of moved) {
    const b = code[f - F];
    walkBody(wasm, b.start, b.end, (kind, index) => {
      if (kind === "func" && !slot.has(index)) calledFromSecond.add(index);
    });
  }
  // Names of what the first part exports for the second: functions `~` + base-36 index, globals
  // `!` + index, tables `#` + index (three prefixes, so no two can be the same name).
  const exportName = (f) => "~" + f.toString(36);
  const out = [wasm.subarray(0, 8)];
  const gtypes = globalTypes(wasm, info);
  for (const s of info.sections) {
    const r = s.reader();
    if (s.id === 0) {
      if (r.name() === "name") out.push(shiftedNames(wasm, s, r, shift));
      continue; // other custom sections are the build's to drop
    }
    if (s.id === 1) {
      out.push(section(1, vector(types)));
    } else if (s.id === 2) {
      const n = r.u32();
      out.push(section(2, uleb(n + 1), wasm.subarray(r.p, s.end), name("p"), name("e"), Buffer.from([0]), uleb(hookType)));
    } else if (s.id === 4) {
      const tables = info.tables.map((t, i) => {
        if (i) return t.bytes;
        const grown = t.min + moved.length;
        return Buffer.concat([Buffer.from([0x70]), t.max === null ? Buffer.concat([Buffer.from([0]), uleb(grown)])
          : Buffer.concat([Buffer.from([1]), uleb(grown), uleb(Math.max(t.max, grown))])]);
      });
      out.push(section(4, vector(tables)));
    } else if (s.id === 7) {
      const entries = info.exports.map((e) => Buffer.concat([name(e.name), Buffer.from([e.kind]), uleb(e.kind === 0 ? shift(e.index) : e.index)]));
      for (const f of [...calledFromSecond].sort((a, b) => a - b)) entries.push(Buffer.concat([name(exportName(f)), Buffer.from([0]), uleb(shift(f))]));
      // Every global, so the second part imports them in order and keeps their indices.
      for (let g = 0; g < gtypes.length; g++) entries.push(Buffer.concat([name("!" + g), Buffer.from([3]), uleb(g)]));
      info.tables.forEach((t, i) => entries.push(Buffer.concat([name("#" + i), Buffer.from([1]), uleb(i)])));
      out.push(section(7, vector(entries)));
    } else if (s.id === 8) {
      out.push(section(8, uleb(shift(r.u32()))));
    } else if (s.id === 9) {
      out.push(section(9, vector(info.elements.map((e) => Buffer.concat([
        Buffer.from([0, 0x41]), sleb(e.offset), Buffer.from([0x0b]), vector(e.funcs.map((f) => uleb(shift(f)))),
      ])))));
    } else if (s.id === 10) {
      const list = code.map((b, i) => {
        const f = F + i;
        if (slot.has(f)) return stub(info, f, hook, slotBase + slot.get(f));
        return renumberBody(wasm, b.start, b.end, (kind, index) => (kind === "func" ? shift(index) : index));
      });
      out.push(section(10, vector(list.map((b) => Buffer.concat([uleb(b.length), b])))));
    } else {
      out.push(wasm.subarray(s.at, s.end));
    }
  }
  const first = Buffer.concat(out);

  // The second part: the first's memory, tables, globals and called functions as imports (in
  // the first's order, so global and table indices stay), the moved functions as its own.
  const imported = [...calledFromSecond].sort((a, b) => a - b);
  const importIndex = new Map(imported.map((f, i) => [f, i]));
  const ownIndex = (f) => imported.length + slot.get(f);
  const imports = imported.map((f) => Buffer.concat([name("p"), name(exportName(f)), Buffer.from([0]), uleb(info.funcTypes[f])]));
  imports.push(Buffer.concat([name("p"), name("memory"), Buffer.from([2, 0, 0])]));
  info.tables.forEach((t, i) => imports.push(Buffer.concat([name("p"), name("#" + i), Buffer.from([1, t.elem, 0, 0])])));
  for (let g = 0; g < gtypes.length; g++) imports.push(Buffer.concat([name("p"), name("!" + g), Buffer.from([3]), gtypes[g]]));
  const movedCode = moved.map((f) => {
    const b = code[f - F];
    const body = renumberBody(wasm, b.start, b.end, (kind, index) =>
      kind === "func" ? (slot.has(index) ? ownIndex(index) : importIndex.get(index)) : index);
    return Buffer.concat([uleb(body.length), body]);
  });
  const second = Buffer.concat([
    wasm.subarray(0, 8),
    section(1, vector(info.types.map((t) => t.bytes))),
    section(2, vector(imports)),
    section(3, vector(moved.map((f) => uleb(info.funcTypes[f])))),
    section(9, vector([Buffer.concat([Buffer.from([0, 0x41]), sleb(slotBase), Buffer.from([0x0b]),
      vector(moved.map((f) => uleb(ownIndex(f))))])])),
    section(10, vector(movedCode)),
  ]);
  return { first, second, moved: moved.length, kept: code.length - moved.length };
}

// A moved function's body in the first part: load the second part (once), then call the
// function where the second part put it in the table.
function stub(info, f, hook, tableSlot) {
  const type = info.funcTypes[f];
  const params = info.types[type].params;
  const parts = [Buffer.from([0, 0x10]), uleb(hook)];
  for (let p = 0; p < params; p++) parts.push(Buffer.from([0x20]), uleb(p));
  parts.push(Buffer.from([0x41]), sleb(tableSlot), Buffer.from([0x11]), uleb(type), Buffer.from([0, 0x0b]));
  return Buffer.concat(parts);
}

// The name section with function indices shifted (the build that keeps names, for profiles);
// its other subsections (locals, types) are dropped.
function shiftedNames(wasm, s, r, shift) {
  while (r.p < s.end) {
    const sub = r.byte();
    const end = r.u32() + r.p;
    if (sub === 1) {
      const entries = [];
      for (let n = r.u32(); n > 0; n--) {
        const index = r.u32();
        const length = r.u32();
        entries.push(Buffer.concat([uleb(shift(index)), uleb(length), wasm.subarray(r.p, r.p + length)]));
        r.p += length;
      }
      return section(0, name("name"), Buffer.from([1]), uleb(vector(entries).length), vector(entries));
    }
    r.p = end;
  }
  return Buffer.alloc(0);
}
