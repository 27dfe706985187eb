/**
 * The glossary's Redis keys, named once, and the Lua scripts that use them.
 *
 * A script declares the keys it touches by name; `defineScript` turns that
 * list into a Lua prelude (`local K = {terms = KEYS[1], …}`) and `runScript`
 * passes the same names in the same order. So a script reads `K.terms`, never
 * `KEYS[3]`, and adding a key to one script cannot shift another's.
 *
 * Every key sits under the deployment prefix, whose hash tag keeps them in
 * one Redis Cluster slot. `idx` is not a key but the stem of the index keys
 * (`<idx>all`, `<idx>status:proposed`, `<idx>lang:pt-br`, …) that scripts
 * build from it; it is passed as a key so the cluster client routes by it.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis as SingleRedis } from 'ioredis';

/** A single server or a cluster client: the glossary uses only commands both have, on keys of one slot. */
export type Redis = SingleRedis | Cluster;

export const KEY_NAMES = [
  /** hash id → term JSON with history, without frequency and example */
  'terms',
  /** hash id → approved term JSON without history (what workers load) */
  'approved',
  /** string: glossaryVersion() of the approved terms */
  'version',
  /** counter, +1 on every write planned on a snapshot (optimistic concurrency) */
  'rev',
  /** set once the seed files have been imported */
  'seeded',
  /** hash "<lang>\n<form, lower case>" → ids of the terms with that form or variant */
  'forms',
  /** hash "<form, lower case>" → ids of keep terms with that form (a kept name is one in every language) */
  'keep',
  /** hash id → frequency (suggestions) */
  'freq',
  /** hash id → an example sentence from an article */
  'example',
  /** "3" once every index below is complete (earlier layouts are migrated once) */
  'layout',
  /** string with TTL: which process is migrating an earlier layout (one at a time) */
  'migrating',
  /** string: the HSCAN cursor a stopped migration resumes from */
  'migcursor',
  /** stem of the sorted-set indexes (see indexes.ts) */
  'idx',
  /** hash id → the lower-cased text a `q` filter searches (term, variants, translations, note, id) */
  'text',
  /** hash "lang:<tag>" / "tl:<tag>" → number of terms in that language / with a translation into it (export headers) */
  'stats',
  /** hash id → space-separated hashes of the articles a suggestion was counted from (bounded) */
  'articles',
  /** sorted set id → when an untouched suggestion was last seen in an article (ms); expired ones are deleted */
  'expiry',
] as const;

export type KeyName = (typeof KEY_NAMES)[number];
export type GlossaryKeys = Record<KeyName, string>;

export function glossaryKeys(prefix: string): GlossaryKeys {
  const keys = {} as GlossaryKeys;
  for (const name of KEY_NAMES) keys[name] = name === 'idx' ? `${prefix}:glossary:idx:` : `${prefix}:glossary:${name}`;
  return keys;
}

export interface Script {
  readonly names: readonly KeyName[];
  readonly source: string;
  readonly sha: string;
}

/** A Lua script that addresses its keys as `K.<name>`. */
export function defineScript(names: readonly KeyName[], body: string): Script {
  const prelude = `local K = {${names.map((n, i) => `${n} = KEYS[${i + 1}]`).join(', ')}}\n`;
  const source = prelude + body;
  return { names, source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs a script by its digest and sends its source only when the server does not have it yet. */
export async function runScript(redis: Redis, script: Script, keys: GlossaryKeys, args: (string | number)[]): Promise<unknown> {
  const list = script.names.map((n) => keys[n]);
  try {
    return await redis.evalsha(script.sha, list.length, ...list, ...args);
  } catch (err) {
    if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
    return redis.eval(script.source, list.length, ...list, ...args);
  }
}

/** Lua helpers for the form indexes: a hash field → the ids that have that form, separated by spaces (ids have none). */
export const FORM_INDEX_LUA = `
local function idx_add(key, field, id)
  local cur = redis.call('HGET', key, field)
  if not cur then redis.call('HSET', key, field, id) return end
  for x in string.gmatch(cur, '%S+') do if x == id then return end end
  redis.call('HSET', key, field, cur .. ' ' .. id)
end
local function idx_rm(key, field, id)
  local cur = redis.call('HGET', key, field)
  if not cur then return end
  local rest = {}
  for x in string.gmatch(cur, '%S+') do if x ~= id then rest[#rest + 1] = x end end
  if #rest == 0 then redis.call('HDEL', key, field) else redis.call('HSET', key, field, table.concat(rest, ' ')) end
end
`;
