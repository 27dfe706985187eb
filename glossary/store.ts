/**
 * The shared glossary in Redis, used by every API and worker process.
 *
 * Keys (all under the deployment prefix, so one hash tag keeps them in one
 * Redis Cluster slot):
 *   <prefix>:glossary:terms     hash  id → term JSON, history included
 *   <prefix>:glossary:approved  hash  id → approved term JSON without history (what workers load)
 *   <prefix>:glossary:version   string  glossaryVersion() of the approved terms
 *   <prefix>:glossary:rev       counter, +1 on every write (optimistic concurrency)
 *   <prefix>:glossary:seeded    set once the seed files have been imported
 *
 * Writes are compare-and-set: read a snapshot with its revision in one
 * MULTI, compute the new state in JavaScript (validation, workflow rules,
 * the new version), then apply it with one Lua script that refuses if the
 * revision moved; on refusal the whole step is redone. No WATCH, because the
 * Redis connection is shared with BullMQ and WATCH is per connection.
 */
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

/**
 * KEYS: terms, approved, version, rev, seeded. ARGV: expected rev, new version ('' = keep),
 * JSON {put:[[id, termJson, approvedJson|""]], del:[id], seeded}.
 */
const APPLY = `
local rev = redis.call('GET', KEYS[4]) or '0'
if rev ~= ARGV[1] then return 0 end
local ops = cjson.decode(ARGV[3])
for _, id in ipairs(ops.del) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
for _, p in ipairs(ops.put) do
  redis.call('HSET', KEYS[1], p[1], p[2])
  if p[3] == '' then redis.call('HDEL', KEYS[2], p[1]) else redis.call('HSET', KEYS[2], p[1], p[3]) end
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
if ops.seeded then redis.call('SET', KEYS[5], '1') end
redis.call('INCR', KEYS[4])
return 1
`;

interface Snapshot {
  rev: string;
  terms: Map<string, Term>;
}

interface Change<T> {
  put: Term[];
  del: string[];
  result: T;
  seeded?: boolean;
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
  };
  let cache: { version: string; terms: Term[] } | undefined;

  const parse = (json: string): Term => JSON.parse(json) as Term;

  async function snapshot(): Promise<Snapshot> {
    const res = await redis.multi().get(key.rev).hgetall(key.terms).exec();
    if (!res) throw new Error('glossary snapshot transaction aborted');
    for (const [err] of res) if (err) throw err;
    const rev = (res[0]![1] as string | null) ?? '0';
    const raw = res[1]![1] as Record<string, string>;
    return { rev, terms: new Map(Object.entries(raw).map(([id, json]) => [id, parse(json)])) };
  }

  /** Runs `plan` on a fresh snapshot until its write lands without a concurrent change in between. */
  async function write<T>(plan: (s: Snapshot) => Change<T>): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const s = await snapshot();
      const change = plan(s);
      if (change.put.length === 0 && change.del.length === 0 && !change.seeded) return change.result;
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
      const ops = {
        del: change.del,
        put: change.put.map((t) => [t.id, JSON.stringify(t), t.status === 'approved' ? JSON.stringify(termContent(t)) : '']),
        seeded: change.seeded ?? false,
      };
      const ok = await redis.eval(APPLY, 5, key.terms, key.approved, key.version, key.rev, key.seeded, s.rev, version, JSON.stringify(ops));
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
      const raw = await redis.hvals(key.terms);
      const q = filter.q?.normalize('NFC').toLowerCase();
      const lang = filter.lang?.toLowerCase();
      const hits = sortTerms(raw.map(parse)).filter(
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
      const json = await redis.hget(key.terms, id);
      return json ? parse(json) : undefined;
    },

    async all() {
      return sortTerms((await redis.hvals(key.terms)).map(parse));
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
      const current = await redis.get(key.version);
      if (cache && current !== null && cache.version === current) return cache;
      const res = await redis.multi().get(key.version).hvals(key.approved).exec();
      if (!res) throw new Error('glossary read transaction aborted');
      for (const [err] of res) if (err) throw err;
      const terms = sortTerms((res[1]![1] as string[]).map(parse));
      // Recomputed from what was read, so the pair is consistent even if a write landed between the two reads above.
      const version = (res[0]![1] as string | null) ?? glossaryVersion(terms);
      cache = { version, terms };
      return cache;
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
      return write((s) => {
        // A suggestion that differs from an existing term only in case is the same term (Deepseek vs DeepSeek).
        // Kept names count in every language; other terms only in their own.
        const formKey = (lang: Lang, form: string) => `${lang.toLowerCase()}\n${form.toLowerCase()}`;
        const keepForms = new Map<string, Term>();
        const byForm = new Map<string, Term>();
        for (const t of s.terms.values()) {
          for (const f of [t.term, ...t.variants]) {
            byForm.set(formKey(t.lang, f), t);
            if (t.kind === 'keep') keepForms.set(f.toLowerCase(), t);
          }
        }
        const at = now();
        const put = new Map<string, Term>();
        let created = 0;
        let merged = 0;
        let skipped = 0;
        for (const c of candidates) {
          const lang = (c.lang ?? options.lang)!;
          const found = byForm.get(formKey(lang, c.term)) ?? keepForms.get(c.term.toLowerCase());
          const existing = found && (put.get(found.id) ?? found);
          if (existing && existing.status !== 'proposed') {
            skipped++;
            continue;
          }
          if (existing) {
            merged++;
            const t: Term = { ...existing, frequency: (existing.frequency ?? 0) + c.frequency };
            if (t.example === undefined && c.example) t.example = c.example;
            put.set(t.id, t);
            byForm.set(formKey(lang, c.term), t);
            continue;
          }
          let t: Term;
          try {
            t = toTerm({ term: c.term, lang, kind: c.kind ?? 'keep', status: 'proposed', frequency: c.frequency, ...(c.example ? { example: c.example.slice(0, 2000) } : {}) });
          } catch {
            // One odd candidate (too long, bad language tag) must not cost the article its other suggestions.
            skipped++;
            continue;
          }
          created++;
          t.history = [{ at, by: options.source ?? 'suggest', action: 'suggest' }];
          put.set(t.id, t);
          byForm.set(formKey(lang, t.term), t);
          if (t.kind === 'keep') keepForms.set(t.term.toLowerCase(), t);
        }
        return { put: [...put.values()], del: [], result: { created, merged, skipped } };
      });
    },

    async clear() {
      await redis.del(key.terms, key.approved, key.version, key.rev, key.seeded);
      cache = undefined;
    },
  };
  return store;
}
