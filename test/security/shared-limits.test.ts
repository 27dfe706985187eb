/**
 * Issue 15 follow-up: the failed-authentication bucket and the event-stream
 * cap were counted per API process, so two processes behind a balancer gave
 * a guesser two buckets and a token twice the streams. Two real API servers
 * on one deployment prefix now enforce one limit. When Redis stops answering
 * (a private redis-server the test kills) each process falls back to its own
 * limits: 401/429 as before, never a 500.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { serverLimits } from '../../server/limits.js';
import { sharedFailureLimiter, sharedStreamSlots } from '../../server/shared-limits.js';
import { freePort } from '../helpers.js';
import { cleanPrefix, testConfig, waitFor } from '../queue/helpers.js';
import { startRedisServer } from '../queue/redis-servers.js';

const TOKENS = 'tok-a:submitter,tok-b:admin';
const config = testConfig({});
const apps: FastifyInstance[] = [];
const bases: string[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  const limits = { ...serverLimits({}), ssePerToken: 2 };
  for (let i = 0; i < 2; i++) {
    // Each server has its own connection, as two processes would; the bucket refills slowly so that timing on a loaded machine cannot hide a second bucket.
    const own = new Redis(config.redisUrl);
    clients.push(own);
    const failures = sharedFailureLimiter(own, config.prefix, { perSecond: 0.05 });
    const app = await buildServer({ config, logger: false, auth: { ...parseTokens(TOKENS), failures }, limits, glossaryStore: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
    bases.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  }
});

afterAll(async () => {
  for (const app of apps) await app.close();
  for (const c of clients) c.disconnect();
  await cleanPrefix(config.prefix);
});

describe('two API processes on one deployment', () => {
  it('share one failed-authentication bucket per address (10 in a burst across both)', async () => {
    const statuses: number[] = [];
    // Alternate between the servers, as a balancer would: 6 guesses each.
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${bases[i % 2]}/v1/jobs`, { headers: { authorization: `Bearer guess-${i}` } });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // While the address's bucket is empty even the right token waits, on either server.
    const right = await fetch(`${bases[1]}/v1/jobs`, { headers: { authorization: 'Bearer tok-b' } });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The bucket is one key under the deployment prefix (its hash tag keeps it in the deployment's slot).
    const redis = new Redis(config.redisUrl);
    try {
      const keys = await redis.keys(`${config.prefix}:auth-fail:*`);
      expect(keys).toHaveLength(1);
      // The next test signs in from this address too.
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('the server counts failed authentications in Redis unless told otherwise', async () => {
    const other = testConfig({});
    const app = await buildServer({ config: other, logger: false, auth: parseTokens(TOKENS), glossaryStore: false });
    const redis = new Redis(other.redisUrl);
    try {
      expect((await app.inject({ method: 'GET', url: '/v1/jobs', remoteAddress: '10.2.3.4', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      expect(Number(await redis.hget(`${other.prefix}:auth-fail:10.2.3.4`, 'tokens'))).toBeCloseTo(9, 0);
    } finally {
      redis.disconnect();
      await app.close();
      await cleanPrefix(other.prefix);
    }
  });

  it('share one cap on event streams per token', async () => {
    const submitted = await fetch(`${bases[0]}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-a', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Le modèle est ouvert à tous.', sourceLang: 'fr', targets: ['en'], provider: 'pseudo' }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const open = (i: number, signal?: AbortSignal) => fetch(`${bases[i]}/v1/jobs/${id}/events`, { headers: { authorization: 'Bearer tok-a' }, ...(signal ? { signal } : {}) });
    const a = new AbortController();
    const b = new AbortController();
    expect((await open(0, a.signal)).status).toBe(200);
    expect((await open(1, b.signal)).status).toBe(200);
    // The token's third stream is refused on either server.
    for (const i of [0, 1]) {
      const third = await open(i);
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('too-many-streams');
    }
    // Closing one on server A frees a slot that server B can give.
    a.abort();
    const c = new AbortController();
    const again = await waitFor(async () => {
      const r = await open(1, c.signal);
      if (r.status === 200) return r;
      await r.body?.cancel();
      return undefined;
    }, 'a freed slot', 5000, 100);
    expect(again.status).toBe(200);
    b.abort();
    c.abort();
  });
});

describe('when Redis stops answering', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let port: number;
  let redis: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lf-limits-'));
    port = await freePort();
    server = await startRedisServer(port, ['--dir', dir, '--appendonly', 'no']);
    redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    redis.on('error', () => {});
  });

  afterAll(() => {
    redis?.disconnect();
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('each process goes on limiting by itself: 401 then 429, never 500', async () => {
    const fallbacks: string[] = [];
    const failures = sharedFailureLimiter(redis, config.prefix, { perSecond: 0.05, onFallback: (err) => fallbacks.push(err.message) });
    const app = await buildServer({ config, logger: false, auth: { ...parseTokens(TOKENS), failures }, glossaryStore: false });
    try {
      const guess = async (i: number) => (await app.inject({ method: 'GET', url: '/v1/jobs', remoteAddress: '10.9.8.7', headers: { authorization: `Bearer nope-${i}` } })).statusCode;
      // Three failures counted in Redis, then Redis dies.
      for (let i = 0; i < 3; i++) expect(await guess(i)).toBe(401);
      expect(Number(await redis.hget(`${config.prefix}:auth-fail:10.9.8.7`, 'tokens'))).toBeCloseTo(7, 0);
      server!.kill('SIGKILL');
      await new Promise((r) => server!.once('exit', r));
      const t0 = Date.now();
      const after: number[] = [];
      for (let i = 3; i < 14; i++) after.push(await guess(i));
      expect(after).not.toContain(500);
      // The process kept its own count of the three: 7 more 401s, then 429.
      expect(after.slice(0, 7)).toEqual(Array(7).fill(401));
      expect(after.slice(7)).toEqual([429, 429, 429, 429]);
      expect(fallbacks.length).toBeGreaterThan(0);
      // One Redis deadline, not one per request.
      expect(Date.now() - t0).toBeLessThan(4000);
      // A real token from another address still works.
      expect((await app.inject({ method: 'GET', url: '/v1/jobs', remoteAddress: '10.1.1.1', headers: { authorization: 'Bearer tok-b' } })).statusCode).toBe(200);

      // Stream slots fall back to this process's own count too.
      const slots = sharedStreamSlots(redis, config.prefix, 2);
      const one = await slots.take('owner-x');
      const two = await slots.take('owner-x');
      expect(one && two).toBeTruthy();
      expect(await slots.take('owner-x')).toBeUndefined();
      one!.release();
      expect(await slots.take('owner-x')).toBeDefined();
    } finally {
      await app.close();
    }
  }, 30_000);
});
