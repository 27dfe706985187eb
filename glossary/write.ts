/**
 * How people's edits reach Redis: compare-and-set on the few terms a change
 * touches. A write reads a snapshot of those terms with the revision in one
 * MULTI, plans the new state in JavaScript (validation, workflow rules, the
 * new version, index changes), then applies it with one Lua script (APPLY)
 * that refuses if the revision moved; on refusal the whole step is redone.
 * No WATCH, because the Redis connection is shared with BullMQ and WATCH is
 * per connection.
 *
 * A change that touches approved terms also needs the whole approved set (for
 * the new version and for conflict warnings); it comes from the per-version
 * cache, so it is read from Redis only when another process changed it.
 */
import type { Redis } from './keys.js';
import { GlossaryError } from '../pipeline/errors.js';
import { glossaryVersion } from '../pipeline/glossary/index.js';
import type { Term } from '../pipeline/model.js';
import type { ApprovedCache } from './approved.js';
import { indexRecord, stored } from './indexes.js';
import { runScript, type GlossaryKeys } from './keys.js';
import { withStats } from './listing.js';
import { termContent } from './schema.js';
import { APPLY } from './scripts.js';

export interface Snapshot {
  rev: string;
  /** The version key as read with `rev`. */
  version: string | null;
  /** The terms the change asked for that exist. */
  terms: Map<string, Term>;
  /** Every approved term, when the change needs them (see `approvedOf`). */
  approved?: Term[];
}

export interface Change<T> {
  put: Term[];
  del: string[];
  result: T;
  seeded?: boolean;
  /** Suggestions being expired, with the cutoff they must still be older than. */
  expired?: [string, number][];
}

const MAX_ATTEMPTS = 20;

/** Thrown by a plan that needs the approved terms on a snapshot planned without them; the write loads them and plans again. */
class NeedApproved extends Error {}

/** The approved terms of a snapshot; only callable inside a plan. */
export function approvedOf(s: Snapshot): Term[] {
  if (!s.approved) throw new NeedApproved();
  return s.approved;
}

/** The approved terms once `changed` and `removed` are applied. */
export function approvedAfter(s: Snapshot, changed: Term[], removed: string[] = []): Term[] {
  const next = new Map(approvedOf(s).map((t) => [t.id, t]));
  for (const id of removed) next.delete(id);
  for (const t of changed) next.set(t.id, t);
  return [...next.values()].filter((t) => t.status === 'approved');
}

function results(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('glossary read transaction aborted');
  for (const [err] of res) if (err) throw err;
  return res.map(([, v]) => v);
}

export class Writer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: GlossaryKeys,
    private readonly approved: ApprovedCache,
  ) {}

  private async snapshot(ids: string[]): Promise<Snapshot> {
    const multi = this.redis.multi().get(this.keys.rev).get(this.keys.version);
    if (ids.length) multi.hmget(this.keys.terms, ...ids).hmget(this.keys.freq, ...ids).hmget(this.keys.example, ...ids);
    const [rev, version, jsons, freq, example] = results(await multi.exec()) as [string | null, string | null, (string | null)[]?, (string | null)[]?, (string | null)[]?];
    const terms = new Map<string, Term>();
    ids.forEach((id, i) => {
      const json = jsons?.[i];
      if (json) terms.set(id, withStats(json, freq![i], example![i]));
    });
    return { rev: rev ?? '0', version, terms };
  }

  /** Runs `plan` on a fresh snapshot of `ids` until its write lands without a concurrent change in between. */
  async write<T>(ids: string[], plan: (s: Snapshot) => Change<T>): Promise<T> {
    const unique = [...new Set(ids)];
    let wantApproved = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const s = await this.snapshot(unique);
      // The first write of a store sets its version, so it needs the (empty) approved set too.
      if (wantApproved || s.rev === '0') {
        s.approved = await this.approved.at(s.version);
        if (!s.approved) continue;
      }
      let change: Change<T>;
      try {
        change = plan(s);
      } catch (err) {
        if (!(err instanceof NeedApproved)) throw err;
        wantApproved = true;
        attempt--;
        continue;
      }
      if (change.put.length === 0 && change.del.length === 0 && !change.seeded) return change.result;
      const touchesApproved =
        change.del.some((id) => s.terms.get(id)?.status === 'approved') ||
        change.put.some((t) => t.status === 'approved' || s.terms.get(t.id)?.status === 'approved');
      let version = '';
      if (touchesApproved || s.rev === '0') {
        if (!s.approved) {
          wantApproved = true;
          attempt--;
          continue;
        }
        version = glossaryVersion(approvedAfter(s, change.put, change.del));
      }
      const ok = await runScript(this.redis, APPLY, this.keys, [s.rev, version, JSON.stringify(this.ops(s, change))]);
      if (ok === 1) {
        if (version) this.approved.forget();
        return change.result;
      }
    }
    throw new GlossaryError('glossary-busy', 'the glossary is changing too fast to apply this edit; try again', { status: 409 });
  }

  /** The script's operations: index entries out for the old state, in for the new. */
  private ops(s: Snapshot, change: Change<unknown>) {
    const score = Date.now();
    const del = change.del.flatMap((id) => {
      const old = s.terms.get(id);
      return old ? [{ id, old: indexRecord(old) }] : [];
    });
    const absent: string[] = [];
    const put = change.put.map((t) => {
      const old = s.terms.get(t.id);
      if (!old) absent.push(t.id);
      return {
        id: t.id,
        json: stored(t),
        approved: t.status === 'approved' ? JSON.stringify(termContent(t)) : '',
        status: t.status,
        score,
        new: indexRecord(t),
        ...(old ? { old: indexRecord(old) } : {}),
        // Only a deliberate change is written: suggestions may have counted further since the snapshot.
        ...(old?.frequency !== t.frequency ? { freq: t.frequency === undefined ? '' : String(t.frequency) } : {}),
        ...(old?.example !== t.example ? { example: t.example ?? '' } : {}),
      };
    });
    return { absent, expired: change.expired ?? [], del, put, seeded: change.seeded ?? false };
  }
}
