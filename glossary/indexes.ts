/**
 * What the store's indexes hold for one term, computed in one place so that
 * writes, suggestions and the migration agree. Pure: no Redis here.
 *
 * Sorted sets, all under the `idx` stem, member = term id:
 *   all, status:<status>, kind:<kind>, lang:<tag>   score = last change (ms); a list is a range of one of them
 *   freq                                             score = frequency (0 when none), proposed terms
 *   ids                                              score 0, ordered by id (exports walk it in stable order)
 * `lang:` holds every prefix of the tag in lower case (`pt` and `pt-br` for
 * pt-BR), so `lang=pt` finds Brazilian terms with a range read, as before.
 */
import type { Term } from '../pipeline/model.js';

/** The layout this code writes; a store with an older one is migrated once (migrate.ts). */
export const LAYOUT = '3';

/** Index sets not named by a term's fields (those are registered in `<idx>keys` as they are created). */
export const STANDARD_SETS = ['ids', 'freq'];

/** Index set suffixes a term belongs to (besides `ids`, and `freq` which follows the frequency). */
export function indexSets(t: Term): string[] {
  const parts = t.lang.toLowerCase().split('-');
  const langs = parts.map((_, i) => `lang:${parts.slice(0, i + 1).join('-')}`);
  return ['all', `status:${t.status}`, `kind:${t.kind}`, ...new Set(langs)];
}

/** The set a language filter reads. */
export function langSet(lang: string): string {
  return `lang:${lang.toLowerCase()}`;
}

/** What a `q` filter searches, lower-cased once here instead of per list request. */
export function searchText(t: Term): string {
  return [t.term, ...t.variants, ...Object.values(t.translations), t.note ?? '', t.id].join('\n').normalize('NFC').toLowerCase();
}

/** The query as searchText stores text, so a plain substring search in Lua agrees with JavaScript's. */
export function searchQuery(q: string): string {
  return q.normalize('NFC').toLowerCase();
}

/** Counters an export needs before its first term: languages of terms, and languages translated into. */
export function statFields(t: Term): string[] {
  return [`lang:${t.lang}`, ...Object.keys(t.translations).map((l) => `tl:${l}`)];
}

/** The form index fields of a term: each form in its own language, and (keep terms) each form in any language. */
export function formFields(t: Term): { forms: string[]; keeps: string[] } {
  const all = [t.term, ...t.variants].map((f) => f.toLowerCase());
  return {
    forms: [...new Set(all.map((f) => `${t.lang.toLowerCase()}\n${f}`))],
    keeps: t.kind === 'keep' ? [...new Set(all)] : [],
  };
}

/** The term as the terms hash holds it: frequency and example live in their own hashes, so suggestions can change them in place. */
export function stored(t: Term): string {
  const { frequency: _f, example: _e, ...rest } = t;
  return JSON.stringify(rest);
}

/** When the term last changed, from its history (ms; 0 when it has none). */
export function lastChange(t: Term): number {
  const at = t.history?.length ? Date.parse(t.history[t.history.length - 1]!.at) : NaN;
  return Number.isFinite(at) ? at : 0;
}

/** A suggestion nobody has acted on yet: it expires when articles stop using it. */
export function untouchedSuggestion(t: Term): boolean {
  return t.status === 'proposed' && (t.history ?? []).length > 0 && t.history!.every((e) => e.action === 'suggest');
}

/** Everything the scripts write for a term's index entries. */
export interface IndexRecord {
  sets: string[];
  stats: string[];
  forms: string[];
  keeps: string[];
  text: string;
}

export function indexRecord(t: Term): IndexRecord {
  return { sets: indexSets(t), stats: statFields(t), ...formFields(t), text: searchText(t) };
}
