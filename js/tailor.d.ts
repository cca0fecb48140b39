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

/** A slot's decided value: the winning rule and its rendered `data` (text values). */
export interface TailorSlot {
  readonly rule: string;
  readonly data: Readonly<Record<string, string>>;
}

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
  /**
   * The decided value of a slot, or null (Tailor not ready yet, no rule won the slot, or the
   * visitor is in the winner's holdout: render the default). The same frozen object is returned
   * while the value is unchanged, so it can be a `useSyncExternalStore` snapshot.
   */
  slot(name: string): TailorSlot | null;
  /**
   * Calls `fn` whenever the slot's value changes (start, consent, a form answer, navigation,
   * another tab), and once when Tailor is ready if subscribed before. Returns the function that
   * unsubscribes. A subscriber that throws is logged, never breaks Tailor.
   */
  onSlot(name: string, fn: (value: TailorSlot | null) => void): () => void;
  /**
   * Call when the page shows the slot's current value (or its default, for control): records
   * the exposure, once per rule and page view. Returns whether one was recorded now.
   */
  slotShown(name: string): boolean;
}

/** `window.tailor` before Tailor has started: the command queue, already able to answer these. */
export type TailorQueue = TailorCommand[] & Pick<TailorApi, "ready" | "slot" | "onSlot" | "slotShown">;

export interface TailorReadyDetail {
  ok: boolean;
  report: TailorReport | null;
}

declare global {
  interface Window {
    tailor: TailorApi | TailorQueue;
  }
  interface DocumentEventMap {
    "tailor:ready": CustomEvent<TailorReadyDetail>;
  }
}
