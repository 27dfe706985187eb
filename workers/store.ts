/**
 * locflow's own job records, next to BullMQ's. BullMQ jobs are trimmed
 * (`removeOnComplete`) and a flow is several jobs, so the state users see —
 * status, per-target progress, the error, the bundle — lives in a few keys
 * per article that every API process can read, all expiring after the
 * retention period:
 *
 *   <prefix>:job:<id>        hash: status, meta, t:<lang> (target state), error, revision, finishedAt
 *   <prefix>:analysis:<id>   the Analysis (JSON), written once at submit time
 *   <prefix>:results:<id>    hash: <lang> → that target's TargetResult (JSON), written by its translate
 *                            child and read by the assemble parent; dropped once the bundle holds them
 *   <prefix>:bundle:<id>     the BundleInput (JSON) of the latest revision
 *   <prefix>:zip:<id>        the zip of the latest revision
 *   <prefix>:jobs            sorted set of job ids by submit time (ms), for "recent jobs";
 *                            entries older than the retention, or past MAX_INDEXED, are trimmed
 */
import type { RedisClient as Redis } from './redis.js';
import { redisScript, runScript } from '../providers/redis-script.js';
import type { Analysis, BundleInput, Lang, TargetResult } from '../pipeline/model.js';

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL: JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface JobMeta {
  id: string;
  submittedAt: string;
  sourceLang: Lang;
  confidence: number;
  detection: 'auto' | 'forced';
  targets: Lang[];
  provider?: string;
  /** Provider per target, when the submission chose them per target. */
  providers?: Record<Lang, string>;
  format: string;
  filename?: string;
  title?: string;
  webhookUrl?: string;
  /** Owner id of the token that submitted the job (a hash, never the token); absent in open mode. */
  owner?: string;
  glossaryVersion: string;
  segments: number;
}

export interface TargetState {
  status: JobStatus;
  /** Segments done / total. */
  done: number;
  total: number;
  provider?: string;
  route?: string;
  billedChars?: number;
  tmHits?: number;
  /** The failure in English (read by older clients, and the fallback of every other language). */
  error?: string;
  /** What `error` says, as a message code and its variable parts, so each reader gets it in their language. */
  errorCode?: string;
  errorParams?: MessageParams;
  /** Provider and route notes in English; `notes` holds the same notes as codes, in the same order. */
  warnings?: string[];
  notes?: StoredMessage[];
}

/** Values a message interpolates; plain JSON so that the record stays readable by any process. */
export type MessageParams = Record<string, string | number | boolean | (string | number)[]>;

/** A message kept as structure: `code` picks the sentence in `locales/<lng>/errors.json`, `message` is the English text. */
export interface StoredMessage {
  code: string;
  message: string;
  params?: MessageParams;
}

export interface JobError extends StoredMessage {
  /** The target language whose translation failed; the message then reads `<target>: …`. */
  target?: string;
}

/** What became of the webhook deliveries of a job: the last success and the most recent failures. */
export interface WebhookLog {
  delivered?: { event: string; at: string; status: number };
  /** Newest last, at most WEBHOOK_FAILURES_KEPT. */
  failures: { event: string; at: string; attempt: number; final: boolean; error: string }[];
}

export const WEBHOOK_FAILURES_KEPT = 10;

export interface JobRecord {
  status: JobStatus;
  meta: JobMeta;
  targets: Record<Lang, TargetState>;
  error?: JobError;
  revision?: number;
  finishedAt?: string;
  webhook?: WebhookLog;
}

export interface JobView {
  id: string;
  /** What the submitter called the article (metadata; never part of its text). */
  title?: string;
  status: JobStatus;
  /** 0–100 over every target's segments. */
  progress: number;
  sourceLang: Lang;
  confidence: number;
  detection: 'auto' | 'forced';
  targets: Record<Lang, TargetState>;
  provider?: string;
  providers?: Record<Lang, string>;
  glossaryVersion: string;
  segments: number;
  submittedAt: string;
  finishedAt?: string;
  revision?: number;
  error?: JobError;
  /** Webhook outcomes, when the job has a webhook and something was attempted. */
  webhook?: WebhookLog;
}

