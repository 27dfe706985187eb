/**
 * Lua scripts sent by digest. `EVAL` ships the whole source with every call
 * (a kilobyte for some of ours, several times per engine call) and makes Redis
 * hash it each time; `EVALSHA` sends 40 characters. The source goes only when
 * the server answers NOSCRIPT: a restarted Redis, a failover to a replica that
 * never ran it, `SCRIPT FLUSH`.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

export function redisScript(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export async function runScript(redis: Redis | Cluster, script: RedisScript, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, numKeys, ...args);
  } catch (err) {
    if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.source, numKeys, ...args);
  }
}
