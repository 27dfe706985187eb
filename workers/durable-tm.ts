/**
 * The translation memory as workers use it: a batch's write — the record of
 * what was just bought from an engine — is held by a replica before the
 * translation goes on (`WAIT 1`, when the master has replicas).
 *
 * Why: a retried child (after a failover, a crash, a stalled lock) reads the
 * memory before calling the engine. A write that the old master acknowledged
 * but never replicated is lost with it, and the retry buys the batch again.
 * With one replica per master, the replica that acknowledged is the one that
 * can be promoted, so an acknowledged batch survives the failover.
 *
 * When the WAIT fails (the master died under it) or no replica answers in
 * time, the same entries are written again — the writes are idempotent, and a
 * second write after a failover lands on the new master — and waited for
 * again, a few times. After that the batch goes on anyway: the translation is
 * paid for and in hand, and throwing it away would be the surest way to buy it
 * twice.
 */
import type { TranslationMemory } from '../pipeline/model.js';

export interface DurableTmOptions {
  /** WAIT 1 on the connection that wrote: replicas that acknowledged, undefined when there are none to wait for. */
  waitForReplica: () => Promise<number | undefined>;
  /** Writes (and waits) per batch before going on without a replica's acknowledgement. */
  attempts?: number;
  /** Told when a batch goes on without one (for a log line). */
  onUnreplicated?: (detail: string) => void;
}

export function durableTm(tm: TranslationMemory, options: DurableTmOptions): TranslationMemory {
  const attempts = Math.max(1, options.attempts ?? 3);
  return {
    lookup: (keys) => tm.lookup(keys),
    async store(entries) {
      if (entries.length === 0) return;
      let detail = '';
      for (let i = 1; i <= attempts; i++) {
        await tm.store(entries);
        try {
          const acked = await options.waitForReplica();
          if (acked === undefined || acked >= 1) return;
          detail = 'no replica acknowledged in time';
        } catch (err) {
          detail = (err as Error).message;
        }
      }
      options.onUnreplicated?.(`${entries.length} translation-memory entries not confirmed by a replica after ${attempts} writes: ${detail}`);
    },
  };
}
