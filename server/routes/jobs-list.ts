/** `GET /v1/jobs`: the most recent jobs, newest first, for the web page's job list. */
import type { FastifyPluginAsync } from 'fastify';
import type { Queues } from '../../workers/queues.js';
import { requireRole, type AuthConfig } from '../auth.js';

export const MAX_LIST = 200;

export const jobListRoutes: FastifyPluginAsync<{ queues: Queues; auth: AuthConfig }> = async (app, { queues, auth }) => {
  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/',
    {
      preHandler: requireRole(auth, 'submitter'),
      schema: {
        summary: 'Recent jobs, newest first (kept for the retention period)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 50 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
            token: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const offset = request.query.offset ?? 0;
      const { jobs, total } = await queues.store.recent(limit, offset);
      return { jobs, total, offset, limit };
    },
  );
};
