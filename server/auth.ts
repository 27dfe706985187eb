/**
 * Bearer-token access control. `LOCFLOW_TOKENS=token:role,token:role`; roles
 * rank submitter < reviewer < admin. Without tokens the server binds to
 * localhost only and everyone who can reach it is admin.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { InputError } from '../pipeline/errors.js';

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
    if (!token || !(role in RANK)) {
      throw new InputError('bad-tokens', `LOCFLOW_TOKENS entry ${i + 1} must be token:role with role submitter, reviewer or admin`);
    }
    tokens.push({ digest: digest(token), role: role as Role, label: `${role}#${i + 1}` });
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

/** Identifies the caller from `Authorization: Bearer …` (or `?token=` for SSE and downloads in browsers). */
export function identify(config: AuthConfig, request: FastifyRequest): Principal | undefined {
  if (config.tokens.length === 0) return { role: 'admin', name: 'local' };
  const header = request.headers.authorization;
  let token: string | undefined;
  if (header?.startsWith('Bearer ')) token = header.slice('Bearer '.length).trim();
  else {
    const q = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof q === 'string') token = q;
  }
  if (!token) return undefined;
  const d = digest(token);
  let found: TokenEntry | undefined;
  // Compare against every entry so timing does not reveal which one matched.
  for (const entry of config.tokens) if (timingSafeEqual(entry.digest, d)) found ??= entry;
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
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    }
    if (!hasRole(principal, role)) {
      return reply.code(403).send({ error: { code: 'forbidden', message: `this needs the ${role} role; your token has ${principal.role}` } });
    }
    request.principal = principal;
  };
}
