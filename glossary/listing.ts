/**
 * Reading the glossary without reading all of it: pages come from the sorted
 * sets of indexes.ts, terms are fetched by id, and exports walk the store in
 * bounded chunks.
 *
 * One filter (or none) is a range read plus ZCARD, whatever the size of the
 * glossary. Several filters, or a text search, walk the smallest matching set
 * in bounded script calls (SCAN in scripts.ts) and check the others there, so
 * no single call holds Redis for long and no term JSON crosses the wire until
 * the page is known.
 */
import type { Redis } from './keys.js';
import type { TermKind, TermStatus, Term } from '../pipeline/model.js';
import { langSet, searchQuery } from './indexes.js';
import { runScript, type GlossaryKeys } from './keys.js';
import { SCAN } from './scripts.js';

export type ListOrder = 'updated' | 'frequency';

export interface ListFilter {
  status?: TermStatus;
  kind?: TermKind;
  lang?: string;
  /** Case-insensitive text search in the term, variants, translations, note and id. */
  q?: string;
  /** `updated` (default): most recently changed first; `frequency`: suggestions most used in articles first. */
  sort?: ListOrder;
  offset?: number;
  limit?: number;
}

/** Members one SCAN call walks: a few milliseconds of Redis time. */
const SCAN_CHUNK = 2000;

function results(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('glossary read transaction aborted');
  for (const [err] of res) if (err) throw err;
  return res.map(([, v]) => v);
}

export async function listIds(redis: Redis, keys: GlossaryKeys, filter: ListFilter): Promise<{ ids: string[]; total: number }> {
  const offset = filter.offset ?? 0;
  const limit = filter.limit ?? 100;
  const q = filter.q ? searchQuery(filter.q) : '';
  const sets: string[] = [];
  if (filter.status) sets.push(`status:${filter.status}`);
  if (filter.kind) sets.push(`kind:${filter.kind}`);
  if (filter.lang) sets.push(langSet(filter.lang));
  let driver = 'all';
  if (filter.sort === 'frequency') {
    // The frequency set holds proposed terms only: no need to check that again.
    driver = 'freq';
    if (filter.status === 'proposed') sets.shift();
  }
  else if (sets.length === 1) driver = sets[0]!;
  else if (sets.length > 1) {
    // Walk the smallest set and check membership in the others.
    const multi = redis.multi();
    for (const s of sets) multi.zcard(keys.idx + s);
    const cards = results(await multi.exec()) as number[];
    driver = sets[cards.indexOf(Math.min(...cards))]!;
  }
  const checks = sets.filter((s) => s !== driver);
  if (checks.length === 0 && !q) {
    if (limit === 0) return { ids: [], total: await redis.zcard(keys.idx + driver) };
    const [ids, total] = results(await redis.multi().zrange(keys.idx + driver, String(offset), String(offset + limit - 1), 'REV').zcard(keys.idx + driver).exec()) as [string[], number];
    return { ids, total };
  }
  const ids: string[] = [];
  let matched = 0;
  for (let start = 0; ; start += SCAN_CHUNK) {
    const [walked, total, page] = (await runScript(redis, SCAN, keys, [driver, JSON.stringify(checks), q, start, SCAN_CHUNK, offset, limit, matched])) as [number, number, string[]];
    matched = total;
    ids.push(...page);
    if (walked < SCAN_CHUNK) break;
  }
  return { ids, total: matched };
}

/** A term with its suggestion statistics; a term written by the first layout still carries them in its JSON. */
export function withStats(json: string, freq: string | null | undefined, example: string | null | undefined): Term {
  const t = JSON.parse(json) as Term;
  if (freq != null) t.frequency = Number(freq);
  if (example != null) t.example = example;
  return t;
}

/** The terms with these ids, in this order; ids that vanished meanwhile are left out. */
export async function readTerms(redis: Redis, keys: GlossaryKeys, ids: string[]): Promise<Term[]> {
  if (ids.length === 0) return [];
  const [jsons, freq, example] = results(await redis.multi().hmget(keys.terms, ...ids).hmget(keys.freq, ...ids).hmget(keys.example, ...ids).exec()) as (string | null)[][];
  const out: Term[] = [];
  ids.forEach((_, i) => {
    const json = jsons![i];
    if (json) out.push(withStats(json, freq![i], example![i]));
  });
  return out;
}

/** Every term in id order, `chunk` at a time: what an export streams. */
export async function* iterateTerms(redis: Redis, keys: GlossaryKeys, chunk = 500): AsyncGenerator<Term[]> {
  let from = '-';
  for (;;) {
    const ids = (await redis.call('ZRANGE', keys.idx + 'ids', from, '+', 'BYLEX', 'LIMIT', 0, chunk)) as string[];
    if (ids.length === 0) return;
    const terms = await readTerms(redis, keys, ids);
    if (terms.length) yield terms;
    if (ids.length < chunk) return;
    from = `(${ids[ids.length - 1]!}`;
  }
}
