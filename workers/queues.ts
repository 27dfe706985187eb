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
import type { Lang } from '../pipeline/model.js';
import type { QueueConfig } from './config.js';
import { closeRedis, connectRedis, replicaWaiter, type RedisClient } from './redis.js';
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
  readonly redis: RedisClient;
  readonly store: JobStore;
  readonly flow: FlowProducer;
  readonly translate: Queue<TranslateJobData>;
  readonly assemble: Queue<AssembleJobData>;
  readonly webhooks: Queue;

  constructor(readonly config: QueueConfig, redis?: RedisClient) {
    this.redis = redis ?? connectRedis(config, 'producer');
    this.store = new JobStore(this.redis, config.prefix, config.retentionSeconds);
    this.replicaWait = replicaWaiter(this.redis, `${config.prefix}:job`, config.replicaWaitMs);
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

  /**
   * Adds the article's flow. Custom job ids make a repeated call a no-op.
   * `provider` is one provider for every target, or one per target (a target it
   * does not name takes the configured route).
   */
  async addFlow(id: string, targets: Lang[], provider: string | Record<Lang, string> | undefined): Promise<void> {
    const opts = jobOptions(this.config);
    const providerOf = (lang: Lang) => (typeof provider === 'string' ? provider : provider?.[lang]);
    await this.flow.add({
      name: 'assemble',
      queueName: QUEUE.assemble,
      data: { id } satisfies AssembleJobData,
      opts: { ...opts, jobId: id },
      children: targets.map((lang) => ({
        name: 'translate',
        queueName: QUEUE.translate,
        data: { id, lang, ...(providerOf(lang) ? { provider: providerOf(lang) } : {}) } satisfies TranslateJobData,
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

  private readonly replicaWait: () => Promise<number | undefined>;

  /**
   * After a submission's writes: waits until at least one replica of the
   * master that holds the deployment's keys has them too (`WAIT 1`), so that a
   * failover right after the 202 does not lose an acknowledged job. Without
   * replicas there is nothing to wait for. Returns the replicas that
   * acknowledged, or undefined when it did not wait.
   *
   * WAIT covers the writes of this connection; the job record and the flow go
   * through it (in a cluster, through the node connection that WAIT uses).
   */
  waitForReplicas(): Promise<number | undefined> {
    return this.replicaWait();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.flow.close(), this.translate.close(), this.assemble.close(), this.webhooks.close()]);
    await closeRedis(this.redis);
  }
}
