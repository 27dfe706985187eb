/**
 * BullMQ copies a job's data and return value into several places (the job
 * hash, the parent's `processed` hash, the queue's event stream, kept for
 * thousands of entries), so those must stay small whatever the article's
 * length: the article, its Analysis and each target's translation live in
 * the job store, once.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetResult } from '../../pipeline/model.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { childJobId, Queues } from '../../workers/queues.js';
import { JobStore, type JobMeta } from '../../workers/store.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { SAMPLE_FR } from '../helpers.js';
import { checkBundle, cleanPrefix, REDIS_URL, settledJob, testConfig } from './helpers.js';

const TARGETS = ['en', 'vi', 'es'];
const sample = readFileSync(SAMPLE_FR, 'utf8');
const paragraphs = sample.split('\n').filter((p) => p.trim() !== '');
const short = paragraphs.slice(0, 2).join('\n\n');
// Every paragraph three times, each copy numbered, so the long article has about three times the sample's segments.
const long = [1, 2, 3].flatMap((n) => paragraphs.map((p) => `${p} (partie ${n})`)).join('\n\n');

const config = testConfig();
const redis = new Redis(REDIS_URL);
let app: FastifyInstance;
let workers: RunningWorkers;
let queues: Queues;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens('') });
  workers = await startWorkers({ config, concurrency: 4 });
  queues = new Queues(config);
});
afterAll(async () => {
  await workers?.close();
  await queues?.close();
  await app?.close();
  await cleanPrefix(config.prefix);
  redis.disconnect();
});

const bytes = (v: unknown) => Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v ?? null));

async function run(text: string) {
  const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, targets: TARGETS, provider: 'pseudo' } });
  expect(res.statusCode).toBe(202);
  const { id } = res.json() as { id: string };
  const view = (await settledJob(app, id)) as { status: string; segments: number };
  expect(view.status).toBe('completed');
  const children = await Promise.all(TARGETS.map((lang) => queues.translate.getJob(childJobId(id, lang))));
  const parent = await queues.assemble.getJob(id);
  const zip = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` })).rawPayload;
  return {
    id,
    segments: view.segments,
    bundle: checkBundle(zip, TARGETS),
    returnSizes: children.map((c) => bytes(c!.returnvalue)),
    dataSizes: [...children.map((c) => bytes(c!.data)), bytes(parent!.data), bytes(parent!.returnvalue)],
    processedSize: bytes(await parent!.getChildrenValues()),
  };
}

describe('BullMQ payloads', () => {
  it('job data, return values and completed events stay small and do not grow with the article', async () => {
    const a = await run(short);
    const b = await run(long);
    expect(b.segments).toBeGreaterThan(10 * a.segments);
    // The translations did reach the bundles, all of them.
    expect(b.bundle.aligned.segments.length).toBeGreaterThan(10 * a.bundle.aligned.segments.length);
    for (const r of [a, b]) {
      for (const n of [...r.returnSizes, ...r.dataSizes]) expect(n).toBeLessThan(256);
      expect(r.processedSize).toBeLessThan(1024);
    }
    // A few digits more in the counts, nothing in proportion to the text.
    for (let i = 0; i < TARGETS.length; i++) expect(Math.abs(b.returnSizes[i]! - a.returnSizes[i]!)).toBeLessThanOrEqual(12);
    expect(b.dataSizes).toEqual(a.dataSizes);

    for (const queue of ['translate', 'assemble']) {
      const entries = await redis.xrange(`${config.prefix}:${queue}:events`, '-', '+');
      const completed = entries.filter(([, fields]) => fields[1] === 'completed');
      expect(completed.length).toBeGreaterThanOrEqual(queue === 'translate' ? 6 : 2);
      for (const [, fields] of completed) expect(bytes(fields.join(''))).toBeLessThan(512);
    }
    // Once the bundle holds the results, the store does not keep a second copy.
    expect(await redis.exists(`${config.prefix}:results:${a.id}`, `${config.prefix}:results:${b.id}`)).toBe(0);
  });
});

describe('JobStore target results', () => {
  const store = new JobStore(redis, config.prefix, 3600);
  const result = (lang: string, text: string): TargetResult => ({ lang, providers: ['pseudo'], route: 'pseudo', segments: [], billedChars: text.length, tmHits: 0, warnings: [text], ms: 1 });
  const meta = (id: string): JobMeta => ({ id, submittedAt: new Date().toISOString(), sourceLang: 'fr', confidence: 1, detection: 'auto', targets: ['en'], format: 'text', glossaryVersion: 'v0', segments: 0 });
  const analysis = { segments: [] } as unknown as Parameters<JobStore['create']>[1];

  it('a retried child overwrites its result, which expires with the job record', async () => {
    const id = 'j_results_retry';
    expect(await store.create(meta(id), analysis)).toBe('created');
    const state = { status: 'completed' as const, done: 0, total: 0 };
    expect(await store.completeTarget(id, result('en', 'first'), state)).toBe(true);
    expect(await store.completeTarget(id, result('en', 'second'), state)).toBe(true);
    expect(await redis.hlen(store.key('results', id))).toBe(1);
    expect((await store.results(id, ['en', 'vi'])).map((r) => r?.warnings[0])).toEqual(['second', undefined]);
    const [jobTtl, resultsTtl] = await Promise.all([redis.ttl(store.key('job', id)), redis.ttl(store.key('results', id))]);
    expect(resultsTtl).toBeGreaterThan(0);
    expect(Math.abs(resultsTtl - jobTtl)).toBeLessThanOrEqual(1);
    expect((await store.get(id))?.targets.en?.status).toBe('completed');
  });

  it('writes nothing once the job record is gone', async () => {
    const id = 'j_results_expired';
    expect(await store.completeTarget(id, result('en', 'late'), { status: 'completed', done: 0, total: 0 })).toBe(false);
    expect(await redis.exists(store.key('results', id), store.key('job', id))).toBe(0);
  });
});
