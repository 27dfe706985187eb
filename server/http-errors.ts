/**
 * Every answer that is not a success is `{error:{code,message}}`. The caller's
 * mistakes (InputError, schema validation, malformed JSON, oversize bodies,
 * unknown routes) get their 4xx; Redis being away is a 503; only real bugs
 * are a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import { InputError, ProviderError } from '../pipeline/errors.js';
import { getI18n, negotiateLanguage, renderError } from '../locales/i18n.js';
import { RedisUnavailableError } from '../workers/redis.js';
import { decodeBytes } from '../pipeline/ingest/decode.js';

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * The UI language for messages: `?lng=` when locflow ships it (a link can
 * carry it), else the best shipped language of `Accept-Language`, else English.
 */
export function requestLang(request: FastifyRequest): string {
  const query = (request.query as Record<string, unknown> | undefined)?.lng;
  return (
    (typeof query === 'string' ? negotiateLanguage(query) : undefined) ??
    negotiateLanguage(String(request.headers['accept-language'] ?? '')) ??
    'en'
  );
}

/** `{error:{code,message}}` with `errors:<code>` rendered in the caller's language from `params`. */
export async function sendLocalized(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  error: { code: string; message: string; params?: Record<string, unknown> },
): Promise<FastifyReply> {
  const message = renderError(await getI18n(), requestLang(request), error);
  return sendError(reply, status, error.code, message);
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body-too-large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad-content-length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'bad-json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'bad-json'],
};

/**
 * Redis trouble the caller can wait out: the server is away or restarting, a
 * failover is moving the slot (MOVED/TRYAGAIN/CLUSTERDOWN, READONLY from a
 * demoted master), or Redis refuses writes because it is full (OOM). Each is
 * a 503 with Retry-After, never a 500.
 */
const REDIS_TROUBLE = new RegExp(
  [
    'Connection is closed',
    'ECONNREFUSED',
    'ECONNRESET',
    'EHOSTUNREACH',
    'ETIMEDOUT',
    "Stream isn't writeable",
    'enableOfflineQueue',
    'max retries per request',
    'MaxRetriesPerRequest',
    '^LOADING',
    '^OOM',
    '^READONLY',
    '^MASTERDOWN',
    '^NOREPLICAS',
    '^MOVED',
    '^ASK',
    '^TRYAGAIN',
    '^CLUSTERDOWN',
    'Too many Cluster redirections',
    'Cluster isn.t ready',
    'None of startup nodes is available',
    'Failed to refresh slots cache',
    'All sentinels are unreachable',
    'No master found',
  ].join('|'),
  'i',
);

export function looksLikeRedisDown(err: Error): boolean {
  if (err instanceof RedisUnavailableError || REDIS_TROUBLE.test(err?.message ?? '')) return true;
  // A MULTI whose commands were refused (OOM, READONLY) fails as EXECABORT; the reason is in the commands' errors.
  const previous = (err as Error & { previousErrors?: Error[] })?.previousErrors;
  return Array.isArray(previous) && previous.some((e) => REDIS_TROUBLE.test(e?.message ?? ''));
}

/** Seconds a client should wait before trying again after a 503 for Redis trouble (a cluster failover takes a few). */
export const REDIS_RETRY_AFTER_S = 2;

/** The 503 every route answers while Redis cannot take the request. */
export function sendUnavailable(reply: FastifyReply, message: string): FastifyReply {
  reply.header('retry-after', String(REDIS_RETRY_AFTER_S));
  return sendError(reply, 503, 'unavailable', message);
}

