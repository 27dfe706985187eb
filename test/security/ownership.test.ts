/**
 * Issue 15 "Jobs have no owner": every submitter listed, read, downloaded and
 * cancelled everyone's jobs. Now a job belongs to the token that sent it;
 * another submitter gets 404 everywhere, reviewers and admins see all.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const article = { text: 'Le modèle est ouvert. Il est gratuit pour tous les lecteurs.', sourceLang: 'fr', targets: ['en'], provider: 'pseudo' };
let mine = '';

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens('desk-a:submitter,desk-b:submitter,rev:reviewer,adm:admin') });
  const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: as('desk-a'), payload: article });
  expect(r.statusCode, r.body).toBe(202);
  mine = r.json().id;
});

afterAll(async () => {
  await app.close();
  await cleanPrefix(config.prefix);
});

describe('a job belongs to the token that submitted it', () => {
  it('another submitter gets 404 on every route of the job', async () => {
    for (const [method, url] of [
      ['GET', `/v1/jobs/${mine}`],
      ['GET', `/v1/jobs/${mine}/events`],
      ['GET', `/v1/jobs/${mine}/bundle`],
      ['GET', `/v1/jobs/${mine}/bundle?format=json`],
      ['DELETE', `/v1/jobs/${mine}`],
    ] as const) {
      const r = await app.inject({ method, url, headers: as('desk-b') });
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(404);
      expect(r.json().error.code).toBe('job-not-found');
    }
    // Still there, not cancelled by the other desk.
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${mine}`, headers: as('desk-a') })).json().status).not.toBe('cancelled');
  });

  it('lists show a submitter their own jobs only; reviewers and admins see all', async () => {
    const theirs = await app.inject({ method: 'POST', url: '/v1/jobs', headers: as('desk-b'), payload: { ...article, text: `${article.text} Suite.` } });
    expect(theirs.statusCode).toBe(202);
    const ids = async (token: string) => ((await app.inject({ method: 'GET', url: '/v1/jobs', headers: as(token) })).json().jobs as { id: string }[]).map((j) => j.id);
    expect(await ids('desk-a')).toEqual([mine]);
    expect(await ids('desk-b')).toEqual([theirs.json().id]);
    for (const t of ['rev', 'adm']) expect((await ids(t)).sort()).toEqual([mine, theirs.json().id].sort());
    const total = (await app.inject({ method: 'GET', url: '/v1/jobs', headers: as('desk-a') })).json().total;
    expect(total).toBe(1);
  });

  it('the same article from another desk is another job', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/jobs', headers: as('desk-b'), payload: article });
    expect(r.statusCode).toBe(202);
    expect(r.json().id).not.toBe(mine);
    // And the first desk sending it again gets its own job back.
    expect((await app.inject({ method: 'POST', url: '/v1/jobs', headers: as('desk-a'), payload: article })).json().id).toBe(mine);
  });

  it('reviewers and admins read and cancel any job; the owner reads its own', async () => {
    for (const t of ['desk-a', 'rev', 'adm']) expect((await app.inject({ method: 'GET', url: `/v1/jobs/${mine}`, headers: as(t) })).statusCode).toBe(200);
    const r = await app.inject({ method: 'DELETE', url: `/v1/jobs/${mine}`, headers: as('adm') });
    expect(r.statusCode, r.body).toBe(200);
  });

  it('the owner id stored with the job is a hash, not the token', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const meta = JSON.parse((await redis.hget(`${config.prefix}:job:${mine}`, 'meta'))!);
      expect(meta.owner).toMatch(/^t-[0-9a-f]{24}$/);
      expect(JSON.stringify(meta)).not.toContain('desk-a');
    } finally {
      redis.disconnect();
    }
  });
});
