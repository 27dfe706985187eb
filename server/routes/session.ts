/**
 * Who the caller is, and signing the web page in and out.
 *
 * - `GET /v1/me` → `{role, name, open}`: the page hides what the role may not
 *   do (the routes refuse it anyway).
 * - `POST /v1/session {token}` checks the token and stores it in an HttpOnly,
 *   SameSite=Strict cookie; page requests, server-sent events, downloads and
 *   the queue dashboard then carry it without any script holding the token.
 * - `DELETE /v1/session` clears the cookie.
 */
import { serialize } from 'cookie';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { identify, lookupToken, SESSION_COOKIE, type AuthConfig } from '../auth.js';
import { sendLocalized } from '../http-errors.js';

/** A signed-in page stays signed in for a working day. */
export const SESSION_SECONDS = 12 * 3600;

function cookie(request: FastifyRequest, value: string, maxAge: number): string {
  return serialize(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    maxAge,
    secure: request.protocol === 'https',
  });
}

export const sessionRoutes: FastifyPluginAsync<{ auth: AuthConfig }> = async (app, { auth }) => {
  const open = auth.tokens.length === 0;

  app.get('/me', { schema: { summary: "The caller's role (401 without a valid token)" } }, async (request, reply) => {
    const who = identify(auth, request);
    if (!who) return sendLocalized(reply.header('www-authenticate', 'Bearer'), request, 401, { code: 'unauthorized', message: 'a valid bearer token is required' });
    return { role: who.role, name: who.name, open };
  });

  app.post<{ Body: { token: string } }>(
    '/session',
    {
      schema: {
        summary: 'Sign the browser in: the token goes into an HttpOnly cookie',
        body: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 4096 } } },
      },
    },
    async (request, reply) => {
      if (open) return { role: 'admin', name: 'local', open };
      const entry = lookupToken(auth, request.body.token.trim());
      if (!entry) return sendLocalized(reply, request, 401, { code: 'unauthorized', message: 'this token is not valid here', params: { context: 'bad-token' } });
      reply.header('set-cookie', cookie(request, request.body.token.trim(), SESSION_SECONDS));
      return { role: entry.role, name: entry.label, open };
    },
  );

  app.delete('/session', { schema: { summary: 'Sign the browser out (clears the cookie)' } }, async (request, reply) => {
    return reply.header('set-cookie', cookie(request, '', 0)).code(204).send();
  });
};
