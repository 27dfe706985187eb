/**
 * What the detector looks at. The same code runs when the model is trained
 * (`train.ts`) and when it scores text, so that a feature means the same thing
 * on both sides; changing anything here requires retraining the model.
 */

/** Bump when feature extraction changes; the model file records the version it was trained with. */
export const FEATURE_VERSION = 1;

export interface FeatureConfig {
  /** Hash space: features are bucketed into 2^bits. */
  bits: number;
  /** Longest character n-gram. */
  maxN: number;
  /** Longest n-gram over the word-shape string. */
  shapeN: number;
}

export const DEFAULT_FEATURES: FeatureConfig = { bits: 20, maxN: 5, shapeN: 3 };

// Masks run before scoring: none of these says anything about the language
// around them, and long ones (URLs, hashes) would otherwise outvote a short
// sentence. Order matters: URLs and e-mails contain digits and dots.
const URL_RE = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"'«»“”]+/giu;
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
// printf (`%s`, `%1$d`, `%.*s`, `%-10lu`), Python (`%(name)s`, `{0}`, `{name}`),
// shell/JS (`$1`, `${var}`), and i18next/ICU-style `{{name}}` placeholders.
const PLACEHOLDER_RE =
  /%(?:\d+\$|\([\w.]+\))?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcspnm%]|\{\{[^{}\s]{1,40}\}\}|\{[\w.:-]{0,40}\}|\$\{[^{}\s]{1,40}\}|\$\d+/gu;
const NUMBER_RE = /[+-]?\d+(?:[.,:/_-]\d+)*/gu;

/** Things to remove from a text before scoring, beyond the built-in masks. */
export interface MaskOptions {
  /** Literal strings (glossary terms, names) to blank out, matched case-insensitively. */
  terms?: readonly string[];
}

/**
 * NFC, masked, whitespace collapsed. Masked spans become a space (URLs,
 * e-mails, placeholders, given terms) or `0` (numbers: they keep the word
 * boundary without contributing digits as evidence).
 */
export function prepare(text: string, mask: MaskOptions = {}): string {
  let t = text.normalize('NFC');
  if (mask.terms && mask.terms.length > 0) t = maskTerms(t, mask.terms);
  return t
    .replace(URL_RE, ' ')
    .replace(EMAIL_RE, ' ')
    .replace(PLACEHOLDER_RE, ' ')
    .replace(NUMBER_RE, '0')
    .replace(/\s+/gu, ' ')
    .trim();
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

/** Number of letters left after masking; below a handful there is nothing to detect. */
export function letterCount(prepared: string): number {
  let n = 0;
  for (const _ of prepared.matchAll(/\p{L}/gu)) n++;
  return n;
}

// FNV-1a, with a different offset basis per feature family so that the word
// "de" and the character bigram "de" land in different buckets.
const FNV_PRIME = 16777619;
const BASIS_CHARS = 2166136261;
const BASIS_WORDS = 0x9e3779b9;
const BASIS_SHAPE = 0x85ebca6b;

const WORD_RE = /[\p{L}\p{M}]+/gu;
const UPPER_WORD_RE = /\p{Lu}[\p{L}\p{M}]*/gu;
const LOWER_WORD_RE = /\p{Ll}[\p{L}\p{M}]*/gu;

/**
 * Hashed features of a prepared text: character 1..maxN-grams of the
 * lower-cased text with a space on each side, whole words, and n-grams of its
 * word shape (`naga, Tutsa` → ` a,A `), which carries capitalisation and
 * punctuation habits (French lower-case language names, a space before `:`).
 * Returns bucket numbers; duplicates are kept because counts matter.
 */
export function extractFeatures(prepared: string, config: FeatureConfig = DEFAULT_FEATURES, out: number[] = []): number[] {
  out.length = 0;
  const mask = (1 << config.bits) - 1;
  const lower = ` ${prepared.toLowerCase()} `;
  const len = lower.length;
  for (let i = 0; i < len; i++) {
    let h = BASIS_CHARS;
    const end = Math.min(len, i + config.maxN);
    for (let j = i; j < end; j++) {
      h = Math.imul(h ^ lower.charCodeAt(j), FNV_PRIME);
      out.push((h >>> 0) & mask);
    }
  }
  for (const m of lower.matchAll(WORD_RE)) out.push(hashString(m[0], BASIS_WORDS) & mask);
  const shape = ` ${prepared.replace(UPPER_WORD_RE, '\u0001').replace(LOWER_WORD_RE, '\u0002').replace(/\s+/gu, '')} `;
  for (let i = 0; i < shape.length; i++) {
    let h = BASIS_SHAPE;
    const end = Math.min(shape.length, i + config.shapeN);
    for (let j = i; j < end; j++) {
      h = Math.imul(h ^ shape.charCodeAt(j), FNV_PRIME);
      out.push((h >>> 0) & mask);
    }
  }
  return out;
}

function hashString(s: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}
