/**
 * An article sent as JSON skips UTF-8 decoding, so a `\ud800` escape arrives
 * as a lone surrogate: not a character, and every encoder after it (Redis,
 * the zip, a provider's HTTP body) would write U+FFFD in its place. It is
 * refused the way a bad UTF-8 byte in a file is, before any job exists.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { ingest } from '../../pipeline/ingest.js';
import { openApiForTests } from '../queue/helpers.js';

const ARTICLE = 'Le modèle français de DeepSeek est très rapide, disent les chercheurs à Paris.';
const api = openApiForTests();

const jobCount = async (): Promise<number> => (await api.app.inject({ method: 'GET', url: '/v1/jobs' })).json().jobs.length;
const post = (url: string, body: object, lng = 'en') =>
  api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'accept-language': lng }, payload: JSON.stringify(body) });

describe('lone surrogates in article text', () => {
  it('ingest refuses one with its position', () => {
    let caught: unknown;
    try {
      ingest(`Bonjour \ud800 le monde`);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe('invalid-encoding');
    expect((caught as InputError).status).toBe(415);
    expect((caught as InputError).message).toBe('input contains a lone UTF-16 surrogate \\ud800 at character 8; send well-formed Unicode text');
  });

  it('POST /v1/jobs: 415 invalid-encoding and no job, in text or in the title', async () => {
    const before = await jobCount();
    for (const body of [
      { text: `${ARTICLE} \udfff`, targets: ['es'], provider: 'pseudo' },
      { text: ARTICLE, title: 'Titre \ud83d', targets: ['es'], provider: 'pseudo' },
    ]) {
      const r = await post('/v1/jobs', body);
      expect(r.statusCode, r.body).toBe(415);
      expect(r.json().error.code).toBe('invalid-encoding');
    }
    expect(await jobCount()).toBe(before);
  });

  it('POST /v1/detect says so in the reader\'s language', async () => {
    const r = await post('/v1/detect', { text: `${ARTICLE} \ud800` }, 'fr');
    expect(r.statusCode, r.body).toBe(415);
    expect(r.json().error.code).toBe('invalid-encoding');
    expect(r.json().error.message).toContain('demi-codet UTF-16 isolé \\ud800');
  });

  it('a real surrogate pair (an emoji) is text', async () => {
    const r = await post('/v1/detect', { text: `${ARTICLE} 🚀` });
    expect(r.statusCode, r.body).toBe(200);
  });
});
