/**
 * Redis going away while the server runs: every API answer is 503
 * `unavailable` in locflow's error shape. The queue dashboard's API used to
 * answer 500 in bull-board's own shape.
 */
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const sockets = new Set<net.Socket>();
// A pass-through to the real Redis that the test can cut.
const proxy = net.createServer((client) => {
  const upstream = net.connect(6379, '127.0.0.1');
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('error', () => {});
  }
  client.pipe(upstream).pipe(client);
});
let app: FastifyInstance;
let prefix: string;

beforeAll(async () => {
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const url = `redis://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  const config = testConfig({}, { REDIS_URL: url });
  prefix = config.prefix;
  app = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '', REDIS_URL: url }, auth: parseTokens('') });
  proxy.close();
  for (const s of sockets) s.destroy();
});

afterAll(async () => {
  await app.close().catch(() => {});
  await cleanPrefix(prefix);
});

describe('Redis unreachable after start', () => {
  it('the queue dashboard API answers 503 unavailable, not a 500', async () => {
    const r = await app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    expect(r.statusCode, r.body).toBe(503);
    expect(r.json().error.code).toBe('unavailable');
  }, 30_000);

  it('so does the job API (unchanged)', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/jobs/j_0123456789abcdef0123' });
    expect(r.statusCode, r.body).toBe(503);
    expect(r.json().error.code).toBe('unavailable');
  }, 30_000);
});
