/**
 * The shared glossary in Redis, used by every API and worker process. This
 * module holds the review rules of each operation; the machinery lives
 * beside it:
 *
 *   keys.ts         every key, by name, and how scripts address them
 *   indexes.ts      what the indexes hold for a term
 *   scripts.ts      the Lua scripts (apply a change, record suggestions, migrate, scan)
 *   write.ts        compare-and-set writes on the few terms a change touches
 *   listing.ts      paged listing and chunked iteration from the indexes
 *   approved.ts     the approved terms, their version and conflicts, cached per version
 *   suggestions.ts  suggestions from articles, counted per distinct article, expiring
 *   migrate.ts      the one step that brings a store of an earlier layout to this one
 *
 * Nothing here reads the whole glossary on a request path: listing, writing
 * and suggestions touch indexes and the terms concerned; only exports (and
 * `all()`, for tests and small tools) walk every term, in bounded chunks.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from './keys.js';
import { GlossaryError } from '../pipeline/errors.js';
import { glossaryVersion, parseGlossaryYaml } from '../pipeline/glossary/index.js';
import type { Term, TermEvent } from '../pipeline/model.js';
import { ApprovedCache, sortTerms } from './approved.js';
import { conflictsOf, findConflicts, type Conflict } from './conflicts.js';
import { LAYOUT, STANDARD_SETS } from './indexes.js';
import { glossaryKeys, type GlossaryKeys } from './keys.js';
import { iterateTerms, listIds, readTerms, withStats, type ListFilter } from './listing.js';
import { migrateLayout, type MigrateReport } from './migrate.js';
import { checkTerm, termContent, toTerm, type TermPatch } from './schema.js';
import { DEFAULT_SUGGESTION_SETTINGS, Suggestions, type RecordOptions, type SuggestionInput, type SuggestionReport, type SuggestionSettings } from './suggestions.js';
import { assertCanModify, nextStatus, type Actor, type ReviewAction } from './workflow.js';
import { approvedAfter, Writer, type Snapshot } from './write.js';

export type { ListFilter, ListOrder } from './listing.js';
export type { SuggestionInput, SuggestionReport, SuggestionSettings } from './suggestions.js';

export interface ImportReport {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  /** The glossary version after the import. */
  version: string;
  warnings: Conflict[];
}

/** Counters an export writes its header from, without reading the terms first. */
export interface GlossaryStats {
  /** Terms per source language. */
  langs: Record<string, number>;
  /** Languages that some term has a translation into, sorted. */
  translationLangs: string[];
}

export interface GlossaryStore {
  readonly prefix: string;
  /** One page, from the indexes: filters status/kind/lang/q, newest first (or most frequent suggestions first). */
  list(filter?: ListFilter): Promise<{ terms: Term[]; total: number }>;
  get(id: string): Promise<Term | undefined>;
  /** Every term in id order, a chunk at a time (exports). */
  iterate(chunk?: number): AsyncGenerator<Term[]>;
  stats(): Promise<GlossaryStats>;
  /** Every term, history included, sorted by language and term. Reads the whole glossary: tests and small tools only. */
  all(): Promise<Term[]>;
  create(input: unknown, actor: Actor): Promise<Term>;
  update(id: string, patch: TermPatch, actor: Actor): Promise<{ term: Term; warnings: Conflict[] }>;
  remove(id: string, actor: Actor): Promise<Term>;
  review(id: string, action: ReviewAction, actor: Actor, note?: string): Promise<{ term: Term; warnings: Conflict[] }>;
  /** All-or-nothing: every id must exist and allow the action. */
  bulkReview(ids: string[], action: ReviewAction, actor: Actor): Promise<{ terms: Term[]; warnings: Conflict[] }>;
  bulkApprove(ids: string[], actor: Actor): Promise<{ terms: Term[]; warnings: Conflict[] }>;
  conflicts(): Promise<Conflict[]>;
  version(): Promise<string>;
  /** The approved terms and their version; cached per version, so a worker calls it per article. */
  approvedTerms(): Promise<{ terms: Term[]; version: string }>;
  /** Upserts by id in one atomic write; terms whose content is unchanged are left alone. */
  importTerms(terms: Term[], actor: Actor): Promise<ImportReport>;
  /** Imports `dir/*.yaml` once per prefix (a later deliberate emptying is not undone). A store that has terms is left as it is (an older layout is not migrated here). */
  seedIfEmpty(dir: string): Promise<{ seeded: number }>;
  /**
   * Brings a store of an earlier layout to this one, or waits while another
   * process does (once; later calls cost nothing). `walked`/`ranHere` say
   * whether this call did the work.
   */
  migrate(): Promise<MigrateReport>;
  /** Whether the store has the current layout (listing, export and writes need it); one GET until it has. */
  isMigrated(): Promise<boolean>;
  /** Stops a migration this store runs, between two chunks (the cursor in Redis lets the next run resume). */
  stop(): void;
  /** Stores candidates as proposed terms, adding up frequencies across distinct articles. */
  recordSuggestions(candidates: SuggestionInput[], options?: RecordOptions): Promise<SuggestionReport>;
  /** Deletes suggestions nobody acted on that no article used within the TTL; returns how many. */
  expireSuggestions(now?: number): Promise<number>;
  /** Deletes every key of this store (tests, `glossary import --replace`). */
  clear(): Promise<void>;
}

