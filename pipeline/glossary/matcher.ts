/**
 * Finds approved glossary terms in plain text: one Aho-Corasick pass over the
 * folded text for all forms of all terms, then word boundaries, case rules
 * and "longest match wins" on the few candidates.
 */
import type { Lang, Term, TermMatch } from '../model.js';
import { buildAutomaton, type Automaton } from './automaton.js';
import { boundaryOk, edgeNeeds, foldForm, foldPunct, foldText, originalSpan, sameCase } from './fold.js';
import { sourceForms } from './terms.js';

export interface GlossaryMatcher {
  /** The approved terms it matches. */
  readonly terms: Term[];
  /** All non-overlapping matches in one pass, longest match first, word boundaries and elision respected. */
  find(plain: string, lang: Lang): TermMatch[];
}

interface Pattern {
  term: number;
  /** Punctuation-folded NFC form, for the case-sensitive comparison. */
  exact: string;
  caseSensitive: boolean;
  need: ReturnType<typeof edgeNeeds>;
}

interface LangIndex {
  automaton: Automaton;
  patterns: Pattern[];
}

export function compileGlossary(all: Term[]): GlossaryMatcher {
  return new AutomatonMatcher(all.filter((t) => t.status === 'approved' && (t.kind === 'keep' || t.kind === 'translate')));
}

/** A class so that find() keeps its optimised code across glossary versions (see TableAutomaton). */
class AutomatonMatcher implements GlossaryMatcher {
  /**
   * Built per document language on first use: an article is in one language,
   * and each language's automaton only holds the forms that can occur in it.
   */
  private readonly byLang = new Map<string, LangIndex>();

  constructor(readonly terms: Term[]) {}

  private indexFor(lang: Lang): LangIndex {
    const key = lang.toLowerCase();
    let index = this.byLang.get(key);
    if (index) return index;
    const folded: string[] = [];
    const patterns: Pattern[] = [];
    this.terms.forEach((t, i) => {
      const seen = new Set<string>();
      for (const form of sourceForms(t, lang)) {
        const f = foldForm(form);
        const exact = foldPunct(form.normalize('NFC'));
        // NVIDIA and Nvidia are two forms of a case-sensitive term but one of a case-insensitive one.
        const dedupe = t.caseSensitive ? exact : f;
        if (!f || seen.has(dedupe)) continue;
        seen.add(dedupe);
        folded.push(f);
        patterns.push({ term: i, exact, caseSensitive: t.caseSensitive, need: edgeNeeds(f) });
      }
    });
    index = { automaton: buildAutomaton(folded), patterns };
    this.byLang.set(key, index);
    return index;
  }

  find(plain: string, lang: Lang): TermMatch[] {
    if (!plain || this.terms.length === 0) return [];
    const { automaton, patterns } = this.indexFor(lang);
    const folded = foldText(plain, { punct: false });
    const candidates: Candidate[] = [];
    const hits = automaton.scan(folded.text);
    for (let h = 0; h < hits.count; h++) {
      const p = hits.pattern[h]!;
      const pat = patterns[p]!;
      let start = hits.start[h]!;
      let end = hits.end[h]!;
      if (folded.starts) [start, end] = originalSpan(folded, start, end);
      if (!boundaryOk(plain, start, end, pat.need)) continue;
      if (pat.caseSensitive && !(end - start === pat.exact.length && plain.startsWith(pat.exact, start)) && !sameCase(plain.slice(start, end), pat.exact)) continue;
      candidates.push({ p, start, end, cs: pat.caseSensitive });
    }
    if (candidates.length === 0) return [];
    // Hits arrive in order of end offset, so this sort has little to do.
    candidates.sort((a, b) => a.start - b.start || b.end - a.end);
    const matches: TermMatch[] = [];
    // Overlapping candidates form clusters; "longest wins" only has to be decided inside each.
    for (let i = 0; i < candidates.length; ) {
      let j = i + 1;
      let clusterEnd = candidates[i]!.end;
      while (j < candidates.length && candidates[j]!.start < clusterEnd) clusterEnd = Math.max(clusterEnd, candidates[j++]!.end);
      const kept = j === i + 1 ? [candidates[i]!] : longestFirst(candidates.slice(i, j));
      for (const c of kept) {
        const term = this.terms[patterns[c.p]!.term]!;
        matches.push({ termId: term.id, text: plain.slice(c.start, c.end), start: c.start, end: c.end });
      }
      i = j;
    }
    return matches;
  }
}

interface Candidate {
  p: number;
  start: number;
  end: number;
  cs: boolean;
}

/**
 * Longest first; at equal spans a case-sensitive (more specific) form beats a
 * case-insensitive one, then glossary order decides. Returns the kept
 * candidates in text order.
 */
function longestFirst(cluster: Candidate[]): Candidate[] {
  cluster.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start || Number(b.cs) - Number(a.cs) || a.p - b.p);
  const kept: Candidate[] = [];
  for (const c of cluster) if (!kept.some((k) => k.start < c.end && c.start < k.end)) kept.push(c);
  return kept.sort((a, b) => a.start - b.start);
}