export function installErrorHandling(app: FastifyInstance, t: TFunction, bodyLimit: number): void {
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 404, 'not-found', t('errors:not-found', { lng: requestLang(request), method: request.method, url: request.url.split('?')[0] }));
  });

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const lng = requestLang(request);
    if (err instanceof InputError) return sendLocalized(reply, request, err.status, err);
    // A translation engine that is down or refuses us is a dependency failure: the caller may retry later.
    if (err instanceof ProviderError) {
      request.log.warn({ provider: err.provider, reason: err.reason }, 'provider failure during a request');
      return sendLocalized(reply, request, err.reason === 'unavailable' || err.reason === 'timeout' || err.reason === 'rate-limit' ? 503 : 502, err);
    }
    if (err.validation) {
      return sendError(reply, 400, 'invalid-request', t('errors:invalid-request', { lng, detail: err.message }));
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) {
      const [status, code] = known;
      // Uploads (XLIFF, glossary files) have their own, larger limit: name the one that applied.
      const routeLimit = request.routeOptions.bodyLimit ?? bodyLimit;
      const message =
        code === 'body-too-large'
          ? t('errors:body-too-large', { lng, limit: `${(routeLimit / 1024 / 1024).toFixed(1)} MiB` })
          : code === 'bad-json'
            ? t('errors:bad-json', { lng, detail: err.message })
            : code === 'unsupported-media-type'
              ? t('errors:unsupported-media-type', { lng, type: String(request.headers['content-type'] ?? 'none') })
              : t(`errors:${code}`, { lng, defaultValue: err.message });
      return sendError(reply, status, code, message);
    }
    if (err instanceof SyntaxError && (err as FastifyError).statusCode === 400) return sendError(reply, 400, 'bad-json', t('errors:bad-json', { lng, detail: err.message }));
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, (err.code ?? 'bad-request').toLowerCase().replace(/^fst_err_/, '').replace(/_/g, '-'), err.message);
    }
    if (looksLikeRedisDown(err)) {
      request.log.warn({ err: err.message }, 'Redis unavailable');
      return sendUnavailable(reply, t('errors:unavailable', { lng }));
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, 500, 'internal', t('errors:internal', { lng }));
  });
}

/** The charset a Content-Type declares, lower-cased; undefined when it names none. */
function declaredCharset(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * Turns request body bytes into text honestly: in the charset the
 * Content-Type declares, else strict UTF-8. Fastify's own decoding replaces
 * bad bytes with U+FFFD, which would quietly store `mod\uFFFDle` for `modèle`.
 */
export function decodeBody(bytes: Buffer, contentType: string | undefined): string {
  const charset = declaredCharset(contentType);
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset);
    } catch {
      throw new InputError('unsupported-charset', `charset "${charset}" in the Content-Type is not one locflow can read; send UTF-8`, { status: 415, params: { charset } });
    }
    return decoder.decode(bytes);
  }
  if (bytes.length === 0) return '';
  return decodeBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
}

/**
 * Compressed bodies are refused by name (Fastify would report gzip bytes as
 * malformed JSON), and JSON bodies are decoded by {@link decodeBody} before
 * Fastify's parser (with its prototype-poisoning checks) reads them.
 */
export function installBodyDecoding(app: FastifyInstance): void {
  // preParsing: after the caller is authenticated (onRequest), before a byte of the body is read.
  app.addHook('preParsing', async (request) => {
    const encoding = String(request.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      throw new InputError('unsupported-content-encoding', `Content-Encoding "${encoding}" is not accepted; send the body uncompressed`, { status: 415, params: { encoding } });
    }
  });
  // A route that takes a JSON object refuses any other body by its type (415), before the schema would call a
  // text/plain body "not an object" (400) and hide what the caller has to change.
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema?.body as { type?: unknown } | undefined;
    if (schema?.type !== 'object' || request.body === undefined) return;
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json' || type.endsWith('+json')) return;
    throw new InputError('unsupported-media-type', `send the request body as JSON, with Content-Type application/json (not ${type || 'none'})`, {
      status: 415,
      params: { type: type || 'none', context: 'json' },
    });
  });
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeBody(body as Buffer, request.headers['content-type']);
    } catch (err) {
      return done(err as Error, undefined);
    }
    parseJson(request, text, (err, parsed) => {
      if (!err || (err as FastifyError).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return done(err, parsed);
      // Fastify says only "not valid JSON", which is wrong for valid JSON with a __proto__ key and unhelpful otherwise.
      let detail: string;
      try {
        JSON.parse(text);
        detail = 'a "__proto__" key is not accepted';
      } catch (syntax) {
        detail = (syntax as Error).message;
      }
      done(new InputError('bad-json', `the request body is not valid JSON: ${detail}`, { params: { detail } }), undefined);
    });
  });
}
