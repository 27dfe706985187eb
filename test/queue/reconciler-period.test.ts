/**
 * The reconciler's period: one pass per LOCFLOW_RECONCILE_INTERVAL_MS, not one
 * per two. Its lock used to live exactly one interval, set a round trip after
 * the timer started, so the process's own next tick always found it still held
 * and a stranded job waited up to two intervals (plus the minimum age).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Queues } from '../../workers/queues.js';
import { lockTtlMs, startReconciler, type RunningReconciler } from '../../workers/reconciler.js';
import { cleanPrefix, testConfig } from './helpers.js';

let reconciler: RunningReconciler | undefined;
let queues: Queues | undefined;
afterEach(async () => {
  await reconciler?.stop();
  await queues?.close();
  if (queues) await cleanPrefix(queues.config.prefix);
  reconciler = queues = undefined;
});

describe('the reconciler period', () => {
  it('keeps its lock for less than one interval, with a margin above a round trip', () => {
    expect(lockTtlMs(60_000)).toBeLessThan(60_000);
    expect(lockTtlMs(60_000)).toBeGreaterThanOrEqual(59_000);
    expect(lockTtlMs(500)).toBeLessThan(500);
    expect(lockTtlMs(500)).toBeGreaterThan(0);
    expect(lockTtlMs(1)).toBe(1);
  });

  it('runs a pass at every tick of a lone process', async () => {
    const interval = 300;
    queues = new Queues(testConfig({}, { LOCFLOW_RECONCILE_INTERVAL_MS: String(interval) }));
    // Each pass that got the lock reads the recent-jobs index once (the store is empty).
    let passes = 0;
    const read = queues.store.submittedBetween.bind(queues.store);
    queues.store.submittedBetween = (...args) => {
      passes++;
      return read(...args);
    };
    reconciler = startReconciler({ config: queues.config, queues });
    // Ticks at 0, 300, …, 2700 ms: ten chances. Taking only every other one gives about 5.
    await new Promise((r) => setTimeout(r, 9 * interval + interval / 4));
    expect(passes).toBeGreaterThanOrEqual(8);
  });
});
