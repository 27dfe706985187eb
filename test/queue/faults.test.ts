/**
 * Faults with real processes and a real Redis: a worker SIGKILLed mid-job, a
 * Redis (with AOF) restarted mid-run, and providers that fail the ways DeepL
 * documents (503, 456 quota, 403 auth).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import type { QueueConfig } from '../../workers/config.js';
import { startWorkers } from '../../workers/worker.js';
import { freePort, SAMPLE_FR } from '../helpers.js';
import { checkBundle, cleanPrefix, REDIS_URL, settledJob, startLocflow, testConfig, waitFor } from './helpers.js';
import { startRedisServer } from './redis-servers.js';
import { startSlowDeepl, type SlowDeepl } from './slow-deepl.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');
let fake: SlowDeepl;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  fake = await startSlowDeepl();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await fake?.close();
});

/** `locflow worker` as a real process against the slow fake; resolves once it says it is ready. */
async function spawnWorker(config: QueueConfig, extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const env = { ...fake.env, LOCFLOW_STALLED_INTERVAL_MS: '1000', LOCFLOW_RETRY_BASE_MS: '100', LOCFLOW_BATCH_SIZE: '2', ...extraEnv };
  const worker = await startLocflow(['worker', '--concurrency', '2'], config, env, /worker ready/);
  children.add(worker.child);
  return worker.child;
}

async function api(config: QueueConfig): Promise<FastifyInstance> {
  return buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, ...fake.env } });
}

const finished = settledJob;

async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

