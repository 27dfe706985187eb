/**
 * A job's failure, its targets' errors and provider notes are stored as codes
 * with params, and every way of reading the job (GET /v1/jobs/:id, the list,
 * the event stream) says them in the reader's language. English stays the
 * text the worker wrote.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers } from '../../workers/worker.js';
import { runCli, SAMPLE_FR } from '../helpers.js';
import { cleanPrefix, testConfig, waitFor } from './helpers.js';
import { startSlowDeepl, type SlowDeepl } from './slow-deepl.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');

describe('failures and notes in the reader’s language', () => {
  const config = testConfig({ batchSize: 2 });
  let fake: SlowDeepl;
  let app: FastifyInstance;
  let workers: Awaited<ReturnType<typeof startWorkers>>;

  beforeAll(async () => {
    fake = await startSlowDeepl();
    app = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, ...fake.env } });
    workers = await startWorkers({ config, concurrency: 2, env: { ...process.env, ...fake.env } });
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await fake?.close();
    await cleanPrefix(config.prefix);
  });

  const read = async (id: string, headers: Record<string, string> = {}, query = '') => (await app.inject({ method: 'GET', url: `/v1/jobs/${id}${query}`, headers })).json();
  const ended = (id: string) => waitFor(async () => ((v) => (['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined))(await read(id)), `job ${id}`, 60_000, 100);

  it.each([
    [456, 'provider-quota', /quota de traduction épuisé/, /hết hạn mức dịch|hạn mức/],
    [403, 'provider-auth', /échec d'authentification/, /xác thực/],
  ])('a job DeepL refuses with %i reads in French and Vietnamese with the same code, and in English as the worker wrote it', async (status, code, french, vietnamese) => {
    fake.failures = Array(50).fill(status);
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nÉchec ${status} localisé.`, targets: ['vi'], provider: 'deepl' } });
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      const en = await ended(id);
      expect(en.status).toBe('failed');

      // English: the stored sentence, exactly as before codes were kept.
      expect(en.error.code).toBe(code);
      expect(en.error.message).toBe(`vi: ${en.targets.vi.error}`);
      expect(en.error.message).toMatch(/^vi: deepl: /);
      expect(en.error.message).not.toMatch(french);
      expect(en.error.target).toBe('vi');
      expect(en.error.params).toMatchObject({ provider: 'deepl', status });
      expect(en.targets.vi.errorCode).toBe(code);

      const fr = await read(id, { 'accept-language': 'fr-FR,fr;q=0.9' });
      expect(fr.error.code).toBe(code);
      expect(fr.error.message).toMatch(/^vi: deepl : /);
      expect(fr.error.message).toMatch(french);
      // The provider's own words are passed on as they came.
      expect(fr.error.message).toContain(String(en.error.params.detail));
      expect(fr.targets.vi.error).toMatch(french);
      expect(fr.targets.vi.errorCode).toBe(code);

      const vi = await read(id, {}, '?lng=vi');
      expect(vi.error.code).toBe(code);
      expect(vi.error.message).toMatch(vietnamese);
      expect(vi.error.message).not.toBe(en.error.message);

      // ?lng= wins over Accept-Language; an unshipped language reads English.
      expect((await read(id, { 'accept-language': 'fr' }, '?lng=en')).error.message).toBe(en.error.message);
      expect((await read(id, { 'accept-language': 'de' })).error.message).toBe(en.error.message);

      // The list and the event stream say the same.
      const list = (await app.inject({ method: 'GET', url: '/v1/jobs?limit=50', headers: { 'accept-language': 'fr' } })).json();
      const listed = list.jobs.find((j: { id: string }) => j.id === id);
      expect(listed.error).toMatchObject({ code, message: fr.error.message });
      expect(listed.targets.vi.error).toBe(fr.targets.vi.error);
      const listEn = (await app.inject({ method: 'GET', url: '/v1/jobs?limit=50' })).json();
      expect(listEn.jobs.find((j: { id: string }) => j.id === id).error.message).toBe(en.error.message);

      const stream = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events?lng=fr` });
      const failed = /event: failed\ndata: (.*)\n/.exec(stream.body);
      expect(failed, stream.body).not.toBeNull();
      expect(JSON.parse(failed![1]!).error).toMatchObject({ code, message: fr.error.message });
      const streamEn = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });
      expect(JSON.parse(/event: failed\ndata: (.*)\n/.exec(streamEn.body)![1]!).error.message).toBe(en.error.message);
    } finally {
      fake.failures = [];
    }
  });

  /** `locflow …` as a user runs it, in `lang`. */
  const cli = (args: string[], lang: string) => runCli(args, { env: { LOCFLOW_LANG: lang, LOCFLOW_TOKEN: '', LOCFLOW_SERVER: '' } });

  it('prints a failed job in the CLI language: locflow submit --wait and locflow status', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    fake.failures = Array(50).fill(456);
    try {
      const submitted = await cli(['submit', SAMPLE_FR, '--to', 'es', '--provider', 'deepl', '--wait', '--server', address], 'fr');
      expect(submitted.code, submitted.stderr).toBe(1);
      const id = submitted.stdout.trim().split('\n').pop()!;
      expect(submitted.stderr).toMatch(/es: deepl : quota de traduction épuisé/);

      const fr = await cli(['status', id, '--server', address], 'fr');
      expect(fr.code).toBe(1);
      expect(fr.stdout).toMatch(/provider-quota : es: deepl : quota de traduction épuisé/);
      // The state words too, not only the error.
      expect(fr.stdout.split('\n')[0]).toMatch(/ : échouée \d+\s?%/);
      expect(fr.stdout).toMatch(/^ {2}es: échouée /m);
      const en = await cli(['status', id, '--server', address], 'en');
      expect(en.code).toBe(1);
      const stored = (await read(id)).error.message as string;
      expect(en.stdout).toContain(`error: provider-quota: ${stored}`);
      expect(en.stdout).not.toMatch(/épuisé/);
      expect(en.stdout).toMatch(/^ {2}es: failed /m);
    } finally {
      fake.failures = [];
    }
  });

  it('says the pseudo-localisation note of a test job in French, and keeps it in English', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nNote pseudo.`, targets: ['en'], provider: 'pseudo' } });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    const en = await ended(id);
    expect(en.status).toBe('completed');
    expect(en.targets.en.warnings).toContain('pseudo-localisation: this target is test output, not a translation');
    expect(en.targets.en.notes).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'note-pseudo' })]));
    const fr = await read(id, { 'accept-language': 'fr' });
    expect(fr.targets.en.warnings).toContain('pseudo-localisation : cette cible est une sortie de test, pas une traduction');
    expect(fr.targets.en.warnings).toHaveLength(en.targets.en.warnings.length);
  });
});
