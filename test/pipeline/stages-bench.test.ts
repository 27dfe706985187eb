import { describe, expect, it } from 'vitest';
import { benchArticles, STAGES, stagesAlone } from '../../bench/pipeline.bench.js';

describe('pipeline bench, stages alone', () => {
  it('runs every stage on distinct articles and measures the CPU of each', async () => {
    const r = await stagesAlone(3);
    // Only that each stage ran and was measured: how the CPU splits is the bench's to print, not a test's to time.
    for (const s of STAGES) expect(r.byStage[s], s).toBeGreaterThan(0);
    expect(r.cpuMs).toBeGreaterThan(0);
  }, 60_000);

  it('gives articles that share no sentence, so nothing keyed by sentence text can answer', () => {
    const [a, b] = benchArticles('distinct', 2);
    const sentences = (t: string) => new Set(t.split('\n').flatMap((p) => p.split(/(?<=[.!?…])\s+/u)));
    expect(sentences(a!).size).toBeGreaterThan(20);
    const shared = [...sentences(a!)].filter((s) => sentences(b!).has(s));
    expect(shared).toEqual([]);
  });
});
