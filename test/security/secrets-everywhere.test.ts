/**
 * Issue 15 follow-up: the credential scrubber ran only in workers, and knew
 * only the environment. A plugin provider (which redacts nothing) that puts
 * its key, given in the LOCFLOW_CONFIG file, into its error and health
 * messages must leave no 6-character piece of a key in: the API's logs, its
 * error answers, `GET /v1/providers`, `GET /v1/jobs/:id` of a job the plugin
 * failed, `/healthz`, and the CLI's `providers`, `provider-test` and `doctor`
 * output. Both keys live only in the config file (plugin options and a
 * provider variable), so the environment alone does not reveal them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugins, loadProvidersConfig } from '../../providers/index.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { runCli } from '../helpers.js';
import { cleanPrefix, REDIS_URL, settledJob, testConfig, waitFor } from '../queue/helpers.js';

const PLUGIN_KEY = `pk${randomBytes(10).toString('hex')}`;
const DEEPL_KEY = `dk${randomBytes(10).toString('hex')}:fx`;
const dir = mkdtempSync(join(tmpdir(), 'lf-secrets-'));
const plugin = join(dir, 'leaky.mjs');
const configFile = join(dir, 'locflow.yaml');
const config = testConfig({ attempts: 1 });
const logs: string[] = [];
let app: FastifyInstance;
let workers: RunningWorkers;
let env: NodeJS.ProcessEnv;

function leaks(text: string): string[] {
  const out: string[] = [];
  for (const key of [PLUGIN_KEY, DEEPL_KEY]) for (let i = 0; i + 6 <= key.length; i++) if (text.includes(key.slice(i, i + 6))) out.push(key.slice(i, i + 6));
  return out;
}

beforeAll(async () => {
  // A plugin that quotes its key (and another provider's, from the environment it is given) in every message.
  writeFileSync(
    plugin,
    `export default function createProvider(options, { env }) {
  const say = (what) => what + ' (key ' + options.apiKey + ', deepl ' + env.DEEPL_AUTH_KEY + ')';
  return {
    id: 'leaky', contractVersion: 3, configured: true, glossary: 'mask', limits: { maxTexts: 5, maxChars: 1000 },
    async pairs() { if (options.brokenPairs) throw new Error(say('upstream refused the pair listing')); return [{ from: 'fr', to: 'en' }]; },
    async translate() { throw new Error(say('upstream refused the request')); },
    async health() { return { ok: false, message: say('upstream refused the health check') }; },
  };
}
`,
  );
  writeFileSync(
    configFile,
    `DEEPL_AUTH_KEY: "${DEEPL_KEY}"
DEEPL_BASE_URL: "http://127.0.0.1:9"
providers:
  leaky:
    module: ./leaky.mjs
    options: { apiKey: "${PLUGIN_KEY}" }
  leakylist:
    module: ./leaky.mjs
    options: { apiKey: "${PLUGIN_KEY}", brokenPairs: true }
`,
  );
  env = { ...process.env, LOCFLOW_CONFIG: configFile, REDIS_URL, LOCFLOW_PREFIX: config.prefix };
  delete env.DEEPL_AUTH_KEY;
  await loadPlugins(loadProvidersConfig(env));
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  app = await buildServer({ config, env, auth: parseTokens(''), logger: { stream, level: 'info' } });
  const log = (level: string) => (obj: object | string, msg?: string) => void logs.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  workers = await startWorkers({ config, concurrency: 1, env, log: { info: log('info'), warn: log('warn'), error: log('error') } });
}, 60_000);

afterAll(async () => {
  await workers?.close();
  await app?.close();
  await cleanPrefix(config.prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('the API process', () => {
  it('blanks keys in GET /v1/providers, error answers, a failed job, /healthz and its logs', async () => {
    const providers = await app.inject({ method: 'GET', url: '/v1/providers' });
    expect(providers.statusCode).toBe(200);
    // The messages are there, only without the keys.
    expect(providers.body).toContain('upstream refused the health check (key ***, deepl ***)');
    expect(providers.body).toContain('upstream refused the pair listing');
    expect(leaks(providers.body)).toEqual([]);

    // A provider that cannot list its pairs: the submission is refused with its message.
    const refused = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: 'Le modèle est ouvert.', sourceLang: 'fr', targets: ['en'], provider: 'leakylist' } });
    expect(refused.statusCode, refused.body).toBeGreaterThanOrEqual(400);
    expect(refused.body).toContain('upstream refused the pair listing');
    expect(leaks(refused.body)).toEqual([]);

    // A job the plugin fails in the worker.
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: 'Le modèle est ouvert à tous.', sourceLang: 'fr', targets: ['en'], provider: 'leaky' } });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id as string;
    expect((await settledJob(app, id)).status).toBe('failed');
    const job = await app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    expect(job.body).toContain('upstream refused the request');
    expect(leaks(job.body)).toEqual([]);

    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(leaks(health.body)).toEqual([]);

    // Whatever the API logs goes through the scrubber too.
    app.log.warn({ err: `engine said: bad key ${PLUGIN_KEY}` }, 'provider trouble');
    await new Promise((r) => setTimeout(r, 50));
    const all = logs.join('\n');
    expect(all).toContain('engine said: bad key ***');
    expect(leaks(all)).toEqual([]);
  }, 90_000);
});

describe('the CLI', () => {
  const cliEnv = () => ({ LOCFLOW_CONFIG: configFile, DEEPL_AUTH_KEY: '', REDIS_URL, LOCFLOW_PREFIX: config.prefix });

  it('locflow providers prints health messages without the keys', async () => {
    const r = await runCli(['providers', '--json'], { env: cliEnv() });
    expect(r.stdout).toContain('upstream refused the health check');
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  }, 60_000);

  it('locflow provider-test blanks a key given in --options', async () => {
    const r = await runCli(['provider-test', plugin, '--options', JSON.stringify({ apiKey: PLUGIN_KEY }), '--json'], { env: { DEEPL_AUTH_KEY: '' } });
    expect(r.stdout).toContain('upstream refused');
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  }, 60_000);

  it('locflow doctor prints nothing of a key', async () => {
    const r = await runCli(['doctor', '--json', '--sample', '50'], { env: cliEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  }, 60_000);
});
