/**
 * Policies every provider call goes through, whatever the engine: batching
 * within the provider's limits (the only batching there is), a per-provider concurrency gate, and retries
 * with exponential backoff and full jitter that honour `Retry-After`.
 */
import { ProviderError } from '../pipeline/errors.js';
import type { ProviderLimits, ProviderSegment } from './contract.js';

export interface RetryOptions {
  /** Attempts in total, the first call included (default 4). */
  attempts?: number;
  /** Backoff base: the cap of the first wait doubles on each attempt (default 500 ms). */
  baseMs?: number;
  /** Largest single wait (default 20 s). */
  maxMs?: number;
  /**
   * Total time this call may spend waiting (default 60 s). A Retry-After longer
   * than what is left is not waited for here: the error goes up so that a queue
   * worker can reschedule the job instead of holding a slot.
   */
  budgetMs?: number;
  /** Injected for tests: a number in [0, 1). */
  random?: () => number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait, e.g. for logs/metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'random' | 'sleep' | 'onRetry'>> = {
  attempts: 4,
  baseMs: 500,
  maxMs: 20_000,
  budgetMs: 60_000,
};

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The wait before retry number `attempt` (1 = first retry): full jitter over an
 * exponentially growing cap, but never shorter than the server's Retry-After.
 */
export function backoffDelay(attempt: number, retryAfterMs: number | undefined, options: RetryOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_RETRY.baseMs;
  const max = options.maxMs ?? DEFAULT_RETRY.maxMs;
  const cap = Math.min(max, base * 2 ** (attempt - 1));
  const jittered = Math.floor((options.random ?? Math.random)() * cap);
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/**
 * Runs `fn`, retrying retryable ProviderErrors. Anything else (non-retryable
 * provider failures, bugs, aborts) goes straight up. When attempts or the wait
 * budget run out, the last retryable error is rethrown unchanged.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}, signal?: AbortSignal): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY.attempts);
  const budget = options.budgetMs ?? DEFAULT_RETRY.budgetMs;
  const sleep = options.sleep ?? abortableSleep;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.retryable || attempt >= attempts || signal?.aborted) throw err;
      const delayMs = backoffDelay(attempt, err.retryAfterMs, options);
      if (waited + delayMs > budget) throw err;
      options.onRetry?.({ attempt, delayMs, error: err });
      waited += delayMs;
      await sleep(delayMs, signal);
    }
  }
}

/** Room for a request's envelope (language codes, options) when the provider does not measure its own body. */
const ENVELOPE_BYTES = 512;

/** Bytes a segment adds to a JSON request body: its UTF-8 text plus quoting/escaping room. */
function bodyBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') + 16;
}

/**
 * Splits segments into consecutive batches that respect maxTexts, maxChars and
 * maxBodyBytes: the only place locflow cuts a provider's input. Body bytes are
 * the provider's own `measure` of the batch when it has one, else an estimate.
 * A single segment larger than a limit travels alone: the provider then
 * answers with its own size error, which is more useful to the user than
 * silently cutting a sentence in two.
 */
export function planBatches<S extends ProviderSegment>(segments: S[], limits: ProviderLimits, measure?: (segments: S[]) => number): S[][] {
  const maxBytes = limits.maxBodyBytes;
  const batches: S[][] = [];
  let current: S[] = [];
  let chars = 0;
  let bytes = ENVELOPE_BYTES;
  for (const seg of segments) {
    const c = seg.text.length;
    const b = bodyBytes(seg.text);
    const full =
      current.length > 0 &&
      (current.length + 1 > limits.maxTexts ||
        chars + c > limits.maxChars ||
        (maxBytes !== undefined && (measure ? measure([...current, seg]) : bytes + b) > maxBytes));
    if (full) {
      batches.push(current);
      current = [];
      chars = 0;
      bytes = ENVELOPE_BYTES;
    }
    current.push(seg);
    chars += c;
    bytes += b;
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * A counting semaphore (at most `limit` holders at once, FIFO) that can also be
 * paused: when an engine says "slow down" (429 with Retry-After) every call to
 * it waits, not only the batch that was told.
 */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private pausedUntil = 0;

  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    // A released slot is handed straight to the next waiter, so a newcomer can
    // never slip in between the release and the waiter waking up.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) await abortableSleep(wait, signal);
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Holds every call that starts in the next `ms` milliseconds. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  get inFlight(): number {
    return this.active;
  }
}

const gates = new Map<string, Gate>();

/**
 * One gate per provider and limit for the whole process, so that several
 * translators (one per job in a worker) share the provider's concurrency.
 */
export function processGate(key: string, limit: number): Gate {
  const name = `${key}#${limit}`;
  let gate = gates.get(name);
  if (!gate) gates.set(name, (gate = new Gate(limit)));
  return gate;
}
