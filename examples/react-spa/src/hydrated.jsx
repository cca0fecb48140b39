// The prerendered page (scripts/postbuild.mjs rendered it to HTML at build time), hydrated.
// Tailor comes from the script tag in <head>: it changes the server's HTML before the first
// paint, which a bundle, run after the HTML is parsed and painted, cannot.
import { StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App, hydratedInstall } from "./App.jsx";
import "./style.css";

hydrateRoot(
  document.getElementById("root"),
  <StrictMode>
    <BrowserRouter basename="/hydrated">
      <App install={hydratedInstall} />
    </BrowserRouter>
  </StrictMode>,
  {
    // React's default reports these on window; saying it on the console names the cause.
    onRecoverableError(error) {
      console.error("React could not hydrate this page: " + ((error && error.message) || error));
    },
  },
);
