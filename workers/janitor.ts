/**
 * Trims finished BullMQ jobs by age on a timer. BullMQ applies
 * `removeOnComplete: {age, count}` only when another job finishes, so a
 * deployment that goes quiet would keep its last thousand jobs (and their
 * return values and logs) for ever. One process of the deployment does it at
 * a time (a lock key with an expiry); the others skip that round.
 */
import { Queue } from 'bullmq';
import type { QueueConfig } from './config.js';
import { QUEUE } from './queues.js';
import type { RedisClient } from './redis.js';

/** How often a round runs (and how long its lock holds). */
export const JANITOR_INTERVAL_MS = 10 * 60_000;

export interface Janitor {
  /** One round now (tests); resolves with the jobs removed, or undefined when another process holds the lock. */
  run(): Promise<number | undefined>;
  close(): Promise<void>;
}

export function startJanitor(redis: RedisClient, config: QueueConfig, onError: (err: Error) => void = () => {}, intervalMs = JANITOR_INTERVAL_MS): Janitor {
  // With the deployment's stream cap: a Queue writes its options to the queue's meta, and the default (10 000) would replace it.
  const queues = Object.values(QUEUE).map((name) => new Queue(name, { connection: redis, prefix: config.prefix, streams: { events: { maxLen: config.eventsMaxLen } } }));
  for (const q of queues) q.on('error', () => {});
  const lock = `${config.prefix}:janitor`;
  const run = async (): Promise<number | undefined> => {
    if ((await redis.set(lock, '1', 'PX', intervalMs, 'NX')) !== 'OK') return undefined;
    let removed = 0;
    for (const q of queues) {
      for (const state of ['completed', 'failed'] as const) {
        // 1 000 per call keeps each script short; a backlog is cleared over a few rounds.
        removed += (await q.clean(config.retentionSeconds * 1000, 1000, state)).length;
      }
    }
    return removed;
  };
  const timer = setInterval(() => void run().catch((err: unknown) => onError(err as Error)), intervalMs);
  timer.unref();
  return {
    run,
    async close() {
      clearInterval(timer);
      await Promise.allSettled(queues.map((q) => q.close()));
    },
  };
}
