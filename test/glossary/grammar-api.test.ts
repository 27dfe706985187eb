/**
 * The grammar field (gender/number per language) over the glossary API, as
 * the term editor and import/export use it: created, read back, edited,
 * removed, exported in every format and imported again unchanged, and an
 * invalid value refused with an error code and nothing written.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
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

const formation = {
  term: 'formation',
  lang: 'fr',
  kind: 'translate',
  translations: { en: 'training', es: 'entrenamiento' },
  grammar: { es: { gender: 'm', number: 'sg' }, fr: { gender: 'f' } },
};

const CONTENT_TYPE = { yaml: 'application/yaml', csv: 'text/csv', tbx: 'application/x-tbx+xml' } as const;

async function create(body: object): Promise<Term> {
  const res = await app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: bearer(TOKENS.reviewer), payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Term;
}

const get = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/glossary/terms/${id}`, headers: bearer(TOKENS.submitter) })).json() as Term;
const patch = (id: string, payload: object) => app.inject({ method: 'PATCH', url: `/v1/glossary/terms/${id}`, headers: bearer(TOKENS.reviewer), payload });

describe('grammar over the glossary API', () => {
  it('keeps gender and number per language through create, read and edit, and records the edit', async () => {
    const t = await create(formation);
    expect(t.grammar).toEqual(formation.grammar);
    expect((await get(t.id)).grammar).toEqual(formation.grammar);

    const edited = await patch(t.id, { grammar: { es: { gender: 'm', number: 'sg' }, en: { number: 'sg' } } });
    expect(edited.statusCode, edited.body).toBe(200);
    const after = await get(t.id);
    expect(after.grammar).toEqual({ es: { gender: 'm', number: 'sg' }, en: { number: 'sg' } });
    const last = after.history!.at(-1)!;
    expect(last.action).toBe('edit');
    expect(last.changes!.grammar).toEqual([formation.grammar, { es: { gender: 'm', number: 'sg' }, en: { number: 'sg' } }]);

    // null removes it; other fields are left alone.
    expect((await patch(t.id, { grammar: null })).statusCode).toBe(200);
    const cleared = await get(t.id);
    expect(cleared.grammar).toBeUndefined();
    expect(cleared.translations).toEqual(formation.translations);
  });

  for (const format of ['yaml', 'csv', 'tbx'] as const) {
    it(`exports it as ${format} and imports it back unchanged into an empty glossary`, async () => {
      const t = await create({ ...formation, status: 'approved' });
      const exp = await app.inject({ method: 'GET', url: `/v1/glossary/export?format=${format}`, headers: bearer(TOKENS.submitter) });
      expect(exp.statusCode, exp.body).toBe(200);
      expect(exp.body).toMatch(format === 'csv' ? /es:m\.sg/ : format === 'tbx' ? /grammaticalGender">masculine/ : /gender: m/);

      const other = await buildApp(env.open());
      const imp = await other.inject({ method: 'POST', url: `/v1/glossary/import?format=${format}&status=approved`, headers: { ...bearer(TOKENS.reviewer), 'content-type': CONTENT_TYPE[format] }, payload: exp.body });
      expect(imp.statusCode, imp.body).toBe(200);
      const back = (await other.inject({ method: 'GET', url: `/v1/glossary/terms/${t.id}`, headers: bearer(TOKENS.submitter) })).json() as Term;
      expect(back.grammar).toEqual(formation.grammar);
      expect(back.translations).toEqual(formation.translations);
      await other.close();
    });
  }

  const invalid: [string, unknown, RegExp][] = [
    ['an unknown gender', { es: { gender: 'x' } }, /gender must be m, f or n/],
    ['an unknown number', { es: { number: 'plural' } }, /number must be sg or pl/],
    ['an unknown field', { es: { case: 'nom' } }, /grammar entry/],
    ['a bad language key', { 'not a lang': { gender: 'm' } }, /grammar key/],
    ['not an object', 'masculine', /grammar must be an object/],
  ];
  for (const [what, grammar, message] of invalid) {
    it(`refuses ${what} with an error code, on create and on edit, and writes nothing`, async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: bearer(TOKENS.reviewer), payload: { ...formation, grammar } });
      // A term that is not valid is 422 on create (as an invalid imported term is); a bad edit body is 400.
      expect(res.statusCode).toBe(422);
      const body = res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('glossary-invalid-term');
      expect(body.error.message).toMatch(message);
      expect((await store.list({})).total).toBe(0);

      const t = await create(formation);
      const bad = await patch(t.id, { grammar });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid-request');
      expect(bad.json().error.message).toMatch(message);
      expect((await get(t.id)).grammar).toEqual(formation.grammar);
    });
  }
});
