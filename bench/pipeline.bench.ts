/**
 * Articles per second through the whole queue (API submit with analysis →
 * one translate child per target with the pseudo provider → assemble and
 * store the bundle) against bare BullMQ flows of the same shape (1 parent +
 * 3 no-op children), on the same Redis, in the same run, with the same
 * worker concurrency.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { FlowProducer, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Benchmark, Figure } from './figure.js';
import { buildServer } from '../server/app.js';
import { parseTokens } from '../server/auth.js';
import { queueConfig } from '../workers/config.js';
import { startWorkers } from '../workers/worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TARGETS = ['en', 'vi', 'es'];

function samplePath(): string {
  const shared = join(here, '..', '..', 'shared', 'samples', 'deepseek.fr.txt');
  try {
    readFileSync(shared);
    return shared;
  } catch {
    return join(here, '..', 'samples', 'deepseek.fr.txt');
  }
}

async function clean(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[[\]*?]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

function untilCount(worker: Pick<Worker, 'on'> | { on(e: 'completed', fn: () => void): unknown }, n: number): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    (worker as { on(e: 'completed', fn: () => void): unknown }).on('completed', () => {
      if (++done >= n) resolve();
    });
  });
}

async function bareFlows(): Promise<number> {
  const prefix = `{lfbench-bare-${randomBytes(4).toString('hex')}}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const flow = new FlowProducer({ connection, prefix });
  const opts = { connection, prefix, concurrency: CONCURRENCY };
  const children = new Worker('translate', async () => ({ ok: true }), opts);
  const parents = new Worker('assemble', async (job) => job.getChildrenValues(), opts);
  await Promise.all([children.waitUntilReady(), parents.waitUntilReady()]);
  const done = untilCount(parents, ARTICLES);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: ARTICLES }, (_, i) =>
      flow.add({
        name: 'assemble',
        queueName: 'assemble',
        data: { i },
        opts: { jobId: `a${i}` },
        children: TARGETS.map((lang) => ({ name: 'translate', queueName: 'translate', data: { i, lang }, opts: { jobId: `a${i}-${lang}` } })),
      }),
    ),
  );
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all([children.close(), parents.close(), flow.close()]);
  connection.disconnect();
  await clean(prefix);
  return ARTICLES / seconds;
}

/** `locflow worker` as a separate process, so API and worker use one core each. */
async function spawnWorker(prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(here, '..', 'bin', 'locflow.js'), 'worker', '--concurrency', String(CONCURRENCY)], {
    env: { ...process.env, REDIS_URL, LOCFLOW_PREFIX: prefix },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return child;
}

async function fullQueue(separateWorker: boolean): Promise<number> {
  const prefix = `{lfbench-${randomBytes(4).toString('hex')}}`;
  const config = queueConfig({ ...process.env, REDIS_URL, LOCFLOW_PREFIX: prefix });
  const app = await buildServer({ config, logger: false, auth: parseTokens('') });
  const child = separateWorker ? await spawnWorker(prefix) : undefined;
  // Completions are observed the same way in both set-ups: a listener on the assemble queue's events.
  const eventsConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const events = new QueueEvents('assemble', { connection: eventsConnection, prefix });
  await events.waitUntilReady();
  const running = separateWorker ? undefined : await startWorkers({ config, concurrency: CONCURRENCY });
  const assemble = { on: (_e: 'completed', fn: () => void) => events.on('completed', fn), removeAllListeners: (_e: 'completed') => events.removeAllListeners('completed') };
  const text = readFileSync(samplePath(), 'utf8');
  // Warm up once (module loading, franc's profiles, the glossary matcher) outside the timing.
  const warm = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${text}\n\nÉchauffement.`, targets: TARGETS, provider: 'pseudo' } });
  await untilCount(assemble, 1);
  if (warm.statusCode !== 202) throw new Error(`warm-up submission failed: ${warm.body}`);
  assemble.removeAllListeners('completed');
  const done = untilCount(assemble, ARTICLES);
  const t0 = performance.now();
  const answers = await Promise.all(
    Array.from({ length: ARTICLES }, (_, i) =>
      app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${text}\n\nMise à jour numéro ${i + 1}.`, targets: TARGETS, provider: 'pseudo' } }),
    ),
  );
  const bad = answers.find((a) => a.statusCode !== 202);
  if (bad) throw new Error(`submission failed: ${bad.body}`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await running?.close();
  if (child) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await events.close();
  // QueueEvents leaves a connection it was given open; the run would never exit.
  eventsConnection.disconnect();
  await app.close();
  await clean(prefix);
  return ARTICLES / seconds;
}

const bench: Benchmark = {
  name: 'pipeline',
  description: `${ARTICLES} articles (sample, ${TARGETS.length} targets, pseudo) through API + queue + bundle vs bare BullMQ flows of the same shape, concurrency ${CONCURRENCY}`,
  async run(): Promise<Figure[]> {
    const baseline = await bareFlows();
    const ours = await fullQueue(false);
    const split = await fullQueue(true);
    return [
      { name: 'pipeline-throughput', ours, baseline, baselineName: 'bare BullMQ flows (1+3 no-op)', unit: 'art/s', better: 'higher' },
      { name: 'pipeline-throughput-api+worker-proc', ours: split, baseline, baselineName: 'bare BullMQ flows (1+3 no-op)', unit: 'art/s', better: 'higher' },
    ];
  },
};

export default bench;
