/**
 * Issue 15 "Every GET /v1/providers makes live calls to the engines": the
 * web page asks for the provider list on every load, so each visitor cost a
 * health call to every configured engine. Here an engine that counts its
 * health calls (and answers them slowly, so requests overlap) sits behind
 * the real API: many concurrent and then sequential requests make one health
 * call per TTL, and the answer says when the engine was asked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckCache } from '../../providers/check-cache.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const KEY = 'check-cache-key-0123456789:fx';
// Long enough that 30 requests on a loaded two-core machine fit in it.
const TTL_MS = 5000;
const config = testConfig({});
let engine: Server;
let app: FastifyInstance;
let healthCalls = 0;

type Health = { ok: boolean; message: string; checkedAt?: string };

beforeAll(async () => {
  // A DeepL-shaped engine: languages at once, usage (its health check) after 200 ms.
  engine = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/v2/usage') {
      healthCalls++;
      setTimeout(() => res.end(JSON.stringify({ character_count: healthCalls, character_limit: 1000 })), 200);
    } else if (url.pathname === '/v2/languages') {
      res.end(JSON.stringify([{ language: 'FR' }, { language: 'EN-GB' }]));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => engine.listen(0, '127.0.0.1', r));
  const env = { ...process.env, DEEPL_AUTH_KEY: KEY, DEEPL_BASE_URL: `http://127.0.0.1:${(engine.address() as AddressInfo).port}`, LOCFLOW_PROVIDER_CHECK_TTL_MS: String(TTL_MS) };
  app = await buildServer({ config, logger: false, env, auth: parseTokens('') });
});

afterAll(async () => {
  await app?.close();
  await new Promise((r) => engine?.close(r));
  await cleanPrefix(config.prefix);
});

async function deeplHealth(): Promise<Health> {
  const r = await app.inject({ method: 'GET', url: '/v1/providers' });
  expect(r.statusCode, r.body).toBe(200);
  const deepl = (r.json() as { providers: { id: string; health?: Health }[] }).providers.find((p) => p.id === 'deepl');
  expect(deepl?.health, r.body).toBeDefined();
  return deepl!.health!;
}

describe('GET /v1/providers', () => {
  it('asks each engine once per TTL however many requests come, together or one after another', async () => {
    const before = healthCalls;
    const together = await Promise.all(Array.from({ length: 20 }, () => deeplHealth()));
    const after = [];
    for (let i = 0; i < 10; i++) after.push(await deeplHealth());
    expect(healthCalls - before).toBe(1);
    // Every answer is the one check, and says when it was made.
    const stamps = new Set([...together, ...after].map((h) => h.checkedAt));
    expect(stamps.size).toBe(1);
    const first = together[0]!;
    expect(first).toMatchObject({ ok: true, message: `${before + 1} of 1000 characters used this period` });
    expect(Date.now() - Date.parse(first.checkedAt!)).toBeLessThan(TTL_MS);

    // Past the TTL the engine is asked again, once, and the time moves.
    await new Promise((r) => setTimeout(r, TTL_MS + 100));
    const again = await Promise.all(Array.from({ length: 5 }, () => deeplHealth()));
    expect(healthCalls - before).toBe(2);
    expect(new Set(again.map((h) => h.checkedAt)).size).toBe(1);
    expect(Date.parse(again[0]!.checkedAt!)).toBeGreaterThan(Date.parse(first.checkedAt!));
  }, 30_000);
});

describe('CheckCache', () => {
  it('shares a check in flight, reuses it for the TTL, and forgets a thrown error', async () => {
    let clock = 1000;
    const cache = new CheckCache({ ttlMs: 100, now: () => clock });
    let runs = 0;
    let release!: () => void;
    const slow = () => {
      runs++;
      return new Promise<number>((r) => (release = () => r(runs)));
    };
    const a = cache.get('x', slow);
    const b = cache.get('x', slow);
    release();
    expect((await a).value).toBe(1);
    expect(await b).toEqual(await a);
    clock += 99;
    expect((await cache.get('x', slow)).value).toBe(1);
    clock += 1;
    const c = cache.get('x', slow);
    release();
    expect((await c).value).toBe(2);
    await expect(cache.get('y', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await cache.get('y', async () => 7)).value).toBe(7);
  });
});
