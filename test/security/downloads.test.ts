/**
 * Issue 15 "Single-file downloads are rebuilt on every request": one file of
 * a 48 000-segment job took 1.9 s to rebuild on the API's event loop. Every
 * file of a revision is now rendered once, by the worker, into the stored
 * zip; a single-file download is that file's bytes. Shown here by removing
 * the bundle input (what a rebuild would need): downloads still answer, with
 * exactly the bytes of the zip's entry.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesOfZip } from '../../pipeline/formats/bundle.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { cleanPrefix, REDIS_URL, testConfig, waitFor } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;
let workers: RunningWorkers;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens('') });
  workers = await startWorkers({ config, concurrency: 1 });
});

afterAll(async () => {
  await workers?.close();
  await app?.close();
  await cleanPrefix(config.prefix);
});

describe('single-file downloads come from the stored zip', () => {
  it('serve the zip entry bytes even with the bundle input gone', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: 'Le modèle est ouvert. Il est gratuit.', sourceLang: 'fr', targets: ['en', 'vi'], provider: 'pseudo' } });
    const id = r.json().id as string;
    await waitFor(async () => ((await app.inject({ url: `/v1/jobs/${id}` })).json().status === 'completed' ? true : undefined), 'completion', 60_000);
    const zip = (await app.inject({ url: `/v1/jobs/${id}/bundle` })).rawPayload;
    const entries = unzipSync(new Uint8Array(zip));
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.del(`${config.prefix}:bundle:${id}`)).toBe(1);
    } finally {
      redis.disconnect();
    }
    for (const [query, path] of [
      ['format=xliff&target=vi', 'xliff/fr-vi.xlf'],
      ['format=json', 'aligned.json'],
      ['format=csv', 'aligned.csv'],
      ['format=tmx', 'bundle.tmx'],
      ['format=i18next&target=en', 'locales/en/article.json'],
    ] as const) {
      const d = await app.inject({ url: `/v1/jobs/${id}/bundle?${query}` });
      expect(d.statusCode, `${query}: ${d.body}`).toBe(200);
      expect(Buffer.compare(d.rawPayload, Buffer.from(entries[path]!)), query).toBe(0);
    }
    // Errors about the request stay what they were.
    expect((await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff` })).statusCode).toBe(400);
    expect((await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=de` })).statusCode).toBe(404);
  }, 90_000);

  it('filesOfZip inflates only the entries asked for', () => {
    const zip = zipSync({ 'a.txt': new TextEncoder().encode('A'), 'b.txt': new TextEncoder().encode('B') });
    const files = filesOfZip(zip);
    expect(new TextDecoder().decode(files.get('b.txt') as Uint8Array)).toBe('B');
    expect([...files.keys()]).toEqual(['b.txt']);
    expect(files.get('missing')).toBeUndefined();
  });
});
