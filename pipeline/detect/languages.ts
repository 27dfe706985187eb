/**
 * franc speaks ISO 639-3 (and often the individual language inside a
 * macrolanguage: `arb`, `pes`, `zlm`); locflow speaks BCP-47. The mapping lives
 * here so that no other module ever sees a three-letter franc code.
 */
import { iso6393To1 } from 'iso-639-3/iso6393-to-1.js';
import { InputError } from '../errors.js';
import type { Lang } from '../model.js';
import { canonicalLang } from '../languages.js';

/**
 * franc profiles named after an individual language whose macrolanguage has a
 * two-letter code. BCP-47 prefers the macrolanguage tag for these.
 */
const INDIVIDUAL_TO_MACRO: Record<string, string> = {
  arb: 'ar', pes: 'fa', prs: 'fa', zlm: 'ms', swh: 'sw', uzn: 'uz', azj: 'az', ekk: 'et', lvs: 'lv',
  khk: 'mn', npi: 'ne', als: 'sq', plt: 'mg', ydd: 'yi', cmn: 'zh', quy: 'qu', quz: 'qu', qug: 'qu',
  ayr: 'ay', pbu: 'ps', knc: 'kr', fuv: 'ff', fuf: 'ff', tzm: 'tzm', ckb: 'ckb', skr: 'skr', koi: 'kv',
  hnj: 'hnj', hms: 'hms', mag: 'mag', bho: 'bho', mai: 'mai', src: 'sc', gaa: 'gaa',
};

/** BCP-47 primary subtag for a franc code: `fra` → `fr`, `arb` → `ar`, `ceb` → `ceb`. */
export function fromFranc(code: string): Lang {
  return INDIVIDUAL_TO_MACRO[code] ?? iso6393To1[code] ?? code;
}

let reverse: Map<string, string[]> | undefined;

/** franc codes that a BCP-47 tag stands for (`ms` → `zlm`, `qu` → three profiles). */
export function toFranc(lang: Lang, francCodes: Iterable<string>): string[] {
  if (!reverse) {
    reverse = new Map();
    for (const code of francCodes) {
      const tag = fromFranc(code);
      const list = reverse.get(tag) ?? [];
      list.push(code);
      reverse.set(tag, list);
    }
  }
  return reverse.get(primary(lang)) ?? [];
}

/** `pt-BR` → `pt`; detection works on the primary subtag only. */
export function primary(lang: Lang): string {
  return lang.split('-')[0]!.toLowerCase();
}

/**
 * Validates a candidate list (from `--only` or configuration). An unknown code
 * is the caller's mistake and must not silently widen or empty the candidates.
 */
export function parseCandidates(tags: readonly string[], what = '--only'): Lang[] {
  const out: Lang[] = [];
  for (const tag of tags) {
    const canonical = canonicalLang(tag);
    if (!canonical) {
      throw new InputError('unknown-language', `${what}: "${tag}" is not a known language code (use BCP-47, e.g. fr, vi, en)`, {
        details: { tag, what },
      });
    }
    const p = primary(canonical);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
