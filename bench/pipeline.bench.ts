/**
 * Articles per second through the whole queue (API submit with analysis →
 * one translate child per target with the pseudo provider → assemble and
 * store the bundle) against bare BullMQ flows of the same shape (1 parent +
 * 3 no-op children), on the same Redis, in the same run, with the same
 * worker concurrency. Also the CPU of the pure stages alone, with no queue,
 * which bounds the ratio the queue can reach.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { FlowProducer, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Benchmark, Figure } from './figure.js';
import { writeBundle, zipBundleAsync } from '../pipeline/formats/bundle.js';
import type { BundleInput, TargetResult } from '../pipeline/model.js';
import { analyse, translateTarget } from '../pipeline/run.js';
import { suggestTerms } from '../pipeline/suggest.js';
import { createTranslator } from '../providers/index.js';
import { buildServer } from '../server/app.js';
import { parseTokens } from '../server/auth.js';
import { withMatcher, yamlTerms } from '../server/terms.js';
import { queueConfig } from '../workers/config.js';
import { startWorkers } from '../workers/worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 100);
const WARM_UP = 10;
/** Bare flows take about a millisecond each: several hundred make a measurable span. */
const BARE_FLOWS = Math.max(ARTICLES, 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TARGETS = ['en', 'vi', 'es'];
/** `BENCH_PIPELINE=stages`: only the stages-alone figures (seconds instead of minutes, for profiling the stages). */
const STAGES_ONLY = process.env.BENCH_PIPELINE === 'stages';

function samplePath(): string {
  const shared = join(here, '..', '..', 'shared', 'samples', 'deepseek.fr.txt');
  try {
    readFileSync(shared);
    return shared;
  } catch {
    return join(here, '..', 'samples', 'deepseek.fr.txt');
  }
}

/** Deletes every key under a benchmark's prefix (scale.bench.ts uses it too). */
export async function clean(prefix: string): Promise<void> {
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

/**
 * CPU spent by this process (every thread) and by the Redis server, in ms.
 * Less sensitive than wall time to what else the machine runs, and it counts
 * the Redis work that a bare flow mostly consists of. Redis's figure covers
 * every client, so it is exact only on a Redis used by nobody else.
 */
async function cpuMeter(): Promise<() => Promise<number>> {
  const redis = new Redis(REDIS_URL);
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
  };
  const node0 = process.cpuUsage();
  const redis0 = await redisCpu();
  return async () => {
    const node = process.cpuUsage(node0);
    const spent = (node.user + node.system) / 1000 + (await redisCpu()) - redis0;
    redis.disconnect();
    return spent;
  };
}

async function bareFlows(): Promise<{ articlesPerSecond: number; cpuMs: number }> {
  const prefix = `{lfbench-bare-${randomBytes(4).toString('hex')}}`;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const flow = new FlowProducer({ connection, prefix });
  const opts = { connection, prefix, concurrency: CONCURRENCY };
  const children = new Worker('translate', async () => ({ ok: true }), opts);
  const parents = new Worker('assemble', async (job) => job.getChildrenValues(), opts);
  await Promise.all([children.waitUntilReady(), parents.waitUntilReady()]);
  const addFlows = (from: number, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, k) => {
        const i = from + k;
        return flow.add({
          name: 'assemble',
          queueName: 'assemble',
          data: { i },
          opts: { jobId: `a${i}` },
          children: TARGETS.map((lang) => ({ name: 'translate', queueName: 'translate', data: { i, lang }, opts: { jobId: `a${i}-${lang}` } })),
        });
      }),
    );
  // Warmed up like the full queue, so that neither figure carries the JIT's first runs.
  const warmed = untilCount(parents, WARM_UP);
  await addFlows(100_000, WARM_UP);
  await warmed;
  parents.removeAllListeners('completed');
  const done = untilCount(parents, BARE_FLOWS);
  const cpu = await cpuMeter();
  const t0 = performance.now();
  await addFlows(0, BARE_FLOWS);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = await cpu();
  await Promise.all([children.close(), parents.close(), flow.close()]);
  connection.disconnect();
  await clean(prefix);
  return { articlesPerSecond: BARE_FLOWS / seconds, cpuMs: cpuMs / BARE_FLOWS };
}

