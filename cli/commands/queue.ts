/**
 * The queue commands: `serve` and `worker` run the service; `submit`,
 * `status` and `download` talk to it over HTTP like any other client.
 */
import type { Command } from 'commander';
import type { TFunction } from 'i18next';
import { getI18n } from '../../locales/i18n.js';
import { InputError } from '../../pipeline/errors.js';
import { loadProvidersConfig } from '../../providers/config.js';
import { loadPlugins } from '../../providers/plugins.js';
import { requireLang } from '../../pipeline/languages.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { envInt, queueConfig, type QueueConfig } from '../../workers/config.js';
import { startReconciler } from '../../workers/reconciler.js';
import { checkRedis, closeRedis, connectRedis, RedisUnavailableError, setConnectionErrorLog, type RedisInfo } from '../../workers/redis.js';
import { startWorkers, type Logger, type RunningWorkers } from '../../workers/worker.js';
import { formatUsage, measureUsage } from '../../workers/usage.js';
import { ApiClient, type ClientOptions } from '../api-client.js';
import { writeFileAtomic } from '../bundle-output.js';
import { readArticle } from '../input.js';
import { parseProviderOption } from '../provider-option.js';
import { action, EXIT_BAD_INPUT, EXIT_JOB_FAILED, ExitError, joinList, localizedMessage, parseList, report, scrubText } from '../run-command.js';

function positiveInt(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InputError('bad-option', `${name} must be a whole number ≥ ${min}, not "${value}"`, { params: { option: name, min, value } });
    return n;
  };
}

const stderrLog: Logger = {
  info: (o, m) => process.stderr.write(`${fmtLog(o, m)}\n`),
  warn: (o, m) => process.stderr.write(`warning: ${fmtLog(o, m)}\n`),
  error: (o, m) => process.stderr.write(`error: ${fmtLog(o, m)}\n`),
};
function fmtLog(o: object | string, m?: string): string {
  if (typeof o === 'string') return scrubText(o);
  return scrubText(`${m ?? ''} ${JSON.stringify(o)}`.trim());
}

/** The environment over the LOCFLOW_CONFIG file, which may set REDIS_URL, LOCFLOW_PREFIX and LOCFLOW_TOKENS too. */
function settings(): NodeJS.ProcessEnv {
  return loadProvidersConfig(process.env).env;
}

/** Provider plugins load before any job is taken: a broken module stops the start (exit 2), never a job. */
async function startPlugins(): Promise<void> {
  await loadPlugins(loadProvidersConfig(process.env));
}

/** Redis reachable, new enough, the topology it was told, not evicting: otherwise one line and exit 2. */
async function preflight(config: QueueConfig): Promise<RedisInfo> {
  // No retries here: a wrong address must end the start within seconds, not reconnect forever.
  const redis = connectRedis(config, 'producer', { failFast: true, extra: { maxRetriesPerRequest: 0 } });
  try {
    const info = await checkRedis(redis, config, config.prefix);
    for (const w of info.warnings) process.stderr.write(`locflow: warning: ${scrubText(w)}\n`);
    return info;
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw new ExitError(EXIT_BAD_INPUT, localizedMessage(await getI18n(), err));
    throw err;
  } finally {
    redis.disconnect();
  }
}

/** How long `serve`/`worker` let running jobs finish after SIGTERM before exiting anyway. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Resolves on the first SIGTERM/SIGINT once `stop` has finished, or when the
 * grace period is over (a Redis that is gone can hold a close forever); a
 * second signal exits at once.
 */
function untilSignal(t: TFunction, graceMs: number, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`${t('server:shuttingDown', { signal })}\n`);
      const timer = setTimeout(() => {
        process.stderr.write(`locflow: ${t('server:graceOver', { seconds: Math.round(graceMs / 1000) })}\n`);
        resolve();
      }, graceMs);
      timer.unref();
      void stop().finally(() => {
        clearTimeout(timer);
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * `serve` and `worker` end the process themselves: a client still dialling a
 * dead Redis node would otherwise keep it alive after a failed start or a stop.
 * A failure to start is exit 2.
 */
function service<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code = 0;
    try {
      await fn(...args);
    } catch (err) {
      const reported = await report(err);
      code = reported === 0 ? 0 : EXIT_BAD_INPUT;
    }
    process.exit(code);
  };
}

interface ServeOptions {
  port?: number;
  host?: string;
  workers: number;
  concurrency: number;
}

