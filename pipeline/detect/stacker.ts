/**
 * A small discriminative layer over naive Bayes. The model's evidence is
 * split by feature family (character n-grams, words, word shape) and each
 * family gets its own weight, plus the share of the text's words a language
 * has seen, plus per-language weights for a few surface traits (lower-case
 * start, `, `, all words capitalised, word count…). Naive Bayes counts every
 * n-gram as independent evidence and cannot learn, say, that French language
 * names in the data start with a lower-case letter while English ones do
 * not; a conditional logit over a handful of inputs can. Fitted on held-out
 * naive Bayes scores only (see train.ts), so it learns how far to trust the
 * model on text the model has not seen.
 */
import type { FamilyEvidence, NaiveBayes, StackerWeights } from './model.js';

export type { FamilyEvidence, StackerWeights };

/** Fixed divisor that brings naive Bayes log-likelihoods to the scale of a logit. */
const SCALE = 20;
const SHARED = 4;

/** Surface traits with per-language weights; names for documentation and debugging. */
export const TRAITS = [
  'starts lower-case',
  'starts upper-case',
  'has ", "',
  'every word capitalised',
  'one word',
  'two words',
  'three words',
  'four words or more',
  'has "("',
  'has ":"',
  'has "["',
  'ends with ":"',
  'has a digit',
  'has " :"',
  'has two capitals in a row',
  'has a non-ASCII letter',
  'bias',
] as const;

/** Index of the 'one word' trait: the stacker is not applied to a lone word (see detector.ts). */
export const ONE_WORD = TRAITS.indexOf('one word');

const LETTER = /[\p{L}\p{M}]/u;
const UPPER = /\p{Lu}/u;

/** Trait values of a text (raw) and its masked form. */
export function textTraits(text: string, prepared: string): Uint8Array {
  const t = new Uint8Array(TRAITS.length);
  // Words (runs of letters) and whether each starts with a capital, in one pass.
  let words = 0;
  let allCapitalised = true;
  let inWord = false;
  for (const ch of prepared) {
    const letter = ch.charCodeAt(0) < 0x80 ? /[A-Za-z]/.test(ch) : LETTER.test(ch);
    if (letter && !inWord) {
      words++;
      if (!UPPER.test(ch)) allCapitalised = false;
    }
    inWord = letter;
  }
  t[0] = /^\p{Ll}/u.test(prepared) ? 1 : 0;
  t[1] = /^\p{Lu}/u.test(prepared) ? 1 : 0;
  t[2] = text.includes(', ') ? 1 : 0;
  t[3] = words > 0 && allCapitalised ? 1 : 0;
  t[4] = words === 1 ? 1 : 0;
  t[5] = words === 2 ? 1 : 0;
  t[6] = words === 3 ? 1 : 0;
  t[7] = words >= 4 ? 1 : 0;
  t[8] = text.includes('(') ? 1 : 0;
  t[9] = text.includes(':') ? 1 : 0;
  t[10] = text.includes('[') ? 1 : 0;
  t[11] = /:\s*$/u.test(text) ? 1 : 0;
  t[12] = /\d/u.test(text) ? 1 : 0;
  t[13] = text.includes(' :') ? 1 : 0;
  t[14] = /[A-Z]{2}/u.test(text) ? 1 : 0;
  t[15] = /[^\x00-\x7f]/u.test(prepared) ? 1 : 0;
  t[16] = 1;
  return t;
}

/** The stacker's inputs shared across languages, for language k. */
function sharedInputs(model: NaiveBayes, ev: FamilyEvidence, k: number, out: Float64Array, at: number): void {
  const base = model.base[k]!;
  out[at] = (ev.chars.n * base + ev.chars.gains[k]!) / SCALE;
  out[at + 1] = (ev.words.n * base + ev.words.gains[k]!) / SCALE;
  out[at + 2] = (ev.shape.n * base + ev.shape.gains[k]!) / SCALE;
  out[at + 3] = ev.words.n > 0 ? ev.words.hits![k]! / ev.words.n : 0;
}

/** Plain naive Bayes log-likelihood (all families), the input of the model without a stacker. */
export function naiveBayesScore(model: NaiveBayes, ev: FamilyEvidence, k: number): number {
  const n = ev.chars.n + ev.words.n + ev.shape.n;
  return n * model.base[k]! + ev.chars.gains[k]! + ev.words.gains[k]! + ev.shape.gains[k]!;
}

