/** Human-readable notes about a segment for exchange formats (glossary terms, QA findings). */
import type { Analysis, Lang, QaFinding, Term } from '../model.js';

/** The approved terms found in a segment, each once, in order of first occurrence. */
export function termsInSegment(analysis: Analysis, segmentId: string): Term[] {
  const byId = new Map(analysis.terms.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const out: Term[] = [];
  for (const m of analysis.matches[segmentId] ?? []) {
    const term = byId.get(m.termId);
    if (term && !seen.has(term.id)) {
      seen.add(term.id);
      out.push(term);
    }
  }
  return out;
}

export function glossaryNote(term: Term, to: Lang): string {
  const extra = term.note ? ` (${term.note})` : '';
  if (term.kind === 'keep') return `Glossary [${term.id}]: keep "${term.term}" as is${extra}`;
  if (term.kind === 'forbidden') return `Glossary [${term.id}]: never write "${term.translations[to] ?? term.term}"${extra}`;
  const form = term.translations[to];
  return form === undefined
    ? `Glossary [${term.id}]: "${term.term}" has no approved ${to} form${extra}`
    : `Glossary [${term.id}]: "${term.term}" → "${form}"${extra}`;
}

export function qaNote(f: QaFinding): string {
  return `QA ${f.severity} (${f.check}): ${f.message}`;
}

export function qaSummary(findings: Iterable<QaFinding>): { error: number; warning: number; info: number } {
  const out = { error: 0, warning: 0, info: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}
