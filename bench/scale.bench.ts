/**
 * `npm run bench -- scale`: how locflow behaves when it scales out.
 *
 * - provider-bound efficiency: a DeepL-like fake that takes 200 ms a call and
 *   refuses (429) a call arriving while 4 are in flight. With 1 and 2
 *   `locflow worker` processes (4 jobs each), calls served per second over
 *   what the account allows (4 / 0.2 s = 20/s), and the calls refused: with
 *   `providers.deepl.maxInFlight: 4` (ours) against the same run with only
 *   the per-process gates (baseline, what locflow did before).
 * - queue overhead: CPU per article through the full service (API, queue,
 *   in-process worker, Redis) against the same stages in-process.
 * - scale-out: articles per second with 1 and 2 worker processes.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Benchmark, Figure } from './figure.js';
import { benchArticles, clean, fullQueue, spawnWorker, stagesAlone } from './pipeline.bench.js';
import { startLimitedDeepl, type LimitedDeepl } from '../test/fakes/deepl-limited.js';
import { buildServer } from '../server/app.js';
import { parseTokens } from '../server/auth.js';
import { queueConfig } from '../workers/config.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Articles per efficiency run: 2 targets each, about 8 engine calls per target. */
const ENGINE_ARTICLES = Number(process.env.BENCH_SCALE_ARTICLES ?? 8);
const LIMIT = 4;
const CALL_MS = 200;
const ALLOWED_PER_SECOND = LIMIT / (CALL_MS / 1000);
const cpus = (await import('node:os')).availableParallelism();

// BENCH_SCALE_PROFILE=<dir>: each worker process writes a V8 CPU profile there when it stops (not allowed in NODE_OPTIONS).
const profileArgs = process.env.BENCH_SCALE_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SCALE_PROFILE}`] : [];

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null) return undefined;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return exited;
    }),
  );
}

/** CPU seconds a child process has used so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface EngineRun {
  /** Worker processes' CPU per engine call served, ms: what a busy machine must find for each call. */
  workerCpuMsPerCall: number;
  efficiency: number;
  refused: number;
  served: number;
  seconds: number;
}

/** Articles through N worker processes against the limited fake; the engine's view of it. */
async function engineBound(fake: LimitedDeepl, processes: number, shared: boolean): Promise<EngineRun> {
  const prefix = `{lfbench-scale-${randomBytes(4).toString('hex')}}`;
  const dir = mkdtempSync(join(tmpdir(), 'locflow-scale-'));
  const configFile = join(dir, 'locflow.yaml');
  writeFileSync(configFile, shared ? `providers:\n  deepl:\n    maxInFlight: ${LIMIT}\n` : 'pivots: [en]\n');
  const env = {
    ...fake.env,
    REDIS_URL,
    LOCFLOW_PREFIX: prefix,
    LOCFLOW_CONFIG: configFile,
    LOCFLOW_BATCH_SIZE: '4',
  };
  const config = queueConfig({ ...process.env, ...env });
  const app = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, ...env } });
  const children: ChildProcess[] = [];
  try {
    // Every article is queued before the workers start: the window measured holds the workers' work only,
    // not the API's analyses competing with them for the two cores.
    const texts = benchArticles('distinct', ENGINE_ARTICLES, 500 + processes * 10 + (shared ? 1 : 0));
    const ids: string[] = [];
    for (const text of texts) {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, sourceLang: 'fr', targets: ['en', 'es'], provider: 'deepl' } });
      if (res.statusCode !== 202) throw new Error(`submission refused: ${res.body}`);
      ids.push((res.json() as { id: string }).id);
    }
    fake.reset();
    children.push(...(await Promise.all(Array.from({ length: processes }, () => spawnWorker(env, 4, profileArgs)))));
    // Start-up (module loading) is not the calls' CPU.
    const startCpu = children.reduce((n, c) => n + cpuSeconds(c.pid), 0);
    for (const id of ids) {
      for (;;) {
        const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json() as { status: string; error?: { message: string } };
        if (v.status === 'completed') break;
        if (v.status === 'failed' || v.status === 'cancelled') throw new Error(`job ${id} ${v.status}: ${v.error?.message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const { served, refused, firstAt, lastAt } = fake.stats;
    const seconds = (lastAt - firstAt) / 1000;
    const cpu = children.reduce((n, c) => n + cpuSeconds(c.pid), 0) - startCpu;
    return { efficiency: served / seconds / ALLOWED_PER_SECOND, refused, served, seconds, workerCpuMsPerCall: (cpu * 1000) / served };
  } finally {
    await stop(children);
    await app.close();
    await clean(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU of the shared-limits path alone (lease, token bucket, release), in this
 * process: the same calls through a provider that answers at once, wrapped
 * and bare, `concurrency` at a time against a limit they never exceed (no
 * waiting: waiting is the engine's time, not CPU). process.cpuUsage counts
 * this process's CPU, so other sessions' load barely moves it.
 */
async function limitsPathCpu(calls = Number(process.env.BENCH_SCALE_LIMIT_CALLS ?? 2000), concurrency = 4) {
  const { createSharedLimits } = await import('../workers/provider-limits.js');
  const { PROVIDER_CONTRACT_VERSION } = await import('../providers/contract.js');
  const redis = new Redis(REDIS_URL);
  const prefix = `{lfbench-limits-${randomBytes(4).toString('hex')}}`;
  const bare = {
    id: 'deepl',
    contractVersion: PROVIDER_CONTRACT_VERSION,
    configured: true,
    glossary: 'mask' as const,
    limits: { maxSegments: 50 },
    pairs: async () => [],
    health: async () => ({ ok: true }),
    translate: async (req: { segments: { text: string }[] }) => ({ texts: req.segments.map((x) => x.text), billedChars: 0 }),
  } as unknown as import('../providers/contract.js').TranslationProvider;
  const limits = createSharedLimits({ redis, prefix, settings: { deepl: { maxInFlight: concurrency, requestsPerMinute: 10_000_000 } } });
  const wrapped = limits.wrap(bare);
  const req = { segments: [{ id: 's1', text: 'Le marché a progressé de 3 pour cent ce matin.' }], from: 'fr', to: 'en' } as never;
  const run = async (p: typeof bare) => {
    let next = 0;
    const t0 = process.cpuUsage();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await p.translate(req);
    }));
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / calls;
  };
  try {
    await run(wrapped); // warm-up: scripts loaded, code optimised
    const w: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 3; i++) {
      w.push(await run(wrapped));
      b.push(await run(bare));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[1]!;
    return { calls, concurrency, wrappedUs: median(w), bareUs: median(b) };
  } finally {
    await limits.close();
    await clean(prefix);
    redis.disconnect();
  }
}

