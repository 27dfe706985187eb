/**
 * The two measures of `npm run bench -- terms`, for one sentence translated
 * twice by the same engine, without the glossary (plain) and with it:
 *
 * - compliance: every term rendering the glossary requires is in the output;
 * - collateral changes: word-level differences between the two translations
 *   that are not at a term. A short function word right next to a term may
 *   change (agreement: `la formación` → `el entrenamiento`), and the engine's
 *   own rendering of the term may be replaced, word for word.
 */

/** Word tokens; punctuation is left out, capitalisation counts (`Allows` ≠ `allows`). */
export function words(text: string): string[] {
  return text.normalize('NFC').match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? [];
}

/** Function words that may change right next to a term, per target language. */
const FUNCTION_WORDS: Record<string, Set<string>> = {
  es: new Set('el la los las lo un una unos unas del al de a en con por para y o su sus este esta estos estas ese esa esos esas'.split(' ')),
  en: new Set('the a an of to in on for and or its his her their this that these those'.split(' ')),
  fr: new Set("le la les l un une des du de d au aux à en et ou son sa ses ce cet cette ces".split(' ')),
};

export interface Change {
  /** Words of the plain translation that are gone. */
  removed: string[];
  /** Words of the with-glossary translation that are new. */
  added: string[];
}

export interface SentenceScore {
  required: number;
  present: number;
  /** Differences not explained by a term. */
  collateral: Change[];
}

/** Longest common subsequence alignment, as runs of removed/added words between equal ones. */
export function diffWords(a: string[], b: string[]): { aStart: number; aEnd: number; bStart: number; bEnd: number }[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const hunks: { aStart: number; aEnd: number; bStart: number; bEnd: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const aStart = i;
    const bStart = j;
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) i++;
      else j++;
    }
    hunks.push({ aStart, aEnd: i, bStart, bEnd: j });
  }
  return hunks;
}

const fold = (w: string) => w.toLowerCase();

/** Where the word sequence `needle` occurs in `hay`, case-insensitively. */
function occurrences(hay: string[], needle: string[]): number[] {
  const at: number[] = [];
  if (needle.length === 0) return at;
  for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((w, k) => fold(hay[i + k]!) === fold(w))) at.push(i);
  return at;
}

export interface TermUse {
  /** The form the glossary requires in the target. */
  target: string;
  /** The term as written in the source (its length bounds how many words the engine's rendering may have). */
  source: string;
  /** The engine's translation of the term alone, when known: its rendering may be that long too. */
  rendering?: string;
}

/**
 * Scores one sentence. `terms` lists one entry per term occurrence in the
 * source that the glossary imposes on this target.
 */
export function scoreSentence(plain: string, withGlossary: string, terms: TermUse[], lang: string): SentenceScore {
  const a = words(plain);
  const b = words(withGlossary);
  const fn = FUNCTION_WORDS[lang.slice(0, 2)] ?? new Set<string>();

  // Compliance: each required form, as many times as the source has the term.
  const need = new Map<string, number>();
  for (const t of terms) need.set(fold(t.target), (need.get(fold(t.target)) ?? 0) + 1);
  let present = 0;
  for (const [form, n] of need) present += Math.min(n, occurrences(b, words(form)).length);

  // Words of the with-glossary output that are a term's form, and function words right next to one.
  const atTerm = new Array<boolean>(b.length).fill(false);
  const nextToTerm = new Array<boolean>(b.length).fill(false);
  const spans: { s: number; e: number; allowance: number }[] = [];
  for (const t of terms) {
    const tw = words(t.target);
    for (const s of occurrences(b, tw)) {
      for (let k = s; k < s + tw.length; k++) atTerm[k] = true;
      // What the engine wrote instead may be longer than the glossary form (`GENERAL DIRECTOR` for `CEO`).
      spans.push({ s, e: s + tw.length, allowance: Math.max(tw.length, words(t.source).length, words(t.rendering ?? '').length) });
      if (s > 0) nextToTerm[s - 1] = true;
      if (s + tw.length < b.length) nextToTerm[s + tw.length] = true;
    }
  }

  const collateral: Change[] = [];
  for (const h of diffWords(a, b)) {
    // Term occurrences inside or right beside the hunk: the engine's rendering was replaced there.
    const near = spans.filter((sp) => sp.s <= h.bEnd && sp.e >= h.bStart);
    const added: string[] = [];
    for (let k = h.bStart; k < h.bEnd; k++) {
      if (atTerm[k]) continue;
      if (nextToTerm[k] && fn.has(fold(b[k]!))) continue;
      added.push(b[k]!);
    }
    const removedAll = a.slice(h.aStart, h.aEnd);
    let removed = removedAll;
    if (near.length) {
      // The removed words may be the engine's rendering of the term and function words beside it.
      const content = removedAll.filter((w) => !fn.has(fold(w)));
      removed = content.slice(near.reduce((n, sp) => n + sp.allowance, 0));
    }
    if (added.length || removed.length) collateral.push({ removed, added });
  }
  return { required: [...need.values()].reduce((x, y) => x + y, 0), present, collateral };
}
