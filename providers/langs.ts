/**
 * Language codes as engines spell them versus BCP-47 as locflow does. Apertium
 * names pairs with ISO 639-3 (`eng`, `spa`) or 639-1 (`fr`), sometimes with a
 * variant (`eng_US`); Intl already knows the 639-3 → 639-1 aliases.
 */
import type { Lang } from '../pipeline/model.js';
import { baseLang, canonicalLang } from '../pipeline/languages.js';

/** `eng` → `en`, `spa` → `es`, `eng_US` → `en-US`, `srd` → `sc`; undefined when not a language. */
export function engineCodeToLang(code: string): Lang | undefined {
  return canonicalLang(code.replace(/_/g, '-'));
}

/** Exact tag match first, then the same primary language (`pt-BR` asks, `pt` serves). */
export function langMatches(served: Lang, wanted: Lang): boolean {
  if (served === '*') return true;
  if (served.toLowerCase() === wanted.toLowerCase()) return true;
  // A provider serving plain `en` serves `en-GB` too; one serving `pt-BR` does not serve `pt-PT`.
  return !served.includes('-') && baseLang(served) === baseLang(wanted);
}

export function pairKey(from: Lang, to: Lang): string {
  return `${from}-${to}`;
}
