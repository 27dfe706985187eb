/**
 * Issue 15 "Authentication runs after the body is read": without a token a
 * bad body got 400/413/415 instead of 401, and megabytes were read and
 * parsed for anyone. Also `?token=` only on event streams, and failed
 * guesses slowed per address.
 */
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, redactUrl } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { FailureBucket } from '../../server/failure-bucket.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;
let port = 0;
const logLines: string[] = [];

beforeAll(async () => {
  const stream = { write: (line: string) => void logLines.push(line) };
  app = await buildServer({ config, logger: { level: 'info', stream }, auth: parseTokens('sub-token:submitter,rev-token:reviewer,adm-token:admin') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app.close();
  await cleanPrefix(config.prefix);
});

const PUBLIC = new Set(['GET /healthz', 'GET /v1/me', 'POST /v1/session', 'DELETE /v1/session']);

describe('every route checks the token before the body', () => {
  it('each documented /v1, /metrics and /admin route answers 401 to an anonymous caller with a bad, compressed body', async () => {
    const spec = app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes: string[] = [];
    for (const [path, methods] of Object.entries(spec.paths)) {
      if (!/^\/(v1|metrics|admin)/.test(path)) continue;
      for (const method of Object.keys(methods)) routes.push(`${method.toUpperCase()} ${path}`);
    }
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      if (PUBLIC.has(route)) continue;
      const [method, path] = route.split(' ') as [string, string];
      const url = path.replace(/\{[^}]+\}/g, 'x1');
      const r = await app.inject({ method: method as 'GET', url, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: method === 'GET' || method === 'DELETE' ? undefined : '{not json' });
      expect(r.statusCode, `${route}: ${r.body}`).toBe(401);
      expect(r.json().error.code).toBe('unauthorized');
    }
  });

  it.each([
    ['POST', '/v1/jobs', 'application/json', 3 * 1024 * 1024],
    ['POST', '/v1/glossary/import?format=csv', 'text/csv', 6 * 1024 * 1024],
    ['POST', '/v1/jobs/abc/xliff', 'application/xml', 11 * 1024 * 1024],
    ['POST', '/v1/jobs', 'application/x-bogus', 10],
  ])('%s %s with a %s body over the limit: 401, not 413/415', async (method, url, type, size) => {
    const r = await app.inject({ method: method as 'POST', url, headers: { 'content-type': type }, payload: Buffer.alloc(size, 'a') });
    expect(r.statusCode, r.body).toBe(401);
  });

  it('answers 401 on a real socket while the announced 100 MB body has not been sent', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer before the body; got ${JSON.stringify(got)}`));
      }, 5000);
      socket.on('data', (d) => {
        got += d.toString();
        if (got.includes('\r\n\r\n')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
      socket.write(`POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"text":"`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
  });

  it('a valid token still gets the body checks', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: { authorization: 'Bearer sub-token', 'content-type': 'application/json' }, payload: '{not json' });
    expect(r.statusCode).toBe(400);
  });
});

describe('?token= in the address', () => {
  it('is refused on ordinary routes, with a message that says where it is accepted', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/jobs?token=adm-token' });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.message).toMatch(/event streams/);
  });

  it('is accepted on an event stream', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/jobs/nosuchjob/events?token=sub-token' });
    expect(r.statusCode, r.body).toBe(404);
  });

  it('never reaches a log line, however the name is percent-encoded', async () => {
    logLines.length = 0;
    for (const q of ['token=adm-token', '%74oken=adm-token', 'tok%65n=adm-token', 'TOKEN=adm-token', 'x=1&%54%4F%4B%45%4E=adm-token'])
      await app.inject({ method: 'GET', url: `/v1/jobs/nosuchjob/events?${q}` });
    const all = logLines.join('\n');
    expect(all).toContain('[redacted]');
    expect(all).not.toContain('adm-token');
  });

  it('redactUrl keeps the other parameters', () => {
    expect(redactUrl('/a?lng=fr&%74oken=s3cret&b=2')).toBe('/a?lng=fr&%74oken=[redacted]&b=2');
    expect(redactUrl('/a')).toBe('/a');
  });
});

describe('failed authentications are slowed per address', () => {
  it('a burst of wrong tokens ends in 429 with Retry-After; a right token works again seconds later', async () => {
    const own = await buildServer({ config, logger: false, auth: parseTokens('good-token:admin') });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await own.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: `Bearer guess-${i}` }, remoteAddress: '203.0.113.9' });
        statuses.push(r.statusCode);
      }
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(12);
      expect(statuses.at(-1)).toBe(429);
      const limited = await own.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer good-token' }, remoteAddress: '203.0.113.9' });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another address is not affected.
      expect((await own.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer good-token' }, remoteAddress: '203.0.113.10' })).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await own.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer good-token' }, remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('the bucket refills at its rate and forgets the oldest addresses past its size', () => {
    let now = 0;
    const b = new FailureBucket({ burst: 3, perSecond: 1, maxAddresses: 2, now: () => now });
    for (let i = 0; i < 3; i++) b.fail('a');
    expect(b.allowed('a')).toBe(false);
    expect(b.retryAfterMs('a')).toBe(1000);
    now = 1000;
    expect(b.allowed('a')).toBe(true);
    b.fail('b');
    b.fail('c');
    expect(b.allowed('a')).toBe(true);
  });
});
