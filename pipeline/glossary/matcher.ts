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
  const terms = all.filter((t) => t.status === 'approved' && (t.kind === 'keep' || t.kind === 'translate'));
  // Built per document language on first use: an article is in one language,
  // and each language's automaton only holds the forms that can occur in it.
  const byLang = new Map<string, LangIndex>();

  const indexFor = (lang: Lang): LangIndex => {
    const key = lang.toLowerCase();
    let index = byLang.get(key);
    if (index) return index;
    const folded: string[] = [];
    const patterns: Pattern[] = [];
    terms.forEach((t, i) => {
      const seen = new Set<string>();
      for (const form of sourceForms(t, lang)) {
        const f = foldForm(form);
        const exact = foldPunct(form.normalize('NFC'));
        // NVIDIA and Nvidia are two forms of a case-sensitive term but one of a case-insensitive one.
        const key = t.caseSensitive ? exact : f;
        if (!f || seen.has(key)) continue;
        seen.add(key);
        folded.push(f);
        patterns.push({ term: i, exact, caseSensitive: t.caseSensitive, need: edgeNeeds(f) });
      }
    });
    index = { automaton: buildAutomaton(folded), patterns };
    byLang.set(key, index);
    return index;
  };

  return {
    terms,
    find(plain: string, lang: Lang): TermMatch[] {
      if (!plain || terms.length === 0) return [];
      const { automaton, patterns } = indexFor(lang);
      const folded = foldText(plain);
      const candidates: { p: number; start: number; end: number; cs: boolean }[] = [];
      for (const hit of automaton.scan(folded.text)) {
        const pat = patterns[hit.pattern]!;
        const [start, end] = originalSpan(folded, hit.start, hit.end);
        if (!boundaryOk(plain, start, end, pat.need)) continue;
        if (pat.caseSensitive && !(end - start === pat.exact.length && plain.startsWith(pat.exact, start)) && !sameCase(plain.slice(start, end), pat.exact)) continue;
        candidates.push({ p: hit.pattern, start, end, cs: pat.caseSensitive });
      }
      if (candidates.length === 0) return [];
      // Longest first; at equal spans a case-sensitive (more specific) term beats a case-insensitive one.
      candidates.sort(
        (a, b) =>
          b.end - b.start - (a.end - a.start) ||
          a.start - b.start ||
          Number(b.cs) - Number(a.cs) ||
          a.p - b.p,
      );
      const taken = new Uint8Array(plain.length);
      const matches: TermMatch[] = [];
      for (const c of candidates) {
        if (taken[c.start] || taken[c.end - 1] || taken.subarray(c.start, c.end).includes(1)) continue;
        taken.fill(1, c.start, c.end);
        const term = terms[patterns[c.p]!.term]!;
        matches.push({ termId: term.id, text: plain.slice(c.start, c.end), start: c.start, end: c.end });
      }
      return matches.sort((a, b) => a.start - b.start);
    },
  };
}
