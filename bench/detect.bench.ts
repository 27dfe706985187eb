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
import { existsSync } from 'node:fs';
import { franc } from 'franc';
import type { Benchmark, Figure } from './figure.js';
import { defaultDetector } from '../pipeline/detect.js';
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

    const figures: Figure[] = [];
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

function accuracyTable(rows: readonly LabelledText[], predictions: readonly Prediction[]): Map<string, number> {
  const table = new Map<string, number>();
  for (const a of tally(rows, predictions)) table.set(`${a.subset}|${a.bucket}`, Math.round((10000 * a.correct) / a.total) / 100);
  return table;
}

export default bench;
