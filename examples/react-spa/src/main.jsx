// The npm install: the bundler emits the engine's wasm as an asset, and start() runs before React
// renders, so the rules' targets are hidden until Tailor has decided.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { start } from "tailor-sdk";
import { App } from "./App.jsx";
import rules from "./rules.json";
import "./style.css";

start({ rules, config: { consent: "implied" }, timeout: 800 });

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <BrowserRouter>
      <App install="Installed from npm: import { start } from 'tailor-sdk'" />
    </BrowserRouter>
  </StrictMode>,
);
