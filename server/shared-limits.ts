/**
 * The failed-authentication bucket and the event-stream cap, shared by every
 * API process of a deployment through Redis. Kept per process, N processes
 * behind a balancer gave a guesser N buckets and a token N × the stream cap.
 *
 * Each decision is one Lua script on a key under the deployment prefix (so
 * its `{hash tag}` keeps the keys in the deployment's cluster slot), timed by
 * Redis's own clock so processes with skewed clocks agree. When Redis does
 * not answer within a short deadline the process falls back to its own
 * in-memory limiter for a few seconds and tries Redis again after: a Redis
 * outage never turns authentication into a 500, and limits still hold per
 * process meanwhile.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../workers/redis.js';
import { FailureBucket, type FailureBucketOptions } from './failure-bucket.js';
import { StreamSlots } from './stream-slots.js';

type RedisClient = Redis | Cluster;

/** Waiting longer than this for Redis would slow every authenticated request during an outage. */
const REDIS_DEADLINE_MS = 1000;
/** After a Redis failure, decide locally this long before asking Redis again. */
const FALLBACK_MS = 5000;

const NOW_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

interface LuaScript {
  source: string;
  sha: string;
}

function lua(body: string): LuaScript {
  const source = NOW_LUA + body;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Token bucket: ARGV op ('check' | 'fail'), burst, tokens per ms, key TTL (ms).
 * Returns 0 when the address may try, else the ms until one token is back.
 */
const BUCKET = lua(`
local burst, perMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local level = burst
if v[1] then level = math.min(burst, tonumber(v[1]) + (now - tonumber(v[2])) * perMs) end
if ARGV[1] == 'fail' then
  level = math.max(0, level - 1)
  redis.call('HSET', KEYS[1], 'tokens', tostring(level), 'at', now)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
if level >= 1 then return 0 end
return math.ceil((1 - level) / perMs)
`);

/**
 * Leased slots in a sorted set (member → lease end): ARGV op ('take' | 'renew'), member, max, lease (ms).
 * A process that dies leaves its slots to expire with their lease. Returns 1 when taken (or renewed).
 */
const SLOTS = lua(`
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
-- A renewal always holds: the stream is open, even if its lease lapsed while Redis was away.
if ARGV[1] == 'take' and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
`);

async function run(redis: RedisClient, script: LuaScript, key: string, args: (string | number)[]): Promise<number> {
  try {
    return Number(await redis.evalsha(script.sha, 1, key, ...args));
  } catch (err) {
    if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
    return Number(await redis.eval(script.source, 1, key, ...args));
  }
}

/** Remembers a Redis failure for FALLBACK_MS, so an outage costs one deadline per interval, not one per request. */
class RedisOrLocal {
  private downUntil = 0;
  constructor(
    readonly redis: RedisClient,
    private readonly onFallback?: (err: Error) => void,
  ) {}

  /** The value of `remote` when Redis answers in time, else of `local`. */
  async decide<T>(remote: () => Promise<T>, local: () => T): Promise<T> {
    if (Date.now() < this.downUntil) return local();
    try {
      return await withTimeout(remote(), REDIS_DEADLINE_MS);
    } catch (err) {
      this.downUntil = Date.now() + FALLBACK_MS;
      this.onFallback?.(err as Error);
      return local();
    }
  }
}

/** What authentication needs from a failure limiter. */
export interface FailureLimiter {
  /** 0 while the address may offer credentials; else how long (ms) until it may. */
  waitMs(address: string): Promise<number>;
  /** Counts one failed authentication from the address. */
  fail(address: string): Promise<void>;
}

/** One process's bucket as a FailureLimiter (tests, and the fallback below). */
export function localFailureLimiter(bucket = new FailureBucket()): FailureLimiter {
  return {
    waitMs: async (address) => (bucket.allowed(address) ? 0 : Math.max(1, Math.ceil(bucket.retryAfterMs(address)))),
    fail: async (address) => bucket.fail(address),
  };
}

export interface SharedLimitOptions {
  /** Called when Redis does not answer and the process decides alone for a while. */
  onFallback?: (err: Error) => void;
}

/** The failure bucket of the whole deployment, in Redis under `<prefix>:auth-fail:<address>`. */
export function sharedFailureLimiter(redis: RedisClient, prefix: string, options: FailureBucketOptions & SharedLimitOptions = {}): FailureLimiter {
  const burst = options.burst ?? 10;
  const perMs = (options.perSecond ?? 2) / 1000;
  // A full bucket is the same as no key: keep the key only as long as refilling takes.
  const ttlMs = Math.ceil(burst / perMs) + 1000;
  const local = new FailureBucket(options);
  const fallback = localFailureLimiter(local);
  const via = new RedisOrLocal(redis, options.onFallback);
  const key = (address: string) => `${prefix}:auth-fail:${address}`;
  return {
    waitMs: (address) => via.decide(() => run(redis, BUCKET, key(address), ['check', burst, perMs, ttlMs]), () => (local.allowed(address) ? 0 : Math.max(1, Math.ceil(local.retryAfterMs(address))))),
    fail: async (address) => {
      // Counted locally too, so that a Redis that goes away mid-attack leaves this process's bucket already spent.
      local.fail(address);
      await via.decide(
        () => run(redis, BUCKET, key(address), ['fail', burst, perMs, ttlMs]).then(() => undefined),
        () => undefined,
      );
    },
  };
}

/** One open event stream's slot. */
export interface StreamSlot {
  /** Extends the lease of a long stream (called from its loop; cheap when not due). */
  renew(): Promise<void>;
  release(): void;
}

export interface StreamSlotPool {
  readonly max: number;
  /** A slot for `who`, or undefined when all of its slots are taken. */
  take(who: string): Promise<StreamSlot | undefined>;
}

/** Slots counted in this process only. */
export function localStreamSlots(max: number): StreamSlotPool {
  const slots = new StreamSlots(max);
  return {
    max,
    take: async (who) => {
      if (!slots.take(who)) return undefined;
      let held = true;
      return {
        renew: async () => {},
        release: () => {
          if (held) slots.give(who);
          held = false;
        },
      };
    },
  };
}

/**
 * Slots shared by every API process, in Redis under `<prefix>:sse:<who>`.
 * Each is a lease of `leaseMs` that the stream renews while it runs, so the
 * slots of a process that died come back by themselves.
 */
export function sharedStreamSlots(redis: RedisClient, prefix: string, max: number, options: SharedLimitOptions & { leaseMs?: number } = {}): StreamSlotPool {
  const leaseMs = options.leaseMs ?? 60_000;
  const local = localStreamSlots(max);
  const via = new RedisOrLocal(redis, options.onFallback);
  const key = (who: string) => `${prefix}:sse:${who}`;
  return {
    max,
    take: async (who) => {
      const member = randomUUID();
      const taken = await via.decide<boolean | 'local'>(async () => (await run(redis, SLOTS, key(who), ['take', member, max, leaseMs])) === 1, () => 'local');
      if (taken === 'local') return local.take(who);
      if (!taken) return undefined;
      let renewedAt = Date.now();
      let held = true;
      return {
        renew: async () => {
          if (!held || Date.now() - renewedAt < leaseMs / 3) return;
          renewedAt = Date.now();
          await via.decide(() => run(redis, SLOTS, key(who), ['renew', member, max, leaseMs]), () => 0);
        },
        release: () => {
          if (!held) return;
          held = false;
          // Not awaited: a stream that ends must not wait on Redis; a ZREM that fails leaves the lease to expire.
          void withTimeout(redis.zrem(key(who), member), REDIS_DEADLINE_MS * 10).catch(() => undefined);
        },
      };
    },
  };
}
