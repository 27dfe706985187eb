/**
 * The API the web page adds: recent jobs, detection before submitting, who is
 * signed in, and the session cookie (with its same-origin rule and the queue
 * dashboard it unlocks). Real Redis, private prefix, no workers needed.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { SAMPLE_FR } from '../helpers.js';
import { cleanPrefix, REDIS_URL, testConfig } from '../queue/helpers.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');
const config = testConfig();
const TOKENS = 'sub-secret:submitter,rev-secret:reviewer,adm-secret:admin';
let open: FastifyInstance;
let guarded: FastifyInstance;

beforeAll(async () => {
  open = await buildServer({ config, logger: false, auth: parseTokens('') });
  guarded = await buildServer({ config, logger: false, auth: parseTokens(TOKENS) });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await cleanPrefix(config.prefix);
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** Signs in with `token` and returns the Cookie header the browser would send. */
async function signIn(token: string, app = guarded): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
  expect(res.statusCode, res.body).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe('GET /v1/jobs', () => {
  it('lists recent jobs newest first, pages them, and drops expired records', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await open.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `${sample}\n\nParagraphe ${i}.`, targets: ['en'], provider: 'pseudo', title: `Article ${i}` } });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const all = await open.inject({ url: '/v1/jobs' });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.total).toBe(3);
    expect(body.jobs.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());
    expect(body.jobs[0]).toMatchObject({ title: 'Article 2', sourceLang: 'fr', status: 'queued', targets: { en: { status: 'queued' } } });

    const page = (await open.inject({ url: '/v1/jobs?limit=1&offset=1' })).json();
    expect(page.jobs.map((j: { id: string }) => j.id)).toEqual([ids[1]]);
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });

    // A record that expired leaves the list (and the index) the next time it is read.
    const redis = new Redis(REDIS_URL);
    await redis.del(`${config.prefix}:job:${ids[0]}`);
    const after = (await open.inject({ url: '/v1/jobs' })).json();
    expect(after.jobs.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect(after.total).toBe(2);
    expect(await redis.zscore(`${config.prefix}:jobs`, ids[0]!)).toBeNull();
    redis.disconnect();
  });

  it('names untitled jobs by their opening words, cut at a word', async () => {
    const submit = async (payload: Record<string, unknown>) => (await open.inject({ method: 'POST', url: '/v1/jobs', payload: { targets: ['en'], provider: 'pseudo', ...payload } })).json().id as string;
    const long = await submit({ text: sample });
    const short = await submit({ text: 'Le conseil municipal a voté le budget.\n\nLa séance a duré trois heures.' });
    const titled = await submit({ text: 'Le conseil municipal a voté le budget des écoles.', title: 'Budget' });
    const jobs = (await open.inject({ url: '/v1/jobs?limit=200' })).json().jobs as { id: string; title?: string; excerpt?: string }[];
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const opening = sample.trim().split('\n')[0]!;
    const excerpt = byId.get(long)!.excerpt!;
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(101);
    // Cut between words, never inside one.
    expect(opening.startsWith(excerpt.slice(0, -1))).toBe(true);
    expect(opening[excerpt.length - 1]).toMatch(/[\s,;:.]/);
    expect(byId.get(short)!.excerpt).toBe('Le conseil municipal a voté le budget.');
    expect(byId.get(titled)).toMatchObject({ title: 'Budget' });
    expect(byId.get(titled)!.excerpt).toBeUndefined();
  });

  it('refuses bad paging with a 400 and anonymous callers with a 401', async () => {
    for (const q of ['limit=0', 'limit=201', 'offset=-1', 'limit=abc']) {
      const res = await open.inject({ url: `/v1/jobs?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('invalid-request');
    }
    expect((await guarded.inject({ url: '/v1/jobs' })).statusCode).toBe(401);
    expect((await guarded.inject({ url: '/v1/jobs', headers: bearer('sub-secret') })).statusCode).toBe(200);
  });
});

describe('POST /v1/detect', () => {
  it('detects the sample as French and a Vietnamese text as Vietnamese', async () => {
    const fr = await open.inject({ method: 'POST', url: '/v1/detect', payload: { text: sample } });
    expect(fr.statusCode).toBe(200);
    expect(fr.json().lang).toBe('fr');
    expect(fr.json().confidence).toBeGreaterThan(0.9);
    expect(fr.json().format).toBe('text');
    const vi = await open.inject({ method: 'POST', url: '/v1/detect', payload: { text: 'Công ty khởi nghiệp Trung Quốc đã gây bất ngờ cho ngành trí tuệ nhân tạo toàn cầu với mô hình mã nguồn mở.' } });
    expect(vi.json().lang).toBe('vi');
  });

  it('reads HTML as a submission would: markup is not language', async () => {
    const html = '<html><body><h1>Le modèle</h1><p>La startup chinoise a lancé deux modèles d’intelligence artificielle de pointe cette semaine.</p></body></html>';
    const res = await open.inject({ method: 'POST', url: '/v1/detect', payload: { text: html, format: 'html' } });
    expect(res.json()).toMatchObject({ lang: 'fr', format: 'html' });
  });

  it('answers und for text without language, 4xx for bad input', async () => {
    expect((await open.inject({ method: 'POST', url: '/v1/detect', payload: { text: '12 345 678' } })).json().lang).toBe('und');
    for (const payload of [{}, { text: '' }, { text: 'x', format: 'pdf' }, { text: 'x', extra: 1 }]) {
      const res = await open.inject({ method: 'POST', url: '/v1/detect', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBeTruthy();
    }
    const blank = await open.inject({ method: 'POST', url: '/v1/detect', payload: { text: '   \n  ' } });
    expect(blank.statusCode).toBeGreaterThanOrEqual(400);
    expect(blank.statusCode).toBeLessThan(500);
    expect((await guarded.inject({ method: 'POST', url: '/v1/detect', payload: { text: sample } })).statusCode).toBe(401);
  });
});

describe('GET /v1/me and the session cookie', () => {
  it('says admin in open mode and the token role otherwise', async () => {
    expect((await open.inject({ url: '/v1/me' })).json()).toEqual({ role: 'admin', name: 'local', open: true });
    expect((await guarded.inject({ url: '/v1/me' })).statusCode).toBe(401);
    expect((await guarded.inject({ url: '/v1/me', headers: bearer('nope') })).statusCode).toBe(401);
    expect((await guarded.inject({ url: '/v1/me', headers: bearer('rev-secret') })).json()).toMatchObject({ role: 'reviewer', open: false });
  });

  it('signs in with a valid token only, into an HttpOnly SameSite=Strict cookie that holds a session id, not the token', async () => {
    const bad = await guarded.inject({ method: 'POST', url: '/v1/session', payload: { token: 'wrong' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    expect((await guarded.inject({ method: 'POST', url: '/v1/session', payload: {} })).statusCode).toBe(400);

    const ok = await guarded.inject({ method: 'POST', url: '/v1/session', payload: { token: 'rev-secret' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ role: 'reviewer' });
    const set = String(ok.headers['set-cookie']);
    expect(set).toMatch(/^locflow_session=[A-Za-z0-9_-]{43};/);
    expect(set).not.toContain('rev-secret');
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\//);
    // Plain HTTP: a Secure cookie would never come back.
    expect(set).not.toMatch(/Secure/i);
    // The session lives in Redis with a TTL, keyed by a hash of the id (the id itself is nowhere in Redis).
    const id = set.split(';')[0]!.split('=')[1]!;
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${config.prefix.replace(/[{}]/g, (c) => `\\${c}`)}:session:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        expect(k).not.toContain(id);
        const ttl = await redis.ttl(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(12 * 3600);
        expect(await redis.get(k)).not.toContain('rev-secret');
      }
    } finally {
      redis.disconnect();
    }
    // The raw token as a cookie is no session.
    expect((await guarded.inject({ url: '/v1/me', headers: { cookie: 'locflow_session=rev-secret' } })).statusCode).toBe(401);
  });

  it('sets Secure when the request came over HTTPS through a trusted proxy', async () => {
    const proxied = await buildServer({ config, logger: false, auth: parseTokens(TOKENS), env: { ...process.env, LOCFLOW_TRUST_PROXY: '127.0.0.1' } });
    try {
      const res = await proxied.inject({ method: 'POST', url: '/v1/session', payload: { token: 'rev-secret' }, headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '127.0.0.1' });
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure/i);
      // From an address that is not the proxy, the header is not believed.
      const direct = await proxied.inject({ method: 'POST', url: '/v1/session', payload: { token: 'rev-secret' }, headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '198.51.100.7' });
      expect(String(direct.headers['set-cookie'])).not.toMatch(/Secure/i);
    } finally {
      await proxied.close();
    }
  });

  it('accepts the cookie for reads, and for writes only from the same origin', async () => {
    const cookie = await signIn('sub-secret');
    expect((await guarded.inject({ url: '/v1/me', headers: { cookie } })).json().role).toBe('submitter');
    const payload = { text: sample, targets: ['vi'], provider: 'pseudo' };
    const noOrigin = await guarded.inject({ method: 'POST', url: '/v1/jobs', headers: { cookie }, payload });
    expect(noOrigin.statusCode).toBe(401);
    const crossSite = await guarded.inject({ method: 'POST', url: '/v1/jobs', headers: { cookie, 'sec-fetch-site': 'same-site', origin: 'http://localhost:9999' }, payload });
    expect(crossSite.statusCode).toBe(401);
    const otherPort = await guarded.inject({ method: 'POST', url: '/v1/jobs', headers: { cookie, origin: 'http://localhost:9999', host: 'localhost:3000' }, payload });
    expect(otherPort.statusCode).toBe(401);
    const same = await guarded.inject({ method: 'POST', url: '/v1/jobs', headers: { cookie, origin: 'http://localhost:3000', host: 'localhost:3000' }, payload });
    expect(same.statusCode).toBe(202);
    const fetchMeta = await guarded.inject({ method: 'POST', url: '/v1/detect', headers: { cookie, 'sec-fetch-site': 'same-origin' }, payload: { text: sample } });
    expect(fetchMeta.statusCode).toBe(200);
  });

  it('opens the queue dashboard to an admin cookie, not to a reviewer one', async () => {
    expect((await guarded.inject({ url: '/admin/queues' })).statusCode).toBe(401);
    expect((await guarded.inject({ url: '/admin/queues', headers: { cookie: await signIn('rev-secret') } })).statusCode).toBe(403);
    const admin = await guarded.inject({ url: '/admin/queues', headers: { cookie: await signIn('adm-secret') } });
    expect(admin.statusCode).toBe(200);
    expect(admin.headers['content-type']).toContain('text/html');
  });

  it('signs out by deleting the session: the old cookie, replayed, no longer works', async () => {
    const cookie = await signIn('rev-secret');
    expect((await guarded.inject({ url: '/v1/me', headers: { cookie } })).statusCode).toBe(200);
    const res = await guarded.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie, origin: 'http://localhost:3000', host: 'localhost:3000' } });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/locflow_session=;.*Max-Age=0/i);
    expect((await guarded.inject({ url: '/v1/me', headers: { cookie } })).statusCode).toBe(401);
  });
});
