/**
 * The HTTP API. `buildServer` assembles it without listening, so tests use
 * `app.inject()` and `locflow serve` adds `listen()`.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { randomUUID } from 'node:crypto';
import { getI18n } from '../locales/i18n.js';
import { CheckCache, createRedisTm, listProviders, loadProvidersConfig, translatorsByProvider, type LocflowTranslator } from '../providers/index.js';
import { inFlight } from '../workers/provider-limits.js';
import { measureUsage } from '../workers/usage.js';
import { envInt, queueConfig, tmOptions, type QueueConfig } from '../workers/config.js';
import { scrubberFor } from '../providers/secrets.js';
import { Metrics, renderPrometheus } from '../workers/metrics.js';
import { Queues } from '../workers/queues.js';
import type { GlossarySnapshot } from '../workers/submit.js';
import { hasRole, identify, installAuth, parseTokens, requireRole, type AuthConfig } from './auth.js';
import { corsAllows, installOpenModeGuards, originPolicy } from './origin.js';
import { redisSessions } from './sessions.js';
import { sharedFailureLimiter, sharedStreamSlots } from './shared-limits.js';
import { fastifyTimeouts, serverLimits, type ServerLimits } from './limits.js';
import { InputError } from '../pipeline/errors.js';
import { installBodyDecoding, installErrorHandling, looksLikeRedisDown, REDIS_RETRY_AFTER_S, requestLang, sendError } from './http-errors.js';
import { withTimeout } from '../workers/redis.js';
import { jobRoutes } from './routes/jobs.js';
import { DOWNLOAD_CACHE_BYTES } from './download-cache.js';
import { reviewRoutes } from './routes/review.js';
import { SEED_DIR, withMatcher, yamlTerms } from './terms.js';
import { glossaryRoutes } from './routes/glossary.js';
import { webRoutes } from './web/plugin.js';
import { jobListRoutes } from './routes/jobs-list.js';
import { configureText, providerRoutes } from './routes/providers.js';
import { detectRoutes } from './routes/detect.js';
import { sessionRoutes } from './routes/session.js';
import { migrateInBackground } from './glossary-migration.js';
import { suggestTerms } from '../pipeline/suggest.js';
import { createGlossaryStore, type GlossaryStore, type SuggestionSettings } from '../glossary/store.js';
import { createHash } from 'node:crypto';
import { locflowVersion } from '../pipeline/package-info.js';
import { AUTH_ERRORS, errorResponses, withCommonHeaders, type OpenApiDocument } from './schemas.js';

const version = locflowVersion();

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

export interface ServerOptions {
  env?: NodeJS.ProcessEnv;
  config?: QueueConfig;
  auth?: AuthConfig;
  /** Reuse queues (tests); otherwise the server opens and closes its own. */
  queues?: Queues;
  /** pino options, or false for no request logs. */
  logger?: boolean | Record<string, unknown>;
  bodyLimit?: number;
  /** Approved glossary source (default: the glossary store when present, else glossary/*.yaml). */
  glossary?: () => Promise<GlossarySnapshot>;
  translatorFor?: (provider: string | undefined) => LocflowTranslator;
  /** false: no glossary store (terms from glossary/*.yaml, no /v1/glossary routes). */
  glossaryStore?: false;
  /** SSE poll interval. */
  pollMs?: number;
  /** Timeouts, stream caps and proxy trust (default: from the environment). */
  limits?: ServerLimits;
  /** Told of every route as it is registered (the OpenAPI test checks each one is documented). */
  onRoute?: (route: RouteOptions) => void;
}

/**
 * Token values never reach a log line: neither the header nor a `?token=` in
 * the URL, however its name is spelled (`%74oken=`, `tok%65n=` decode to the
 * same parameter for the query parser).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // Undecodable: the query parser keeps it as written, and so does this.
    }
    return name.trim().toLowerCase() === 'token' ? `${rawName}=[redacted]` : part;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** A typo in the limit must stop the start, not silently leave the 2 MiB default (or a limit of -5 bytes). */
function bodyLimitFrom(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_BODY_LIMIT;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError('bad-config', `LOCFLOW_BODY_LIMIT must be a number ≥ 1, not "${raw}"`, { params: { name: 'LOCFLOW_BODY_LIMIT', min: 1, value: raw } });
  return n;
}

/** A setting that must be a whole number ≥ 0 when set; a typo stops the start instead of silently keeping the default. */
function wholeFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError('bad-config', `${name} must be a whole number ≥ 0, not "${raw}"`, { params: { name, min: 0, value: raw } });
  return n;
}

