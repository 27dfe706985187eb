/**
 * `npm run bench -- glossary-scale`: the glossary store at 100 000 terms
 * (issue 15.4). The same Redis data is read both ways in the same run:
 *
 * - ours: the indexed store (sorted sets, chunked scans, streamed export,
 *   one-script suggestions);
 * - baseline: what the previous store did, kept here as a copy — every
 *   listing read all terms (HVALS + HGETALL of frequencies and examples),
 *   parsed, filtered and sorted them in JavaScript; every write first read
 *   that whole snapshot; an export formatted the whole glossary in one go;
 *   suggestions were merged on a snapshot of every term.
 *
 * Figures are in milliseconds (ours: the median of three rounds; the baseline runs once); for the export,
 * also the longest the event loop was held (what delays /healthz and every
 * other request while it runs).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { formatGlossaryFile, streamGlossaryFile } from '../glossary/io/index.js';
import { createGlossaryStore, type SuggestionInput } from '../glossary/store.js';
import type { Term } from '../pipeline/model.js';
import { suggestTerms } from '../pipeline/suggest.js';
import { legacyTerm, writeLegacyGlossary } from '../test/glossary/legacy-layout.js';
import type { Benchmark, Figure } from './figure.js';
import { snapshotRecord } from './glossary-store.bench.js';

const here = dirname(fileURLToPath(import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.LOCFLOW_BENCH_GLOSSARY_TERMS ?? 100_000);
const ROUNDS = 3;

// The same synthetic glossary as test/glossary/scale.test.ts (without its pt-BR terms), in the previous layout.
const shape = { n: N, word: 'Zorgon' };
const term = (i: number): Term => legacyTerm(i, shape);

/** The previous store's full read (readAll/snapshot). */
async function readAll(redis: Redis, prefix: string): Promise<Term[]> {
  const p = `${prefix}:glossary`;
  const res = (await redis.multi().hvals(`${p}:terms`).hgetall(`${p}:freq`).hgetall(`${p}:example`).exec())!;
  const [jsons, freq, example] = res.map(([, v]) => v) as [string[], Record<string, string>, Record<string, string>];
  return jsons.map((json) => {
    const t = JSON.parse(json) as Term;
    if (Object.hasOwn(freq, t.id)) t.frequency = Number(freq[t.id]);
    if (Object.hasOwn(example, t.id)) t.example = example[t.id];
    return t;
  });
}

const sortTerms = (terms: Term[]) => terms.sort((a, b) => a.lang.localeCompare(b.lang) || a.term.localeCompare(b.term, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id));

/** The previous list(): everything read, filtered and sorted in JavaScript, then sliced. */
async function baselineList(redis: Redis, prefix: string, f: { status?: string; lang?: string; q?: string; limit: number }): Promise<{ terms: Term[]; total: number }> {
  const q = f.q?.toLowerCase();
  const hits = sortTerms(await readAll(redis, prefix)).filter(
    (t) => (!f.status || t.status === f.status) && (!f.lang || t.lang === f.lang) && (!q || [t.term, ...t.variants, ...Object.values(t.translations), t.note ?? '', t.id].some((s) => s.toLowerCase().includes(q))),
  );
  return { terms: hits.slice(0, f.limit), total: hits.length };
}

/** The median of `rounds` runs (the baseline runs once at full size: a run takes tens of seconds). */
async function median(fn: () => Promise<unknown>, rounds = ROUNDS): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** Runs `fn` and returns how long it took and the longest stretch the event loop could not run a 1 ms timer. */
async function withStall(fn: () => Promise<unknown>): Promise<{ ms: number; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  stall = Math.max(stall, performance.now() - last);
  return { ms, stall };
}

async function run(): Promise<Figure[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `{lfbench-gscale-${randomBytes(5).toString('hex')}}`;
  const base = 'previous store: full read + JS';
  try {
    await writeLegacyGlossary(redis, prefix, shape, 5000);
    // The baseline reads the data as the previous layout left it; then ours indexes the same keys (the one-time migration).
    const sample = readFileSync(join(here, '..', '..', 'shared', 'samples', 'deepseek.fr.txt'), 'utf8');
    const candidates: SuggestionInput[] = suggestTerms(sample, 'fr', []).map(({ term: t, lang, frequency, example, kind }) => ({ term: t, lang, frequency, example, kind }));
    const figures: Figure[] = [];
    const baseList = await median(() => baselineList(redis, prefix, { limit: 1 }), 1);
    const baseFilter = await median(() => baselineList(redis, prefix, { status: 'proposed', lang: 'vi', q: 'zorgon', limit: 50 }), 1);
    // The previous write planned on a snapshot of every term before its compare-and-set.
    const baseWrite = await median(async () => {
      const all = await readAll(redis, prefix);
      const t = all.find((x) => x.id === term(7).id)!;
      await redis.hset(`${prefix}:glossary:terms`, t.id, JSON.stringify({ ...t, note: `n${Date.now()}` }));
    }, 1);
    const baseExport = await withStall(async () => formatGlossaryFile(sortTerms(await readAll(redis, prefix)), 'csv').length);
    const baseSuggest = await median(() => snapshotRecord(redis, prefix, candidates, 'fr', 'bench'), 1);

    const store = createGlossaryStore({ redis, prefix, suggestions: { perArticle: 0, ttlMs: 0 } });
    const t0 = performance.now();
    await store.migrate();
    const migration = performance.now() - t0;
    const ourList = await median(() => store.list({ limit: 1 }));
    const ourFilter = await median(() => store.list({ status: 'proposed', lang: 'vi', q: 'zorgon', limit: 50 }));
    const reviewer = { role: 'reviewer' as const, name: 'bench' };
    const ourWrite = await median(() => store.update(term(7).id, { note: `n${Date.now()}` }, reviewer));
    const ourExport = await withStall(async () => {
      let size = 0;
      for await (const piece of streamGlossaryFile(store.iterate(200), 'csv', await store.stats())) size += piece.length;
      return size;
    });
    let round = 0;
    const ourSuggest = await median(() => store.recordSuggestions(candidates, { lang: 'fr', source: 'bench', article: `a${round++}` }));

    // Both listings must agree on what matches.
    const [a, b] = [await store.list({ status: 'proposed', lang: 'vi', q: 'zorgon', limit: 1 }), await baselineList(redis, prefix, { status: 'proposed', lang: 'vi', q: 'zorgon', limit: 1 })];
    if (a.total !== b.total) throw new Error(`filter totals differ: ${a.total} vs ${b.total}`);

    const fig = (name: string, ours: number, baseline: number): Figure => ({ name, ours, baseline, baselineName: base, unit: 'ms', better: 'lower' });
    figures.push(
      fig(`glossary-list-1-of-${N}`, ourList, baseList),
      fig('glossary-filter-status-lang-q', ourFilter, baseFilter),
      fig('glossary-one-write', ourWrite, baseWrite),
      fig('glossary-export-csv-total', ourExport.ms, baseExport.ms),
      fig('glossary-export-csv-longest-stall', ourExport.stall, baseExport.stall),
      fig('glossary-suggestion-merge', ourSuggest, baseSuggest),
      { name: 'glossary-migration-once', ours: migration, baseline: migration, baselineName: 'itself (one-time cost, no baseline)', unit: 'ms', better: 'lower' },
    );
    return figures;
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
}

const bench: Benchmark = {
  name: 'glossary-scale',
  description: `the glossary store at ${N} terms: list, filter, one write, export, suggestion merge, against the previous full-read store`,
  run,
};
export default bench;
