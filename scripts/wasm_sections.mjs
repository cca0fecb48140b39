// Reading and writing a wasm module's binary format, as far as the build's own passes need it:
// sections, LEB128 numbers, names and import entries, and writing sections, vectors and names. Used by scripts/build.mjs (shortImports),
// scripts/wasm_opt.mjs (namedBySize) and scripts/wasm_sizes.mjs, so the format is parsed once.

/** `n` as an unsigned LEB128 number. */
export function uleb(n) {
  const out = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n ? byte | 0x80 : byte);
  } while (n);
  return Buffer.from(out);
}

/** A section: its id, its size and `contents` (buffers, concatenated). */
export function section(id, ...contents) {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([id]), uleb(body.length), body]);
}

/** A vector: its length, then its items (buffers). */
export function vector(items) {
  return Buffer.concat([uleb(items.length), ...items]);
}

/** A name: its UTF-8 length, then its bytes. */
export function name(text) {
  const bytes = Buffer.from(text);
  return Buffer.concat([uleb(bytes.length), bytes]);
}

/** A cursor over a module's bytes; `p` is the next byte to read. */
export class WasmReader {
  constructor(wasm, p = 8) {
    this.wasm = wasm;
    this.p = p;
  }

  byte() {
    return this.wasm[this.p++];
  }

  u32() {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = this.wasm[this.p++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return value >>> 0;
  }

  name() {
    const length = this.u32();
    const text = this.wasm.toString("utf8", this.p, this.p + length);
    this.p += length;
    return text;
  }

  /** One import entry: its module, its name and its kind (0 function, 1 table, 2 memory, 3 global). */
  importEntry() {
    const module = this.name();
    const field = this.name();
    const descStart = this.p;
    const kind = this.byte();
    if (kind === 0) {
      this.u32(); // the type index
    } else if (kind === 1 || kind === 2) {
      if (kind === 1) this.p++; // the table's element type
      const limits = this.u32();
      this.u32(); // the minimum
      if (limits & 1) this.u32(); // the maximum
    } else if (kind === 3) {
      this.p += 2; // the value type and mutability
    } else {
      throw new Error("wasm: unknown import kind " + kind);
    }
    return { module, field, kind, desc: this.wasm.subarray(descStart, this.p) };
  }
}

/**
 * The module's sections in order: `id`, `at` (where the section starts, its id byte), `start`
 * (its contents) and `end`; `reader()` gives a cursor at its contents.
 */
export function wasmSections(wasm) {
  const sections = [];
  const cursor = new WasmReader(wasm);
  while (cursor.p < wasm.length) {
    const at = cursor.p;
    const id = cursor.byte();
    const size = cursor.u32();
    const start = cursor.p;
    const end = start + size;
    sections.push({ id, at, start, end, reader: () => new WasmReader(wasm, start) });
    cursor.p = end;
  }
  if (cursor.p !== wasm.length) throw new Error("wasm: a section runs past the end of the module");
  return sections;
}

/** How many functions the module imports (function indices of its own bodies start there). */
export function importedFunctions(wasm) {
  const section = wasmSections(wasm).find((s) => s.id === 2);
  if (!section) return 0;
  const r = section.reader();
  let count = 0;
  for (let n = r.u32(); n > 0; n--) if (r.importEntry().kind === 0) count++;
  return count;
}

/** The size of each function body, in index order (the code section). */
export function bodySizes(wasm) {
  const section = wasmSections(wasm).find((s) => s.id === 10);
  if (!section) return [];
  const r = section.reader();
  const sizes = [];
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    sizes.push(size);
    r.p += size;
  }
  return sizes;
}
