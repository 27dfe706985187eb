/**
 * Glossary review API, mounted at `/v1/glossary`. Reading and proposing need
 * any valid token; deciding (approve, reject, deprecate, bulk approve,
 * import) needs reviewer or admin. The rules themselves live in
 * glossary/workflow.ts so the HTTP layer only maps them.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Readable } from 'node:stream';
import { CONTENT_TYPES, GLOSSARY_FORMATS, formatFromName, parseGlossaryFile, requireFormat, streamGlossaryFile, type GlossaryFormat } from '../../glossary/io/index.js';
import { MAX_TBX_BYTES } from '../../glossary/io/tbx.js';
import { LANG_TAG, describeZod, statusSchema, termInputSchema, termPatchSchema } from '../../glossary/schema.js';
import { AUTH_ERRORS, conflictSchema, errorResponses, noContent, termSchema } from '../schemas.js';
import type { GlossaryStore } from '../../glossary/store.js';
import { REVIEW_ACTIONS, type Actor, type ReviewAction } from '../../glossary/workflow.js';
import { InputError } from '../../pipeline/errors.js';
import { TERM_KINDS } from '../../pipeline/glossary/index.js';
import type { Term, TermKind, TermStatus } from '../../pipeline/model.js';
import { requireRole, type AuthConfig } from '../auth.js';
import { decodeBody, sendLocalized } from '../http-errors.js';

/** Terms per piece of a streamed export: small enough that formatting one never holds the event loop for long. */
const EXPORT_CHUNK = 200;

/** Import bodies: a glossary file is bigger than a JSON request but has no reason to exceed this. */
export const IMPORT_BODY_LIMIT = MAX_TBX_BYTES;

const FILE_TYPES = [
  'text/csv',
  'text/tab-separated-values',
  'application/x-tbx+xml',
  'application/tbx+xml',
  'application/xml',
  'text/xml',
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
  'text/plain',
  'application/octet-stream',
];

function invalid(message: string, status = 400, params: Record<string, unknown> = { detail: message }): InputError {
  return new InputError('invalid-request', message, { status, params });
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw invalid(describeZod(r.error, `${what}: `));
  return r.data;
}

const lang = z.string().regex(LANG_TAG, { error: 'must be a language code such as fr, en, vi or pt-BR' });
const int = (max: number) => z.coerce.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must not be negative' }).max(max, { error: `must be at most ${max}` });

const listQuery = z.object({
  status: statusSchema.optional(),
  kind: z.enum(TERM_KINDS as [TermKind, ...TermKind[]], { error: 'kind must be keep, translate or forbidden' }).optional(),
  lang: lang.optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(['updated', 'frequency'], { error: 'sort must be updated or frequency' }).optional(),
  offset: int(1_000_000).optional(),
  limit: int(1000).optional(),
  token: z.string().optional(),
});

const fileQuery = z.object({
  format: z.string().optional(),
  source: lang.optional(),
  target: lang.optional(),
  status: statusSchema.optional(),
  token: z.string().optional(),
});

/** An import writes: a parameter it does not know (`?dryRun=1`, `?sorce=fr`) must not be ignored while the file goes in. */
const importQuery = fileQuery.extend({ lng: z.string().optional() }).strict();

const idParams = z.object({ id: z.string().min(1).max(64) });
const reviewBody = z.strictObject({ comment: z.string().max(2000).optional() });
const bulkBody = z.strictObject({ ids: z.array(z.string().min(1).max(64)).min(1, { error: 'ids must list at least one term id' }).max(5000) });

/**
 * The routes read their own query and body with zod (its messages are the
 * ones users see); the document shows the same zod schemas as JSON Schema,
 * so the two cannot disagree.
 */
function docOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema: docOf(schema) } } });

const termPage = {
  type: 'object',
  description: 'One page of terms and how many match',
  properties: { terms: { type: 'array', items: termSchema }, total: { type: 'integer' }, offset: { type: 'integer' }, limit: { type: 'integer' } },
};
const termWithWarnings = (description: string) => ({
  type: 'object',
  description,
  properties: { term: termSchema, warnings: { type: 'array', items: conflictSchema, description: 'Approved terms this one now overlaps or contradicts' } },
});
const READ_ERRORS = errorResponses({ ...AUTH_ERRORS, 400: 'invalid-request: a bad query parameter' });
const ID_ERRORS = { 400: 'invalid-request', 404: 'glossary-term-not-found' };
const GLOSSARY_FILE_TYPES = Object.fromEntries(Object.values(CONTENT_TYPES).map((t) => [t.split(';')[0]!, { schema: { type: 'string' } }]));