/**
 * `locflow worker` as a separate process, so API and worker use one core each
 * (scale.bench.ts starts several); `env` goes on top of this process's,
 * `nodeArgs` go to node before the script (a CPU profile).
 * Resolves once the worker says it is ready.
 */
export async function spawnWorker(env: NodeJS.ProcessEnv, concurrency = CONCURRENCY, nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, join(here, '..', 'bin', 'locflow.js'), 'worker', '--concurrency', String(concurrency)], {
    env: { ...process.env, ...env },
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

/** A small seeded generator, so that every run submits the same "distinct" articles. */
function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * The articles a run submits. `sample`: the sample article with one line
 * changed, so every sentence but one was seen before (translation memory and
 * any cache keyed by sentence text answer them). `distinct`: the sample's
 * paragraphs in another order, and every sentence carrying a number of its
 * own, so no two articles share a sentence and nothing keyed by text can hit.
 */
export function benchArticles(kind: 'sample' | 'distinct', n: number, offset = 0): string[] {
  const text = readFileSync(samplePath(), 'utf8');
  if (kind === 'sample') return Array.from({ length: n }, (_, i) => `${text}\n\nMise à jour numéro ${offset + i + 1}.`);
  const paragraphs = text.split('\n').filter((p) => p.trim() !== '');
  return Array.from({ length: n }, (_, i) => {
    const random = seeded(Math.imul(offset + i + 1, 2654435761));
    const order = paragraphs.map((p, j) => ({ p, key: random(), j }));
    order.sort((a, b) => a.key - b.key);
    let k = 0;
    return order
      .map(({ p }) =>
        p
          .split(/(?<=[.!?…])\s+/u)
          .map((sentence) => {
            const tag = `, selon la dépêche ${(offset + i + 1) * 1000 + k++}`;
            const end = /[.!?…»]+$/u.exec(sentence);
            return end ? `${sentence.slice(0, end.index)}${tag}${end[0]}` : `${sentence}${tag}.`;
          })
          .join(' '),
      )
      .join('\n');
  });
}

export interface QueueRun {
  articlesPerSecond: number;
  /** Segment translations answered by the translation memory, and all of them. */
  tmHits: number;
  segments: number;
  /** CPU per article of this process and Redis; undefined when a worker process did part of the work. */
  cpuMs?: number;
  /** Event-loop delay of the API process while the articles ran (ms). */
  loopDelay: { p50: number; p99: number; max: number };
}

/** `separateWorker`: true or a number of `locflow worker` processes; false runs the workers in this process. */
export async function fullQueue(separateWorker: boolean | number, kind: 'sample' | 'distinct', articles = ARTICLES): Promise<QueueRun> {
  const processes = separateWorker === true ? 1 : separateWorker === false ? 0 : separateWorker;
  const prefix = `{lfbench-${randomBytes(4).toString('hex')}}`;
  const config = queueConfig({ ...process.env, REDIS_URL, LOCFLOW_PREFIX: prefix });
  const app = await buildServer({ config, logger: false, auth: parseTokens('') });
  const childProcs = await Promise.all(Array.from({ length: processes }, () => spawnWorker({ REDIS_URL, LOCFLOW_PREFIX: prefix })));
  // Completions are observed the same way in both set-ups: a listener on the assemble queue's events.
  const eventsConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const events = new QueueEvents('assemble', { connection: eventsConnection, prefix });
  await events.waitUntilReady();
  const running = processes > 0 ? undefined : await startWorkers({ config, concurrency: CONCURRENCY });
  const assemble = { on: (_e: 'completed', fn: () => void) => events.on('completed', fn), removeAllListeners: (_e: 'completed') => events.removeAllListeners('completed') };
  // Warm up (module loading, the detector's model, the glossary matcher, the JIT) outside the timing,
  // with articles of the same kind that are not submitted again.
  const warmTexts = benchArticles(kind, WARM_UP, 100_000);
  const warmed = untilCount(assemble, WARM_UP);
  const warm = await Promise.all(warmTexts.map((text) => app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, targets: TARGETS, provider: 'pseudo' } })));
  const refused = warm.find((a) => a.statusCode !== 202);
  if (refused) throw new Error(`warm-up submission failed: ${refused.body}`);
  await warmed;
  assemble.removeAllListeners('completed');
  const texts = benchArticles(kind, articles);
  const done = untilCount(assemble, articles);
  const cpu = await cpuMeter();
  // How long the API's event loop is held up (by analyses, and by in-process workers' stages).
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  const answers = await Promise.all(texts.map((text) => app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, targets: TARGETS, provider: 'pseudo' } })));
  const bad = answers.find((a) => a.statusCode !== 202);
  if (bad) throw new Error(`submission failed: ${bad.body}`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  loop.disable();
  const cpuMs = await cpu();
  let tmHits = 0;
  let segments = 0;
  for (const a of answers) {
    const view = (await app.inject({ method: 'GET', url: `/v1/jobs/${(a.json() as { id: string }).id}` })).json() as { targets: Record<string, { tmHits?: number; total: number }> };
    for (const t of Object.values(view.targets)) {
      tmHits += t.tmHits ?? 0;
      segments += t.total;
    }
  }
  await running?.close();
  for (const child of childProcs) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await events.close();
  // QueueEvents leaves a connection it was given open; the run would never exit.
  eventsConnection.disconnect();
  await app.close();
  await clean(prefix);
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return {
    articlesPerSecond: articles / seconds,
    tmHits,
    segments,
    ...(processes > 0 ? {} : { cpuMs: cpuMs / articles }),
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
  };
}

