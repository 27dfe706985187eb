import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../pipeline/errors.js';
import { backoffDelay, Gate, planBatches, processGate, withRetry } from '../../providers/policy.js';
import { badRequest, rateLimited } from './fake.js';

describe('backoff', () => {
  it('draws full jitter in [0, base·2^(n-1)) capped at maxMs', () => {
    let r = 0;
    const random = () => (r = (r * 9301 + 49297) % 233280) / 233280;
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(4000, 100 * 2 ** (attempt - 1));
      const delays = Array.from({ length: 200 }, () => backoffDelay(attempt, undefined, { baseMs: 100, maxMs: 4000, random }));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(cap);
      // Really jittered, not a constant.
      expect(new Set(delays).size).toBeGreaterThan(10);
    }
  });

  it('never waits less than Retry-After', () => {
    expect(backoffDelay(1, 7000, { baseMs: 100, random: () => 0.99 })).toBe(7000);
    // When the jittered wait is already longer, it is kept.
    expect(backoffDelay(6, 10, { baseMs: 100, maxMs: 10_000, random: () => 0.5 })).toBe(1600);
  });
});

describe('withRetry', () => {
  const recorder = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it('retries retryable errors and honours Retry-After', async () => {
    const { waits, sleep } = recorder();
    let n = 0;
    const out = await withRetry(
      async () => {
        if (++n < 3) throw rateLimited('x', 2500);
        return 'ok';
      },
      { sleep, random: () => 0 },
    );
    expect(out).toBe('ok');
    expect(n).toBe(3);
    expect(waits).toEqual([2500, 2500]);
  });

  it('gives up after the attempt limit and rethrows the provider error unchanged', async () => {
    const { waits, sleep } = recorder();
    const err = rateLimited('x');
    let n = 0;
    const caught = await withRetry(
      async () => {
        n++;
        throw err;
      },
      { attempts: 3, sleep, random: () => 0.5, baseMs: 100 },
    ).catch((e: unknown) => e);
    expect(caught).toBe(err);
    expect(n).toBe(3);
    expect(waits).toEqual([50, 100]);
  });

  it('does not wait beyond its budget: a long Retry-After goes up to the queue', async () => {
    const { waits, sleep } = recorder();
    let n = 0;
    const caught = await withRetry(
      async () => {
        n++;
        throw rateLimited('x', 120_000);
      },
      { sleep, budgetMs: 60_000 },
    ).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(ProviderError);
    expect((caught as ProviderError).retryAfterMs).toBe(120_000);
    expect(n).toBe(1);
    expect(waits).toEqual([]);
  });

  it('does not retry errors that are not retryable, nor non-provider errors', async () => {
    const { sleep } = recorder();
    let n = 0;
    await expect(withRetry(async () => { n++; throw badRequest('x'); }, { sleep })).rejects.toMatchObject({ reason: 'bad-request' });
    await expect(withRetry(async () => { n++; throw new TypeError('bug'); }, { sleep })).rejects.toBeInstanceOf(TypeError);
    expect(n).toBe(2);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(withRetry(async () => { throw rateLimited('x', 5000); }, {}, controller.signal)).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('planBatches', () => {
  const segs = (...texts: string[]) => texts.map((text, i) => ({ id: String(i), text }));

  it('respects maxTexts and maxChars and keeps the order', () => {
    const batches = planBatches(segs('aa', 'bb', 'cc', 'dd', 'ee'), { maxTexts: 2, maxChars: 100 });
    expect(batches.map((b) => b.map((s) => s.text))).toEqual([['aa', 'bb'], ['cc', 'dd'], ['ee']]);
    const byChars = planBatches(segs('aaaa', 'bbbb', 'cc', 'd'), { maxTexts: 100, maxChars: 6 });
    expect(byChars.map((b) => b.map((s) => s.text))).toEqual([['aaaa'], ['bbbb', 'cc'], ['d']]);
  });

  it('respects maxBodyBytes counting UTF-8 bytes, not characters', () => {
    const viet = 'Trí tuệ nhân tạo '.repeat(20); // multi-byte letters
    const batches = planBatches(segs(viet, viet, viet, viet), { maxTexts: 100, maxChars: 100_000, maxBodyBytes: 512 + 2 * (Buffer.byteLength(viet) + 2 + 16) });
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
  });

  it('sends a segment larger than the limit alone rather than cutting it', () => {
    const batches = planBatches(segs('a', 'x'.repeat(50), 'b'), { maxTexts: 10, maxChars: 10 });
    expect(batches.map((b) => b.map((s) => s.text.length))).toEqual([[1], [50], [1]]);
  });
});

describe('Gate', () => {
  it('never lets more than `limit` calls run at once', async () => {
    const gate = new Gate(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2 + (i % 3)));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('holds every call while paused (a Retry-After applies to the whole engine)', async () => {
    const gate = new Gate(4);
    gate.pause(150);
    const started = Date.now();
    const times = await Promise.all([1, 2, 3].map(() => gate.run(async () => Date.now() - started)));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(140);
    const after = Date.now();
    await gate.run(async () => undefined);
    expect(Date.now() - after).toBeLessThan(100);
  });

  it('is shared per process for the same provider and limit', () => {
    expect(processGate('deepl', 4)).toBe(processGate('deepl', 4));
    expect(processGate('deepl', 4)).not.toBe(processGate('azure', 4));
  });
});
