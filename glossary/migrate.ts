/**
 * Brings a store written by an earlier locflow to the current layout, once:
 *
 * - layout 1 (no `layout` key): frequency and example inside each term's JSON, no indexes at all;
 * - layout 2: form indexes and the freq/example hashes, but no sorted sets, search text or counters.
 *
 * The terms hash is walked with HSCAN in chunks; each chunk is one script
 * call that indexes the terms still as they were read (a term a newer process
 * changed in between was indexed by that write). Other requests keep being
 * served between chunks, so migrating 100 000 terms does not stall the API.
 * Concurrent migrations (several processes starting together) are harmless:
 * a term already indexed is skipped. Old suggestions nobody acted on join the
 * expiry set, dated by their last history entry, so an old backlog expires.
 */
import type { Redis } from './keys.js';
import type { Term } from '../pipeline/model.js';
import { indexRecord, lastChange, LAYOUT, stored, untouchedSuggestion } from './indexes.js';
import { runScript, type GlossaryKeys } from './keys.js';
import { MIGRATE } from './scripts.js';

const CHUNK = 500;

function entry(id: string, json: string) {
  const t = JSON.parse(json) as Term;
  t.id = id;
  const at = lastChange(t);
  return {
    id,
    json,
    stored: stored(t),
    ...(t.frequency !== undefined ? { freq: String(t.frequency) } : {}),
    ...(t.example !== undefined ? { example: t.example } : {}),
    rec: indexRecord(t),
    score: at,
    status: t.status,
    ...(untouchedSuggestion(t) ? { seen: at } : {}),
  };
}

async function migrateChunk(redis: Redis, keys: GlossaryKeys, pairs: [string, string][]): Promise<string[]> {
  if (pairs.length === 0) return [];
  return (await runScript(redis, MIGRATE, keys, [JSON.stringify(pairs.map(([id, json]) => entry(id, json)))])) as string[];
}

/** Returns how many terms the store held when it was migrated (0 when it already had this layout). */
export async function migrateLayout(redis: Redis, keys: GlossaryKeys): Promise<number> {
  if ((await redis.get(keys.layout)) === LAYOUT) return 0;
  let cursor = '0';
  let seen = 0;
  let changed: string[] = [];
  do {
    const [next, flat] = await redis.hscan(keys.terms, cursor, 'COUNT', CHUNK);
    cursor = next;
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    seen += pairs.length;
    changed.push(...(await migrateChunk(redis, keys, pairs)));
  } while (cursor !== '0');
  // Terms rewritten while their chunk was in flight: read them again (an older process still writing would keep this going, hence the bound).
  for (let round = 0; round < 5 && changed.length > 0; round++) {
    const jsons = await redis.hmget(keys.terms, ...changed);
    changed = await migrateChunk(
      redis,
      keys,
      changed.flatMap((id, i) => (jsons[i] ? [[id, jsons[i]!] as [string, string]] : [])),
    );
  }
  await redis.set(keys.layout, LAYOUT);
  return seen;
}
