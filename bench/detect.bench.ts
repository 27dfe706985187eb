/**
 * `npm run bench -- detect`: language detection on the dev set
 * (`../shared/data/lid-dev.jsonl`, env LOCFLOW_LID_DEV), locflow against franc
 * with default options and against eld restricted to the same candidates, all
 * measured in this run. locflow's model is trained on that same data, so its
 * accuracy here is 5-fold held-out: every row is answered by a model that did
 * not see it. The baselines need no training and are scored on every row.
 * Speed uses the shipped model; the baselines' load time is not counted, ours
 * neither (the CLI's start-up is measured separately, see docs/detect.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { franc } from 'franc';
import type { Benchmark, Figure } from './figure.js';
import { defaultDetector, detectLanguage, detectSegments, ScoreCache } from '../pipeline/detect.js';
import { ingest } from '../pipeline/ingest.js';
import { plainText } from '../pipeline/inline.js';
import type { Lang } from '../pipeline/model.js';
import { segmentDocument } from '../pipeline/segment.js';
import { fromFranc } from '../pipeline/detect/languages.js';
import { devSetPath, FIRST_CLASS, readLabelled, tally, trainAndMeasure, type LabelledText, type Prediction } from '../pipeline/detect/train.js';

const FOLDS = 5;
const BUCKETS = ['all', '<40', '40-99', '>=100'];

interface Baseline {
  name: string;
  /** Prepares for a candidate set (eld filters to a subset), then answers one text. */
  forSubset(only: string[]): (text: string) => string;
}

async function baselines(): Promise<Baseline[]> {
  const { eld } = await import('eld/large');
  return [
    { name: 'franc default', forSubset: () => (text) => fromFranc(franc(text)) },
    {
      name: 'eld restricted',
      forSubset: (only) => {
        eld.setLanguageSubset(only);
        return (text) => eld.detect(text).language || 'und';
      },
    },
  ];
}

function subsets(rows: readonly LabelledText[]): Record<string, string[]> {
  const all = [...new Set(rows.map((r) => r.lang))].sort();
  return { all, 'fr,vi,en': FIRST_CLASS.filter((l) => all.includes(l)) };
}

function label(subset: string, langs: number): string {
  return subset === 'all' ? `${langs} langs` : subset;
}

/** Runs `fn` over the rows of the subset and returns answers and segments per second. */
function timed(rows: readonly LabelledText[], subset: string, only: string[], fn: (text: string) => string): { predictions: Prediction[]; perSecond: number } {
  const predictions: Prediction[] = [];
  const start = performance.now();
  rows.forEach((r, row) => {
    if (only.includes(r.lang)) predictions.push({ row, subset, lang: fn(r.text) });
  });
  const seconds = (performance.now() - start) / 1000;
  return { predictions, perSecond: predictions.length / seconds };
}

const bench: Benchmark = {
  name: 'detect',
  description: 'language detection on the dev set: accuracy (locflow 5-fold held-out) and segments/s vs franc default and eld',
  async run(): Promise<Figure[]> {
    const file = devSetPath();
    if (!existsSync(file)) throw new Error(`dev set not found at ${file} (set LOCFLOW_LID_DEV)`);
    const rows = readLabelled(file);
    const sets = subsets(rows);

    const { predictions: ours } = trainAndMeasure(rows, FOLDS);
    const oursAcc = accuracyTable(rows, ours);

    const detector = defaultDetector();
    const oursSpeed: Record<string, number> = {};
    for (const [subset, only] of Object.entries(sets)) {
      oursSpeed[subset] = timed(rows, subset, only, (text) => detector.detect(text, { only }).lang).perSecond;
    }

    const figures: Figure[] = articleFigures();
    for (const baseline of await baselines()) {
      for (const [subset, only] of Object.entries(sets)) {
        const run = timed(rows, subset, only, baseline.forSubset(only));
        const theirs = accuracyTable(rows, run.predictions);
        for (const bucket of BUCKETS) {
          const key = `${subset}|${bucket}`;
          if (!oursAcc.has(key) || !theirs.has(key)) continue;
          figures.push({
            name: `accuracy ${label(subset, only.length)} ${bucket} (ours ${FOLDS}-fold held-out)`,
            ours: oursAcc.get(key)!,
            baseline: theirs.get(key)!,
            baselineName: baseline.name,
            unit: '%',
            better: 'higher',
          });
        }
        figures.push({
          name: `speed ${label(subset, only.length)}`,
          ours: Math.round(oursSpeed[subset]!),
          baseline: Math.round(run.perSecond),
          baselineName: baseline.name,
          unit: 'seg/s',
          better: 'higher',
        });
      }
    }
    return figures;
  },
};

const here = dirname(fileURLToPath(import.meta.url));

function sampleArticle(): string {
  const shared = join(here, '..', '..', 'shared', 'samples', 'deepseek.fr.txt');
  return existsSync(shared) ? shared : join(here, '..', 'samples', 'open-models.fr.txt');
}

/** Median milliseconds of `fn` over `runs` runs, after a warm-up. */
function medianMs(fn: () => void, runs = 60): number {
  for (let i = 0; i < 10; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(runs / 2)]! * 1000) / 1000;
}

/**
 * Article-level detection as the pipeline runs it: the document language,
 * then every segment with it as prior. Ours shares one ScoreCache between the
 * two calls; the previous approach scored each sentence twice, rescored the
 * whole text, and ran franc on every Latin sentence because Javanese (outside
 * the model) was a default candidate, which naming it in `only` reproduces.
 */
function articleFigures(): Figure[] {
  const file = sampleArticle();
  const doc = ingest(readFileSync(file), { filename: file });
  const text = doc.blocks
    .filter((b) => b.translatable)
    .map((b) => plainText(b.inline))
    .join('\n');
  // Segmentation is not detection: done once, outside the timed part.
  const segments = segmentDocument(doc, detectLanguage(text).lang);
  const run = (only: Lang[] | undefined, shared: boolean) => () => {
    const cache = shared ? new ScoreCache() : undefined;
    const guess = detectLanguage(text, { only, cache });
    detectSegments(segments, guess.lang, { only, prior: guess.lang, cache });
  };
  const withJavanese = [...defaultDetector().model.header.langs, 'jv'];
  const ours = medianMs(run(undefined, true));
  const name = file.split('/').pop()!;
  return [
    {
      name: `article ${name}: document + segment languages`,
      ours,
      baseline: medianMs(run(withJavanese, false)),
      baselineName: 'previous approach',
      unit: 'ms',
      better: 'lower',
    },
    {
      name: `article ${name}: same, without the shared scores`,
      ours,
      baseline: medianMs(run(undefined, false)),
      baselineName: 'per-call scoring',
      unit: 'ms',
      better: 'lower',
    },
    {
      name: `article ${name}: ours (document + segments) vs franc on the document alone`,
      ours,
      baseline: medianMs(() => franc(text)),
      baselineName: 'franc default',
      unit: 'ms',
      better: 'lower',
    },
  ];
}

function accuracyTable(rows: readonly LabelledText[], predictions: readonly Prediction[]): Map<string, number> {
  const table = new Map<string, number>();
  for (const a of tally(rows, predictions)) table.set(`${a.subset}|${a.bucket}`, Math.round((10000 * a.correct) / a.total) / 100);
  return table;
}

export default bench;
