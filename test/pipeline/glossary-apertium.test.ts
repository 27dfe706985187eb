/**
 * The sentences through the real local Apertium (fr→es, and fr→en
 * through the es pivot): with the glossary, each term is in its glossary form
 * and the rest of the sentence is the engine's own translation without the
 * glossary, except function words right next to a term (agreement). Measured
 * with the bench's collateral-change metric (bench/terms.bench.ts,
 * scoreTarget), so the test and `npm run bench -- terms` count the same way.
 * Plain masking on the same sentences is the control: it does change them,
 * which is what the metric must catch.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchGlossary, scoreTarget } from '../../bench/terms.bench.js';
import type { Analysis, Lang, TargetResult } from '../../pipeline/model.js';
import { analyse, translateTarget } from '../../pipeline/run.js';
import { findExecutable } from '../../providers/apertium/binary.js';
import { createTranslator, type LocflowTranslator } from '../../providers/index.js';

const apertium = findExecutable('apertium');
const pairsInstalled = existsSync('/usr/share/apertium/modes/fr-es.mode') && existsSync('/usr/share/apertium/modes/spa-eng.mode');

const sentences = [
  'Les modèles open source surpassent les modèles propriétaires.',
  "La formation du modèle n'a coûté que deux millions.",
  'Le modèle tourne sur une seule puce graphique.',
  'Une seule puce graphique suffit à la formation.',
];

describe.skipIf(!apertium || !pairsInstalled)('glossary terms on the real Apertium: the term changes, the sentence does not', () => {
  let translator: LocflowTranslator;
  let analysis: Analysis;
  const plain = new Map<Lang, TargetResult>();
  const chosen = new Map<Lang, TargetResult>();
  const masked = new Map<Lang, TargetResult>();

  beforeAll(async () => {
    translator = createTranslator({ provider: 'apertium', env: { PATH: process.env.PATH } });
    await translator.ready();
    analysis = analyse(sentences.join('\n\n'), { terms: benchGlossary(), from: 'fr', format: 'text' });
    const bare: Analysis = { ...analysis, matches: {}, terms: [] };
    for (const to of ['es', 'en'] as const) {
      plain.set(to, await translateTarget(bare, to, { translator, skipSameLanguage: false }));
      chosen.set(to, await translateTarget(analysis, to, { translator, skipSameLanguage: false }));
      masked.set(to, await translateTarget(analysis, to, { translator, skipSameLanguage: false, imposition: 'mask' }));
    }
  }, 120_000);

  const text = (r: Map<Lang, TargetResult>, to: Lang, i: number) => r.get(to)!.segments[i]!.plain;

  for (const to of ['es', 'en'] as const) {
    it(`fr→${to}: every term present and no collateral change (the default, substitution)`, () => {
      const score = scoreTarget(analysis, plain.get(to)!, chosen.get(to)!, new Map());
      expect(score.required).toBeGreaterThanOrEqual(sentences.length);
      expect(score.present).toBe(score.required);
      expect(score.sentences.map((s) => ({ id: s.id, plain: s.plain, with: s.with, changes: s.changes }))).toEqual([]);
      expect(score.changes).toBe(0);
      expect(chosen.get(to)!.imposition).toMatchObject({ method: 'substitute', masked: 0 });
    });

    it(`fr→${to}: plain masking on the same sentences changes them (the metric catches it)`, () => {
      const score = scoreTarget(analysis, plain.get(to)!, masked.get(to)!, new Map());
      expect(score.present).toBe(score.required);
      expect(score.changes).toBeGreaterThan(0);
    });
  }

  it('es: open source becomes código abierto and the verb and agreement stay the engine\'s own', () => {
    const out = text(chosen, 'es', 0);
    expect(out).toContain('código abierto');
    expect(out).not.toMatch(/open fuente/i);
    // Whatever mood and agreement Apertium chose without the glossary, it keeps with it.
    const before = text(plain, 'es', 0).split(/\s+/).filter((w) => !/^(open|fuente)$/i.test(w));
    const after = out.split(/\s+/).filter((w) => !/^(código|abierto)$/i.test(w));
    expect(after).toEqual(before);
    expect(out).toMatch(/\bsuperan\b/);
  });

  it('es: La formation … → El entrenamiento (article agreement), the restriction kept', () => {
    const out = text(chosen, 'es', 1);
    expect(out.startsWith('El entrenamiento ')).toBe(true);
    expect(out.slice('El entrenamiento '.length)).toBe(text(plain, 'es', 1).replace(/^La formación /, ''));
    expect(text(masked, 'es', 1)).toMatch(/^La entrenamiento/);
  });

  it('es: une seule puce graphique keeps its masculine agreement with chip gráfico', () => {
    for (const i of [2, 3]) {
      const out = text(chosen, 'es', i);
      expect(out).toMatch(/\b[Uu]n solo chip gráfico\b/);
      expect(out).not.toMatch(/\b[Uu]na sola\b/);
    }
    expect(text(chosen, 'es', 3)).toMatch(/\bal entrenamiento\b/);
    expect(text(masked, 'es', 2)).toMatch(/una sola chip/);
  });

  it('en (through es): the training keeps "not … that", where masking moves "only" onto another word', () => {
    const out = text(chosen, 'en', 1);
    expect(out).toMatch(/^The training of the model has not cost/);
    expect(out).not.toMatch(/alone model/);
    expect(text(masked, 'en', 1)).toMatch(/alone model/);
  });
});
