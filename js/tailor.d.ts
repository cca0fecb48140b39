// Types for the object that Tailor's script tag puts on `window.tailor`.
// Before Tailor has loaded, `window.tailor` is a plain array of queued commands.

/** What the engine did on this page view. */
export interface TailorReport {
  /** Page views counted on this device (1 on the first visit). */
  visits: number;
  /** False when storage is missing, blocked or full: Tailor then works in memory only. */
  persisted: boolean;
  /** Ids of the rules whose conditions matched. */
  matched: string[];
  /** How many elements were changed. */
  applied: number;
}

/** A queued command: a function called with the API, or `[methodName, ...args]`. */
export type TailorCommand = ((tailor: TailorApi) => unknown) | [string, ...unknown[]];

export interface TailorApi {
  readonly version: string;
  /** Runs a command now (or queues it until Tailor has started). */
  push(command: TailorCommand): unknown;
  /** What the engine did on this page view; null before it finished or when it failed. */
  report(): TailorReport | null;
  /** Why Tailor is not running on this page (WebAssembly refused, wasm missing, ...), or null. */
  error(): string | null;
  /** Resolves once Tailor has started (with the report) or failed (with null). */
  ready(): Promise<TailorReport | null>;
}

export interface TailorReadyDetail {
  ok: boolean;
  report: TailorReport | null;
}

declare global {
  interface Window {
    tailor: TailorApi | TailorCommand[];
  }
  interface DocumentEventMap {
    "tailor:ready": CustomEvent<TailorReadyDetail>;
  }
}