// Records one webhook outcome on a live job record (never recreates an expired one).
const WEBHOOK_OUTCOME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local raw = redis.call('HGET', KEYS[1], 'webhook')
local log = raw and cjson.decode(raw) or {}
local entry = cjson.decode(ARGV[2])
if ARGV[1] == 'ok' then
  log['delivered'] = entry
else
  local failures = log['failures'] or {}
  table.insert(failures, entry)
  while #failures > tonumber(ARGV[3]) do table.remove(failures, 1) end
  log['failures'] = failures
end
redis.call('HSET', KEYS[1], 'webhook', cjson.encode(log))
return 1
`;

// Returns the status after the call. A transition only happens from one of the listed states,
// so a late worker can never turn a cancelled job back into an active one.
const TRANSITION = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return false end
local n = tonumber(ARGV[2])
local ok = false
for i = 3, 2 + n do if ARGV[i] == cur then ok = true end end
if not ok then return cur end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
for i = 3 + n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return ARGV[1]
`;

// Creates the record unless a live one exists (idempotent submit). Failed or cancelled
// records are replaced so that submitting again retries the article.
const CREATE = `
local cur = redis.call('HGET', KEYS[1], 'status')
if cur and cur ~= 'failed' and cur ~= 'cancelled' then return cur end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'status', 'queued', 'meta', ARGV[1])
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])
-- Indexed in the same step: the reconciler finds a record through the index even if the process dies right after.
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
if cur then return 'replaced' end
return 'created'
`;

/** The recent-jobs index never holds more ids than this, whatever the retention. */
export const MAX_INDEXED = 10_000;

// A target starts: its state is written and a queued job becomes active, in one round trip.
// Nothing is written for a cancelled or missing job; the status before the call is returned.
const BEGIN_TARGET = redisScript(`
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur or cur == 'cancelled' or cur == 'failed' then return cur end
if cur == 'queued' then redis.call('HSET', KEYS[1], 'status', 'active') end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return cur
`);

// Progress of a target, written only to an existing record; returns the job status so that
// the worker learns of a cancellation without another round trip.
const REPORT_TARGET = redisScript(`
local cur = redis.call('HGET', KEYS[1], 'status')
if cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return cur
`);

// A target is done: its result and its final state are written together, only next to an existing
// record, and the result lives as long as the record does. HSET overwrites, so a child retried
// after a crash (before BullMQ heard of its completion) leaves one result, not two.
const COMPLETE_TARGET = `
local ttl = redis.call('TTL', KEYS[1])
if ttl == -2 then return 0 end
if ttl < 1 then ttl = tonumber(ARGV[5]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ttl)
return 1
`;

