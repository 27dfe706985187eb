/**
 * The approved glossary as every process sees it, cached per version: a
 * submission costs one GET of the version key, and the approved hash is
 * loaded again only when the version moved (an approval in any process).
 * Conflicts between approved terms are computed once per version too.
 */
import type { Redis } from './keys.js';
import { glossaryVersion } from '../pipeline/glossary/index.js';
import type { Term } from '../pipeline/model.js';
import { findConflicts, type Conflict } from './conflicts.js';
import type { GlossaryKeys } from './keys.js';

export interface ApprovedSnapshot {
  version: string;
  terms: Term[];
}

export function sortTerms(terms: Term[]): Term[] {
  return terms.sort((a, b) => a.lang.localeCompare(b.lang) || a.term.localeCompare(b.term, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id));
}

export class ApprovedCache {
  /** `raw` is the version key as read (null before the first write), so an empty store is cached too. */
  private cache: { raw: string | null; snap: ApprovedSnapshot } | undefined;
  private loading: { raw: string | null; promise: Promise<ApprovedSnapshot> } | undefined;
  private conflictsOf: { version: string; conflicts: Conflict[] } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: GlossaryKeys,
  ) {}

  async current(): Promise<ApprovedSnapshot> {
    const raw = await this.redis.get(this.keys.version);
    if (this.cache && this.cache.raw === raw) return this.cache.snap;
    // Concurrent callers that saw the same version share one load.
    if (this.loading?.raw !== raw) {
      const promise = this.load();
      this.loading = { raw, promise };
      void promise
        .finally(() => {
          if (this.loading?.promise === promise) this.loading = undefined;
        })
        .catch(() => undefined);
    }
    return this.loading.promise;
  }

  /**
   * The approved terms as of version key value `raw`, for a write planned on a
   * snapshot that read it; undefined when the version has moved since (the
   * write starts over anyway).
   */
  async at(raw: string | null): Promise<Term[] | undefined> {
    if (!this.cache || this.cache.raw !== raw) await this.current();
    return this.cache?.raw === raw ? this.cache.snap.terms : undefined;
  }

  async conflicts(): Promise<Conflict[]> {
    const snap = await this.current();
    if (this.conflictsOf?.version !== snap.version) this.conflictsOf = { version: snap.version, conflicts: findConflicts(snap.terms) };
    return this.conflictsOf.conflicts;
  }

  forget(): void {
    this.cache = undefined;
    this.loading = undefined;
  }

  private async load(): Promise<ApprovedSnapshot> {
    const res = await this.redis.multi().get(this.keys.version).hvals(this.keys.approved).exec();
    if (!res) throw new Error('glossary read transaction aborted');
    for (const [err] of res) if (err) throw err;
    const raw = res[0]![1] as string | null;
    const terms = sortTerms((res[1]![1] as string[]).map((json) => JSON.parse(json) as Term));
    // Taken from the same transaction as the terms, so the pair is consistent even if a write landed after the first GET.
    this.cache = { raw, snap: { version: raw ?? glossaryVersion(terms), terms } };
    return this.cache.snap;
  }
}
