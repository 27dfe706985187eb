/**
 * Uploads over their limit. The XLIFF and glossary-file routes take more
 * than the JSON routes; the 413 must name the limit that applied, not the
 * general one (a 6 MiB glossary "larger than the 2.0 MiB limit" sends the
 * user cutting it to 2 MiB when 5 would do).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TBX_BYTES } from '../../glossary/io/tbx.js';
import { MAX_XLIFF_BYTES } from '../../pipeline/postedit.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens(''), bodyLimit: 1024 * 1024 });
});

afterAll(async () => {
  await app.close();
  await cleanPrefix(config.prefix);
});

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

describe('413 names the limit of the route', () => {
  it('a glossary file over its limit', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/glossary/import?format=csv', headers: { 'content-type': 'text/csv' }, payload: `term,lang,kind\n${'x'.repeat(MAX_TBX_BYTES)},fr,keep\n` });
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toEqual({ code: 'body-too-large', message: `the request body is larger than the ${mib(MAX_TBX_BYTES)} limit` });
  });

  it('an XLIFF file over its limit', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/jobs/j_none/xliff', headers: { 'content-type': 'application/xml' }, payload: `<xliff>${'x'.repeat(MAX_XLIFF_BYTES)}</xliff>` });
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toEqual({ code: 'body-too-large', message: `the request body is larger than the ${mib(MAX_XLIFF_BYTES)} limit` });
  });

  it('a JSON body over the general limit', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/detect', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toEqual({ code: 'body-too-large', message: 'the request body is larger than the 1.0 MiB limit' });
  });
});
