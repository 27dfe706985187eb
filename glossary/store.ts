/**
 * The shared glossary in Redis, used by every API and worker process.
 *
 * Keys (all under the deployment prefix, so one hash tag keeps them in one
 * Redis Cluster slot):
 *   <prefix>:glossary:terms     hash  id → term JSON, history included, without frequency and example
 *   <prefix>:glossary:approved  hash  id → approved term JSON without history (what workers load)
 *   <prefix>:glossary:version   string  glossaryVersion() of the approved terms
 *   <prefix>:glossary:rev       counter, +1 on every write planned on a snapshot (optimistic concurrency)
 *   <prefix>:glossary:seeded    set once the seed files have been imported
 *   <prefix>:glossary:forms     hash  "<lang>\n<form, lower case>" → ids of the terms with that form or variant
 *   <prefix>:glossary:keep      hash  "<form, lower case>" → ids of keep terms with that form (a kept name is one in every language)
 *   <prefix>:glossary:freq      hash  id → how often articles used the term (suggestions)
 *   <prefix>:glossary:example   hash  id → an example sentence from an article
 *   <prefix>:glossary:layout    "2" once the four hashes above exist (a store of the first layout is migrated on first use)
 *
 * People's edits are compare-and-set: read a snapshot with its revision in
 * one MULTI, compute the new state in JavaScript (validation, workflow
 * rules, the new version, index changes), then apply it with one Lua script
 * that refuses if the revision moved; on refusal the whole step is redone.
 * No WATCH, because the Redis connection is shared with BullMQ and WATCH is
 * per connection.
 *
 * Suggestions come with every submitted article, so they never read the
 * whole glossary: one script looks each candidate up in the form indexes and
 * counts it into the proposal it finds (HINCRBY), skips it when a reviewer
 * decided on that term, or creates it. They do not move the revision (that
 * would make reviewers' edits retry under a stream of articles); instead an
 * edit that creates a term checks in its script that the id is still free.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { GlossaryError } from '../pipeline/errors.js';
import { glossaryVersion, parseGlossaryYaml } from '../pipeline/glossary/index.js';
import type { Lang, Term, TermEvent, TermKind, TermStatus } from '../pipeline/model.js';
import { conflictsOf, findConflicts, type Conflict } from './conflicts.js';
import { checkTerm, termContent, toTerm, type TermPatch } from './schema.js';
import { assertCanModify, nextStatus, type Actor, type ReviewAction } from './workflow.js';

export interface ListFilter {
  status?: TermStatus;
  kind?: TermKind;
  lang?: Lang;
  /** Case-insensitive text search in the term, variants, translations and note. */
  q?: string;
  offset?: number;
  limit?: number;
}

export interface ImportReport {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  /** The glossary version after the import. */
  version: string;
  warnings: Conflict[];
}

/** A candidate term found in an article (see pipeline/suggest.ts). */
export interface SuggestionInput {
  term: string;
  /** Language of the article it came from; `options.lang` when absent. */
  lang?: Lang;
  frequency: number;
  example?: string;
  kind?: TermKind;
}

export interface SuggestionReport {
  created: number;
  merged: number;
  /** Candidates that match a term a reviewer already decided on (approved, rejected, deprecated). */
  skipped: number;
}