const MAX_WARNINGS = 200;

function now(): string {
  return new Date().toISOString();
}

function notFound(id: string): GlossaryError {
  return new GlossaryError('glossary-term-not-found', `no glossary term with id "${id}"`, { status: 404, params: { id } });
}

const EDITABLE = ['term', 'lang', 'kind', 'translations', 'grammar', 'variants', 'caseSensitive', 'note'] as const;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What changed between two versions of a term, for history. */
function diff(before: Term, after: Term): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const k of [...EDITABLE, 'status', 'frequency', 'example'] as const) {
    if (!same(before[k], after[k])) changes[k] = [before[k] ?? null, after[k] ?? null];
  }
  return changes;
}

function comparable(t: Term): string {
  const c = termContent(t) as Record<string, unknown>;
  return JSON.stringify(Object.keys(c).sort().map((k) => [k, k === 'variants' ? [...(c[k] as string[])].sort() : c[k]]));
}

function mustGet(s: Snapshot, id: string): Term {
  const t = s.terms.get(id);
  if (!t) throw notFound(id);
  return t;
}

function withEvent(t: Term, event: TermEvent): Term {
  return { ...t, history: [...(t.history ?? []), event] };
}

/** Deletes the store's keys, the open-ended index sets included. */
async function deleteAll(redis: Redis, keys: GlossaryKeys): Promise<void> {
  const dynamic = await redis.smembers(`${keys.idx}keys`);
  const all = [...Object.entries(keys).filter(([name]) => name !== 'idx').map(([, k]) => k), ...[...STANDARD_SETS, ...dynamic, 'keys'].map((s) => keys.idx + s)];
  for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
}

