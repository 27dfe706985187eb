/**
 * What one article submission costs the glossary store, counted in Redis
 * commands and reply bytes (deterministic, unlike time): it must not depend on
 * how many terms and proposals the store holds. Also the behaviour the
 * indexed layout has to keep: other processes see approvals at once,
 * concurrent writers lose nothing, and a store written by the first layout
 * (whole term JSON with frequency) is migrated on first use.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createGlossaryStore, type GlossaryStore, type SuggestionInput } from '../../glossary/store.js';
import { deriveTermId } from '../../pipeline/glossary/index.js';
import type { Term } from '../../pipeline/model.js';
import { withMatcher } from '../../server/terms.js';
import { newPrefix, REDIS_URL, redisEnv } from './helpers.js';

const env = redisEnv();
const counted: Redis[] = [];
afterAll(async () => {
  for (const r of counted) r.disconnect();
  await env.cleanup();
});

const reviewer = { role: 'reviewer' as const, name: 'r' };

/** Size of a reply as ioredis hands it over: what had to cross the wire, give or take framing. */
function sizeOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  if (typeof v === 'number') return String(v).length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + sizeOf(x), 0);
  if (typeof v === 'object') return Object.entries(v).reduce((n, [k, x]) => n + Buffer.byteLength(k) + sizeOf(x), 0);
  return 0;
}

interface Meter {
  store: GlossaryStore;
  /** Runs `fn` and returns the commands it sent and the reply bytes it read. */
  measure(fn: () => Promise<unknown>): Promise<{ commands: string[]; bytes: number }>;
}

/** A store on its own connection whose every command (inside MULTI too) is recorded. */
async function metered(prefix: string): Promise<Meter> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  counted.push(redis);
  await redis.ping();
  let log: { name: string; reply: Promise<unknown> }[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string; promise: Promise<unknown> }, ...rest: unknown[]) => {
    log.push({ name: command.name, reply: command.promise.catch(() => undefined) });
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  return {
    store: createGlossaryStore({ redis, prefix, suggestions: { perArticle: 0 } }),
    async measure(fn) {
      log = [];
      await fn();
      const replies = await Promise.all(log.map((e) => e.reply));
      return { commands: log.map((e) => e.name), bytes: replies.reduce((n: number, r) => n + sizeOf(r), 0) };
    },
  };
}

/** `n` proposals as suggestions leave them, plus a few approved terms. */
async function filled(n: number): Promise<{ prefix: string; meter: Meter }> {
  const prefix = newPrefix();
  env.open(prefix); // deleted at the end
  const meter = await metered(prefix);
  const writer = meter.store;
  await writer.importTerms(
    [
      { id: 't_gpu', term: 'GPU', lang: 'fr', kind: 'keep', translations: {}, variants: ['GPUs'], caseSensitive: true, status: 'approved' },
      { id: 't_os', term: 'open source', lang: 'fr', kind: 'translate', translations: { en: 'open source' }, variants: [], caseSensitive: false, status: 'approved' },
    ],
    reviewer,
  );
  const candidates: SuggestionInput[] = Array.from({ length: n }, (_, i) => ({ term: `Zorgon${i}`, lang: 'fr', frequency: 1 + (i % 3), example: `Le modèle Zorgon${i} est sorti.` }));
  expect(await writer.recordSuggestions(candidates, { source: 'fill' })).toEqual({ created: n, merged: 0, skipped: 0, repeated: 0 });
  return { prefix, meter };
}

/** One article's worth: an existing proposal, a new name, an approved term, a kept name seen in another language. */
const ARTICLE: SuggestionInput[] = [
  { term: 'Zorgon7', lang: 'fr', frequency: 2, example: 'Zorgon7 again.' },
  { term: 'QuarkNet', lang: 'fr', frequency: 3, example: 'La start-up QuarkNet.' },
  { term: 'gpus', lang: 'fr', frequency: 1 },
  { term: 'GPU', lang: 'en', frequency: 4 },
];