export interface GlossaryStore {
  readonly prefix: string;
  list(filter?: ListFilter): Promise<{ terms: Term[]; total: number }>;
  get(id: string): Promise<Term | undefined>;
  /** Every term, history included, sorted by language and term. */
  all(): Promise<Term[]>;
  create(input: unknown, actor: Actor): Promise<Term>;
  update(id: string, patch: TermPatch, actor: Actor): Promise<{ term: Term; warnings: Conflict[] }>;
  remove(id: string, actor: Actor): Promise<Term>;
  review(id: string, action: ReviewAction, actor: Actor, note?: string): Promise<{ term: Term; warnings: Conflict[] }>;
  /** All-or-nothing: every id must exist and be approvable. */
  bulkApprove(ids: string[], actor: Actor): Promise<{ terms: Term[]; warnings: Conflict[] }>;
  conflicts(): Promise<Conflict[]>;
  version(): Promise<string>;
  /** The approved terms and their version; cached per version, so a worker calls it per article. */
  approvedTerms(): Promise<{ terms: Term[]; version: string }>;
  /** Upserts by id in one atomic write; terms whose content is unchanged are left alone. */
  importTerms(terms: Term[], actor: Actor): Promise<ImportReport>;
  /** Imports `dir/*.yaml` once per prefix (a later deliberate emptying is not undone). */
  seedIfEmpty(dir: string): Promise<{ seeded: number }>;
  /** Stores candidates as proposed terms, adding up frequencies across articles. */
  recordSuggestions(candidates: SuggestionInput[], options?: { lang?: Lang; source?: string }): Promise<SuggestionReport>;
  /** Deletes every key of this store (tests, `glossary import --replace`). */
  clear(): Promise<void>;
}

/** Lua helpers for the form indexes: a hash field → the ids that have that form, separated by spaces (ids have none). */
const INDEX_LUA = `
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

/**
 * KEYS: terms, approved, version, rev, seeded, forms, keep, freq, example, layout.
 * ARGV: expected rev, new version ('' = keep), JSON ops (see `Ops`).
 * Returns 1, or 0 when the snapshot the ops were planned on is stale.
 */
const APPLY = `${INDEX_LUA}
local rev = redis.call('GET', KEYS[4]) or '0'
if rev ~= ARGV[1] then return 0 end
local ops = cjson.decode(ARGV[3])
-- A rebuild is planned on the old layout and only valid there; everything else needs the indexes.
if (redis.call('GET', KEYS[10]) == '2') == ops.rebuild then return 0 end
-- Suggestions create terms without moving the revision; a create planned before one of them must be redone.
for _, id in ipairs(ops.absent) do
  if redis.call('HEXISTS', KEYS[1], id) == 1 then return 0 end
end
if ops.rebuild then
  redis.call('DEL', KEYS[6], KEYS[7], KEYS[8], KEYS[9])
  redis.call('SET', KEYS[10], '2')
end
for _, id in ipairs(ops.del) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[8], id)
  redis.call('HDEL', KEYS[9], id)
end
for _, p in ipairs(ops.put) do
  redis.call('HSET', KEYS[1], p[1], p[2])
  if p[3] == '' then redis.call('HDEL', KEYS[2], p[1]) else redis.call('HSET', KEYS[2], p[1], p[3]) end
end
for _, e in ipairs(ops.formsRm) do idx_rm(KEYS[6], e[1], e[2]) end
for _, e in ipairs(ops.keepRm) do idx_rm(KEYS[7], e[1], e[2]) end
for _, e in ipairs(ops.formsAdd) do idx_add(KEYS[6], e[1], e[2]) end
for _, e in ipairs(ops.keepAdd) do idx_add(KEYS[7], e[1], e[2]) end
for _, e in ipairs(ops.freq) do
  if e[2] == '' then redis.call('HDEL', KEYS[8], e[1]) else redis.call('HSET', KEYS[8], e[1], e[2]) end
end
for _, e in ipairs(ops.example) do
  if e[2] == '' then redis.call('HDEL', KEYS[9], e[1]) else redis.call('HSET', KEYS[9], e[1], e[2]) end
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
if ops.seeded then redis.call('SET', KEYS[5], '1') end
redis.call('INCR', KEYS[4])
return 1
`;

/**
 * Records one article's candidates, touching only their own index fields and terms.
 * KEYS: terms, forms, keep, freq, example, layout. ARGV[1]: JSON list of
 * {form, keep, n, example, id, json, forms, keeps} (id '' = the candidate cannot become a term).
 * Returns {created, merged, skipped}, or -1 while the store still has the old layout.
 */
const SUGGEST = `${INDEX_LUA}
if redis.call('GET', KEYS[6]) ~= '2' then
  if redis.call('HLEN', KEYS[1]) > 0 then return -1 end
  redis.call('SET', KEYS[6], '2')
