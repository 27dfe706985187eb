/**
 * Redis memory stays bounded: after many small jobs, every per-job key
 * expires with the retention, BullMQ keeps no more finished jobs than
 * configured, the event streams are capped, the janitor trims finished jobs
 * by age even when no other job completes, and `GET /v1/admin/usage` (the
 * figures of `locflow doctor`) accounts for it all. `MEMORY_JOBS=2000` runs
 * the issue's measurement; CI runs a few dozen jobs.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startJanitor } from '../../workers/janitor.js';
import type { Usage } from '../../workers/usage.js';
import { startWorkers } from '../../workers/worker.js';
import { cleanPrefix, REDIS_URL, testConfig, waitFor } from './helpers.js';

const JOBS = Number(process.env.MEMORY_JOBS ?? 40);
// MEMORY_DEFAULTS=1 keeps the shipped settings (1 000 finished BullMQ jobs, streams of 10 000), as an operator would run it.
const config = process.env.MEMORY_DEFAULTS === '1' ? testConfig() : testConfig({ keepCompleted: 5, keepFailed: 5, eventsMaxLen: 100 });
const KEEP = config.keepCompleted;
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  redis.disconnect();
  await cleanPrefix(config.prefix);
});

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
}

/** Kinds of key bounded otherwise than by expiry: caps (TM, kept BullMQ jobs, streams, the jobs index), glossary size, queue structures. */
const LONG_LIVED = /^(tm:|glossary|metrics|limits|janitor|jobs$|bullmq:[a-z]+:(job|meta|id|events|stalled-check|marker|completed|failed|wait|paused|active|delayed|prioritized|pc|de|limiter|stalled)$)/;

describe('bounded Redis memory', () => {
  it(`keeps ${JOBS} small jobs within the documented bounds`, async () => {
    const app = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, LOCFLOW_TOKENS: '' } });
    const workers = await startWorkers({ config, concurrency: 8 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `Le modèle numéro ${i} est publié aujourd'hui à Paris.`, sourceLang: 'fr', targets: ['en'], provider: 'pseudo' } });
        expect(res.statusCode).toBe(202);
        ids.push(res.json().id as string);
      }
      for (const id of ids) {
        await waitFor(async () => ((await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status === 'completed' ? true : undefined), `job ${id}`, Math.max(120_000, JOBS * 300), 50);
      }
      const usage = (await app.inject({ method: 'GET', url: '/v1/admin/usage' })).json() as Usage;
      const kind = (name: string) => usage.kinds.find((k) => k.kind === name);

      // Every key a job leaves behind expires with the retention.
      for (const k of usage.kinds) if (!LONG_LIVED.test(k.kind)) expect(k.persistent, `${k.kind} keys without expiry`).toBe(0);
      for (const name of ['job', 'analysis', 'bundle', 'zip']) expect(kind(name)?.keys).toBe(JOBS);
      // The newest job's: a long run (MEMORY_JOBS=2000) takes minutes, and the first job's TTL has been running down since.
      const ttl = await redis.ttl(`${config.prefix}:zip:${ids[ids.length - 1]}`);
      expect(ttl).toBeGreaterThan(config.retentionSeconds - 120);
      expect(ttl).toBeLessThanOrEqual(config.retentionSeconds);

      // BullMQ keeps the last KEEP finished jobs of each queue, not all of them.
      for (const queue of ['translate', 'assemble']) {
        expect(await redis.zcard(`${config.prefix}:${queue}:completed`)).toBeLessThanOrEqual(KEEP);
        // A kept parent (assemble) has its hash and the sidecar listing its processed children: two keys a job.
        expect(kind(`bullmq:${queue}:job`)?.keys ?? 0).toBeLessThanOrEqual(2 * KEEP + 8);
        // Streams are trimmed approximately (whole nodes of 100 entries): within two nodes of the cap.
        expect(await redis.xlen(`${config.prefix}:${queue}:events`)).toBeLessThanOrEqual(config.eventsMaxLen + 200);
      }

      const perJob = ['job', 'analysis', 'bundle', 'zip', 'results'].reduce((n, name) => n + (kind(name)?.bytes ?? 0), 0) / JOBS;
      const bullmq = usage.kinds.filter((k) => k.kind.startsWith('bullmq:')).reduce((n, k) => n + k.bytes, 0);
      process.stderr.write(`memory after ${JOBS} one-sentence jobs (BullMQ keeps ${KEEP}, streams ${config.eventsMaxLen}; whole-server used_memory ${await usedMemory()} B): ${Math.round(perJob)} bytes per job in records and bundles; BullMQ ${Math.round(bullmq / 1024)} KiB in all; ${usage.kinds.map((k) => `${k.kind} ${k.keys}/${k.bytes}`).join(', ')}\n`);
      // The documented figure (docs/queue.md): about 10.6 KB per one-sentence job (2 000 jobs: 10 592 B); a regression that doubles it fails.
      expect(perJob).toBeLessThan(20_000);
      // And BullMQ's share grows with the jobs it keeps, not with the jobs run (about 4 KiB per kept job and queue, measured).
      expect(bullmq).toBeLessThan(400_000 + 2 * Math.min(KEEP, JOBS) * 8_192);
    } finally {
      await workers.close();
      await app.close();
    }
  }, Math.max(300_000, JOBS * 400));

  it('trims finished BullMQ jobs by age on its own round, once per deployment at a time', async () => {
    const before = await redis.zcard(`${config.prefix}:assemble:completed`);
    expect(before).toBeGreaterThan(0);
    // Retention 0: every finished job is past its age.
    const janitor = startJanitor(redis, { ...config, retentionSeconds: 0 });
    const other = startJanitor(redis, { ...config, retentionSeconds: 0 });
    try {
      expect(await janitor.run()).toBeGreaterThanOrEqual(before);
      // The lock holds for the round's interval: a second process skips it.
      expect(await other.run()).toBeUndefined();
      expect(await redis.zcard(`${config.prefix}:assemble:completed`)).toBe(0);
      expect(await redis.zcard(`${config.prefix}:translate:completed`)).toBe(0);
    } finally {
      await janitor.close();
      await other.close();
    }
  });
});
