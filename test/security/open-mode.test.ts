/**
 * Issue 15 "Open mode accepts cross-site writes": with no LOCFLOW_TOKENS a
 * cross-site `text/plain` POST overwrote an approved term, and the `Host`
 * header was not checked, so DNS rebinding could read the API.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { hostNameOf, isLoopbackName, originPolicy } from '../../server/origin.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildServer({
    config,
    logger: false,
    env: { ...process.env, LOCFLOW_TOKENS: '', LOCFLOW_PUBLIC_URL: 'https://locflow.example.org/', LOCFLOW_CORS_ORIGINS: 'https://cms.example.net' },
    auth: parseTokens(''),
  });
});

afterAll(async () => {
  await app.close();
  await cleanPrefix(config.prefix);
});

// The form a hostile page can send without a preflight.
const sneaky = { term: 'Zorgcross', lang: 'fr', kind: 'keep', status: 'approved' };
const post = (headers: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/v1/glossary/terms', headers: { host: 'localhost:3000', 'content-type': 'text/plain', ...headers }, payload: JSON.stringify(sneaky) });

describe('cross-site writes in open mode', () => {
  it.each([
    [{ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    [{ 'sec-fetch-site': 'same-site', origin: 'http://localhost:8080' }],
    [{ origin: 'https://evil.example' }],
    [{ origin: 'null' }],
  ])('%j: 403 cross-site, nothing written', async (headers) => {
    const r = await post(headers);
    expect(r.statusCode, r.body).toBe(403);
    expect(r.json().error.code).toBe('cross-site');
    const list = await app.inject({ method: 'GET', url: '/v1/glossary/terms?q=Zorgcross', headers: { host: 'localhost' } });
    expect(list.json().terms).toEqual([]);
  });

  it('reads from another site are not writes (CORS decides what the page may see)', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/glossary/version', headers: { host: 'localhost', 'sec-fetch-site': 'cross-site' } });
    expect(r.statusCode).toBe(200);
  });

  it.each([
    [{ 'sec-fetch-site': 'same-origin', origin: 'http://localhost:3000' }],
    [{ origin: 'http://localhost:3000' }],
    [{ 'sec-fetch-site': 'cross-site', origin: 'https://cms.example.net' }],
    [{}],
  ])('%j: the own page, an allowed origin or a program may write', async (headers) => {
    const r = await app.inject({ method: 'POST', url: '/v1/detect', headers: { host: 'localhost:3000', 'content-type': 'application/json', ...headers }, payload: { text: 'Bonjour tout le monde, ceci est un article.' } });
    expect(r.statusCode, r.body).toBe(200);
  });
});

describe('Host in open mode (DNS rebinding)', () => {
  it.each(['rebind.attacker.example:3000', 'attacker.example', '192.168.1.5:3000', '10.0.0.1'])('Host %s: 403 bad-host', async (host) => {
    const r = await app.inject({ method: 'GET', url: '/v1/jobs', headers: { host } });
    expect(r.statusCode, r.body).toBe(403);
    expect(r.json().error.code).toBe('bad-host');
  });

  it.each(['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'app.localhost', 'locflow.example.org', 'LOCFLOW.example.org:443'])('Host %s is served', async (host) => {
    const r = await app.inject({ method: 'GET', url: '/v1/jobs', headers: { host } });
    expect(r.statusCode, r.body).toBe(200);
  });

  it('with tokens the Host is not restricted (the server listens on every interface)', async () => {
    const tokened = await buildServer({ config, logger: false, auth: parseTokens('t0k3n:admin') });
    try {
      const r = await tokened.inject({ method: 'GET', url: '/v1/jobs', headers: { host: '10.1.2.3:3000', authorization: 'Bearer t0k3n' } });
      expect(r.statusCode).toBe(200);
    } finally {
      await tokened.close();
    }
  });

  it('host names are read without port and brackets', () => {
    expect(hostNameOf('[::1]:3000')).toBe('::1');
    expect(hostNameOf('Example.ORG:80')).toBe('example.org');
    expect(isLoopbackName('127.9.9.9')).toBe(true);
    expect(isLoopbackName('localhost.attacker.example')).toBe(false);
  });

  it('a LOCFLOW_PUBLIC_URL or CORS origin that is not a URL stops the start', () => {
    expect(() => originPolicy({ LOCFLOW_PUBLIC_URL: 'locflow' })).toThrow(expect.objectContaining({ code: 'bad-config' }));
    expect(() => originPolicy({ LOCFLOW_CORS_ORIGINS: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'bad-config' }));
  });
});
