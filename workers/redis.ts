/**
 * Redis connections and the start-up checks every queue process runs before
 * doing anything: reachable, new enough, and not evicting keys (an evicted
 * BullMQ key silently loses jobs).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InputError, LocflowError } from '../pipeline/errors.js';

/** Redis cannot be used: the CLI reports it on one line and exits 2. */
export class RedisUnavailableError extends LocflowError {
  constructor(message: string, cause?: unknown, params?: Record<string, unknown>) {
    super('redis-unavailable', message, { cause, params });
  }
}

export type ConnectionRole =
  /** Blocking BullMQ workers: must retry forever (BullMQ requires maxRetriesPerRequest: null). */
  | 'worker'
  /** Request handlers: fail fast instead of queueing commands while Redis is away. */
  | 'producer';

export function connectRedis(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    enableOfflineQueue: true,
    // Reconnect forever with a capped delay: a restarted Redis must be picked up again.
    retryStrategy: (times) => Math.min(200 * times, 2000),
    ...extra,
  };
  let redis: Redis;
  try {
    redis = new Redis(url, options);
  } catch (err) {
    // ioredis parses the URL in its constructor; the value is not echoed because it may hold a password.
    const detail = (err as Error).message;
    throw new InputError('bad-config', `REDIS_URL is not a Redis URL (${detail}); use e.g. redis://127.0.0.1:6379`, { cause: err, params: { name: 'REDIS_URL', detail, context: 'redis-url' } });
  }
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  redis.on('error', () => {});
  return redis;
}

export interface RedisInfo {
  version: string;
  maxmemoryPolicy: string | undefined;
  warnings: string[];
}

function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}

/** Connects and checks the server; throws RedisUnavailableError with one clear sentence. */
export async function checkRedis(redis: Redis, url: string, timeoutMs = 3000): Promise<RedisInfo> {
  const where = redacted(url);
  try {
    await withTimeout(
      (async () => {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      })(),
      timeoutMs,
    );
  } catch (err) {
    throw new RedisUnavailableError(`cannot reach Redis at ${where} (${(err as Error).message}); start Redis or set REDIS_URL`, err, { url: where, detail: (err as Error).message });
  }
  const info = parseInfo(await redis.info());
  const version = info.redis_version ?? info.valkey_version ?? '0';
  if (olderThanBullmqNeeds(version)) throw new RedisUnavailableError(`Redis at ${where} is version ${version}; locflow needs Redis 6.2 or later`, undefined, { url: where, version, context: 'version' });
  const warnings: string[] = [];
  const policy = info.maxmemory_policy;
  if (policy && policy !== 'noeviction') {
    warnings.push(`Redis maxmemory-policy is ${policy}: set it to noeviction, or Redis may evict queue keys and lose jobs`);
  }
  return { version, maxmemoryPolicy: policy, warnings };
}

/** BullMQ states full compatibility from Redis 6.2.0; older servers lack commands its scripts use. */
export function olderThanBullmqNeeds(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number(n) || 0);
  return major < 6 || (major === 6 && minor < 2);
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
