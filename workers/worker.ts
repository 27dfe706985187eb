/**
 * The worker side: BullMQ workers for translation children, the assemble
 * parent and webhook deliveries. Processors stay thin: read the job, call
 * `pipeline/`, record state, map errors to BullMQ's retry semantics.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { InputError, LocflowError, ProviderError } from '../pipeline/errors.js';
import { writeBundle, zipBundleAsync } from '../pipeline/formats/bundle.js';
import type { BundleInput, TargetResult, TranslationMemory } from '../pipeline/model.js';
import { noticesOf } from '../pipeline/notices.js';
import { translateTarget } from '../pipeline/run.js';
import { createRedisTm, loadProvidersConfig, translatorsByProvider, type LocflowTranslator } from '../providers/index.js';
import { createSharedLimits } from './provider-limits.js';
import { startJanitor } from './janitor.js';
import { tmOptions, type QueueConfig } from './config.js';
import { Metrics } from './metrics.js';
import { BACKOFF_TYPE, QUEUE, type AssembleJobData, type TranslateJobData, type TranslateSummary } from './queues.js';
import { closeRedis, connectRedis, replicaWaiter, type RedisClient } from './redis.js';
import { durableTm } from './durable-tm.js';
import { AnalysisCache } from './analysis-cache.js';
import { JobStore, toView, type JobError, type StoredMessage } from './store.js';
import { noteOf, plainParams } from './notes.js';
import { createWebhookProcessor, deliver, type WebhookEvent, type WebhookJobData } from './webhooks.js';
import { scrubberFor, scrubError, type Scrub } from '../providers/secrets.js';
import { locflowVersion } from '../pipeline/package-info.js';

const version = locflowVersion();

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface WorkerOptions {
  config: QueueConfig;
  /** Jobs each worker runs at once in this process. */
  concurrency?: number;
  log?: Logger;
  /** Environment for provider credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Builds the translator for a provider id (tests inject fakes; default: the registry). */
  translatorFor?: (provider: string | undefined) => LocflowTranslator;
}

export interface RunningWorkers {
  workers: Worker[];
  /** Lets running jobs finish (up to BullMQ's close), then disconnects. */
  close(): Promise<void>;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/** Full jitter under an exponentially growing cap, never shorter than a provider's Retry-After. */
export function backoffDelay(attemptsMade: number, baseMs: number, maxMs: number, err?: Error, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const delay = Math.round(cap / 2 + random() * (cap / 2));
  const retryAfter = err instanceof ProviderError ? err.retryAfterMs : undefined;
  return retryAfter && retryAfter > delay ? retryAfter : delay;
}

/** A target's notes as the job record keeps them: English `warnings` and, in the same order, their codes. */
function storedNotes(result: TargetResult, scrub: Scrub): { warnings: string[]; notes?: StoredMessage[] } {
  const notes = noticesOf(result)
    .map(noteOf)
    .map((n) => scrubMessage(n, scrub));
  return notes.length ? { warnings: notes.map((n) => n.message), notes } : { warnings: [] };
}

/** A failure as it is stored: the code and params the API renders in the reader's language, and the English message. */
export function errorOf(err: unknown): JobError {
  if (err instanceof LocflowError) {
    const params = plainParams(err.params);
    return params ? { code: err.code, message: err.message, params } : { code: err.code, message: err.message };
  }
  // Free text (BullMQ's own, or a bug's): it is passed on as the detail of a generic sentence.
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof UnrecoverableError) return { code: 'failed', message, params: { detail: message } };
  return { code: 'internal', message };
}

/** A stored message with every configured secret taken out of its text and params. */
export function scrubMessage<M extends StoredMessage>(m: M, scrub: Scrub): M {
  const params = m.params ? (JSON.parse(scrub(JSON.stringify(m.params))) as M['params']) : undefined;
  return { ...m, message: scrub(m.message), ...(params ? { params } : {}) };
}

class CancelledError extends Error {}

