/**
 * locflow's own language model: multinomial naive Bayes over hashed features
 * (see features.ts), trained on short UI strings. Kept in a compact binary file
 * next to this module and read once, on first use, without any parsing beyond
 * a small JSON header.
 *
 * Layout of `model.bin` (little-endian):
 *   "LFLD" | u32 header length | header JSON (padded to 4 bytes)
 *   u32 buckets[n] (sorted) | u32 offsets[n+1] | u16 counts[m] | u8 langs[m]
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_FEATURES, FEATURE_VERSION, type FeatureConfig } from './features.js';

export interface Calibration {
  /** Softmax temperature applied to the naive Bayes log scores. */
  temperature: number;
  /** Increasing top-probability knots and the share of correct answers there (held-out folds). */
  knots: number[];
  accuracy: number[];
}

/** Per-language evidence of one text for one feature family, before the length term. */
export interface FamilyTally {
  /** Number of features in the family. */
  n: number;
  /** How many of them the model has seen. */
  known: number;
  /** Sum of log-gains per language (index into header.langs). */
  gains: Float64Array;
  /** Words only: per language, how many of the word features it has seen. */
  hits?: Float64Array;
}

export interface FamilyEvidence {
  chars: FamilyTally;
  words: FamilyTally;
  shape: FamilyTally;
}

/** Weights of the discriminative layer (stacker.ts). */
export interface StackerWeights {
  /** Weights of chars, words and shape evidence (scaled) and of the share of words seen. */
  shared: number[];
  /** Per language: one weight per trait. */
  byLang: Record<string, number[]>;
}

export interface ModelHeader {
  featureVersion: number;
  features: FeatureConfig;
  langs: string[];
  alpha: number;
  /** Feature tokens seen per language in training. */
  totals: number[];
  calibration: Calibration;
  /** Held-out share of texts with Vietnamese-only letters that are Vietnamese. */
  lettersAccuracy?: number;
  /** Below this share of known character trigrams the text is not a language the model knows. */
  minCoverage: number;
  /** Discriminative layer over the family scores; absent: plain naive Bayes with a temperature. */
  stacker?: StackerWeights;
  /** With a stacker: the temperature of plain naive Bayes, used where the stacker is not (a lone word). */
  nbTemperature?: number;
  /** Held-out accuracy measured while training, for documentation. */
  crossValidation?: Record<string, number>;
  trainedOn?: string;
  /** Number of stored buckets (written by serializeModel). */
  buckets?: number;
}

export interface NaiveBayes {
  header: ModelHeader;
  /** Entries of bucket b are entries[start[b]] … entries[start[b+1]-1]: one lookup per feature. */
  start: Uint32Array;
  /** (language index << 16) | count, per bucket and language seen. */
  entries: Uint32Array;
  /** log(count + alpha) - log(alpha), precomputed for small counts. */
  gain: Float64Array;
  /** Per language: log(alpha) - log(total + alpha * 2^bits). */
  base: Float64Array;
}

const MAGIC = 0x444c464c; // "LFLD"

export function buildModel(
  header: ModelHeader,
  buckets: Uint32Array,
  offsets: Uint32Array,
  counts: Uint16Array,
  langs: Uint8Array,
): NaiveBayes {
  const size = 1 << header.features.bits;
  const start = new Uint32Array(size + 1);
  let row = 0;
  for (let b = 0; b <= size; b++) {
    while (row < buckets.length && buckets[row]! < b) row++;
    start[b] = row < buckets.length ? offsets[row]! : offsets[buckets.length]!;
  }
  const entries = new Uint32Array(counts.length);
  for (let i = 0; i < counts.length; i++) entries[i] = (langs[i]! << 16) | counts[i]!;
  let maxCount = 1;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > maxCount) maxCount = counts[i]!;
  const gain = new Float64Array(maxCount + 1);
  for (let c = 1; c <= maxCount; c++) gain[c] = Math.log(c + header.alpha) - Math.log(header.alpha);
  const base = Float64Array.from(header.totals, (t) => Math.log(header.alpha) - Math.log(t + header.alpha * size));
  return { header, start, entries, gain, base };
}

/** Trains from (features, language index) pairs; features seen fewer than `minCount` times overall are dropped. */
export function trainModel(
  samples: Iterable<{ features: readonly number[]; lang: number }>,
  header: Omit<ModelHeader, 'totals'>,
  minCount = 3,
): NaiveBayes {
  const K = header.langs.length;
  const perBucket = new Map<number, Uint32Array>();
  const totals = new Array<number>(K).fill(0);
  for (const { features, lang } of samples) {
    for (const f of features) {
      let row = perBucket.get(f);
      if (!row) perBucket.set(f, (row = new Uint32Array(K)));
      row[lang]!++;
      totals[lang]!++;
    }
  }
  const kept = [...perBucket.entries()].filter(([, row]) => row.reduce((a, b) => a + b, 0) >= minCount).sort((a, b) => a[0] - b[0]);
  const buckets = new Uint32Array(kept.length);
  const offsets = new Uint32Array(kept.length + 1);
  const counts: number[] = [];
  const langs: number[] = [];
  kept.forEach(([bucket, row], i) => {
    buckets[i] = bucket;
    for (let k = 0; k < K; k++) {
      if (row[k]! > 0) {
        counts.push(Math.min(row[k]!, 0xffff));
        langs.push(k);
      }
    }
    offsets[i + 1] = counts.length;
  });
  return buildModel({ ...header, totals }, buckets, offsets, Uint16Array.from(counts), Uint8Array.from(langs));
}

