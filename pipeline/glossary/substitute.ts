/**
 * Translate unmasked, then substitute: the engine translates the sentence as
 * written, so its verbs, agreement and restrictions are its own, and only its
 * rendering of each glossary term is then replaced by the glossary's form.
 *
 * The rendering is looked for in the output, in this order:
 * 1. the glossary form itself (the engine already wrote it: nothing to do);
 * 2. the engine's translation of the term alone (`formation` → `formación`),
 *    exactly, then word by word with inflection (`chip`/`chips`);
 * 3. the source form, which engines leave untranslated (`start-up`, brands);
 * 4. only then 2 and 3 with one word slipped in between (`centres of American
 *    data` for `centre of data`), which a noisy term-alone answer could
 *    otherwise match in the wrong place.
 * Among several places the one nearest the term's position in the source
 * wins. A term whose rendering is nowhere is reported, and the caller masks it.
 */
import { escapeXml } from '../inline.js';
import type { InlineXml, Lang, Term, TermMatch } from '../model.js';
import { agreementEdits, type Edit, type Word } from './agreement.js';
import { primaryLang, targetForm, translationFor } from './terms.js';

export interface SubstituteInput {
  /** The engine's translation of the unmasked segment (inline XML). */
  output: InlineXml;
  /** Plain source text of the segment and the terms matched in it. */
  source: string;
  matches: TermMatch[];
  termById: Map<string, Term>;
  to: Lang;
  /** The engine's translation of each term alone, by renderingKey(). */
  renderings: Map<string, string>;
}

export interface SubstituteResult {
  text: InlineXml;
  /** Matches whose rendering was found (and replaced where it differed). */
  placed: TermMatch[];
  /** Matches with a target form whose rendering was not found. */
  unplaced: TermMatch[];
  /**
   * The placed matches whose glossary form the engine had already written
   * (nothing replaced): what an engine given a native glossary did itself.
   */
  already: TermMatch[];
}

/** What is sent to the engine to learn how it renders a term alone. */
export function renderingKey(match: TermMatch, term: Term): string {
  return term.caseSensitive ? match.text : match.text.toLowerCase();
}

/** Words; an apostrophe ends one (`l'entreprise` holds `entreprise`), a hyphen does not (`start-up`). */
const WORD = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;

/**
 * The words of inline XML with their offsets. Tags and entities are blanked
 * first (same length) so that offsets stay those of the XML and a word never
 * runs across a tag.
 */
