/**
 * Imposing terms by substitution in the engine's own translation. The engine
 * outputs here are what the local Apertium writes for these sentences
 * (fr→es, and fr→es→en), so each case is one the benchmark meets.
 */
import { describe, expect, it } from 'vitest';
import { compileGlossary, parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import { renderingKey, substituteTerms } from '../../pipeline/glossary/substitute.js';
import type { Term } from '../../pipeline/model.js';
import { sideEffectFindings } from '../../pipeline/qa.js';
import { analyse, translateTarget } from '../../pipeline/run.js';
import { createMemoryTm } from '../../providers/tm.js';

const terms = parseGlossaryYaml(
  `lang: fr
terms:
  - term: formation
    kind: translate
    translations: {en: training, es: entrenamiento}
    grammar: {es: {gender: m, number: sg}}
  - term: puce graphique
    kind: translate
    translations: {en: graphics chip, es: chip gráfico}
    grammar: {es: {gender: m, number: sg}}
  - term: open source
    kind: translate
    translations: {en: open source, es: código abierto}
  - term: centre de données
    kind: translate
    variants: [centres de données]
    translations: {en: data center, es: centro de datos}
  - term: mise à jour
    kind: translate
    translations: {en: update, es: actualización}
    grammar: {es: {gender: f, number: sg}}
  - term: Microsoft
    kind: keep
`,
  'test.yaml',
);
const matcher = compileGlossary(terms);
const termById = new Map(terms.map((t) => [t.id, t]));

/** Substitutes in `output`, the engine's translation of `source`; `alone` is how it renders each term by itself. */
function substitute(source: string, output: string, to: string, alone: Record<string, string>) {
  const matches = matcher.find(source, 'fr');
  const renderings = new Map<string, string>();
  for (const m of matches) renderings.set(renderingKey(m, termById.get(m.termId)!), alone[m.text.toLowerCase()] ?? '');
  return substituteTerms({ output, source, matches, termById, to, renderings });
}

describe('substituteTerms', () => {
  it('replaces only the rendering: the verb and the restriction stay the engine’s', () => {
    // Masked, Apertium wrote "The training of the alone model has cost": "only" moved and "not" was lost.
    const r = substitute("La formation du modèle n'a coûté que deux millions.", 'The formation of the model has not cost that two million.', 'en', { formation: 'formation' });
    expect(r.text).toBe('The training of the model has not cost that two million.');
    expect(r.unplaced).toEqual([]);
  });

  it('makes the article agree with the glossary form (agreement repair)', () => {
    const r = substitute("La formation du modèle n'a coûté que deux millions.", 'La formación del modelo no ha costado que dos millones.', 'es', { formation: 'formación' });
    expect(r.text).toBe('El entrenamiento del modelo no ha costado que dos millones.');
  });

  it('repairs a determiner and the adjective between it and the term, and an adjective after it', () => {
    const one = substitute('Une seule puce graphique suffit.', 'Una sola pulga gráfica basta.', 'es', { 'puce graphique': 'pulga gráfica' });
    expect(one.text).toBe('Un solo chip gráfico basta.');
    const after = substitute('les méthodes de formation spécifiques', 'los métodos de formación específica', 'es', { formation: 'formación' });
    expect(after.text).toBe('los métodos de entrenamiento específico');
  });

  it('leaves the determiner of another noun alone (`los costes de formación`)', () => {
    const r = substitute('les coûts de formation', 'los costes de formación', 'es', { formation: 'formación' });
    expect(r.text).toBe('los costes de entrenamiento');
  });

  it('prefers a candidate written in one piece to a split match of a noisy term-alone answer', () => {
    // The term alone came back with a word that is not the term's (here a label); split around "la" it would
    // match "es … formación" and put the term in the wrong place. The source-like word in one piece wins.
    const r = substitute("La formation du modèle n'a coûté que deux millions.", "es la formation del modelo no ha costado que dos millones.", 'es', { formation: 'es formation' });
    expect(r.text).toBe("es el entrenamiento del modelo no ha costado que dos millones.");
    // A rendering that only exists split still is found split (`centres of American data`).
    const split = substitute('Les centres de données américains', 'The centres of American data', 'en', { 'centres de données': 'centres of data' });
    expect(split.text).toBe('The American data center');
  });

  it('never touches a verb after the term', () => {
    const r = substitute('La formation coûte cher.', 'La formación cuesta caro.', 'es', { formation: 'formación' });
    expect(r.text).toBe('El entrenamiento cuesta caro.');
  });

  it('fixes a/an in English', () => {
    const r = substitute('Une mise à jour du logiciel.', 'A put to day of the software.', 'en', { 'mise à jour': 'put to day' });
    expect(r.text).toBe('An update of the software.');
  });

  it('capitalises a term that opens a sentence, and nothing else', () => {
    const start = substitute('Open source, le modèle est gratuit.', 'Open fuente, el modelo es gratuito.', 'es', { 'open source': 'open fuente' });
    expect(start.text).toBe('Código abierto, el modelo es gratuito.');
    const middle = substitute('Le modèle open source de Microsoft.', 'El modelo Open Fuente de Microsoft.', 'es', { 'open source': 'open fuente' });
    // Mid-sentence the glossary's spelling; the words around keep their capitals (`El`, `Microsoft`).
    expect(middle.text).toBe('El modelo código abierto de Microsoft.');
  });

  it('finds a rendering the engine split with a word in between (split rendering)', () => {
    const r = substitute(
      'Les centres de données américains consomment déjà quatre pour cent.',
      'The centres of American data consume already four percent.',
      'en',
      { 'centres de données': 'centres of data' },
    );
    expect(r.text).toBe('The American data center consume already four percent.');
  });

  it('finds an inflected rendering (plural in context, singular alone)', () => {
    const r = substitute('Les centres de données.', 'Los centros de datos.', 'es', { 'centres de données': 'centro de datos' });
    expect(r.text).toBe('Los centro de datos.');
    expect(r.placed).toHaveLength(1);
  });

  it('reports a term whose rendering is nowhere, so that the caller masks it', () => {
    const r = substitute('La formation du modèle.', 'The education of the model.', 'en', { formation: 'formation' });
    expect(r.unplaced.map((m) => m.text)).toEqual(['formation']);
    expect(r.text).toBe('The education of the model.');
  });

  it('keeps XML markup and escapes the form', () => {
    const r = substitute('La formation du <modèle>.', 'La formación del <g id="1">modelo</g> &amp; más.', 'es', { formation: 'formación' });
    expect(r.text).toBe('El entrenamiento del <g id="1">modelo</g> &amp; más.');
  });
});

describe('glossary-side-effect QA', () => {
  it('warns when the glossary version lost a negation or restriction the plain translation had', () => {
    const found = sideEffectFindings('p1.s1', 'en', 'The formation of the model has not cost that two million.', 'The training of the alone model has cost two million.');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: 'glossary-side-effect', severity: 'warning', code: 'glossary-side-effect', params: { words: 'not' } });
    expect(sideEffectFindings('p1.s1', 'es', 'su formación solo ha costado', 'su entrenamiento no ha costado que')[0]?.params?.words).toBe('solo');
  });

  it('says nothing when the meaning words are all still there', () => {
    expect(sideEffectFindings('p1.s1', 'en', 'The formation has not cost much.', 'The training has not cost much.')).toEqual([]);
    expect(sideEffectFindings('p1.s1', 'en', 'The formation of the model.', 'The training of the model.')).toEqual([]);
  });
});