describe('glossary store cost per submission', () => {
  it('does not grow with the number of terms: 50 vs 5 000 proposals', async () => {
    const small = await filled(50);
    const large = await filled(5000);
    const costs = [];
    for (const { meter } of [small, large]) {
      const glossary = withMatcher(() => meter.store.approvedTerms());
      await glossary(); // the first call per process loads the approved terms
      await meter.store.recordSuggestions([{ term: 'Warmup', lang: 'fr', frequency: 1 }]); // and the server learns the script
      const read = await meter.measure(() => glossary());
      const record = await meter.measure(async () => expect(await meter.store.recordSuggestions(ARTICLE)).toEqual({ created: 1, merged: 1, skipped: 2, repeated: 0 }));
      costs.push({ read, record });
      expect((await meter.store.get('t_gpu'))!.frequency).toBeUndefined();
      expect(await meter.store.get(deriveTermId('fr', 'Zorgon7'))).toMatchObject({ term: 'Zorgon7', status: 'proposed', frequency: 2 + 2, example: 'Le modèle Zorgon7 est sorti.' });
    }
    const [s, l] = costs as [(typeof costs)[0], (typeof costs)[0]];
    // A cached glossary read is one GET of the version.
    expect(s.read.commands).toEqual(['get']);
    expect(l.read).toEqual(s.read);
    // Recording an article's suggestions is one script call whose reply is three counters.
    expect(s.record.commands).toEqual(['evalsha']);
    expect(l.record).toEqual(s.record);
    expect(l.record.bytes).toBeLessThan(16);
    // What the store holds did grow: the same listing costs a hundred times more on the large one.
    const listSmall = await small.meter.measure(() => small.meter.store.all());
    const listLarge = await large.meter.measure(() => large.meter.store.all());
    expect(listLarge.bytes).toBeGreaterThan(50 * listSmall.bytes);
  });

  it('lets another process see an approval on its next read, and only then reloads', async () => {
    const prefix = newPrefix();
    const api = await metered(prefix);
    const reviewerProcess = env.open(prefix);
    await reviewerProcess.importTerms([{ id: 't_gpu', term: 'GPU', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' }], reviewer);
    const glossary = withMatcher(() => api.store.approvedTerms());
    const first = await glossary();
    expect(first.terms.map((t) => t.term)).toEqual(['GPU']);
    expect((await api.measure(() => glossary())).commands).toEqual(['get']);
    expect(await glossary()).toBe(first);

    const nim = await reviewerProcess.create({ term: 'NIM', lang: 'fr', kind: 'keep' }, reviewer);
    // A proposal does not change the version: still one GET and the same matcher.
    expect(await glossary()).toBe(first);
    await reviewerProcess.review(nim.id, 'approve', reviewer);
    const reload = await api.measure(async () => {
      const next = await glossary();
      expect(next.terms.map((t) => t.term).sort()).toEqual(['GPU', 'NIM']);
      expect(next.version).not.toBe(first.version);
      expect(next.matcher).not.toBe(first.matcher);
      expect(next.matcher!.find('Le service NIM tourne sur un GPU.', 'fr').map((m) => m.text).sort()).toEqual(['GPU', 'NIM']);
    });
    expect(reload.commands).toEqual(['get', 'multi', 'get', 'hvals', 'exec']);
    expect((await api.measure(() => glossary())).commands).toEqual(['get']);
  });

  it('shares one load between concurrent readers of a new version', async () => {
    const prefix = newPrefix();
    const api = await metered(prefix);
    await env.open(prefix).importTerms([{ id: 't_gpu', term: 'GPU', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' }], reviewer);
    const burst = await api.measure(() => Promise.all(Array.from({ length: 10 }, () => api.store.approvedTerms())));
    expect(burst.commands.filter((c) => c === 'hvals')).toHaveLength(1);
  });
});

describe('suggestions on the indexed layout', () => {
  it('adds up frequencies from concurrent submissions in several processes without duplicates', async () => {
    const prefix = newPrefix();
    const a = env.open(prefix);
    const b = env.open(prefix);
    const article: SuggestionInput[] = [
      { term: 'QuarkNet', lang: 'fr', frequency: 3, example: 'QuarkNet vise les centres de données.' },
      { term: 'Quarknet', lang: 'fr', frequency: 1 },
      { term: 'Zeta1', lang: 'fr', frequency: 2 },
    ];
    const reports = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).recordSuggestions(article, { source: `job-${i}` })));
    expect(reports.reduce((n, r) => n + r.created, 0)).toBe(2);
    const terms = await a.all();
    expect(terms.map((t) => t.term).sort()).toEqual(['QuarkNet', 'Zeta1']);
    expect(terms.find((t) => t.term === 'QuarkNet')).toMatchObject({ frequency: 30 * 4, example: 'QuarkNet vise les centres de données.', status: 'proposed' });
    expect(terms.find((t) => t.term === 'Zeta1')!.frequency).toBe(60);
    expect(terms.find((t) => t.term === 'QuarkNet')!.history).toHaveLength(1);
  });

  it('never lets a suggestion and a person create the same term twice', async () => {
    const prefix = newPrefix();
    const a = env.open(prefix);
    const b = env.open(prefix);
    for (let i = 0; i < 15; i++) {
      const [made, suggested] = await Promise.allSettled([
        a.create({ term: `Neo${i}`, lang: 'fr', kind: 'keep' }, { role: 'submitter', name: 'alice' }),
        b.recordSuggestions([{ term: `Neo${i}`, lang: 'fr', frequency: 2 }], { source: `job-${i}` }),
      ]);
      expect(suggested.status).toBe('fulfilled');
      const report = (suggested as PromiseFulfilledResult<{ created: number; merged: number }>).value;
      const term = (await a.get(deriveTermId('fr', `Neo${i}`)))!;
      if (made.status === 'fulfilled') {
        // The person was first; the article's mention counted into their proposal.
        expect(report).toMatchObject({ created: 0, merged: 1 });
        expect(term.history!.map((h) => h.action)).toEqual(['propose']);
      } else {
        expect(String(made.reason)).toMatch(/already exists/);
        expect(report).toMatchObject({ created: 1 });
        expect(term.history!.map((h) => h.action)).toEqual(['suggest']);
      }
      expect(term.frequency).toBe(2);
    }
    expect((await a.all()).length).toBe(15);
  });

  it('follows edits, variants, kept names across languages and deletions', async () => {
    const s = env.open();
    const t = await s.create({ term: 'Kimi', lang: 'fr', kind: 'keep', variants: ['Kimi AI'] }, reviewer);
    expect(await s.recordSuggestions([{ term: 'kimi ai', lang: 'en', frequency: 1 }])).toEqual({ created: 0, merged: 1, skipped: 0, repeated: 0 });
    await s.update(t.id, { term: 'Kimi K2', variants: [] }, reviewer);
    // The old forms are gone from the index, the new one is there.
    expect(await s.recordSuggestions([{ term: 'Kimi K2', lang: 'fr', frequency: 1 }])).toEqual({ created: 0, merged: 1, skipped: 0, repeated: 0 });
    expect(await s.recordSuggestions([{ term: 'Kimi AI', lang: 'fr', frequency: 1 }])).toEqual({ created: 1, merged: 0, skipped: 0, repeated: 0 });
    expect((await s.get(t.id))!.frequency).toBe(2);
    await s.review(t.id, 'reject', reviewer);
    expect(await s.recordSuggestions([{ term: 'kimi k2', lang: 'vi', frequency: 1 }])).toEqual({ created: 0, merged: 0, skipped: 1, repeated: 0 });
    await s.remove(t.id, reviewer);
    expect(await s.recordSuggestions([{ term: 'Kimi K2', lang: 'fr', frequency: 5 }])).toEqual({ created: 1, merged: 0, skipped: 0, repeated: 0 });
    expect(await s.get(t.id)).toBeUndefined();
    expect(await s.get(deriveTermId('fr', 'Kimi K2'))).toMatchObject({ status: 'proposed', frequency: 5, history: [expect.objectContaining({ action: 'suggest' })] });
  });

  it('keeps a frequency set by an import and counts on from it', async () => {
    const s = env.open();
    await s.recordSuggestions([{ term: 'Zeta9', lang: 'fr', frequency: 4, example: 'first' }]);
    const t = (await s.all())[0]!;
    await s.importTerms([{ ...t, history: undefined, frequency: 10, example: 'edited' } as Term], reviewer);
    await s.recordSuggestions([{ term: 'Zeta9', lang: 'fr', frequency: 1, example: 'later' }]);
    expect(await s.get(t.id)).toMatchObject({ frequency: 11, example: 'edited' });
  });

  it('migrates a store written by the first layout on its first suggestion', async () => {
    const prefix = newPrefix();
    const s = env.open(prefix);
    // The first layout: frequency and example inside the term JSON, no form indexes.
    const old: Term = { id: deriveTermId('fr', 'DeepSeek'), term: 'DeepSeek', lang: 'fr', kind: 'keep', translations: {}, variants: ['Deepseek'], caseSensitive: true, status: 'proposed', frequency: 7, example: 'DeepSeek a publié R1.', history: [{ at: new Date(Date.now() - 3600_000).toISOString(), by: 'job-0', action: 'suggest' }] };
    const approved: Term = { id: 't_gpu', term: 'GPU', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' };
    await env.redis.hset(`${prefix}:glossary:terms`, old.id, JSON.stringify(old), approved.id, JSON.stringify(approved));
    await env.redis.hset(`${prefix}:glossary:approved`, approved.id, JSON.stringify(approved));
    await env.redis.set(`${prefix}:glossary:rev`, '3');
    expect((await s.get(old.id))!.frequency).toBe(7);
    expect(await s.recordSuggestions([{ term: 'deepseek', lang: 'fr', frequency: 2 }, { term: 'GPU', lang: 'fr', frequency: 1 }])).toEqual({ created: 0, merged: 1, skipped: 1, repeated: 0 });
    expect(await s.get(old.id)).toMatchObject({ frequency: 9, example: 'DeepSeek a publié R1.', history: old.history });
    expect(await env.redis.get(`${prefix}:glossary:layout`)).toBe('3');
    expect((await s.approvedTerms()).terms.map((t) => t.id)).toEqual(['t_gpu']);
  });
});
