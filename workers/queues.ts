/**
 * The queues and the shape of one article's flow:
 *
 *   assemble (parent, job id = article id)
 *     ├─ translate <id>-en   (one child per target language)
 *     ├─ translate <id>-vi
 *     └─ translate <id>-es
 *
 * BullMQ runs a parent after its children, so the "analyse" stage is not a job:
 * the API analyses the article when it is submitted (pure and fast, and bad
 * input gets a 4xx at once) and stores the Analysis once, by job id.
 */
import { FlowProducer, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Lang } from '../pipeline/model.js';
import type { QueueConfig } from './config.js';
import { connectRedis } from './redis.js';
import { JobStore } from './store.js';

export const QUEUE = {
  translate: 'translate',
  assemble: 'assemble',
  webhooks: 'webhooks',
} as const;

/** Name of our custom backoff strategy (workers register it in `settings.backoffStrategy`). */
export const BACKOFF_TYPE = 'locflow-jitter';

export interface TranslateJobData {
  id: string;
  lang: Lang;
  /** Provider id the submitter asked for (never credentials: those come from the worker's environment). */
  provider?: string;
}

/**
 * A translate child's BullMQ return value. BullMQ copies a return value into the
 * child's job hash, the parent's `processed` hash and the queue's event stream,
 * so it stays a few numbers whatever the article's length; the translation
 * itself is in the job store (`JobStore.completeTarget`).
 */
export interface TranslateSummary {
  lang: Lang;
  segments: number;
  billedChars: number;
  tmHits: number;
}

export interface AssembleJobData {
  id: string;
}

export function childJobId(id: string, lang: Lang): string {
  return `${id}-${lang}`;
}

export function jobOptions(config: QueueConfig): JobsOptions {
  return {
    attempts: config.attempts,
    backoff: { type: BACKOFF_TYPE, delay: config.retryBaseMs },
    removeOnComplete: { count: config.keepCompleted, age: config.retentionSeconds },
    removeOnFail: { count: config.keepFailed, age: config.retentionSeconds },
  };
}

/**
 * Producer side: what the API needs (queues to add to and inspect, the job store).
 * One instance per process.
 */
export class Queues {
  readonly redis: Redis;
  readonly store: JobStore;
  readonly flow: FlowProducer;
  readonly translate: Queue<TranslateJobData>;
  readonly assemble: Queue<AssembleJobData>;
  readonly webhooks: Queue;

  constructor(readonly config: QueueConfig, redis?: Redis) {
    this.redis = redis ?? connectRedis(config.redisUrl, 'producer');
    this.store = new JobStore(this.redis, config.prefix, config.retentionSeconds);
    const base = { connection: this.redis, prefix: config.prefix, streams: { events: { maxLen: config.eventsMaxLen } } };
    this.flow = new FlowProducer({ connection: this.redis, prefix: config.prefix });
    this.translate = new Queue<TranslateJobData>(QUEUE.translate, { ...base, defaultJobOptions: jobOptions(config) });
    this.assemble = new Queue<AssembleJobData>(QUEUE.assemble, { ...base, defaultJobOptions: jobOptions(config) });
    this.webhooks = new Queue(QUEUE.webhooks, { ...base, defaultJobOptions: jobOptions(config) });
    // Connection errors surface on the requests that hit them; unhandled 'error' events would crash the process.
    this.flow.on('error', () => {});
    this.translate.on('error', () => {});
    this.assemble.on('error', () => {});
    this.webhooks.on('error', () => {});
  }

  /** Adds the article's flow. Custom job ids make a repeated call a no-op. */
  async addFlow(id: string, targets: Lang[], provider: string | undefined): Promise<void> {
    const opts = jobOptions(this.config);
    await this.flow.add({
      name: 'assemble',
      queueName: QUEUE.assemble,
      data: { id } satisfies AssembleJobData,
      opts: { ...opts, jobId: id },
      children: targets.map((lang) => ({
        name: 'translate',
        queueName: QUEUE.translate,
        data: { id, lang, ...(provider ? { provider } : {}) } satisfies TranslateJobData,
        // A target that fails for good fails the article: a bundle with a hole is not a bundle.
        opts: { ...opts, jobId: childJobId(id, lang), failParentOnFailure: true },
      })),
    });
  }

  /** Removes an article's BullMQ jobs that are not running (a running one is stopped by its worker). */
  async removeFlow(id: string, targets: Lang[]): Promise<void> {
    const ids: { queue: Queue<TranslateJobData> | Queue<AssembleJobData>; jobId: string }[] = [{ queue: this.assemble, jobId: id }];
    for (const l of targets) ids.push({ queue: this.translate, jobId: childJobId(id, l) });
    for (const { queue, jobId } of ids) {
      try {
        const job = await (queue as Queue).getJob(jobId);
        if (job && !(await job.isActive())) await job.remove({ removeChildren: true });
      } catch {
        // Locked (running) or already gone: the worker sees the cancelled status and stops.
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.flow.close(), this.translate.close(), this.assemble.close(), this.webhooks.close()]);
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
