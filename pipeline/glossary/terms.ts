/**
 * How a term reads in each language: which forms identify it in a document
 * of language L, and which form a translation into L must contain.
 */
import type { Lang, Term } from '../model.js';

/** `pt-BR` → `pt`. */
export function primaryLang(lang: Lang): string {
  // Asked per term and segment: no array for the subtags.
  const dash = lang.indexOf('-');
  return (dash === -1 ? lang : lang.slice(0, dash)).toLowerCase();
}

/** A term of language `termLang` is native to a document in `docLang` (`pt` terms apply to `pt-BR` documents). */
export function sameLang(termLang: Lang, docLang: Lang): boolean {
  return termLang.toLowerCase() === docLang.toLowerCase() || termLang.toLowerCase() === primaryLang(docLang);
}

/** The translation for `lang`, trying the exact tag first and then its primary language. */
export function translationFor(term: Term, lang: Lang): string | undefined {
  const t = term.translations;
  if (t[lang] !== undefined) return t[lang];
  const primary = primaryLang(lang);
  for (const [k, v] of Object.entries(t)) if (k.toLowerCase() === lang.toLowerCase() || k.toLowerCase() === primary) return v;
  return undefined;
}

/**
 * Forms that identify the term in a document in `lang`.
 * - keep: the term and its variants in every language (a brand reads the same everywhere),
 *   plus a translation for `lang` if the file gives one.
 * - translate: the term and its variants in its own language; in another
 *   language, the translation for it. So a French term `IA` with `en: AI` is
 *   found as `AI` in an English article, and an English article's `AI` then
 *   comes out as `IA` in French.
 * - forbidden: never matched in sources (QA looks for them in targets).
 */
export function sourceForms(term: Term, lang: Lang): string[] {
  if (term.kind === 'forbidden') return [];
  const forms: string[] = [];
  if (term.kind === 'keep' || sameLang(term.lang, lang)) forms.push(term.term, ...term.variants);
  const tr = translationFor(term, lang);
  if (tr !== undefined && !sameLang(term.lang, lang)) {
    forms.push(tr);
    // Where the translation is the term itself (`open source` in French and English),
    // its spelling variants (`open-source`) are spelling variants in that language too.
    if (term.kind === 'translate' && tr.toLowerCase() === term.term.toLowerCase()) forms.push(...term.variants);
  }
  return [...new Set(forms.filter((f) => f.trim().length > 0))];
}

/**
 * What a translation into `to` must contain for this term, or undefined when
 * the glossary does not say (then the engine translates it freely).
 * `surface` is the matched source text, which keep terms reproduce as written.
 */
export function targetForm(term: Term, to: Lang, surface: string): string | undefined {
  if (term.kind === 'keep') return translationFor(term, to) ?? surface;
  if (term.kind !== 'translate') return undefined;
  if (sameLang(term.lang, to)) return term.term;
  return translationFor(term, to);
}

/** Forms that must not appear in text of language `lang` for a forbidden term. */
export function forbiddenForms(term: Term, lang: Lang): string[] {
  if (term.kind !== 'forbidden') return [];
  const forms: string[] = [];
  if (sameLang(term.lang, lang)) forms.push(term.term, ...term.variants);
  const tr = translationFor(term, lang);
  if (tr !== undefined && !sameLang(term.lang, lang)) forms.push(tr);
  return [...new Set(forms)];
}

/**
 * Sentence-initial capitals survive forcing: `Open source …` forced to
 * `código abierto` becomes `Código abierto …`. Only for case-insensitive
 * terms: a case-sensitive term's spelling is the glossary's decision.
 */
export function matchCapital(target: string, surface: string, caseSensitive: boolean): string {
  if (caseSensitive || !surface || !target) return target;
  const s0 = surface[0]!;
  const t0 = target[0]!;
  if (s0 !== s0.toLowerCase() && t0 !== t0.toUpperCase()) return t0.toUpperCase() + target.slice(1);
  return target;
}
