// Types for the ES module entry (`import { start } from "tailor-sdk"`, js/module.mjs): `start`
// and everything of the page API's types (js/tailor.d.ts).
import type { TailorApi } from "./tailor";

export * from "./tailor";

/** What `start()` takes: the script tag's data-* attributes and #tailor-* blocks, as options. */
export interface TailorStartOptions {
  /** The rules, as the #tailor-rules block holds them (an object, or its JSON text). */
  rules?: object | string;
  /** A rules file, as data-rules (cached on the device, refreshed in the background). */
  rulesUrl?: string;
  /** The site's configuration, as the #tailor-config block. */
  config?: Record<string, unknown>;
  /** Milliseconds before the original content is shown anyway, as data-timeout (default 800). */
  timeout?: number;
  /** "apply": a decision that misses the timeout still changes the page. */
  late?: "apply";
  /** "implied" or "required", as data-consent. */
  consent?: string;
  /** The visitor's region from your server (e.g. "JP-01"), as data-geo. */
  geo?: string;
  /** Allows the debug overlay (?tailor-debug), as data-debug. */
  debug?: boolean;
  /** Where tailor_core.wasm is served, when the bundler does not emit it beside the module. */
  wasmUrl?: string | URL;
  /** The same for tailor_lean.wasm, the engine for compiled rules (`tailor compile`). */
  leanUrl?: string | URL;
  /** The same for tailor_core_rest.wasm, the rest of the engine (events, consent changes, sync),
   * fetched after the decision. */
  restUrl?: string | URL;
  /** The same for tailor_lean_rest.wasm, the rest of the engine for compiled rules. */
  leanRestUrl?: string | URL;
  /** The same for tailor_tools.wasm, the engine a preview link or ?tailor-debug loads. */
  toolsUrl?: string | URL;
}

/**
 * Starts Tailor on this page and resolves with `window.tailor` once it has decided, or failed
 * (the page then keeps its original content; `tailor.error()` says why). Call it before the app
 * renders. Calling it again returns the running Tailor.
 */
export function start(options?: TailorStartOptions): Promise<TailorApi>;