export function createGlossaryStore(options: { redis: Redis; prefix?: string; suggestions?: Partial<SuggestionSettings> }): GlossaryStore {
  const redis = options.redis;
  const prefix = options.prefix ?? '{locflow}';
  const keys = glossaryKeys(prefix);
  const approved = new ApprovedCache(redis, keys);
  const writer = new Writer(redis, keys, approved);
  const suggestions = new Suggestions(redis, keys, writer, { ...DEFAULT_SUGGESTION_SETTINGS, ...options.suggestions });
  let migrated: Promise<MigrateReport> | undefined;
  let done = false;
  const stopper = new AbortController();

  /** Once per process: later requests trust that the indexes are complete (writes keep them so). */
  function ensureMigrated(): Promise<MigrateReport> {
    migrated ??= migrateLayout(redis, keys, { signal: stopper.signal }).then(
      (report) => {
        done = true;
        return report;
      },
      (err: unknown) => {
        migrated = undefined;
        throw err;
      },
    );
    return migrated;
  }

  const write: Writer['write'] = async (ids, plan) => {
    await ensureMigrated();
    return writer.write(ids, plan);
  };

  async function reviewMany(ids: string[], action: ReviewAction, actor: Actor, comment?: string) {
    const unique = [...new Set(ids)];
    return write(unique, (s) => {
      const at = now();
      const after = unique.map((id) => {
        const before = mustGet(s, id);
        const status = nextStatus(before, action);
        const event: TermEvent = { at, by: actor.name, action, changes: { status: [before.status, status] } };
        if (comment) event.changes!.comment = [null, comment];
        return withEvent({ ...before, status }, event);
      });
      const touched = new Set(unique);
      // Conflicts concern approved terms: only an approval (or a term that was approved) needs them.
      const warnings = after.some((t) => t.status === 'approved') ? findConflicts(approvedAfter(s, after), touched) : [];
      return { put: after, del: [], result: { terms: after, warnings } };
    });
  }

  const store: GlossaryStore = {
    prefix,

    async list(filter = {}) {
      await ensureMigrated();
      const { ids, total } = await listIds(redis, keys, filter);
      return { terms: await readTerms(redis, keys, ids), total };
    },

    async get(id) {
      const res = await redis.multi().hget(keys.terms, id).hget(keys.freq, id).hget(keys.example, id).exec();
      const [json, freq, example] = (res ?? []).map(([, v]) => v as string | null);
      return json ? withStats(json, freq, example) : undefined;
    },

    async *iterate(chunk) {
      await ensureMigrated();
      yield* iterateTerms(redis, keys, chunk);
    },

    async stats() {
      await ensureMigrated();
      const raw = await redis.hgetall(keys.stats);
      const langs: Record<string, number> = {};
      const translationLangs: string[] = [];
      for (const [field, n] of Object.entries(raw)) {
        if (Number(n) <= 0) continue;
        if (field.startsWith('lang:')) langs[field.slice(5)] = Number(n);
        else if (field.startsWith('tl:')) translationLangs.push(field.slice(3));
      }
      return { langs, translationLangs: translationLangs.sort() };
    },

    async all() {
      const out: Term[] = [];
      for await (const chunk of store.iterate()) out.push(...chunk);
      return sortTerms(out);
    },

    async create(input, actor) {
      const term = toTerm(input, '', { status: 'proposed' });
      return write([term.id], (s) => {
        const existing = s.terms.get(term.id);
        if (existing) {
          throw new GlossaryError('glossary-term-exists', `a term with id "${term.id}" already exists (${existing.status}); edit it instead`, { status: 409, params: { id: term.id, status: existing.status } });
        }
        const created = withEvent({ ...term }, { at: now(), by: actor.name, action: term.status === 'proposed' ? 'propose' : 'create', ...(term.status === 'proposed' ? {} : { changes: { status: [null, term.status] } }) });
        return { put: [created], del: [], result: created };
      });
    },

    async update(id, patch, actor) {
      return write([id], (s) => {
        const before = mustGet(s, id);
        assertCanModify(actor, before, 'edit');
        const after: Term = { ...before };
        for (const k of EDITABLE) {
          const v = patch[k];
          if (v === undefined) continue;
          if (k === 'note' && v === null) delete after.note;
          else if (k === 'grammar' && (v === null || Object.keys(v as object).length === 0)) delete after.grammar;
          else (after as unknown as Record<string, unknown>)[k] = v;
        }
        if (patch.variants) after.variants = [...new Set(patch.variants.filter((v) => v !== after.term))];
        checkTerm(after, '');
        const changes = diff(before, after);
        if (Object.keys(changes).length === 0) return { put: [], del: [], result: { term: before, warnings: [] } };
        const saved = withEvent(after, { at: now(), by: actor.name, action: 'edit', changes });
        const warnings = saved.status === 'approved' ? conflictsOf(id, approvedAfter(s, [saved])) : [];
        return { put: [saved], del: [], result: { term: saved, warnings } };
      });
    },

    async remove(id, actor) {
      return write([id], (s) => {
        const before = mustGet(s, id);
        assertCanModify(actor, before, 'delete');
        return { put: [], del: [id], result: before };
      });
    },

    async review(id, action, actor, note) {
      const { terms, warnings } = await reviewMany([id], action, actor, note);
      return { term: terms[0]!, warnings: terms[0]!.status === 'approved' ? warnings : [] };
    },

    bulkReview: (ids, action, actor) => reviewMany(ids, action, actor),

    bulkApprove: (ids, actor) => reviewMany(ids, 'approve', actor),

    conflicts: () => approved.conflicts(),

    async version() {
      return (await redis.get(keys.version)) ?? glossaryVersion([]);
    },

    approvedTerms: () => approved.current(),

    async importTerms(terms, actor) {
      const ids = new Set<string>();
      for (const t of terms) {
        if (ids.has(t.id)) throw new GlossaryError('glossary-bad-file', `duplicate id "${t.id}" in the file`, { status: 422, params: { id: t.id, context: 'duplicate-id' } });
        ids.add(t.id);
      }
      return write([...ids], (s) => {
        const at = now();
        let created = 0;
        let updated = 0;
        let unchanged = 0;
        const put: Term[] = [];
        for (const incoming of terms) {
          const before = s.terms.get(incoming.id);
          const { history: fileHistory, ...content } = incoming;
          if (!before) {
            created++;
            // A YAML export carries its history; keep it and add the import as the latest step.
            put.push({ ...content, history: [...(fileHistory ?? []), { at, by: actor.name, action: 'import' }] });
          } else if (comparable(before) === comparable(incoming)) {
            unchanged++;
          } else {
            updated++;
            const after = { ...content, history: before.history } as Term;
            put.push(withEvent(after, { at, by: actor.name, action: 'import', changes: diff(before, after) }));
          }
        }
        const approvedNow = approvedAfter(s, put);
        // A report, not a listing: GET /conflicts has them all.
        const warnings = findConflicts(approvedNow, new Set(put.map((t) => t.id))).slice(0, MAX_WARNINGS);
        const version = glossaryVersion(approvedNow);
        return { put, del: [], result: { total: terms.length, created, updated, unchanged, version, warnings } };
      });
    },

    async seedIfEmpty(dir) {
      // A store with terms is never seeded, whatever its layout: its migration is the caller's to start (in the background).
      if ((await redis.exists(keys.seeded)) || (await redis.hlen(keys.terms)) > 0) return { seeded: 0 };
      await ensureMigrated();
      let names: string[];
      try {
        names = (await readdir(dir)).filter((f) => /\.ya?ml$/i.test(f)).sort();
      } catch {
        return { seeded: 0 };
      }
      const terms: Term[] = [];
      for (const n of names) terms.push(...parseGlossaryYaml(await readFile(join(dir, n), 'utf8'), `glossary/${n}`));
      return write(
        terms.map((t) => t.id),
        (s) => {
          if (s.terms.size > 0) return { put: [], del: [], result: { seeded: 0 }, seeded: true };
          const at = now();
          const put = terms.map((t) => ({ ...t, history: [...(t.history ?? []), { at, by: 'seed', action: 'import' as const }] }));
          return { put, del: [], result: { seeded: put.length }, seeded: true };
        },
      );
    },

    migrate: () => ensureMigrated(),

    async isMigrated() {
      if (!done && (await redis.get(keys.layout)) === LAYOUT) done = true;
      return done;
    },

    stop: () => stopper.abort(),

    async recordSuggestions(candidates, options) {
      await ensureMigrated();
      return suggestions.record(candidates, options);
    },

    async expireSuggestions(at) {
      await ensureMigrated();
      return suggestions.expire(at);
    },

    async clear() {
      await deleteAll(redis, keys);
      approved.forget();
      migrated = undefined;
      done = false;
    },
  };
  return store;
}

export { LAYOUT };
