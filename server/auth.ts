/**
 * Bearer-token access control. `LOCFLOW_TOKENS=token:role,token:role`; roles
 * rank submitter < reviewer < admin. Without tokens the server binds to
 * localhost only and everyone who can reach it is admin.
 *
 * Every route's role is checked in `onRequest`, before Fastify reads a byte
 * of the body: an anonymous caller gets 401 whatever it sends, and nobody
 * without a token makes the server buffer or parse megabytes. Routes name
 * their role with `requireRole(auth, role)` (as `onRequest`, or as
 * `preHandler`, which `installAuth` moves to `onRequest`); a `/v1` route that
 * names none needs the submitter role unless its config says `public: true`.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { parse as parseCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import { InputError } from '../pipeline/errors.js';
import { sendLocalized } from './http-errors.js';
import { localFailureLimiter, type FailureLimiter } from './shared-limits.js';
import type { SessionStore } from './sessions.js';

export type Role = 'submitter' | 'reviewer' | 'admin';
const RANK: Record<Role, number> = { submitter: 1, reviewer: 2, admin: 3 };

export interface TokenEntry {
  /** sha256 of the token: the token itself is not kept in memory longer than parsing. */
  digest: Buffer;
  role: Role;
  /** A short non-secret label for logs and history: `token#1`. */
  label: string;
  /**
   * Who owns the jobs this token submits: a hash of the token, so that the
   * owner stays the same when the operator reorders LOCFLOW_TOKENS, and the
   * token cannot be recovered from a job record.
   */
  owner: string;
}

export interface AuthConfig {
  /** Empty: open mode (localhost only, everyone admin). */
  tokens: TokenEntry[];
  /** Where the web page's sessions live (Redis); without it `POST /v1/session` is refused. */
  sessions?: SessionStore;
  /** Failed authentications per address (the server shares one through Redis); a per-process one is made by installAuth when absent. */
  failures?: FailureLimiter;
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
    tokens.push({ digest: d, role: role as Role, label: `${role}#${i + 1}`, owner: ownerOf(d) });
  });
  return { tokens };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A second hash over the digest: the owner id is stored with jobs and must not be a usable token digest either. */
function ownerOf(d: Buffer): string {
  return `t-${createHash('sha256').update('locflow-owner:').update(d).digest('hex').slice(0, 24)}`;
}

/** The owner id of open mode, where everyone is the same local admin. */
export const LOCAL_OWNER = 'local';

export interface Principal {
  role: Role;
  /** Non-secret name recorded in glossary history. */
  name: string;
  /** Owner id stamped on the jobs this caller submits. */
  owner: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Anyone may call this route (sign-in, who-am-I, health, the page itself). */
    public?: boolean;
    /** A server-sent event stream: the one kind of route that takes `?token=`, since EventSource cannot send headers. */
    sse?: boolean;
    /** The role this route needs (set by installAuth from requireRole). */
    role?: Role;
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

/** The session id of the cookie, when the cookie may count for this request. */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  const raw = request.headers.cookie;
  if (!raw || !sameOrigin(request)) return undefined;
  return parseCookie(raw)[SESSION_COOKIE] || undefined;
}

/** The token entry a secret belongs to, if any. */
export function lookupToken(config: AuthConfig, token: string): TokenEntry | undefined {
  return lookupDigest(config, digest(token));
}

export function lookupDigest(config: AuthConfig, d: Buffer): TokenEntry | undefined {
  let found: TokenEntry | undefined;
  // Compare against every entry so timing does not reveal which one matched.
  for (const entry of config.tokens) if (entry.digest.length === d.length && timingSafeEqual(entry.digest, d)) found ??= entry;
  return found;
}

function principalOf(entry: TokenEntry): Principal {
  return { role: entry.role, name: entry.label, owner: entry.owner };
}

export const OPEN_PRINCIPAL: Principal = { role: 'admin', name: 'local', owner: LOCAL_OWNER };

/** What the request's credentials amount to: a principal, none offered, one that is wrong, or `?token=` where it is not taken. */
export type Identity = { principal: Principal } | { missing: true } | { bad: 'token' | 'query-token' | 'session' };

function isSseRoute(request: FastifyRequest): boolean {
  return request.method === 'GET' && request.routeOptions.config?.sse === true;
}

/**
 * Identifies the caller from `Authorization: Bearer …`, else `?token=` on
 * server-sent event streams (EventSource cannot set a header), else the
 * session cookie of the web page.
 */
