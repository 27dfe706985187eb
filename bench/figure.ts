/** One benchmark figure: our number next to a baseline measured in the same run. */
export interface Figure {
  name: string;
  ours: number;
  baseline: number;
  baselineName: string;
  unit: string;
  /** Which direction is better for this unit. */
  better: 'lower' | 'higher';
}

export interface Benchmark {
  /** `npm run bench -- <name>` runs only this one. */
  name: string;
  description: string;
  run(): Promise<Figure[]>;
}

/** ours/baseline, oriented so that > 1 always means "locflow is better". */
export function ratio(f: Figure): number {
  if (f.baseline === 0 || f.ours === 0) return 0;
  return f.better === 'higher' ? f.ours / f.baseline : f.baseline / f.ours;
}