end
local created, merged, skipped = 0, 0, 0
local function lookup(c)
  local ids = redis.call('HGET', KEYS[2], c.form)
  if not ids then ids = redis.call('HGET', KEYS[3], c.keep) end
  if not ids then return nil, false end
  local target = nil
  for id in string.gmatch(ids, '%S+') do
    local json = redis.call('HGET', KEYS[1], id)
    if json then
      if cjson.decode(json).status ~= 'proposed' then return nil, true end
      if not target then target = id end
    end
  end
  return target, false
end
for _, c in ipairs(cjson.decode(ARGV[1])) do
  local target, decided = lookup(c)
  if decided then
    skipped = skipped + 1
  elseif target then
    merged = merged + 1
    redis.call('HINCRBY', KEYS[4], target, c.n)
    if c.example ~= '' then redis.call('HSETNX', KEYS[5], target, c.example) end
  elseif c.id == '' or redis.call('HEXISTS', KEYS[1], c.id) == 1 then
    -- Unusable, or its id belongs to a term with another spelling: leave that term alone.
    skipped = skipped + 1
  else
    created = created + 1
    redis.call('HSET', KEYS[1], c.id, c.json)
    redis.call('HSET', KEYS[4], c.id, c.n)
    if c.example ~= '' then redis.call('HSET', KEYS[5], c.id, c.example) end
    for _, f in ipairs(c.forms) do idx_add(KEYS[2], f, c.id) end
    for _, f in ipairs(c.keeps) do idx_add(KEYS[3], f, c.id) end
  end
