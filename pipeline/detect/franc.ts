/**
 * franc, spoken in BCP-47. franc covers many more languages than locflow's
 * own model; it decides when a candidate is outside the model and for whole
 * documents it is a second opinion.
 */
import { francAll } from 'franc';
import { data } from 'franc/data.js';
import { expressions } from 'franc/expressions.js';
import type { Lang } from '../model.js';
import { fromFranc } from './languages.js';

/** Every franc profile code, grouped by the script franc files it under. */
const PROFILES: Record<string, string[]> = Object.fromEntries(Object.entries(data).map(([script, langs]) => [script, Object.keys(langs)]));

/** Scripts that franc maps to exactly one language (`kor`, `ell`, `tha`…), keyed by script, valued BCP-47. */
export const SINGLE_LANGUAGE_SCRIPTS: Record<string, Lang> = Object.fromEntries(
  Object.keys(expressions)
    .filter((key) => !(key in data))
    .map((key) => [key, fromFranc(key)]),
);

/** BCP-47 → franc codes and the scripts they are written in. */
const BY_LANG = new Map<Lang, { codes: string[]; scripts: Set<string> }>();
for (const [script, codes] of Object.entries(PROFILES)) {
  for (const code of codes) addProfile(fromFranc(code), code, script);
}
for (const [script, lang] of Object.entries(SINGLE_LANGUAGE_SCRIPTS)) addProfile(lang, script, script);

function addProfile(lang: Lang, code: string, script: string): void {
  let entry = BY_LANG.get(lang);
  if (!entry) BY_LANG.set(lang, (entry = { codes: [], scripts: new Set() }));
  if (!entry.codes.includes(code)) entry.codes.push(code);
  entry.scripts.add(script);
}

/** Primary language subtags franc can recognise. */
export function francLanguages(): Lang[] {
  return [...BY_LANG.keys()];
}

/** Scripts (franc's keys) in which franc knows the language; empty when franc does not know it. */
export function francScripts(lang: Lang): ReadonlySet<string> {
  return BY_LANG.get(lang)?.scripts ?? new Set();
}

export interface RankedLang {
  lang: Lang;
  /** franc's normalised score: 1 for the best, lower for the others. */
  score: number;
}

/**
 * franc's ranking restricted to `langs`. franc's Vietnamese profile keeps tone
 * marks as combining characters, so whenever Vietnamese is a candidate the
 * text is compared in NFD; the other Latin profiles lose little in NFD because
 * their trigrams rarely hinge on a precomposed accent.
 */
export function francRank(text: string, langs: readonly Lang[]): RankedLang[] {
  const only = langs.flatMap((l) => BY_LANG.get(l)?.codes ?? []);
  if (only.length === 0) return [];
  const sample = langs.includes('vi') ? text.normalize('NFD') : text.normalize('NFC');
  const seen = new Set<Lang>();
  const out: RankedLang[] = [];
  for (const [code, score] of francAll(sample, { only, minLength: 1 })) {
    if (code === 'und') continue;
    const lang = fromFranc(code);
    if (seen.has(lang)) continue;
    seen.add(lang);
    out.push({ lang, score });
  }
  return out;
}
