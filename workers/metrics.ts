/**
 * Counters that must add up across every worker process, so they live in one
 * Redis hash rather than in process memory. The API renders them (plus BullMQ's
 * live job counts) as Prometheus text at /metrics.
 */
import type { RedisClient as Redis } from './redis.js';
import { redisScript, runScript } from '../providers/redis-script.js';

/** Article durations (submit → bundle), in seconds. */
export const DURATION_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

// Field, amount, and whether the field is a sum of decimals (seconds) rather than a counter.
const ADD = redisScript(`
for i = 1, #ARGV, 3 do
  if ARGV[i + 2] == 'f' then redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1])
  else redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
`);

export class Metrics {
  readonly key: string;

  constructor(
    readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:metrics`;
  }

  async providerCall(provider: string, chars: number, billed: number, calls = 1): Promise<void> {
    await this.add({ [`calls|${provider}`]: calls, [`chars|${provider}`]: chars, [`billed|${provider}`]: billed });
  }

  /** Several counters in one atomic command (a script is cheaper for ioredis than a MULTI object per call). */
  private async add(counts: Record<string, number>, sums: Record<string, number> = {}): Promise<void> {
    const args = [
      ...Object.entries(counts).flatMap(([field, by]) => [field, String(Math.round(by)), 'i']),
      ...Object.entries(sums).flatMap(([field, by]) => [field, String(by), 'f']),
    ];
    await runScript(this.redis, ADD, 1, this.key, ...args);
  }

  /** Time calls spent waiting for the deployment-wide provider limits (workers/provider-limits.ts). */
  async providerWait(provider: string, seconds: number, calls: number): Promise<void> {
    await this.add({ [`limited|${provider}`]: calls }, { [`waited|${provider}`]: seconds });
  }

  async providerError(provider: string, reason: string): Promise<void> {
    await this.redis.hincrby(this.key, `errors|${provider}|${reason}`, 1);
  }

  async articleFinished(outcome: 'completed' | 'failed', seconds: number): Promise<void> {
    const increments: Record<string, number> = { [`articles|${outcome}`]: 1 };
    if (outcome === 'completed') {
      for (const le of DURATION_BUCKETS) if (seconds <= le) increments[`duration_bucket|${le}`] = 1;
      increments.duration_count = 1;
    }
    await this.add(increments, outcome === 'completed' ? { duration_sum: seconds } : {});
  }

  async webhook(outcome: 'delivered' | 'failed'): Promise<void> {
    await this.redis.hincrby(this.key, `webhooks|${outcome}`, 1);
  }

  async read(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key);
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition format 0.0.4. */
export function renderPrometheus(counters: Record<string, string>, queues: Record<string, Record<string, number>>, inFlight: Record<string, number> = {}): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family('locflow_queue_jobs', 'gauge', 'BullMQ jobs by queue and state.');
  for (const [queue, counts] of Object.entries(queues)) {
    for (const [state, n] of Object.entries(counts)) out.push(`locflow_queue_jobs{queue="${esc(queue)}",state="${esc(state)}"} ${n}`);
  }

  const grouped = (prefix: string) =>
    Object.entries(counters)
      .filter(([k]) => k.startsWith(`${prefix}|`))
      .map(([k, v]) => [k.slice(prefix.length + 1).split('|'), Number(v)] as const);

  family('locflow_articles_total', 'counter', 'Articles finished, by outcome.');
  for (const outcome of ['completed', 'failed']) out.push(`locflow_articles_total{outcome="${outcome}"} ${Number(counters[`articles|${outcome}`] ?? 0)}`);

  family('locflow_article_duration_seconds', 'histogram', 'Time from submission to bundle.');
  for (const le of DURATION_BUCKETS) out.push(`locflow_article_duration_seconds_bucket{le="${le}"} ${Number(counters[`duration_bucket|${le}`] ?? 0)}`);
  out.push(`locflow_article_duration_seconds_bucket{le="+Inf"} ${Number(counters.duration_count ?? 0)}`);
  out.push(`locflow_article_duration_seconds_sum ${Number(counters.duration_sum ?? 0)}`);
  out.push(`locflow_article_duration_seconds_count ${Number(counters.duration_count ?? 0)}`);

  family('locflow_provider_calls_total', 'counter', 'Calls to translation providers.');
  for (const [[p], n] of grouped('calls')) out.push(`locflow_provider_calls_total{provider="${esc(p ?? '')}"} ${n}`);
  family('locflow_provider_characters_total', 'counter', 'Source characters sent to translation providers.');
  for (const [[p], n] of grouped('chars')) out.push(`locflow_provider_characters_total{provider="${esc(p ?? '')}"} ${n}`);
  family('locflow_provider_billed_characters_total', 'counter', 'Characters the providers bill for.');
  for (const [[p], n] of grouped('billed')) out.push(`locflow_provider_billed_characters_total{provider="${esc(p ?? '')}"} ${n}`);
  family('locflow_provider_errors_total', 'counter', 'Failed provider calls by reason.');
  for (const [[p, r], n] of grouped('errors')) out.push(`locflow_provider_errors_total{provider="${esc(p ?? '')}",reason="${esc(r ?? '')}"} ${n}`);

  family('locflow_provider_limited_calls_total', 'counter', 'Provider calls that went through the limits shared by the deployment (LOCFLOW_CONFIG providers.<id>).');
  for (const [[p], n] of grouped('limited')) out.push(`locflow_provider_limited_calls_total{provider="${esc(p ?? '')}"} ${n}`);
  family('locflow_provider_wait_seconds_total', 'counter', 'Time those calls waited for a slot, a rate token or the end of a shared 429 pause.');
  for (const [[p], n] of grouped('waited')) out.push(`locflow_provider_wait_seconds_total{provider="${esc(p ?? '')}"} ${n}`);
  family('locflow_provider_in_flight', 'gauge', 'Calls in flight now across the deployment, for providers with a shared maxInFlight.');
  for (const [p, n] of Object.entries(inFlight)) out.push(`locflow_provider_in_flight{provider="${esc(p)}"} ${n}`);

  family('locflow_webhooks_total', 'counter', 'Webhook deliveries by outcome.');
  for (const outcome of ['delivered', 'failed']) out.push(`locflow_webhooks_total{outcome="${outcome}"} ${Number(counters[`webhooks|${outcome}`] ?? 0)}`);
  return `${out.join('\n')}\n`;
}
