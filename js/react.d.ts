// Types for `tailor-sdk/react`: the React binding of Tailor's slot payloads (decisions as data).

/** A slot's payload: the `data` of the rule that won the slot, its templates filled in. */
export type TailorSlotData = Record<string, string>;

/**
 * The payload Tailor decided for the slot `name`, or null: not decided yet, no rule won the
 * slot, the visitor is in the rule's holdout (control sees the default), or Tailor is not
 * running. Re-renders the component when the decision changes (consent given, a form answered,
 * a route change); records the slot's exposure (`tailor.slotShown(name)`) once per page view
 * after the component has rendered. Works with the npm `start()` and with the script tag.
 *
 * @example
 * function Hero() {
 *   const hero = useTailorSlot("hero");
 *   return <img src={hero?.image ?? "/img/pets.svg"} alt={hero?.alt ?? "Our pets"} />;
 * }
 */
export function useTailorSlot<T extends TailorSlotData = TailorSlotData>(name: string): T | null;
