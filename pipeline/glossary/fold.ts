/**
 * Text folding for matching: case, apostrophes, spaces and Unicode
 * normalisation are made uniform so that one automaton finds every spelling,
 * while an offset map lets results point into the caller's original string.
 */

/**
 * Typographic apostrophes, spaces and hyphens that writers and editors use
 * interchangeably with the ASCII ones. The plain space is not in the class:
 * replacing every space with itself would dominate the cost on long texts.
 */
const PUNCT = /[\u2019\u2018\u02BC\u2032\uFF07\t\n\v\f\r\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u2010\u2011]/g;
const PUNCT_TEST = new RegExp(PUNCT.source);

function punctReplacement(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0x2010 || code === 0x2011) return '-';
  if (code === 0x2019 || code === 0x2018 || code === 0x02bc || code === 0x2032 || code === 0xff07) return "'";
  return ' ';
}

/** Apostrophe, space and hyphen folding only: same length as the input. */
export function foldPunct(s: string): string {
  return PUNCT_TEST.test(s) ? s.replace(PUNCT, punctReplacement) : s;
}

/** Code unit → its punctuation-folded unit, for folding inside a scan loop without building a new string. */
export const PUNCT_FOLD: Uint16Array = (() => {
  const table = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) table[c] = c;
  for (const m of '\u2019\u2018\u02BC\u2032\uFF07\t\n\v\f\r\u00A0\u1680\u2028\u2029\u202F\u205F\u3000\u2010\u2011'.split('')) {
    table[m.charCodeAt(0)] = punctReplacement(m).charCodeAt(0);
  }
  for (let c = 0x2000; c <= 0x200a; c++) table[c] = 0x20;
  return table;
})();

/**
 * True when the text cannot change under NFC: every character is below
 * U+0300 or in the punctuation and currency blocks, none of which compose or
 * decompose. Saves normalising a whole French or English article just to
 * find out it was already NFC.
 */
const MAYBE_NOT_NFC = /[^\u0000-\u02FF\u2002-\u206F\u20A0-\u20CF]/;

/** The form a pattern is stored under in the automaton. */
export function foldForm(s: string): string {
  return foldPunct(s.normalize('NFC').toLowerCase());
}

export interface Folded {
  text: string;
  /** Original offset where the folded code unit at index i starts; undefined when folding kept every offset. */
  starts?: Int32Array;
  /** Original offset just after the folded code unit at index i. */
  ends?: Int32Array;
}

/**
 * Folds a whole text. The common case (already NFC, lower-casing keeps the
 * length) is a few native string passes; anything else goes cluster by
 * cluster and records where each folded unit came from.
 */
