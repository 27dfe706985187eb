/**
 * The review workflow: who may do what to a term, and which status moves are
 * allowed. Kept apart from HTTP so the CLI, the API and tests share one rule set.
 *
 *   proposed ──approve──▶ approved ──deprecate──▶ deprecated
 *      │                     ▲                        │
 *      └──reject──▶ rejected ┴────────approve─────────┘
 *
 * Rejected and deprecated terms can be approved again (a reviewer changing
 * their mind should not need to retype the term); everything else is a 409.
 */
import { GlossaryError } from '../pipeline/errors.js';
import type { Term, TermStatus } from '../pipeline/model.js';

export type Role = 'submitter' | 'reviewer' | 'admin';
export interface Actor {
  role: Role;
  /** Recorded in history; never a secret. */
  name: string;
}

export type ReviewAction = 'approve' | 'reject' | 'deprecate';
export const REVIEW_ACTIONS: readonly ReviewAction[] = ['approve', 'reject', 'deprecate'];

const MOVES: Record<ReviewAction, { from: TermStatus[]; to: TermStatus }> = {
  approve: { from: ['proposed', 'rejected', 'deprecated'], to: 'approved' },
  reject: { from: ['proposed'], to: 'rejected' },
  deprecate: { from: ['approved'], to: 'deprecated' },
};

export function isReviewer(actor: Actor): boolean {
  return actor.role === 'reviewer' || actor.role === 'admin';
}

/** The status after `action`, or a 409 explaining why the move is not allowed. */
export function nextStatus(term: Term, action: ReviewAction): TermStatus {
  const move = MOVES[action];
  if (!move.from.includes(term.status)) {
    throw new GlossaryError('glossary-bad-transition', `term ${term.id} is ${term.status}; ${action} applies only to ${move.from.join(' or ')} terms`, { status: 409, params: { id: term.id, status: term.status, action, from: move.from.join(', ') } });
  }
  return move.to;
}

/** Who proposed the term: the actor of its first history entry. */
export function proposerOf(term: Term): string | undefined {
  return term.history?.[0]?.by;
}

/**
 * Reviewers and admins edit and delete anything. A submitter may edit or
 * withdraw only a term they proposed themselves while it is still proposed:
 * once a reviewer has decided, only a reviewer can change it.
 */
export function assertCanModify(actor: Actor, term: Term, what: 'edit' | 'delete'): void {
  if (isReviewer(actor)) return;
  if (term.status === 'proposed' && proposerOf(term) === actor.name) return;
  throw new GlossaryError(
    'forbidden',
    term.status === 'proposed' ? `only the proposer or a reviewer may ${what} term ${term.id}` : `term ${term.id} is ${term.status}; only a reviewer or admin may ${what} it`,
    { status: 403, params: { id: term.id, status: term.status, action: what, context: term.status === 'proposed' ? 'proposer' : 'decided' } },
  );
}

export function assertReviewer(actor: Actor, what: string): void {
  if (!isReviewer(actor)) throw new GlossaryError('forbidden', `${what} needs the reviewer role; your token has ${actor.role}`, { status: 403, params: { action: what, have: actor.role, context: 'reviewer' } });
}
