/**
 * The web page (issue 8), mounted by server/app.ts.
 * Every page address answers with the same small HTML shell; the client
 * router draws the page. Assets and interface texts are served from here,
 * and every answer carries a strict Content-Security-Policy: scripts and
 * styles only from this origin, nothing inline, no plugins, no framing.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { getI18n, renderError, UI_LANGUAGES } from '../../locales/i18n.js';
import { requestLang, sendError } from '../http-errors.js';
import { loadClientAssets } from './bundle.js';
import { renderShell } from './html.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Client routes: each is a real address (deep links survive a reload). */
export const PAGE_PATHS = ['/', '/jobs', '/jobs/:id', '/glossary'];
/** Where unknown addresses stay the API's JSON 404 even for a browser. */
const NOT_PAGES = ['/v1', '/admin', '/docs', '/assets', '/locales', '/healthz', '/metrics'];

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

function isUiLanguage(lng: string | undefined): lng is (typeof UI_LANGUAGES)[number] {
  return !!lng && (UI_LANGUAGES as readonly string[]).includes(lng);
}

export const webRoutes: FastifyPluginAsync = async (app) => {
  const assets = await loadClientAssets();
  const i18n = await getI18n();

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const asked = (request.query as { lng?: string }).lng?.toLowerCase().split('-')[0];
    const lng = isUiLanguage(asked) ? asked : requestLang(request);
    return secure(reply)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(renderShell({ lng, version: assets.version, noscript: i18n.t('web:noscript', { lng }) }));
  };
  for (const path of PAGE_PATHS) app.get(path, { schema: { hide: true } }, page);

  // A mistyped or outdated address opened in a browser gets the page (which says there is nothing
  // there, in the reader's language, with a way back) and a 404, rather than a JSON error.
  // Programs asking for anything but HTML, and the API's own paths, keep the JSON answer.
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const browser = String(request.headers.accept ?? '').includes('text/html');
    if (!browser || NOT_PAGES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return reply.callNotFound();
    reply.code(404);
    return page(request, reply);
  });

  const cacheFor = (request: FastifyRequest) => ((request.query as { v?: string }).v === assets.version ? 'public, max-age=31536000, immutable' : 'no-cache');
  app.get('/assets/app.js', { schema: { hide: true } }, async (request, reply) =>
    secure(reply).header('content-type', 'text/javascript; charset=utf-8').header('cache-control', cacheFor(request)).send(assets.js),
  );
  app.get('/assets/app.css', { schema: { hide: true } }, async (request, reply) =>
    secure(reply).header('content-type', 'text/css; charset=utf-8').header('cache-control', cacheFor(request)).send(assets.css),
  );

  // The interface texts (and the QA findings' sentences, which the job page renders), at the address
  // i18next's HTTP loading convention uses.
  for (const ns of ['web', 'qa']) {
    app.get<{ Params: { lng: string } }>(`/locales/:lng/${ns}.json`, { schema: { hide: true } }, async (request, reply) => {
      const { lng } = request.params;
      const bundle = isUiLanguage(lng) ? i18n.getResourceBundle(lng, ns) : undefined;
      if (!bundle) {
        const params = { context: 'ui-language', language: lng, languages: UI_LANGUAGES };
        const message = renderError(i18n, requestLang(request), { code: 'not-found', message: `no interface texts for "${lng}"`, params });
        return sendError(reply, 404, 'not-found', message);
      }
      return secure(reply).header('cache-control', 'no-cache').send(bundle);
    });
  }
};