/** Logit per allowed language, written into `out` (other entries untouched). */
export function stackedScores(model: NaiveBayes, w: StackerWeights, ev: FamilyEvidence, traits: Uint8Array, allowed: readonly number[], out: Float64Array): void {
  const x = new Float64Array(SHARED);
  for (const k of allowed) {
    sharedInputs(model, ev, k, x, 0);
    let v = 0;
    for (let j = 0; j < SHARED; j++) v += w.shared[j]! * x[j]!;
    const byTrait = w.byLang[model.header.langs[k]!];
    if (byTrait) for (let t = 0; t < traits.length; t++) if (traits[t]) v += byTrait[t]! * traits[t]!;
    out[k] = v;
  }
}

/** One training case: the candidates, the right one, and the inputs. */
export interface StackExample {
  cands: number[];
  /** Index into `cands` of the right language. */
  truth: number;
  /** cands.length × SHARED inputs. */
  shared: Float64Array;
  traits: Uint8Array;
}

export function stackExample(model: NaiveBayes, ev: FamilyEvidence, traits: Uint8Array, cands: number[], truth: number): StackExample {
  const shared = new Float64Array(cands.length * SHARED);
  cands.forEach((k, c) => sharedInputs(model, ev, k, shared, c * SHARED));
  return { cands, truth, shared, traits };
}

export interface FitOptions {
  /** L2 penalty (toward 1 for the family weights, toward 0 for the others). */
  l2?: number;
  iterations?: number;
}

/**
 * Conditional logit (softmax over each case's own candidates) fitted by
 * full-batch Adam. Family weights start at 1, i.e. at plain naive Bayes.
 */
export function fitStacker(examples: readonly StackExample[], langs: readonly string[], options: FitOptions = {}): StackerWeights {
  const l2 = options.l2 ?? 1e-3;
  const iterations = options.iterations ?? 300;
  const K = langs.length;
  const T = TRAITS.length;
  const dim = SHARED + K * T;
  const w = new Float64Array(dim);
  w[0] = w[1] = w[2] = 1;
  const m = new Float64Array(dim);
  const v = new Float64Array(dim);
  const g = new Float64Array(dim);
  const scores = new Float64Array(K);
  const lr = 0.05;
  // The traits that are on, per case: a handful of the 17.
  const active = examples.map((e) => Uint8Array.from([...e.traits.keys()].filter((t) => e.traits[t])));
  for (let it = 1; it <= iterations; it++) {
    g.fill(0);
    for (let x = 0; x < examples.length; x++) {
      const e = examples[x]!;
      const on = active[x]!;
      const C = e.cands.length;
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        const at = c * SHARED;
        let s = w[0]! * e.shared[at]! + w[1]! * e.shared[at + 1]! + w[2]! * e.shared[at + 2]! + w[3]! * e.shared[at + 3]!;
        const off = SHARED + e.cands[c]! * T;
        for (let a = 0; a < on.length; a++) s += w[off + on[a]!]!;
        scores[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += scores[c] = Math.exp(scores[c]! - max);
      for (let c = 0; c < C; c++) {
        const d = scores[c]! / sum - (c === e.truth ? 1 : 0);
        const at = c * SHARED;
        for (let j = 0; j < SHARED; j++) g[j] = g[j]! + d * e.shared[at + j]!;
        const off = SHARED + e.cands[c]! * T;
        for (let a = 0; a < on.length; a++) g[off + on[a]!] = g[off + on[a]!]! + d;
      }
    }
    for (let j = 0; j < dim; j++) {
      const gj = g[j]! / examples.length + l2 * (j < 3 ? w[j]! - 1 : w[j]!);
      m[j] = 0.9 * m[j]! + 0.1 * gj;
      v[j] = 0.999 * v[j]! + 0.001 * gj * gj;
      w[j] = w[j]! - (lr * (m[j]! / (1 - 0.9 ** it))) / (Math.sqrt(v[j]! / (1 - 0.999 ** it)) + 1e-8);
    }
  }
  const round = (x: number) => Math.round(x * 1e5) / 1e5;
  const byLang: Record<string, number[]> = {};
  langs.forEach((lang, k) => (byLang[lang] = Array.from(w.subarray(SHARED + k * T, SHARED + (k + 1) * T), round)));
  return { shared: Array.from(w.subarray(0, SHARED), round), byLang };
}
