/**
 * A glossary store written by an earlier locflow is brought to the current
 * layout in the background: `locflow serve` answers `/healthz` and every
 * other route at once (a migration of 100 000 terms took over a minute, and
 * used to hold up the start), while the glossary routes that need the
 * indexes say 503 with Retry-After until it is done. One process of the
 * deployment migrates (a lock in Redis); the others wait for it, and a
 * migration that stops (the process closed or died) is resumed from its
 * saved cursor by the next. Errors (Redis away) are retried with backoff.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { GlossaryStore } from '../glossary/store.js';

export interface BackgroundMigration {
  /** Settles when the store has the current layout (or the migration was stopped). */
  readonly done: Promise<void>;
  stop(): void;
}

export function migrateInBackground(store: GlossaryStore, log: FastifyBaseLogger, scrub: (text: string) => string): BackgroundMigration {
  let stopped = false;
  const done = (async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        if (await store.isMigrated()) return;
        if (attempt === 0) log.info('glossary: an earlier storage layout; migrating in the background (glossary listings answer 503 until done)');
        const t0 = Date.now();
        const report = await store.migrate();
        if (report.ranHere) log.info({ terms: report.walked, ms: Date.now() - t0 }, 'glossary: migrated to the current layout');
        return;
      } catch (err) {
        if (stopped) return;
        log.warn({ err: scrub((err as Error).message) }, 'glossary: migration interrupted; retrying');
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)).unref());
      }
    }
  })();
  return {
    done,
    stop() {
      stopped = true;
      store.stop();
    },
  };
}
