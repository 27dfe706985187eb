/**
 * CMS integration on the real server (Redis, in-process workers, pseudo
 * provider): the translated article alone through the API and the CLI.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { runCli } from '../helpers.js';
import { Redis } from 'ioredis';
import { cleanPrefix, hookReceiverForTests, REDIS_URL, stackForTests, testConfig, waitFor } from '../queue/helpers.js';
import { bodyDigest, IdempotencyKeys } from '../../server/idempotency.js';

const config = testConfig({ webhookAllowPrivate: true });
const stack = stackForTests({ config, listen: true, workers: 4 });
const dir = mkdtempSync(join(tmpdir(), 'lf-cms-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function submit(payload: object): Promise<string> {
  const res = await stack.app.inject({ method: 'POST', url: '/v1/jobs', payload });
  expect(res.statusCode).toBe(202);
  return res.json().id as string;
}

async function completed(id: string): Promise<void> {
  await waitFor(async () => {
    const s = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status as string;
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
      const res = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document&target=es` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(String(res.headers['content-disposition'])).toContain(`${id}.es.${ext}`);
      // Pseudo-localised text is bracketed: the Spanish document, not the French source.
      expect(res.body).toContain('[');
      expect(res.body).not.toContain('Un article sur la ville de Lyon et ses habitants.');
      if (format === 'html') expect(res.body).toMatch(/^<!DOCTYPE html>/);
      const source = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document&target=fr` });
      expect(source.body).toContain('Un article sur la');
    });
  }

  it('refuses a language the job lacks, and a missing target where several exist, with {error:{code,message}}', async () => {
    const id = await submit({ text: 'Un autre article sur la ville de Lyon.', sourceLang: 'fr', targets: ['es', 'en'], provider: 'pseudo' });
    await completed(id);
    const unknown = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document&target=de` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'unknown-target' });
    expect(unknown.json().error.message).toContain('de');
    const missing = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=document` });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('target-required');
  });

  it('locflow download --format document --target es writes the Spanish article', async () => {
    const id = await submit({ text: '# Titre\n\nLa ville de Lyon accueille un festival cette semaine.\n', sourceLang: 'fr', targets: ['es', 'vi'], provider: 'pseudo' });
    await completed(id);
    const out = join(dir, 'es.md');
    const r = await runCli(['download', id, '--format', 'document', '--target', 'es', '--out', out, '--server', stack.base], { env: { LOCFLOW_TOKEN: '' } });
    expect(r.code, r.stderr).toBe(0);
    const body = readFileSync(out, 'utf8');
    expect(body.startsWith('# ')).toBe(true);
    expect(body).toContain('[');
    expect(body).not.toContain('La ville de Lyon accueille un festival cette semaine.');
  });
});

describe('job list filters: status, lang, q', () => {
  let fr: string;
  let de: string;
  let cancelled: string;
  const tag = `zq${Date.now().toString(36)}`;

  beforeAll(async () => {
    fr = await submit({ text: `Le marché de ${tag} rouvre ses portes ce matin.`, sourceLang: 'fr', targets: ['vi'], provider: 'pseudo' });
    de = await submit({ text: 'Der Markt öffnet heute wieder.', title: `Dossier ${tag.toUpperCase()} Markt`, sourceLang: 'de', targets: ['it'], provider: 'pseudo' });
    await completed(fr);
    await completed(de);
    // A job the workers never see: its flow is removed before it runs.
    cancelled = await submit({ text: 'Une annonce qui ne sera jamais traduite, finalement.', sourceLang: 'fr', targets: ['ja'], provider: 'pseudo' });
    const del = await stack.app.inject({ method: 'DELETE', url: `/v1/jobs/${cancelled}` });
    if (del.statusCode !== 200) cancelled = '';
  });

  const list = async (query: string) => {
    const res = await stack.app.inject({ method: 'GET', url: `/v1/jobs?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { jobs: { id: string; status: string; sourceLang: string }[]; total: number; limit: number; offset: number };
  };

  it('status keeps only jobs in that state', async () => {
    const done = await list('status=completed&limit=200');
    expect(done.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([fr, de]));
    expect(done.jobs.every((j) => j.status === 'completed')).toBe(true);
    expect(done.total).toBe(done.jobs.length);
    if (cancelled) {
      const c = await list('status=cancelled');
      expect(c.jobs.map((j) => j.id)).toEqual([cancelled]);
      expect(done.jobs.map((j) => j.id)).not.toContain(cancelled);
    }
  });

  it('lang matches the source or a target language', async () => {
    expect((await list('lang=de')).jobs.map((j) => j.id)).toEqual([de]);
    expect((await list('lang=IT')).jobs.map((j) => j.id)).toEqual([de]);
    const vi = (await list('lang=vi')).jobs.map((j) => j.id);
    expect(vi).toContain(fr);
    expect(vi).not.toContain(de);
  });

  it('q is a case-insensitive part of the title, or of the opening words of an untitled job', async () => {
    const both = await list(`q=${tag.toUpperCase()}`);
    expect(both.jobs.map((j) => j.id).sort()).toEqual([fr, de].sort());
    expect(both.total).toBe(2);
    expect((await list(`q=${tag}&lang=fr`)).jobs.map((j) => j.id)).toEqual([fr]);
    expect((await list(`q=${encodeURIComponent('dossier ' + tag)}`)).jobs.map((j) => j.id)).toEqual([de]);
    expect((await list('q=nothing-has-this-in-it')).total).toBe(0);
  });

  it('pages the filtered list with limit and offset', async () => {
    const first = await list(`q=${tag}&limit=1`);
    const second = await list(`q=${tag}&limit=1&offset=1`);
    expect(first.total).toBe(2);
    expect(second.total).toBe(2);
    expect(first.jobs).toHaveLength(1);
    expect(second.jobs).toHaveLength(1);
    // Newest first: the German job was submitted second.
    expect([first.jobs[0]!.id, second.jobs[0]!.id]).toEqual([de, fr]);
  });

  it('refuses an unknown status with 400 unknown-status', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/v1/jobs?status=done' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('unknown-status');
    expect(res.json().error.message).toContain('completed');
  });
});

describe('webhooks: cancelled, and bundleUrl in every payload', () => {
  const receiver = hookReceiverForTests();
  const hooks = receiver.hooks;
  // Its own prefix, and no workers until the job is cancelled: the job cannot finish first.
  const idle = testConfig({ webhookAllowPrivate: true }, { LOCFLOW_PUBLIC_URL: 'https://l10n.example.com/' });
  let api: FastifyInstance;
  let late: RunningWorkers | undefined;

  beforeAll(async () => {
    api = await buildServer({ config: idle, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
  });

  afterAll(async () => {
    await late?.close();
    await api?.close();
    await cleanPrefix(idle.prefix);
  });

  it('DELETE sends job.cancelled with an absolute bundleUrl from LOCFLOW_PUBLIC_URL', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/jobs', payload: { text: 'Une dépêche que personne ne lira.', sourceLang: 'fr', targets: ['es'], provider: 'pseudo', webhookUrl: receiver.url } });
    const id = res.json().id as string;
    expect((await api.inject({ method: 'DELETE', url: `/v1/jobs/${id}` })).statusCode).toBe(200);
    late = await startWorkers({ config: idle, concurrency: 1 });
    const hook = (await waitFor(async () => hooks.find((h) => h.event === 'job.cancelled'), 'the cancelled webhook', 30_000)).json();
    expect(hook).toMatchObject({ event: 'job.cancelled', bundleUrl: `https://l10n.example.com/v1/jobs/${id}/bundle` });
    expect((hook.job as { id: string; status: string })).toMatchObject({ id, status: 'cancelled' });
  });

  it('job.completed carries bundleUrl too, from the server address when LOCFLOW_PUBLIC_URL is unset', async () => {
    const own = testConfig({ webhookAllowPrivate: true });
    expect(own.publicUrl).toBe(`http://localhost:${process.env.PORT?.trim() || '3000'}`);
    const id = await submit({ text: 'La ville de Lyon inaugure une passerelle.', sourceLang: 'fr', targets: ['es'], provider: 'pseudo', webhookUrl: receiver.url });
    await completed(id);
    const hook = (await waitFor(async () => hooks.find((h) => h.event === 'job.completed' && (h.json().job as { id: string }).id === id), 'the completed webhook', 30_000)).json();
    expect(hook.bundleUrl).toBe(`${config.publicUrl}/v1/jobs/${id}/bundle`);
    expect(String(hook.bundleUrl)).toMatch(/^http:\/\/[^/]+\/v1\/jobs\//);
  });
});

describe('CORS from LOCFLOW_CORS_ORIGINS', () => {
  let secured: FastifyInstance;
  const CMS = 'https://cms.example.com';
  beforeAll(async () => {
    secured = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_CORS_ORIGINS: `${CMS}, https://desk.example.org` }, auth: parseTokens('sub-token:submitter') });
  });
  afterAll(async () => secured?.close());

  const preflight = (origin: string) =>
    secured.inject({
      method: 'OPTIONS',
      url: '/v1/jobs',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
    });

  it('answers a preflight from an allowed origin, without a token', async () => {
    const res = await preflight(CMS);
    expect(res.statusCode).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe(CMS);
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('idempotency-key');
    const get = await secured.inject({ method: 'GET', url: '/v1/jobs', headers: { origin: 'https://desk.example.org', authorization: 'Bearer sub-token' } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe('https://desk.example.org');
    expect(String(get.headers['access-control-expose-headers'])).toContain('x-request-id');
  });

  it('gives another origin no CORS header', async () => {
    const res = await preflight('https://evil.example.net');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await secured.inject({ method: 'GET', url: '/v1/jobs', headers: { origin: 'https://evil.example.net', authorization: 'Bearer sub-token' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Idempotency-Key on POST /v1/jobs', () => {
  const post = (key: string, payload: object, token?: string, on = stack.app) =>
    on.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { 'idempotency-key': key, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const body = { text: 'Le conseil municipal vote le budget ce soir.', sourceLang: 'fr', targets: ['es'], provider: 'pseudo' };

  it('the same key and body give the same job; the key is kept 24 h under the prefix', async () => {
    const key = `k-${Date.now()}`;
    const first = await post(key, body);
    expect(first.statusCode).toBe(202);
    // The keys of the body in another order are the same body.
    const again = await post(key, { provider: 'pseudo', targets: ['es'], sourceLang: 'fr', text: body.text });
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${config.prefix}:idem:*`);
      expect(keys.length).toBeGreaterThan(0);
      const ttl = await redis.ttl(keys[0]!);
      expect(ttl).toBeGreaterThan(23 * 3600);
      expect(ttl).toBeLessThanOrEqual(24 * 3600);
    } finally {
      redis.disconnect();
    }
  });

  it('the same key with another body is 422 idempotency-key-reused, and makes no job', async () => {
    const key = `k2-${Date.now()}`;
    expect((await post(key, body)).statusCode).toBe(202);
    const before = (await stack.app.inject({ method: 'GET', url: '/v1/jobs' })).json().total as number;
    const other = await post(key, { ...body, text: 'Un tout autre article, sur le sport.' });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('idempotency-key-reused');
    expect(other.json().error.message).toContain(key);
    expect((await stack.app.inject({ method: 'GET', url: '/v1/jobs' })).json().total).toBe(before);
    const bad = await post('has space', body);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('bad-idempotency-key');
  });

  it('keys are per token owner: another owner may use the same key for its own article', async () => {
    const secured = await buildServer({ config, logger: false, auth: parseTokens('alice-token:submitter,bob-token:submitter') });
    try {
      const a = await post('shared-key', body, 'alice-token', secured);
      const b = await post('shared-key', { ...body, text: 'Bob écrit sur autre chose.' }, 'bob-token', secured);
      expect(a.statusCode).toBe(202);
      expect(b.statusCode, b.body).toBe(202);
      expect(b.json().id).not.toBe(a.json().id);
      const retry = await post('shared-key', body, 'alice-token', secured);
      expect([retry.json().id, retry.headers['idempotent-replayed']]).toEqual([a.json().id, 'true']);
      // The list filters keep ownership: a submitter finds only its own jobs, whatever it searches for.
      const search = async (token: string, q: string) =>
        (await secured.inject({ method: 'GET', url: `/v1/jobs?q=${encodeURIComponent(q)}`, headers: { authorization: `Bearer ${token}` } })).json() as { jobs: { id: string }[]; total: number };
      expect((await search('alice-token', 'Bob écrit')).total).toBe(0);
      expect((await search('bob-token', 'Bob écrit')).jobs.map((j) => j.id)).toEqual([b.json().id]);
    } finally {
      await secured.close();
    }
  });

  /** Real concurrent HTTP requests (not inject, which the test would run one after another in effect). */
  const race = (key: string, bodies: object[]) =>
    Promise.all(
      bodies.map(async (b) => {
        const res = await fetch(`${stack.base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(b) });
        return { status: res.status, replayed: res.headers.get('idempotent-replayed'), retryAfter: res.headers.get('retry-after'), json: (await res.json()) as { id?: string; error?: { code: string } } };
      }),
    );
  const total = async () => (await stack.app.inject({ method: 'GET', url: '/v1/jobs' })).json().total as number;

  it('concurrent requests with one key and different bodies make exactly one job; the others are refused', async () => {
    const key = `race-diff-${Date.now()}`;
    const before = await total();
    const bodies = Array.from({ length: 6 }, (_, i) => ({ ...body, text: `Article numéro ${i} sur le conseil municipal de Lyon, envoyé en même temps.` }));
    const answers = await race(key, bodies);
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted, JSON.stringify(answers)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 202)) expect([a.status, a.json.error?.code]).toEqual([422, 'idempotency-key-reused']);
    expect(await total()).toBe(before + 1);
  });

  it('concurrent requests with one key and the same body make exactly one job; the others get 409 in flight or the same job', async () => {
    const key = `race-same-${Date.now()}`;
    const before = await total();
    const same = { ...body, text: `Un article envoyé six fois à la fois (${key}).` };
    const answers = await race(key, Array.from({ length: 6 }, () => same));
    const fresh = answers.filter((a) => a.status === 202 && a.replayed !== 'true');
    expect(fresh, JSON.stringify(answers)).toHaveLength(1);
    const id = fresh[0]!.json.id;
    for (const a of answers) {
      if (a.status === 409) expect([a.json.error?.code, a.retryAfter]).toEqual(['idempotency-key-in-flight', '1']);
      else expect([a.status, a.json.id]).toEqual([202, id]);
    }
    expect(await total()).toBe(before + 1);
    // Once the first is done, a retry gets its job.
    const [retry] = await race(key, [same]);
    expect([retry!.status, retry!.replayed, retry!.json.id]).toEqual([202, 'true', id]);
  });

  it('a key whose request is still running is 409 idempotency-key-in-flight (fr, vi too), with Retry-After', async () => {
    const key = `held-${Date.now()}`;
    const redis = new Redis(REDIS_URL);
    onTestFinished(() => redis.disconnect());
    const keys = new IdempotencyKeys(redis, config.prefix);
    const held = await keys.reserve(undefined, key, bodyDigest(body));
    expect(held.kind).toBe('reserved');
    const res = await stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: body, headers: { 'idempotency-key': key, 'accept-language': 'fr' } });
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().error.code).toBe('idempotency-key-in-flight');
    expect(res.json().error.message).toContain('encore en cours');
    const vi = await stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: body, headers: { 'idempotency-key': key, 'accept-language': 'vi' } });
    expect(vi.json().error.message).toContain('vẫn đang được xử lý');
    // The same key with another body while in flight is still a reused key.
    const other = await stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: { ...body, text: 'Autre chose.' }, headers: { 'idempotency-key': key } });
    expect([other.statusCode, other.json().error.code]).toEqual([422, 'idempotency-key-reused']);
    await keys.release(undefined, key, (held as { token: string }).token, bodyDigest(body));
    expect((await stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: body, headers: { 'idempotency-key': key } })).statusCode).toBe(202);
  });

  it('a refused submission frees its key: the corrected request with the same key is accepted', async () => {
    const key = `refused-${Date.now()}`;
    const bad = await post(key, { ...body, targets: ['fr'] });
    expect(bad.statusCode).toBeGreaterThanOrEqual(400);
    expect(bad.statusCode).toBeLessThan(500);
    const good = await post(key, body);
    expect(good.statusCode, good.body).toBe(202);
    expect(good.headers['idempotent-replayed']).toBeUndefined();
  });
});