describe('translateTarget imposes terms by substitution, masking only as a fallback', () => {
  /** An engine that translates word by word like Apertium, and moves "only" when it meets a placeholder. */
  const dictionary: Record<string, string> = { formation: 'formation', la: 'the', du: 'of the', modèle: 'model', "n'a": 'has not', coûté: 'cost', que: 'that', deux: 'two', millions: 'million' };
  const plan = { id: 'fake:fr>en', label: 'fake', providers: ['fake'], pseudo: false };
  const sent: string[] = [];
  const translator = {
    plan: () => plan,
    translate: async (req: { segments: { id: string; text: string }[] }) => {
      sent.push(...req.segments.map((s) => s.text));
      const texts = req.segments.map(({ text }) => {
        // Alone, the engine renders the verb differently from in the sentence.
        if (text === 'coûté') return 'expensive';
        // A placeholder where the restriction was: "ne … que" is lost, "seul" attaches to the next noun.
        const moved = text
          .replace(/^La (<x id="t\d+"\/>) du modèle n'a coûté que/, 'The $1 of the alone model has cost')
          .replace(/n'a (<x id="t\d+"\/>) que/, 'has $1');
        return moved
          .replace(/\.$/, '')
          .split(' ')
          .map((w) => dictionary[w.toLowerCase()] ?? w)
          .join(' ')
          .replace(/^the/, 'The')
          .concat(text.endsWith('.') ? '.' : '');
      });
      return { texts, plan, billedChars: 0, warnings: [] };
    },
  };
  const sentence = "La formation du modèle n'a coûté que deux millions.";

  it('keeps the restriction that masking loses, and records how terms were imposed', async () => {
    const analysis = analyse(sentence, { terms, from: 'fr', format: 'text' });
    const substituted = await translateTarget(analysis, 'en', { translator, skipSameLanguage: false });
    expect(substituted.segments[0]!.plain).toBe('The training of the model has not cost that two million.');
    expect(substituted.imposition).toEqual({ method: 'substitute', native: 0, substituted: 1, masked: 0, fromMemory: 0, byTerm: { formation: { substituted: 1 } }, probedChars: 'formation'.length });
    expect(substituted.segments[0]!.qa.filter((f) => f.check === 'glossary-side-effect')).toEqual([]);

    const masked = await translateTarget(analysis, 'en', { translator, skipSameLanguage: false, imposition: 'mask' });
    expect(masked.segments[0]!.plain).toBe('The training of the alone model has cost two million.');
    expect(masked.imposition).toMatchObject({ method: 'mask', masked: 1 });
    // A paid engine is not asked for the plain translation unless the operator wants it (LOCFLOW_TERM_CHECK=1).
    expect(masked.segments[0]!.qa.filter((f) => f.check === 'glossary-side-effect')).toEqual([]);
    const checked = await translateTarget(analysis, 'en', { translator, skipSameLanguage: false, imposition: 'mask', termCheck: true });
    expect(checked.segments[0]!.qa.filter((f) => f.check === 'glossary-side-effect').map((f) => f.params?.words)).toEqual(['not']);
  });

  it('masks a term whose rendering cannot be found, and reports what the glossary cost the sentence', async () => {
    const unknown: Term = { ...terms[0]!, id: 't_other', term: 'modèle', translations: { en: 'model' } };
    const withFallback = [...terms, { ...unknown, term: 'coûté', id: 't_cost', translations: { en: 'priced' } }];
    const analysis = analyse(sentence, { terms: withFallback, from: 'fr', format: 'text' });
    sent.length = 0;
    const result = await translateTarget(analysis, 'en', { translator, skipSameLanguage: false });
    // "coûté" alone comes back as "coûté" (not in the dictionary), and the sentence has "cost": masked and sent again.
    expect(sent.some((t) => t.includes('<x id='))).toBe(true);
    expect(result.imposition).toMatchObject({ method: 'substitute', masked: 1 });
    expect(result.segments[0]!.plain).toContain('priced');
    expect(result.segments[0]!.qa.filter((f) => f.check === 'glossary-side-effect').map((f) => f.params?.words)).toEqual(['not']);
  });

  it('buys how a term renders alone once: a run retried after a crash reads it from the TM', async () => {
    const analysis = analyse(sentence, { terms, from: 'fr', format: 'text' });
    const tm = createMemoryTm();
    sent.length = 0;
    // The worker dies after the probe was paid for, while the sentence is in flight.
    const crashing = { ...translator, translate: async (req: { segments: { id: string; text: string }[] }) => (req.segments.some((s) => s.text === sentence) ? Promise.reject(new Error('killed')) : translator.translate(req)) };
    await expect(translateTarget(analysis, 'en', { translator: crashing, tm, skipSameLanguage: false })).rejects.toThrow('killed');
    expect(sent).toEqual(['formation']);
    const retried = await translateTarget(analysis, 'en', { translator, tm, skipSameLanguage: false });
    expect(retried.segments[0]!.plain).toBe('The training of the model has not cost that two million.');
    // The probe reached the engine once in all; only the sentence was sent by the retry.
    expect(sent.filter((t) => t === 'formation')).toHaveLength(1);
    expect(sent.filter((t) => t === sentence)).toHaveLength(1);
  });
});
