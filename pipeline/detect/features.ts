/**
 * What the detector looks at. The same code runs when the model is trained
 * (`train.ts`) and when it scores text, so that a feature means the same thing
 * on both sides; changing anything here requires retraining the model.
 */

/** Bump when feature extraction changes; the model file records the version it was trained with. */
export const FEATURE_VERSION = 4;

export interface FeatureConfig {
  /** Hash space: features are bucketed into 2^bits. */
  bits: number;
  /** Longest character n-gram. */
  maxN: number;
  /** Longest n-gram over the word-shape string. */
  shapeN: number;
}

export const DEFAULT_FEATURES: FeatureConfig = { bits: 20, maxN: 4, shapeN: 3 };

// Masks run before scoring: none of these says anything about the language
// around them, and long ones (URLs, hashes) would otherwise outvote a short
// sentence. Order matters: URLs and e-mails contain digits and dots.
const URL_RE = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"'«»“”]+/giu;
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
// printf (`%s`, `%1$d`, `%.*s`, `%-10lu`), Python (`%(name)s`, `{0}`, `{name}`),
// shell/JS (`$1`, `${var}`), and i18next/ICU-style `{{name}}` placeholders.
const PLACEHOLDER_RE =
  /%(?:\d+\$|\([\w.]+\))?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcspnm%]|\{\{[^{}\s]{1,40}\}\}|\{[\w.:-]{0,40}\}|\$\{[^{}\s]{1,40}\}|\$\d+/gu;
// Names that no language owns: product and company names written in camel
// case (DeepSeek, OpenAI, iPhone) and short Latin acronyms (GPU, APIs). Longer
// all-capital words stay: in UI strings they are often real words (TROUVÉE).
const CAMEL_NAME_RE = /(?<![\p{L}\p{M}])[\p{L}\p{M}]*\p{Ll}\p{Lu}[\p{L}\p{M}]*/gu;
const ACRONYM_RE = /(?<![\p{L}\p{M}\p{N}])[A-Z]{2,5}s?(?![\p{L}\p{M}\p{N}])/gu;
const NUMBER_RE = /\b0x[0-9a-f]+\b|[+-]?\d+(?:[.,:/_-]\d+)*/giu;

/** Things to remove from a text before scoring, beyond the built-in masks. */
export interface MaskOptions {
  /** Literal strings (glossary terms, names) to blank out, matched case-insensitively. */
  terms?: readonly string[];
}

/**
 * NFC, masked, whitespace collapsed. Masked spans become a space (URLs,
 * e-mails, placeholders, given terms, camel-case names, short acronyms) or `0`
 * (numbers: they keep the word boundary without contributing digits as
 * evidence).
 */
