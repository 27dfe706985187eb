/**
 * Web page sessions. The cookie carries a random id (32 bytes, base64url);
 * Redis maps it to the digest of the token that signed in, with a TTL. The
 * token itself never travels in a cookie, so a cookie that leaks (a proxy
 * log, a shared machine) is worth one session that sign-out or the TTL ends,
 * and removing a token from LOCFLOW_TOKENS ends its sessions too.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient as Redis } from '../workers/redis.js';

export interface SessionStore {
  /** A new session for the token with this digest; returns the id for the cookie. */
  create(digest: Buffer, ttlSeconds: number): Promise<string>;
  /** The token digest a live session belongs to. */
  lookup(id: string): Promise<Buffer | undefined>;
  delete(id: string): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * How long a session this process has seen alive stays usable while Redis
 * cannot be asked. Only a Redis failure falls back to it: whenever Redis
 * answers, its answer (a sign-out from any process included) wins. Without
 * it a Redis blip signed every reader out, and the page could not even say
 * that the queue store was down.
 */
const REMEMBER_MS = 5 * 60_000;

export function redisSessions(redis: Redis, prefix: string): SessionStore {
  // Only a hash of the id is a key: whoever reads Redis (a dump, MONITOR) cannot replay a session from it.
  const key = (id: string) => `${prefix}:session:${createHash('sha256').update(id).digest('hex')}`;
  const seen = new Map<string, { digest: Buffer; until: number }>();
  return {
    async create(digest, ttlSeconds) {
      const id = randomBytes(32).toString('base64url');
      await redis.set(key(id), digest.toString('hex'), 'EX', ttlSeconds);
      return id;
    },
    async lookup(id) {
      if (!ID.test(id)) return undefined;
      let hex: string | null;
      try {
        hex = await redis.get(key(id));
      } catch (err) {
        const known = seen.get(id);
        if (known && known.until > Date.now()) return known.digest;
        throw err;
      }
      if (!hex) {
        seen.delete(id);
        return undefined;
      }
      const digest = Buffer.from(hex, 'hex');
      if (seen.size > 10_000) seen.clear();
      seen.set(id, { digest, until: Date.now() + REMEMBER_MS });
      return digest;
    },
    async delete(id) {
      seen.delete(id);
      if (ID.test(id)) await redis.del(key(id));
    },
  };
}
