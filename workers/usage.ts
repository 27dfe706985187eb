/**
 * Redis memory of one deployment, by kind of key: what `locflow doctor` and
 * `GET /v1/admin/usage` show. Every key under the prefix is counted (SCAN);
 * `MEMORY USAGE` is asked for up to `samplePerKind` keys of each kind and
 * the kind's total extrapolated from their average, so a deployment with
 * millions of keys is measured in seconds. Keys without an expiry are
 * counted too: outside the few kinds meant to live (translation memory,
 * glossary, metrics, BullMQ's queue structures) they are a leak.
 */
import type { Cluster, Redis } from 'ioredis';
import { nodeForKey } from './redis.js';

export interface KindUsage {
  kind: string;
  keys: number;
  /** Bytes, exact when every key was measured, else extrapolated from the sample. */
  bytes: number;
  /** Keys with no expiry. */
  persistent: number;
  sampled: number;
}

export interface Usage {
  prefix: string;
  keys: number;
  bytes: number;
  kinds: KindUsage[];
  /** Redis's own figures, for the whole server (every deployment on it). */
  server: { usedMemory: number; maxmemory: number; maxmemoryPolicy: string | undefined };
}

const QUEUES = ['translate', 'assemble', 'webhooks'];

/** `{locflow}:job:j_1` → `job`; BullMQ keys by queue and role (`bullmq:translate:events`). */
export function kindOf(key: string, prefix: string): string {
  const rest = key.startsWith(`${prefix}:`) ? key.slice(prefix.length + 1) : key;
  const parts = rest.split(':');
  const head = parts[0] ?? '';
  if (QUEUES.includes(head)) {
    const role = parts[1] ?? '';
    // Job hashes and their sidecars (`<id>:logs`, `<id>:processed`, `<id>:dependencies`) are named by job id: one kind.
    const known = ['events', 'completed', 'failed', 'wait', 'waiting', 'active', 'paused', 'delayed', 'prioritized', 'meta', 'id', 'stalled', 'stalled-check', 'marker', 'limiter', 'waiting-children', 'pc', 'de', 'repeat', 'metrics'];
    return `bullmq:${head}:${known.includes(role) ? role : 'job'}`;
  }
  if (head === 'tm') return parts[1] === 'lru' ? 'tm:lru' : parts[1] === 'h' ? 'tm:human' : 'tm:machine';
  if (head === 'glossary' || head === 'limits') return head;
  return head;
}

export async function measureUsage(client: Redis | Cluster, prefix: string, samplePerKind = 1000): Promise<Usage> {
  // Every key of the deployment shares the prefix's hash tag: in a cluster they all live on the master of that slot.
  const redis = nodeForKey(client, `${prefix}:jobs`) ?? (client as Redis);
  const pattern = `${prefix.replace(/[[\]*?\\]/g, '\\$&')}:*`;
  const byKind = new Map<string, { keys: string[]; count: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await (redis as Redis).scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const kind = kindOf(key, prefix);
      const entry = byKind.get(kind) ?? { keys: [], count: 0 };
      entry.count++;
      if (entry.keys.length < samplePerKind) entry.keys.push(key);
      byKind.set(kind, entry);
    }
  } while (cursor !== '0');

  const kinds: KindUsage[] = [];
  for (const [kind, { keys, count }] of byKind) {
    let bytes = 0;
    let persistent = 0;
    let measured = 0;
    for (let i = 0; i < keys.length; i += 200) {
      const chunk = keys.slice(i, i + 200);
      const pipe = (redis as Redis).pipeline();
      // SAMPLES 0: every element of a large hash or zset, not a guess from five of them.
      for (const k of chunk) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0').ttl(k);
      const res = (await pipe.exec()) ?? [];
      for (let j = 0; j < chunk.length; j++) {
        const size = res[2 * j]?.[1];
        const ttl = res[2 * j + 1]?.[1];
        if (typeof size === 'number') {
          bytes += size;
          measured++;
        }
        if (ttl === -1) persistent++;
      }
    }
    const scale = measured > 0 ? count / measured : 0;
    kinds.push({ kind, keys: count, bytes: Math.round(bytes * scale), persistent: Math.round(persistent * (keys.length ? count / keys.length : 0)), sampled: measured });
  }
  kinds.sort((a, b) => b.bytes - a.bytes);
  const info = await (redis as Redis).info('memory');
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  return {
    prefix,
    keys: kinds.reduce((n, k) => n + k.keys, 0),
    bytes: kinds.reduce((n, k) => n + k.bytes, 0),
    kinds,
    server: { usedMemory: Number(field('used_memory') ?? 0), maxmemory: Number(field('maxmemory') ?? 0), maxmemoryPolicy: field('maxmemory_policy') },
  };
}

/** The table `locflow doctor` prints. */
export function formatUsage(u: Usage): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = u.kinds.map((k) => `${k.kind.padEnd(34)} ${String(k.keys).padStart(9)} ${kb(k.bytes).padStart(14)} ${String(k.persistent).padStart(10)}${k.sampled < k.keys ? `  (${k.sampled} measured)` : ''}`);
  return [
    `Redis memory of deployment ${u.prefix}: ${u.keys} keys, ${kb(u.bytes)}`,
    `${'kind'.padEnd(34)} ${'keys'.padStart(9)} ${'memory'.padStart(14)} ${'no expiry'.padStart(10)}`,
    ...rows,
    `server: used_memory ${kb(u.server.usedMemory)}, maxmemory ${u.server.maxmemory ? kb(u.server.maxmemory) : 'none'}, policy ${u.server.maxmemoryPolicy ?? '?'}`,
  ].join('\n');
}
