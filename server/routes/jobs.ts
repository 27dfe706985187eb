/** `/v1/jobs`: submit, status, server-sent progress, downloads, cancel, post-edited XLIFF. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import { InputError } from '../../pipeline/errors.js';
import { contentDisposition, downloadFromZip, selectDownload, type Download } from '../../pipeline/formats/download.js';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import type { TranslationMemory } from '../../pipeline/model.js';
import { applyXliff, MAX_XLIFF_BYTES } from '../../pipeline/postedit.js';
import { DOC_FORMATS } from '../../pipeline/ingest.js';
import type { i18n } from 'i18next';
import { getI18n, renderError } from '../../locales/i18n.js';
import { TERMINAL, toView, type JobError, type JobView, type StoredMessage, type TargetState } from '../../workers/store.js';
import type { Queues } from '../../workers/queues.js';
import { deliver, type WebhookJobData } from '../../workers/webhooks.js';
import type { Queue } from 'bullmq';
import { submitArticle, type SubmitContext, type Submission } from '../../workers/submit.js';
import { requireRole, type AuthConfig } from '../auth.js';
import { maySee, ownerForSubmission } from '../ownership.js';
import { requestLang, sendError, sendLocalized } from '../http-errors.js';
import { localStreamSlots, type StreamSlotPool } from '../shared-limits.js';
import { commitRevision, findingSchema } from './review.js';
import { etagOfAsync, sendBytes } from '../byte-range.js';
import { DOWNLOAD_CACHE_BYTES, DownloadCache, downloadKey } from '../download-cache.js';
import { bodyDigest, IdempotencyKeys, idempotencyKeyOf, IN_FLIGHT_RETRY_AFTER_S, inFlightKey, reusedKey } from '../idempotency.js';
import { AUTH_ERRORS, binary, errorResponses, eventStream } from '../schemas.js';
import { DOWNLOAD_FORMATS } from '../../pipeline/formats/download.js';

export interface JobRoutesOptions {
  queues: Queues;
  auth: AuthConfig;
  submit: Omit<SubmitContext, 'queues'>;
  tm: TranslationMemory;
  t: TFunction;
  /** How often SSE streams look at the job record. */
  pollMs?: number;
  /** Streams one caller may hold open, and how long one lasts before the client is told to reconnect. */
  /** Event streams: a slot pool (shared through Redis by the server; per process when absent, `perToken` each) and the longest lifetime. */
  sse?: { slots?: StreamSlotPool; perToken?: number; maxMs: number };
  /** Bytes of unpacked single-file downloads kept in this process (LOCFLOW_DOWNLOAD_CACHE_BYTES; 0: none). */
  downloadCacheBytes?: number;
  /** Blanks credentials in what event streams send (they bypass the server's onSend scrubbing). */
  scrub?: (text: string) => string;
}

/** The reconnect delay sent with `retry:` when a stream reaches its lifetime. */
export const SSE_RETRY_MS = 1000;

const messageSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, params: { type: 'object', additionalProperties: true } },
};

const targetSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    status: { type: 'string' },
    done: { type: 'integer' },
    total: { type: 'integer' },
    provider: { type: 'string' },
    route: { type: 'string' },
    billedChars: { type: 'integer' },
    tmHits: { type: 'integer' },
    error: { type: 'string', description: "The failure in the request's language" },
    errorCode: { type: 'string' },
    errorParams: { type: 'object', additionalProperties: true },
    warnings: { type: 'array', items: { type: 'string' }, description: "Provider notes in the request's language" },
    notes: { type: 'array', items: messageSchema, description: 'The same notes as codes, params and English text' },
  },
};
export const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string', description: 'The title given at submission: metadata, never part of the article' },
    status: { type: 'string', enum: ['queued', 'active', 'completed', 'failed', 'cancelled'] },
    progress: { type: 'integer', minimum: 0, maximum: 100 },
    sourceLang: { type: 'string' },
    confidence: { type: 'number' },
    detection: { type: 'string' },
    targets: { type: 'object', additionalProperties: targetSchema },
    provider: { type: 'string' },
    providers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Provider per target, when the submission chose them per target' },
    glossaryVersion: { type: 'string' },
    segments: { type: 'integer' },
    submittedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    revision: { type: 'integer' },
    webhook: {
      type: 'object',
      description: 'Webhook outcomes: the last delivery and the most recent failed attempts',
      properties: {
        delivered: { type: 'object', properties: { event: { type: 'string' }, at: { type: 'string' }, status: { type: 'integer' } } },
        failures: {
          type: 'array',
          items: { type: 'object', properties: { event: { type: 'string' }, at: { type: 'string' }, attempt: { type: 'integer' }, final: { type: 'boolean' }, error: { type: 'string' } } },
        },
      },
    },
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, params: { type: 'object', additionalProperties: true }, target: { type: 'string' } },
    },
  },
};
/**
 * A stored message in `lng`. English is the stored text itself, so English
 * readers see exactly what the worker wrote; other languages are rendered
 * from the code and params, with the English text wherever that cannot be
 * done (an unknown code, a missing variable, a record written before codes
 * were kept).
 */
function say(i18n: i18n, lng: string, m: StoredMessage): string {
  return lng === 'en' ? m.message : renderError(i18n, lng, m);
}

function sayJobError(i18n: i18n, lng: string, e: JobError): string {
  const lead = e.target ? `${e.target}: ` : '';
  if (lng === 'en' || !lead || !e.message.startsWith(lead)) return say(i18n, lng, e);
  return lead + say(i18n, lng, { ...e, message: e.message.slice(lead.length) });
}

function localizeTarget(i18n: i18n, lng: string, s: TargetState): TargetState {
  const out = { ...s };
  if (s.error !== undefined && s.errorCode) out.error = say(i18n, lng, { code: s.errorCode, message: s.error, params: s.errorParams });
  if (s.warnings && s.notes && s.notes.length === s.warnings.length) out.warnings = s.notes.map((n) => say(i18n, lng, n));
  return out;
}

/**
 * A job as one reader sees it: the failure, each target's error and the
 * provider notes in `lng`. Codes and params go along unchanged, so programs
 * keep matching on the code whatever the language.
 */
export function localizeView<V extends JobView>(i18n: i18n, lng: string, view: V): V {
  const targets: Record<string, TargetState> = {};
  for (const [lang, s] of Object.entries(view.targets)) targets[lang] = localizeTarget(i18n, lng, s);
  return { ...view, targets, ...(view.error ? { error: { ...view.error, message: sayJobError(i18n, lng, view.error) } } : {}) };
}

const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }, required: ['id'] };