// A person's revision is stored only over the one it was based on (KEYS job, bundle, zip; ARGV expected
// revision, bundle JSON, zip, ttl, finishedAt, event JSON). Returns {'ok', revision} or {'stale', current}
// or {'gone', status}: two reviewers saving at once cannot both win, and neither change is lost silently.
const SAVE_REVISION = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'completed' then return {'gone', status or ''} end
local cur = redis.call('HGET', KEYS[1], 'revision') or '1'
if cur ~= ARGV[1] then return {'stale', cur} end
local ttl = tonumber(ARGV[4])
local next = tostring(tonumber(ARGV[1]) + 1)
redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl)
redis.call('SET', KEYS[3], ARGV[3], 'EX', ttl)
redis.call('HSET', KEYS[1], 'revision', next, 'finishedAt', ARGV[5], 'lastChange', ARGV[6])
redis.call('EXPIRE', KEYS[1], ttl)
return {'ok', next}
`;

/** What the last person-made revision was, for the SSE stream and the page (`lastChange` in the job hash). */
export interface RevisionEvent {
  revision: number;
  kind: 'edit' | 'xliff' | 'approve';
  lang: Lang;
  segments: string[];
  by: string;
  at: string;
}

export type SaveRevisionOutcome = { ok: true; revision: number } | { ok: false; reason: 'stale'; current: number } | { ok: false; reason: 'gone'; status: string };

export class JobStore {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
    readonly ttlSeconds: number,
  ) {}

  key(kind: 'job' | 'analysis' | 'results' | 'bundle' | 'zip', id: string): string {
    return `${this.prefix}:${kind}:${id}`;
  }

  get indexKey(): string {
    return `${this.prefix}:jobs`;
  }

  /** The recent-jobs index of one owner: a submitter's list never reads anyone else's ids. */
  ownerIndexKey(owner: string): string {
    return `${this.prefix}:jobs:owner:${owner}`;
  }

  /** `created` (new), `replaced` (an earlier failed/cancelled run) or the live record's status. */
  async create(meta: JobMeta, analysis: Analysis): Promise<'created' | 'replaced' | JobStatus> {
    const fields: string[] = [];
    const at = Date.parse(meta.submittedAt) || Date.now();
    for (const lang of meta.targets) fields.push(`t:${lang}`, JSON.stringify(initialTarget(analysis)));
    const outcome = (await this.redis.eval(
      CREATE,
      5,
      this.key('job', meta.id),
      this.key('analysis', meta.id),
      this.key('bundle', meta.id),
      this.key('results', meta.id),
      this.indexKey,
      JSON.stringify(meta),
      JSON.stringify(analysis),
      String(this.ttlSeconds),
      String(at),
      meta.id,
      ...fields,
    )) as 'created' | 'replaced' | JobStatus;
    if (outcome === 'created' || outcome === 'replaced') {
      // The main index got the id inside CREATE already; this trims it.
      await this.index(this.indexKey, meta.id, at);
      if (meta.owner) await this.index(this.ownerIndexKey(meta.owner), meta.id, at);
    }
    return outcome;
  }

  /** Adds a job to a recent-jobs index and trims what the retention or the cap has made stale. */
  private async index(key: string, id: string, at: number): Promise<void> {
    await this.redis
      .multi()
      .zadd(key, at, id)
      .zremrangebyscore(key, '-inf', at - this.ttlSeconds * 1000)
      .zremrangebyrank(key, 0, -(MAX_INDEXED + 1))
      .expire(key, this.ttlSeconds)
      .exec();
  }

  /**
   * The newest jobs first, at most `limit`, skipping `offset`. Ids whose record
   * has expired are dropped from the index as they are met.
   */
  async recent(limit: number, offset = 0, owner?: string): Promise<{ jobs: JobView[]; total: number }> {
    const key = owner === undefined ? this.indexKey : this.ownerIndexKey(owner);
    const [ids, total] = await Promise.all([this.redis.zrevrange(key, offset, offset + limit - 1), this.redis.zcard(key)]);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    const gone = ids.filter((_, i) => !records[i]);
    if (gone.length > 0) await this.redis.zrem(key, ...gone);
    const jobs = records.filter((r): r is JobRecord => !!r).map(toView);
    return { jobs, total: total - gone.length };
  }

  /**
   * The page `offset`..`offset+limit` of the jobs `keep` accepts, newest first, and how many it accepts
   * in all. The index holds only the retention period's jobs, so it is read whole, a batch at a time.
   */
  async recentMatching(limit: number, offset: number, owner: string | undefined, keep: (job: JobView) => Promise<boolean> | boolean): Promise<{ jobs: JobView[]; total: number }> {
    const key = owner === undefined ? this.indexKey : this.ownerIndexKey(owner);
    const BATCH = 200;
    const jobs: JobView[] = [];
    let total = 0;
    for (let start = 0; ; start += BATCH) {
      const ids = await this.redis.zrevrange(key, start, start + BATCH - 1);
      if (ids.length === 0) break;
      const records = await Promise.all(ids.map((id) => this.get(id)));
      for (const r of records) {
        if (!r) continue;
        const view = toView(r);
        if (!(await keep(view))) continue;
        if (total >= offset && jobs.length < limit) jobs.push(view);
        total++;
      }
      if (ids.length < BATCH) break;
    }
    return { jobs, total };
  }

  async transition(id: string, to: JobStatus, from: JobStatus[], fields: Record<string, string> = {}): Promise<JobStatus | undefined> {
    const flat = Object.entries(fields).flat();
    const r = await this.redis.eval(TRANSITION, 1, this.key('job', id), to, String(from.length), ...from, ...flat);
    return (r ?? undefined) as JobStatus | undefined;
  }

  async status(id: string): Promise<JobStatus | undefined> {
    return ((await this.redis.hget(this.key('job', id), 'status')) ?? undefined) as JobStatus | undefined;
  }

  async setTarget(id: string, lang: Lang, state: TargetState): Promise<void> {
    // Only an existing record: a late write after expiry must not resurrect a key without TTL.
    const key = this.key('job', id);
    await this.redis.eval(`if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 1`, 1, key, `t:${lang}`, JSON.stringify(state));
  }

  /**
   * Marks a target completed and keeps its result for the assemble step. False when
   * the record is gone (expired): nothing is written, so no result outlives its job.
   */
  async completeTarget(id: string, result: TargetResult, state: TargetState): Promise<boolean> {
    const r = await this.redis.eval(
      COMPLETE_TARGET,
      2,
      this.key('job', id),
      this.key('results', id),
      `t:${result.lang}`,
      JSON.stringify(state),
      result.lang,
      JSON.stringify(result),
      String(this.ttlSeconds),
    );
    return r === 1;
  }

  /** The stored results of these targets, in their order; a target without one is undefined. */
  async results(id: string, langs: Lang[]): Promise<(TargetResult | undefined)[]> {
    if (langs.length === 0) return [];
    const raw = await this.redis.hmget(this.key('results', id), ...langs);
    return raw.map((r) => (r ? (JSON.parse(r) as TargetResult) : undefined));
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(this.key('job', id));
    if (!h.status || !h.meta) return undefined;
    const targets: Record<Lang, TargetState> = {};
    const meta = JSON.parse(h.meta) as JobMeta;
    for (const lang of meta.targets) {
      const raw = h[`t:${lang}`];
      if (raw) targets[lang] = JSON.parse(raw) as TargetState;
    }
    return {
      status: h.status as JobStatus,
      meta,
      targets,
      error: h.error ? (JSON.parse(h.error) as JobError) : undefined,
      revision: h.revision ? Number(h.revision) : undefined,
      finishedAt: h.finishedAt,
      ...(h.webhook ? { webhook: webhookLogOf(h.webhook) } : {}),
    };
  }

  /** Notes a delivery's outcome on the job, for `GET /v1/jobs/:id` (`webhook.delivered`, `webhook.failures`). */
  async recordWebhook(id: string, outcome: { ok: true; event: string; status: number } | { ok: false; event: string; attempt: number; final: boolean; error: string }): Promise<void> {
    const at = new Date().toISOString();
    const entry = outcome.ok ? { event: outcome.event, at, status: outcome.status } : { event: outcome.event, at, attempt: outcome.attempt, final: outcome.final, error: outcome.error };
    await this.redis.eval(WEBHOOK_OUTCOME, 1, this.key('job', id), outcome.ok ? 'ok' : 'failed', JSON.stringify(entry), String(WEBHOOK_FAILURES_KEPT));
  }

  async view(id: string): Promise<JobView | undefined> {
    const r = await this.get(id);
    return r ? toView(r) : undefined;
  }

  /** Ids submitted between `from` and `to` (ms), oldest first, at most `limit`. */
  async submittedBetween(from: number, to: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.indexKey, from, to, 'LIMIT', 0, limit);
  }

  async analysis(id: string): Promise<Analysis | undefined> {
    const raw = await this.redis.get(this.key('analysis', id));
    return raw ? (JSON.parse(raw) as Analysis) : undefined;
  }

  /**
   * Stores a bundle revision and marks the job completed in one transaction.
   * Writing the same revision again (a retried assemble) overwrites it: there is
   * only ever one bundle per job.
   */
  async saveBundle(input: BundleInput, zip: Uint8Array, fromStatuses: JobStatus[] = ['queued', 'active', 'completed']): Promise<JobStatus | undefined> {
    const id = input.jobId;
    const ttl = this.ttlSeconds;
    const tx = this.redis.multi();
    tx.set(this.key('bundle', id), JSON.stringify(input), 'EX', ttl);
    tx.set(this.key('zip', id), Buffer.from(zip), 'EX', ttl);
    tx.eval(TRANSITION, 1, this.key('job', id), 'completed', String(fromStatuses.length), ...fromStatuses, 'revision', String(input.revision), 'finishedAt', new Date().toISOString());
    tx.expire(this.key('job', id), ttl);
    tx.expire(this.key('analysis', id), ttl);
    // The bundle now holds every target's result: a second copy would only use memory until expiry.
    tx.del(this.key('results', id));
    const res = await tx.exec();
    const last = res?.[2];
    if (last?.[0]) throw last[0];
    return (last?.[1] ?? undefined) as JobStatus | undefined;
  }

  /**
   * Stores a revision a person made (`input.revision` must be `expected + 1`),
   * only if the stored one is still `expected` and the job is completed.
   */
  async saveRevision(input: BundleInput, zip: Uint8Array, expected: number, event: Omit<RevisionEvent, 'revision'>): Promise<SaveRevisionOutcome> {
    const id = input.jobId;
    const [outcome, value] = (await this.redis.eval(
      SAVE_REVISION,
      3,
      this.key('job', id),
      this.key('bundle', id),
      this.key('zip', id),
      String(expected),
      JSON.stringify(input),
      Buffer.from(zip),
      String(this.ttlSeconds),
      new Date().toISOString(),
      JSON.stringify({ ...event, revision: expected + 1 }),
    )) as [string, string];
    if (outcome === 'ok') return { ok: true, revision: Number(value) };
    if (outcome === 'stale') return { ok: false, reason: 'stale', current: Number(value) };
    return { ok: false, reason: 'gone', status: value };
  }

  /** The last revision a person made, if any. */
  async lastChange(id: string): Promise<RevisionEvent | undefined> {
    const raw = await this.redis.hget(this.key('job', id), 'lastChange');
    return raw ? (JSON.parse(raw) as RevisionEvent) : undefined;
  }

  async bundleInput(id: string): Promise<BundleInput | undefined> {
    const raw = await this.redis.get(this.key('bundle', id));
    return raw ? (JSON.parse(raw) as BundleInput) : undefined;
  }

  async zip(id: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.key('zip', id))) ?? undefined;
  }

  async fail(id: string, error: JobError): Promise<JobStatus | undefined> {
    return this.transition(id, 'failed', ['queued', 'active'], { error: JSON.stringify(error), finishedAt: new Date().toISOString() });
  }

  /** Records that a target started (the job turns active if it was queued). Returns the status before; a cancelled, failed or missing job is left alone. */
  async beginTarget(id: string, lang: Lang, state: TargetState): Promise<JobStatus | undefined> {
    return ((await runScript(this.redis, BEGIN_TARGET, 1, this.key('job', id), `t:${lang}`, JSON.stringify(state))) ?? undefined) as JobStatus | undefined;
  }

  /** setTarget that also answers the job's status (undefined once the record is gone). */
  async reportTarget(id: string, lang: Lang, state: TargetState): Promise<JobStatus | undefined> {
    return ((await runScript(this.redis, REPORT_TARGET, 1, this.key('job', id), `t:${lang}`, JSON.stringify(state))) ?? undefined) as JobStatus | undefined;
  }
}

function initialTarget(analysis: Analysis): TargetState {
  return { status: 'queued', done: 0, total: analysis.segments.length };
}

export function toView(r: JobRecord): JobView {
  const states = Object.values(r.targets);
  const total = states.reduce((n, t) => n + t.total, 0);
  const done = states.reduce((n, t) => n + Math.min(t.done, t.total), 0);
  // Translation is most of the work; the last 5 % is writing the bundle.
  let progress = total > 0 ? Math.floor((done / total) * 95) : 0;
  if (r.status === 'completed') progress = 100;
  return {
    id: r.meta.id,
    ...(r.meta.title ? { title: r.meta.title } : {}),
    status: r.status,
    progress,
    sourceLang: r.meta.sourceLang,
    confidence: r.meta.confidence,
    detection: r.meta.detection,
    targets: r.targets,
    provider: r.meta.provider,
    ...(r.meta.providers ? { providers: r.meta.providers } : {}),
    glossaryVersion: r.meta.glossaryVersion,
    segments: r.meta.segments,
    submittedAt: r.meta.submittedAt,
    finishedAt: r.finishedAt,
    revision: r.revision,
    error: r.error,
    ...(r.webhook ? { webhook: r.webhook } : {}),
  };
}

/** cjson writes an empty Lua table as `{}`: the failures list reads back as an array either way. */
function webhookLogOf(raw: string): WebhookLog {
  const log = JSON.parse(raw) as Partial<WebhookLog>;
  return { ...(log.delivered ? { delivered: log.delivered } : {}), failures: Array.isArray(log.failures) ? log.failures : [] };
}
