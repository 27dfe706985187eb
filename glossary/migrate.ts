/**
 * Brings a store written by an earlier locflow to the current layout, once:
 *
 * - layout 1 (no `layout` key): frequency and example inside each term's JSON, no indexes at all;
 * - layout 2: form indexes and the freq/example hashes, but no sorted sets, search text or counters.
 *
 * The terms hash is walked with HSCAN in chunks; each chunk is one script
 * call that indexes the terms still as they were read (a term a newer process
 * changed in between was indexed by that write). Other requests keep being
 * served between chunks, and `locflow serve` runs it in the background, so
 * migrating 100 000 terms does not hold up the API's start. One process
 * migrates (a lock under the deployment prefix), and it saves its cursor
 * after each chunk, so a stopped migration resumes where it was. Walking a
 * term twice is harmless: a term already indexed is skipped. Old suggestions nobody acted on join the
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

/** How long the migration lock lives without renewal (each chunk renews it; a process that died frees it after this). */
const LOCK_MS = 30_000;
/** How often a process that does not hold the lock looks whether the migration is done. */
const POLL_MS = 250;

export interface MigrateOptions {
  /** Stops between chunks (the server's close); the cursor in Redis lets the next run resume. */
  signal?: AbortSignal;
  /** After each chunk: terms walked by this process so far. */
  onChunk?: (walked: number) => void;
}

export interface MigrateReport {
  /** Terms this process walked (0 when the store already had this layout or another process did the work). */
  walked: number;
  /** True when this process held the lock and finished the migration. */
  ranHere: boolean;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

function stopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw Object.assign(new Error('glossary migration stopped'), { name: 'AbortError' });
}

/**
 * Brings the store to this layout. One process at a time does the work (a
 * lock key with a TTL renewed per chunk); the others wait for the layout key.
 * The HSCAN cursor is saved after every chunk, so a run that stops (the
 * process closed or died) is resumed where it was by the next one; chunks
 * already indexed are skipped if walked twice. Each chunk is one HSCAN and
 * one script call, so the event loop and Redis serve other requests between
 * chunks.
 */
export async function migrateLayout(redis: Redis, keys: GlossaryKeys, options: MigrateOptions = {}): Promise<MigrateReport> {
  const { signal } = options;
  const owner = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  for (;;) {
    stopped(signal);
    if ((await redis.get(keys.layout)) === LAYOUT) return { walked: 0, ranHere: false };
    if ((await redis.set(keys.migrating, owner, 'PX', LOCK_MS, 'NX')) === 'OK') break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    // Another process may have finished between our look at the layout and taking the lock.
    if ((await redis.get(keys.layout)) === LAYOUT) return { walked: 0, ranHere: false };
    let cursor = (await redis.get(keys.migcursor)) ?? '0';
    let walked = 0;
    let changed: string[] = [];
    do {
      stopped(signal);
      const [next, flat] = await redis.hscan(keys.terms, cursor, 'COUNT', CHUNK);
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      walked += pairs.length;
      changed.push(...(await migrateChunk(redis, keys, pairs)));
      cursor = next;
      // Where a later run starts if this one stops now; and the lock stays ours while we work.
      await redis.multi().set(keys.migcursor, cursor).eval(RENEW, 1, keys.migrating, owner, LOCK_MS).exec();
      options.onChunk?.(walked);
      // Let timers and I/O callbacks run between chunks, whatever Redis's latency.
      await new Promise((r) => setImmediate(r));
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
    await redis.multi().set(keys.layout, LAYOUT).del(keys.migcursor).exec();
    return { walked, ranHere: true };
  } finally {
    await redis.eval(RELEASE, 1, keys.migrating, owner).catch(() => undefined);
  }
}
