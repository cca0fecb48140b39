// The build's engine split (scripts/wasm_split.mjs) on a module written for it: what the roots
// reach stays, the rest moves; the two parts share one memory, table and globals and compute
// exactly what the whole module does, and the first part asks for the second only when a moved
// function is called.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { moduleInfo, reachable, splitWasm } from "../scripts/wasm_split.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tailor-split-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// `hot` reaches `double` and `triple` only through the table; `cold` and `pair` reach `helper`
// and call back into `hot`; `sp` reads the global the moved code changes.
const WAT = `(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (global $sp (mut i32) (i32.const 1024))
  (table 2 2 funcref)
  (elem (i32.const 0) $double $triple)
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $ii) (i32.mul (local.get 0) (i32.const 3)))
  (func $hot (export "hot") (param i32) (result i32)
    (call_indirect (type $ii) (local.get 0) (i32.rem_u (local.get 0) (i32.const 2))))
  (func $sp (export "sp") (result i32) (global.get $sp))
  (func $helper (param i32) (result i32)
    (global.set $sp (i32.add (global.get $sp) (local.get 0)))
    (call $log (local.get 0))
    (i32.add (i32.load (i32.const 16)) (local.get 0)))
  (func $cold (export "cold") (param i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.add (call $helper (local.get 0)) (call $hot (local.get 0))))
  (func $pair (export "pair") (param i32 i64) (result i64 i32)
    (i64.add (local.get 1) (i64.extend_i32_u (call $helper (local.get 0))))
    (i32.const -100000))
)`;

function assemble(wat, name) {
  writeFileSync(join(dir, name + ".wat"), wat);
  execFileSync(join(root, "node_modules", ".bin", "wasm-as"), [join(dir, name + ".wat"), "-o", join(dir, name + ".wasm"),
    "--enable-multivalue", "--enable-reference-types", "--enable-mutable-globals"]);
  return readFileSync(join(dir, name + ".wasm"));
}

// The same calls on the whole module and on the two parts.
const CALLS = [["hot", 7], ["cold", 5], ["hot", 4], ["sp"], ["pair", 3, 40n], ["cold", 200], ["sp"]];

function run(exports, logged) {
  return CALLS.map(([name, ...args]) => [name, exports[name](...args), logged.length]);
}

describe("the engine split", () => {
  const whole = assemble(WAT, "whole");

  test("keeps what the roots reach, directly or through the table, and moves the rest", () => {
    const info = moduleInfo(whole);
    const kept = reachable(whole, info, ["hot", "sp"]);
    const names = ["log", "double", "triple", "hot", "sp", "helper", "cold", "pair"];
    assert.deepEqual([...kept].sort().map((f) => names[f]), ["double", "triple", "hot", "sp"]);
    const { moved } = splitWasm(whole, ["hot", "sp"]);
    assert.equal(moved, 3);
    assert.throws(() => splitWasm(whole, ["hot", "nope"]), /no export named nope/);
  });

  test("the two parts compute what the whole module does, on one memory and one set of globals", () => {
    const logged = [];
    const expected = run(new WebAssembly.Instance(new WebAssembly.Module(whole), { env: { log: (n) => logged.push(n) } }).exports, logged);

    const { first, second } = splitWasm(whole, ["hot", "sp"]);
    const log = [];
    let hooks = 0;
    let rest = null;
    const firstPart = new WebAssembly.Instance(new WebAssembly.Module(first), {
      env: { log: (n) => log.push(n) },
      p: { e: () => {
        hooks++;
        rest ||= new WebAssembly.Instance(new WebAssembly.Module(second), { p: firstPart.exports });
      } },
    });
    assert.equal(firstPart.exports.hot(3), 9);
    assert.equal(hooks, 0, "what stayed never asks for the rest");
    assert.deepEqual(run(firstPart.exports, log), expected);
    assert.ok(hooks >= 3 && rest, "each call of a moved function passes the hook; the rest is instantiated once");
    assert.deepEqual(log, logged);
  });

  test("a moved function called before the rest is there fails in the hook, not somewhere else", () => {
    const { first } = splitWasm(whole, ["hot", "sp"]);
    const part = new WebAssembly.Instance(new WebAssembly.Module(first), {
      env: { log: () => {} },
      p: { e: () => { throw new Error("the rest of the engine is not loaded yet"); } },
    });
    assert.equal(part.exports.hot(2), 4);
    assert.throws(() => part.exports.cold(1), /not loaded yet/);
    assert.equal(part.exports.sp(), 1024, "nothing ran");
  });

  test("the shipped engines validate, and the rest imports only what their first part exports", () => {
    const size = JSON.parse(readFileSync(join(root, "dist", "size.json"), "utf8")).files;
    for (const name of ["tailor_core", "tailor_lean"]) {
      const first = readFileSync(join(root, "dist", name + ".wasm"));
      const rest = readFileSync(join(root, "dist", name + "_rest.wasm"));
      assert.ok(WebAssembly.validate(first) && WebAssembly.validate(rest), name);
      assert.ok(size[name + "_rest.wasm"].raw > 10000, "the rest holds real code: " + size[name + "_rest.wasm"].raw);
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(rest));
      assert.ok(imports.every((i) => i.module === "p"), "the rest imports only from the first part");
      const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(first)).map((e) => e.name));
      assert.deepEqual(imports.filter((i) => !exported.has(i.name)), [], "the first part exports all the rest imports");
    }
  });
});
