/**
 * Glossary input that is valid JSON, YAML or XML but not usable text, and
 * term ids that collide with JavaScript's own object keys. Every refusal is a
 * 4xx that leaves the glossary as it was; every accepted term reads back and
 * exports exactly as it went in.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiForTests } from '../queue/helpers.js';

const api = openApiForTests();

interface Term {
  id: string;
  term: string;
  translations: Record<string, string>;
  frequency?: unknown;
  example?: unknown;
}

const version = async (): Promise<string> => (await api.app.inject({ method: 'GET', url: '/v1/glossary/version' })).json().version;
const termCount = async (): Promise<number> => (await api.app.inject({ method: 'GET', url: '/v1/glossary/terms?limit=1000' })).json().terms.length;

function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof parsed.error?.code, body).toBe('string');
  return parsed.error as { code: string; message: string };
}

describe('term ids that are names of Object.prototype', () => {
  const ids = ['constructor', 'hasOwnProperty', 'toString', '__proto__'];

  beforeAll(async () => {
    for (const id of ids) {
      const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/terms', payload: { id, term: `Proto${id.replace(/_/g, '')}`, lang: 'fr', kind: 'keep' } });
      expect(r.statusCode, r.body).toBe(201);
    }
  });

  it('list them without statistics borrowed from Object', async () => {
    const r = await api.app.inject({ method: 'GET', url: '/v1/glossary/terms?q=Proto' });
    expect(r.statusCode, r.body).toBe(200);
    const terms = r.json().terms as Term[];
    expect(terms.map((t) => t.id).sort()).toEqual([...ids].sort());
    for (const t of terms) {
      expect(t.frequency, t.id).toBeUndefined();
      expect(t.example, t.id).toBeUndefined();
    }
  });

  it.each(['csv', 'tsv', 'tbx', 'yaml'])('export as %s', async (format) => {
    const r = await api.app.inject({ method: 'GET', url: `/v1/glossary/export?format=${format}` });
    expect(r.statusCode, r.body).toBe(200);
    for (const id of ids) expect(r.body).toContain(id);
  });
});

describe('lone UTF-16 surrogates', () => {
  it.each([
    ['the term', { term: 'Zorg\ud800', lang: 'fr', kind: 'keep' }],
    ['a translation', { term: 'Zorgtrad', lang: 'fr', kind: 'translate', translations: { en: 'zorg\udc00' } }],
    ['a variant', { term: 'Zorgvar', lang: 'fr', kind: 'keep', variants: ['zorg\ud83d'] }],
    ['the note', { term: 'Zorgnote', lang: 'fr', kind: 'keep', note: 'see \ud800' }],
  ])('in %s: 422 glossary-invalid-term, not a 500 from Redis', async (_where, body) => {
    const before = await termCount();
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(r.statusCode, r.body).toBe(422);
    const e = errorOf(r.body);
    expect(e.code).toBe('glossary-invalid-term');
    expect(e.message).toContain('lone UTF-16 surrogate');
    expect(await termCount()).toBe(before);
  });

  it('in a YAML import, written as a \\ud800 escape', async () => {
    const v = await version();
    const before = await termCount();
    const r = await api.app.inject({
      method: 'POST',
      url: '/v1/glossary/import?format=yaml',
      headers: { 'content-type': 'application/yaml' },
      payload: 'terms:\n  - {term: Zorgok, lang: fr, kind: keep}\n  - {term: "Zorgyaml\\ud800", lang: fr, kind: keep}\n',
    });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).message).toMatch(/^import\.yaml:3: a lone UTF-16 surrogate/);
    expect(await version()).toBe(v);
    expect(await termCount()).toBe(before);
  });

  it('a real pair (an emoji) is still a character', async () => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/terms', payload: { term: 'Zorg🚀', lang: 'fr', kind: 'keep' } });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().term).toBe('Zorg🚀');
  });
});

describe('terms made only of invisible characters', () => {
  it.each([['zero-width joiner', '\u200d'], ['zero-width spaces', '\u200b\u200b'], ['bidi marks', '\u200f\u202e']])('%s: refused as empty', async (_what, term) => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/terms', payload: { term, lang: 'fr', kind: 'keep' } });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).message).toBe('term: term must not be empty');
  });
});

describe('TBX character references', () => {
  const tbx = (id: string, fr: string, en = 'open source') =>
    `<?xml version="1.0"?><tbx xml:lang="fr" xmlns="urn:iso:std:iso:30042:ed-2"><text><body><conceptEntry id="${id}"><langSec xml:lang="fr"><termSec><term>${fr}</term></termSec></langSec><langSec xml:lang="en"><termSec><term>${en}</term></termSec></langSec></conceptEntry></body></text></tbx>`;
  const importTbx = (body: string) => api.app.inject({ method: 'POST', url: '/v1/glossary/import?format=tbx', headers: { 'content-type': 'application/x-tbx+xml' }, payload: body });

  it('decodes numeric references the way every XML reader does', async () => {
    const r = await importTbx(tbx('ref1', 'mod&#232;le &#x2019;ouvert&#x2019;', 'open &#x1F680; &amp;#65;'));
    expect(r.statusCode, r.body).toBe(200);
    const t = (await api.app.inject({ method: 'GET', url: '/v1/glossary/terms/ref1' })).json() as Term;
    expect(t.term).toBe('modèle ’ouvert’');
    // &amp;#65; is the text "&#65;", not a second reference.
    expect(t.translations.en).toBe('open 🚀 &#65;');
  });

  it.each([
    ['a lone surrogate', '&#xD800;'],
    ['NUL', '&#0;'],
    ['a code point past Unicode', '&#x110000;'],
    ['an HTML entity without a DTD', '&nbsp;'],
  ])('refuses %s as not well-formed and imports nothing', async (_what, ref) => {
    const v = await version();
    const before = await termCount();
    const r = await importTbx(tbx('ref2', `Zorg${ref}x`));
    expect(r.statusCode, r.body).toBe(422);
    const e = errorOf(r.body);
    expect(e.code).toBe('glossary-bad-file');
    expect(e.message).toContain(`the TBX file is not well-formed XML: line 1: ${ref}`);
    expect(await version()).toBe(v);
    expect(await termCount()).toBe(before);
  });

  it('refuses a term with <hi> markup instead of keeping only the text before it', async () => {
    const before = await termCount();
    const r = await importTbx(tbx('ref3', 'Deep<hi>Seek</hi> R1'));
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).message).toBe('entry 1 (ref3): the term in fr has <hi> markup inside; write it as plain text');
    expect(await termCount()).toBe(before);
  });
});

describe('the same rules in a YAML import', () => {
  it('refuses an invisible term there too', async () => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/import?format=yaml', headers: { 'content-type': 'application/yaml' }, payload: 'terms:\n  - {term: "\\u200b", lang: fr, kind: keep}\n' });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).message).toBe('import.yaml:2: term 1 ("\u200b"): term must not be empty');
  });
});

describe('import query parameters', () => {
  const importCsv = (query: string) =>
    api.app.inject({ method: 'POST', url: `/v1/glossary/import?${query}`, headers: { 'content-type': 'text/csv' }, payload: 'term,lang,kind\nZorgquery,fr,keep\n' });

  it.each(['format=csv&dryRun=1', 'format=csv&sorce=fr', 'format=csv&status=approved&Status=proposed'])('%s: 400 naming the unknown parameter, nothing imported', async (query) => {
    const v = await version();
    const before = await termCount();
    const r = await importCsv(query);
    expect(r.statusCode, r.body).toBe(400);
    expect(errorOf(r.body).message).toMatch(/^invalid request: query: unknown field "/);
    expect(await version()).toBe(v);
    expect(await termCount()).toBe(before);
  });

  it('lng and token, which every route takes, are not unknown', async () => {
    const r = await importCsv('format=csv&lng=fr&token=whatever');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().created).toBe(1);
  });
});

describe('a translation under a key that is not a language', () => {
  it.each([
    ['xx', '"xx" is not a known language code (e.g. fr, en, vi, pt-BR)'],
    ['constructor', 'a translation key must be a language code such as fr, en, vi or pt-BR'],
  ])('%s: the message is about the key, not "must be an object"', async (key, problem) => {
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/terms', payload: { term: 'Zorgkey', lang: 'fr', kind: 'translate', translations: { [key]: 'zorg' } } });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).message).toBe(`translations.${key}: ${problem}`);
  });

  it('a TBX language set for "toString" is checked like any other, not taken as already there', async () => {
    const body = '<?xml version="1.0"?><tbx xml:lang="fr"><text><body><conceptEntry id="k1"><langSec xml:lang="fr"><termSec><term>Zorgtbx</term></termSec></langSec><langSec xml:lang="toString"><termSec><term>zorg</term></termSec></langSec></conceptEntry></body></text></tbx>';
    const r = await api.app.inject({ method: 'POST', url: '/v1/glossary/import?format=tbx', headers: { 'content-type': 'application/x-tbx+xml' }, payload: body });
    expect(r.statusCode, r.body).toBe(422);
    expect(errorOf(r.body).message).toBe('entry 1 (k1): translations.toString: a translation key must be a language code such as fr, en, vi or pt-BR');
  });
});