/** LOCFLOW_SUGGESTIONS_PER_ARTICLE (default 20) and LOCFLOW_SUGGESTION_TTL_DAYS (default 30; 0 = never expire). */
function suggestionSettingsFrom(env: NodeJS.ProcessEnv): Partial<SuggestionSettings> {
  const perArticle = wholeFrom(env, 'LOCFLOW_SUGGESTIONS_PER_ARTICLE');
  const days = wholeFrom(env, 'LOCFLOW_SUGGESTION_TTL_DAYS');
  return { ...(perArticle !== undefined ? { perArticle } : {}), ...(days !== undefined ? { ttlMs: days * 24 * 3600_000 } : {}) };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Checked before any connection opens: pino's own refusal came as a stack trace from a process that then never exited. */
function logLevelFrom(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return 'info';
  const level = raw.trim().toLowerCase();
  if (!LOG_LEVELS.includes(level)) {
    throw new InputError('bad-config', `LOCFLOW_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${raw}"`, { params: { name: 'LOCFLOW_LOG_LEVEL', choices: LOG_LEVELS.join(', '), value: raw, context: 'choice' } });
  }
  return level;
}

export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const env = options.env ?? process.env;
  const config = options.config ?? queueConfig(env);
  const auth = options.auth ?? parseTokens(env.LOCFLOW_TOKENS);
  const bodyLimit = options.bodyLimit ?? bodyLimitFrom(env.LOCFLOW_BODY_LIMIT);
  const logLevel = logLevelFrom(env.LOCFLOW_LOG_LEVEL);
  const ownQueues = !options.queues;
  const queues = options.queues ?? new Queues(config);
  const i18n = await getI18n();
  const t = i18n.t.bind(i18n);
  // The same scrubber as the workers': any configured credential becomes *** in logs and answers.
  const scrub = scrubberFor(env);

  const loggerOption =
    options.logger === false
      ? false
      : {
          level: logLevel,
          ...(typeof options.logger === 'object' ? options.logger : {}),
          redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
          // Whatever a log line carries (an engine's error text, a plugin's message), no configured credential is written.
          hooks: { streamWrite: (line: string) => scrub(line) },
          serializers: {
            req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
          },
        };

  const limits = options.limits ?? serverLimits(env);
  const app = Fastify({
    logger: loggerOption as never,
    // A caller's X-Request-Id (a CMS tracing its own calls) becomes the request's id in every log line, and is echoed;
    // without one (or with one that is not a plain token) the server makes one. Never written to logs unchecked.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    bodyLimit,
    ...fastifyTimeouts(limits),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Fastify answers these before any route or error handler runs, in its own shape; give them ours.
    frameworkErrors: (err, request, reply) => {
      const lng = requestLang(request);
      if (err.code === 'FST_ERR_BAD_URL') return sendError(reply, 400, 'bad-url', t('errors:bad-url', { lng }));
      return sendError(reply, err.statusCode ?? 400, 'invalid-request', t('errors:invalid-request', { lng, detail: err.message }));
    },
  });

  if (options.onRoute) app.addHook('onRoute', options.onRoute);

  // Before anything else: CORS answers a browser's preflight (which carries no token) for the allowed origins only;
  // a page from another origin gets no CORS header, so its browser keeps the answer from it.
  const origins = originPolicy(env);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, corsAllows(origins, origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'if-match', 'if-range', 'range', 'accept-language'],
    exposedHeaders: ['location', 'x-request-id', 'etag', 'content-disposition', 'content-range', 'retry-after'],
    maxAge: 600,
  });
  // Then which Host and which browser origin may talk to an open server, then who the caller is.
  if (auth.tokens.length === 0) installOpenModeGuards(app, origins);
  auth.sessions ??= redisSessions(queues.redis, config.prefix);
  // One failed-sign-in bucket per address for the whole deployment: several API processes must not each give a guesser its own.
  auth.failures ??= sharedFailureLimiter(queues.redis, config.prefix, { onFallback: (err) => app.log.warn({ err: scrub(err.message) }, 'Redis did not answer: failed sign-ins are counted in this process for now') });
  installAuth(app, auth);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandling(app, t, bodyLimit);
  installBodyDecoding(app);
  // Every text answer (errors, job views, /healthz details, provider health) passes the deployment's scrubber last:
  // an engine's or plugin's message quoted in an answer never carries a credential. Bundles are bytes and never hold one.
  app.addHook('onSend', async (_request, _reply, payload) => (typeof payload === 'string' ? scrub(payload) : payload));

  await app.register(swagger, {
    openapi: {
      info: { title: 'locflow API', version, description: 'Submit news articles for translation, follow progress, download aligned bundles.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // A route at the root of a prefix (`POST /v1/jobs`) is registered with and without the slash; document it as the API is written, without.
    // A route's config.openapi adds what the document shows but the route checks itself (see server/schemas.ts).
    transform: ({ schema, url, route }) => ({ schema: { ...schema, ...route.config?.openapi }, url: url.length > 1 ? url.replace(/\/+$/, '') : url }),
    transformObject: (doc) => withCommonHeaders((doc as { openapiObject: OpenApiDocument }).openapiObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const translatorFor = options.translatorFor ?? translatorsByProvider(env);
  // Pairs of network providers load in the background; plan() is only final once they have.
  const readyTranslatorFor = (provider: string | undefined) => translatorFor(provider);

  // Reviewed terms live in the glossary store; the seed files fill it on first start.
  const suggestionSettings = suggestionSettingsFrom(env);
  const glossaryStore: GlossaryStore | undefined = options.glossaryStore === false ? undefined : createGlossaryStore({ redis: queues.redis, prefix: config.prefix, suggestions: suggestionSettings });
  if (glossaryStore) {
    await glossaryStore.seedIfEmpty(SEED_DIR);
    // A store written by an earlier locflow gets its indexes in the background, so the API answers at once.
    const migration = migrateInBackground(glossaryStore, app.log, scrub);
    app.addHook('onClose', async () => migration.stop());
  }
  const glossary = options.glossary ?? withMatcher(glossaryStore ? () => glossaryStore.approvedTerms() : yamlTerms());
  const tm = createRedisTm(queues.redis, `${config.prefix}:`, tmOptions(config));
  let unconfigured: Promise<string> | undefined;

  await app.register(jobRoutes, {
    prefix: '/v1/jobs',
    queues,
    auth,
    t,
    tm,
    pollMs: options.pollMs,
    scrub,
    downloadCacheBytes: envInt(env, 'LOCFLOW_DOWNLOAD_CACHE_BYTES', DOWNLOAD_CACHE_BYTES, 0),
    sse: {
      // Shared by every API process through Redis, like the failure bucket.
      slots: sharedStreamSlots(queues.redis, config.prefix, limits.ssePerToken, { onFallback: (err) => app.log.warn({ err: scrub(err.message) }, 'Redis did not answer: event streams are counted in this process for now') }),
      maxMs: limits.sseMaxMs,
    },
    submit: {
      glossary,
      translatorFor: readyTranslatorFor,
      // The providers' settings are read once at start: so is what a refused pair would need.
      configureHint: () => (unconfigured ??= listProviders({ env, health: false, timeoutMs: 5000 }).then(configureText)),
      allowPrivateWebhooks: config.webhookAllowPrivate,
      // Every analysed article proposes the tech terms it uses that the glossary lacks.
      ...(glossaryStore
        ? {
            onAnalysed: async (analysis, id, snapshot) => {
              const text = analysis.segments.map((s) => s.plain).join('\n');
              const found = suggestTerms(text, analysis.sourceLang, snapshot.matcher ?? snapshot.terms);
              // The article's own hash, not the job id: the same article with other targets is still one article.
              const article = createHash('sha256').update(text).digest('hex').slice(0, 16);
              if (found.length === 0) return;
              const record = () => glossaryStore.recordSuggestions(found, { lang: analysis.sourceLang, source: id, article });
              if (await glossaryStore.isMigrated()) return void (await record());
              // Suggestions need the indexes: while the glossary is migrated they are recorded once it is done, and the submission does not wait.
              void glossaryStore.migrate().then(record).catch((err: unknown) => app.log.warn({ err: scrub((err as Error).message), job: id }, 'glossary suggestions not recorded'));
            },
          }
        : {}),
    },
  });

  // Reviewing in place: segment edits, approval, the editor's view and its stream of revisions.
  await app.register(reviewRoutes, { prefix: '/v1/jobs', queues, auth, tm, pollMs: options.pollMs });

  // For the web page: recent jobs, language detection before submitting, who is signed in.
  await app.register(jobListRoutes, { prefix: '/v1/jobs', queues, auth });
  await app.register(detectRoutes, { prefix: '/v1/detect', auth, glossary });
  await app.register(sessionRoutes, { prefix: '/v1', auth });

  // Engine checks are reused for LOCFLOW_PROVIDER_CHECK_TTL_MS: the page asks for this list on every load, and engines bill or rate-limit their own endpoints.
  const checks = new CheckCache({ ttlMs: envInt(env, 'LOCFLOW_PROVIDER_CHECK_TTL_MS', 30_000, 0) });
  await app.register(providerRoutes, { prefix: '/v1/providers', auth, env, translatorFor: readyTranslatorFor, checks, scrub });

  // A write, not a PING: a Redis that answers but refuses writes (OOM at maxmemory, READONLY after a failover) cannot take jobs.
  const healthKey = `${config.prefix}:healthz`;
  const health = (description: string) => ({
    type: 'object',
    description,
    properties: { status: { type: 'string', enum: ['ok', 'unavailable'] }, version: { type: 'string' }, redis: { type: 'string', enum: ['ok', 'unavailable'] }, detail: { type: 'string', description: 'Admins only: why Redis refused' } },
  });
  const healthSchema = {
    summary: 'Liveness and whether Redis takes writes (error details for admins only)',
    security: [],
    response: {
      200: health('Up, and Redis takes writes'),
      // A monitor reads the same body whatever the status: this 503 is the health document, not an error object.
      503: { ...health('Redis does not take writes (Retry-After)'), headers: { 'retry-after': { type: 'string' } } },
      ...errorResponses({ 403: 'bad-host: an open server answers loopback names and LOCFLOW_PUBLIC_URL’s host only' }),
    },
  };
  app.get('/healthz', { config: { public: true }, schema: healthSchema }, async (request, reply) => {
    try {
      await withTimeout(queues.redis.set(healthKey, new Date().toISOString(), 'PX', 60_000), 3000);
      return { status: 'ok', version, redis: 'ok' };
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'health check: Redis does not take writes');
      // The server's own error text names hosts and settings: only an admin sees it.
      const admin = hasRole(await identify(auth, request).catch(() => undefined), 'admin');
      reply.header('retry-after', String(REDIS_RETRY_AFTER_S));
      return reply.code(503).send({ status: 'unavailable', version, redis: 'unavailable', ...(admin ? { detail: (err as Error).message } : {}) });
    }
  });

  const metrics = new Metrics(queues.redis, config.prefix);
  const sharedSlots = Object.entries(loadProvidersConfig(env).providers ?? {})
    .filter(([, s]) => s.maxInFlight !== undefined)
    .map(([id]) => id);
  app.get('/metrics', { preHandler: requireRole(auth, 'admin'), schema: {
        summary: 'Prometheus metrics (admin)',
        response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses(AUTH_ERRORS) },
      },
    }, async (_request, reply) => {
    const [counters, translate, assemble, webhooks, ...busy] = await Promise.all([
      metrics.read(),
      queues.translate.getJobCounts(),
      queues.assemble.getJobCounts(),
      queues.webhooks.getJobCounts(),
      ...sharedSlots.map((id) => inFlight(queues.redis, config.prefix, id)),
    ]);
    const inFlightNow = Object.fromEntries(sharedSlots.map((id, i) => [id, busy[i]!]));
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(renderPrometheus(counters, { translate, assemble, webhooks }, inFlightNow));
  });

  app.get('/v1/admin/usage', { preHandler: requireRole(auth, 'admin'), schema: {
        summary: 'Redis memory of this deployment by kind of key (as `locflow doctor`; admin)',
        response: { 200: { type: 'object', additionalProperties: true, description: 'Bytes and keys per kind of key, with totals' }, ...errorResponses(AUTH_ERRORS) },
      },
    },
    async () =>
    measureUsage(queues.redis, config.prefix),
  );

  // The dashboard sees every job: admins only.
  const board = new FastifyAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: [new BullMQAdapter(queues.assemble), new BullMQAdapter(queues.translate), new BullMQAdapter(queues.webhooks)], serverAdapter: board as never });
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireRole(auth, 'admin') as never);
    // bull-board answers its own 500 when Redis is away; the rest of the API says 503 unavailable in our shape, so does this.
    scope.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 500 || typeof payload !== 'string') return payload;
      let message = '';
      try {
        message = String((JSON.parse(payload) as { message?: unknown }).message ?? '');
      } catch {
        return payload;
      }
      if (!looksLikeRedisDown(new Error(message))) return payload;
      reply.code(503).header('content-type', 'application/json; charset=utf-8').header('retry-after', String(REDIS_RETRY_AFTER_S));
      return JSON.stringify({ error: { code: 'unavailable', message: t('errors:unavailable', { lng: requestLang(request) }) } });
    });
    await scope.register(board.registerPlugin() as never, { prefix: '/admin/queues' });
  });

  if (glossaryStore) await app.register(glossaryRoutes, { prefix: '/v1/glossary', store: glossaryStore, auth });
  await app.register(webRoutes);

  if (ownQueues) app.addHook('onClose', async () => queues.close());
  return app;
}
