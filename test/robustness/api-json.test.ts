/**
 * JSON bodies the parser refuses. A `__proto__` key is refused (prototype
 * poisoning), but the body is valid JSON and the answer must say what is
 * wrong with it; broken JSON gets the parser's own description of where.
 */
import { describe, expect, it } from 'vitest';
import { openApiForTests } from '../queue/helpers.js';

const api = openApiForTests();

const post = (url: string, payload: string) => api.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

describe('JSON bodies that are refused', () => {
  it('a __proto__ key: 400 bad-json naming it, and nothing polluted', async () => {
    for (const url of ['/v1/jobs', '/v1/glossary/terms', '/v1/detect']) {
      const r = await post(url, '{"text":"Bonjour","targets":["en"],"term":"x","lang":"fr","kind":"keep","__proto__":{"polluted":true}}');
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error).toEqual({ code: 'bad-json', message: 'the request body is not valid JSON: a "__proto__" key is not accepted' });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('broken JSON: the parser\'s description, not a generic sentence', async () => {
    const r = await post('/v1/detect', '{"text": "Bonjour",}');
    expect(r.statusCode, r.body).toBe(400);
    const e = r.json().error as { code: string; message: string };
    expect(e.code).toBe('bad-json');
    expect(e.message).toMatch(/^the request body is not valid JSON: /);
    expect(e.message).not.toContain('content-type is set to');
  });

  it('an empty body keeps its own message', async () => {
    const r = await post('/v1/detect', '');
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('bad-json');
  });
});