export async function startWorkers(options: WorkerOptions): Promise<RunningWorkers> {
  const { config } = options;
  const log = options.log ?? silent;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  // Commands on this connection retry through a Redis restart instead of failing the job.
  const redis: RedisClient = connectRedis(config, 'worker');
  const store = new JobStore(redis, config.prefix, config.retentionSeconds);
  const metrics = new Metrics(redis, config.prefix);
  // What a batch bought is held by a replica before the batch goes on: a retry after a failover reads it instead of buying again.
  const tm: TranslationMemory = durableTm(createRedisTm(redis, `${config.prefix}:`, tmOptions(config)), {
    waitForReplica: replicaWaiter(redis, `${config.prefix}:job`, config.replicaWaitMs),
    onUnreplicated: (detail) => log.warn({ detail }, 'a translation-memory write was not confirmed by a replica; a failover now could buy that batch again'),
  });
  const analyses = new AnalysisCache();
  const analysisOf = (id: string) => analyses.get(id, () => store.analysis(id));
  const webhookQueue = new (await import('bullmq')).Queue<WebhookJobData>(QUEUE.webhooks, {
    connection: redis,
    prefix: config.prefix,
    streams: { events: { maxLen: config.eventsMaxLen } },
  });
  webhookQueue.on('error', () => {});

  // Limits from LOCFLOW_CONFIG `providers.<id>` hold for the whole deployment: every call takes a lease/token in Redis.
  const limits = createSharedLimits({
    redis,
    prefix: config.prefix,
    settings: loadProvidersConfig(options.env ?? process.env).providers ?? {},
    onLeaseLost: (provider) => log.warn({ provider }, 'a provider call outlived its lease (was this process stalled?); the deployment may briefly exceed maxInFlight'),
  });
  const translatorFor = options.translatorFor ?? translatorsByProvider(options.env, { wrapProvider: limits.wrap });
  const janitor = startJanitor(redis, config, (err) => log.warn({ err: err.message }, 'could not trim finished jobs'));
  // Before anything is stored, logged or handed to BullMQ (which keeps failedReason and stack), credentials come out.
  const scrub = scrubberFor(options.env ?? process.env);

  // Provider usage is counted per process by the router; push the growth to Redis so /metrics adds up every worker.
  const flushedBy = new WeakMap<LocflowTranslator, Map<string, { calls: number; chars: number; billedChars: number }>>();
  let flushing: Promise<void> = Promise.resolve();
  const flushUsage = (translator: LocflowTranslator) => {
    flushing = flushing
      .then(async () => {
        let flushed = flushedBy.get(translator);
        if (!flushed) flushedBy.set(translator, (flushed = new Map()));
        for (const [ref, u] of Object.entries(translator.usage())) {
          const key = ref;
          const before = flushed.get(key) ?? { calls: 0, chars: 0, billedChars: 0 };
          const calls = u.calls - before.calls;
          if (calls <= 0 && u.chars === before.chars) continue;
          flushed.set(key, { ...u });
          await metrics.providerCall(ref, u.chars - before.chars, u.billedChars - before.billedChars, Math.max(1, calls));
        }
        for (const [provider, st] of Object.entries(limits.takeStats())) await metrics.providerWait(provider, st.waitMs / 1000, st.calls);
      })
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not record provider usage'));
    return flushing;
  };

  // The webhook URL is part of the job id's hash, so a record read earlier tells whether there is one.
  const notify = async (id: string, event: WebhookEvent, webhookUrl: string | undefined) => {
    if (!webhookUrl) return;
    const rec = await store.get(id);
    // One delivery per event and revision, whatever the number of retries that got here.
    if (rec) await deliver(webhookQueue, config, event, rec);
  };

  const failArticle = async (id: string, error: JobError) => {
    const rec = await store.get(id);
    const now = await store.fail(id, error);
    if (now === 'failed' && rec?.status !== 'failed') {
      await metrics.articleFinished('failed', 0);
      await notify(id, 'job.failed', rec?.meta.webhookUrl);
    }
  };

  const workers: Worker[] = [];
  const settings = {
    backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => backoffDelay(attemptsMade, config.retryBaseMs, config.retryMaxMs, err),
  };
  const common = {
    connection: connectRedis(config, 'worker'),
    prefix: config.prefix,
    settings,
    stalledInterval: config.stalledIntervalMs,
    // A lock that outlives a Redis failover keeps the job with its worker: no second run buying the same batch.
    lockDuration: config.lockDurationMs,
    // A job whose worker died twice is more likely killing workers than unlucky.
    maxStalledCount: 2,
  };

  let translateWorker: Worker<TranslateJobData, TranslateSummary> | undefined;

  const processTranslate = async (job: Job<TranslateJobData, TranslateSummary>): Promise<TranslateSummary> => {
    const { id, lang, provider } = job.data;
    const analysis = await analysisOf(id);
    if (!analysis) {
      const status = await store.status(id);
      if (!status) throw new UnrecoverableError(`job ${id} has expired or was never submitted`);
      if (status === 'cancelled') throw new UnrecoverableError('cancelled');
      throw new UnrecoverableError(`job ${id}: the analysed article has expired`);
    }
    const total = analysis.segments.length;
    // One round trip: the job turns active and this target's state is written, unless it was cancelled.
    const before = await store.beginTarget(id, lang, { status: 'active', done: 0, total });
    if (!before) throw new UnrecoverableError(`job ${id} has expired or was never submitted`);
    // Another target failed the job (or it was cancelled): no bundle can come of this one, so do not call the engine.
    if (before === 'cancelled' || before === 'failed') {
      await store.setTarget(id, lang, { status: 'cancelled', done: 0, total });
      throw new UnrecoverableError(before === 'failed' ? 'the job failed on another target' : 'cancelled');
    }
    await job.updateProgress({ stage: 'translate', lang, done: 0, total });

    const abort = new AbortController();
    let progress: Promise<void> = Promise.resolve();
    let reported = 0;
    let dashboardAt = Date.now();
    const onProgress = (done: number, n: number) => {
      progress = progress
        .then(async () => {
          // An unchanged count is not written again, but the cancellation check still runs.
          let status: string | undefined;
          if (done === reported) status = await store.status(id);
          else {
            reported = done;
            // The job record is what the API reads; BullMQ's own progress only feeds the dashboard. Its script
            // (job hash + event stream entry) was one of five Redis calls per batch: at most one a second.
            const dashboard = Date.now() - dashboardAt >= 1000;
            if (dashboard) dashboardAt = Date.now();
            [status] = await Promise.all([
              store.reportTarget(id, lang, { status: 'active', done, total: n }),
              dashboard ? job.updateProgress({ stage: 'translate', lang, done, total: n }) : undefined,
            ]);
          }
          if (status === 'cancelled' || status === 'failed') abort.abort(new CancelledError('cancelled'));
        })
        .catch(() => {});
    };
    let translator: LocflowTranslator | undefined;
    try {
      translator = translatorFor(provider);
      // Providers list their pairs in the background; planning before that would miss routes.
      await translator.ready();
      const result = await translateTarget(analysis, lang, { translator, tm, onProgress, signal: abort.signal, batchSize: config.batchSize, ...(config.termCheck ? { termCheck: true } : {}) });
      await progress;
      const kept = await store.completeTarget(id, result, {
        status: 'completed',
        done: total,
        total,
        provider: result.providers.join('+'),
        route: result.route,
        billedChars: result.billedChars,
        tmHits: result.tmHits,
        ...storedNotes(result, scrub),
      });
      if (!kept) throw new UnrecoverableError(`job ${id} has expired`);
      return { lang: result.lang, segments: result.segments.length, billedChars: result.billedChars, tmHits: result.tmHits };
    } catch (err) {
      scrubError(err, scrub);
      await progress;
      if (abort.signal.aborted || (await store.status(id)) === 'cancelled') {
        await store.setTarget(id, lang, { status: 'cancelled', done: 0, total });
        throw new UnrecoverableError('cancelled');
      }
      if (err instanceof ProviderError) await metrics.providerError(err.provider, err.reason).catch(() => {});
      if (err instanceof ProviderError && err.reason === 'rate-limit' && err.retryAfterMs && translateWorker) {
        // The queue-wide limiter: every worker pauses this queue, and the job goes back without using an attempt.
        log.warn({ job: id, lang, provider: err.provider, ms: err.retryAfterMs }, 'provider rate limit: pausing the translate queue');
        await translateWorker.rateLimit(err.retryAfterMs);
        throw Worker.RateLimitError();
      }
      const unrecoverable = err instanceof InputError || (err instanceof ProviderError && !err.retryable) || err instanceof UnrecoverableError;
      const final = unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const error = scrubMessage(errorOf(err), scrub);
      log.warn({ job: id, lang, attempt: job.attemptsMade + 1, final, code: error.code, message: error.message }, 'translation failed');
      if (final) {
        await store.setTarget(id, lang, { status: 'failed', done: 0, total, error: error.message, errorCode: error.code, ...(error.params ? { errorParams: error.params } : {}) });
        await failArticle(id, { ...error, message: `${lang}: ${error.message}`, target: lang });
      }
      if (unrecoverable) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      throw err;
    } finally {
      if (translator) await flushUsage(translator);
    }
  };

  const processAssemble = async (job: Job<AssembleJobData>): Promise<{ revision: number }> => {
    const { id } = job.data;
    const rec = await store.get(id);
    if (!rec) throw new UnrecoverableError(`job ${id} has expired or was never submitted`);
    if (rec.status === 'cancelled') throw new UnrecoverableError('cancelled');
    // A retry after the bundle was stored (a crash before BullMQ heard back) must not overwrite later revisions.
    if (rec.status === 'completed') return { revision: rec.revision ?? 1 };
    try {
      const analysis = await analysisOf(id);
      if (!analysis) throw new UnrecoverableError(`job ${id}: the analysed article has expired`);
      await job.updateProgress({ stage: 'assemble' });
      // The children's results, from the store: their BullMQ return values are only summaries.
      const stored = await store.results(id, rec.meta.targets);
      const targets = rec.meta.targets.map((lang, i) => {
        const r = stored[i];
        if (!r) throw new Error(`no stored translation for ${lang} among the finished children`);
        return r;
      });
      const started = Date.parse(rec.meta.submittedAt);
      const input: BundleInput = {
        jobId: id,
        ...(rec.meta.title ? { title: rec.meta.title } : {}),
        analysis,
        targets,
        toolVersion: version,
        createdAt: new Date().toISOString(),
        revision: 1,
        timings: {
          queuedMs: Math.max(0, (job.processedOn ?? Date.now()) - started),
          translateMs: Math.max(0, ...targets.map((t) => t.ms)),
          totalMs: Math.max(0, Date.now() - started),
        },
      };
      // Deflated off the event loop: the other jobs of this process go on meanwhile.
      const zip = await zipBundleAsync(writeBundle(input));
      const now = await store.saveBundle(input, zip, ['queued', 'active']);
      if (now === 'completed') {
        await metrics.articleFinished('completed', (Date.now() - started) / 1000);
        await notify(id, 'job.completed', rec.meta.webhookUrl);
      }
      return { revision: 1 };
    } catch (err) {
      scrubError(err, scrub);
      const unrecoverable = err instanceof InputError || err instanceof UnrecoverableError;
      if (unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await failArticle(id, scrubMessage(errorOf(err), scrub));
      if (unrecoverable && !(err instanceof UnrecoverableError)) throw new UnrecoverableError((err as Error).message);
      throw err;
    }
  };

  translateWorker = new Worker<TranslateJobData, TranslateSummary>(QUEUE.translate, processTranslate, { ...common, concurrency });
  workers.push(translateWorker);
  workers.push(new Worker<AssembleJobData>(QUEUE.assemble, processAssemble, { ...common, concurrency }));
  const post = createWebhookProcessor({ secret: config.webhookSecret, allowPrivate: config.webhookAllowPrivate, timeoutMs: config.webhookTimeoutMs });
  // Deliveries have a pool of their own (own connection, own slots): a slow receiver never holds a translation slot, nor the other way round.
  const webhookConnection = connectRedis(config, 'worker');
  const webhookWorker = new Worker<WebhookJobData>(
    QUEUE.webhooks,
    async (job) => {
      const jobId = job.data.job.id;
      try {
        const r = await post(job);
        await metrics.webhook('delivered');
        await store.recordWebhook(jobId, { ok: true, event: job.data.event, status: r.status }).catch(() => {});
        return r;
      } catch (err) {
        const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (final) await metrics.webhook('failed');
        log.warn({ job: jobId, event: job.data.event, attempt: job.attemptsMade + 1, final, err: (err as Error).message }, 'webhook delivery failed');
        await store.recordWebhook(jobId, { ok: false, event: job.data.event, attempt: job.attemptsMade + 1, final, error: scrub((err as Error).message) }).catch(() => {});
        throw err;
      }
    },
    { ...common, connection: webhookConnection, concurrency: config.webhookConcurrency },
  );
  workers.push(webhookWorker);
  for (const w of workers) {
    w.on('error', (err) => log.warn({ queue: w.name, err: err.message }, 'worker error'));
    w.on('stalled', (jobId) => log.warn({ queue: w.name, job: jobId }, 'job stalled (its worker died?); it will run again'));
  }
  if (!config.webhookSecret) log.warn('LOCFLOW_WEBHOOK_SECRET is not set: webhooks are sent unsigned');

  return {
    workers,
    async close() {
      await Promise.allSettled(workers.map((w) => w.close()));
      await flushing;
      await limits.close();
      await janitor.close();
      await webhookQueue.close().catch(() => {});
      await Promise.all([redis, common.connection, webhookConnection].map((c) => closeRedis(c)));
    },
  };
}
