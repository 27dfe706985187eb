import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { GlossaryStore } from '../../glossary/store.js';
import type { Term } from '../../pipeline/model.js';
import { bearer, buildApp, redisEnv, TOKENS } from './helpers.js';

const env = redisEnv();
afterAll(() => env.cleanup());

let store: GlossaryStore;
let app: FastifyInstance;
beforeEach(async () => {
  store = env.open();
  app = await buildApp(store);
});

const gpu = { term: 'GPU', lang: 'fr', kind: 'keep', variants: ['GPUs'] };

async function propose(body: object, token = TOKENS.submitter): Promise<Term> {
  const res = await app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: bearer(token), payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Term;
}

describe('review workflow over HTTP', () => {
  it('answers 401 without a token and 403 when a submitter approves; a reviewer approves', async () => {
    const t = await propose(gpu);
    expect(t.status).toBe('proposed');

    const none = await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/approve` });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthorized');

    const sub = await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/approve`, headers: bearer(TOKENS.submitter) });
    expect(sub.statusCode).toBe(403);
    expect(sub.json().error.code).toBe('forbidden');
    expect((await store.get(t.id))!.status).toBe('proposed');

    const rev = await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/approve`, headers: bearer(TOKENS.reviewer), payload: { comment: 'standard acronym' } });
    expect(rev.statusCode, rev.body).toBe(200);
    expect(rev.json().term.status).toBe('approved');
  });

  it('records every step in history with its actor', async () => {
    const t = await propose({ term: 'open source', lang: 'fr', kind: 'translate', translations: { en: 'open source' } });
    const edit = await app.inject({ method: 'PATCH', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.submitter), payload: { translations: { en: 'open source', vi: 'mã nguồn mở' } } });
    expect(edit.statusCode, edit.body).toBe(200);
    await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/approve`, headers: bearer(TOKENS.reviewer) });
    await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/deprecate`, headers: bearer(TOKENS.admin) });
    const got = (await app.inject({ method: 'GET', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.submitter) })).json() as Term;
    expect(got.history!.map((h) => [h.action, h.by])).toEqual([
      ['propose', 'submitter#1'],
      ['edit', 'submitter#1'],
      ['approve', 'reviewer#3'],
      ['deprecate', 'admin#4'],
    ]);
    expect(got.history![1]!.changes!.translations).toEqual([{ en: 'open source' }, { en: 'open source', vi: 'mã nguồn mở' }]);
    expect(got.history![2]!.changes!.status).toEqual(['proposed', 'approved']);
    for (const h of got.history!) expect(Number.isNaN(Date.parse(h.at))).toBe(false);
  });

  it('lets only the proposer or a reviewer edit a proposed term, and only a reviewer an approved one', async () => {
    const t = await propose(gpu);
    const other = await app.inject({ method: 'PATCH', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.submitter2), payload: { note: 'x' } });
    expect(other.statusCode).toBe(403);
    await store.review(t.id, 'approve', { role: 'reviewer', name: 'r' });
    const own = await app.inject({ method: 'PATCH', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.submitter), payload: { note: 'x' } });
    expect(own.statusCode).toBe(403);
    const rev = await app.inject({ method: 'PATCH', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.reviewer), payload: { note: 'graphics processor' } });
    expect(rev.statusCode).toBe(200);
    expect(rev.json().term.note).toBe('graphics processor');
  });

  it('lets a proposer withdraw their proposal; deleting an approved term needs a reviewer and moves the version', async () => {
    const mine = await propose({ term: 'NIM', lang: 'fr', kind: 'keep' });
    expect((await app.inject({ method: 'DELETE', url: `/v1/glossary/terms/${mine.id}`, headers: bearer(TOKENS.submitter2) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/v1/glossary/terms/${mine.id}`, headers: bearer(TOKENS.submitter) })).statusCode).toBe(204);
    expect(await store.get(mine.id)).toBeUndefined();

    const t = await propose(gpu);
    await store.review(t.id, 'approve', { role: 'reviewer', name: 'r' });
    const v = (await store.approvedTerms()).version;
    expect((await app.inject({ method: 'DELETE', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.submitter) })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.reviewer) })).statusCode).toBe(204);
    const after = await store.approvedTerms();
    expect(after.terms).toEqual([]);
    expect(after.version).not.toBe(v);
    expect((await app.inject({ method: 'DELETE', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.reviewer) })).statusCode).toBe(404);
  });

  it('refuses bad input with 4xx and {error:{code,message}}', async () => {
    const cases: [string, string, object | undefined, number][] = [
      ['POST', '/v1/glossary/terms', { term: 'GPU', lang: 'french', kind: 'keep' }, 422],
      ['POST', '/v1/glossary/terms', { term: 'IA', lang: 'fr', kind: 'translate' }, 422],
      ['POST', '/v1/glossary/terms', { term: 'GPU', lang: 'fr', kind: 'keep', history: [] }, 422],
      ['POST', '/v1/glossary/terms', { term: 'GPU', lang: 'fr', kind: 'keep', status: 'approved' }, 403],
      ['GET', '/v1/glossary/terms/t_nope', undefined, 404],
      ['POST', '/v1/glossary/terms/t_nope/approve', undefined, 404],
      ['GET', '/v1/glossary/terms?status=maybe', undefined, 400],
      ['GET', '/v1/glossary/terms?limit=-3', undefined, 400],
      ['GET', '/v1/glossary/export?format=docx', undefined, 400],
    ];
    for (const [method, url, payload, status] of cases) {
      const token = url.includes('approve') ? TOKENS.reviewer : TOKENS.submitter;
      const res = await app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url} ${res.body}`).toBe(status);
      const err = res.json().error;
      expect(typeof err.code).toBe('string');
      expect(err.message.length).toBeGreaterThan(5);
    }
  });

  it('answers 409 for an invalid transition and for a duplicate id', async () => {
    const t = await propose(gpu);
    const dep = await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/deprecate`, headers: bearer(TOKENS.reviewer) });
    expect(dep.statusCode).toBe(409);
    expect(dep.json().error.code).toBe('glossary-bad-transition');
    const again = await app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: bearer(TOKENS.submitter), payload: gpu });
    expect(again.statusCode).toBe(409);
  });

  it('filters and pages the list', async () => {
    await propose(gpu);
    await propose({ term: 'NIM', lang: 'fr', kind: 'keep', note: 'Nvidia Inference Microservices' });
    await propose({ term: 'open source', lang: 'fr', kind: 'translate', translations: { vi: 'mã nguồn mở' } });
    const get = async (qs: string) => (await app.inject({ method: 'GET', url: `/v1/glossary/terms?${qs}`, headers: bearer(TOKENS.submitter) })).json();
    expect((await get('kind=translate')).terms.map((t: Term) => t.term)).toEqual(['open source']);
    expect((await get('q=nvidia')).terms.map((t: Term) => t.term)).toEqual(['NIM']);
    expect((await get('q=nguồn')).total).toBe(1);
    expect((await get('status=approved')).total).toBe(0);
    const page = await get('limit=2&offset=1');
    expect(page.total).toBe(3);
    expect(page.terms).toHaveLength(2);
  });

  it('approvedTerms excludes proposed terms, includes them once approved, with a new version', async () => {
    const t = await propose(gpu);
    const before = await store.approvedTerms();
    expect(before.terms).toHaveLength(0);
    await app.inject({ method: 'POST', url: `/v1/glossary/terms/${t.id}/approve`, headers: bearer(TOKENS.reviewer) });
    const after = await store.approvedTerms();
    expect(after.terms.map((x) => x.term)).toEqual(['GPU']);
    expect(after.version).not.toBe(before.version);
    // Another process sees the same version.
    const other = env.open(store.prefix);
    expect((await other.approvedTerms()).version).toBe(after.version);
    // A proposal does not move the version; an edit to an approved term does.
    await propose({ term: 'NIM', lang: 'fr', kind: 'keep' });
    expect((await store.approvedTerms()).version).toBe(after.version);
    await store.update(t.id, { note: 'graphics' }, { role: 'reviewer', name: 'r' });
    expect((await store.approvedTerms()).version).not.toBe(after.version);
  });

  it('reports conflicts between approved terms and warns when approving', async () => {
    const r = { role: 'reviewer' as const, name: 'r' };
    const a = await store.create({ term: 'open source', lang: 'fr', kind: 'translate', translations: { es: 'código abierto' }, status: 'approved' }, r);
    const b = await store.create({ term: 'Open Source', lang: 'fr', kind: 'translate', translations: { es: 'fuente abierta' }, caseSensitive: false, id: 't_other' }, r);
    const res = await app.inject({ method: 'POST', url: `/v1/glossary/terms/${b.id}/approve`, headers: bearer(TOKENS.reviewer) });
    expect(res.statusCode).toBe(200);
    expect(res.json().warnings.map((w: { type: string }) => w.type)).toContain('contradiction');
    await store.create({ term: 'Google', lang: 'fr', kind: 'keep', status: 'approved' }, r);
    await store.create({ term: 'Google Brain', lang: 'fr', kind: 'keep', status: 'approved' }, r);
    const list = (await app.inject({ method: 'GET', url: '/v1/glossary/conflicts', headers: bearer(TOKENS.submitter) })).json().conflicts;
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'contradiction', terms: expect.arrayContaining([a.id, b.id]) }),
        expect.objectContaining({ type: 'overlap', forms: ['Google Brain', 'Google'] }),
      ]),
    );
  });

  it('bulk approves all or nothing', async () => {
    const a = await propose(gpu);
    const b = await propose({ term: 'NIM', lang: 'fr', kind: 'keep' });
    const bad = await app.inject({ method: 'POST', url: '/v1/glossary/bulk-approve', headers: bearer(TOKENS.reviewer), payload: { ids: [a.id, 't_missing'] } });
    expect(bad.statusCode).toBe(404);
    expect((await store.get(a.id))!.status).toBe('proposed');
    const sub = await app.inject({ method: 'POST', url: '/v1/glossary/bulk-approve', headers: bearer(TOKENS.submitter), payload: { ids: [a.id] } });
    expect(sub.statusCode).toBe(403);
    const ok = await app.inject({ method: 'POST', url: '/v1/glossary/bulk-approve', headers: bearer(TOKENS.reviewer), payload: { ids: [a.id, b.id] } });
    expect(ok.statusCode).toBe(200);
    expect((await store.approvedTerms()).terms).toHaveLength(2);
  });

  it('keeps concurrent edits from different processes', async () => {
    const other = env.open(store.prefix);
    const actor = { role: 'reviewer' as const, name: 'r' };
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).create({ term: `Term${i}`, lang: 'en', kind: 'keep', status: 'approved' }, actor)),
    );
    const { terms, version } = await store.approvedTerms();
    expect(terms).toHaveLength(12);
    const { glossaryVersion } = await import('../../pipeline/glossary/index.js');
    expect(version).toBe(glossaryVersion(terms));
  });
});
