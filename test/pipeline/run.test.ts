import { describe, expect, it } from 'vitest';
import { routeLanguages } from '../../pipeline/run.js';

describe('routeLanguages', () => {
  const plan = (id: string) => ({ id, label: id, providers: [], pseudo: false });
  it('reads a single-provider pivot', () => {
    expect(routeLanguages(plan('apertium:fr>es>en'), 'fr', 'en')).toEqual(['fr', 'es', 'en']);
  });
  it('reads a mixed-provider pivot', () => {
    expect(routeLanguages(plan('deepl:fr>es|apertium:es>en'), 'fr', 'en')).toEqual(['fr', 'es', 'en']);
  });
  it('falls back to the direct pair for ids without languages', () => {
    expect(routeLanguages(plan('custom'), 'fr', 'vi')).toEqual(['fr', 'vi']);
  });
});

describe('analyse + translateTarget with a scripted engine', async () => {
  const { analyse, translateTarget } = await import('../../pipeline/run.js');
  const { parseGlossaryYaml } = await import('../../pipeline/glossary/index.js');
  const { createMemoryTm } = await import('../../providers/index.js');
  const terms = parseGlossaryYaml(
    [
      'lang: fr',
      'terms:',
      '  - term: open source',
      '    kind: translate',
      '    translations: {es: código abierto}',
      '  - term: open fuente',
      '    lang: es',
      '    kind: forbidden',
      '  - term: GPU',
      '    kind: keep',
    ].join('\n'),
    'test.yaml',
  );
  const text = "DeepSeek publie un modèle open source.\nLes GPU coûtent cher, mais l'open source progresse vite.\n";
  const plan = { id: 'fake:fr>es', label: 'fake:fr→es', providers: ['fake'], pseudo: false };
  // An engine that ignores placeholders' meaning and writes the raw MT error into one sentence.
  const calls: string[][] = [];
  const translator = {
    plan: () => plan,
    translate: async (req: { segments: { id: string; text: string }[] }) => {
      calls.push(req.segments.map((s) => s.id));
      return {
        texts: req.segments.map((s) => (s.id === 'p2.s1' ? `${s.text} (open fuente)` : s.text)),
        plan,
        billedChars: req.segments.reduce((n, s) => n + s.text.length, 0),
        warnings: [],
      };
    },
  };

  it('restores forced terms and reports a forbidden term in the output', async () => {
    const analysis = analyse(text, { terms, from: 'fr' });
    const result = await translateTarget(analysis, 'es', { translator });
    const all = result.segments.map((s) => s.plain).join('\n');
    expect(all.match(/código abierto/g)).toHaveLength(2);
    expect(all).toContain('GPU');
    const forbidden = result.segments.flatMap((s) => s.qa).filter((f) => f.check === 'forbidden');
    expect(forbidden.map((f) => f.segment)).toEqual(['p2.s1']);
  });

  it('sends nothing the second time when the translation memory has it', async () => {
    const analysis = analyse(text, { terms, from: 'fr' });
    const tm = createMemoryTm();
    calls.length = 0;
    const first = await translateTarget(analysis, 'es', { translator, tm });
    // The first run also asks how the engine renders each term alone (substitution looks for it).
    expect(new Set(calls.flat().filter((id) => id.startsWith('p')))).toEqual(new Set(['p1.s1', 'p2.s1']));
    calls.length = 0;
    const second = await translateTarget(analysis, 'es', { translator, tm });
    expect(calls.flat()).toHaveLength(0);
    expect(first.billedChars).toBeGreaterThan(0);
    expect(second.billedChars).toBe(0);
    expect(second.tmHits).toBe(2);
    expect(second.segments.map((s) => s.plain)).toEqual(first.segments.map((s) => s.plain));
  });

  it('refuses a target equal to the source and a pair no engine serves', async () => {
    const analysis = analyse(text, { terms, from: 'fr' });
    await expect(translateTarget(analysis, 'fr', { translator })).rejects.toMatchObject({ code: 'target-is-source' });
    await expect(translateTarget(analysis, 'vi', { translator: { ...translator, plan: () => undefined } })).rejects.toMatchObject({ code: 'unsupported-pair' });
  });
});