/** The stages of `stagesAlone`, in the order one article goes through them. */
export const STAGES = ['analyse', 'suggest', 'translate', 'formats', 'zip'] as const;
export type Stage = (typeof STAGES)[number];

export interface StagesRun {
  /** CPU per article of this process (every thread: the zip deflates on the thread pool), all stages. */
  cpuMs: number;
  /** The same, per stage (garbage collection lands on whichever stage triggered it). */
  byStage: Record<Stage, number>;
}

/**
 * The pure work the queue does for one article, in-process, without Redis or
 * BullMQ: the same calls with the same arguments as the API's submission
 * (`analyse` with the seed glossary, then `suggestTerms` as the API's
 * `onAnalysed` runs it), the translate workers (`translateTarget` per target
 * with the `pseudo` provider and its QA) and the assemble worker
 * (`writeBundle`, `zipBundleAsync`). No translation memory: on distinct
 * articles the queue's never answers, and its Redis round trips are not a
 * pure stage. Whatever the queue costs above this is queue overhead; a bare
 * flow plus this is the least CPU an article can cost.
 */
export async function stagesAlone(articles = ARTICLES): Promise<StagesRun> {
  const glossary = await withMatcher(yamlTerms())();
  const translator = createTranslator({ provider: 'pseudo', env: process.env });
  await translator.ready();
  const { batchSize } = queueConfig(process.env);
  const { version } = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string };
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  let cpu = process.cpuUsage();
  const lap = (stage: Stage) => {
    const spent = process.cpuUsage(cpu);
    byStage[stage] += (spent.user + spent.system) / 1000;
    cpu = process.cpuUsage();
  };
  const one = async (text: string, i: number) => {
    cpu = process.cpuUsage();
    const analysis = analyse(text, { from: 'auto', terms: glossary.terms, matcher: glossary.matcher });
    lap('analyse');
    suggestTerms(analysis.segments.map((s) => s.plain).join('\n'), analysis.sourceLang, glossary.matcher ?? glossary.terms);
    lap('suggest');
    const targets: TargetResult[] = [];
    for (const lang of TARGETS) targets.push(await translateTarget(analysis, lang, { translator, batchSize }));
    lap('translate');
    const input: BundleInput = {
      jobId: `j_stages${i}`,
      analysis,
      targets,
      toolVersion: version,
      createdAt: new Date().toISOString(),
      revision: 1,
      timings: { queuedMs: 0, translateMs: Math.max(0, ...targets.map((t) => t.ms)), totalMs: 0 },
    };
    const files = writeBundle(input);
    lap('formats');
    await zipBundleAsync(files);
    lap('zip');
  };
  // The same warm-up as the queue's (detector model, glossary matcher, JIT), on articles not timed.
  const warm = benchArticles('distinct', WARM_UP, 100_000);
  for (let i = 0; i < warm.length; i++) await one(warm[i]!, 100_000 + i);
  const texts = benchArticles('distinct', articles);
  for (const s of STAGES) byStage[s] = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < texts.length; i++) await one(texts[i]!, i);
  const total = process.cpuUsage(start);
  for (const s of STAGES) byStage[s] /= articles;
  return { cpuMs: (total.user + total.system) / 1000 / articles, byStage };
}

