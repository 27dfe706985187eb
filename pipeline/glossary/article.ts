import type { Term, TermMatch } from '../model.js';

/**
 * The terms an article needs downstream (Analysis.terms): the approved terms
 * it matched, plus every approved forbidden term, because QA looks for those
 * in the translations whether or not the source mentions them.
 */
export function termsForArticle(terms: Term[], matches: Record<string, TermMatch[]> | TermMatch[][]): Term[] {
  const ids = new Set<string>();
  for (const list of Object.values(matches)) for (const m of list) ids.add(m.termId);
  return terms.filter((t) => t.status === 'approved' && (ids.has(t.id) || t.kind === 'forbidden'));
}