describe('a worker killed in the middle of a job', () => {
  const config = testConfig();
  afterAll(() => cleanPrefix(config.prefix));

  it('finishes on another worker with one bundle and no segment translated twice', async () => {
    fake.delayMs = 250;
    fake.delivered.clear();
    const app = await api(config);
    const redis = new Redis(REDIS_URL);
    try {
      const first = await spawnWorker(config);
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: sample, targets: ['en'], provider: 'deepl' } });
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      // Kill right after a batch was recorded, while the next one is in flight.
      const seen = await waitFor(
        async () => {
          const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
          const done = v.targets?.en?.done ?? 0;
          return done >= 6 && done < v.targets.en.total ? done : undefined;
        },
        'some progress',
        30_000,
        10,
      );
      first.kill('SIGKILL');
      const deliveredBeforeKill = fake.delivered.size;
      expect(deliveredBeforeKill).toBeGreaterThanOrEqual(seen);

      await spawnWorker(config);
      const v = await finished(app, id);
      expect(v.status).toBe('completed');
      expect(v.revision).toBe(1);

      // Exactly one bundle for the job, and it is complete.
      expect(await countKeys(redis, `${config.prefix}:bundle:*`)).toBe(1);
      expect(await countKeys(redis, `${config.prefix}:zip:*`)).toBe(1);
      const zip = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` });
      const { aligned } = checkBundle(zip.rawPayload, ['fr', 'en']);
      expect(aligned.segments.length).toBe(v.segments);

      // No translation the first worker had received was bought again by the second.
      const counts = [...fake.delivered.values()];
      expect(Math.max(...counts)).toBe(1);
      expect(fake.delivered.size).toBeGreaterThan(deliveredBeforeKill);
    } finally {
      fake.delayMs = 0;
      redis.disconnect();
      await app.close();
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    }
  }, 90_000);
});


describe('Redis restarted during a run', () => {
  let dir: string;
  let port: number;
  let redisProc: ChildProcess | undefined;

  async function startRedis(): Promise<void> {
    redisProc = await startRedisServer(port, ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
    children.add(redisProc);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lf-aof-'));
    port = await freePort();
    await startRedis();
  });
  afterAll(() => {
    redisProc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets workers reconnect and every job finish', async () => {
    const config = testConfig({ redisUrl: `redis://127.0.0.1:${port}` });
    fake.delayMs = 150;
    const app = await api(config);
    try {
      await spawnWorker(config);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nMise à jour ${i + 1}.`, targets: ['en', 'es'], provider: 'deepl' } });
        expect(res.statusCode).toBe(202);
        ids.push(res.json().id);
      }
      await waitFor(async () => {
        const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${ids[0]}` })).json();
        return (v.targets?.en?.done ?? 0) >= 2 ? true : undefined;
      }, 'progress before the restart');
      // SIGTERM is Redis's clean shutdown (AOF flushed); then the same data directory again.
      const exited = new Promise((r) => redisProc!.once('exit', r));
      redisProc!.kill('SIGTERM');
      await exited;
      const during = await app.inject({ method: 'GET', url: `/v1/jobs/${ids[0]}` });
      expect(during.statusCode).toBe(503);
      expect(during.json().error.code).toBe('unavailable');
      await new Promise((r) => setTimeout(r, 1000));
      await startRedis();
      for (const id of ids) {
        const v = await finished(app, id, 90_000);
        expect(v.status).toBe('completed');
        const zip = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` });
        checkBundle(zip.rawPayload, ['fr', 'en', 'es']);
      }
    } finally {
      fake.delayMs = 0;
      await app.close();
      for (const c of children) if (c.exitCode === null && c !== redisProc) c.kill('SIGTERM');
    }
  }, 150_000);
});

describe('provider failures and cancellation', () => {
  const config = testConfig({ batchSize: 2 });
  let app: FastifyInstance;
  let workers: Awaited<ReturnType<typeof startWorkers>>;
  beforeAll(async () => {
    app = await api(config);
    workers = await startWorkers({ config, concurrency: 2, env: { ...process.env, ...fake.env } });
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await cleanPrefix(config.prefix);
  });

  it('completes after three 503 answers', async () => {
    fake.failures = [503, 503, 503];
    const before = fake.translateCalls;
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nService 503.`, targets: ['en'], provider: 'deepl' } });
    const v = await finished(app, res.json().id);
    expect(v.status).toBe('completed');
    expect(fake.failures).toHaveLength(0);
    expect(fake.translateCalls - before).toBeGreaterThanOrEqual(4);
  });

  it.each([
    [456, 'provider-quota', /quota/i],
    [403, 'provider-auth', /auth/i],
  ])('fails at once with a clear reason on %i', async (status, code, reason) => {
    fake.failures = Array(50).fill(status);
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nStatut ${status}.`, targets: ['vi'], provider: 'deepl' } });
      const before = fake.translateCalls;
      const v = await finished(app, res.json().id);
      expect(v.status).toBe('failed');
      expect(v.error.code).toBe(code);
      expect(v.error.message).toMatch(reason);
      expect(v.targets.vi.status).toBe('failed');
      // Not retried: one call, not the attempts budget.
      expect(fake.translateCalls - before).toBe(1);
    } finally {
      fake.failures = [];
    }
  });

  it('stops the other targets once one target has failed the job, and settles their state', async () => {
    fake.delayMs = 150;
    // One refusal: whichever target calls first fails the job for good (auth is not retried).
    fake.failures = [403];
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nUne cible échoue.`, targets: ['en', 'es'], provider: 'deepl' } });
      const id = res.json().id as string;
      const settled = await waitFor(async () => {
        const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
        const states = Object.values(v.targets as Record<string, { status: string }>).map((t) => t.status);
        return v.status === 'failed' && states.every((s) => s !== 'queued' && s !== 'active') ? v : undefined;
      }, 'every target to settle', 30_000);
      expect(Object.values(settled.targets as Record<string, { status: string }>).map((t) => t.status).sort()).toEqual(['cancelled', 'failed']);
      // The sibling stopped calling the engine for a job that can no longer produce a bundle.
      const calls = fake.translateCalls;
      await new Promise((r) => setTimeout(r, 800));
      expect(fake.translateCalls).toBe(calls);
    } finally {
      fake.delayMs = 0;
      fake.failures = [];
    }
  });

  it('stops a running job when it is cancelled', async () => {
    fake.delayMs = 200;
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nAnnulé.`, targets: ['es'], provider: 'deepl' } });
      const id = res.json().id as string;
      await waitFor(async () => {
        const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
        return (v.targets?.es?.done ?? 0) >= 2 ? true : undefined;
      }, 'progress', 30_000, 20);
      const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
      expect(del.statusCode).toBe(200);
      const target = await waitFor(async () => {
        const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
        return v.targets.es.status === 'cancelled' ? v : undefined;
      }, 'the worker to stop', 30_000);
      expect(target.status).toBe('cancelled');
      const calls = fake.translateCalls;
      await new Promise((r) => setTimeout(r, 800));
      expect(fake.translateCalls).toBe(calls);
      expect((await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` })).statusCode).toBe(409);
    } finally {
      fake.delayMs = 0;
    }
  });
});