const bench: Benchmark = {
  name: 'pipeline',
  description: `${ARTICLES} articles (${TARGETS.length} targets, pseudo) through API + queue + bundle vs bare BullMQ flows of the same shape, concurrency ${CONCURRENCY}; "sample": the sample article with one line changed (translation memory answers the unchanged sentences), "distinct": no sentence seen before; "stages-alone": the same stages on the distinct articles in-process, no Redis, and the ratio that leaves at best ("ceiling")`,
  async run(): Promise<Figure[]> {
    const baselineName = 'bare BullMQ flows (1+3 no-op)';
    const figures: Figure[] = [];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const runs: [string, boolean, 'sample' | 'distinct'][] = STAGES_ONLY
      ? []
      : [
          ['pipeline-throughput-sample', false, 'sample'],
          ['pipeline-throughput-distinct', false, 'distinct'],
          ['pipeline-sample-api+worker-proc', true, 'sample'],
          ['pipeline-distinct-api+worker-proc', true, 'distinct'],
        ];
    for (const [name, separate, kind] of runs) {
      // The machine's load drifts: each figure gets its own baseline, the median of three runs just before it.
      const bare = [await bareFlows(), await bareFlows(), await bareFlows()];
      const r = await fullQueue(separate, kind);
      process.stderr.write(
        `${name}: ${r.tmHits} of ${r.segments} target segments answered by the translation memory; API event-loop delay p50 ${r.loopDelay.p50} ms, p99 ${r.loopDelay.p99} ms, max ${r.loopDelay.max} ms\n`,
      );
      figures.push({ name, ours: r.articlesPerSecond, baseline: median(bare.map((b) => b.articlesPerSecond)), baselineName, unit: 'art/s', better: 'higher' });
      if (r.cpuMs !== undefined) {
        figures.push({
          name: `${name.replace('throughput', 'cpu')}`,
          ours: r.cpuMs,
          baseline: median(bare.map((b) => b.cpuMs)),
          baselineName: `${baselineName}, CPU of node + Redis`,
          unit: 'ms/art',
          better: 'lower',
        });
      }
    }
    {
      // Last, when BullMQ's side of this process is as warm as it was for the queue's figures.
      const bareCpu = median([await bareFlows(), await bareFlows(), await bareFlows()].map((b) => b.cpuMs));
      const r = await stagesAlone();
      const round = (ms: number) => Math.round(ms * 10) / 10;
      const ceiling = bareCpu / (bareCpu + r.cpuMs);
      process.stderr.write(
        `pipeline-stages-alone-cpu: ${STAGES.map((s) => `${s} ${round(r.byStage[s])}`).join(', ')} ms per article; ` +
          `best possible CPU ratio with these stages, bare flow / (bare flow + stages): ${ceiling.toFixed(3)}\n`,
      );
      const bareName = `${baselineName}, CPU of node + Redis`;
      figures.push({ name: 'pipeline-stages-alone-cpu', ours: r.cpuMs, baseline: bareCpu, baselineName: bareName, unit: 'ms/art', better: 'lower' });
      // Its ratio is the ceiling: a queue that cost nothing above a bare flow would still spend bare flow + stages.
      figures.push({ name: 'pipeline-cpu-ceiling', ours: bareCpu + r.cpuMs, baseline: bareCpu, baselineName: bareName, unit: 'ms/art', better: 'lower' });
    }
    return figures;
  },
};

export default bench;
