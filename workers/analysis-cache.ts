/**
 * Parsed Analyses by job id, per worker process. An article's children and
 * its assemble step all need the same Analysis; reading and parsing it from
 * Redis once per process instead of once per job saves a round trip and a
 * parse of tens of kilobytes of JSON each time. Safe because a job id is a
 * hash of everything the analysis depends on (text, options, glossary
 * version): the value stored under an id never changes, even when a failed
 * job is submitted again. Bounded: the oldest entries go first.
 */
import type { Analysis } from '../pipeline/model.js';

export class AnalysisCache {
  private readonly entries = new Map<string, Promise<Analysis | undefined>>();

  constructor(readonly maxEntries = 32) {}

  /** The cached Analysis, else `load()` (concurrent callers share one load; a miss is not kept). */
  get(id: string, load: () => Promise<Analysis | undefined>): Promise<Analysis | undefined> {
    const hit = this.entries.get(id);
    if (hit) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const loading = load().then(
      (analysis) => {
        if (!analysis) this.forget(id, loading);
        return analysis;
      },
      (err: unknown) => {
        this.forget(id, loading);
        throw err;
      },
    );
    this.entries.set(id, loading);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return loading;
  }

  get size(): number {
    return this.entries.size;
  }

  private forget(id: string, entry: Promise<Analysis | undefined>): void {
    if (this.entries.get(id) === entry) this.entries.delete(id);
  }
}
