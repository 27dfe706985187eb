/**
 * Two real `locflow worker` processes against one DeepL account that allows
 * 4 calls in flight, with `providers.deepl.maxInFlight: 4` in LOCFLOW_CONFIG:
 * the engine never sees more than 4 calls at once and refuses none. (Each
 * process alone may run 4 jobs, so without the shared limit the engine sees
 * up to 8 and refuses the extra ones.) Throughput is measured in
 * `npm run bench -- scale`, not here.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startLimitedDeepl, type LimitedDeepl } from '../fakes/deepl-limited.js';
import { SAMPLE_FR } from '../helpers.js';
import { cleanPrefix, settledJob, startLocflow, testConfig } from './helpers.js';

const lines = readFileSync(SAMPLE_FR, 'utf8').split('\n').filter((l) => l.trim());
const config = testConfig();
const dir = mkdtempSync(join(tmpdir(), 'locflow-limits-'));
const configFile = join(dir, 'locflow.yaml');
writeFileSync(configFile, 'providers:\n  deepl:\n    maxInFlight: 4\n');
const children = new Set<ChildProcess>();
let fake: LimitedDeepl;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  fake = await startLimitedDeepl({ limit: 4, delayMs: 200 });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await app?.close();
  await fake?.close();
  await cleanPrefix(config.prefix);
  rmSync(dir, { recursive: true, force: true });
});

/** A `locflow worker` process (4 jobs at once) with the shared limit's config file, against the fake account. */
async function spawnWorker(): Promise<ChildProcess> {
  const worker = await startLocflow(['worker', '--concurrency', '4'], config, { ...fake.env, LOCFLOW_CONFIG: configFile, LOCFLOW_BATCH_SIZE: '4' }, /worker ready/);
  children.add(worker.child);
  return worker.child;
}

describe('providers.<id>.maxInFlight across processes', () => {
  it('never lets two worker processes have more calls in flight at the engine than the shared limit', async () => {
    app = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, ...fake.env, LOCFLOW_CONFIG: configFile } });
    await Promise.all([spawnWorker(), spawnWorker()]);
    // Distinct sentences in every article, so the translation memory serves none of them.
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) {
      const text = lines.map((l, i) => `${l} (réf. ${k}-${i})`).join('\n');
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, sourceLang: 'fr', targets: ['en', 'es'], provider: 'deepl' } });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id as string);
    }
    for (const id of ids) {
      const v = await settledJob(app, id);
      expect(v.status, JSON.stringify(v.error ?? v.targets)).toBe('completed');
    }
    // Demand (6 jobs at once) exceeded the limit, so the limit was reached, never passed.
    expect(fake.stats.served).toBeGreaterThan(25);
    expect(fake.stats.maxInFlight).toBe(4);
    // Counting the calls that arrived while 4 were running too (the ones the engine would refuse).
    expect(fake.stats.maxOffered).toBe(4);
    expect(fake.stats.refused).toBe(0);

    // /metrics shows the waiting the limit caused, per provider.
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/locflow_provider_in_flight\{provider="deepl"\} 0/);
    const waited = Number(/locflow_provider_wait_seconds_total\{provider="deepl"\} ([\d.]+)/.exec(metrics)?.[1] ?? 0);
    expect(waited).toBeGreaterThan(0);
  }, 90_000);
});