const submitted = { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string', enum: ['queued', 'active', 'completed', 'failed', 'cancelled'] } } };
const LOCATION = { location: { type: 'string', description: 'The job: /v1/jobs/{id}' } };

/** What a download can be: the bundle zip, or one file of it (`format`). */
const DOWNLOAD_TYPES = ['application/zip', 'application/x-xliff+xml', 'application/x-tmx+xml', 'application/json', 'text/csv', 'text/plain', 'text/markdown', 'text/html'];
const DOWNLOAD_HEADERS = {
  etag: { type: 'string', description: 'Strong validator of these bytes; send it back as If-Range to resume' },
  'accept-ranges': { type: 'string', description: 'bytes' },
  'content-disposition': { type: 'string', description: 'attachment; filename=…' },
};
const bundleQuery = {
  type: 'object',
  properties: {
    format: { type: 'string', description: 'zip (default) or one file: json, xliff, tmx, i18next, csv, document (the translated article alone)' },
    target: { type: 'string', description: 'The language of xliff, i18next and document (required when the job has several targets)' },
    token: { type: 'string', description: 'The bearer token, for links that cannot send headers' },
  },
};

export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, opts) => {
  const { queues, auth, t } = opts;
  const store = queues.store;
  const submitter = requireRole(auth, 'submitter');
  const reviewer = requireRole(auth, 'reviewer');
  const ctx: SubmitContext = { ...opts.submit, queues };
  const idempotency = new IdempotencyKeys(queues.redis, queues.config.prefix);
  const slots = opts.sse?.slots ?? localStreamSlots(opts.sse?.perToken ?? 20);
  const sseMaxMs = opts.sse?.maxMs ?? 30 * 60_000;
  const scrub = opts.scrub ?? ((text: string) => text);
  const downloads = new DownloadCache(opts.downloadCacheBytes ?? DOWNLOAD_CACHE_BYTES);

  const messages = await getI18n();
  const load = async (request: FastifyRequest<{ Params: { id: string } }>): Promise<JobView> => {
    const rec = await store.get(request.params.id);
    // Another token's job is not there, as far as a submitter can tell.
    const view = rec && maySee(auth, request.principal, rec.meta.owner) ? toView(rec) : undefined;
    if (!view) {
      throw new InputError('job-not-found', t('errors:job-not-found', { lng: 'en', id: request.params.id }), { status: 404, params: { id: request.params.id } });
    }
    return view;
  };

  app.post<{ Body: Submission }>(
    '/',
    {
      preHandler: submitter,
      schema: {
        summary: 'Submit an article for translation',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text', 'targets'],
          properties: {
            text: { type: 'string', description: 'The article: plain text, Markdown or HTML (empty or blank: 400 empty-input)' },
            format: { type: 'string', enum: [...DOC_FORMATS] },
            title: { type: 'string', maxLength: 1000 },
            sourceLang: { type: 'string', maxLength: 35, description: 'BCP-47 code, or auto (default)' },
            targets: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 35 } },
            provider: { type: 'string', maxLength: 100, description: 'Provider for the targets `providers` does not name (default: the configured route)' },
            providers: {
              type: 'object',
              description: 'Provider per target language, e.g. {"vi":"pseudo","en":"deepl"}',
              maxProperties: 50,
              additionalProperties: { type: 'string', minLength: 1, maxLength: 100 },
            },
            webhookUrl: { type: 'string', maxLength: 2000 },
          },
        },
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              description:
                'Makes retries safe: 1 to 255 visible ASCII characters (a UUID). The same key and body within 24 h answer the first job (Idempotent-Replayed: true); another body is 422 idempotency-key-reused; while the first request with the key still runs, 409 idempotency-key-in-flight',
            },
          },
        },
        response: {
          202: {
            ...submitted,
            description: 'Accepted: the job (the same article with the same options gives the same id)',
            headers: { ...LOCATION, 'idempotent-replayed': { type: 'string', description: '`true` when an Idempotency-Key retry answered the first job' } },
          },
          ...errorResponses({
            ...AUTH_ERRORS,
            400: 'invalid-request, empty-input, bad-idempotency-key, unknown-language, unknown-provider …',
            409: 'idempotency-key-in-flight: a request with this Idempotency-Key is still running (Retry-After)',
            413: true,
            415: true,
            422: 'target-is-source, no-route (with what to configure), idempotency-key-reused …',
            502: 'a provider refused the request',
          }),
        },
      },
    },
    async (request, reply) => {
      const owner = ownerForSubmission(auth, request);
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      if (!key) {
        const r = await submitArticle(ctx, request.body, owner);
        request.log.info({ job: r.id, created: r.created }, 'job submitted');
        return reply.code(202).header('location', `/v1/jobs/${r.id}`).send({ id: r.id, status: r.status });
      }
      const digest = bodyDigest(request.body);
      // The key is taken before anything is submitted: two requests that race with one key never make two jobs.
      const held = await idempotency.reserve(owner, key, digest);
      if (held.kind !== 'reserved') {
        const body = held.kind === 'done' ? held.remembered.body : held.body;
        if (body !== digest) throw reusedKey(key);
        if (held.kind === 'in-flight') {
          reply.header('retry-after', String(IN_FLIGHT_RETRY_AFTER_S));
          throw inFlightKey(key);
        }
        // A retry: the job it made the first time, in its state now.
        const { id } = held.remembered;
        const status = (await store.status(id)) ?? 'queued';
        return reply.code(202).header('location', `/v1/jobs/${id}`).header('idempotent-replayed', 'true').send({ id, status });
      }
      let r: Awaited<ReturnType<typeof submitArticle>>;
      try {
        r = await submitArticle(ctx, request.body, owner);
      } catch (err) {
        // A refused or failed submission made no job: the key is free for the client's corrected retry.
        await idempotency.release(owner, key, held.token, digest).catch((e: Error) => request.log.warn({ err: e.message }, 'could not release an Idempotency-Key'));
        throw err;
      }
      const kept = await idempotency.complete(owner, key, held.token, { body: digest, id: r.id });
      // Only after a reservation outlived its 120 s and another request took the key with another body.
      if (kept.body !== digest) throw reusedKey(key);
      request.log.info({ job: r.id, created: r.created }, 'job submitted');
      return reply.code(202).header('location', `/v1/jobs/${r.id}`).send({ id: r.id, status: r.status });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/:id',
    {
      preHandler: submitter,
      schema: { summary: 'Job status', params: idParams, response: { 200: { ...jobSchema, description: 'The job' }, ...errorResponses({ ...AUTH_ERRORS, 400: true, 404: 'job-not-found' }) } },
    },
    async (request) => localizeView(messages, requestLang(request), await load(request)),
  );

  app.get<{ Params: { id: string } }>(
    '/:id/events',
    { preHandler: submitter, config: { sse: true }, schema: {
        summary: 'Progress as server-sent events (event: progress, then completed|failed|cancelled)',
        params: idParams,
        response: {
          200: eventStream('`progress` events with the job, then one `completed`, `failed` or `cancelled`'),
          ...errorResponses({ ...AUTH_ERRORS, 400: true, 404: 'job-not-found', 429: 'too-many-streams: this token has too many streams open (Retry-After), or too-many-auth-failures' }),
        },
      },
    },
    async (request, reply) => {
      let view = await load(request);
      // EventSource cannot set headers: a page passes its language as ?lng=.
      const lng = requestLang(request);
      const who = auth.tokens.length > 0 ? (request.principal?.owner ?? request.ip) : request.ip;
      const slot = await slots.take(who);
      if (!slot) {
        return sendLocalized(reply.header('retry-after', '5'), request, 429, { code: 'too-many-streams', message: `this token already has ${slots.max} event streams open; close one (or wait for one to end) and try again`, params: { max: slots.max } });
      }
      reply.raw.on('close', () => slot.release());
      // A stream lives at most maxMs; the client reconnects after `retry:` and picks up from the current state.
      const endAt = Date.now() + sseMaxMs;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      let closed = false;
      request.raw.on('close', () => (closed = true));
      let seq = 0;
      let last = '';
      let lastWrite = Date.now();
      const send = (event: string, data: JobView) => {
        const json = scrub(JSON.stringify(localizeView(messages, lng, data)));
        res.write(`id: ${++seq}\nevent: ${event}\ndata: ${json}\n\n`);
        lastWrite = Date.now();
      };
      const poll = opts.pollMs ?? 250;
      while (!closed) {
        if (Date.now() >= endAt) {
          res.write(`retry: ${SSE_RETRY_MS}\n: stream lifetime reached, reconnect\n\n`);
          break;
        }
        const json = JSON.stringify(view);
        if (json !== last) {
          last = json;
          send('progress', view);
        }
        if (TERMINAL.includes(view.status)) {
          send(view.status, view);
          break;
        }
        // A comment line now and then keeps proxies from closing an idle stream.
        if (Date.now() - lastWrite > 15_000) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await new Promise((r) => setTimeout(r, poll));
        await slot.renew();
        try {
          const next = await store.view(view.id);
          if (!next) break;
          view = next;
        } catch {
          // Redis away for a moment: keep the stream open and look again.
        }
      }
      res.end();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: string; target?: string } }>(
    '/:id/bundle',
    {
      preHandler: submitter,
      schema: {
        summary: 'Download the bundle (zip) or one file of it; Range requests resume a download',
        params: idParams,
        querystring: bundleQuery,
        headers: {
          type: 'object',
          properties: {
            range: { type: 'string', description: 'One byte range, e.g. bytes=1000- (206; several ranges get the whole file)' },
            'if-range': { type: 'string', description: 'The ETag of the copy a range continues; another copy gets the whole file (200)' },
          },
        },
        response: {
          200: binary('The bundle zip, or the one file `format` asks for', DOWNLOAD_TYPES, DOWNLOAD_HEADERS),
          206: binary('The requested byte range', DOWNLOAD_TYPES, { ...DOWNLOAD_HEADERS, 'content-range': { type: 'string', description: 'bytes start-end/size' } }),
          ...errorResponses({
            ...AUTH_ERRORS,
            400: 'unknown-format, target-required',
            404: 'job-not-found, unknown-target, bundle-expired',
            409: 'not-ready: the job is not completed',
            416: 'range-not-satisfiable (Content-Range: bytes */size)',
          }),
        },
      },
      // The format is checked by the route (unknown-format names the formats in the caller's language); the document lists them.
      config: { openapi: { querystring: { ...bundleQuery, properties: { ...bundleQuery.properties, format: { ...bundleQuery.properties.format, enum: [...DOWNLOAD_FORMATS] } } } } },
    },
    async (request, reply) => {
      const view = await load(request);
      if (view.status !== 'completed') return sendError(reply, 409, 'not-ready', t('errors:not-ready', { lng: requestLang(request), id: view.id, status: view.status }));
      const format = request.query.format ?? 'zip';
      if (format === 'zip' && !request.query.target) {
        // Every file of a revision was rendered once, by the worker, into the stored zip: a download is those bytes, never a rebuild here.
        const zip = await store.zip(view.id);
        if (zip) {
          const name = view.revision && view.revision > 1 ? `${view.id}-r${view.revision}.zip` : `${view.id}.zip`;
          return sendBytes(request, reply.header('content-type', 'application/zip').header('content-disposition', contentDisposition(name)), zip, t);
        }
      }
      // One file: inflated and hashed on the thread pool on its revision's first request, then kept as bytes
      // (server/download-cache.ts); requests arriving meanwhile share that one load.
      const key = downloadKey({ id: view.id, revision: view.revision, finishedAt: view.finishedAt, format, target: request.query.target });
      const dl = await downloads.load(key, async () => {
        // The zip is read after the record, so it is this revision or a newer one: a key never names older bytes.
        const zip = await store.zip(view.id);
        let picked: Download;
        if (zip) picked = await downloadFromZip(zip, format, request.query.target);
        else {
          // A record written before zips were stored: render from the bundle input as before.
          const input = await store.bundleInput(view.id);
          if (!input) return undefined;
          picked = selectDownload(writeBundle(input), format, request.query.target);
        }
        const body = Buffer.isBuffer(picked.body) ? picked.body : Buffer.from(picked.body);
        return { filename: picked.filename, contentType: picked.contentType, body, etag: await etagOfAsync(body) };
      });
      if (!dl) return sendError(reply, 404, 'bundle-expired', t('errors:bundle-expired', { lng: requestLang(request), id: view.id }));
      reply.header('content-type', dl.contentType).header('content-disposition', contentDisposition(dl.filename));
      return sendBytes(request, reply, dl.body, t, dl.etag);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/:id',
    {
      preHandler: submitter,
      schema: {
        summary: 'Cancel a job',
        params: idParams,
        response: {
          200: { ...submitted, description: 'Cancelled (status is `cancelled`)' },
          ...errorResponses({ ...AUTH_ERRORS, 400: true, 404: 'job-not-found', 409: 'already-finished: the job is completed, failed or cancelled' }),
        },
      },
    },
    async (request, reply) => {
      const view = await load(request);
      const now = TERMINAL.includes(view.status) ? view.status : await store.transition(view.id, 'cancelled', ['queued', 'active'], { finishedAt: new Date().toISOString() });
      if (TERMINAL.includes(view.status) || now !== 'cancelled') {
        return sendError(reply, 409, 'already-finished', t('errors:already-finished', { lng: requestLang(request), id: view.id, status: now ?? view.status }));
      }
      await queues.removeFlow(view.id, Object.keys(view.targets));
      const rec = await store.get(view.id);
      if (rec) await deliver(queues.webhooks as Queue<WebhookJobData>, queues.config, 'job.cancelled', rec);
      return { id: view.id, status: 'cancelled' };
    },
  );

  // XLIFF arrives as the raw request body under any XML-ish type.
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/x-xliff+xml', 'application/xliff+xml', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_XLIFF_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.post<{ Params: { id: string }; Body: Buffer | string }>(
    '/:id/xliff',
    {
      preHandler: reviewer,
      bodyLimit: MAX_XLIFF_BYTES,
      schema: {
        summary: 'Import a post-edited XLIFF 1.2 file for one target (new bundle revision); answers with the QA findings of the imported segments',
        params: idParams,
        response: {
          200: {
            type: 'object',
            description: 'Imported: the revision now, and what changed',
            properties: {
              id: { type: 'string' },
              revision: { type: 'integer' },
              lang: { type: 'string' },
              edited: { type: 'array', items: { type: 'string' }, description: 'Segment ids whose text changed' },
              findings: { type: 'array', items: findingSchema },
            },
          },
          ...errorResponses({
            ...AUTH_ERRORS,
            400: 'xliff-empty, xliff-malformed, xliff-encoding, xliff-doctype …',
            404: 'job-not-found, bundle-expired',
            409: 'not-ready: the job is not completed',
            412: 'revision-stale: the target changed meanwhile',
            413: 'xliff-too-large or body-too-large',
            415: true,
            422: 'the file does not match the job (another job, unknown target, placeholders changed) …',
          }),
        },
      },
      config: { openapi: { body: { content: { 'application/x-xliff+xml': { schema: { type: 'string', description: 'The XLIFF 1.2 file (also accepted as application/xml, text/xml, application/xliff+xml, application/octet-stream)' } } } } } },
    },
    async (request, reply) => {
      const view = await load(request);
      if (view.status !== 'completed') return sendError(reply, 409, 'not-ready', t('errors:not-ready', { lng: requestLang(request), id: view.id, status: view.status }));
      const input = await store.bundleInput(view.id);
      if (!input) return sendError(reply, 404, 'bundle-expired', t('errors:bundle-expired', { lng: requestLang(request), id: view.id }));
      const body = typeof request.body === 'string' ? request.body : request.body ? new Uint8Array(request.body) : '';
      const by = request.principal?.name ?? 'local';
      const at = new Date().toISOString();
      const result = applyXliff(input, body, { at, by });
      let revision = input.revision;
      if (result.edited.length > 0) {
        // The same path as an edit on the page: stored only over the revision the file was applied to.
        const outcome = await commitRevision({ queues, tm: opts.tm }, input, result.input, { kind: 'xliff', lang: result.lang, segments: result.edited, by, at }, result.edited);
        if (!outcome.ok) {
          const current = outcome.reason === 'stale' ? outcome.current : input.revision;
          const params = { lang: result.lang, expected: input.revision, revision: current };
          return sendError(reply, 412, 'revision-stale', renderError(messages, requestLang(request), { code: 'revision-stale', message: `the ${result.lang} target changed since revision ${input.revision} (now revision ${current}); reload it and make the change again`, params }));
        }
        revision = outcome.revision;
      }
      // Findings of the imported segments: a broken glossary term is accepted, and said here.
      return { id: view.id, revision, lang: result.lang, edited: result.edited, findings: result.findings };
    },
  );
};
