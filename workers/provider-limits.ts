/**
 * Provider limits shared by every process of a deployment, through Redis.
 *
 * Each worker process has its own gate per provider (`providers/policy.ts`),
 * but an engine's limits belong to the account: two processes with four slots
 * each sent eight calls to an engine that allows four, and a third of them
 * came back 429. Here a provider's `translate()` is wrapped so that every call
 * first takes, in one Lua script:
 *
 *   - a lease in a semaphore (`maxInFlight`): a sorted set of lease ids scored
 *     by expiry. A live holder renews its lease; the lease of a process that
 *     died expires on its own and the slot comes back;
 *   - a token from a bucket (`requestsPerMinute`) and as many characters as the
 *     call sends (`charsPerMinute`), refilled evenly, at most one second's worth
 *     banked;
 *   - nothing while the provider is paused: a 429 with Retry-After from the
 *     engine pauses the provider for every process (one key with that expiry).
 *
 * A release is announced on a pub/sub channel, so a waiting process retries at
 * once instead of polling; a missed message costs at most one fallback poll.
 * Every key carries the deployment's prefix (hash tag included), so the
 * scripts' keys share one slot in Redis Cluster. Redis's clock (`TIME`) is the
 * only clock used, so machines with skewed clocks agree on expiry.
 */
import { randomBytes } from 'node:crypto';
import { redisScript, runScript } from '../providers/redis-script.js';
import type { Cluster, Redis } from 'ioredis';
import { ProviderError } from '../pipeline/errors.js';
import type { ProviderSettings } from '../providers/config.js';
import type { TranslateRequest, TranslateResponse, TranslationProvider } from '../providers/contract.js';
import { abortableSleep } from '../providers/policy.js';

type Client = Redis | Cluster;

/** How long a lease lives without renewal: the time a dead process keeps its slots. */
export const DEFAULT_LEASE_MS = 15_000;
/** Pause for a 429 that does not say how long to wait. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 1_000;
/** Longest wait for a slot without hearing of a release (a lost message, a lease that expired). */
const FALLBACK_POLL_MS = 500;

// KEYS: leases (zset), bucket (hash), pause (string).
// ARGV: lease id, lease ms, maxInFlight (0: none), requests/min (0: none), chars/min (0: none), chars of this call.
// Returns {0, 'ok'} with the lease taken, else {wait ms, reason}: 'pause', 'busy' (wait ms = until the
// oldest lease expires) or 'rate'. Nothing is taken unless everything is available.
const ACQUIRE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return {paused, 'pause'} end
local max = tonumber(ARGV[3])
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= max then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {math.max(1, tonumber(first[2]) - now), 'busy'}
  end
end
local rpm, cpm, chars = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if rpm > 0 or cpm > 0 then
  local b = redis.call('HMGET', KEYS[2], 'r', 'c', 'at')
  local elapsed = math.max(0, now - (tonumber(b[3]) or now))
  local wait = 0
  local r, c
  if rpm > 0 then
    local cap = math.max(1, rpm / 60)
    r = math.min(cap, (tonumber(b[1]) or cap) + elapsed * rpm / 60000)
    if r < 1 then wait = math.max(wait, math.ceil((1 - r) * 60000 / rpm)) end
  end
  if cpm > 0 then
    local cap = math.max(1, cpm / 60)
    c = math.min(cap, (tonumber(b[2]) or cap) + elapsed * cpm / 60000)
    -- A call larger than the bucket goes once the bucket is full, and leaves it in debt.
    local need = math.min(chars, cap)
    if c < need then wait = math.max(wait, math.ceil((need - c) * 60000 / cpm)) end
  end
  if wait > 0 then return {wait, 'rate'} end
  if r then r = r - 1 end
  if c then c = c - chars end
  redis.call('HSET', KEYS[2], 'r', tostring(r or 0), 'c', tostring(c or 0), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[2], 120000)
end
if max > 0 then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
return {0, 'ok'}
`);

// KEYS: leases. ARGV: lease id, lease ms. A lease that already expired is not brought back: its slot may be someone else's now.
const RENEW = redisScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2]), ARGV[1])
return 1
`);

// KEYS: leases. ARGV: lease id, channel, provider id.
const RELEASE = redisScript(`
local n = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return n
`);

// KEYS: pause. ARGV: ms. Only ever lengthens a pause.
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

// KEYS: leases. Live leases (the expired ones are removed on the way).
const IN_FLIGHT = `
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return redis.call('ZCARD', KEYS[1])
`;

export function limitKeys(prefix: string, provider: string) {
  return {
    leases: `${prefix}:limits:${provider}:leases`,
    bucket: `${prefix}:limits:${provider}:bucket`,
    pause: `${prefix}:limits:${provider}:pause`,
  };
}

export function releaseChannel(prefix: string): string {
  return `${prefix}:limits:released`;
}

/** Live leases of a provider across the deployment (for /metrics). */
export async function inFlight(redis: Client, prefix: string, provider: string): Promise<number> {
  return Number(await redis.eval(IN_FLIGHT, 1, limitKeys(prefix, provider).leases));
}

export interface LimitStats {
  /** Calls that went through the shared limits. */
  calls: number;
  /** Time those calls spent waiting for a slot, a token or the end of a pause. */
  waitMs: number;
}

