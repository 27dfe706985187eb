/**
 * Requests a careless or hostile client sends: broken URLs, compressed or
 * mis-encoded bodies, glossary files in UTF-16. Every answer is a 4xx with
 * {error:{code,message}}, and nothing is half-accepted: a body whose bytes
 * cannot be read as the text it claims to be creates no job and imports no term.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openApiForTests } from '../queue/helpers.js';

const api = openApiForTests();

const ARTICLE = 'Le modèle français de DeepSeek est très rapide, disent les chercheurs à Paris.';

function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof parsed.error?.code, body).toBe('string');
  expect(typeof parsed.error?.message, body).toBe('string');
  return parsed.error as { code: string; message: string };
}

async function jobCount(): Promise<number> {
  const r = await api.app.inject({ method: 'GET', url: '/v1/jobs' });
  return (JSON.parse(r.body) as { jobs: unknown[] }).jobs.length;
}

describe('URLs that cannot be decoded', () => {
  it('answers a broken percent-escape with the error shape every other refusal has', async () => {
    for (const url of ['/v1/jobs/%E0%A4%A', '/v1/glossary/terms/%ZZ', '/%']) {
      const r = await api.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      const e = errorOf(r.body);
      expect(e.code).toBe('bad-url');
      expect(e.message).toContain('percent-encoded');
    }
  });

  it('says it in the caller\'s language', async () => {
    const r = await api.app.inject({ method: 'GET', url: '/v1/jobs/%ZZ', headers: { 'accept-language': 'fr' } });
    expect(errorOf(r.body).message).toMatch(/URL/);
    expect(errorOf(r.body).message).not.toContain('percent-encoded');
  });
});

describe('compressed request bodies', () => {
  it('refuses gzip with 415 naming Content-Encoding, not as malformed JSON', async () => {
    const before = await jobCount();
    const r = await api.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ text: ARTICLE, targets: ['es'], provider: 'pseudo' })),
    });
    expect(r.statusCode).toBe(415);
    const e = errorOf(r.body);
    expect(e.code).toBe('unsupported-content-encoding');
    expect(e.message).toContain('gzip');
    expect(await jobCount()).toBe(before);
  });

  it('refuses a gzip glossary import and leaves the glossary as it was', async () => {
    const version = (await api.app.inject({ method: 'GET', url: '/v1/glossary/version' })).json().version;
    const r = await api.app.inject({
      method: 'POST',
      url: '/v1/glossary/import?format=csv',
      headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' },
      payload: gzipSync('term,lang,kind\nZZGPU,fr,keep\n'),
    });
    expect(r.statusCode).toBe(415);
    expect(errorOf(r.body).code).toBe('unsupported-content-encoding');
    expect((await api.app.inject({ method: 'GET', url: '/v1/glossary/version' })).json().version).toBe(version);
  });

  it('still takes Content-Encoding: identity', async () => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, payload: JSON.stringify({ text: ARTICLE }) });
    expect(r.statusCode, r.body).toBe(200);
  });
});

describe('JSON bodies that are not UTF-8', () => {
  it('refuses bytes that are not UTF-8 instead of turning é into U+FFFD', async () => {
    const before = await jobCount();
    const body = Buffer.from(JSON.stringify({ text: ARTICLE, targets: ['es'], provider: 'pseudo' }), 'latin1');
    const r = await api.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: body });
    expect(r.statusCode, r.body).toBe(415);
    const e = errorOf(r.body);
    expect(e.code).toBe('invalid-encoding');
    expect(e.message).toMatch(/0xe8/);
    expect(await jobCount()).toBe(before);
  });

  it('reads a body in the charset its Content-Type declares', async () => {
    const body = Buffer.from(JSON.stringify({ term: 'Zoé-modèle', lang: 'fr', kind: 'keep' }), 'latin1');
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: { 'content-type': 'application/json; charset=ISO-8859-1' }, payload: body });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().term).toBe('Zoé-modèle');
  });

  it('refuses a charset it does not know', async () => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'application/json; charset=klingon' }, payload: JSON.stringify({ text: ARTICLE }) });
    expect(r.statusCode).toBe(415);
    const e = errorOf(r.body);
    expect(e.code).toBe('unsupported-charset');
    expect(e.message).toContain('klingon');
  });
});

describe('glossary import encodings', () => {
  const tbx = (term: string) =>
    `<?xml version="1.0" encoding="UTF-16"?><tbx type="TBX-Basic" style="dca" xml:lang="fr" xmlns="urn:iso:std:iso:30042:ed-2"><tbxHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></tbxHeader><text><body><conceptEntry id="c1"><langSec xml:lang="fr"><termSec><term>${term}</term></termSec></langSec></conceptEntry></body></text></tbx>`;

  it('imports a UTF-16 TBX file that starts with a byte-order mark', async () => {
    const payload = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(tbx('Zébulon NPU'), 'utf16le')]);
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/import?format=tbx', headers: { 'content-type': 'application/x-tbx+xml' }, payload });
    expect(r.statusCode, r.body).toBe(200);
    const list = await api.app.inject({ method: 'GET', url: `/v1/glossary/terms?q=${encodeURIComponent('Zébulon')}` });
    expect(list.json().terms.map((t: { term: string }) => t.term)).toContain('Zébulon NPU');
  });

  it('refuses a Latin-1 CSV with invalid-encoding and imports nothing', async () => {
    const version = (await api.app.inject({ method: 'GET', url: '/v1/glossary/version' })).json().version;
    const r = await api.app.inject({
      method: 'POST',
      url: '/v1/glossary/import?format=csv',
      headers: { 'content-type': 'text/csv' },
      payload: Buffer.from('term,lang,kind\nmodèle ouvert,fr,keep\n', 'latin1'),
    });
    expect(r.statusCode).toBe(415);
    expect(errorOf(r.body).code).toBe('invalid-encoding');
    expect((await api.app.inject({ method: 'GET', url: '/v1/glossary/version' })).json().version).toBe(version);
    const list = await api.app.inject({ method: 'GET', url: '/v1/glossary/terms?q=ouvert' });
    expect(list.json().terms).toEqual([]);
  });
});

describe('deeply nested HTML through the API', () => {
  const deep = `${'<div>'.repeat(30_000)}<p>${ARTICLE}</p>${'</div>'.repeat(30_000)}`;

  it('detect answers 422 input-too-deep, not 500', async () => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/detect', payload: { text: deep, format: 'html' } });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).code).toBe('input-too-deep');
  });

  it('a job is refused at submission and none is created', async () => {
    const before = await jobCount();
    const r = await api.app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: deep, format: 'html', targets: ['es'], provider: 'pseudo' } });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).code).toBe('input-too-deep');
    expect(await jobCount()).toBe(before);
  });
});
