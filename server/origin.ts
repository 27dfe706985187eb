/**
 * Where a request may come from: the one module that decides whether an
 * `Origin` is ours or allowed (LOCFLOW_CORS_ORIGINS), whether a browser's
 * request is cross-site, and which `Host` names an open server answers.
 *
 * Open mode (no LOCFLOW_TOKENS) makes everyone who reaches the server an
 * admin, which is safe only if "everyone" means programs on this machine.
 * Two browser tricks would stretch that to any web page the user opens:
 * - a cross-site form or `fetch(…, {mode:'no-cors'})` with a `text/plain`
 *   body writes without a preflight: writes whose `Sec-Fetch-Site` or
 *   `Origin` says another site are refused (403 `cross-site`);
 * - DNS rebinding points the attacker's own name at 127.0.0.1, and the page
 *   then reads the API as "same origin": a `Host` that is neither a loopback
 *   name nor the host of LOCFLOW_PUBLIC_URL is refused (403 `bad-host`).
 * Programs (CLI, curl, CMS back ends) send neither header and pass.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { InputError } from '../pipeline/errors.js';

export interface OriginPolicy {
  /** Origins (scheme://host[:port]) a browser may call the API from, besides the API's own. */
  allowedOrigins: Set<string>;
  /** Host names (lower case, no port) an open-mode server answers besides loopback ones. */
  publicHosts: Set<string>;
}

export function normalizeOrigin(raw: string): string | undefined {
  try {
    const u = new URL(raw.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/** Reads LOCFLOW_CORS_ORIGINS and LOCFLOW_PUBLIC_URL; a value that is not a URL stops the start. */
export function originPolicy(env: NodeJS.ProcessEnv): OriginPolicy {
  const allowedOrigins = new Set<string>();
  for (const item of (env.LOCFLOW_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const o = normalizeOrigin(item);
    if (!o) throw new InputError('bad-config', `LOCFLOW_CORS_ORIGINS entry "${item}" must be an origin such as https://cms.example.com`, { params: { name: 'LOCFLOW_CORS_ORIGINS', value: item, context: 'origin' } });
    allowedOrigins.add(o);
  }
  const publicHosts = new Set<string>();
  const pub = env.LOCFLOW_PUBLIC_URL?.trim();
  if (pub) {
    const o = normalizeOrigin(pub);
    if (!o) throw new InputError('bad-config', `LOCFLOW_PUBLIC_URL must be an http or https URL, not "${pub}"`, { params: { name: 'LOCFLOW_PUBLIC_URL', value: pub, context: 'url' } });
    publicHosts.add(new URL(o).hostname.toLowerCase());
    // The API's own public origin is never cross-site for it.
    allowedOrigins.add(o);
  }
  return { allowedOrigins, publicHosts };
}

/** The host name of a Host header, lower case, without port or IPv6 brackets. */
export function hostNameOf(host: string | undefined): string {
  if (!host) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** Names that only ever mean this machine: `localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8, ::1. */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/** True when the browser-sent `Origin` is this very server (as the request's Host names it) or an allowed origin. */
export function isAllowedOrigin(policy: OriginPolicy, origin: string, host: string | undefined): boolean {
  const o = normalizeOrigin(origin);
  if (!o) return false;
  if (policy.allowedOrigins.has(o)) return true;
  return !!host && new URL(o).host === host.trim().toLowerCase();
}

/**
 * Whether a browser says this request comes from another site. `Sec-Fetch-Site`
 * is the browser's own verdict; older browsers only send `Origin`. A request
 * with neither comes from a program, not from a page, and is not cross-site.
 */
export function isCrossSite(policy: OriginPolicy, request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  // An allowed CMS origin is cross-site to the browser but invited by the operator.
  if (typeof origin === 'string' && origin !== 'null' && isAllowedOrigin(policy, origin, request.headers.host)) return false;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  if (typeof origin === 'string') return true;
  return false;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The open-mode checks, as the first `onRequest` hook: before any route, body or token. */
export function installOpenModeGuards(app: FastifyInstance, policy: OriginPolicy): void {
  app.addHook('onRequest', async (request) => {
    const name = hostNameOf(request.headers.host);
    if (!isLoopbackName(name) && !policy.publicHosts.has(name)) {
      throw new InputError('bad-host', `Host "${name.slice(0, 100)}" is not this server: without LOCFLOW_TOKENS only loopback names (localhost, 127.0.0.1, ::1) and the host of LOCFLOW_PUBLIC_URL are answered`, {
        status: 403,
        params: { host: name.slice(0, 100) },
      });
    }
    if (!SAFE_METHODS.has(request.method) && isCrossSite(policy, request)) {
      throw new InputError('cross-site', 'a page of another site may not change anything here: without LOCFLOW_TOKENS, writes from a browser must come from this server’s own page or an origin in LOCFLOW_CORS_ORIGINS', { status: 403 });
    }
  });
}

/**
 * Whether a browser page at `origin` may call the API (CORS): the origins of LOCFLOW_CORS_ORIGINS and the
 * API's own public origin, the same list the open-mode cross-site rule uses.
 */
export function corsAllows(policy: OriginPolicy, origin: string | undefined): boolean {
  if (!origin) return false;
  const o = normalizeOrigin(origin);
  return !!o && policy.allowedOrigins.has(o);
}
