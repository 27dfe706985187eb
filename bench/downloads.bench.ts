/**
 * One file of a large job (issue 15: a 48 000-segment job took 1.9 s to
 * rebuild per single-file download, on the API's event loop). Ours: what
 * `GET /v1/jobs/:id/bundle?format=…` does now with the zip the worker stored
 * at assembly — inflate the one entry asked for (and the manifest) and pick
 * it. Baseline: what it did before — render the whole bundle from its input
 * and pick the file. Both are synchronous work on the event loop, so the time
 * is also how long other requests wait. Reading the zip from Redis is left
 * out of both (it is I/O, not event-loop time).
 *
 * The job is the formats' test fixture (every kind of segment the writers
 * handle) repeated to BENCH_DOWNLOAD_SEGMENTS source segments (default
 * 48 000), with two targets; documents are rendered by the fixture's plain
 * renderer, which makes the baseline slightly cheaper than the real one.
 */
import type { Benchmark, Figure } from './figure.js';
import { filesOfZip, writeBundle, zipBundle } from '../pipeline/formats/bundle.js';
import { selectDownload } from '../pipeline/formats/download.js';
import type { BundleInput, Segment, TranslatedSegment } from '../pipeline/model.js';
import { fixture, plainRenderer } from '../test/formats/fixture.js';

const SEGMENTS = Number(process.env.BENCH_DOWNLOAD_SEGMENTS ?? 48_000);
const OURS_RUNS = 7;
// A rebuild of a large job takes seconds: one run is enough to see it, and keeps the bench short.
const BASELINE_RUNS = SEGMENTS > 10_000 ? 1 : 3;

/** The fixture's paragraphs repeated until the article has `n` source segments; ids, paragraphs and QA findings follow. */
function largeJob(n: number): BundleInput {
  const base = fixture();
  const blocks = base.analysis.doc.blocks;
  const per = base.analysis.segments.length;
  const reps = Math.ceil(n / per);
  const shift = (paragraph: number, r: number) => r * blocks.length + paragraph;
  const idOf = (s: { paragraph: number; sentence: number }, r: number) => `p${shift(s.paragraph, r)}.s${s.sentence}`;
  const segments: Segment[] = [];
  for (let r = 0; r < reps; r++) for (const s of base.analysis.segments) segments.push({ ...s, id: idOf(s, r), paragraph: shift(s.paragraph, r), hash: `${s.hash.slice(0, 8)}${r.toString(16).padStart(8, '0')}` });
  const bySourceId = new Map(base.analysis.segments.map((s) => [s.id, s]));
  return {
    ...base,
    analysis: {
      ...base.analysis,
      doc: { ...base.analysis.doc, blocks: Array.from({ length: reps }, (_, r) => blocks.map((b) => ({ ...b, index: shift(b.index, r) }))).flat() },
      segments: segments.slice(0, n),
      matches: {},
    },
    targets: base.targets.map((t) => {
      const out: TranslatedSegment[] = [];
      for (let r = 0; r < reps; r++) {
        for (const s of t.segments) {
          const id = idOf(bySourceId.get(s.id)!, r);
          out.push({ ...s, id, qa: s.qa.map((f) => ({ ...f, segment: id })) });
        }
      }
      return { ...t, segments: out.slice(0, n) };
    }),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(runs: number, fn: () => void): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const bench: Benchmark = {
  name: 'downloads',
  description: `one file of a ${SEGMENTS}-segment job (2 targets): inflated from the stored zip vs rebuilt from the bundle input, median ms of event-loop work per request`,
  async run(): Promise<Figure[]> {
    const input = largeJob(SEGMENTS);
    // What the worker stores at assembly.
    const zip = zipBundle(writeBundle(input, { renderer: plainRenderer }));
    const figures: Figure[] = [];
    for (const [format, target] of [
      ['xliff', 'en'],
      ['json', undefined],
    ] as const) {
      let oursBytes = 0;
      let baseBytes = 0;
      const ours = timed(OURS_RUNS, () => {
        oursBytes = Buffer.from(selectDownload(filesOfZip(zip), format, target).body).length;
      });
      const baseline = timed(BASELINE_RUNS, () => {
        baseBytes = Buffer.from(selectDownload(writeBundle(input, { renderer: plainRenderer }), format, target).body).length;
      });
      // Same file either way, or the comparison means nothing.
      if (oursBytes !== baseBytes) throw new Error(`downloads bench: ${format} is ${oursBytes} bytes from the zip but ${baseBytes} rebuilt`);
      figures.push({ name: `download-${format}-ms`, ours, baseline, baselineName: 'rebuild per request', unit: 'ms', better: 'lower' });
    }
    return figures;
  },
};

export default bench;