export function prepare(text: string, mask: MaskOptions = {}): string {
  let t = text.normalize('NFC');
  if (mask.terms && mask.terms.length > 0) t = maskTerms(t, mask.terms);
  // Cheap guards first: most segments contain none of these and the regexes cost more than the test.
  if (t.includes('://') || t.includes('www.')) t = t.replace(URL_RE, ' ');
  if (t.includes('@')) t = t.replace(EMAIL_RE, ' ');
  if (/[%{$]/.test(t)) t = t.replace(PLACEHOLDER_RE, ' ');
  if (/\d/.test(t)) t = t.replace(NUMBER_RE, '0');
  if (/\p{Ll}\p{Lu}|[A-Z]{2}/u.test(t)) t = t.replace(CAMEL_NAME_RE, ' ').replace(ACRONYM_RE, ' ');
  return t.replace(/\s+/gu, ' ').trim();
}

const termCache = new Map<string, RegExp>();

function maskTerms(text: string, terms: readonly string[]): string {
  const usable = terms.map((t) => t.normalize('NFC').trim()).filter((t) => t.length > 0);
  if (usable.length === 0) return text;
  const key = usable.join('\u0000');
  let re = termCache.get(key);
  if (!re) {
    // Longest first so that "open source software" wins over "open source".
    const alternatives = [...new Set(usable)].sort((a, b) => b.length - a.length).map(escapeRegExp);
    re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
    if (termCache.size > 32) termCache.clear();
    termCache.set(key, re);
  }
  return text.replace(re, ' ');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}


// FNV-1a, with a different offset basis per feature family so that the word
// "de" and the character bigram "de" land in different buckets.
const FNV_PRIME = 16777619;
/**
 * Each whole word counts as two features (two buckets): words are the most
 * specific evidence in a short string. Chosen by 5-fold held-out accuracy on
 * the dev set (1: 91.75 %, 2: 91.94 %, 3: 91.92 % over 17 languages).
 */
const WORD_WEIGHT = 2;
const BASIS_CHARS = 2166136261;
const BASIS_WORDS = 0x9e3779b9;
const BASIS_SHAPE = 0x85ebca6b;

// Character classes, looked up per UTF-16 code unit and filled on first
// sight: Unicode property regexes per character would dominate the run time.
const NOT_LETTER = 1;
const UPPER = 2;
const LOWER = 3;
const OTHER_LETTER = 4; // uncased letters and combining marks
const classes = new Uint8Array(0x10000);

function classOf(code: number): number {
  let c = classes[code]!;
  if (c === 0) {
    const ch = String.fromCharCode(code);
    c = /\p{Lu}|\p{Lt}/u.test(ch) ? UPPER : /\p{Ll}/u.test(ch) ? LOWER : /[\p{L}\p{M}]/u.test(ch) ? OTHER_LETTER : NOT_LETTER;
    // Surrogate halves count as letters so that astral-plane words stay whole.
    if (code >= 0xd800 && code <= 0xdfff) c = OTHER_LETTER;
    classes[code] = c;
  }
  return c;
}

/** Number of letters left after masking; below a handful there is nothing to detect. */
export function letterCount(prepared: string): number {
  let n = 0;
  for (let i = 0; i < prepared.length; i++) {
    const c = classOf(prepared.charCodeAt(i));
    if (c === UPPER || c === LOWER || c === OTHER_LETTER) n++;
  }
  return n;
}

/**
 * Hashed features of a prepared text: character 1..maxN-grams of the
 * lower-cased text with a space on each side, whole words, and n-grams of its
 * word shape (`naga, Tutsa` → ` a,A `: one symbol per word, lower- or
 * upper-case initial, punctuation kept, spaces dropped), which carries
 * capitalisation and punctuation habits such as French lower-case language
 * names or the space before `:`. Returns bucket numbers; duplicates are kept
 * because counts matter.
 */
export function extractFeatures(prepared: string, config: FeatureConfig = DEFAULT_FEATURES, out: number[] = []): number[] {
  out.length = 0;
  extractInto(prepared, config, out, out, out);
  return out;
}

/**
 * extractFeatures, and where its word-shape features begin: everything
 * before that index comes from characters and words, which do not reach
 * across a space, so a long text's features can be assembled from its
 * sentences' (see `wholeFromParts` in detector.ts).
 */
export function extractFeaturesSplit(prepared: string, config: FeatureConfig, out: number[]): number {
  out.length = 0;
  extractCharsAndWords(prepared, config, out, out);
  const shapeStart = out.length;
  extractShape(prepared, config, out);
  return shapeStart;
}

/** Feature families kept apart, so that each can be weighed on its own. */
export interface FeatureFamilies {
  chars: number[];
  words: number[];
  shape: number[];
}

/** The same features as extractFeatures, one array per family. */
export function extractFamilies(prepared: string, config: FeatureConfig = DEFAULT_FEATURES, out: FeatureFamilies = { chars: [], words: [], shape: [] }): FeatureFamilies {
  out.chars.length = 0;
  out.words.length = 0;
  out.shape.length = 0;
  extractInto(prepared, config, out.chars, out.words, out.shape);
  return out;
}

/** Word-shape features of a prepared text only. */
export function extractShape(prepared: string, config: FeatureConfig, out: number[]): void {
  const mask = (1 << config.bits) - 1;
  const shape: number[] = [32];
  let prevLetter = false;
  for (let i = 0; i < prepared.length; i++) {
    const code = prepared.charCodeAt(i);
    const c = classOf(code);
    if (c === NOT_LETTER) {
      prevLetter = false;
      if (code !== 32) shape.push(code);
    } else if (!prevLetter) {
      prevLetter = true;
      shape.push(c === UPPER ? 1 : 2);
    }
  }
  shape.push(32);
  for (let i = 0; i < shape.length; i++) {
    let h = BASIS_SHAPE;
    const end = Math.min(shape.length, i + config.shapeN);
    for (let j = i; j < end; j++) {
      h = Math.imul(h ^ shape[j]!, FNV_PRIME);
      out.push((h >>> 0) & mask);
    }
  }
}

/** The character unigram of a space: two padded parts joined by one space count it once less than apart. */
export function spaceFeature(config: FeatureConfig): number {
  return (Math.imul(BASIS_CHARS ^ 32, FNV_PRIME) >>> 0) & ((1 << config.bits) - 1);
}

/**
 * Character n-grams of ` p1 p2 … pm ` (lower-cased parts joined by single
 * spaces) that straddle a joining space, i.e. that none of the padded parts
 * ` pi ` contains on its own. Each is pushed once, at the first joining space
 * it straddles.
 */
export function junctionFeatures(lowerParts: readonly string[], config: FeatureConfig, out: number[]): void {
  const mask = (1 << config.bits) - 1;
  const joined = ` ${lowerParts.join(' ')} `;
  const len = joined.length;
  const maxN = config.maxN;
  let b = 1 + (lowerParts[0]?.length ?? 0);
  let previous = 0;
  for (let p = 1; p < lowerParts.length; p++) {
    // `b` is the joining space before part p; a straddling window holds a
    // character on each side of it and starts at or after the previous one.
    for (let i = Math.max(previous, b - maxN + 2, 0); i < b; i++) {
      let h = BASIS_CHARS;
      const end = Math.min(len, i + maxN);
      for (let j = i; j < end; j++) {
        h = Math.imul(h ^ joined.charCodeAt(j), FNV_PRIME);
        if (j > b) out.push((h >>> 0) & mask);
      }
    }
    previous = b;
    b += 1 + lowerParts[p]!.length;
  }
}

function extractInto(prepared: string, config: FeatureConfig, chars: number[], words: number[], shapes: number[]): void {
  extractCharsAndWords(prepared, config, chars, words);
  extractShape(prepared, config, shapes);
}

function extractCharsAndWords(prepared: string, config: FeatureConfig, chars: number[], words: number[]): void {
  const mask = (1 << config.bits) - 1;
  const lower = ` ${prepared.toLowerCase()} `;
  const len = lower.length;
  const maxN = config.maxN;
  let word = BASIS_WORDS;
  let inWord = false;
  for (let i = 0; i < len; i++) {
    const code = lower.charCodeAt(i);
    let h = BASIS_CHARS;
    const end = i + maxN < len ? i + maxN : len;
    for (let j = i; j < end; j++) {
      h = Math.imul(h ^ lower.charCodeAt(j), FNV_PRIME);
      chars.push((h >>> 0) & mask);
    }
    if (classOf(code) !== NOT_LETTER) {
      word = Math.imul((inWord ? word : BASIS_WORDS) ^ code, FNV_PRIME);
      inWord = true;
    } else if (inWord) {
      for (let r = 0; r < WORD_WEIGHT; r++) words.push(((word + r * 7919) >>> 0) & mask);
      inWord = false;
    }
  }
}