export async function identifyRequest(config: AuthConfig, request: FastifyRequest): Promise<Identity> {
  if (config.tokens.length === 0) return { principal: OPEN_PRINCIPAL };
  const header = request.headers.authorization;
  // The scheme name is case-insensitive (RFC 9110 §11.1): some clients send `bearer`.
  const bearer = header === undefined ? null : /^bearer[ \t]+(.*)$/is.exec(header);
  if (bearer) {
    const entry = lookupToken(config, bearer[1]!.trim());
    return entry ? { principal: principalOf(entry) } : { bad: 'token' };
  }
  const q = (request.query as Record<string, unknown> | undefined)?.token;
  if (typeof q === 'string' && q !== '') {
    if (!isSseRoute(request)) return { bad: 'query-token' };
    const entry = lookupToken(config, q);
    return entry ? { principal: principalOf(entry) } : { bad: 'token' };
  }
  const sid = sessionIdOf(request);
  if (sid && config.sessions) {
    const d = await config.sessions.lookup(sid);
    const entry = d ? lookupDigest(config, d) : undefined;
    // A session whose token left LOCFLOW_TOKENS is over too.
    return entry ? { principal: principalOf(entry) } : { bad: 'session' };
  }
  return { missing: true };
}

/** The caller, or undefined (for routes that answer anonymous callers differently). */
export async function identify(config: AuthConfig, request: FastifyRequest): Promise<Principal | undefined> {
  const id = await identifyRequest(config, request);
  return 'principal' in id ? id.principal : undefined;
}

export function hasRole(principal: Principal | undefined, role: Role): boolean {
  return !!principal && RANK[principal.role] >= RANK[role];
}

/** The address a failed guess is counted against (behind a trusted proxy: the client's). */
export function addressOf(request: FastifyRequest): string {
  return request.ip || request.socket?.remoteAddress || 'unknown';
}

const ROLE_HOOK = Symbol('locflow.requireRole');
type RoleHook = onRequestHookHandler & { [ROLE_HOOK]?: Role };

/** Checks the caller against `role` and sets `request.principal`; 401/403/429 otherwise. */
async function enforce(config: AuthConfig, role: Role, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const failures = (config.failures ??= localFailureLimiter());
  const address = addressOf(request);
  // Guessing is slowed for the address as a whole: while its bucket is empty every credential it offers waits.
  const waitMs = config.tokens.length > 0 ? await failures.waitMs(address) : 0;
  if (waitMs > 0) {
    const wait = Math.max(1, Math.ceil(waitMs / 1000));
    reply.header('retry-after', String(wait));
    return sendLocalized(reply, request, 429, { code: 'too-many-auth-failures', message: `too many failed sign-ins from this address; try again in ${wait} s`, params: { seconds: wait } });
  }
  const id = await identifyRequest(config, request);
  if (!('principal' in id)) {
    if ('bad' in id) await failures.fail(address);
    reply.header('www-authenticate', 'Bearer');
    if ('bad' in id && id.bad === 'query-token') {
      return sendLocalized(reply, request, 401, { code: 'unauthorized', message: '?token= is accepted only on event streams; send the token as Authorization: Bearer', params: { context: 'query-token' } });
    }
    return sendLocalized(reply, request, 401, { code: 'unauthorized', message: 'a valid bearer token is required' });
  }
  const principal = id.principal;
  if (!hasRole(principal, role)) {
    const params = { role, have: principal.role };
    return sendLocalized(reply, request, 403, { code: 'forbidden', message: `this needs the ${role} role; your token has ${principal.role}`, params });
  }
  request.principal = principal;
  return undefined;
}

/** A hook for `onRequest` (or `preHandler`, moved by installAuth): 401 without a valid token, 403 with a role below `role`. */
export function requireRole(config: AuthConfig, role: Role): onRequestHookHandler {
  const hook: RoleHook = async function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
    await enforce(config, role, request, reply);
  } as RoleHook;
  hook[ROLE_HOOK] = role;
  return hook;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Paths the page and the public parts live under: only these may go without a role. */
const GUARDED = /^\/(v1|admin|metrics)(\/|$)/;

/**
 * Registers the rule on `app` (before any route): role checks run in
 * `onRequest`, ahead of every hook that touches the body, and a guarded route
 * that names no role gets the submitter one.
 */
export function installAuth(app: FastifyInstance, config: AuthConfig): void {
  config.failures ??= localFailureLimiter();
  app.addHook('onRoute', (route: RouteOptions) => {
    const pre = asArray(route.preHandler as unknown as RoleHook | RoleHook[] | undefined);
    const roleHooks = pre.filter((h) => typeof h === 'function' && h[ROLE_HOOK]);
    const onRequest = asArray(route.onRequest as unknown as RoleHook | RoleHook[] | undefined);
    if (roleHooks.length > 0) {
      route.preHandler = pre.filter((h) => !roleHooks.includes(h)) as never;
      route.onRequest = [...roleHooks, ...onRequest] as never;
    }
    const has = [...roleHooks, ...onRequest].some((h) => typeof h === 'function' && h[ROLE_HOOK]);
    const config_ = (route.config ??= {}) as { public?: boolean };
    if (!has && !config_.public && GUARDED.test(route.url)) route.onRequest = [requireRole(config, 'submitter'), ...onRequest] as never;
  });
}
