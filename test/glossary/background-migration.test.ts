/**
 * Issue 15 follow-up: a glossary written by an earlier layout was migrated
 * before `serve` answered anything (24 s for 40 000 terms, 67 s for 100 000).
 * Now the server answers at once and migrates in the background: `/healthz`
 * stays fast, glossary listings say 503 + Retry-After until the indexes are
 * complete, and then give the right results. One process migrates (a lock),
 * and a stopped migration resumes from its saved cursor.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glossaryKeys } from '../../glossary/keys.js';
import { migrateLayout } from '../../glossary/migrate.js';
import { createGlossaryStore } from '../../glossary/store.js';
import type { Term } from '../../pipeline/model.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, REDIS_URL, testConfig, waitFor } from '../queue/helpers.js';
import { writeLegacyGlossary } from './legacy-layout.js';

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefixes: string[] = [];

afterAll(async () => {
  for (const p of prefixes) await cleanPrefix(p);
  redis.disconnect();
});

/** Writes `n` terms the way layout 2 kept them (no sorted sets, frequency in its own hash): mostly suggestions, some approved, a few in Vietnamese. */
function legacyStore(prefix: string, n: number): Promise<Term[]> {
  return writeLegacyGlossary(redis, prefix, { n, word: 'Quorbel', reviewerApproves: true });
}

describe('serve on a glossary of 20 000 terms in an earlier layout', () => {
  const N = 20_000;
  const config = testConfig({});
  prefixes.push(config.prefix);
  let app: FastifyInstance;
  let base = '';
  let all: Term[] = [];
  let startMs = 0;

  beforeAll(async () => {
    all = await legacyStore(config.prefix, N);
    const t0 = performance.now();
    app = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    startMs = performance.now() - t0;
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('answers at once, keeps /healthz fast and says 503 + Retry-After for listings until the migration is done', async () => {
    // The start did not wait for the migration.
    expect(await redis.get(`${config.prefix}:glossary:layout`)).toBe('2');
    expect(startMs, `start took ${startMs.toFixed(0)} ms`).toBeLessThan(8000);
    const first = await fetch(`${base}/v1/glossary/terms?limit=1`);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('glossary-migrating');
    // The approved terms are there in every layout: the version answers meanwhile.
    expect((await fetch(`${base}/v1/glossary/version`)).status).toBe(200);

    const health: number[] = [];
    let listing = 503;
    let sawMigrating = 0;
    const until = Date.now() + 150_000;
    while (listing === 503 && Date.now() < until) {
      const t0 = performance.now();
      const h = await fetch(`${base}/healthz`);
      health.push(performance.now() - t0);
      expect(h.status).toBe(200);
      const r = await fetch(`${base}/v1/glossary/terms?limit=1`);
      listing = r.status;
      if (listing === 503) sawMigrating++;
      await r.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(listing).toBe(200);
    expect(sawMigrating).toBeGreaterThan(1);
    expect(Math.max(...health), `healthz latencies: ${health.map((m) => m.toFixed(0)).join(', ')}`).toBeLessThan(1000);
    expect(await redis.get(`${config.prefix}:glossary:layout`)).toBe('3');
  }, 180_000);

  it('lists the right terms afterwards', async () => {
    await waitFor(async () => ((await redis.get(`${config.prefix}:glossary:layout`)) === '3' ? true : undefined), 'the migration', 150_000, 200);
    const count = (f: (t: Term) => boolean) => all.filter(f).length;
    const cases: [string, number][] = [
      ['/v1/glossary/terms?limit=1', N],
      ['/v1/glossary/terms?limit=1&status=approved', count((t) => t.status === 'approved')],
      ['/v1/glossary/terms?limit=1&status=proposed&lang=vi', count((t) => t.status === 'proposed' && t.lang === 'vi')],
      ['/v1/glossary/suggestions?limit=1', count((t) => t.status === 'proposed')],
    ];
    for (const [path, total] of cases) {
      const r = await fetch(base + path);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { total: number }).total, path).toBe(total);
    }
    const newest = ((await (await fetch(`${base}/v1/glossary/terms?limit=1`)).json()) as { terms: Term[] }).terms[0]!;
    expect(newest.id).toBe(all[N - 1]!.id);
    const q = (await (await fetch(`${base}/v1/glossary/terms?q=quorbel%2019999&limit=5`)).json()) as { terms: Term[] };
    expect(q.terms.map((t) => t.id)).toEqual([all[19_999]!.id]);
  }, 180_000);
});

describe('the migration', () => {
  const N = 4000;

  it('resumes from its cursor after a stop, and only one of two processes does the work', async () => {
    const config = testConfig({});
    prefixes.push(config.prefix);
    const keys = glossaryKeys(config.prefix);
    await legacyStore(config.prefix, N);

    // A first run stopped after two chunks (as a server closing would).
    const stop = new AbortController();
    let chunks = 0;
    await expect(
      migrateLayout(redis, keys, {
        signal: stop.signal,
        onChunk: () => {
          if (++chunks === 2) stop.abort();
        },
      }),
    ).rejects.toThrow('stopped');
    expect(await redis.get(keys.migcursor)).toMatch(/^[1-9]\d*$/);
    expect(await redis.get(keys.layout)).toBe('2');
    // The lock was let go.
    expect(await redis.exists(keys.migrating)).toBe(0);

    // Two processes start together: one takes the lock and resumes, the other waits for it.
    const a = createGlossaryStore({ redis, prefix: config.prefix });
    const b = createGlossaryStore({ redis, prefix: config.prefix });
    const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
    expect([ra.ranHere, rb.ranHere].sort()).toEqual([false, true]);
    const walked = ra.walked + rb.walked;
    expect(walked).toBeGreaterThan(0);
    // Resumed, not started over.
    expect(walked).toBeLessThan(N);
    expect(await redis.get(keys.layout)).toBe('3');
    expect(await redis.exists(keys.migcursor)).toBe(0);
    expect(await b.isMigrated()).toBe(true);
    // Every term is indexed, including those of the stopped run's chunks.
    expect((await a.list({ limit: 1 })).total).toBe(N);
    expect((await a.list({ limit: 1, status: 'approved' })).total).toBe(N / 400);
  }, 60_000);
});
