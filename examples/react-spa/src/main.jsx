// The npm install: the bundler emits the engine's wasm as an asset, and start() runs before React
// renders, so the rules' targets are hidden until Tailor has decided.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { start } from "tailor-sdk";
import { App } from "./App.jsx";
import rules from "./rules.json";
import "./style.css";

// 2 s rather than the default 800 ms: the end-to-end suite runs on busy two-core machines.
start({ rules, config: { consent: "implied" }, timeout: 2000 });

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <BrowserRouter>
      <App install="Installed from npm: import { start } from 'tailor-sdk'" />
    </BrowserRouter>
  </StrictMode>,
);
