// After `vite build` (the client) and `vite build --ssr` (src/prerender.jsx): prerenders the
// hydrated page's routes into their HTML, inlines the rules into the script-tag pages (so their
// targets are hidden before the first paint, with no rules request), and gives every route its
// own index.html, so a reload or a link from outside finds the app (`tailor serve` and other
// static servers have no single-page-app fallback).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const app = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(app, "build");
const ssr = join(app, "build-ssr");
const routes = ["/", "/cats"];

function fill(html, marker, value, file) {
  const at = html.search(new RegExp("<!--" + marker + ":[^>]*-->"));
  if (at < 0) throw new Error(file + " lacks the <!--" + marker + ": ...--> marker");
  return html.replace(new RegExp("<!--" + marker + ":[^>]*-->"), () => value);
}

// JSON in a <script> element: "<" escaped, so no "</script>" or "<!--" can end the element.
const rules = JSON.stringify(JSON.parse(readFileSync(join(app, "src", "rules.json"), "utf8")))
  .replace(/</g, "\\u003c");
const rulesBlock = `<script type="application/json" id="tailor-rules">${rules}</script>`;

function write(path, html) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
}

// The script-tag SPA: one shell for every route.
const scriptTagFile = join(build, "script-tag", "index.html");
const scriptTag = fill(readFileSync(scriptTagFile, "utf8"), "tailor-rules", rulesBlock, scriptTagFile);
for (const route of routes) write(join(build, "script-tag", route, "index.html"), scriptTag);

// The npm SPA: the same shell for every route.
for (const route of routes.slice(1)) {
  mkdirSync(join(build, route), { recursive: true });
  copyFileSync(join(build, "index.html"), join(build, route, "index.html"));
}

// The prerendered page: each route rendered to HTML, which the client hydrates.
const { render } = await import(pathToFileURL(join(ssr, "prerender.js")).href);
const hydratedFile = join(build, "hydrated", "index.html");
const shell = fill(readFileSync(hydratedFile, "utf8"), "tailor-rules", rulesBlock, hydratedFile);
for (const route of routes) {
  const url = "/hydrated" + (route === "/" ? "/" : route);
  write(join(build, "hydrated", route, "index.html"), fill(shell, "app", render(url), hydratedFile));
}
rmSync(ssr, { recursive: true, force: true });
console.log("prerendered " + routes.length + " routes of /hydrated/; inlined the rules; one index.html per route");
