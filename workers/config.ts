/**
 * Settings every queue process shares (API, workers, CLI helpers), read once
 * from the environment. Defaults suit one machine; docs/queue.md lists them.
 */
import { InputError } from '../pipeline/errors.js';
import { redisTopologySettings, type RedisTopologySettings } from './redis.js';

export interface QueueConfig extends RedisTopologySettings {
  /** Hash-tagged so that every key of one deployment lands in one Redis Cluster slot. */
  /** Base of the absolute URLs webhooks carry (`bundleUrl`), without a trailing slash. */
  publicUrl: string;
  prefix: string;
  retentionSeconds: number;
  /** Attempts per job, the first included. */
  attempts: number;
  /** First backoff cap; it doubles per attempt (full jitter below it). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often workers look for jobs whose worker died; also bounds the lock. */
  stalledIntervalMs: number;
  /**
   * How long a job's lock lasts without renewal. A Redis failover longer than
   * this loses running jobs' locks: another worker then runs the job while the
   * first still does, and both can buy the same batch. Default: the stalled interval.
   */
  lockDurationMs: number;
  /** Finished jobs BullMQ keeps for the dashboard (our own job records live for the retention period). */
  keepCompleted: number;
  keepFailed: number;
  eventsMaxLen: number;
  /** Machine translation-memory entries kept, least recently used evicted first (0: no cap). */
  tmMaxEntries: number;
  /** Segments per provider call: progress and TM writes happen per batch, so smaller loses less on a crash. */
  batchSize: number;
  webhookSecret: string | undefined;
  webhookAllowPrivate: boolean;
  webhookAttempts: number;
  /** One deadline per delivery attempt: connect, headers and the little of the body that is read. */
  webhookTimeoutMs: number;
  /** Deliveries one worker process runs at once, in a worker of their own (never translation slots). */
  webhookConcurrency: number;
  /** `LOCFLOW_TERM_CHECK=1`: pay for a plain translation of masked segments so that QA can see what the glossary changed. */
  termCheck: boolean;
  /** How long a submission waits for one replica to hold it before the API answers 202 (0: do not wait). */
  replicaWaitMs: number;
  /** How often the reconciler looks for job records without a BullMQ flow. */
  reconcileIntervalMs: number;
}

/** A whole-number setting; a value that is not one stops the start (bad-config) rather than being replaced by the default. */
export function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new InputError('bad-config', `${name} must be a number ≥ ${min}, not "${raw}"`, { params: { name, min, value: raw } });
  return Math.floor(n);
}

export function queueConfig(env: NodeJS.ProcessEnv = process.env): QueueConfig {
  const prefix = env.LOCFLOW_PREFIX?.trim() || '{locflow}';
  const days = Number(env.LOCFLOW_RETENTION_DAYS ?? 7);
  if (!Number.isFinite(days) || days <= 0) throw new InputError('bad-config', `LOCFLOW_RETENTION_DAYS must be a positive number, not "${env.LOCFLOW_RETENTION_DAYS}"`, { params: { name: 'LOCFLOW_RETENTION_DAYS', value: env.LOCFLOW_RETENTION_DAYS, context: 'positive' } });
  return {
    ...redisTopologySettings(env, prefix),
    prefix,
    retentionSeconds: Math.max(60, Math.round(days * 86_400)),
    attempts: envInt(env, 'LOCFLOW_ATTEMPTS', 5, 1),
    retryBaseMs: envInt(env, 'LOCFLOW_RETRY_BASE_MS', 1000, 1),
    retryMaxMs: envInt(env, 'LOCFLOW_RETRY_MAX_MS', 60_000, 1),
    stalledIntervalMs: envInt(env, 'LOCFLOW_STALLED_INTERVAL_MS', 30_000, 500),
    lockDurationMs: envInt(env, 'LOCFLOW_LOCK_DURATION_MS', Math.max(envInt(env, 'LOCFLOW_STALLED_INTERVAL_MS', 30_000, 500), 1000), 1000),
    keepCompleted: envInt(env, 'LOCFLOW_KEEP_COMPLETED', 1000),
    keepFailed: envInt(env, 'LOCFLOW_KEEP_FAILED', 5000),
    eventsMaxLen: envInt(env, 'LOCFLOW_EVENTS_MAXLEN', 10_000, 100),
    tmMaxEntries: envInt(env, 'LOCFLOW_TM_MAX_ENTRIES', 100_000),
    batchSize: envInt(env, 'LOCFLOW_BATCH_SIZE', 25, 1),
    webhookSecret: env.LOCFLOW_WEBHOOK_SECRET || undefined,
    webhookAllowPrivate: env.LOCFLOW_WEBHOOK_ALLOW_PRIVATE === '1' || env.LOCFLOW_WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookAttempts: envInt(env, 'LOCFLOW_WEBHOOK_ATTEMPTS', 8, 1),
    webhookTimeoutMs: envInt(env, 'LOCFLOW_WEBHOOK_TIMEOUT_MS', 10_000, 100),
    webhookConcurrency: envInt(env, 'LOCFLOW_WEBHOOK_CONCURRENCY', 4, 1),
    termCheck: env.LOCFLOW_TERM_CHECK === '1' || env.LOCFLOW_TERM_CHECK === 'true',
    replicaWaitMs: envInt(env, 'REDIS_REPLICA_WAIT_MS', 1000),
    reconcileIntervalMs: envInt(env, 'LOCFLOW_RECONCILE_INTERVAL_MS', 60_000, 100),
    publicUrl: publicUrlOf(env),
  };
}

/**
 * Where people and webhook receivers reach the API (bundle URLs): LOCFLOW_PUBLIC_URL, else the
 * address `locflow serve` listens on by default (it puts its real one here once bound).
 */
export function publicUrlOf(env: NodeJS.ProcessEnv): string {
  const pub = env.LOCFLOW_PUBLIC_URL?.trim();
  if (pub) return pub.replace(/\/+$/, '');
  return `http://localhost:${env.PORT?.trim() || '3000'}`;
}

/** The translation memory's bounds, the same in every process (the API writes post-edits, workers machine entries). */
export function tmOptions(config: QueueConfig): { maxEntries?: number } {
  return config.tmMaxEntries > 0 ? { maxEntries: config.tmMaxEntries } : {};
}
