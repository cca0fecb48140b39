// The same app with the script-tag install: tailor.js in <head> runs Tailor; the bundle only
// renders, and the hook reads the same window.tailor.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App.jsx";
import "./style.css";

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <BrowserRouter basename="/script-tag">
      <App install="Installed with the script tag: <script src=/dist/tailor.js>" />
    </BrowserRouter>
  </StrictMode>,
);
