/**
 * Trains locflow's language model and measures it honestly.
 *
 *   npx tsx pipeline/detect/train.ts [--data FILE] [--folds 5] [--out FILE]
 *
 * Input: JSON lines `{"lang":"fr","text":"…"}` (default: the dev set
 * `../shared/data/lid-dev.jsonl`, env LOCFLOW_LID_DEV). The rows are shuffled
 * with a fixed seed and split into k folds; each fold is predicted by a model
 * trained on the other k-1. Those held-out predictions give the accuracy that
 * is printed and stored in the model, fit the softmax temperature and the
 * confidence calibration, and set the `und` coverage threshold. Only then is
 * the final model trained on all rows. Nothing is tuned on the rows it is
 * scored on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FEATURES, FEATURE_VERSION, extractFeatures, prepare } from './features.js';
import { serializeModel, trainModel, type Calibration, type ModelHeader, type NaiveBayes, type StackerWeights } from './model.js';
import { fitStacker, stackExample, type StackExample } from './stacker.js';
import { Detector, type Detection } from './detector.js';
import { hasVietnameseLetters } from './script.js';

export interface LabelledText {
  lang: string;
  text: string;
}

export const ALPHA = 0.1;
export const MIN_COUNT = 3;
export const FIRST_CLASS = ['fr', 'vi', 'en'];

const here = dirname(fileURLToPath(import.meta.url));

/** The dev set: `LOCFLOW_LID_DEV`, else `../shared/data/lid-dev.jsonl` beside the repository. */
export function devSetPath(): string {
  return process.env.LOCFLOW_LID_DEV ?? resolve(here, '../../../shared/data/lid-dev.jsonl');
}

export function readLabelled(file: string): LabelledText[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const row = JSON.parse(l) as Partial<LabelledText>;
      if (typeof row.lang !== 'string' || typeof row.text !== 'string') throw new Error(`${file}:${i + 1}: expected {"lang","text"}`);
      return { lang: row.lang, text: row.text };
    });
}

const IDENTITY: Calibration = { temperature: 1, knots: [], accuracy: [] };

/** A model over `rows` with the given calibration (identity while cross-validating). */
export function fitModel(rows: readonly LabelledText[], langs: string[], extra: Partial<ModelHeader> = {}): NaiveBayes {
  const index = new Map(langs.map((l, i) => [l, i]));
  const samples = rows.map((r) => ({ features: extractFeatures(prepare(r.text)).slice(), lang: index.get(r.lang)! }));
  return trainModel(
    samples,
    {
      featureVersion: FEATURE_VERSION,
      features: DEFAULT_FEATURES,
      langs,
      alpha: ALPHA,
      calibration: IDENTITY,
      minCoverage: 0,
      ...extra,
    },
    MIN_COUNT,
  );
}

/** Deterministic shuffle → fold number per row. */
export function foldsOf(n: number, k: number, seed = 7): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = new Array<number>(n);
  order.forEach((row, pos) => (fold[row] = pos % k));
  return fold;
}

export interface HeldOut {
  row: number;
  subset: string;
  detection: Detection;
}

/** The candidate sets measured: all languages, and fr/vi/en (for rows in those languages). */
export function subsetsOf(langs: readonly string[]): Record<string, string[]> {
  return { all: [...langs], 'fr,vi,en': FIRST_CLASS.filter((l) => langs.includes(l)) };
}

/**
 * Stacker training cases for the picked rows, scored by `model` (which must
 * not have seen them): one per row and candidate set, for rows the model
 * would decide.
 */
export function stackExamplesOf(model: NaiveBayes, rows: readonly LabelledText[], pick: (row: number) => boolean): StackExample[] {
  const langs = model.header.langs;
  const detector = new Detector(model);
  const out: StackExample[] = [];
  rows.forEach((r, i) => {
    if (!pick(i)) return;
    for (const only of Object.values(subsetsOf(langs))) {
      if (!only.includes(r.lang)) continue;
      const inputs = detector.stackInputs(r.text, only);
      const truth = inputs?.allowed.indexOf(langs.indexOf(r.lang)) ?? -1;
      if (inputs && truth >= 0) out.push(stackExample(model, inputs.ev, inputs.traits, inputs.allowed, truth));
    }
  });
  return out;
}

/**
 * Per outer fold f, the stacker fitted without any trace of fold f: its cases
 * are the rows of each other fold g, scored by a naive Bayes model trained on
 * the folds that are neither f nor g.
 */
export function nestedStackers(rows: readonly LabelledText[], fold: readonly number[], k: number, langs: string[]): StackerWeights[] {
  const cases: StackExample[][] = Array.from({ length: k }, () => []);
  for (let f = 0; f < k; f++) {
    for (let g = f + 1; g < k; g++) {
      const model = fitModel(
        rows.filter((_, i) => fold[i] !== f && fold[i] !== g),
        langs,
      );
      cases[f]!.push(...stackExamplesOf(model, rows, (i) => fold[i] === g));
      cases[g]!.push(...stackExamplesOf(model, rows, (i) => fold[i] === f));
    }
  }
  return cases.map((c) => fitStacker(c, langs));
}

