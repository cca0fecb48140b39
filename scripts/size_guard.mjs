// The size guard (issue 11): compares the build's size report (dist/size.json, written by
// scripts/build.mjs) with the committed baseline (size-baseline.json). Growth of the critical path
// or of the total by more than the allowance (1 KB gzip) fails, so growth is a visible decision in
// review: the commit that grows the SDK also changes the baseline
// (`node scripts/size_guard.mjs --update`). Shrinking is reported, and the baseline can follow.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const baselinePath = join(root, "size-baseline.json");
export const reportPath = join(root, "dist", "size.json");
export const allowanceGzip = 1024;
const measures = ["criticalPath", "total"];
// Guarded when the report has them: a page with compiled rules downloads the lean engine instead.
const optional = ["compiledCriticalPath", "compiledTotal"];

// Each measure's verdict: `grew` when its gzip size exceeds the baseline's by more than the
// allowance. Raw and brotli are shown for review, but gzip is the figure guarded.
export function compare(baseline, report, allowance = allowanceGzip) {
  return [...measures, ...optional.filter((name) => report[name])].map((name) => {
    const was = baseline[name];
    const now = report[name];
    if (!was || !now) throw new Error(`size guard: "${name}" is missing from the baseline or the report`);
    const delta = now.gzip - was.gzip;
    return { name, was, now, delta, grew: delta > allowance };
  });
}

export function baselineOf(report) {
  const pick = ({ raw, gzip, brotli }) => ({ raw, gzip, brotli });
  return {
    "//": "Committed sizes of the SDK (bytes). npm test fails when the build exceeds them by more than 1 KB gzip; update with `node scripts/size_guard.mjs --update` in the commit that changes the size.",
    criticalFiles: report.criticalFiles,
    deferredFiles: report.deferredFiles,
    criticalPath: pick(report.criticalPath),
    total: pick(report.total),
    ...Object.fromEntries(optional.filter((name) => report[name])
      .map((name) => [name, { files: report[name].files, ...pick(report[name]) }])),
  };
}

function main() {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  if (process.argv.includes("--update")) {
    writeFileSync(baselinePath, JSON.stringify(baselineOf(report), null, 2) + "\n");
    console.log(`size guard: baseline written to size-baseline.json`);
    return;
  }
  const baseline = JSON.parse(readFileSync(baselinePath, "utf8"));
  let failed = false;
  for (const { name, was, now, delta, grew } of compare(baseline, report)) {
    const sign = delta > 0 ? "+" : "";
    console.log(`size guard: ${name}: gzip ${now.gzip} B (baseline ${was.gzip}, ${sign}${delta}); ` +
      `raw ${now.raw}, brotli ${now.brotli}${grew ? "  GREW past the 1 KB allowance" : ""}`);
    if (delta < -allowanceGzip) console.log(`size guard: ${name} shrank; lower the baseline with --update`);
    failed ||= grew;
  }
  if (failed) {
    console.error("size guard: the SDK grew by more than 1 KB gzip. If that is intended, run " +
      "`node scripts/size_guard.mjs --update` and commit size-baseline.json with the change.");
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