export function wordsOf(xml: string): Word[] {
  const blanked = xml.replace(/<[^>]*>|&[#a-zA-Z0-9]+;/g, (m) => ' '.repeat(m.length));
  return [...blanked.matchAll(WORD)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
}

/** Lower case without accents, for comparing an engine's words. */
// findSpans compares every word of a sentence with every word of every form, up to three passes:
// the same few hundred words were folded over and over (a tenth of a worker's CPU per engine call).
const folded = new Map<string, string>();
const FOLD_CACHE_MAX = 20_000;

function fold(w: string): string {
  let f = folded.get(w);
  if (f === undefined) {
    f = w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    // Bounded: a long-running worker sees unbounded vocabulary; starting afresh is cheap.
    if (folded.size >= FOLD_CACHE_MAX) folded.clear();
    folded.set(w, f);
  }
  return f;
}

/** Same word up to inflection: `chip`/`chips`, `pulga`/`pulgas`, `centre`/`centres`, `actualizado`/`actualizada`. */
function similar(a: string, b: string): boolean {
  const x = fold(a);
  const y = fold(b);
  if (x === y) return true;
  if (Math.min(x.length, y.length) < 3) return false;
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  return p >= Math.max(x.length, y.length) - 2 && p >= Math.min(x.length, y.length) - 1;
}

interface Span {
  first: number;
  last: number;
  /** Word indexes inside the span that are not part of the rendering (a slipped-in adjective). */
  gaps: number[];
  exact: boolean;
}

/** Places where the words of `form` occur in `words`, exact first. */
function findSpans(words: Word[], form: string[], used: boolean[], split = true): Span[] {
  const spans: Span[] = [];
  const n = form.length;
  if (n === 0) return spans;
  const free = (i: number) => !used[i];
  for (const exact of [true, false]) {
    const eq = exact ? (a: string, b: string) => fold(a) === fold(b) : similar;
    for (let i = 0; i + n <= words.length; i++) {
      let ok = true;
      for (let k = 0; k < n && ok; k++) ok = free(i + k) && eq(words[i + k]!.text, form[k]!);
      if (ok) spans.push({ first: i, last: i + n - 1, gaps: [], exact });
    }
    if (spans.length) return spans;
  }
  // Split: one word slipped in between two words of the rendering.
  if (split && n >= 2) {
    for (let i = 0; i + n < words.length; i++) {
      for (let gap = 1; gap < n; gap++) {
        let ok = true;
        for (let k = 0; k < n && ok; k++) {
          const at = i + k + (k >= gap ? 1 : 0);
          ok = free(at) && similar(words[at]!.text, form[k]!);
        }
        if (ok && free(i + gap)) spans.push({ first: i, last: i + n, gaps: [i + gap], exact: false });
      }
    }
  }
  return spans;
}

function formWords(text: string): string[] {
  return [...text.matchAll(WORD)].map((m) => m[0]);
}

/** True when nothing but opening punctuation comes before this word in its sentence. */
function sentenceStart(xml: string, words: Word[], index: number): boolean {
  if (index === 0) return true;
  const between = xml.slice(words[index - 1]!.end, words[index]!.start).replace(/<[^>]*>/g, '');
  return /[.!?:…]["»”’)\]]*\s*["«“‘(\[¿¡—–-]*\s*$/u.test(between);
}

/**
 * Replaces the engine's rendering of each matched term by its glossary form,
 * with agreement repair and sentence-initial capitals. Pure.
 */
export function substituteTerms(input: SubstituteInput): SubstituteResult {
  const { output, matches, termById, to } = input;
  const words = wordsOf(output);
  const used = new Array<boolean>(words.length).fill(false);
  const edits: Edit[] = [];
  const placed: TermMatch[] = [];
  const unplaced: TermMatch[] = [];
  const already: TermMatch[] = [];
  const sourceLength = Math.max(1, input.source.length);

  for (const match of [...matches].sort((a, b) => a.start - b.start)) {
    const term = termById.get(match.termId);
    if (!term) continue;
    const form = targetForm(term, to, match.text);
    if (form === undefined) continue;
    // Where the term should be, as a fraction of the sentence: the tie-breaker between two candidates.
    const expected = (match.start / sourceLength) * words.length;
    const nearest = (spans: Span[]) => spans.sort((a, b) => Number(b.exact) - Number(a.exact) || Math.abs(a.first - expected) - Math.abs(b.first - expected))[0];

    const fw = formWords(form);
    // A case-sensitive form (`DeepSeek`) written in other capitals (`DEEPSEEK`) is not the glossary's: it is replaced below.
    const asWritten = (s: Span) => s.exact && (!term.caseSensitive || fw.every((w, k) => words[s.first + k]!.text === w));
    const written = nearest(findSpans(words, fw, used).filter(asWritten));
    if (written) {
      for (let i = written.first; i <= written.last; i++) used[i] = true;
      placed.push(match);
      already.push(match);
      continue;
    }
    const candidates = [input.renderings.get(renderingKey(match, term)), match.text, term.term, ...term.variants]
      .filter((c): c is string => c !== undefined && c.trim() !== '')
      .map((c) => formWords(c.replace(/[.!?]+\s*$/, '')));
    // Every candidate written in one piece first, then split ones: the source form left as is in the output is
    // surer than the term-alone rendering found around a slipped-in word (which may be noise of the probe's answer).
    let span: Span | undefined;
    for (const split of [false, true]) {
      for (const c of candidates) {
        span = nearest(findSpans(words, c, used, split));
        if (span) break;
      }
      if (span) break;
    }
    if (!span) {
      unplaced.push(match);
      continue;
    }
    for (let i = span.first; i <= span.last; i++) used[i] = true;
    placed.push(match);

    const firstWord = words[span.first]!;
    let text = form;
    // Capitals: the glossary's spelling, except that a term opening a sentence starts with a capital.
    if (sentenceStart(output, words, span.first) && !term.caseSensitive && text[0] && text[0] === text[0].toLowerCase()) {
      text = text[0].toUpperCase() + text.slice(1);
    }
    const slipped = span.gaps.map((g) => words[g]!.text);
    if (slipped.length) {
      // Adjectives come before the noun in English, after it in Spanish and French.
      text = primaryLang(to) === 'en' ? `${slipped.join(' ')} ${text}` : `${text} ${slipped.join(' ')}`;
    }
    edits.push({ start: firstWord.start, end: words[span.last]!.end, text: escapeXml(text) });
    const grammar = term.grammar && (grammarFor(term, to));
    edits.push(...agreementEdits(to, words, span.first, span.last, form, grammar).filter((e) => !overlaps(e, edits)));
  }

  // Edits never overlap; applied from the end so that earlier offsets hold.
  let text = output;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { text, placed, unplaced, already };
}

function overlaps(e: Edit, edits: Edit[]): boolean {
  return edits.some((o) => e.start < o.end && o.start < e.end);
}

/** The grammar of the form a translation into `to` gets: the translation's, or the term's own for its language. */
export function grammarFor(term: Term, to: Lang) {
  const g = term.grammar;
  if (!g) return undefined;
  if (g[to]) return g[to];
  const primary = primaryLang(to);
  for (const [k, v] of Object.entries(g)) if (k.toLowerCase() === primary) return v;
  // A keep term's grammar is written once for the form every language shares.
  return translationFor(term, to) === undefined && term.kind === 'keep' ? g[term.lang] : undefined;
}
