// The size guard: the build's report against the committed baseline, and the comparison itself.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { allowanceGzip, baselinePath, compare, reportPath } from "../scripts/size_guard.mjs";

const size = (gzip) => ({ raw: gzip * 2, gzip, brotli: gzip - 10 });

test("growth of more than 1 KB gzip fails, up to 1 KB passes", () => {
  const baseline = { criticalPath: size(40000), total: size(60000) };
  const within = compare(baseline, { criticalPath: size(40000 + allowanceGzip), total: size(59000) });
  assert.deepEqual(within.map((m) => m.grew), [false, false]);
  const critical = compare(baseline, { criticalPath: size(40000 + allowanceGzip + 1), total: size(60000) });
  assert.deepEqual(critical.map((m) => m.grew), [true, false]);
  const total = compare(baseline, { criticalPath: size(30000), total: size(62000) });
  assert.deepEqual(total.map((m) => m.grew), [false, true]);
  assert.throws(() => compare({ criticalPath: size(1) }, { criticalPath: size(1), total: size(1) }), /total/);
});

test("the build's critical path and total are within the committed baseline", () => {
  assert.ok(existsSync(reportPath), "dist/size.json is missing: run node scripts/build.mjs");
  const baseline = JSON.parse(readFileSync(baselinePath, "utf8"));
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  assert.deepEqual(report.criticalFiles, baseline.criticalFiles, "the critical path's files changed");
  for (const m of compare(baseline, report)) {
    assert.ok(!m.grew, `${m.name} grew by ${m.delta} B gzip (baseline ${m.was.gzip}, now ${m.now.gzip}); ` +
      "if intended, run `node scripts/size_guard.mjs --update` and commit size-baseline.json");
  }
});