function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  // requireRole ran before every handler here; without it there is no principal and nothing may happen.
  if (!p) throw new InputError('unauthorized', 'a valid bearer token is required', { status: 401 });
  return { role: p.role, name: p.name };
}

/** What a client is told to wait while the glossary is migrated. */
const MIGRATING_RETRY_AFTER_S = 5;

export const glossaryRoutes: FastifyPluginAsync<{ store: GlossaryStore; auth: AuthConfig }> = async (app, { store, auth }) => {
  const anyone = requireRole(auth, 'submitter');
  const reviewer = requireRole(auth, 'reviewer');

  // While a store of an earlier layout is migrated (in the background, see glossary-migration.ts) its indexes are
  // incomplete: listings, exports and writes would be wrong, so they answer 503 + Retry-After until it is done. The version
  // and conflicts come from the approved terms, which every layout keeps, and stay open. After auth (hooks of the route's
  // onRequest run first), before the body is read.
  const OPEN_WHILE_MIGRATING = new Set(['/v1/glossary/version', '/v1/glossary/conflicts']);
  app.addHook('preParsing', async (request, reply, payload) => {
    if (OPEN_WHILE_MIGRATING.has(request.routeOptions.url ?? '') || (await store.isMigrated())) return payload;
    reply.header('retry-after', String(MIGRATING_RETRY_AFTER_S));
    await sendLocalized(reply, request, 503, { code: 'glossary-migrating', message: 'the glossary is being brought to the current storage layout; try again in a few seconds' });
    return payload;
  });

  // Files arrive as the raw body, decoded by their byte-order mark or declared charset (a TBX is often UTF-16); JSON keeps the app's parser.
  app.addContentTypeParser(FILE_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (req, body, done) => {
    try {
      done(null, decodeBody(body as Buffer, req.headers['content-type']));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.get('/terms', { preHandler: anyone, schema: {
        summary: 'List glossary terms, newest first (filters: status, kind, lang, q; sort: updated or frequency; paging: offset, limit)',
        tags: ['glossary'],
        response: { 200: termPage, ...READ_ERRORS },
      },
      config: { openapi: { querystring: docOf(listQuery) } },
    },
    async (request) => {
    const q = parseWith(listQuery, request.query, 'query');
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 100;
    const { terms, total } = await store.list({ ...q, offset, limit });
    return { terms, total, offset, limit };
  });

  app.post('/terms', { preHandler: anyone, schema: {
        summary: 'Propose a term (reviewers may create it approved)',
        tags: ['glossary'],
        response: {
          201: { ...termSchema, description: 'Created: the term', headers: { location: { type: 'string', description: '/v1/glossary/terms/{id}' } } },
          ...errorResponses({
            ...AUTH_ERRORS,
            400: 'invalid-request: not a JSON object',
            403: 'forbidden: a submitter may only propose; or the role may not',
            409: 'glossary-term-exists',
            413: true,
            415: true,
            422: 'glossary-invalid-term: the term does not follow the glossary model',
          }),
        },
      },
      config: { openapi: { body: json(termInputSchema) } },
    },
    async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('send the term as a JSON object, e.g. {"term":"GPU","lang":"fr","kind":"keep"}', 400, { context: 'term-object' });
    const status = (body as { status?: unknown }).status;
    if (status !== undefined && status !== 'proposed' && actor.role === 'submitter') {
      throw new InputError('forbidden', `a submitter can only propose terms; creating one as ${String(status)} needs the reviewer role`, { status: 403, params: { status: String(status), context: 'propose-only' } });
    }
    const term = await store.create(body, actor);
    return reply.code(201).header('location', `${request.url.split('?')[0]!.replace(/\/+$/, '')}/${encodeURIComponent(term.id)}`).send(term);
  });

  app.get('/terms/:id', { preHandler: anyone, schema: { summary: 'One term with its history', tags: ['glossary'], response: { 200: { ...termSchema, description: 'The term' }, ...errorResponses({ ...AUTH_ERRORS, ...ID_ERRORS }) } },
      config: { openapi: { params: docOf(idParams) } },
    },
    async (request) => {
    const { id } = parseWith(idParams, request.params, 'path');
    const term = await store.get(id);
    if (!term) throw new InputError('glossary-term-not-found', `no glossary term with id "${id}"`, { status: 404, params: { id } });
    return term;
  });

  app.patch('/terms/:id', { preHandler: anyone, schema: {
        summary: 'Edit a term (reviewers: any; proposers: their own proposed term)',
        tags: ['glossary'],
        response: {
          200: termWithWarnings('Edited'),
          ...errorResponses({ ...AUTH_ERRORS, ...ID_ERRORS, 400: 'invalid-request: a read-only field or a bad value', 403: 'forbidden: not the proposer, or the term is decided', 413: true, 415: true, 422: 'glossary-invalid-term' }),
        },
      },
      config: { openapi: { params: docOf(idParams), body: json(termPatchSchema) } },
    },
    async (request) => {
    const { id } = parseWith(idParams, request.params, 'path');
    const body = request.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && ('status' in body || 'history' in body || 'id' in body)) {
      throw invalid('status, id and history cannot be edited: use POST …/approve, …/reject or …/deprecate to change the status', 400, { context: 'read-only' });
    }
    const patch = parseWith(termPatchSchema, body, 'body');
    return store.update(id, patch, actorOf(request));
  });

  app.delete('/terms/:id', { preHandler: anyone, schema: {
        summary: 'Delete a term (reviewers; proposers: their own proposed term)',
        tags: ['glossary'],
        response: { 204: noContent('Deleted'), ...errorResponses({ ...AUTH_ERRORS, ...ID_ERRORS, 403: 'forbidden: not the proposer, or the term is decided' }) },
      },
      config: { openapi: { params: docOf(idParams) } },
    },
    async (request, reply) => {
    const { id } = parseWith(idParams, request.params, 'path');
    await store.remove(id, actorOf(request));
    return reply.code(204).send();
  });

  for (const action of REVIEW_ACTIONS) {
    app.post(`/terms/:id/${action}`, { preHandler: reviewer, schema: {
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a term (reviewer)`,
          tags: ['glossary'],
          response: { 200: termWithWarnings('Done: the term in its new status'), ...errorResponses({ ...AUTH_ERRORS, ...ID_ERRORS, 409: 'glossary-bad-transition: the action does not apply to the term’s status', 415: true }) },
        },
        config: { openapi: { params: docOf(idParams), body: json(reviewBody) } },
      },
      async (request) => {
      const { id } = parseWith(idParams, request.params, 'path');
      const { comment } = parseWith(reviewBody, request.body, 'body');
      return store.review(id, action as ReviewAction, actorOf(request), comment);
    });
  }

  for (const action of ['approve', 'reject'] as const) {
    app.post(`/bulk-${action}`, { preHandler: reviewer, schema: {
          summary: `${action === 'approve' ? 'Approve' : 'Reject'} several terms at once, all or none (reviewer)`,
          tags: ['glossary'],
          response: {
            200: {
              type: 'object',
              description: 'Done: every term in its new status',
              properties: { terms: { type: 'array', items: termSchema }, warnings: { type: 'array', items: conflictSchema } },
            },
            ...errorResponses({ ...AUTH_ERRORS, ...ID_ERRORS, 409: 'glossary-bad-transition: one of the terms cannot take the action (none changed)', 415: true }),
          },
        },
        config: { openapi: { body: json(bulkBody) } },
      },
      async (request) => {
      const { ids } = parseWith(bulkBody, request.body, 'body');
      return store.bulkReview(ids, action, actorOf(request));
    });
  }

  app.get('/conflicts', { preHandler: anyone, schema: {
        summary: 'Approved terms that overlap or contradict each other (offset, limit)',
        tags: ['glossary'],
        response: {
          200: { type: 'object', description: 'One page of conflicts', properties: { conflicts: { type: 'array', items: conflictSchema }, total: { type: 'integer' }, offset: { type: 'integer' }, limit: { type: 'integer' } } },
          ...READ_ERRORS,
        },
      },
      config: { openapi: { querystring: docOf(listQuery.pick({ offset: true, limit: true, token: true })) } },
    },
    async (request) => {
    const q = parseWith(listQuery, request.query, 'query');
    const all = await store.conflicts();
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 100;
    return { conflicts: all.slice(offset, offset + limit), total: all.length, offset, limit };
  });

  app.get('/suggestions', { preHandler: anyone, schema: { summary: 'Proposed terms found in articles, most frequent first', tags: ['glossary'], response: { 200: termPage, ...READ_ERRORS } },
      config: { openapi: { querystring: docOf(listQuery.pick({ lang: true, q: true, offset: true, limit: true, token: true })) } },
    },
    async (request) => {
    const q = parseWith(listQuery, request.query, 'query');
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 100;
    const { terms, total } = await store.list({ status: 'proposed', lang: q.lang, q: q.q, sort: 'frequency', offset, limit });
    return { terms, total, offset, limit };
  });

  app.get('/version', { preHandler: anyone, schema: {
        summary: 'Current glossary version and approved term count',
        tags: ['glossary'],
        response: { 200: { type: 'object', description: 'The version', properties: { version: { type: 'string' }, approved: { type: 'integer' } } }, ...errorResponses(AUTH_ERRORS) },
      },
    },
    async () => {
    const { terms, version } = await store.approvedTerms();
    return { version, approved: terms.length };
  });

  app.get('/export', { preHandler: anyone, schema: {
        summary: 'Export the glossary as yaml, csv, tsv or tbx (streamed)',
        tags: ['glossary'],
        response: {
          200: {
            description: 'The file',
            headers: { 'content-disposition': { type: 'string' }, 'x-glossary-version': { type: 'string', description: 'The version exported' } },
            content: GLOSSARY_FILE_TYPES,
          },
          ...errorResponses({ ...AUTH_ERRORS, 400: 'glossary-bad-format, invalid-request' }),
        },
      },
      config: { openapi: { querystring: docOf(fileQuery.extend({ format: z.enum(GLOSSARY_FORMATS) })) } },
    },
    async (request, reply) => {
    const q = parseWith(fileQuery, request.query, 'query');
    const format = requireFormat(q.format);
    const [version, shape] = await Promise.all([store.version(), store.stats()]);
    const file = streamGlossaryFile(withStatus(store.iterate(EXPORT_CHUNK), q.status), format, shape, { source: q.source, target: q.target });
    // The first piece is taken before answering, so a bad parameter is still a 4xx and not a cut-off download.
    const first = await file.next();
    const ext = format === 'yaml' ? 'yaml' : format;
    return reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="glossary-${version}.${ext}"`)
      .header('x-glossary-version', version)
      .send(Readable.from(prepend(first, file)));
  });

  app.post(
    '/import',
    { preHandler: reviewer, bodyLimit: IMPORT_BODY_LIMIT, schema: {
        summary: 'Import a yaml, csv, tsv or tbx file, all or nothing (reviewer)',
        tags: ['glossary'],
        response: {
          200: {
            type: 'object',
            description: 'Imported',
            properties: {
              total: { type: 'integer' },
              created: { type: 'integer' },
              updated: { type: 'integer' },
              unchanged: { type: 'integer' },
              version: { type: 'string', description: 'The glossary version after the import' },
              warnings: { type: 'array', items: conflictSchema },
            },
          },
          ...errorResponses({ ...AUTH_ERRORS, 400: 'glossary-bad-format, invalid-request', 413: 'body-too-large, glossary-too-large', 415: 'unsupported-media-type, unsupported-charset', 422: 'glossary-invalid, glossary-bad-file, glossary-invalid-term, glossary-empty-file, glossary-unsafe-xml' }),
        },
      },
      config: { openapi: { querystring: docOf(importQuery), body: { content: { ...GLOSSARY_FILE_TYPES, 'text/tab-separated-values': { schema: { type: 'string' } } } } } },
    },
    async (request) => {
      const q = parseWith(importQuery, request.query, 'query');
      if (typeof request.body !== 'string') {
        throw new InputError('unsupported-media-type', 'send the glossary file itself as the request body, with Content-Type text/csv, text/tab-separated-values, application/x-tbx+xml or application/yaml', { status: 415, params: { context: 'glossary' } });
      }
      const format: GlossaryFormat = q.format ? requireFormat(q.format) : (formatFromContentType(request.headers['content-type']) ?? 'yaml');
      const terms = parseGlossaryFile(request.body, format, { source: q.source, target: q.target, status: q.status, file: `import.${format}` });
      return store.importTerms(terms, actorOf(request));
    },
  );
};

async function* withStatus(chunks: AsyncIterable<Term[]>, status: TermStatus | undefined): AsyncGenerator<Term[]> {
  for await (const terms of chunks) yield status ? terms.filter((t) => t.status === status) : terms;
}

async function* prepend(first: IteratorResult<string>, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}

function formatFromContentType(type: string | undefined): GlossaryFormat | undefined {
  const t = (type ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'text/csv') return 'csv';
  if (t === 'text/tab-separated-values') return 'tsv';
  if (t.includes('xml')) return 'tbx';
  if (t.includes('yaml')) return 'yaml';
  return formatFromName(t);
}
