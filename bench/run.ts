/**
 * `npm run bench [-- NAME…] [-- --json]`: runs every `bench/*.bench.ts` (or the
 * named ones) and prints each figure next to its baseline and the ratio.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ratio, type Benchmark } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const wanted = args.filter((a) => !a.startsWith('--'));

const benches: Benchmark[] = [];
for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
  benches.push(mod.default);
}
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; available: ${benches.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}

for (const bench of benches.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  if (!json) process.stdout.write(`\n# ${bench.name}: ${bench.description}\n`);
  for (const f of await bench.run()) {
    const r = Number(ratio(f).toFixed(3));
    if (json) process.stdout.write(`${JSON.stringify({ ...f, ratio: r })}\n`);
    else
      process.stdout.write(
        `${f.name.padEnd(34)} ours ${fmt(f.ours).padStart(10)} ${f.unit.padEnd(8)} ${f.baselineName}: ${fmt(f.baseline).padStart(10)}  ratio ${r} (${f.better} is better)\n`,
      );
  }
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(3);
}