const bench: Benchmark = {
  name: 'scale',
  description: `provider-bound efficiency (fake DeepL: ${CALL_MS} ms a call, 429 above ${LIMIT} in flight; ${ENGINE_ARTICLES} articles × 2 targets; served/s over ${ALLOWED_PER_SECOND}/s, and 429s) with maxInFlight shared through Redis vs per-process gates only; queue CPU per article vs the same stages in-process; articles/s with 1 and 2 worker processes`,
  async run(): Promise<Figure[]> {
    const figures: Figure[] = [];
    const only = (process.env.BENCH_SCALE ?? 'engine,limits,overhead,scaleout').split(',');
    if (only.includes('engine')) {
      const fake = await startLimitedDeepl({ limit: LIMIT, delayMs: CALL_MS });
      try {
        // BENCH_SCALE_PROCESSES=1 and BENCH_SCALE_BASELINE=0 make a short run (e.g. to profile the workers).
        const counts = (process.env.BENCH_SCALE_PROCESSES ?? '1,2').split(',').map(Number);
        const withBaseline = process.env.BENCH_SCALE_BASELINE !== '0';
        for (const processes of counts) {
          const ours = await engineBound(fake, processes, true);
          const base = withBaseline ? await engineBound(fake, processes, false) : { ...ours, efficiency: NaN, refused: NaN, served: NaN, seconds: NaN, workerCpuMsPerCall: NaN };
          process.stderr.write(
            `scale-engine ${processes} proc: shared limit ${ours.served} calls in ${ours.seconds.toFixed(2)} s, ${ours.refused} refused, worker CPU ${ours.workerCpuMsPerCall.toFixed(1)} ms/call; ` +
              `per-process gates ${base.served} calls in ${base.seconds.toFixed(2)} s, ${base.refused} refused, worker CPU ${base.workerCpuMsPerCall.toFixed(1)} ms/call; load average ${loadavg()[0]!.toFixed(1)} on ${cpus} cores\n`,
          );
          const baselineName = 'per-process gates only';
          figures.push({ name: `scale-engine-efficiency-${processes}proc`, ours: ours.efficiency, baseline: base.efficiency, baselineName, unit: 'of limit', better: 'higher' });
          // +1 on both sides would hide the zeros; the ratio of counts is printed as is (0 when ours is 0).
          figures.push({ name: `scale-engine-429-${processes}proc`, ours: ours.refused, baseline: base.refused, baselineName, unit: 'calls', better: 'lower' });
        }
      } finally {
        await fake.close();
      }
    }
    if (only.includes('limits')) {
      const r = await limitsPathCpu();
      process.stderr.write(`scale-limits: ${r.calls} calls, ${r.concurrency} at once, wrapped ${r.wrappedUs.toFixed(0)} µs/call vs bare ${r.bareUs.toFixed(0)} µs/call of this process's CPU; load average ${loadavg()[0]!.toFixed(1)}\n`);
      figures.push({ name: 'scale-limits-path-cpu-per-call', ours: r.wrappedUs - r.bareUs, baseline: r.bareUs, baselineName: 'the same calls unwrapped', unit: 'µs/call', better: 'lower' });
    }
    if (only.includes('overhead')) {
      const queue = await fullQueue(false, 'distinct');
      const stages = await stagesAlone();
      figures.push({ name: 'scale-queue-cpu-per-article', ours: queue.cpuMs!, baseline: stages.cpuMs, baselineName: 'same stages in-process, no queue', unit: 'ms/art', better: 'lower' });
    }
    if (only.includes('scaleout')) {
      const one = await fullQueue(1, 'distinct');
      const two = await fullQueue(2, 'distinct');
      process.stderr.write(
        `scale-out: API event-loop delay with 2 workers p50 ${two.loopDelay.p50} ms, p99 ${two.loopDelay.p99} ms; worker CPU share: see docs/queue.md\n`,
      );
      figures.push({ name: 'scale-out-2-worker-procs', ours: two.articlesPerSecond, baseline: one.articlesPerSecond, baselineName: '1 worker process', unit: 'art/s', better: 'higher' });
    }
    return figures;
  },
};

export default bench;