export interface SharedLimitsOptions {
  redis: Client;
  prefix: string;
  /** By provider id; providers without an entry are left as they are. */
  settings: Record<string, ProviderSettings>;
  leaseMs?: number;
  /** A connection for the release channel (default: `redis.duplicate()`). */
  subscriber?: () => Client;
  onLeaseLost?: (provider: string) => void;
}

export interface SharedLimits {
  /** The provider with its `translate()` behind the shared limits; the provider itself when it has none. */
  wrap(provider: TranslationProvider): TranslationProvider;
  /** Waiting time and calls by provider since the last call to `takeStats()`. */
  takeStats(): Record<string, LimitStats>;
  close(): Promise<void>;
}

interface Waiter {
  wake: () => void;
}

export function createSharedLimits(options: SharedLimitsOptions): SharedLimits {
  const { redis, prefix } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const channel = releaseChannel(prefix);
  const processTag = randomBytes(6).toString('hex');
  let leaseCounter = 0;
  const stats: Record<string, LimitStats> = {};
  // Waiters for a slot, by provider, oldest first: a release message wakes the oldest one.
  const waiting = new Map<string, Waiter[]>();
  let subscriber: Client | undefined;
  let closed = false;

  const listen = () => {
    if (subscriber || closed) return;
    // Both client kinds have duplicate(); their signatures differ only in the options they take.
    const sub: Client = options.subscriber ? options.subscriber() : (redis as Redis).duplicate();
    subscriber = sub;
    sub.on('error', () => {});
    sub.on('message', (ch: string, provider: string) => {
      if (ch !== channel) return;
      waiting.get(provider)?.shift()?.wake();
    });
    void sub.subscribe(channel).catch(() => {});
  };

  /** Sleeps `ms`, or less when a release of this provider is announced. */
  const waitForSlot = (provider: string, ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const queue = waiting.get(provider) ?? [];
      waiting.set(provider, queue);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
      };
      const waiter: Waiter = {
        wake: () => {
          done();
          resolve();
        },
      };
      const onAbort = () => {
        done();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const timer = setTimeout(waiter.wake, Math.min(ms, FALLBACK_POLL_MS));
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });

  async function acquire(provider: string, s: ProviderSettings, chars: number, signal?: AbortSignal): Promise<string> {
    const keys = limitKeys(prefix, provider);
    const lease = `${processTag}:${++leaseCounter}`;
    for (;;) {
      signal?.throwIfAborted();
      const [wait, reason] = (await runScript(
        redis,
        ACQUIRE,
        3,
        keys.leases,
        keys.bucket,
        keys.pause,
        lease,
        String(leaseMs),
        String(s.maxInFlight ?? 0),
        String(s.requestsPerMinute ?? 0),
        String(s.charsPerMinute ?? 0),
        String(chars),
      )) as [number, string];
      if (wait === 0) return lease;
      if (reason === 'busy') await waitForSlot(provider, wait, signal);
      // A little jitter so that processes woken by the same expiry do not all ask in the same millisecond.
      else await abortableSleep(wait + Math.floor(Math.random() * 10), signal);
    }
  }

  function wrap(provider: TranslationProvider): TranslationProvider {
    const s = options.settings[provider.id];
    if (!s || (s.maxInFlight === undefined && s.requestsPerMinute === undefined && s.charsPerMinute === undefined)) return provider;
    const id = provider.id;
    const keys = limitKeys(prefix, id);
    if (s.maxInFlight !== undefined) listen();

    const translate = async (req: TranslateRequest): Promise<TranslateResponse> => {
      const chars = req.segments.reduce((n, seg) => n + seg.text.length, 0);
      const started = performance.now();
      const lease = await acquire(id, s, chars, req.signal);
      const st = (stats[id] ??= { calls: 0, waitMs: 0 });
      st.calls++;
      st.waitMs += performance.now() - started;
      const renew =
        s.maxInFlight === undefined
          ? undefined
          : setInterval(() => {
              void (runScript(redis, RENEW, 1, keys.leases, lease, String(leaseMs)) as Promise<number>).then(
                (kept) => {
                  if (kept === 0) options.onLeaseLost?.(id);
                },
                () => {},
              );
            }, Math.max(100, Math.floor(leaseMs / 3)));
      renew?.unref();
      try {
        return await provider.translate(req);
      } catch (err) {
        if (err instanceof ProviderError && err.reason === 'rate-limit') {
          // The engine speaks to the account: every process holds off, not only this one.
          await redis.eval(PAUSE, 1, keys.pause, String(Math.max(1, Math.round(err.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS)))).catch(() => {});
        }
        throw err;
      } finally {
        if (renew) {
          clearInterval(renew);
          // Not awaited: the result goes back to the caller a round trip sooner. This connection sends
          // commands in order, so this process's next acquire still comes after the release.
          void runScript(redis, RELEASE, 1, keys.leases, lease, channel, id).catch(() => {});
        }
      }
    };

    // A proxy rather than a copy: every other member (limits, pairs, health, fields a later contract adds) is the provider's own.
    return new Proxy(provider, {
      get(target, key) {
        if (key === 'translate') return translate;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  return {
    wrap,
    takeStats() {
      const out = structuredClone(stats);
      for (const k of Object.keys(stats)) delete stats[k];
      return out;
    },
    async close() {
      closed = true;
      for (const queue of waiting.values()) for (const w of [...queue]) w.wake();
      if (subscriber && subscriber.status !== 'end') await subscriber.quit().catch(() => subscriber?.disconnect());
    },
  };
}
