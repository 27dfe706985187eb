/**
 * CMS integration on the real server (Redis, in-process workers, pseudo
 * provider): the translated article alone through the API and the CLI.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { runCli } from '../helpers.js';
import { cleanPrefix, testConfig, waitFor } from '../queue/helpers.js';

const config = testConfig();
let app: FastifyInstance;
let base: string;
let workers: RunningWorkers;
const dir = mkdtempSync(join(tmpdir(), 'lf-cms-'));

beforeAll(async () => {
  app = await buildServer({ config, logger: process.env.CMS_LOG ? { level: 'error' } : false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  workers = await startWorkers({ config, concurrency: 4 });
});

afterAll(async () => {
  await workers?.close();
  await app?.close();
  await cleanPrefix(config.prefix);
  rmSync(dir, { recursive: true, force: true });
});

async function submit(payload: object): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload });
  expect(res.statusCode).toBe(202);
  return res.json().id as string;
}

async function completed(id: string): Promise<void> {
  await waitFor(async () => {
    const s = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status as string;
    if (s === 'failed' || s === 'cancelled') throw new Error(`job ${id} ${s}`);
    return s === 'completed' ? true : undefined;
  }, `job ${id} to complete`);
}

describe('format=document: the translated article alone', () => {
  const cases = [
    ['markdown', '# Le titre\n\nUn article sur la **ville** de Lyon et ses habitants.\n', 'md', 'text/markdown; charset=utf-8'],
    ['html', '<!DOCTYPE html><html lang="fr"><head><title>Le titre</title></head><body><p>Un article sur la ville de Lyon et ses habitants.</p></body></html>', 'html', 'text/html; charset=utf-8'],
    ['text', 'Un article sur la ville de Lyon et ses habitants.\n\nUn second paragraphe pour la forme.\n', 'txt', 'text/plain; charset=utf-8'],
  ] as const;
  for (const [format, text, ext, type] of cases) {
    it(`serves documents/es.${ext} of a ${format} job with its own type`, async () => {
      const id = await submit({ text, format, sourceLang: 'fr', targets: ['es', 'en'], provider: 'pseudo' });
      await completed(id);
      const res = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document&target=es` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(String(res.headers['content-disposition'])).toContain(`${id}.es.${ext}`);
      // Pseudo-localised text is bracketed: the Spanish document, not the French source.
      expect(res.body).toContain('[');
      expect(res.body).not.toContain('Un article sur la ville de Lyon et ses habitants.');
      if (format === 'html') expect(res.body).toMatch(/^<!DOCTYPE html>/);
      const source = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document&target=fr` });
      expect(source.body).toContain('Un article sur la');
    });
  }

  it('refuses a language the job lacks, and a missing target where several exist, with {error:{code,message}}', async () => {
    const id = await submit({ text: 'Un autre article sur la ville de Lyon.', sourceLang: 'fr', targets: ['es', 'en'], provider: 'pseudo' });
    await completed(id);
    const unknown = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document&target=de` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'unknown-target' });
    expect(unknown.json().error.message).toContain('de');
    const missing = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document` });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('target-required');
  });

  it('locflow download --format document --target es writes the Spanish article', async () => {
    const id = await submit({ text: '# Titre\n\nLa ville de Lyon accueille un festival cette semaine.\n', sourceLang: 'fr', targets: ['es', 'vi'], provider: 'pseudo' });
    await completed(id);
    const out = join(dir, 'es.md');
    const r = await runCli(['download', id, '--format', 'document', '--target', 'es', '--out', out, '--server', base], { env: { LOCFLOW_TOKEN: '' } });
    expect(r.code, r.stderr).toBe(0);
    const body = readFileSync(out, 'utf8');
    expect(body.startsWith('# ')).toBe(true);
    expect(body).toContain('[');
    expect(body).not.toContain('La ville de Lyon accueille un festival cette semaine.');
  });
});
