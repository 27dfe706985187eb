/**
 * Issue 15 "Part of a provider key can leak": error text was cut to 300
 * characters before the key was blanked, and 14 of 15 characters of a key
 * showed in GET /v1/jobs/:id, the worker log and BullMQ's failure reason.
 * Here a provider's error page echoes the key right across the cut, and no
 * 6-character window of the key may appear anywhere: the API's answer, the
 * worker log, or any key of the deployment in Redis (job records, BullMQ's
 * failedReason and stack traces, event streams).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { scrubberFor, secretsOf } from '../../providers/secrets.js';
import { startDeeplFake, type DeeplFake } from '../fakes/deepl.js';
import { cleanPrefix, REDIS_URL, settledJob, testConfig, waitFor } from '../queue/helpers.js';

const KEY = `Qk${randomBytes(12).toString('hex')}:fx`;
const config = testConfig({ attempts: 2 });
let fake: DeeplFake;
let app: FastifyInstance;
let workers: RunningWorkers;
const logs: string[] = [];

function windows(secret: string, n = 6): string[] {
  return Array.from({ length: secret.length - n + 1 }, (_, i) => secret.slice(i, i + n));
}

function leaks(text: string): string[] {
  return windows(KEY).filter((w) => text.includes(w));
}

/** Every value stored under the test prefix, as text. */
async function dumpRedis(prefix: string): Promise<string> {
  const redis = new Redis(REDIS_URL);
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        const type = await redis.type(k);
        if (type === 'string') out.push(String(await redis.getBuffer(k)));
        else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(k)));
        else if (type === 'list') out.push(JSON.stringify(await redis.lrange(k, 0, -1)));
        else if (type === 'set') out.push(JSON.stringify(await redis.smembers(k)));
        else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(k, '0', '-1')));
        else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(k, '-', '+')));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return out.join('\n');
}

beforeAll(async () => {
  fake = await startDeeplFake(KEY);
  const env = { ...process.env, DEEPL_AUTH_KEY: KEY, DEEPL_BASE_URL: fake.url };
  const log = (level: string) => (obj: object | string, msg?: string) => void logs.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  app = await buildServer({ config, logger: false, env, auth: parseTokens('') });
  workers = await startWorkers({ config, concurrency: 1, env, log: { info: log('info'), warn: log('warn'), error: log('error') } });
});

afterAll(async () => {
  await workers?.close();
  await app?.close();
  await fake?.close();
  await cleanPrefix(config.prefix);
});

describe('a provider error that echoes the key across the 300-character cut', () => {
  it('leaves no 6-character piece of the key in the job, the log, BullMQ or the event streams', async () => {
    // A proxy's error page that repeats the request header, with the key straddling character 300.
    const page = `<html><body>${'x'.repeat(290 - 12)}${KEY} was refused upstream; ${'y'.repeat(400)}</body></html>`;
    fake.script({ status: 502, rawBody: page }, { path: '/v2/translate', times: 1000 });
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: 'Le modèle est ouvert. Il est gratuit pour tous.', sourceLang: 'fr', targets: ['en'], provider: 'deepl' } });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id as string;
    expect((await settledJob(app, id)).status).toBe('failed');
    const job = await app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    // The failure did happen for the reason under test: the page was read and cut.
    expect(job.body).toMatch(/HTTP 502/);
    expect(job.body).toContain('***');
    expect(fake.calls('/v2/translate').length).toBeGreaterThan(0);
    for (const lng of ['en', 'fr', 'vi']) expect(leaks((await app.inject({ method: 'GET', url: `/v1/jobs/${id}?lng=${lng}` })).body)).toEqual([]);
    expect(leaks((await app.inject({ method: 'GET', url: '/v1/jobs' })).body)).toEqual([]);
    expect(logs.join('\n')).toMatch(/translation failed/);
    expect(leaks(logs.join('\n'))).toEqual([]);
    const stored = await dumpRedis(config.prefix);
    expect(stored).toMatch(/failedReason/);
    expect(leaks(stored)).toEqual([]);
  }, 90_000);
});

describe('the scrubber', () => {
  it('knows the credential variables, the API tokens and the Redis password', () => {
    const secrets = secretsOf({ DEEPL_AUTH_KEY: 'dk-123456', OPENAI_API_KEY: 'sk-abcdef', LOCFLOW_WEBHOOK_SECRET: 'whsec-1', LOCFLOW_TOKENS: 'tok-one:admin,tok-two:submitter', REDIS_URL: 'redis://u:p%40ssword@h:6379', LOCFLOW_PREFIX: '{x}' });
    expect(secrets.sort()).toEqual(['dk-123456', 'p@ssword', 'sk-abcdef', 'tok-one', 'tok-two', 'whsec-1'].sort());
    // A switch or a number under a secret-looking name is not blanked: answers full of `true` would break.
    expect(secretsOf({ SOME_TOKEN: 'true', OTHER_KEY: '10000', A_SECRET: 'real-one' })).toEqual(['real-one']);
    const scrub = scrubberFor({ OPENAI_API_KEY: 'sk-abcdef' });
    expect(scrub('key sk-abcdef and sk%2Dabcdef')).toBe('key *** and sk%2Dabcdef');
  });
});