/**
 * Log-likelihood of the features under each language (up to a constant shared
 * by all languages), written into `out` for the languages in `allowed`
 * (indexes into header.langs); other entries are -Infinity. Also returns the
 * share of features the model has seen at all, a cheap "is this a language I
 * know" signal.
 */
export function scoreFeatures(model: NaiveBayes, features: readonly number[], allowed: readonly number[], out: Float64Array): number {
  startScores(model, features.length, allowed, out);
  const known = addGains(model, features, 0, features.length, out);
  return features.length === 0 ? 0 : known / features.length;
}

/** The length term of the log-likelihood: `n` features, each priced at its language's unseen rate; -Infinity outside `allowed`. */
export function startScores(model: NaiveBayes, n: number, allowed: readonly number[], out: Float64Array): void {
  out.fill(-Infinity);
  for (const k of allowed) out[k] = n * model.base[k]!;
}

/**
 * Adds the evidence of features[from..to) to `out` (per language), counts
 * per-language hits into `hits` when given, and returns how many features
 * the model has seen. Entries holding -Infinity stay there.
 */
export function addGains(model: NaiveBayes, features: readonly number[], from: number, to: number, out: Float64Array, hits?: Float64Array): number {
  const { start, entries, gain } = model;
  let known = 0;
  for (let i = from; i < to; i++) {
    const f = features[i]!;
    let e = start[f]!;
    const end = start[f + 1]!;
    if (e === end) continue;
    known++;
    for (; e < end; e++) {
      const packed = entries[e]!;
      const k = packed >>> 16;
      out[k] = out[k]! + gain[packed & 0xffff]!;
      if (hits) hits[k] = hits[k]! + 1;
    }
  }
  return known;
}

/** Evidence of one feature family: gains per language, and per-language hits when asked. */
export function tallyFamily(model: NaiveBayes, features: readonly number[], withHits: boolean, from = 0, to = features.length): FamilyTally {
  const K = model.header.langs.length;
  const gains = new Float64Array(K);
  if (!withHits) return { n: to - from, known: addGains(model, features, from, to, gains), gains };
  const hits = new Float64Array(K);
  return { n: to - from, known: addGains(model, features, from, to, gains, hits), gains, hits };
}

export function serializeModel(model: NaiveBayes): Uint8Array {
  const buckets: number[] = [];
  const offsets: number[] = [0];
  for (let b = 0; b + 1 < model.start.length; b++) {
    if (model.start[b + 1]! > model.start[b]!) (buckets.push(b), offsets.push(model.start[b + 1]!));
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify({ ...model.header, buckets: buckets.length }));
  const headerLen = Math.ceil(headerBytes.length / 4) * 4;
  const n = buckets.length;
  const m = model.entries.length;
  const size = 8 + headerLen + 4 * n + 4 * (n + 1) + 2 * m + m;
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, headerLen, true);
  buf.fill(0x20, 8, 8 + headerLen);
  buf.set(headerBytes, 8);
  let at = 8 + headerLen;
  for (const b of buckets) (view.setUint32(at, b, true), (at += 4));
  for (const o of offsets) (view.setUint32(at, o, true), (at += 4));
  for (const e of model.entries) (view.setUint16(at, e & 0xffff, true), (at += 2));
  for (const e of model.entries) buf[at++] = e >>> 16;
  return buf;
}

export function deserializeModel(bytes: Uint8Array): NaiveBayes {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a locflow language model');
  const headerLen = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as ModelHeader;
  if (header.featureVersion !== FEATURE_VERSION) {
    throw new Error(`language model was trained with features v${header.featureVersion}, code has v${FEATURE_VERSION}: run the trainer again`);
  }
  // Copy into aligned typed arrays: the file's offset inside a pooled Buffer is arbitrary.
  const rest = bytes.subarray(8 + headerLen);
  const restView = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  const nb = header.buckets;
  if (nb === undefined) throw new Error('language model header lacks the bucket count');
  const buckets = new Uint32Array(nb);
  for (let i = 0; i < nb; i++) buckets[i] = restView.getUint32(4 * i, true);
  let at = 4 * nb;
  const offsets = new Uint32Array(nb + 1);
  for (let i = 0; i <= nb; i++) offsets[i] = restView.getUint32(at + 4 * i, true);
  at += 4 * (nb + 1);
  const m = offsets[nb]!;
  const counts = new Uint16Array(m);
  for (let i = 0; i < m; i++) counts[i] = restView.getUint16(at + 2 * i, true);
  at += 2 * m;
  const langs = rest.slice(at, at + m);
  return buildModel(header, buckets, offsets, counts, langs);
}

let shipped: NaiveBayes | undefined;

/** The model shipped with locflow, loaded on first use. */
export function shippedModel(): NaiveBayes {
  shipped ??= deserializeModel(readFileSync(new URL('./model.bin', import.meta.url)));
  return shipped;
}

export { DEFAULT_FEATURES };
