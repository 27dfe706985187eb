import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TmEntry, TmKey, TranslationMemory } from '../../pipeline/model.js';
import { createMemoryTm, createRedisTm } from '../../providers/index.js';

const key = (over: Partial<TmKey> = {}): TmKey => ({
  source: 'Le modèle <x id="t1"/> est  gratuit.',
  from: 'fr',
  to: 'en',
  glossaryVersion: 'g1',
  routeId: 'apertium:fr>es>en',
  ...over,
});
const machine = (text: string, provider = 'apertium'): TmEntry => ({ text, provider, human: false, at: '2026-01-01T00:00:00Z' });
const human = (text: string): TmEntry => ({ text, provider: 'human', human: true, at: '2026-01-02T00:00:00Z' });

function contract(name: string, make: () => TranslationMemory) {
  describe(`${name} translation memory`, () => {
    it('returns undefined for unknown keys and the stored entry for known ones', async () => {
      const tm = make();
      await tm.store([{ key: key(), entry: machine('The model is free.') }]);
      const [hit, miss] = await tm.lookup([key(), key({ source: 'Autre phrase.' })]);
      expect(hit).toEqual(machine('The model is free.'));
      expect(miss).toBeUndefined();
    });

    it('matches the same sentence with other whitespace or Unicode composition', async () => {
      const tm = make();
      await tm.store([{ key: key(), entry: machine('The model is free.') }]);
      const decomposed = key({ source: ' Le mode\u0300le <x id="t1"/> est gratuit.\n' });
      expect((await tm.lookup([decomposed]))[0]?.text).toBe('The model is free.');
    });

    it('isolates entries by glossary version, route and language pair', async () => {
      const tm = make();
      await tm.store([{ key: key(), entry: machine('The model is free.') }]);
      const found = await tm.lookup([key({ glossaryVersion: 'g2' }), key({ routeId: 'deepl:fr>en' }), key({ to: 'es' }), key({ from: 'es' })]);
      expect(found).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('lets a human entry outrank machine entries of every route', async () => {
      const tm = make();
      await tm.store([
        { key: key(), entry: machine('The model is free.') },
        { key: key({ routeId: 'deepl:fr>en' }), entry: machine('The model is free of charge.', 'deepl') },
      ]);
      await tm.store([{ key: key({ routeId: 'whatever' }), entry: human('The model costs nothing.') }]);
      const [a, b] = await tm.lookup([key(), key({ routeId: 'deepl:fr>en' })]);
      expect(a).toEqual(human('The model costs nothing.'));
      expect(b).toEqual(human('The model costs nothing.'));
      // A later machine store does not push the human entry out.
      await tm.store([{ key: key(), entry: machine('Again machine.') }]);
      expect((await tm.lookup([key()]))[0]?.human).toBe(true);
      // But the human entry is still bound to the glossary version.
      expect((await tm.lookup([key({ glossaryVersion: 'g2' })]))[0]).toBeUndefined();
    });

    it('handles empty requests', async () => {
      const tm = make();
      await tm.store([]);
      expect(await tm.lookup([])).toEqual([]);
    });
  });
}

contract('in-memory', () => createMemoryTm());

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis | undefined;
let available = false;
const prefix = `{locflow-test-tm-${randomUUID().slice(0, 8)}}:`;

beforeAll(async () => {
  redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  try {
    await redis.connect();
    available = (await redis.ping()) === 'PONG';
  } catch (err) {
    console.warn(`skipping Redis TM tests: cannot reach ${redisUrl} (${(err as Error).message})`);
  }
});

afterAll(async () => {
  if (available && redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  redis?.disconnect();
});

describe('Redis translation memory', () => {
  it('stores under the given prefix and reads back across instances', async (ctx) => {
    if (!available) ctx.skip();
    const p = `${prefix}shared:`;
    await createRedisTm(redis!, p).store([{ key: key(), entry: machine('The model is free.') }]);
    expect((await createRedisTm(redis!, p).lookup([key()]))[0]?.text).toBe('The model is free.');
    const keys = await redis!.keys(`${p}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^\{locflow-test-tm-[0-9a-f]{8}\}:shared:tm:m:[0-9a-f]{40}$/);
  });

  it('expires machine entries when asked, never human ones', async (ctx) => {
    if (!available) ctx.skip();
    const p = `${prefix}ttl:`;
    const tm = createRedisTm(redis!, p, { machineTtlSeconds: 60 });
    await tm.store([{ key: key(), entry: machine('m') }, { key: key({ source: 'x' }), entry: human('h') }]);
    const ttls = await Promise.all((await redis!.keys(`${p}*`)).map(async (k) => [k.includes(':tm:h:') ? 'h' : 'm', await redis!.ttl(k)] as const));
    expect(Object.fromEntries(ttls).h).toBe(-1);
    expect(Object.fromEntries(ttls).m).toBeGreaterThan(0);
  });

  it('keeps at most maxEntries machine entries, evicting the least recently used; a hit counts as a use', async (ctx) => {
    if (!available) ctx.skip();
    const p = `${prefix}lru:`;
    const tm = createRedisTm(redis!, p, { maxEntries: 3 });
    const at = (n: number) => key({ source: `Phrase ${n}.` });
    for (const n of [1, 2, 3]) {
      await tm.store([{ key: at(n), entry: machine(`m${n}`) }]);
      await new Promise((r) => setTimeout(r, 3));
    }
    // 1 is the oldest write, but a hit makes it the most recently used: 2 goes first.
    expect((await tm.lookup([at(1)]))[0]?.text).toBe('m1');
    await new Promise((r) => setTimeout(r, 3));
    await tm.store([{ key: at(4), entry: machine('m4') }]);
    expect((await tm.lookup([at(1), at(2), at(3), at(4)])).map((e) => e?.text)).toEqual(['m1', undefined, 'm3', 'm4']);
    // A person's entries are neither counted nor evicted.
    await tm.store([{ key: at(5), entry: human('h5') }, { key: at(6), entry: machine('m6') }, { key: at(7), entry: machine('m7') }]);
    expect((await tm.lookup([at(5)]))[0]?.text).toBe('h5');
    expect(await redis!.zcard(`${p}tm:lru`)).toBe(3);
    expect((await redis!.keys(`${p}tm:m:*`)).length).toBe(3);
  });

  it('ignores a corrupt entry instead of failing the job', async (ctx) => {
    if (!available) ctx.skip();
    const p = `${prefix}corrupt:`;
    const tm = createRedisTm(redis!, p);
    await tm.store([{ key: key(), entry: machine('m') }]);
    const [k] = await redis!.keys(`${p}*`);
    await redis!.set(k!, '{not json');
    expect((await tm.lookup([key()]))[0]).toBeUndefined();
  });
});

describe('Redis translation memory contract', () => {
  it('behaves like the in-memory one: isolation, normalisation, human entries first', async (ctx) => {
    if (!available) ctx.skip();
    const tm = createRedisTm(redis!, `${prefix}contract:`);
    await tm.store([
      { key: key(), entry: machine('The model is free.') },
      { key: key({ routeId: 'deepl:fr>en' }), entry: machine('Free model.', 'deepl') },
    ]);
    expect(await tm.lookup([key(), key({ glossaryVersion: 'g2' }), key({ routeId: 'other' })])).toEqual([machine('The model is free.'), undefined, undefined]);
    expect((await tm.lookup([key({ source: ' Le mode\u0300le <x id="t1"/> est gratuit.' })]))[0]?.text).toBe('The model is free.');
    await tm.store([{ key: key({ routeId: 'x' }), entry: human('Human.') }]);
    expect(await tm.lookup([key(), key({ routeId: 'deepl:fr>en' })])).toEqual([human('Human.'), human('Human.')]);
    await tm.store([{ key: key(), entry: machine('Later machine.') }]);
    expect((await tm.lookup([key()]))[0]).toEqual(human('Human.'));
    expect(await tm.lookup([])).toEqual([]);
  });
});
