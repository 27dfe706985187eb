/**
 * The OpenAPI document at /docs/json against the real server: every route
 * Fastify registers is in it with a success and `{error:{code,message}}`
 * errors, and what a sample of routes really answers (status, body, type)
 * is what the document says. A route added without a response schema fails
 * here.
 */
import { Ajv } from 'ajv';
import type { RouteOptions } from 'fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { bodyDigest, IdempotencyKeys } from '../../server/idempotency.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { REDIS_URL, stackForTests, testConfig, waitFor } from '../queue/helpers.js';

interface Media {
  schema?: Record<string, unknown>;
}
interface Response {
  description?: string;
  content?: Record<string, Media>;
  headers?: Record<string, unknown>;
}
interface Operation {
  parameters?: { name?: string; in?: string; $ref?: string; schema?: { enum?: string[] } }[];
  responses: Record<string, Response>;
  requestBody?: unknown;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { parameters: Record<string, unknown>; schemas: Record<string, unknown> };
}

const routes: RouteOptions[] = [];
/** What each handler gave Fastify to serialize, by request id: the answer must carry all of it (a response schema drops what it does not list). */
const handed = new Map<string, unknown>();
let compared = 0;
function watch(route: RouteOptions): void {
  routes.push(route);
  const own = route.preSerialization ? [route.preSerialization].flat() : [];
  route.preSerialization = [
    ...own,
    async (request, _reply, payload) => {
      handed.set(request.id, JSON.parse(JSON.stringify(payload)));
      return payload;
    },
  ] as RouteOptions['preSerialization'];
}
const config = testConfig({});
const TOKENS = 'sub-tok:submitter,rev-tok:reviewer,adm-tok:admin';
const stack = stackForTests({ config, tokens: TOKENS, onRoute: watch });
const auth = (who: 'sub' | 'rev' | 'adm') => ({ authorization: `Bearer ${who}-tok` });
let doc: Doc;
let workers: RunningWorkers | undefined;
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

beforeAll(async () => {
  const res = await stack.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json() as Doc;
});

afterAll(async () => {
  await workers?.close();
});

/** The document's path for a route: `:id` → `{id}`, no trailing slash. */
const docPath = (url: string) => (url.length > 1 ? url.replace(/\/+$/, '') : url).replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Routes that are not the API: the web page and its assets (hidden), the OpenAPI viewer itself, the bull-board dashboard. */
function isApi(r: RouteOptions): boolean {
  if ((r.schema as { hide?: boolean } | undefined)?.hide) return false;
  return !/^\/(docs|admin\/queues)(\/|$)/.test(r.url);
}

const BODYLESS = new Set(['POST /v1/jobs/:id/targets/:lang/approve']);

const isErrorSchema = (schema: unknown): boolean => {
  if (!schema || typeof schema !== 'object') return false;
  const validate = ajv.compile(schema as object);
  return validate({ error: { code: 'x', message: 'y' } }) && !validate({}) && !validate({ error: { code: 'x' } }) && !validate({ status: 'ok' });
};

