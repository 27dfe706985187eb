/**
 * Issue 15 "Fastify's timeouts are off": 400 slowloris connections stayed
 * open for over 60 s. Here a real listening server with short (configured)
 * deadlines faces slow clients on loopback: headers a byte at a time, and a
 * body a byte at a time; each is cut at its deadline. Event streams are
 * capped per token and end after their lifetime with a `retry:` hint.
 */
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { serverLimits } from '../../server/limits.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;
let port = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  app = await buildServer({
    config,
    logger: false,
    auth: parseTokens('tok-a:submitter,tok-b:submitter'),
    env: { ...process.env, LOCFLOW_HEADERS_TIMEOUT_MS: '1000', LOCFLOW_REQUEST_TIMEOUT_MS: '2000', LOCFLOW_SSE_PER_TOKEN: '2', LOCFLOW_SSE_MAX_MS: '1500' },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await app.close();
  await cleanPrefix(config.prefix);
});

/** Opens a loopback connection that sends `first` and then one byte of `drip` every `everyMs`; resolves with how long the server kept it open. */
function slowClient(first: string, drip: string, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(first);
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(drip[i++ % drip.length]!);
      }, everyMs);
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
    // The test's own bound: a connection the server never cuts is ended here, and counted as too long.
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

describe('slow clients on a real socket', () => {
  it('50 connections trickling their headers are all closed at the headers deadline', async () => {
    const held = await Promise.all(Array.from({ length: 50 }, () => slowClient('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', 'a', 300)));
    const longest = Math.max(...held);
    console.log(`slowloris (headers): 50 connections, longest held ${longest} ms (headers deadline 1000 ms)`);
    expect(longest).toBeLessThan(4000);
  }, 30_000);

  it('a body sent a byte at a time is cut at the request deadline', async () => {
    const held = await Promise.all(
      Array.from({ length: 10 }, () => slowClient('POST /v1/detect HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer tok-a\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"text":"', 'b', 200)),
    );
    const longest = Math.max(...held);
    console.log(`slowloris (body): 10 connections, longest held ${longest} ms (request deadline 2000 ms)`);
    expect(longest).toBeLessThan(5000);
  }, 30_000);
});

describe('event streams', () => {
  let id = '';
  beforeAll(async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: { authorization: 'Bearer tok-a' }, payload: { text: 'Le modèle est ouvert à tous.', sourceLang: 'fr', targets: ['en'], provider: 'pseudo' } });
    expect(r.statusCode, r.body).toBe(202);
    id = r.json().id;
  });

  it('one token holds at most LOCFLOW_SSE_PER_TOKEN streams; the next gets 429 until one closes', async () => {
    const url = `http://127.0.0.1:${port}/v1/jobs/${id}/events`;
    const aborts = [new AbortController(), new AbortController()];
    const open = await Promise.all(aborts.map((a) => fetch(url, { headers: { authorization: 'Bearer tok-a' }, signal: a.signal })));
    for (const r of open) expect(r.status).toBe(200);
    const third = await fetch(url, { headers: { authorization: 'Bearer tok-a' } });
    expect(third.status).toBe(429);
    expect((await third.json()).error.code).toBe('too-many-streams');
    aborts[0]!.abort();
    await new Promise((r) => setTimeout(r, 200));
    const again = new AbortController();
    const after = await fetch(url, { headers: { authorization: 'Bearer tok-a' }, signal: again.signal });
    expect(after.status).toBe(200);
    again.abort();
    aborts[1]!.abort();
  });

  it('a stream ends after its lifetime with a retry: hint', async () => {
    const started = Date.now();
    const r = await fetch(`http://127.0.0.1:${port}/v1/jobs/${id}/events`, { headers: { authorization: 'Bearer tok-a' } });
    const text = await r.text();
    const took = Date.now() - started;
    expect(text).toMatch(/^retry: \d+$/m);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(5000);
  });
});

describe('settings', () => {
  it('defaults are on and documented values; a headers deadline beyond the request deadline is refused', () => {
    const l = serverLimits({});
    expect(l).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, connectionTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, ssePerToken: 20, sseMaxMs: 1_800_000, trustProxy: false });
    expect(() => serverLimits({ LOCFLOW_HEADERS_TIMEOUT_MS: '40000' })).toThrow(expect.objectContaining({ code: 'bad-config' }));
    expect(serverLimits({ LOCFLOW_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(serverLimits({ LOCFLOW_TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });
});
