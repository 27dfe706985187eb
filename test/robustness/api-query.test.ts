/**
 * Query strings a script or a fuzzer sends: numbers that are not finite,
 * parameters given twice. Ajv's type coercion turns "Infinity" and "1e309"
 * into Infinity, counts that as an integer and skips minimum/maximum for it,
 * so the routes must not trust a coerced number to be finite.
 */
import { describe, expect, it } from 'vitest';
import { openApiForTests } from '../queue/helpers.js';

const api = openApiForTests();

describe('GET /v1/jobs paging', () => {
  it.each(['limit=Infinity', 'limit=-Infinity', 'offset=Infinity', 'offset=1e309', 'offset=-1e309'])('%s is a 400 invalid-request, not a 500 from Redis', async (q) => {
    const r = await api.app.inject({ method: 'GET', url: `/v1/jobs?${q}` });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('invalid-request');
  });

  it('a parameter given twice is refused, not half-read', async () => {
    const r = await api.app.inject({ method: 'GET', url: '/v1/jobs?limit=1&limit=2' });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe('invalid-request');
  });

  it('ordinary paging still answers', async () => {
    const r = await api.app.inject({ method: 'GET', url: '/v1/jobs?limit=5&offset=0' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ jobs: [], limit: 5, offset: 0 });
  });
});
