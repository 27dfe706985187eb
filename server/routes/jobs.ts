/** `/v1/jobs`: submit, status, server-sent progress, downloads, cancel, post-edited XLIFF. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import { InputError } from '../../pipeline/errors.js';
import { selectDownload, contentDisposition } from '../../pipeline/formats/download.js';
import { filesOfZip, writeBundle } from '../../pipeline/formats/bundle.js';
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
import { commitRevision } from './review.js';
import { sendBytes } from '../byte-range.js';
import { bodyDigest, IdempotencyKeys, idempotencyKeyOf, IN_FLIGHT_RETRY_AFTER_S, inFlightKey, reusedKey } from '../idempotency.js';
import { errorSchema } from '../schemas.js';

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
const jobSchema = {
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

export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, opts) => {
  const { queues, auth, t } = opts;
  const store = queues.store;
  const submitter = requireRole(auth, 'submitter');
  const reviewer = requireRole(auth, 'reviewer');
  const ctx: SubmitContext = { ...opts.submit, queues };
  const idempotency = new IdempotencyKeys(queues.redis, queues.config.prefix);
  const slots = opts.sse?.slots ?? localStreamSlots(opts.sse?.perToken ?? 20);
  const sseMaxMs = opts.sse?.maxMs ?? 30 * 60_000;

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
        response: { 202: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } }, '4xx': errorSchema },
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
    { preHandler: submitter, schema: { summary: 'Job status', params: idParams, response: { 200: jobSchema, '4xx': errorSchema } } },
    async (request) => localizeView(messages, requestLang(request), await load(request)),
  );

  app.get<{ Params: { id: string } }>(
    '/:id/events',
    { preHandler: submitter, config: { sse: true }, schema: { summary: 'Progress as server-sent events (event: progress, then completed|failed|cancelled)', params: idParams } },
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
        const json = JSON.stringify(localizeView(messages, lng, data));
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
        summary: 'Download the bundle (zip) or one file of it',
        params: idParams,
        querystring: { type: 'object', properties: { format: { type: 'string' }, target: { type: 'string' }, token: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const view = await load(request);
      if (view.status !== 'completed') return sendError(reply, 409, 'not-ready', t('errors:not-ready', { lng: requestLang(request), id: view.id, status: view.status }));
      const format = request.query.format ?? 'zip';
      // Every file of a revision was rendered once, by the worker, into the stored zip: a download is those bytes, never a rebuild here.
      const zip = await store.zip(view.id);
      if (zip && format === 'zip' && !request.query.target) {
        const name = view.revision && view.revision > 1 ? `${view.id}-r${view.revision}.zip` : `${view.id}.zip`;
        return sendBytes(request, reply.header('content-type', 'application/zip').header('content-disposition', contentDisposition(name)), zip, t);
      }
      let files = zip && format !== 'zip' ? filesOfZip(zip) : undefined;
      if (!files) {
        // A record written before zips were stored: render from the bundle input as before.
        const input = await store.bundleInput(view.id);
        if (!input) return sendError(reply, 404, 'bundle-expired', t('errors:bundle-expired', { lng: requestLang(request), id: view.id }));
        files = writeBundle(input);
      }
      const dl = selectDownload(files, format, request.query.target);
      reply.header('content-type', dl.contentType).header('content-disposition', contentDisposition(dl.filename));
      return sendBytes(request, reply, Buffer.from(dl.body), t);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/:id',
    { preHandler: submitter, schema: { summary: 'Cancel a job', params: idParams, response: { '4xx': errorSchema } } },
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
    { preHandler: reviewer, bodyLimit: MAX_XLIFF_BYTES, schema: { summary: 'Import a post-edited XLIFF 1.2 file for one target (new bundle revision)', params: idParams } },
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
