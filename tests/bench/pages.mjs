// The flicker bench's pages (also profiled by startup_profile.mjs): a pet-store page with 50
// rules of which 4 match a returning visitor (pet cat, name Hana), and the same page changed by
// a hand-written inline script instead.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary as tailorBinary } from "../e2e/harness.mjs";

const BODY = `
  <header><a href="/">Pawsome Pets</a></header>
  <section class="hero"><img id="hero" src="/dog.svg" alt="A dog" width="320" height="160"></section>
  <h1 id="greeting">Welcome to Pawsome Pets!</h1>
  <p><a id="cta" href="/shop">Shop now</a></p>
  <p id="banner">Free shipping this week</p>
  ${Array.from({ length: 40 }, (_, i) => `<p id="x${i}">Product ${i}: food, toys and care.</p>`).join("\n  ")}`;

export const CHANGES = [
  { id: "hero", selector: "#hero", action: { attributes: { src: "/cat.svg", alt: "A cat" } },
    shown: "el.getAttribute('src') === '/cat.svg'", original: "el.getAttribute('src') === '/dog.svg'" },
  { id: "greeting", selector: "#greeting", action: { text: "Welcome back, {{name}}!" },
    shown: "el.textContent === 'Welcome back, Hana!'", original: "el.textContent === 'Welcome to Pawsome Pets!'" },
  { id: "cta", selector: "#cta", action: { text: "Shop cat food" },
    shown: "el.textContent === 'Shop cat food'", original: "el.textContent === 'Shop now'" },
  { id: "banner", selector: "#banner", action: { text: "Winter sale in Hokkaido" },
    shown: "el.textContent === 'Winter sale in Hokkaido'", original: "el.textContent === 'Free shipping this week'" },
];

function fiftyRules() {
  const matching = CHANGES.map((c) => ({
    id: c.id, slot: c.id, priority: 5, condition: { pet: "cat", pageViews: { $gte: 2 } },
    actions: [{ selector: c.selector, ...c.action }],
  }));
  const others = Array.from({ length: 46 }, (_, i) => ({
    id: "other-" + i, slot: CHANGES[i % 4].id, priority: i % 3,
    condition: { $and: [{ pet: ["dog", "bird"][i % 2] }, { ["topics.topic-" + i]: { $gt: 1 } }] },
    actions: [{ selector: CHANGES[i % 4].selector, text: "Other " + i }],
  }));
  return { rules: [...matching, ...others] };
}

const INLINE_BASELINE = `<script>
  document.getElementById("hero").setAttribute("src", "/cat.svg");
  document.getElementById("hero").setAttribute("alt", "A cat");
  document.getElementById("greeting").textContent = "Welcome back, Hana!";
  document.getElementById("cta").textContent = "Shop cat food";
  document.getElementById("banner").textContent = "Winter sale in Hokkaido";
</script>`;

/** Writes dog.svg, cat.svg, tailor.html (the README install), tailor-fetch.html (the wasm fetched),
 * tailor-no-preload.html, tailor-remote.html (rules from rules.json), tailor-compiled.html (the
 * same rules compiled by `binary`, the tailor CLI, and the lean engine) and inline.html into
 * `site`. */
export function benchPage(site, binary = tailorBinary) {
  const svg = (label) => `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160"><text x="20" y="90">${label}</text></svg>`;
  writeFileSync(join(site, "dog.svg"), svg("dog"));
  writeFileSync(join(site, "cat.svg"), svg("cat"));
  writeFileSync(join(site, "tailor.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Tailor</title>
<script type="application/json" id="tailor-rules">${JSON.stringify(fiftyRules())}</script>
<link rel="preload" href="/dist/tailor_core.wasm.js" as="script" crossorigin>
<script src="/dist/tailor.js"></script></head><body>${BODY}</body></html>`);
  // The install with the older preload line (the wasm fetched, not taken as a script).
  writeFileSync(join(site, "tailor-fetch.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Tailor</title>
<script type="application/json" id="tailor-rules">${JSON.stringify(fiftyRules())}</script>
<link rel="preload" href="/dist/tailor_core.wasm" as="fetch" crossorigin>
<script src="/dist/tailor.js"></script></head><body>${BODY}</body></html>`);
  // The install before the preload line (issue 11), for comparing with older builds.
  writeFileSync(join(site, "tailor-no-preload.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Tailor</title>
<script type="application/json" id="tailor-rules">${JSON.stringify(fiftyRules())}</script>
<script src="/dist/tailor.js"></script></head><body>${BODY}</body></html>`);
  // The rules as a file (`data-rules`): a returning visitor decides with the copy cached on the
  // device and fetches the file after the decision.
  writeFileSync(join(site, "rules.json"), JSON.stringify(fiftyRules()));
  writeFileSync(join(site, "tailor-remote.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Tailor</title>
<link rel="preload" href="/dist/tailor_core.wasm.js" as="script" crossorigin>
<script src="/dist/tailor.js" data-rules="/rules.json"></script></head><body>${BODY}</body></html>`);
  // The same rules compiled (`tailor compile`), inline, with the lean engine's preload.
  execFileSync(binary, ["compile", join(site, "rules.json")], { stdio: "ignore" });
  const compiled = readFileSync(join(site, "rules.compiled.json"), "utf8").trim();
  writeFileSync(join(site, "tailor-compiled.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Tailor</title>
<script type="application/json" id="tailor-rules">${compiled}</script>
<link rel="preload" href="/dist/tailor_lean.wasm.js" as="script" crossorigin>
<script src="/dist/tailor.js"></script></head><body>${BODY}</body></html>`);
  writeFileSync(join(site, "inline.html"), `<!doctype html><html><head><meta charset="utf-8"><title>Inline</title></head>
<body>${BODY}${INLINE_BASELINE}</body></html>`);
}
