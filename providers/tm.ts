/**
 * Translation memory: exact matches reused before any provider is called.
 *
 * A machine entry is keyed by (normalised source, pair, glossary version,
 * route): another route or a new glossary gives another translation, so it
 * must not be served from memory. A human entry (a post-edit) is keyed without
 * the route: a reviewer's sentence is right whichever engine would have run,
 * and it outranks any machine entry.
 */
import { createHash } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import type { TmEntry, TmKey, TranslationMemory } from '../pipeline/model.js';
import { redisScript, runScript } from './redis-script.js';

/** NFC, one space for any run of whitespace, trimmed: the same sentence re-typed hits the same entry. */
export function normaliseSource(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

function digest(parts: string[]): string {
  // JSON keeps field boundaries unambiguous ("a|b" + "c" ≠ "a" + "b|c").
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

export function machineKey(key: TmKey): string {
  return `m:${digest(['v1', normaliseSource(key.source), key.from, key.to, key.glossaryVersion, key.routeId])}`;
}

export function humanKey(key: TmKey): string {
  return `h:${digest(['v1', normaliseSource(key.source), key.from, key.to, key.glossaryVersion])}`;
}

function isEntry(value: unknown): value is TmEntry {
  const v = value as TmEntry | null;
  return !!v && typeof v === 'object' && typeof v.text === 'string' && typeof v.provider === 'string' && typeof v.human === 'boolean';
}

/** In-process memory, for the CLI and tests. */
export function createMemoryTm(): TranslationMemory & { size(): number; clear(): void } {
  const map = new Map<string, TmEntry>();
  return {
    async lookup(keys) {
      return keys.map((k) => map.get(humanKey(k)) ?? map.get(machineKey(k)));
    },
    async store(entries) {
      for (const { key, entry } of entries) map.set(entry.human ? humanKey(key) : machineKey(key), { ...entry });
    },
    size: () => map.size,
    clear: () => map.clear(),
  };
}

export interface RedisTmOptions {
  /** Expiry of machine entries in seconds (default: none). Human entries never expire. */
  machineTtlSeconds?: number;
  /**
   * Most machine entries kept (default: no cap). Past it, the least recently
   * used go first: a hit counts as a use. Human entries (post-edits) are not
   * counted and never evicted: they are a person's work, and few.
   */
  maxEntries?: number;
}

// KEYS[1]: the recency index (zset: machine entry key → last use, ms); KEYS[2..]: entry keys.
// Returns the values; machine entries that were found count as used now.
const LOOKUP_LRU = redisScript(`
local values = redis.call('MGET', unpack(KEYS, 2))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #KEYS do
  if values[i - 1] and string.find(KEYS[i], ':tm:m:', 1, true) then redis.call('ZADD', KEYS[1], 'XX', now, KEYS[i]) end
end
return values
`);

// KEYS[1]: the recency index; KEYS[2..]: entry keys. ARGV[1]: cap, ARGV[2]: machine TTL (0: none),
// then per key its value and 'h' or 'm'. Machine entries past the cap go, least recently used first.
const STORE_LRU = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do
  local value, kind = ARGV[2 * i - 1], ARGV[2 * i]
  if kind == 'm' then
    if ttl > 0 then redis.call('SET', KEYS[i], value, 'EX', ttl) else redis.call('SET', KEYS[i], value) end
    redis.call('ZADD', KEYS[1], now, KEYS[i])
  else
    redis.call('SET', KEYS[i], value)
  end
end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
local evicted = 0
while excess > 0 do
  local victims = redis.call('ZRANGE', KEYS[1], 0, math.min(excess, 500) - 1)
  redis.call('DEL', unpack(victims))
  redis.call('ZREM', KEYS[1], unpack(victims))
  excess = excess - #victims
  evicted = evicted + #victims
end
return evicted
`);

/**
 * Redis-backed memory. Keys are `<prefix>tm:h:<hash>` / `<prefix>tm:m:<hash>`;
 * with a hash-tagged prefix such as `{locflow}` they all live in one cluster
 * slot, so one MGET (or one script) answers a whole article. With `maxEntries`,
 * `<prefix>tm:lru` orders machine entries by last use and bounds their number.
 */
export function createRedisTm(redis: Redis | Cluster, prefix: string, options: RedisTmOptions = {}): TranslationMemory {
  const k = (suffix: string) => `${prefix}tm:${suffix}`;
  const parse = (raw: string | null | undefined): TmEntry | undefined => {
    if (!raw) return undefined;
    try {
      const value: unknown = JSON.parse(raw);
      return isEntry(value) ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const lru = options.maxEntries === undefined ? undefined : k('lru');
  return {
    async lookup(keys) {
      if (keys.length === 0) return [];
      const names = keys.flatMap((key) => [k(humanKey(key)), k(machineKey(key))]);
      const values = lru ? ((await runScript(redis, LOOKUP_LRU, names.length + 1, lru, ...names)) as (string | null)[]) : await redis.mget(...names);
      return keys.map((_, i) => parse(values[2 * i]) ?? parse(values[2 * i + 1]));
    },
    async store(entries) {
      if (entries.length === 0) return;
      if (lru) {
        const names: string[] = [];
        const args: string[] = [String(options.maxEntries), String(options.machineTtlSeconds ?? 0)];
        for (const { key, entry } of entries) {
          names.push(k(entry.human ? humanKey(key) : machineKey(key)));
          args.push(JSON.stringify({ text: entry.text, provider: entry.provider, human: entry.human, at: entry.at }), entry.human ? 'h' : 'm');
        }
        await runScript(redis, STORE_LRU, names.length + 1, lru, ...names, ...args);
        return;
      }
      // Entries without expiry go in one MSET (one command for a whole batch); expiring ones need SET … EX.
      // A MULTI only when both kinds are present: ioredis builds every transaction object afresh, at a cost.
      const plain: string[] = [];
      const expiring: [string, string][] = [];
      for (const { key, entry } of entries) {
        const name = k(entry.human ? humanKey(key) : machineKey(key));
        const value = JSON.stringify({ text: entry.text, provider: entry.provider, human: entry.human, at: entry.at });
        if (!entry.human && options.machineTtlSeconds) expiring.push([name, value]);
        else plain.push(name, value);
      }
      if (expiring.length === 0) {
        await redis.mset(...plain);
        return;
      }
      const multi = redis.multi();
      for (const [name, value] of expiring) multi.set(name, value, 'EX', options.machineTtlSeconds!);
      if (plain.length > 0) multi.mset(...plain);
      await multi.exec();
    },
  };
}
