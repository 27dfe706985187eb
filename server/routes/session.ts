/**
 * Who the caller is, and signing the web page in and out.
 *
 * - `GET /v1/me` → `{role, name, open}`: the page hides what the role may not
 *   do (the routes refuse it anyway).
 * - `POST /v1/session {token}` checks the token and opens a session: a random
 *   id in an HttpOnly, SameSite=Strict cookie (Secure when the request came
 *   over HTTPS), the token's digest in Redis for SESSION_SECONDS. Page
 *   requests, server-sent events, downloads and the queue dashboard then
 *   carry it without any script holding the token.
 * - `DELETE /v1/session` deletes the session in Redis and clears the cookie.
 */
import { serialize } from 'cookie';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { addressOf, identifyRequest, lookupToken, sessionIdOf, SESSION_COOKIE, type AuthConfig } from '../auth.js';
import { sendLocalized } from '../http-errors.js';
import { errorResponses, noContent } from '../schemas.js';

const whoSchema = {
  type: 'object',
  properties: { role: { type: 'string', enum: ['submitter', 'reviewer', 'admin'] }, name: { type: 'string' }, open: { type: 'boolean', description: 'No tokens are configured: everyone is admin' } },
};

/** A signed-in page stays signed in for a working day. */
export const SESSION_SECONDS = 12 * 3600;

function cookie(request: FastifyRequest, value: string, maxAge: number): string {
  return serialize(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    maxAge,
    // request.protocol says https behind a TLS-terminating proxy only when trustProxy lets Fastify believe X-Forwarded-Proto.
    secure: request.protocol === 'https',
  });
}

export const sessionRoutes: FastifyPluginAsync<{ auth: AuthConfig }> = async (app, { auth }) => {
  const open = auth.tokens.length === 0;

  app.get('/me', { config: { public: true }, schema: {
        summary: "The caller's role (401 without a valid token)",
        security: [{ bearer: [] }, {}],
        response: { 200: { ...whoSchema, description: 'Who the caller is' }, ...errorResponses({ 401: true, 403: 'bad-host (open server)', 503: true }) },
      },
    }, async (request, reply) => {
    const id = await identifyRequest(auth, request);
    if (!('principal' in id)) return sendLocalized(reply.header('www-authenticate', 'Bearer'), request, 401, { code: 'unauthorized', message: 'a valid bearer token is required' });
    return { role: id.principal.role, name: id.principal.name, open };
  });

  app.post<{ Body: { token: string } }>(
    '/session',
    {
      config: { public: true },
      schema: {
        summary: 'Sign the browser in: opens a session whose id goes into an HttpOnly cookie',
        security: [],
        body: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 4096 } } },
        response: {
          200: { ...whoSchema, description: 'Signed in: Set-Cookie carries the session id', headers: { 'set-cookie': { type: 'string' } } },
          ...errorResponses({ 400: true, 401: 'unauthorized: this token is not valid here', 403: 'bad-host, cross-site (open server)', 413: true, 415: true, 429: true, 503: true }),
        },
      },
    },
    async (request, reply) => {
      if (open) return { role: 'admin', name: 'local', open };
      const address = addressOf(request);
      const waitMs = auth.failures ? await auth.failures.waitMs(address) : 0;
      if (waitMs > 0) {
        const wait = Math.max(1, Math.ceil(waitMs / 1000));
        reply.header('retry-after', String(wait));
        return sendLocalized(reply, request, 429, { code: 'too-many-auth-failures', message: `too many failed sign-ins from this address; try again in ${wait} s`, params: { seconds: wait } });
      }
      const entry = lookupToken(auth, request.body.token.trim());
      if (!entry || !auth.sessions) {
        await auth.failures?.fail(address);
        return sendLocalized(reply, request, 401, { code: 'unauthorized', message: 'this token is not valid here', params: { context: 'bad-token' } });
      }
      const id = await auth.sessions.create(entry.digest, SESSION_SECONDS);
      reply.header('set-cookie', cookie(request, id, SESSION_SECONDS));
      return { role: entry.role, name: entry.label, open };
    },
  );

  app.delete('/session', { config: { public: true }, schema: {
        summary: 'Sign the browser out (ends the session)',
        security: [],
        response: { 204: noContent('Signed out: the cookie is cleared'), ...errorResponses({ 403: 'bad-host, cross-site (open server)', 503: true }) },
      },
    }, async (request, reply) => {
    const id = sessionIdOf(request);
    if (id && auth.sessions) await auth.sessions.delete(id);
    return reply.header('set-cookie', cookie(request, '', 0)).code(204).send();
  });
};
