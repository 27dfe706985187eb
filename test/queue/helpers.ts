/** Shared set-up for queue and API tests: a private key prefix on the real Redis, cleaned afterwards. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { unzipSync, strFromU8 } from 'fflate';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildServer, type ServerOptions } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { queueConfig, type QueueConfig } from '../../workers/config.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { assertValidExports } from '../formats/schemas.js';
import { ROOT } from '../helpers.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testConfig(overrides: Partial<QueueConfig> = {}, env: NodeJS.ProcessEnv = {}): QueueConfig {
  const prefix = `{lftest-${randomBytes(5).toString('hex')}}`;
  return {
    ...queueConfig({ REDIS_URL, LOCFLOW_PREFIX: prefix, LOCFLOW_STALLED_INTERVAL_MS: '1000', LOCFLOW_RETRY_BASE_MS: '50', ...env }),
    ...overrides,
  };
}

/** Deletes every key under the prefix. */
export async function cleanPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    const pattern = `${prefix.replace(/[[\]*?\\]/g, '\\$&')}*`;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface CheckedBundle {
  files: Record<string, Uint8Array>;
  manifest: Record<string, unknown>;
  aligned: { sourceLang: string; languages: string[]; segments: { id: string; text: Record<string, string> }[] };
}

/** Unzips a bundle and checks the contract: every language has the same segment ids, in order. */
export function checkBundle(zip: Uint8Array, langs: string[], options: { validate?: boolean } = {}): CheckedBundle {
  const files = unzipSync(zip);
  if (!files['manifest.json'] || !files['aligned.json']) throw new Error(`bundle lacks manifest or aligned.json: ${Object.keys(files).join(', ')}`);
  const manifest = JSON.parse(strFromU8(files['manifest.json'])) as Record<string, unknown>;
  const aligned = JSON.parse(strFromU8(files['aligned.json'])) as CheckedBundle['aligned'];
  for (const lang of langs) {
    if (!aligned.languages.includes(lang)) throw new Error(`aligned.json has no ${lang}: ${aligned.languages.join(',')}`);
    for (const s of aligned.segments) if (typeof s.text[lang] !== 'string') throw new Error(`segment ${s.id} has no ${lang} text`);
  }
  if (aligned.segments.length === 0) throw new Error('aligned.json has no segments');
  const ids = aligned.segments.map((s) => s.id);
  if (new Set(ids).size !== ids.length) throw new Error('duplicate segment ids');
  // Every XLIFF and TMX file a bundle carries must pass the published schemas (callers checking many bundles validate them in one go).
  if (options.validate !== false) assertValidExports(files);
  return { files, manifest, aligned };
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A job's view (GET /v1/jobs/:id) as the tests read it: `any` fields, since each test checks its own. */
export type JobView = { status: string } & Record<string, any>;

/** Polls GET /v1/jobs/:id through `app` until the job is completed, failed or cancelled, and returns that view. */
export function settledJob(app: FastifyInstance, id: string, timeoutMs = 60_000): Promise<JobView> {
  return waitFor(
    async () => {
      const v = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json() as JobView;
      return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
    },
    `job ${id}`,
    timeoutMs,
  );
}

export interface StackOptions {
  config?: QueueConfig;
  /** LOCFLOW_TOKENS for the API; empty (the default) is open mode, every caller admin. */
  tokens?: string;
  /** Worker concurrency in this process; 0 (the default) starts no workers. */
  workers?: number;
  /** Listen on a loopback port so `base` answers real HTTP (inject() needs no port). */
  listen?: boolean;
  /** Told of every route the API registers. */
  onRoute?: ServerOptions['onRoute'];
}

/**
 * An API (and optionally workers) on a prefix of its own: built before the
 * file's tests, closed and its keys removed after. Read the getters inside
 * tests, not at import time.
 */
export function stackForTests(options: StackOptions = {}): {
  readonly app: FastifyInstance;
  readonly base: string;
  readonly config: QueueConfig;
  readonly workers: RunningWorkers;
} {
  const config = options.config ?? testConfig({});
  const tokens = options.tokens ?? '';
  let app: FastifyInstance | undefined;
  let base = '';
  let workers: RunningWorkers | undefined;
  beforeAll(async () => {
    app = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: tokens }, auth: parseTokens(tokens), onRoute: options.onRoute });
    if (options.listen) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    }
    if (options.workers) workers = await startWorkers({ config, concurrency: options.workers });
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await cleanPrefix(config.prefix);
  });
  const built = <T>(value: T | undefined, what: string): T => {
    if (value === undefined || value === '') throw new Error(`stackForTests: ${what} is not there (built in beforeAll; read it inside a test, and ask for it in the options)`);
    return value;
  };
  return {
    config,
    get app() {
      return built(app, 'the app');
    },
    get base() {
      return built(base, 'base (listen: true)');
    },
    get workers() {
      return built(workers, 'workers (workers: N)');
    },
  };
}

/** An API with no tokens (every caller is admin) and no workers. */
export function openApiForTests(): { readonly app: FastifyInstance; readonly config: QueueConfig } {
  return stackForTests();
}

/** One webhook delivery as the receiver got it. */
export interface ReceivedHook {
  headers: IncomingMessage['headers'];
  /** The X-Locflow-Event header (`job.completed`, …). */
  event: string;
  /** The raw body, as signed. */
  body: string;
  /** The body parsed. */
  json(): Record<string, unknown>;
}

/**
 * A webhook receiver on a loopback port for the file's (or describe's) tests:
 * it keeps every delivery in `hooks` and answers 204. Listens before the
 * tests, closes after; read `url` inside tests.
 */
export function hookReceiverForTests(): { readonly hooks: ReceivedHook[]; readonly url: string } {
  const hooks: ReceivedHook[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push({ headers: req.headers, event: String(req.headers['x-locflow-event']), body, json: () => JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => {
    receiver.close();
  });
  return {
    hooks,
    get url() {
      if (!url) throw new Error('hookReceiverForTests: url is not there (the receiver listens in beforeAll; read it inside a test)');
      return url;
    },
  };
}

export interface LocflowProcess {
  child: ChildProcess;
  /** What `ready` matched on stderr (e.g. the port `serve` bound). */
  match: RegExpExecArray;
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * A `locflow` command (`serve`, `worker`) as a real process, started through
 * bin/locflow.js as a user starts it, on the queue config's Redis and prefix;
 * resolves once its stderr matches `ready`, rejects if it exits first.
 */
export async function startLocflow(args: string[], config: QueueConfig, env: NodeJS.ProcessEnv, ready: RegExp, startTimeoutMs = 60_000): Promise<LocflowProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOCFLOW_LANG: 'en', LOCFLOW_LOG_LEVEL: 'warn', REDIS_URL: config.redisUrl, LOCFLOW_PREFIX: config.prefix, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    // A start-up that never says ready must not outlive the test that waited for it.
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`locflow ${args.join(' ')} not ready within ${startTimeoutMs} ms: ${err}`));
    }, startTimeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = ready.exec(err);
      if (m) {
        clearTimeout(deadline);
        resolve(m);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`locflow ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
  return {
    child,
    match,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
