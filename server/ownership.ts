/**
 * Whose jobs a caller may see. A job belongs to the token that submitted it
 * (its owner id, a hash of the token, is stored with the job). Submitters
 * list, read, follow, download, cancel and configure only their own jobs;
 * anyone else's is answered like a job that does not exist (404), so ids
 * cannot be probed. Reviewers and admins see every job: they review and
 * operate the whole newsroom's work. A desk that shares its jobs shares one
 * submitter token.
 */
import type { FastifyRequest } from 'fastify';
import { hasRole, type AuthConfig, type Principal } from './auth.js';

/** The owner id to stamp on a new job: none in open mode (everyone is the same local admin). */
export function ownerForSubmission(auth: AuthConfig, request: FastifyRequest): string | undefined {
  return auth.tokens.length > 0 ? request.principal?.owner : undefined;
}

/** The owner whose jobs a listing is limited to; undefined means every job. */
export function listScope(auth: AuthConfig, principal: Principal | undefined): string | undefined {
  if (auth.tokens.length === 0 || hasRole(principal, 'reviewer')) return undefined;
  // No principal cannot reach here (the route needs a role); an empty owner matches nothing all the same.
  return principal?.owner ?? '';
}

/** Whether `principal` may see a job owned by `owner` (undefined: a job from open mode or from before owners). */
export function maySee(auth: AuthConfig, principal: Principal | undefined, owner: string | undefined): boolean {
  if (auth.tokens.length === 0 || hasRole(principal, 'reviewer')) return true;
  return !!principal && owner !== undefined && owner === principal.owner;
}
