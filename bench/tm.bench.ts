/**
 * `npm run bench -- tm`: what the translation memory saves. The sample article
 * goes through `translateTarget` three times with one memory: first with an
 * empty memory (the baseline), then unchanged, then with one sentence edited.
 * A counting wrapper around the provider measures what reaches the engine.
 * Where Apertium is installed, the wall time of a first and a second fr→es
 * run is compared too (pseudo costs too little for time to mean anything).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plainText } from '../pipeline/inline.js';
import type { Analysis } from '../pipeline/model.js';
import { analyse, translateTarget } from '../pipeline/run.js';
import type { TranslationProvider } from '../providers/contract.js';
import { createApertium, createMemoryTm, createPseudo, openTranslator } from '../providers/index.js';
import type { Benchmark, Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE = join(here, '..', '..', 'shared', 'samples', 'deepseek.fr.txt');
const FALLBACK_SAMPLE = join(here, '..', 'samples', 'open-models.fr.txt');

interface Counted {
  provider: TranslationProvider;
  chars: number;
  segments: number;
  reset(): void;
}

/** Counts characters and segments that reach the engine, whatever router or memory sits above it. */
function counting(inner: TranslationProvider): Counted {
  const counted: Counted = {
    chars: 0,
    segments: 0,
    reset() {
      counted.chars = 0;
      counted.segments = 0;
    },
    provider: {
      id: inner.id,
      configured: inner.configured,
      glossary: inner.glossary,
      contractVersion: 3,
      limits: inner.limits,
      pairs: () => inner.pairs(),
      health: () => inner.health(),
      translate: async (req) => {
        counted.segments += req.segments.length;
        counted.chars += req.segments.reduce((n, s) => n + plainText(s.text).length, 0);
        return inner.translate(req);
      },
    },
  };
  return counted;
}

function readSample(): string {
  try {
    return readFileSync(SAMPLE, 'utf8');
  } catch {
    return readFileSync(FALLBACK_SAMPLE, 'utf8');
  }
}

/** The article with one sentence changed: a word added before its final full stop. */
function editOneSentence(text: string, analysis: Analysis): string {
  const candidates = analysis.segments.filter((s) => s.translatable && s.plain.endsWith('.') && text.split(s.plain).length === 2);
  const target = candidates[Math.floor(candidates.length / 2)];
  if (!target) throw new Error('tm bench: found no sentence to edit in the sample');
  return text.replace(target.plain, `${target.plain.slice(0, -1)}, selon les analystes.`);
}

async function run(): Promise<Figure[]> {
  const text = readSample();
  const first = analyse(text, { terms: [], from: 'fr' });
  const edited = analyse(editOneSentence(text, first), { terms: [], from: 'fr' });

  const pseudo = counting(createPseudo());
  const translator = await openTranslator({ provider: 'pseudo', providers: [pseudo.provider], env: { PATH: '/nonexistent' } });
  const tm = createMemoryTm();

  await translateTarget(first, 'en', { translator, tm });
  const firstChars = pseudo.chars;
  const firstSegments = pseudo.segments;
  pseudo.reset();
  await translateTarget(first, 'en', { translator, tm });
  const secondChars = pseudo.chars;
  pseudo.reset();
  await translateTarget(edited, 'en', { translator, tm });
  const editedChars = pseudo.chars;
  const editedSegments = pseudo.segments;
  if (editedSegments !== 1) process.stderr.write(`tm bench: expected 1 segment sent after the edit, got ${editedSegments}\n`);

  const figures: Figure[] = [
    { name: 'tm-second-run-chars', ours: secondChars, baseline: firstChars, baselineName: `first run (${firstSegments} segments)`, unit: 'chars', better: 'lower' },
    { name: 'tm-one-sentence-edited-chars', ours: editedChars, baseline: firstChars, baselineName: 'first run', unit: 'chars', better: 'lower' },
  ];

  const apertium = createApertium();
  if (apertium.configured && (await apertium.pairs()).some((p) => p.from === 'fr' && p.to === 'es')) {
    const real = await openTranslator({ provider: 'apertium' });
    const memory = createMemoryTm();
    const t0 = performance.now();
    await translateTarget(first, 'es', { translator: real, tm: memory });
    const t1 = performance.now();
    await translateTarget(first, 'es', { translator: real, tm: memory });
    const t2 = performance.now();
    figures.push({ name: 'tm-second-run-ms (apertium fr→es)', ours: t2 - t1, baseline: t1 - t0, baselineName: 'first run', unit: 'ms', better: 'lower' });
  } else {
    process.stderr.write('tm bench: apertium with fr-es is not installed; skipping the wall-time figure\n');
  }
  return figures;
}

const bench: Benchmark = {
  name: 'tm',
  description: 'characters sent to the engine on a second run and after editing one sentence, against the first run (empty translation memory)',
  run,
};
export default bench;