describe('every route is documented', () => {
  it('each API route Fastify registered has a 2xx and its 4xx answers use the error schema', () => {
    const api = routes.filter(isApi);
    // Guard against the hook silently seeing nothing.
    expect(api.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const r of api) {
      for (const method of [r.method].flat().filter((m) => m !== 'HEAD')) {
        const where = `${method} ${r.url}`;
        const op = doc.paths[docPath(r.url)]?.[method.toLowerCase()];
        if (!op) {
          problems.push(`${where}: not in the document`);
          continue;
        }
        const statuses = Object.keys(op.responses);
        if (!statuses.some((s) => /^2/.test(s))) problems.push(`${where}: no 2xx response`);
        const errors = statuses.filter((s) => /^[45]/.test(s));
        if (!errors.some((s) => /^4/.test(s))) problems.push(`${where}: no 4xx response`);
        for (const s of errors) {
          // /healthz answers its health document with 503 on purpose: a monitor reads one shape whatever the status.
          if (r.url === '/healthz' && s === '503') continue;
          if (!isErrorSchema(op.responses[s]!.content?.['application/json']?.schema)) problems.push(`${where}: ${s} does not use {error:{code,message}}`);
        }
        for (const [s, response] of Object.entries(op.responses)) {
          if (!response.description || response.description === 'Default Response') problems.push(`${where}: ${s} has no description`);
        }
        if (!op.parameters?.some((p) => p.$ref === '#/components/parameters/XRequestId')) problems.push(`${where}: X-Request-Id not documented`);
        // A write documents what it reads; approving a target takes no body (only If-Match).
        if (['POST', 'PUT', 'PATCH'].includes(method) && !op.requestBody && !BODYLESS.has(where)) problems.push(`${where}: no request body documented`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names what issue #16 found missing: DELETE 2xx, download statuses and formats, 201 terms, Idempotency-Key, X-Request-Id', () => {
    expect(Object.keys(doc.paths['/v1/jobs/{id}']!.delete!.responses)).toContain('200');
    const bundle = doc.paths['/v1/jobs/{id}/bundle']!.get!;
    for (const s of ['200', '206', '409', '416']) expect(Object.keys(bundle.responses)).toContain(s);
    expect(bundle.parameters!.find((p) => p.name === 'format')!.schema!.enum).toContain('document');
    const create = doc.paths['/v1/glossary/terms']!.post!;
    expect(Object.keys(create.responses)).toContain('201');
    expect(Object.keys(create.responses)).not.toContain('200');
    expect(create.requestBody).toBeDefined();
    const submit = doc.paths['/v1/jobs']!.post!;
    expect(submit.parameters!.some((p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key')).toBe(true);
    expect(Object.keys(submit.responses)).toContain('409');
    expect(doc.components.parameters.XRequestId).toMatchObject({ name: 'X-Request-Id', in: 'header' });
    for (const path of ['/v1/glossary/terms', '/v1/glossary/terms/{id}', '/v1/glossary/suggestions', '/v1/glossary/import', '/v1/glossary/export']) {
      for (const op of Object.values(doc.paths[path]!)) {
        const ok = Object.entries(op.responses).find(([s]) => /^2/.test(s))![1];
        expect(ok.content ?? ok.description, path).toBeTruthy();
      }
    }
  });
});

/**
 * `res` must be an answer the document lists for this operation: its status,
 * and for JSON a body valid against that status's schema, else a documented
 * media type.
 */
function documented(res: LightMyRequestResponse, method: string, path: string): void {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} in the document`).toBeDefined();
  const response = op!.responses[String(res.statusCode)];
  expect(response, `${method} ${path} answered ${res.statusCode} (${res.body.slice(0, 200)}), which the document does not list`).toBeDefined();
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (res.statusCode === 204) return;
  const schema = response!.content?.[type]?.schema;
  // A downloaded file that happens to be JSON (aligned.json) is bytes to the document, like any other download.
  if (type === 'application/json' && schema && schema.format !== 'binary') {
    const validate = ajv.compile(schema);
    const ok = validate(res.json());
    expect(ok, `${method} ${path} ${res.statusCode}: ${ajv.errorsText(validate.errors)} in ${res.body.slice(0, 300)}`).toBe(true);
    // The schema serialized it: nothing the handler answered may be lost or changed on the way.
    const given = handed.get(String(res.headers['x-request-id']));
    if (given !== undefined) compared++;
    if (given !== undefined) expect(res.json(), `${method} ${path} ${res.statusCode}: the serializer changed the answer`).toEqual(given);
  } else {
    expect(Object.keys(response!.content ?? {}), `${method} ${path} ${res.statusCode} answered ${type}`).toContain(type);
  }
}

async function call(path: string, options: InjectOptions & { method: string; url: string }, status: number): Promise<LightMyRequestResponse> {
  const res = await stack.app.inject(options);
  expect(res.statusCode, `${options.method} ${options.url}: ${res.body.slice(0, 300)}`).toBe(status);
  documented(res, options.method, path);
  return res;
}

const ARTICLE = { text: 'Le conseil municipal de Lyon a voté le budget des transports hier soir.', sourceLang: 'fr', targets: ['es'], provider: 'pseudo' };

describe('real answers match the document', () => {
  let queued = '';
  let done = '';

  it('jobs before any worker runs: submit, list, status, cancel, not-ready downloads', async () => {
    const sub = auth('sub');
    queued = (await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', headers: sub, payload: ARTICLE }, 202)).json().id;
    done = (await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', headers: sub, payload: { ...ARTICLE, text: 'Un second article, sur les bibliothèques de quartier à Lyon.' } }, 202)).json().id;
    await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', payload: ARTICLE }, 401);
    await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', headers: sub, payload: { ...ARTICLE, text: '' } }, 400);
    await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', headers: { ...sub, 'content-type': 'text/plain' }, payload: 'hello' }, 415);
    await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', headers: sub, payload: { ...ARTICLE, targets: ['fr'] } }, 422);
    // A key whose first request is still running.
    const redis = new Redis(REDIS_URL);
    try {
      const keys = new IdempotencyKeys(redis, config.prefix);
      const owner = parseTokens(TOKENS).tokens.find((t) => t.role === 'submitter')!.owner;
      expect((await keys.reserve(owner, 'held-key', bodyDigest(ARTICLE))).kind).toBe('reserved');
    } finally {
      redis.disconnect();
    }
    await call('/v1/jobs', { method: 'POST', url: '/v1/jobs', headers: { ...sub, 'idempotency-key': 'held-key' }, payload: ARTICLE }, 409);

    await call('/v1/jobs', { method: 'GET', url: '/v1/jobs', headers: sub }, 200);
    await call('/v1/jobs', { method: 'GET', url: '/v1/jobs?status=done', headers: sub }, 400);
    await call('/v1/jobs/{id}', { method: 'GET', url: `/v1/jobs/${queued}`, headers: sub }, 200);
    await call('/v1/jobs/{id}', { method: 'GET', url: '/v1/jobs/j_nothing', headers: sub }, 404);
    await call('/v1/jobs/{id}', { method: 'GET', url: '/v1/jobs/bad%20id', headers: sub }, 400);
    await call('/v1/jobs/{id}/bundle', { method: 'GET', url: `/v1/jobs/${queued}/bundle`, headers: sub }, 409);
    await call('/v1/jobs/{id}/events', { method: 'GET', url: '/v1/jobs/j_nothing/events', headers: sub }, 404);
    await call('/v1/jobs/{id}', { method: 'DELETE', url: `/v1/jobs/${queued}`, headers: sub }, 200);
    await call('/v1/jobs/{id}', { method: 'DELETE', url: `/v1/jobs/${queued}`, headers: sub }, 409);
    await call('/v1/jobs/{id}/review', { method: 'GET', url: `/v1/jobs/${queued}/review`, headers: sub }, 403);
    await call('/v1/jobs/{id}/review', { method: 'GET', url: `/v1/jobs/${queued}/review`, headers: auth('rev') }, 409);
  });

  it('a completed job: downloads (200, 206, 400, 404, 416), events, review, edits, approval, XLIFF', async () => {
    workers = await startWorkers({ config, concurrency: 2 });
    const sub = auth('sub');
    const rev = auth('rev');
    await waitFor(async () => ((await stack.app.inject({ method: 'GET', url: `/v1/jobs/${done}`, headers: sub })).json().status === 'completed' ? true : undefined), 'job to complete');
    const bundle = '/v1/jobs/{id}/bundle';
    const zip = await call(bundle, { method: 'GET', url: `/v1/jobs/${done}/bundle`, headers: sub }, 200);
    await call(bundle, { method: 'GET', url: `/v1/jobs/${done}/bundle`, headers: { ...sub, range: 'bytes=0-9' } }, 206);
    await call(bundle, { method: 'GET', url: `/v1/jobs/${done}/bundle`, headers: { ...sub, range: `bytes=${zip.rawPayload.length + 10}-` } }, 416);
    for (const format of ['json', 'xliff', 'tmx', 'csv', 'i18next', 'document']) {
      await call(bundle, { method: 'GET', url: `/v1/jobs/${done}/bundle?format=${format}&target=es`, headers: sub }, 200);
    }
    await call(bundle, { method: 'GET', url: `/v1/jobs/${done}/bundle?format=docx`, headers: sub }, 400);
    await call(bundle, { method: 'GET', url: `/v1/jobs/${done}/bundle?format=document&target=de`, headers: sub }, 404);
    await call('/v1/jobs/{id}/events', { method: 'GET', url: `/v1/jobs/${done}/events`, headers: sub }, 200);

    const view = (await call('/v1/jobs/{id}/review', { method: 'GET', url: `/v1/jobs/${done}/review`, headers: rev }, 200)).json() as { revision: number; segments: { id: string; translatable: boolean; targets: { es: { text: string } } }[] };
    const seg = view.segments.find((s) => s.translatable)!;
    const edit = '/v1/jobs/{id}/targets/{lang}/segments/{segmentId}';
    const url = `/v1/jobs/${done}/targets/es/segments/${seg.id}`;
    await call(edit, { method: 'PUT', url, headers: rev, payload: { text: seg.targets.es.text } }, 428);
    await call(edit, { method: 'PUT', url, headers: { ...rev, 'if-match': '"99"' }, payload: { text: seg.targets.es.text } }, 412);
    await call(edit, { method: 'PUT', url, headers: { ...rev, 'if-match': `"${view.revision}"` }, payload: { text: `${seg.targets.es.text} (revu)` } }, 200);
    await call(edit, { method: 'PUT', url: `/v1/jobs/${done}/targets/es/segments/nope`, headers: { ...rev, 'if-match': '*' }, payload: { text: 'x' } }, 404);
    await call('/v1/jobs/{id}/targets/{lang}/approve', { method: 'POST', url: `/v1/jobs/${done}/targets/es/approve`, headers: rev }, 200);
    const xliff = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${done}/bundle?format=xliff&target=es`, headers: sub })).body;
    await call('/v1/jobs/{id}/xliff', { method: 'POST', url: `/v1/jobs/${done}/xliff`, headers: { ...rev, 'content-type': 'application/xml' }, payload: xliff }, 200);
    await call('/v1/jobs/{id}/xliff', { method: 'POST', url: `/v1/jobs/${done}/xliff`, headers: { ...rev, 'content-type': 'application/xml' }, payload: '<xliff' }, 400);
  });

  it('detect, who am I, sessions, providers, health, metrics, usage', async () => {
    const sub = auth('sub');
    await call('/v1/detect', { method: 'POST', url: '/v1/detect', headers: sub, payload: { text: ARTICLE.text } }, 200);
    await call('/v1/detect', { method: 'POST', url: '/v1/detect', headers: sub, payload: { nope: 1 } }, 400);
    await call('/v1/me', { method: 'GET', url: '/v1/me', headers: sub }, 200);
    await call('/v1/me', { method: 'GET', url: '/v1/me' }, 401);
    await call('/v1/session', { method: 'POST', url: '/v1/session', payload: { token: 'sub-tok' } }, 200);
    await call('/v1/session', { method: 'POST', url: '/v1/session', payload: { token: 'wrong' } }, 401);
    await call('/v1/session', { method: 'DELETE', url: '/v1/session' }, 204);
    await call('/v1/providers', { method: 'GET', url: '/v1/providers?health=false&from=fr&to=es,vi', headers: sub }, 200);
    await call('/v1/providers', { method: 'GET', url: '/v1/providers?health=maybe', headers: sub }, 400);
    await call('/healthz', { method: 'GET', url: '/healthz' }, 200);
    await call('/metrics', { method: 'GET', url: '/metrics', headers: auth('adm') }, 200);
    await call('/metrics', { method: 'GET', url: '/metrics', headers: sub }, 403);
    await call('/v1/admin/usage', { method: 'GET', url: '/v1/admin/usage', headers: auth('adm') }, 200);
  });

  it('glossary: terms, review, bulk, conflicts, suggestions, version, export, import', async () => {
    const sub = auth('sub');
    const rev = auth('rev');
    const terms = '/v1/glossary/terms';
    const one = '/v1/glossary/terms/{id}';
    await call(terms, { method: 'GET', url: '/v1/glossary/terms?limit=5', headers: sub }, 200);
    await call(terms, { method: 'GET', url: '/v1/glossary/terms?limit=-1', headers: sub }, 400);
    const made = (await call(terms, { method: 'POST', url: terms, headers: sub, payload: { term: 'OpenAPI', lang: 'fr', kind: 'keep' } }, 201)).json() as { id: string };
    await call(terms, { method: 'POST', url: terms, headers: sub, payload: { term: 'OpenAPI', lang: 'fr', kind: 'keep' } }, 409);
    await call(terms, { method: 'POST', url: terms, headers: sub, payload: { term: 'x', lang: 'fr', kind: 'sometimes' } }, 422);
    await call(one, { method: 'GET', url: `${terms}/${made.id}`, headers: sub }, 200);
    await call(one, { method: 'GET', url: `${terms}/nope`, headers: sub }, 404);
    await call(one, { method: 'PATCH', url: `${terms}/${made.id}`, headers: sub, payload: { note: 'the API description format' } }, 200);
    await call('/v1/glossary/terms/{id}/approve', { method: 'POST', url: `${terms}/${made.id}/approve`, headers: sub, payload: {} }, 403);
    await call('/v1/glossary/terms/{id}/approve', { method: 'POST', url: `${terms}/${made.id}/approve`, headers: rev, payload: {} }, 200);
    await call('/v1/glossary/terms/{id}/approve', { method: 'POST', url: `${terms}/${made.id}/approve`, headers: rev, payload: {} }, 409);
    await call('/v1/glossary/terms/{id}/deprecate', { method: 'POST', url: `${terms}/${made.id}/deprecate`, headers: rev, payload: {} }, 200);
    const other = (await call(terms, { method: 'POST', url: terms, headers: sub, payload: { term: 'Swagger', lang: 'fr', kind: 'keep' } }, 201)).json() as { id: string };
    await call('/v1/glossary/bulk-reject', { method: 'POST', url: '/v1/glossary/bulk-reject', headers: rev, payload: { ids: [other.id] } }, 200);
    await call('/v1/glossary/bulk-approve', { method: 'POST', url: '/v1/glossary/bulk-approve', headers: rev, payload: { ids: ['nope'] } }, 404);
    await call('/v1/glossary/conflicts', { method: 'GET', url: '/v1/glossary/conflicts', headers: sub }, 200);
    await call('/v1/glossary/suggestions', { method: 'GET', url: '/v1/glossary/suggestions', headers: sub }, 200);
    await call('/v1/glossary/version', { method: 'GET', url: '/v1/glossary/version', headers: sub }, 200);
    await call('/v1/glossary/export', { method: 'GET', url: '/v1/glossary/export?format=csv', headers: sub }, 200);
    await call('/v1/glossary/export', { method: 'GET', url: '/v1/glossary/export?format=pdf', headers: sub }, 400);
    const yaml = `lang: fr\nterms:\n  - term: documentation d'API\n    kind: keep\n`;
    await call('/v1/glossary/import', { method: 'POST', url: '/v1/glossary/import', headers: { ...rev, 'content-type': 'application/yaml' }, payload: yaml }, 200);
    await call('/v1/glossary/import', { method: 'POST', url: '/v1/glossary/import', headers: { ...rev, 'content-type': 'application/yaml' }, payload: '- 1\n' }, 422);
    await call(one, { method: 'DELETE', url: `${terms}/${other.id}`, headers: rev }, 204);
  });

  it('compared what the handlers answered with what was sent for most JSON answers', () => {
    // The comparison above is skipped for answers sent as text (errors from sendError are objects too): make sure it ran.
    expect(compared).toBeGreaterThan(40);
  });
});
