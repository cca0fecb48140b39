// Three pages of one app, built into build/ (served by `tailor serve --site build`):
// index.html and hydrated/index.html start Tailor from the npm package; script-tag/index.html
// loads it with the script tag. scripts/postbuild.mjs then prerenders the hydrated page.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const page = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "build",
    emptyOutDir: true,
    rollupOptions: {
      input: {
        main: page("index.html"),
        hydrated: page("hydrated/index.html"),
        scriptTag: page("script-tag/index.html"),
      },
    },
  },
});
