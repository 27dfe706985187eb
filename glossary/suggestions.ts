/**
 * Suggestions come with every submitted article, so they never read the
 * whole glossary: one script (SUGGEST) looks each candidate up in the form
 * indexes and counts it into the proposal it finds, skips it when a reviewer
 * decided on that term, or creates it. They do not move the revision (that
 * would make reviewers' edits retry under a stream of articles); instead an
 * edit that creates a term checks in its script that the id is still free.
 *
 * Counting is per distinct article: each suggestion keeps the hashes of the
 * last articles it was counted from, so resubmitting an article adds nothing.
 * One article creates at most `perArticle` new proposals (its most frequent
 * candidates). A suggestion nobody acts on expires `ttlMs` after an article
 * last used it.
 */
import type { Redis } from './keys.js';
import { GlossaryError } from '../pipeline/errors.js';
import type { Lang, TermKind } from '../pipeline/model.js';
import { indexRecord, stored, untouchedSuggestion } from './indexes.js';
import { runScript, type GlossaryKeys } from './keys.js';
import { migrateLayout } from './migrate.js';
import { toTerm } from './schema.js';
import { SUGGEST } from './scripts.js';
import type { Writer } from './write.js';

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
  /** Candidates that match a term a reviewer already decided on, or that could not become terms, or over the per-article cap. */
  skipped: number;
  /** Candidates already counted from this same article (a resubmission). */
  repeated: number;
}

export interface RecordOptions {
  lang?: Lang;
  /** Who found them, for history (a job id). */
  source?: string;
  /** A hash of the article's text: the same article is counted once, however often it is submitted. */
  article?: string;
}

export interface SuggestionSettings {
  /** New proposals one article may create (0 = no cap). */
  perArticle: number;
  /** How long a suggestion nobody acted on lives after an article last used it (ms; 0 = forever). */
  ttlMs: number;
  /** Article hashes kept per suggestion to recognise resubmissions. */
  articlesKept: number;
}

export const DEFAULT_SUGGESTION_SETTINGS: SuggestionSettings = { perArticle: 20, ttlMs: 30 * 24 * 3600_000, articlesKept: 64 };

/** How often one process sweeps expired suggestions, at most. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 500;

export class Suggestions {
  private lastSweep = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: GlossaryKeys,
    private readonly writer: Writer,
    private readonly settings: SuggestionSettings,
  ) {}

  async record(candidates: SuggestionInput[], options: RecordOptions = {}): Promise<SuggestionReport> {
    if (candidates.length === 0) return { created: 0, merged: 0, skipped: 0, repeated: 0 };
    for (const c of candidates) {
      if (!(c.lang ?? options.lang)) throw new GlossaryError('glossary-invalid-term', `suggestion "${c.term}" has no language`, { status: 422, params: { term: c.term, context: 'no-lang' } });
      if (!Number.isInteger(c.frequency) || c.frequency < 1) throw new GlossaryError('glossary-invalid-term', `suggestion "${c.term}" needs a positive whole frequency`, { status: 422, params: { term: c.term, context: 'frequency' } });
    }
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await this.expire();
    }
    const at = new Date().toISOString();
    // The cap keeps an article's most used candidates; the script creates them in this order.
    const ordered = [...candidates].sort((a, b) => b.frequency - a.frequency);
    // Everything the script needs is prepared here, so one call settles the article: it looks each candidate up
    // by form (a different case is the same term, Deepseek vs DeepSeek; kept names count in every language),
    // then counts it into the proposal it found, skips it if a reviewer decided on that term, or creates it.
    const payload = ordered.map((c) => {
      const lang = (c.lang ?? options.lang)!;
      const lower = c.term.toLowerCase();
      const example = c.example ? c.example.slice(0, 2000) : '';
      const entry = { form: `${lang.toLowerCase()}\n${lower}`, keep: lower, n: c.frequency, example, id: '', json: '', rec: null as unknown };
      try {
        const t = toTerm({ term: c.term, lang, kind: c.kind ?? 'keep', status: 'proposed', frequency: c.frequency, ...(example ? { example } : {}) });
        t.history = [{ at, by: options.source ?? 'suggest', action: 'suggest' }];
        return { ...entry, id: t.id, json: stored(t), rec: indexRecord(t) };
      } catch {
        // One odd candidate (too long, bad language tag) must not cost the article its other suggestions.
        return entry;
      }
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await runScript(this.redis, SUGGEST, this.keys, [JSON.stringify(payload), Date.now(), options.article ?? '', this.settings.articlesKept, this.settings.perArticle]);
      if (res === -1) {
        // A store written by an earlier layout gets its indexes once; then suggestions never read it whole again.
        await migrateLayout(this.redis, this.keys);
        continue;
      }
      const [created, merged, skipped, repeated] = res as [number, number, number, number];
      return { created, merged, skipped, repeated };
    }
    throw new GlossaryError('glossary-busy', 'the glossary is changing too fast to apply this edit; try again', { status: 409 });
  }

  /** Deletes suggestions that no one acted on and no article used for `ttlMs`; returns how many. */
  async expire(now = Date.now()): Promise<number> {
    if (this.settings.ttlMs <= 0) return 0;
    const cutoff = now - this.settings.ttlMs;
    let removed = 0;
    for (;;) {
      const ids = await this.redis.zrangebyscore(this.keys.expiry, '-inf', cutoff, 'LIMIT', 0, SWEEP_BATCH);
      if (ids.length === 0) return removed;
      const stale = await this.writer.write(ids, (s) => {
        const del = ids.filter((id) => {
          const t = s.terms.get(id);
          return t !== undefined && untouchedSuggestion(t);
        });
        return { put: [], del, result: ids.filter((id) => !del.includes(id)), expired: del.map((id) => [id, cutoff] as [string, number]) };
      });
      removed += ids.length - stale.length;
      // Entries whose term is gone meanwhile leave the set too.
      if (stale.length) await this.redis.zrem(this.keys.expiry, ...stale);
      if (ids.length < SWEEP_BATCH) return removed;
    }
  }
}
