/** `GET /v1/jobs`: the most recent jobs, newest first, for the web page's job list. */
import type { FastifyPluginAsync } from 'fastify';
import { InputError } from '../../pipeline/errors.js';
import type { Analysis } from '../../pipeline/model.js';
import type { Queues } from '../../workers/queues.js';
import { JOB_STATUSES, type JobView } from '../../workers/store.js';
import { getI18n } from '../../locales/i18n.js';
import { requireRole, type AuthConfig } from '../auth.js';
import { listScope } from '../ownership.js';
import { requestLang } from '../http-errors.js';
import { jobSchema, localizeView } from './jobs.js';
import { AUTH_ERRORS, errorResponses } from '../schemas.js';

export const MAX_LIST = 200;
/** How much of an untitled article's opening the list shows. */
export const EXCERPT_CHARS = 100;

/** The article's first words, cut at a word boundary: what an editor recognises a job by when it has no title. */
export function excerptOf(analysis: Analysis | undefined, max = EXCERPT_CHARS): string | undefined {
  const first = analysis?.segments.find((s) => s.plain.trim())?.plain.replace(/\s+/g, ' ').trim();
  if (!first) return undefined;
  if (first.length <= max) return first;
  const cut = first.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–-]+$/, '')}…`;
}

export const jobListRoutes: FastifyPluginAsync<{ queues: Queues; auth: AuthConfig }> = async (app, { queues, auth }) => {
  const messages = await getI18n();
  app.get<{ Querystring: { limit?: number; offset?: number; status?: string; lang?: string; q?: string } }>(
    '/',
    {
      preHandler: requireRole(auth, 'submitter'),
      schema: {
        summary: 'Recent jobs, newest first (kept for the retention period); filters status, lang (source or target) and q (title or opening words)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 50 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
            status: { type: 'string', maxLength: 20, description: 'queued, active, completed, failed or cancelled' },
            lang: { type: 'string', maxLength: 35, description: 'jobs with this source or target language' },
            q: { type: 'string', maxLength: 200, description: 'case-insensitive part of the title or, for untitled jobs, of the opening words' },
            token: { type: 'string' },
            lng: { type: 'string', maxLength: 35 },
          },
        },
        response: {
          200: {
            type: 'object',
            description: 'One page of jobs and how many match',
            properties: {
              jobs: {
                type: 'array',
                items: { ...jobSchema, additionalProperties: true, properties: { ...jobSchema.properties, excerpt: { type: 'string', description: 'An untitled job’s opening words' } } },
              },
              total: { type: 'integer' },
              offset: { type: 'integer' },
              limit: { type: 'integer' },
            },
          },
          ...errorResponses({ ...AUTH_ERRORS, 400: 'invalid-request, unknown-status' }),
        },
      },
    },
    async (request) => {
      const lng = requestLang(request);
      const limit = request.query.limit ?? 50;
      const offset = request.query.offset ?? 0;
      // Ajv coerces "Infinity" and "1e309" to Infinity, calls that an integer and skips minimum/maximum for it; Redis then refuses the range.
      for (const [name, value] of [['limit', limit], ['offset', offset]] as const) {
        if (!Number.isFinite(value)) {
          const detail = `querystring/${name} must be a finite whole number`;
          throw new InputError('invalid-request', `invalid request: ${detail}`, { params: { detail } });
        }
      }
      const { status, lang, q } = request.query;
      if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
        throw new InputError('unknown-status', `unknown job status "${status}"; use one of ${JOB_STATUSES.join(', ')}`, { params: { status, statuses: JOB_STATUSES.join(', ') } });
      }
      const langLower = lang?.trim().toLowerCase() || undefined;
      const needle = q?.trim().toLowerCase() || undefined;
      // Submitters see their own jobs only; reviewers and admins see everyone's.
      const scope = listScope(auth, request.principal);
      const keep = async (job: JobView): Promise<boolean> => {
        if (status && job.status !== status) return false;
        if (langLower && ![job.sourceLang, ...Object.keys(job.targets)].some((l) => l.toLowerCase() === langLower)) return false;
        if (!needle) return true;
        if (job.title?.toLowerCase().includes(needle)) return true;
        return !job.title && !!excerptOf(await queues.store.analysis(job.id).catch(() => undefined))?.toLowerCase().includes(needle);
      };
      const { jobs, total } = status || langLower || needle ? await queues.store.recentMatching(limit, offset, scope, keep) : await queues.store.recent(limit, offset, scope);
      // Jobs sent without a title (most from the CLI and the API) are shown by their opening words.
      const listed = await Promise.all(
        jobs.map(async (job) => {
          const shown = localizeView(messages, lng, job);
          if (job.title) return shown;
          const excerpt = excerptOf(await queues.store.analysis(job.id).catch(() => undefined));
          return excerpt ? { ...shown, excerpt } : shown;
        }),
      );
      return { jobs: listed, total, offset, limit };
    },
  );
};