end
return {created, merged, skipped}
`;

/** Runs a script by its digest and sends its source only when the server does not have it yet. */
async function runScript(redis: Redis, source: string, sha: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
    return redis.eval(source, keys.length, ...keys, ...args);
  }
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const APPLY_SHA = sha1(APPLY);
const SUGGEST_SHA = sha1(SUGGEST);

/** The index fields of a term: each form in its own language, and (keep terms) each form in any language. */
function formFields(t: Term): { forms: string[]; keeps: string[] } {
  const all = [t.term, ...t.variants].map((f) => f.toLowerCase());
  return {
    forms: [...new Set(all.map((f) => `${t.lang.toLowerCase()}\n${f}`))],
    keeps: t.kind === 'keep' ? [...new Set(all)] : [],
  };
}

/** The term as the terms hash holds it: frequency and example live in their own hashes, so suggestions can change them in place. */
function stored(t: Term): string {
  const { frequency: _f, example: _e, ...rest } = t;
  return JSON.stringify(rest);
}

interface Snapshot {
  rev: string;
  /** '2' once the form indexes and statistics hashes exist; anything else is the first layout. */
  layout: string | null;
  terms: Map<string, Term>;
}

interface Change<T> {
  put: Term[];
  del: string[];
  result: T;
  seeded?: boolean;
  /** Move a store written by the first layout to the indexed one (a no-op once it is). */
  migrate?: boolean;
}

const MAX_ATTEMPTS = 20;
const MAX_WARNINGS = 200;

function now(): string {
  return new Date().toISOString();
}

function notFound(id: string): GlossaryError {
  return new GlossaryError('glossary-term-not-found', `no glossary term with id "${id}"`, { status: 404, params: { id } });
}

function sortTerms(terms: Term[]): Term[] {
  return terms.sort((a, b) => a.lang.localeCompare(b.lang) || a.term.localeCompare(b.term, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id));
}

const EDITABLE = ['term', 'lang', 'kind', 'translations', 'variants', 'caseSensitive', 'note'] as const;

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

export function createGlossaryStore(options: { redis: Redis; prefix?: string }): GlossaryStore {
  const redis = options.redis;
  const prefix = options.prefix ?? '{locflow}';
  const key = {
    terms: `${prefix}:glossary:terms`,
    approved: `${prefix}:glossary:approved`,
    version: `${prefix}:glossary:version`,
    rev: `${prefix}:glossary:rev`,
    seeded: `${prefix}:glossary:seeded`,
    forms: `${prefix}:glossary:forms`,
    keep: `${prefix}:glossary:keep`,
    freq: `${prefix}:glossary:freq`,
    example: `${prefix}:glossary:example`,
    layout: `${prefix}:glossary:layout`,
  };
  const applyKeys = [key.terms, key.approved, key.version, key.rev, key.seeded, key.forms, key.keep, key.freq, key.example, key.layout];
  const suggestKeys = [key.terms, key.forms, key.keep, key.freq, key.example, key.layout];
  /** `raw` is the version key as read (null before the first write), so an empty store is cached too. */
  let cache: { raw: string | null; snap: { version: string; terms: Term[] } } | undefined;
  let loading: { raw: string | null; promise: Promise<{ version: string; terms: Term[] }> } | undefined;

  const parse = (json: string): Term => JSON.parse(json) as Term;

  /**
   * A term's entry in an HGETALL answer. Term ids are user-chosen: `freq['constructor']`
   * would be Object's own constructor, so only the hash's own fields count.
   */
  const field = (hash: Record<string, string>, id: string): string | undefined => (Object.hasOwn(hash, id) ? hash[id] : undefined);

  /** A term with its suggestion statistics; a term written by the first layout still carries them in its JSON. */
  function withStats(json: string, freq: string | null | undefined, example: string | null | undefined): Term {
    const t = parse(json);
    if (freq != null) t.frequency = Number(freq);
    if (example != null) t.example = example;
    return t;
  }

  function results(res: [Error | null, unknown][] | null): unknown[] {
    if (!res) throw new Error('glossary read transaction aborted');
    for (const [err] of res) if (err) throw err;
    return res.map(([, v]) => v);
  }

  async function readAll(): Promise<Term[]> {
    const [jsons, freq, example] = results(await redis.multi().hvals(key.terms).hgetall(key.freq).hgetall(key.example).exec()) as [string[], Record<string, string>, Record<string, string>];
    return jsons.map((json) => {
      const t = parse(json);
      return withStats(json, field(freq, t.id), field(example, t.id));
    });
  }

  async function snapshot(): Promise<Snapshot> {
    const [rev, layout, raw, freq, example] = results(
      await redis.multi().get(key.rev).get(key.layout).hgetall(key.terms).hgetall(key.freq).hgetall(key.example).exec(),
    ) as [string | null, string | null, Record<string, string>, Record<string, string>, Record<string, string>];
    return { rev: rev ?? '0', layout, terms: new Map(Object.entries(raw).map(([id, json]) => [id, withStats(json, field(freq, id), field(example, id))])) };
  }

  /** The script's operations for a planned change: deltas on the current layout, or every term again when moving from the first one. */
  function opsFor(s: Snapshot, change: Change<unknown>) {
    const rebuild = s.layout !== '2';
    const ops = {
      rebuild,
      absent: [] as string[],
      del: change.del,
      put: [] as [string, string, string][],
      formsRm: [] as [string, string][],
      keepRm: [] as [string, string][],
      formsAdd: [] as [string, string][],
      keepAdd: [] as [string, string][],
      freq: [] as [string, string][],
      example: [] as [string, string][],
      seeded: change.seeded ?? false,
    };
    const put = (t: Term) => ops.put.push([t.id, stored(t), t.status === 'approved' ? JSON.stringify(termContent(t)) : '']);
    const index = (t: Term, into: 'add' | 'rm', except?: Term) => {
      const f = formFields(t);
      const skip = except ? formFields(except) : { forms: [], keeps: [] };
      for (const x of f.forms) if (!skip.forms.includes(x)) (into === 'add' ? ops.formsAdd : ops.formsRm).push([x, t.id]);
      for (const x of f.keeps) if (!skip.keeps.includes(x)) (into === 'add' ? ops.keepAdd : ops.keepRm).push([x, t.id]);
    };
    if (rebuild) {
      const next = new Map(s.terms);
      for (const id of change.del) next.delete(id);
      for (const t of change.put) next.set(t.id, t);
      for (const t of next.values()) {
        put(t);
        index(t, 'add');
        if (t.frequency !== undefined) ops.freq.push([t.id, String(t.frequency)]);
        if (t.example !== undefined) ops.example.push([t.id, t.example]);
      }
      return ops;
    }
    for (const id of change.del) {
      const old = s.terms.get(id);
      if (old) index(old, 'rm');
    }
    for (const t of change.put) {
      const old = s.terms.get(t.id);
      put(t);
      if (!old) ops.absent.push(t.id);
      if (old) index(old, 'rm', t);
      index(t, 'add', old);
      // Only a deliberate change is written: suggestions may have counted further since the snapshot.
      if (old?.frequency !== t.frequency) ops.freq.push([t.id, t.frequency === undefined ? '' : String(t.frequency)]);
      if (old?.example !== t.example) ops.example.push([t.id, t.example ?? '']);
    }
    return ops;
  }

  /** Runs `plan` on a fresh snapshot until its write lands without a concurrent change in between. */
  async function write<T>(plan: (s: Snapshot) => Change<T>): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const s = await snapshot();
      const change = plan(s);
      const migrate = change.migrate === true && s.layout !== '2';
      if (change.put.length === 0 && change.del.length === 0 && !change.seeded && !migrate) return change.result;
      const touchesApproved =
        change.del.some((id) => s.terms.get(id)?.status === 'approved') ||
        change.put.some((t) => t.status === 'approved' || s.terms.get(t.id)?.status === 'approved');
      let version = '';
      if (touchesApproved || s.rev === '0') {
        const next = new Map(s.terms);
        for (const id of change.del) next.delete(id);
        for (const t of change.put) next.set(t.id, t);
        version = glossaryVersion([...next.values()].filter((t) => t.status === 'approved'));
      }
      const ok = await runScript(redis, APPLY, APPLY_SHA, applyKeys, [s.rev, version, JSON.stringify(opsFor(s, change))]);
      if (ok === 1) return change.result;
    }
    throw new GlossaryError('glossary-busy', 'the glossary is changing too fast to apply this edit; try again', { status: 409 });
  }

  function mustGet(s: Snapshot, id: string): Term {
    const t = s.terms.get(id);
    if (!t) throw notFound(id);
    return t;
  }

  function withEvent(t: Term, event: TermEvent): Term {
    return { ...t, history: [...(t.history ?? []), event] };
  }

  function approvedAfter(s: Snapshot, changed: Term[]): Term[] {
    const next = new Map(s.terms);
    for (const t of changed) next.set(t.id, t);
    return [...next.values()].filter((t) => t.status === 'approved');
  }

  const store: GlossaryStore = {
    prefix,

    async list(filter = {}) {
      const q = filter.q?.normalize('NFC').toLowerCase();
      const lang = filter.lang?.toLowerCase();
      const hits = sortTerms(await readAll()).filter(
        (t) =>
          (!filter.status || t.status === filter.status) &&
          (!filter.kind || t.kind === filter.kind) &&
          (!lang || t.lang.toLowerCase() === lang || t.lang.toLowerCase().startsWith(`${lang}-`)) &&
          (!q || [t.term, ...t.variants, ...Object.values(t.translations), t.note ?? '', t.id].some((s) => s.toLowerCase().includes(q))),
      );
      const offset = filter.offset ?? 0;
      const limit = filter.limit ?? 100;
      return { terms: hits.slice(offset, offset + limit), total: hits.length };
    },

    async get(id) {
      const [json, freq, example] = results(await redis.multi().hget(key.terms, id).hget(key.freq, id).hget(key.example, id).exec()) as (string | null)[];
      return json ? withStats(json, freq, example) : undefined;
    },

    async all() {
      return sortTerms(await readAll());
    },

    async create(input, actor) {
      const term = toTerm(input, '', { status: 'proposed' });
      return write((s) => {
        if (s.terms.has(term.id)) {
          throw new GlossaryError('glossary-term-exists', `a term with id "${term.id}" already exists (${s.terms.get(term.id)!.status}); edit it instead`, { status: 409, params: { id: term.id, status: s.terms.get(term.id)!.status } });
        }
        const created = withEvent({ ...term }, { at: now(), by: actor.name, action: term.status === 'proposed' ? 'propose' : 'create', ...(term.status === 'proposed' ? {} : { changes: { status: [null, term.status] } }) });
        return { put: [created], del: [], result: created };
      });
    },

    async update(id, patch, actor) {
      return write((s) => {
        const before = mustGet(s, id);
        assertCanModify(actor, before, 'edit');
        const after: Term = { ...before };
        for (const k of EDITABLE) {
          const v = patch[k];
          if (v === undefined) continue;
          if (k === 'note' && v === null) delete after.note;
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
      return write((s) => {
        const before = mustGet(s, id);
        assertCanModify(actor, before, 'delete');
        return { put: [], del: [id], result: before };
      });
    },

    async review(id, action, actor, note) {
      return write((s) => {
        const before = mustGet(s, id);
        const status = nextStatus(before, action);
        const event: TermEvent = { at: now(), by: actor.name, action, changes: { status: [before.status, status] } };
        if (note) event.changes!.comment = [null, note];
        const after = withEvent({ ...before, status }, event);
        const warnings = status === 'approved' ? conflictsOf(id, approvedAfter(s, [after])) : [];
        return { put: [after], del: [], result: { term: after, warnings } };
      });
    },

    async bulkApprove(ids, actor) {
      const unique = [...new Set(ids)];
      return write((s) => {
        const at = now();
        const after = unique.map((id) => {
          const before = mustGet(s, id);
          const status = nextStatus(before, 'approve');
          return withEvent({ ...before, status }, { at, by: actor.name, action: 'approve', changes: { status: [before.status, status] } });
        });
        const warnings = findConflicts(approvedAfter(s, after), new Set(unique));
        return { put: after, del: [], result: { terms: after, warnings } };
      });
    },

    async conflicts() {
      return findConflicts((await store.approvedTerms()).terms);
    },

    async version() {
      return (await redis.get(key.version)) ?? glossaryVersion([]);
    },

    async approvedTerms() {
      // One small read per call; the approved hash is loaded again only when the version moved (any process's write).
      const current = await redis.get(key.version);
      if (cache && cache.raw === current) return cache.snap;
      // Concurrent callers that saw the same version share one load.
      if (loading?.raw !== current) {
        const promise = (async () => {
          const [raw, jsons] = results(await redis.multi().get(key.version).hvals(key.approved).exec()) as [string | null, string[]];
          const terms = sortTerms(jsons.map(parse));
          // Taken from the same transaction as the terms, so the pair is consistent even if a write landed after the GET above.
          cache = { raw, snap: { version: raw ?? glossaryVersion(terms), terms } };
          return cache.snap;
        })();
        loading = { raw: current, promise };
        void promise.finally(() => {
          if (loading?.promise === promise) loading = undefined;
        }).catch(() => undefined);
      }
      return loading.promise;
    },

    async importTerms(terms, actor) {
      const ids = new Set<string>();
      for (const t of terms) {
        if (ids.has(t.id)) throw new GlossaryError('glossary-bad-file', `duplicate id "${t.id}" in the file`, { status: 422, params: { id: t.id, context: 'duplicate-id' } });
        ids.add(t.id);
      }
      return write((s) => {
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
        const approved = approvedAfter(s, put);
        // A report, not a listing: GET /conflicts has them all.
        const warnings = findConflicts(approved, new Set(put.map((t) => t.id))).slice(0, MAX_WARNINGS);
        const version = glossaryVersion(approved);
        return { put, del: [], result: { total: terms.length, created, updated, unchanged, version, warnings } };
      });
    },

    async seedIfEmpty(dir) {
      if ((await redis.exists(key.seeded)) || (await redis.hlen(key.terms)) > 0) return { seeded: 0 };
      let names: string[];
      try {
        names = (await readdir(dir)).filter((f) => /\.ya?ml$/i.test(f)).sort();
      } catch {
        return { seeded: 0 };
      }
      const terms: Term[] = [];
      for (const n of names) terms.push(...parseGlossaryYaml(await readFile(join(dir, n), 'utf8'), `glossary/${n}`));
      return write((s) => {
        if (s.terms.size > 0) return { put: [], del: [], result: { seeded: 0 }, seeded: true };
        const at = now();
        const put = terms.map((t) => ({ ...t, history: [...(t.history ?? []), { at, by: 'seed', action: 'import' }] }));
        return { put, del: [], result: { seeded: put.length }, seeded: true };
      });
    },

    async recordSuggestions(candidates, options = {}) {
      if (candidates.length === 0) return { created: 0, merged: 0, skipped: 0 };
      for (const c of candidates) {
        if (!(c.lang ?? options.lang)) throw new GlossaryError('glossary-invalid-term', `suggestion "${c.term}" has no language`, { status: 422, params: { term: c.term, context: 'no-lang' } });
        if (!Number.isInteger(c.frequency) || c.frequency < 1) throw new GlossaryError('glossary-invalid-term', `suggestion "${c.term}" needs a positive whole frequency`, { status: 422, params: { term: c.term, context: 'frequency' } });
      }
      const at = now();
      // Everything the script needs is prepared here, so one call settles the article: it looks each candidate up
      // by form (a different case is the same term, Deepseek vs DeepSeek; kept names count in every language),
      // then counts it into the proposal it found, skips it if a reviewer decided on that term, or creates it.
      const payload = candidates.map((c) => {
        const lang = (c.lang ?? options.lang)!;
        const lower = c.term.toLowerCase();
        const example = c.example ? c.example.slice(0, 2000) : '';
        const entry = { form: `${lang.toLowerCase()}\n${lower}`, keep: lower, n: c.frequency, example, id: '', json: '', forms: [] as string[], keeps: [] as string[] };
        let t: Term;
        try {
          t = toTerm({ term: c.term, lang, kind: c.kind ?? 'keep', status: 'proposed', frequency: c.frequency, ...(example ? { example } : {}) });
        } catch {
          // One odd candidate (too long, bad language tag) must not cost the article its other suggestions.
          return entry;
        }
        t.history = [{ at, by: options.source ?? 'suggest', action: 'suggest' }];
        return { ...entry, id: t.id, json: stored(t), ...formFields(t) };
      });
      for (let attempt = 0; attempt < 3; attempt++) {
        const res = await runScript(redis, SUGGEST, SUGGEST_SHA, suggestKeys, [JSON.stringify(payload)]);
        if (res === -1) {
          // A store written by the first layout gets its indexes once, then suggestions never read it whole again.
          await write(() => ({ put: [], del: [], result: undefined, migrate: true }));
          continue;
        }
        const [created, merged, skipped] = res as [number, number, number];
        return { created, merged, skipped };
      }
      throw new GlossaryError('glossary-busy', 'the glossary is changing too fast to apply this edit; try again', { status: 409 });
    },

    async clear() {
      await redis.del(...Object.values(key));
      cache = undefined;
      loading = undefined;
    },
  };
  return store;
}
