/**
 * Bearer-token access control. `LOCFLOW_TOKENS=token:role,token:role`; roles
 * rank submitter < reviewer < admin. Without tokens the server binds to
 * localhost only and everyone who can reach it is admin.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { parse as parseCookie } from 'cookie';
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { InputError } from '../pipeline/errors.js';
import { sendLocalized } from './http-errors.js';

export type Role = 'submitter' | 'reviewer' | 'admin';
const RANK: Record<Role, number> = { submitter: 1, reviewer: 2, admin: 3 };

export interface TokenEntry {
  /** sha256 of the token: the token itself is not kept in memory longer than parsing. */
  digest: Buffer;
  role: Role;
  /** A short non-secret label for logs and history: `token#1`. */
  label: string;
}

export interface AuthConfig {
  /** Empty: open mode (localhost only, everyone admin). */
  tokens: TokenEntry[];
}

export function parseTokens(spec: string | undefined): AuthConfig {
  const tokens: TokenEntry[] = [];
  const items = (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  items.forEach((item, i) => {
    const at = item.lastIndexOf(':');
    const token = at > 0 ? item.slice(0, at) : '';
    const role = at > 0 ? item.slice(at + 1) : '';
    // `in` would also accept constructor, toString… from Object.prototype: a role that then allows nothing.
    if (!token || !Object.hasOwn(RANK, role)) {
      throw new InputError('bad-tokens', `LOCFLOW_TOKENS entry ${i + 1} must be token:role with role submitter, reviewer or admin`, { params: { entry: i + 1 } });
    }
    const d = digest(token);
    // The same token twice would have the role of whichever entry comes first, whatever the operator meant.
    const first = tokens.findIndex((t) => t.digest.equals(d));
    if (first >= 0) {
      throw new InputError('bad-tokens', `LOCFLOW_TOKENS entry ${i + 1} repeats the token of entry ${first + 1}; give each token once`, { params: { entry: i + 1, first: first + 1, context: 'duplicate' } });
    }
    tokens.push({ digest: d, role: role as Role, label: `${role}#${i + 1}` });
  });
  return { tokens };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface Principal {
  role: Role;
  /** Non-secret name recorded in glossary history. */
  name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The HttpOnly cookie `POST /v1/session` sets, so that the web page and the queue dashboard need no header. */
export const SESSION_COOKIE = 'locflow_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A cookie rides along with any request the browser makes, including one
 * another site's page triggers. SameSite=Strict stops other sites, but not
 * another port of the same host; so a cookie counts for a state-changing
 * request only when the browser says it comes from this very origin.
 */
function sameOrigin(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function sessionToken(request: FastifyRequest): string | undefined {
  const raw = request.headers.cookie;
  if (!raw || !sameOrigin(request)) return undefined;
  return parseCookie(raw)[SESSION_COOKIE] || undefined;
}

/** The token entry a secret belongs to, if any. */
export function lookupToken(config: AuthConfig, token: string): TokenEntry | undefined {
  const d = digest(token);
  let found: TokenEntry | undefined;
  // Compare against every entry so timing does not reveal which one matched.
  for (const entry of config.tokens) if (timingSafeEqual(entry.digest, d)) found ??= entry;
  return found;
}

/**
 * Identifies the caller from `Authorization: Bearer …`, else `?token=` (SSE
 * and downloads in scripts), else the session cookie of the web page.
 */
export function identify(config: AuthConfig, request: FastifyRequest): Principal | undefined {
  if (config.tokens.length === 0) return { role: 'admin', name: 'local' };
  const header = request.headers.authorization;
  let token: string | undefined;
  // The scheme name is case-insensitive (RFC 9110 §11.1): some clients send `bearer`.
  const bearer = header === undefined ? null : /^bearer[ \t]+(.*)$/is.exec(header);
  if (bearer) token = bearer[1]!.trim();
  else {
    const q = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof q === 'string') token = q;
    else token = sessionToken(request);
  }
  if (!token) return undefined;
  const found = lookupToken(config, token);
  return found ? { role: found.role, name: found.label } : undefined;
}

export function hasRole(principal: Principal | undefined, role: Role): boolean {
  return !!principal && RANK[principal.role] >= RANK[role];
}

/** preHandler: 401 without a valid token, 403 with a role below `role`. */
export function requireRole(config: AuthConfig, role: Role): preHandlerHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = identify(config, request);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer');
      return sendLocalized(reply, request, 401, { code: 'unauthorized', message: 'a valid bearer token is required' });
    }
    if (!hasRole(principal, role)) {
      const params = { role, have: principal.role };
      return sendLocalized(reply, request, 403, { code: 'forbidden', message: `this needs the ${role} role; your token has ${principal.role}`, params });
    }
    request.principal = principal;
  };
}
