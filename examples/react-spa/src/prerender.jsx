// Build-time rendering of the hydrated page (vite build --ssr; used by scripts/postbuild.mjs).
import { StrictMode } from "react";
import { renderToString } from "react-dom/server";
import { StaticRouter } from "react-router";
import { App, hydratedInstall } from "./App.jsx";

export function render(url) {
  return renderToString(
    <StrictMode>
      <StaticRouter basename="/hydrated" location={url}>
        <App install={hydratedInstall} />
      </StaticRouter>
    </StrictMode>,
  );
}
