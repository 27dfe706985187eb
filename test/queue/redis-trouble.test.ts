/**
 * Redis trouble on a private redis-server the test starts (never the shared
 * one): writes refused at maxmemory answer 503 + Retry-After, /healthz says
 * so (details for admins only), and a Redis killed between a job's record
 * and its flow leaves a record the reconciler requeues (or fails with a
 * reason when its article is gone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { Queues } from '../../workers/queues.js';
import { reconcileOnce } from '../../workers/reconciler.js';
import { startWorkers } from '../../workers/worker.js';
import { freePort, ROOT } from '../helpers.js';
import { testConfig, waitFor } from './helpers.js';
import { startRedisServer } from './redis-servers.js';

let dir: string;
let port: number;
let server: ChildProcess | undefined;

async function startRedis(): Promise<void> {
  server = await startRedisServer(port, ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lf-trouble-'));
  port = await freePort();
  await startRedis();
});
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const text = 'La dépêche rapporte que le marché a progressé ce matin. Les analystes restent prudents.';

describe('Redis at maxmemory', () => {
  let app: FastifyInstance;
  let admin: Redis;
  beforeAll(async () => {
    const config = testConfig({ redisUrl: `redis://127.0.0.1:${port}` });
    app = await buildServer({ config, logger: false, glossaryStore: false, auth: parseTokens('adm-token:admin,sub-token:submitter') });
    admin = new Redis(port, '127.0.0.1');
  });
  afterAll(async () => {
    await admin.config('SET', 'maxmemory', '0');
    admin.disconnect();
    await app?.close();
  });

  it('answers 503 unavailable with Retry-After, not 500, and /healthz is not ok', async () => {
    const sub = { authorization: 'Bearer sub-token' };
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // A private server: lowering its limit below what it already holds refuses every write with OOM.
    await admin.config('SET', 'maxmemory', '1');
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', headers: sub, payload: { text, targets: ['en'], sourceLang: 'fr', provider: 'pseudo' } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('unavailable');
    expect(res.headers['retry-after']).toBe('2');

    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'unavailable', redis: 'unavailable' });
    expect(health.json().detail).toBeUndefined();
    const asAdmin = await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer adm-token' } });
    expect(asAdmin.json().detail).toMatch(/^OOM/);

    await admin.config('SET', 'maxmemory', '0');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('the reconciler', () => {
  it('requeues a job whose Redis died between the record and the flow, and the job completes', async () => {
    const config = testConfig({ redisUrl: `redis://127.0.0.1:${port}` }, { LOCFLOW_RECONCILE_INTERVAL_MS: '500' });
    const queues = new Queues(config);
    const app = await buildServer({ config, queues, logger: false, glossaryStore: false, auth: parseTokens('') });
    const addFlow = queues.addFlow.bind(queues);
    // Exactly the crash window: the record is written (AOF, fsync always), then Redis dies before the flow.
    queues.addFlow = async (...args) => {
      const exited = new Promise((r) => server!.once('exit', r));
      server!.kill('SIGKILL');
      await exited;
      return addFlow(...args);
    };
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, targets: ['en'], sourceLang: 'fr', provider: 'pseudo' } });
      expect(res.statusCode).toBe(503);
      queues.addFlow = addFlow;
      await startRedis();

      const direct = new Redis(port, '127.0.0.1');
      const [id] = await direct.zrange(`${config.prefix}:jobs`, '0', '-1');
      direct.disconnect();
      expect(id).toBeTruthy();
      expect(await queues.store.status(id!)).toBe('queued');
      expect(await queues.assemble.getJob(id!)).toBeUndefined();

      const report = await reconcileOnce(queues, { minAgeMs: 0 });
      expect(report.requeued).toEqual([id]);
      // A second pass finds the flow and leaves it alone.
      expect((await reconcileOnce(queues, { minAgeMs: 0 })).requeued).toEqual([]);

      const workers = await startWorkers({ config, concurrency: 1 });
      try {
        const v = await waitFor(async () => {
          const s = await queues.store.status(id!);
          return s === 'completed' || s === 'failed' ? s : undefined;
        }, 'the requeued job', 30_000);
        expect(v).toBe('completed');
      } finally {
        await workers.close();
      }
    } finally {
      queues.addFlow = addFlow;
      await app.close();
      await queues.close();
    }
  }, 60_000);

  it('fails a stranded job whose article has expired, with the code stranded', async () => {
    const config = testConfig({ redisUrl: `redis://127.0.0.1:${port}` });
    const queues = new Queues(config);
    const app = await buildServer({ config, queues, logger: false, glossaryStore: false, auth: parseTokens('') });
    const addFlow = queues.addFlow.bind(queues);
    queues.addFlow = async () => {};
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${text} Deuxième.`, targets: ['en'], sourceLang: 'fr', provider: 'pseudo' } });
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      await queues.redis.del(queues.store.key('analysis', id));
      const report = await reconcileOnce(queues, { minAgeMs: 0 });
      expect(report.failed).toEqual([id]);
      const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
      expect(v.status).toBe('failed');
      expect(v.error.code).toBe('stranded');
    } finally {
      queues.addFlow = addFlow;
      await app.close();
      await queues.close();
    }
  });
});

describe('SIGTERM while Redis is unreachable', () => {
  it('stops a worker within its grace period', async () => {
    const config = testConfig({ redisUrl: `redis://127.0.0.1:${port}` });
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), 'worker'], {
      cwd: ROOT,
      env: { ...process.env, LOCFLOW_LANG: 'en', REDIS_URL: config.redisUrl, LOCFLOW_PREFIX: config.prefix, LOCFLOW_SHUTDOWN_GRACE_MS: '2000', LOCFLOW_WEBHOOK_SECRET: 's' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let err = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (err.includes('worker ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
      });
      const redisGone = new Promise((r) => server!.once('exit', r));
      server!.kill('SIGKILL');
      await redisGone;
      await new Promise((r) => setTimeout(r, 1000));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const t0 = Date.now();
      child.kill('SIGTERM');
      await exited;
      expect(Date.now() - t0).toBeLessThan(2000 + 3000);
      // Connection errors while Redis was away: a few rate-limited lines, not thousands.
      expect(err.split('Redis connection error').length - 1).toBeLessThanOrEqual(3);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await startRedis();
    }
  }, 60_000);
});
