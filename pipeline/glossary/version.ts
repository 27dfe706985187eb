/** The glossary version written into manifests and translation-memory keys. */
import { createHash } from 'node:crypto';
import type { Term } from '../model.js';

/** JSON with object keys sorted, so that equal content always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `g-` + 12 hex of a hash over the approved terms, independent of their order.
 * Only what a reviewer approved counts (including the note, so that every
 * approved edit gives a new version as the product contract says); review
 * history, suggestion statistics and non-approved terms do not.
 */
export function glossaryVersion(terms: Term[]): string {
  const lines = terms
    .filter((t) => t.status === 'approved')
    .map((t) =>
      canonical({
        id: t.id,
        term: t.term,
        lang: t.lang,
        kind: t.kind,
        translations: t.translations,
        variants: [...t.variants].sort(),
        caseSensitive: t.caseSensitive,
        note: t.note ?? null,
        // Only when set, so that glossaries without it keep their version.
        ...(t.grammar ? { grammar: t.grammar } : {}),
      }),
    )
    .sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`);
  return `g-${hash.digest('hex').slice(0, 12)}`;
}
