/** A Redis-backed glossary store and a tiny Fastify app around the glossary routes, each test with its own key prefix. */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { createGlossaryStore, type GlossaryStore, type SuggestionSettings } from '../../glossary/store.js';
import { InputError } from '../../pipeline/errors.js';
import { parseTokens } from '../../server/auth.js';
import { glossaryRoutes } from '../../server/routes/glossary.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function newPrefix(): string {
  return `{lftest-${randomBytes(6).toString('hex')}}`;
}

export interface Env {
  redis: Redis;
  open(prefix?: string, suggestions?: Partial<SuggestionSettings>): GlossaryStore;
  cleanup(): Promise<void>;
}

/** One connection per test file; every prefix it hands out is deleted at the end. */
export function redisEnv(): Env {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
  const prefixes: string[] = [];
  return {
    redis,
    open(prefix = newPrefix(), suggestions) {
      prefixes.push(prefix);
      return createGlossaryStore({ redis, prefix, suggestions });
    },
    async cleanup() {
      for (const p of prefixes) {
        const keys = await redis.keys(`${p}*`);
        if (keys.length) await redis.del(...keys);
      }
      redis.disconnect();
    },
  };
}

export const TOKENS = { submitter: 'sub-token', submitter2: 'sub2-token', reviewer: 'rev-token', admin: 'adm-token' };

/** The plugin as the real server mounts it, with an error handler that answers {error:{code,message}} like server/http-errors.ts. */
export async function buildApp(store: GlossaryStore): Promise<FastifyInstance> {
  const auth = parseTokens(`${TOKENS.submitter}:submitter,${TOKENS.submitter2}:submitter,${TOKENS.reviewer}:reviewer,${TOKENS.admin}:admin`);
  const app = Fastify({ logger: false });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof InputError) return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    if (typeof err.statusCode === 'number' && err.statusCode < 500) return reply.code(err.statusCode).send({ error: { code: err.code ?? 'bad-request', message: err.message } });
    return reply.code(500).send({ error: { code: 'internal', message: err.message } });
  });
  // The real server migrates the store in the background and answers 503 glossary-migrating until it is done;
  // a test store is new (nothing to walk), so it is brought to the current layout before the first request.
  await store.migrate();
  await app.register(glossaryRoutes, { prefix: '/v1/glossary', store, auth });
  await app.ready();
  return app;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