export function registerQueueCommands(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API, the web page and N in-process workers')
    .option('--port <n>', 'port to listen on (default $PORT, else 3000)', positiveInt('--port'))
    .option('--host <host>', 'address to bind (default 0.0.0.0 with LOCFLOW_TOKENS, 127.0.0.1 without)')
    .option('--workers <n>', 'in-process workers (0 = API only)', positiveInt('--workers'), 1)
    .option('--concurrency <n>', 'jobs each in-process worker runs at once', positiveInt('--concurrency', 1), 4)
    .action(service(async (opts: ServeOptions) => serve(opts)));

  program
    .command('worker')
    .description('run a queue worker (start more of these, on any machine, against the same Redis to scale out)')
    .option('--concurrency <n>', 'jobs this process runs at once', positiveInt('--concurrency', 1), 4)
    .action(service(async (opts: { concurrency: number }) => worker(opts)));

  program
    .command('doctor')
    .description('show the Redis memory this deployment uses, by kind of key (job records, bundles, translation memory, BullMQ…)')
    .option('--sample <n>', 'keys measured per kind (the rest extrapolated)', positiveInt('--sample', 1), 1000)
    .option('--json', 'print the figures as JSON')
    .action(action(async (opts: { sample: number; json?: boolean }) => doctor(opts)));

  program
    .command('submit')
    .description('submit an article to the queue through the API')
    .argument('<file>', 'article file (text, Markdown or HTML), or - for stdin')
    .requiredOption('--to <langs>', 'target languages, comma-separated (en,vi,es); repeatable', joinList)
    .option('--from <lang>', 'source language, or auto', 'auto')
    .option('--provider <id>', 'translation provider: one id for every target, or per target (vi=pseudo,en=deepl; an id without LANG= is the default for the others); repeatable', joinList)
    .option('--format <format>', 'text, markdown or html (default: detected)')
    .option('--title <title>', 'article title (metadata: names the job, never part of the text)')
    .option('--webhook <url>', 'URL to call when the job completes or fails')
    .option('--wait', 'follow progress until the job finishes')
    .option('--out <file>', 'download the bundle here when done (implies --wait)')
    .option('--server <url>', 'locflow API (default LOCFLOW_SERVER or http://127.0.0.1:3000)')
    .option('--token <token>', 'API token (default LOCFLOW_TOKEN)')
    .option('--json', 'print the job as JSON on stdout')
    .action(action(async (file: string, opts: SubmitOptions) => submit(file, opts)));

  program
    .command('status')
    .description('show a job’s state')
    .argument('<job>', 'job id')
    .option('--server <url>', 'locflow API (default LOCFLOW_SERVER or http://127.0.0.1:3000)')
    .option('--token <token>', 'API token (default LOCFLOW_TOKEN)')
    .option('--json', 'print the job as JSON on stdout')
    .action(action(async (job: string, opts: ClientOptions & { json?: boolean }) => status(job, opts)));

  program
    .command('download')
    .description('download a job’s bundle, or one file of it')
    .argument('<job>', 'job id')
    .requiredOption('--out <file>', 'where to write it')
    .option('--format <format>', 'zip (default), json, xliff, tmx, i18next, csv or document (the translated article alone)', 'zip')
    .option('--target <lang>', 'language, for xliff and i18next')
    .option('--server <url>', 'locflow API (default LOCFLOW_SERVER or http://127.0.0.1:3000)')
    .option('--token <token>', 'API token (default LOCFLOW_TOKEN)')
    .action(action(async (job: string, opts: ClientOptions & { out: string; format: string; target?: string }) => download(job, opts)));
}

