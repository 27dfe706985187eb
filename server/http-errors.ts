/**
 * Every answer that is not a success is `{error:{code,message}}`. The caller's
 * mistakes (InputError, schema validation, malformed JSON, oversize bodies,
 * unknown routes) get their 4xx; Redis being away is a 503; only real bugs
 * are a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import { InputError } from '../pipeline/errors.js';
import { RedisUnavailableError } from '../workers/redis.js';

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** The UI language for messages: `Accept-Language` when locflow ships it, else English. */
export function requestLang(request: FastifyRequest): string {
  const header = String(request.headers['accept-language'] ?? '');
  for (const part of header.split(',')) {
    const code = part.trim().split(/[;-]/)[0]?.toLowerCase();
    if (code === 'fr' || code === 'vi' || code === 'en') return code;
  }
  return 'en';
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body-too-large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad-content-length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'bad-json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'bad-json'],
};

function looksLikeRedisDown(err: Error): boolean {
  const m = err.message ?? '';
  return (
    err instanceof RedisUnavailableError ||
    /Connection is closed|ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|max retries per request|MaxRetriesPerRequest|LOADING|ETIMEDOUT/i.test(m)
  );
}

export function installErrorHandling(app: FastifyInstance, t: TFunction, bodyLimit: number): void {
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 404, 'not-found', t('server:notFound', { lng: requestLang(request), method: request.method, url: request.url.split('?')[0] }));
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const lng = requestLang(request);
    if (err instanceof InputError) return sendError(reply, err.status, err.code, err.message);
    if (err.validation) {
      return sendError(reply, 400, 'invalid-request', t('server:invalidRequest', { lng, detail: err.message }));
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) {
      const [status, code] = known;
      const message =
        code === 'body-too-large'
          ? t('server:bodyTooLarge', { lng, limit: `${(bodyLimit / 1024 / 1024).toFixed(1)} MiB` })
          : code === 'bad-json'
            ? t('server:badJson', { lng, detail: err.message })
            : code === 'unsupported-media-type'
              ? t('server:unsupportedMediaType', { lng, type: String(request.headers['content-type'] ?? 'none') })
              : err.message;
      return sendError(reply, status, code, message);
    }
    if (err instanceof SyntaxError && (err as FastifyError).statusCode === 400) return sendError(reply, 400, 'bad-json', t('server:badJson', { lng, detail: err.message }));
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, (err.code ?? 'bad-request').toLowerCase().replace(/^fst_err_/, '').replace(/_/g, '-'), err.message);
    }
    if (looksLikeRedisDown(err)) {
      request.log.warn({ err: err.message }, 'Redis unavailable');
      return sendError(reply, 503, 'unavailable', t('server:unavailable', { lng }));
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, 500, 'internal', t('server:internal', { lng }));
  });
}
