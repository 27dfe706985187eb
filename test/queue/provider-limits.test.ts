/**
 * The deployment-wide provider limits against the real Redis: several
 * limiters, each with its own connections as a separate process would have,
 * share one semaphore, one token bucket and one 429 pause.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../pipeline/errors.js';
import type { TranslateRequest, TranslationProvider } from '../../providers/contract.js';
import { createSharedLimits, inFlight, limitKeys, type SharedLimits } from '../../workers/provider-limits.js';
import { cleanPrefix, REDIS_URL, testConfig, waitFor } from './helpers.js';

const { prefix } = testConfig();
const opened: { redis: Redis; limits: SharedLimits }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.limits.close();
    o.redis.disconnect();
  }
  await cleanPrefix(prefix);
});

/** A limiter as one process would build it: its own connection. */
function processLimits(settings: Parameters<typeof createSharedLimits>[0]['settings'], extra: { leaseMs?: number; prefix?: string } = {}): SharedLimits {
  const redis = new Redis(REDIS_URL);
  const limits = createSharedLimits({ redis, prefix: extra.prefix ?? prefix, settings, ...(extra.leaseMs ? { leaseMs: extra.leaseMs } : {}) });
  opened.push({ redis, limits });
  return limits;
}

/** An engine that takes `ms` per call and records how many calls it had at once. */
function engine(id: string, ms: number) {
  const state = { now: 0, max: 0, calls: 0, starts: [] as number[] };
  const provider: TranslationProvider = {
    id,
    contractVersion: 3,
    configured: true,
    glossary: 'mask',
    limits: { maxTexts: 50, maxChars: 10_000, concurrency: 8 },
    pairs: async () => [{ from: 'fr', to: 'en' }],
    health: async () => ({ ok: true, message: 'ok' }),
    async translate(req: TranslateRequest) {
      state.calls++;
      state.starts.push(Date.now());
      state.max = Math.max(state.max, ++state.now);
      try {
        await new Promise((r) => setTimeout(r, ms));
        return { texts: req.segments.map((s) => s.text.toUpperCase()), billedChars: 0, warnings: [] };
      } finally {
        state.now--;
      }
    },
  };
  return { provider, state };
}

const req = (text = 'bonjour'): TranslateRequest => ({ segments: [{ id: 's1', text }], from: 'fr', to: 'en' });