export function foldText(text: string, options: { punct?: boolean } = {}): Folded {
  if (!MAYBE_NOT_NFC.test(text) || text.normalize('NFC') === text) {
    const lower = text.toLowerCase();
    // Only U+0130 (İ) changes length when lower-cased; equal lengths mean a 1:1 mapping.
    // The automaton folds punctuation itself (PUNCT_FOLD), so it can skip that pass.
    if (lower.length === text.length) return { text: options.punct === false ? lower : foldPunct(lower) };
  }
  const starts: number[] = [];
  const ends: number[] = [];
  let out = '';
  // A base character with its combining marks: the unit NFC composes within.
  for (const m of text.matchAll(/[\s\S]\p{M}*/gu)) {
    const f = foldPunct(m[0].normalize('NFC').toLowerCase());
    const s = m.index;
    const e = s + m[0].length;
    for (let k = 0; k < f.length; k++) {
      starts.push(s);
      ends.push(e);
    }
    out += f;
  }
  return { text: out, starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** Maps a folded [start, end) back to the original string. */
export function originalSpan(f: Folded, start: number, end: number): [number, number] {
  if (!f.starts || !f.ends) return [start, end];
  return [f.starts[start]!, f.ends[end - 1]!];
}

const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;
const WORD_EDGE_START = /^[\p{L}\p{N}]/u;
const WORD_EDGE_END = /[\p{L}\p{N}\p{M}]$/u;
const DIGIT_END = /\p{N}$/u;
const DIGIT_START = /^\p{N}/u;

/** Per BMP code unit: 0 not yet known, 1 word character, 2 not. Filled lazily: a text uses few distinct characters. */
const WORD_TABLE = new Uint8Array(65536);

/** Letter, digit or combining mark; ASCII without a regex since nearly every boundary is ASCII. */
function isWordCode(cp: number): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  if (cp > 0xffff) return WORD_CHAR.test(String.fromCodePoint(cp));
  let known = WORD_TABLE[cp]!;
  if (known === 0) {
    known = WORD_CHAR.test(String.fromCharCode(cp)) ? 1 : 2;
    WORD_TABLE[cp] = known;
  }
  return known === 1;
}

function codePointBefore(text: string, i: number): number {
  const c = text.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = text.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return (h - 0xd800) * 0x400 + (c - 0xdc00) + 0x10000;
  }
  return c;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Whether a form needs a word boundary on each side (a form starting with `.` like `.NET` does not on that side). */
export function edgeNeeds(form: string): { start: boolean; end: boolean; digitStart: boolean; digitEnd: boolean } {
  return { start: WORD_EDGE_START.test(form), end: WORD_EDGE_END.test(form), digitStart: DIGIT_START.test(form), digitEnd: DIGIT_END.test(form) };
}

/**
 * Word boundaries over Unicode letters, digits and marks. An apostrophe is a
 * boundary, which is what makes French elision work: in `l'open source` and
 * `qu’OpenAI` the term starts right after the apostrophe. A number-like
 * term must not be the head or tail of a decimal or version (`V3` in `V3.5`).
 */
export function boundaryOk(text: string, start: number, end: number, need: ReturnType<typeof edgeNeeds>): boolean {
  if (need.start && start > 0) {
    if (isWordCode(codePointBefore(text, start))) return false;
    if (need.digitStart && start >= 2 && (text[start - 1] === '.' || text[start - 1] === ',') && isDigit(text.charCodeAt(start - 2))) return false;
  }
  if (need.end && end < text.length) {
    if (isWordCode(text.codePointAt(end)!)) return false;
    if (need.digitEnd && end + 1 < text.length && (text[end] === '.' || text[end] === ',') && isDigit(text.charCodeAt(end + 1))) return false;
  }
  return true;
}

/**
 * The case rule of case-sensitive terms. `exact` is the punctuation-folded
 * NFC form. A form written all in lower case (`giám đốc điều hành`, the
 * Vietnamese form of the case-sensitive `PDG`) also matches with a capital
 * first letter, because sentences start with one.
 */
export function sameCase(surface: string, exact: string): boolean {
  const s = foldPunct(surface.normalize('NFC'));
  if (s === exact) return true;
  if (exact !== exact.toLowerCase() || s.length === 0) return false;
  const first = String.fromCodePoint(s.codePointAt(0)!);
  return first.toLowerCase() + s.slice(first.length) === exact;
}

/**
 * QA looks for several forms in the same one or two texts (the source and the
 * translation of a segment) in a row: their last foldings are kept, so each
 * text is folded once rather than once per form. foldText is pure.
 */
const recentFolds: { text: string; folded: Folded }[] = [];
function foldedRecently(text: string): Folded {
  for (const r of recentFolds) if (r.text === text) return r.folded;
  const folded = foldText(text);
  recentFolds.unshift({ text, folded });
  if (recentFolds.length > 2) recentFolds.pop();
  return folded;
}

/**
 * Every occurrence of `form` in `text` as a whole word or phrase, with the
 * same folding and boundary rules as the matcher. For the handful of forms QA
 * looks for per segment; large glossaries go through the automaton.
 */
export function findForm(text: string, form: string, caseSensitive: boolean): [number, number][] {
  const folded = foldedRecently(text);
  const needle = foldForm(form);
  if (!needle) return [];
  const exact = foldPunct(form.normalize('NFC'));
  const need = edgeNeeds(needle);
  const found: [number, number][] = [];
  for (let i = folded.text.indexOf(needle); i !== -1; i = folded.text.indexOf(needle, i + 1)) {
    const [s, e] = originalSpan(folded, i, i + needle.length);
    if (!boundaryOk(text, s, e, need)) continue;
    if (caseSensitive && !sameCase(text.slice(s, e), exact)) continue;
    found.push([s, e]);
  }
  return found;
}
