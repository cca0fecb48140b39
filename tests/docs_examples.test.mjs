// Every rule example of the docs is a file under docs/examples/, and each must pass `tailor check`.
// Run: node --test tests/docs_examples.test.mjs (needs the tailor binary: cargo build -p tailor-server).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binary = process.env.TAILOR_BIN || join(root, "target", "debug", "tailor");
const examples = join(root, "docs", "examples");
const files = readdirSync(examples).filter((f) => f.endsWith(".json")).sort();

test("there are docs examples to check", () => {
  assert.ok(existsSync(binary), `${binary} is missing: cargo build -p tailor-server`);
  assert.ok(files.length > 0);
});

for (const file of files) {
  test(`docs/examples/${file} passes tailor check`, () => {
    const run = spawnSync(binary, ["check", join(examples, file)], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
}