describe('shared provider limits', () => {
  it('keeps the calls of several processes within maxInFlight, and every call is served', async () => {
    const { provider, state } = engine('eng-a', 40);
    const wrapped = [processLimits({ 'eng-a': { maxInFlight: 3 } }), processLimits({ 'eng-a': { maxInFlight: 3 } })].map((l) => l.wrap(provider));
    // 2 processes × 12 calls at once: without the shared semaphore the engine would see 24 together.
    const results = await Promise.all(wrapped.flatMap((p) => Array.from({ length: 12 }, (_, i) => p.translate(req(`t${i}`)))));
    expect(results).toHaveLength(24);
    expect(state.calls).toBe(24);
    expect(state.max).toBe(3);
    // Every lease was given back (releases are sent without waiting for Redis's answer).
    await waitFor(async () => ((await inFlight(opened[0]!.redis, prefix, 'eng-a')) === 0 ? true : undefined), 'every lease released', 2000, 10);
  });

  it('leaves providers without settings untouched', () => {
    const { provider } = engine('eng-free', 1);
    expect(processLimits({ other: { maxInFlight: 1 } }).wrap(provider)).toBe(provider);
  });

  it('gets back the slot of a process that died holding it, once its lease expires', async () => {
    const redis = opened[0]!.redis;
    const dead = Date.now();
    // A lease left by a process that is gone: nobody will release or renew it.
    const t = await redis.time();
    await redis.zadd(limitKeys(prefix, 'eng-b').leases, Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000) + 400, 'dead:1');
    const { provider, state } = engine('eng-b', 5);
    await processLimits({ 'eng-b': { maxInFlight: 1 } }).wrap(provider).translate(req());
    expect(state.starts[0]! - dead).toBeGreaterThanOrEqual(350);
  });

  it('renews the lease of a call that outlasts it, so nobody else takes its slot', async () => {
    const { provider, state } = engine('eng-c', 700);
    const a = processLimits({ 'eng-c': { maxInFlight: 1 } }, { leaseMs: 300 }).wrap(provider);
    const b = processLimits({ 'eng-c': { maxInFlight: 1 } }, { leaseMs: 300 }).wrap(provider);
    await Promise.all([a.translate(req()), new Promise((r) => setTimeout(r, 50)).then(() => b.translate(req()))]);
    expect(state.max).toBe(1);
  });

  it('spaces calls by requestsPerMinute across processes', async () => {
    const { provider, state } = engine('eng-d', 1);
    // 600/min = 10/s, at most one second's worth (10) at once: 14 calls need about 0.4 s after the burst.
    const wrapped = [processLimits({ 'eng-d': { requestsPerMinute: 600 } }), processLimits({ 'eng-d': { requestsPerMinute: 600 } })].map((l) => l.wrap(provider));
    const t0 = Date.now();
    await Promise.all(wrapped.flatMap((p) => Array.from({ length: 7 }, () => p.translate(req()))));
    const span = Date.now() - t0;
    expect(state.calls).toBe(14);
    expect(span).toBeGreaterThanOrEqual(350);
    // No window of one second saw more than the bucket allows (10 banked + 10 refilled).
    for (const s of state.starts) expect(state.starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(20);
  });

  it('counts characters against charsPerMinute', async () => {
    const { provider, state } = engine('eng-e', 1);
    // 6 000 chars/min = 100/s: the bucket holds 100; each call sends 60.
    const p = processLimits({ 'eng-e': { charsPerMinute: 6000 } }).wrap(provider);
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await p.translate(req('x'.repeat(60)));
    // 240 chars: 100 banked (one call, then debt), the rest at 100/s ≈ 1.4 s.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1100);
    expect(state.calls).toBe(4);
  });

  it('pauses the provider for every process when one gets a 429 with Retry-After', async () => {
    let refused = false;
    const { provider, state } = engine('eng-f', 1);
    const refusing: TranslationProvider = {
      ...provider,
      async translate(r) {
        if (!refused) {
          refused = true;
          throw new ProviderError('eng-f', 'rate-limit', 'Too many requests', { status: 429, retryAfterMs: 600 });
        }
        return provider.translate(r);
      },
    };
    const a = processLimits({ 'eng-f': { maxInFlight: 4 } }).wrap(refusing);
    const b = processLimits({ 'eng-f': { maxInFlight: 4 } }).wrap(provider);
    await expect(a.translate(req())).rejects.toThrow(/Too many requests/);
    const t0 = Date.now();
    await b.translate(req());
    // The other process waited out the pause it was never told about directly.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(state.calls).toBe(1);
  });

  it('reports waiting time per provider', async () => {
    const { provider } = engine('eng-g', 50);
    const limits = processLimits({ 'eng-g': { maxInFlight: 1 } });
    const p = limits.wrap(provider);
    await Promise.all([p.translate(req()), p.translate(req()), p.translate(req())]);
    const stats = limits.takeStats()['eng-g']!;
    expect(stats.calls).toBe(3);
    // The second waited ~50 ms, the third ~100 ms.
    expect(stats.waitMs).toBeGreaterThanOrEqual(120);
    expect(limits.takeStats()['eng-g']).toBeUndefined();
  });

  it('stops waiting when the call is aborted', async () => {
    const { provider } = engine('eng-h', 300);
    const p = processLimits({ 'eng-h': { maxInFlight: 1 } }).wrap(provider);
    const first = p.translate(req());
    const abort = new AbortController();
    const second = p.translate({ ...req(), signal: abort.signal });
    setTimeout(() => abort.abort(new Error('cancelled by test')), 50);
    await expect(second).rejects.toThrow(/cancelled by test/);
    await first;
  });
});
