/**
 * Authorization headers as real clients write them. The scheme name is
 * case-insensitive in HTTP, so `bearer t` is the same credential as
 * `Bearer t`; a token that is a name of Object.prototype is no token, and
 * neither is such a role in LOCFLOW_TOKENS.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens('rev-token:reviewer,adm-token:admin') });
});

afterAll(async () => {
  await app.close();
  await cleanPrefix(config.prefix);
});

const me = (authorization: string) => app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } });

describe('Authorization header spellings', () => {
  it.each(['Bearer adm-token', 'bearer adm-token', 'BEARER adm-token', 'Bearer   adm-token  ', 'Bearer\tadm-token'])('%j is the admin token', async (header) => {
    const r = await me(header);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().role).toBe('admin');
  });

  it.each(['Bearer', 'Bearer ', 'Basic YWRtLXRva2Vu', 'Beareradm-token', 'Bearer constructor', 'Bearer __proto__', 'Bearer toString'])('%j is refused with 401', async (header) => {
    const r = await me(header);
    expect(r.statusCode, r.body).toBe(401);
    expect(r.json().error.code).toBe('unauthorized');
  });
});

describe('LOCFLOW_TOKENS an operator got wrong', () => {
  it.each(['x:constructor', 'x:toString', 'x:__proto__', 'x:hasOwnProperty'])('%j: a role that is a name of Object.prototype is no role', (spec) => {
    expect(() => parseTokens(spec)).toThrow(expect.objectContaining({ code: 'bad-tokens', message: 'LOCFLOW_TOKENS entry 1 must be token:role with role submitter, reviewer or admin' }));
  });

  it('the same token twice is refused, whichever roles the entries give', () => {
    expect(() => parseTokens('a:admin,b:reviewer,a:submitter')).toThrow(
      expect.objectContaining({ code: 'bad-tokens', message: 'LOCFLOW_TOKENS entry 3 repeats the token of entry 1; give each token once' }),
    );
  });
});
