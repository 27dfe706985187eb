/**
 * The reconciler: a job record is written before its BullMQ flow, so a process
 * or Redis that dies between the two writes (or a failover that loses the
 * flow) leaves a job "queued" with nothing behind it. `serve` and `worker` run
 * this at start-up and then periodically; a lock in Redis lets one process per
 * interval do it for the whole deployment.
 *
 * For each queued or active record without its assemble (parent) job:
 *  - the analysed article is still there → the flow is added again (its job
 *    ids are fixed, so a flow that appeared meanwhile is not doubled);
 *  - it has expired → the job fails with the code `stranded` and a reason.
 */
import { randomBytes } from 'node:crypto';
import type { QueueConfig } from './config.js';
import { Queues } from './queues.js';
import type { Logger } from './worker.js';

export interface ReconcileReport {
  checked: number;
  requeued: string[];
  failed: string[];
}

/** Records younger than this are left alone: their submission may be writing the flow right now. */
export function minAgeMs(config: QueueConfig): number {
  return Math.min(30_000, config.reconcileIntervalMs);
}

const BATCH = 500;

/** One pass over the recent-jobs index. */
export async function reconcileOnce(queues: Queues, options: { now?: number; minAgeMs?: number } = {}): Promise<ReconcileReport> {
  const { store } = queues;
  const until = (options.now ?? Date.now()) - (options.minAgeMs ?? minAgeMs(queues.config));
  const report: ReconcileReport = { checked: 0, requeued: [], failed: [] };
  let from = 0;
  for (;;) {
    const ids = await store.submittedBetween(from, until, BATCH);
    for (const id of ids) {
      report.checked++;
      const rec = await store.get(id);
      if (!rec || (rec.status !== 'queued' && rec.status !== 'active')) continue;
      if (await queues.assemble.getJob(id)) continue;
      if (await store.analysis(id)) {
        await queues.addFlow(id, rec.meta.targets, rec.meta.providers ?? rec.meta.provider);
        report.requeued.push(id);
      } else {
        await store.fail(id, {
          code: 'stranded',
          message: 'the job lost its place in the queue and its analysed article has expired; submit the article again',
        });
        report.failed.push(id);
      }
    }
    if (ids.length < BATCH) break;
    // Ids at the last score are read again; a record checked twice is harmless.
    const last = ids[ids.length - 1]!;
    const score = Number(await store.redis.zscore(store.indexKey, last));
    if (!Number.isFinite(score) || score <= from) break;
    from = score;
  }
  return report;
}

/**
 * How long a pass holds the deployment's lock: a little less than one
 * interval. The lock is set a round trip after the process's timer started, so
 * a lock of exactly one interval is still held at that process's next tick, and
 * a lone process (or all processes started together) did one pass per two
 * intervals. The margin (a tenth, at most 1 s) is far above a SET's round trip.
 */
export function lockTtlMs(intervalMs: number): number {
  return Math.max(1, Math.floor(intervalMs - Math.min(1000, intervalMs / 10)));
}

export interface RunningReconciler {
  /** Runs a pass now if this process gets the lock (tests). */
  runNow(): Promise<ReconcileReport | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts the periodic reconciler. The lock is not released after a pass: it
 * expires just before the next tick, so the deployment does one pass per interval
 * whatever the number of processes, and a process that dies mid-pass frees it
 * by itself.
 */
export function startReconciler(options: { config: QueueConfig; log?: Logger; queues?: Queues }): RunningReconciler {
  const { config } = options;
  const own = !options.queues;
  const queues = options.queues ?? new Queues(config);
  const lockKey = `${config.prefix}:reconciler-lock`;
  const token = randomBytes(8).toString('hex');
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const pass = async (): Promise<ReconcileReport | undefined> => {
    const got = await queues.redis.set(lockKey, token, 'PX', lockTtlMs(config.reconcileIntervalMs), 'NX');
    if (got !== 'OK') return undefined;
    const report = await reconcileOnce(queues);
    if (report.requeued.length || report.failed.length) {
      options.log?.warn({ requeued: report.requeued, failed: report.failed }, 'reconciler: jobs without a queue entry were requeued or failed');
    }
    return report;
  };
  const tick = () => {
    if (stopped) return;
    running = pass().catch((err: unknown) => options.log?.warn({ err: (err as Error).message }, 'reconciler pass failed; it runs again at the next interval'));
  };
  tick();
  const timer = setInterval(tick, config.reconcileIntervalMs);
  timer.unref();
  return {
    runNow: () => pass(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      if (own) await queues.close();
    },
  };
}