async function serve(opts: ServeOptions): Promise<void> {
  const { t } = await getI18n();
  const env = settings();
  const auth = parseTokens(env.LOCFLOW_TOKENS);
  const config = queueConfig(env);
  const port = opts.port ?? envInt(env, 'PORT', 3000);
  const graceMs = envInt(env, 'LOCFLOW_SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS);
  setConnectionErrorLog((line) => process.stderr.write(`locflow: warning: ${scrubText(line)}\n`));
  await startPlugins();
  const redis = await preflight(config);
  let host = opts.host ?? (auth.tokens.length ? '0.0.0.0' : '127.0.0.1');
  if (auth.tokens.length === 0 && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
    // Open mode makes every caller an admin: only safe where only this machine can call.
    host = '127.0.0.1';
  }
  const app = await buildServer({ config, auth });
  const running: RunningWorkers[] = [];
  for (let i = 0; i < opts.workers; i++) running.push(await startWorkers({ config, concurrency: opts.concurrency, log: stderrLog }));
  try {
    await app.listen({ port, host });
  } catch (err) {
    await Promise.allSettled([app.close(), ...running.map((w) => w.close())]);
    throw new ExitError(EXIT_BAD_INPUT, t('server:cannotListen', { host, port, detail: (err as Error).message }));
  }
  const bound = (app.server.address() as { port: number } | null)?.port ?? port;
  // Without LOCFLOW_PUBLIC_URL, webhooks point at the address this server really listens on (a wildcard bind is reached as localhost).
  if (!env.LOCFLOW_PUBLIC_URL?.trim()) {
    const name = ['0.0.0.0', '::'].includes(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    config.publicUrl = `http://${name}:${bound}`;
  }
  if (auth.tokens.length === 0) process.stderr.write(`locflow: ${t('server:openMode', { host })}\n`);
  process.stderr.write(`locflow: ${t('server:listening', { host, port: bound })} (${redis.description}, version ${redis.version})\n`);
  if (opts.workers > 0) process.stderr.write(`locflow: ${t('server:workersStarted', { count: opts.workers, concurrency: opts.concurrency })}\n`);
  const reconciler = startReconciler({ config, log: stderrLog });
  await untilSignal(t, graceMs, async () => {
    await reconciler.stop();
    await app.close();
    await Promise.allSettled(running.map((w) => w.close()));
  });
}

async function worker(opts: { concurrency: number }): Promise<void> {
  const { t } = await getI18n();
  const env = settings();
  const config = queueConfig(env);
  const graceMs = envInt(env, 'LOCFLOW_SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS);
  setConnectionErrorLog((line) => process.stderr.write(`locflow: warning: ${scrubText(line)}\n`));
  await startPlugins();
  const redis = await preflight(config);
  const running = await startWorkers({ config, concurrency: opts.concurrency, log: stderrLog });
  const reconciler = startReconciler({ config, log: stderrLog });
  process.stderr.write(`locflow: ${t('server:workerReady', { concurrency: opts.concurrency, prefix: config.prefix, version: `${redis.version}, ${redis.description}` })}\n`);
  await untilSignal(t, graceMs, async () => {
    await reconciler.stop();
    await running.close();
  });
}

async function doctor(opts: { sample: number; json?: boolean }): Promise<void> {
  const config = queueConfig(settings());
  await preflight(config);
  const redis = connectRedis(config, 'producer');
  try {
    const usage = await measureUsage(redis, config.prefix, opts.sample);
    process.stdout.write(scrubText(opts.json ? `${JSON.stringify(usage, null, 2)}\n` : `${formatUsage(usage)}\n`));
  } finally {
    await closeRedis(redis);
  }
}

// ---- HTTP client side ----

interface SubmitOptions extends ClientOptions {
  to: string;
  from?: string;
  provider?: string;
  format?: string;
  title?: string;
  webhook?: string;
  wait?: boolean;
  out?: string;
  json?: boolean;
}

interface JobView {
  id: string;
  status: string;
  progress: number;
  sourceLang?: string;
  confidence?: number;
  targets?: Record<string, { status: string; done: number; total: number; route?: string; error?: string }>;
  error?: { code: string; message: string };
}

class Client extends ApiClient {
  async job(id: string): Promise<JobView> {
    return this.json<JobView>('GET', jobPath(id));
  }

  /** Follows server-sent events until the job finishes; falls back to polling if the stream breaks. */
  async follow(id: string, onUpdate: (v: JobView) => void): Promise<JobView> {
    const terminal = ['completed', 'failed', 'cancelled'];
    try {
      const res = await this.request('GET', `${jobPath(id)}/events`, undefined, 'text/event-stream');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      let last: JobView | undefined;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (!data) continue;
          last = JSON.parse(data) as JobView;
          onUpdate(last);
          if (terminal.includes(last.status)) {
            await reader.cancel().catch(() => {});
            return last;
          }
        }
      }
    } catch (err) {
      if (err instanceof ExitError && err.exitCode === EXIT_BAD_INPUT) throw err;
    }
    for (;;) {
      const v = await this.job(id);
      onUpdate(v);
      if (terminal.includes(v.status)) return v;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async download(id: string, out: string, format = 'zip', target?: string): Promise<number> {
    const q = new URLSearchParams({ format, ...(target ? { target } : {}) });
    const res = await this.request('GET', `${jobPath(id)}/bundle?${q}`, undefined, '*/*');
    const bytes = new Uint8Array(await res.arrayBuffer());
    await writeFileAtomic(out, bytes);
    return bytes.byteLength;
  }
}

/** An empty id would address the job list instead of a job. */
function jobPath(id: string): string {
  if (!id.trim()) throw new InputError('missing-job-id', 'a job id is required (as printed by locflow submit)');
  return `/v1/jobs/${encodeURIComponent(id)}`;
}

function progressLine(t: TFunction, v: JobView): string {
  const targets = Object.entries(v.targets ?? {})
    .map(([l, s]) => `${l}:${s.status === 'completed' ? t('server:states.done') : `${s.done}/${s.total}`}`)
    .join(' ');
  return t('server:progress', { id: v.id, status: state(t, v.status), progress: v.progress ?? 0, targets });
}

/** A job or target state in the reader's language (the JSON output keeps the API's words). */
function state(t: TFunction, status: string): string {
  return t(`server:states.${status}`, { defaultValue: status });
}

async function submit(file: string, opts: SubmitOptions): Promise<void> {
  const { t } = await getI18n();
  const targets = parseList(opts.to).map((l) => requireLang(l, '--to'));
  if (targets.length === 0) throw new InputError('missing-targets', '--to needs at least one target language, e.g. --to en,es,vi');
  if (opts.from && opts.from !== 'auto') requireLang(opts.from, '--from');
  const client = new Client(opts, t);
  const article = await readArticle(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(article.bytes);
  } catch {
    throw new InputError('invalid-utf8', `${article.filename ?? 'stdin'} is not valid UTF-8 text`, { params: { file: article.filename ?? 'stdin' } });
  }
  const format = opts.format ?? formatOf(article.filename);
  const chosen = parseProviderOption(opts.provider);
  const created = await client.json<{ id: string; status: string }>('POST', '/v1/jobs', {
    json: {
      text,
      targets,
      ...(format ? { format } : {}),
      ...(opts.from && opts.from !== 'auto' ? { sourceLang: opts.from } : {}),
      ...(chosen.provider ? { provider: chosen.provider } : {}),
      ...(chosen.providers ? { providers: chosen.providers } : {}),
      ...(opts.title ? { title: opts.title } : {}),
      ...(opts.webhook ? { webhookUrl: opts.webhook } : {}),
    },
  });
  process.stderr.write(`${t('server:submitted', { id: created.id, status: state(t, created.status) })}\n`);
  if (!opts.wait && !opts.out) {
    process.stdout.write(opts.json ? `${JSON.stringify(created)}\n` : `${created.id}\n`);
    return;
  }
  let lastLine = '';
  const final = await client.follow(created.id, (v) => {
    const line = progressLine(t, v);
    if (line !== lastLine) process.stderr.write(`${line}\n`);
    lastLine = line;
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
  else process.stdout.write(`${final.id}\n`);
  if (final.status !== 'completed') {
    throw new ExitError(EXIT_JOB_FAILED, t('server:failed', { id: final.id, status: state(t, final.status), message: final.error?.message ?? state(t, final.status) }));
  }
  process.stderr.write(`${t('server:completed', { id: final.id })}\n`);
  if (opts.out) {
    const bytes = await client.download(final.id, opts.out);
    process.stderr.write(`${t('server:wrote', { path: opts.out, bytes })}\n`);
  }
}

function formatOf(filename: string | undefined): string | undefined {
  if (!filename) return undefined;
  if (/\.(md|markdown)$/i.test(filename)) return 'markdown';
  if (/\.html?$/i.test(filename)) return 'html';
  if (/\.txt$/i.test(filename)) return 'text';
  return undefined;
}

async function status(job: string, opts: ClientOptions & { json?: boolean }): Promise<void> {
  const { t } = await getI18n();
  const v = await new Client(opts, t).job(job);
  if (opts.json) process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  else {
    process.stdout.write(`${progressLine(t, v)}\n`);
    for (const [lang, s] of Object.entries(v.targets ?? {})) {
      const via = s.route ? ` ${t('server:statusVia', { route: s.route })}` : '';
      process.stdout.write(`  ${lang}: ${state(t, s.status)} ${s.done}/${s.total}${via}${s.error ? ` — ${s.error}` : ''}\n`);
    }
    if (v.error) process.stdout.write(`  ${t('server:jobError', { code: v.error.code, message: v.error.message })}\n`);
  }
  if (v.status === 'failed' || v.status === 'cancelled') process.exitCode = EXIT_JOB_FAILED;
}

async function download(job: string, opts: ClientOptions & { out: string; format: string; target?: string }): Promise<void> {
  const { t } = await getI18n();
  const bytes = await new Client(opts, t).download(job, opts.out, opts.format, opts.target);
  process.stderr.write(`${t('server:wrote', { path: opts.out, bytes })}\n`);
}

