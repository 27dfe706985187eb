import { describe, expect, it } from 'vitest';
import { benchArticles, STAGES, stagesAlone } from '../../bench/pipeline.bench.js';

describe('pipeline bench, stages alone', () => {
  it('runs every stage on distinct articles and splits the CPU it measures among them', async () => {
    const r = await stagesAlone(3);
    for (const s of STAGES) expect(r.byStage[s], s).toBeGreaterThan(0);
    const split = STAGES.reduce((n, s) => n + r.byStage[s], 0);
    // The laps cover the whole loop: their sum is the total, up to the few microseconds between laps.
    expect(split).toBeGreaterThan(r.cpuMs * 0.9);
    expect(split).toBeLessThan(r.cpuMs * 1.1);
  }, 60_000);

  it('gives articles that share no sentence, so nothing keyed by sentence text can answer', () => {
    const [a, b] = benchArticles('distinct', 2);
    const sentences = (t: string) => new Set(t.split('\n').flatMap((p) => p.split(/(?<=[.!?…])\s+/u)));
    expect(sentences(a!).size).toBeGreaterThan(20);
    const shared = [...sentences(a!)].filter((s) => sentences(b!).has(s));
    expect(shared).toEqual([]);
  });
});