/**
 * Held-out detections: each fold predicted by its outer model (trained on
 * the other folds) with all languages as candidates, and with fr/vi/en for
 * rows in those languages.
 */
export function heldOutDetections(rows: readonly LabelledText[], fold: readonly number[], models: readonly NaiveBayes[], langs: string[]): HeldOut[] {
  const heldOut: HeldOut[] = [];
  models.forEach((model, f) => {
    const detector = new Detector(model);
    rows.forEach((r, i) => {
      if (fold[i] !== f) return;
      for (const [subset, only] of Object.entries(subsetsOf(langs))) {
        if (!only.includes(r.lang)) continue;
        heldOut.push({ row: i, subset, detection: detector.detect(r.text, { only, minConfidence: 0, explain: true }) });
      }
    });
  });
  return heldOut;
}

/** Temperature minimising held-out log loss, then isotonic (pool-adjacent-violators) calibration of the top probability. */
export function fitCalibration(rows: readonly LabelledText[], heldOut: HeldOut[]): Calibration {
  const cases = heldOut
    .filter((h) => h.detection.via === 'model' && h.detection.scores && h.detection.best)
    .map((h) => ({ scores: Object.entries(h.detection.scores!), truth: rows[h.row]!.lang }));
  const softmaxTop = (scores: [string, number][], t: number) => {
    let max = -Infinity;
    let best = '';
    for (const [l, v] of scores) if (v / t > max) (max = v / t), (best = l);
    let sum = 0;
    for (const [, v] of scores) sum += Math.exp(v / t - max);
    return { best, p: 1 / sum, sum, max };
  };
  let bestT = 1;
  let bestLoss = Infinity;
  for (let t = 0.1; t <= 400; t *= 1.1) {
    let loss = 0;
    for (const c of cases) {
      const { sum, max } = softmaxTop(c.scores, t);
      const truth = c.scores.find(([l]) => l === c.truth);
      const logp = truth ? truth[1] / t - max - Math.log(sum) : -20;
      loss -= Math.max(logp, -20);
    }
    if (loss < bestLoss) (bestLoss = loss), (bestT = t);
  }
  const points = cases
    .map((c) => {
      const { best, p } = softmaxTop(c.scores, bestT);
      return { p, ok: best === c.truth ? 1 : 0 };
    })
    .sort((a, b) => a.p - b.p);
  // Pool adjacent violators over blocks of at least 50 cases so that each knot is a measured share.
  type Block = { sumP: number; ok: number; n: number };
  const blocks: Block[] = [];
  let current: Block = { sumP: 0, ok: 0, n: 0 };
  for (const pt of points) {
    current.sumP += pt.p;
    current.ok += pt.ok;
    current.n++;
    if (current.n >= 50) (blocks.push(current), (current = { sumP: 0, ok: 0, n: 0 }));
  }
  if (current.n > 0) blocks.push(current);
  const merged: Block[] = [];
  for (const b of blocks) {
    merged.push({ ...b });
    while (merged.length > 1 && merged[merged.length - 2]!.ok / merged[merged.length - 2]!.n >= merged[merged.length - 1]!.ok / merged[merged.length - 1]!.n) {
      const last = merged.pop()!;
      const prev = merged[merged.length - 1]!;
      prev.sumP += last.sumP;
      prev.ok += last.ok;
      prev.n += last.n;
    }
  }
  return {
    temperature: round(bestT, 3),
    knots: merged.map((b) => round(b.sumP / b.n, 5)),
    accuracy: merged.map((b) => round(b.ok / b.n, 4)),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface Accuracy {
  subset: string;
  bucket: string;
  correct: number;
  total: number;
}

export function bucketOf(text: string): string {
  return text.length < 40 ? '<40' : text.length < 100 ? '40-99' : '>=100';
}

/** Accuracy per subset and length bucket (and `all` lengths); `und` counts as wrong. */
export function tally(rows: readonly LabelledText[], predictions: readonly Prediction[]): Accuracy[] {
  const acc = new Map<string, Accuracy>();
  for (const p of predictions) {
    const text = rows[p.row]!.text;
    for (const bucket of ['all', bucketOf(text)]) {
      const key = `${p.subset}|${bucket}`;
      const a = acc.get(key) ?? { subset: p.subset, bucket, correct: 0, total: 0 };
      a.total++;
      if (p.lang === rows[p.row]!.lang) a.correct++;
      acc.set(key, a);
    }
  }
  return [...acc.values()];
}

export interface Prediction {
  row: number;
  subset: string;
  lang: string;
}

/**
 * The whole procedure: the final model (trained on every row, with the
 * measured header) and the complete detector's held-out predictions.
 */
export function trainAndMeasure(
  rows: readonly LabelledText[],
  k = 5,
  log: (s: string) => void = () => {},
  options: { stacker?: boolean } = {},
): { model: NaiveBayes; predictions: Prediction[] } {
  const langs = [...new Set(rows.map((r) => r.lang))].sort();
  log(`${rows.length} rows, ${langs.length} languages, ${k}-fold cross-validation`);
  const fold = foldsOf(rows.length, k);
  const outer = Array.from({ length: k }, (_, f) =>
    fitModel(
      rows.filter((_, i) => fold[i] !== f),
      langs,
    ),
  );
  let stacker: StackerWeights | undefined;
  let nbTemperature: number | undefined;
  if (options.stacker ?? true) {
    // Plain naive Bayes still answers lone words: its temperature, from its own held-out scores.
    nbTemperature = fitCalibration(rows, heldOutDetections(rows, fold, outer, langs)).temperature;
    outer.forEach((m) => (m.header.nbTemperature = nbTemperature));
    const nested = nestedStackers(rows, fold, k, langs);
    outer.forEach((m, f) => (m.header.stacker = nested[f]));
    // The shipped stacker learns from every row, each scored by the outer model that did not see it.
    stacker = fitStacker(
      outer.flatMap((m, f) => stackExamplesOf(m, rows, (i) => fold[i] === f)),
      langs,
    );
    log(`stacker: family weights ${stacker.shared.map((w) => w.toFixed(2)).join(' ')} (chars, words, shape, words seen)`);
  }
  const raw = { heldOut: heldOutDetections(rows, fold, outer, langs), models: outer };
  const calibration = fitCalibration(rows, raw.heldOut);
  log(`temperature ${calibration.temperature}, ${calibration.knots.length} calibration knots`);

  // `und` threshold: the coverage below which fewer than 0.1% of real held-out rows fall.
  const coverages = raw.heldOut
    .filter((h) => h.subset === 'all' && h.detection.coverage !== undefined)
    .map((h) => h.detection.coverage!)
    .sort((a, b) => a - b);
  const minCoverage = round(coverages[Math.floor(coverages.length * 0.001)] ?? 0, 4);

  const withVi = rows.filter((r) => hasVietnameseLetters(r.text.normalize('NFC')));
  const lettersAccuracy = round(withVi.filter((r) => r.lang === 'vi').length / Math.max(1, withVi.length), 4);

  // Second pass: the complete detector (calibration, thresholds, default `und`) on the held-out folds.
  const undCases: { row: number; subset: string; best: string; via: string; coverage: number; confidence: number }[] = [];
  const predictions: Prediction[] = [];
  raw.models.forEach((m, f) => {
    m.header.calibration = calibration;
    m.header.minCoverage = minCoverage;
    m.header.lettersAccuracy = lettersAccuracy;
    const detector = new Detector(m);
    rows.forEach((r, i) => {
      if (fold[i] !== f) return;
      for (const [subset, only] of [['all', langs], ['fr,vi,en', FIRST_CLASS]] as const) {
        if (!only.includes(r.lang)) continue;
        const d = detector.detect(r.text, { only: [...only] });
        predictions.push({ row: i, subset, lang: d.lang });
        if (d.lang === 'und') undCases.push({ row: i, subset, best: d.best ?? 'und', via: d.via, coverage: d.coverage ?? -1, confidence: d.confidence });
      }
    });
  });
  const crossValidation: Record<string, number> = {};
  for (const a of tally(rows, predictions)) {
    crossValidation[`${a.subset} ${a.bucket}`] = round(a.correct / a.total, 4);
    log(`held-out accuracy ${a.subset.padEnd(9)} ${a.bucket.padEnd(6)} ${((100 * a.correct) / a.total).toFixed(2)}% (${a.correct}/${a.total})`);
  }
  const und = predictions.filter((p) => p.lang === 'und').length;
  log(`und answers: ${und} of ${predictions.length}, of which the best guess was right for ${undCases.filter((u) => u.best === rows[u.row]!.lang).length}`);
  if (process.env.LOCFLOW_TRAIN_DEBUG) for (const u of undCases) log(`und ${u.subset} ${rows[u.row]!.lang} best=${u.best} via=${u.via} cov=${u.coverage.toFixed(3)} ${JSON.stringify(rows[u.row]!.text).slice(0, 70)}`);

  const model = fitModel(rows, langs, {
    calibration,
    minCoverage,
    lettersAccuracy,
    crossValidation,
    ...(stacker ? { stacker, nbTemperature } : {}),
    trainedOn: `${rows.length} rows, ${k}-fold held-out figures`,
  });
  return { model, predictions };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const data = opt('--data') ?? devSetPath();
  const folds = Number(opt('--folds') ?? 5);
  const out = opt('--out') ?? join(here, 'model.bin');
  const { model } = trainAndMeasure(readLabelled(data), folds, (s) => process.stderr.write(`${s}\n`), { stacker: !args.includes('--no-stacker') });
  const bytes = serializeModel(model);
  writeFileSync(out, bytes);
  process.stderr.write(`wrote ${out} (${(bytes.length / 1024).toFixed(0)} KiB)\n`);
}
