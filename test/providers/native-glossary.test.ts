/**
 * Engines with a glossary of their own, on their local fakes, as the pipeline
 * uses them: the terms go to the engine's glossary feature (DeepL glossary,
 * Google v3 glossaryConfig, Azure dynamic dictionary, terms in an LLM prompt),
 * the output is checked for every term, and a term the engine missed is
 * substituted (or masked) by the pipeline. The manifest's `terms` record says
 * per term which way it got there.
 *
 * Each fake can ignore the glossary it is given: the same article then still
 * comes out with every term, imposed by the fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import type { Lang, TargetResult, Term } from '../../pipeline/model.js';
import { analyse, translateTarget } from '../../pipeline/run.js';
import { openTranslator } from '../../providers/index.js';
import { AZURE_FAKE_KEY, startAzureFake } from '../fakes/azure.js';
import type { FakeServer, GlossarySwitch } from '../fakes/common.js';
import { DEEPL_FAKE_KEY, startDeeplFake } from '../fakes/deepl.js';
import { GOOGLE_FAKE_PROJECT, GOOGLE_FAKE_TOKEN, startGoogleFake } from '../fakes/google.js';
import { OPENAI_FAKE_KEY, OPENAI_FAKE_MODEL, startOpenAIFake } from '../fakes/openai.js';

const term = (t: Partial<Term> & Pick<Term, 'id' | 'term' | 'kind'>): Term => ({ lang: 'fr', translations: {}, variants: [], caseSensitive: false, status: 'approved', ...t });

const terms: Term[] = [
  term({ id: 'oss', term: 'open source', kind: 'translate', translations: { en: 'open-source', es: 'código abierto', vi: 'mã nguồn mở' } }),
  term({ id: 'training', term: 'formation', kind: 'translate', translations: { en: 'training', es: 'entrenamiento', vi: 'huấn luyện' }, grammar: { es: { gender: 'm', number: 'sg' } } }),
  term({ id: 'gpu', term: 'processeur graphique', kind: 'translate', translations: { en: 'GPU', es: 'procesador gráfico', vi: 'GPU' } }),
  term({ id: 'ds', term: 'DeepSeek', kind: 'keep', caseSensitive: true }),
];

const article = [
  'Les modèles open source de DeepSeek surpassent les modèles propriétaires.',
  "La formation du modèle n'a coûté que deux millions.",
  'Un seul processeur graphique suffit pour la formation.',
].join('\n\n');

/** The glossary form of every term occurrence in the source is in the target: compliance, counted. */
function compliance(result: TargetResult, to: Lang): { expected: number; found: number; missing: string[] } {
  const analysis = analyse(article, { terms, from: 'fr', format: 'text' });
  let expected = 0;
  let found = 0;
  const missing: string[] = [];
  for (const seg of analysis.segments) {
    const out = result.segments.find((s) => s.id === seg.id)!.plain;
    for (const m of analysis.matches[seg.id] ?? []) {
      const t = terms.find((x) => x.id === m.termId)!;
      const form = t.kind === 'keep' ? t.term : t.translations[to]!;
      expected++;
      if (out.toLowerCase().includes(form.toLowerCase())) found++;
      else missing.push(`${seg.id}: ${form} not in ${out}`);
    }
  }
  return { expected, found, missing };
}

/** The manifest's `terms` record for the target, as a bundle writes it. */
function manifestTerms(result: TargetResult) {
  const analysis = analyse(article, { terms, from: 'fr', format: 'text' });
  const files = writeBundle({ jobId: 'j_native', analysis, targets: [result], toolVersion: 'test', createdAt: new Date(0).toISOString(), revision: 1, timings: {} });
  const manifest = JSON.parse(String(files.get('manifest.json'))) as { targets: { terms: { method: string; native: number; substituted: number; masked: number; byTerm: Record<string, Record<string, number>>; probedChars: number } }[] };
  return manifest.targets[0]!.terms;
}

interface Engine {
  id: string;
  start: () => Promise<FakeServer & GlossarySwitch>;
  env: (url: string) => NodeJS.ProcessEnv;
  /** Targets whose pair the engine's glossary feature serves, and one it does not (if any). */
  native: Lang[];
  fallback?: Lang;
}

const engines: Engine[] = [
  {
    id: 'deepl',
    // DeepL lists the pairs it makes glossaries for; Vietnamese is left out here to exercise that path.
    start: () => startDeeplFake(DEEPL_FAKE_KEY, { glossaryLanguages: ['FR', 'EN', 'ES', 'DE'] }),
    env: (url) => ({ DEEPL_AUTH_KEY: DEEPL_FAKE_KEY, DEEPL_BASE_URL: url }),
    native: ['es', 'en'],
    fallback: 'vi',
  },
  {
    id: 'google',
    start: async () => {
      const fake = await startGoogleFake();
      // Google glossaries are made beforehand in the operator's project; this one mirrors locflow's for fr→es.
      fake.glossaries.set('locflow-fr-es', { 'open source': 'código abierto', formation: 'entrenamiento', 'processeur graphique': 'procesador gráfico', DeepSeek: 'DeepSeek' });
      return fake;
    },
    env: (url) => ({ GOOGLE_PROJECT_ID: GOOGLE_FAKE_PROJECT, GOOGLE_ACCESS_TOKEN: GOOGLE_FAKE_TOKEN, GOOGLE_BASE_URL: url, GOOGLE_GLOSSARY_ID: 'locflow-fr-es' }),
    native: ['es'],
  },
  {
    id: 'azure',
    start: () => startAzureFake(),
    env: (url) => ({ AZURE_TRANSLATOR_KEY: AZURE_FAKE_KEY, AZURE_TRANSLATOR_ENDPOINT: url }),
    // Azure applies the dynamic dictionary only with English on one side.
    native: ['en'],
    fallback: 'es',
  },
  {
    id: 'openai',
    start: () => startOpenAIFake(),
    env: (url) => ({ OPENAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: OPENAI_FAKE_KEY, OPENAI_MODEL: OPENAI_FAKE_MODEL }),
    native: ['es', 'vi'],
  },
];

for (const engine of engines) {
  describe(`${engine.id}: native glossary with a checked fallback (fake)`, () => {
    let fake: FakeServer & GlossarySwitch;
    const translate = async (to: Lang) => {
      const translator = await openTranslator({ provider: engine.id, config: { env: { ...engine.env(fake.url), PATH: '/nonexistent' }, routes: {}, pivots: [], retry: { attempts: 1 } } });
      const analysis = analyse(article, { terms, from: 'fr', format: 'text' });
      return translateTarget(analysis, to, { translator, skipSameLanguage: false });
    };
    beforeAll(async () => {
      fake = await engine.start();
    });
    afterAll(() => fake.close());

    for (const to of engine.native) {
      it(`fr→${to}: every term comes from the engine's glossary, and no term is probed`, async () => {
        fake.ignoreGlossary = false;
        fake.reset();
        const result = await translate(to);
        const c = compliance(result, to);
        expect(c.missing).toEqual([]);
        expect(c.found).toBe(c.expected);
        const record = manifestTerms(result);
        expect(record).toMatchObject({ method: 'native', native: c.expected, substituted: 0, masked: 0, probedChars: 0 });
        expect(Object.values(record.byTerm).every((m) => Object.keys(m).join() === 'native')).toBe(true);
        expect(Object.keys(record.byTerm).sort()).toEqual(['DeepSeek', 'formation', 'open source', 'processeur graphique']);
        expect(result.segments.flatMap((s) => s.qa).filter((f) => f.check === 'glossary')).toEqual([]);
      });

      it(`fr→${to}: an engine that ignores the glossary still gives 100 % compliance, by substitution, and says so per term`, async () => {
        fake.ignoreGlossary = true;
        fake.reset();
        try {
          const result = await translate(to);
          const c = compliance(result, to);
          expect(c.missing).toEqual([]);
          const record = manifestTerms(result);
          // The engine was given its glossary (method), but none of the terms came from it.
          expect(record.method).toBe('native');
          expect(record.native).toBe(0);
          expect(record.substituted + record.masked).toBe(c.expected);
          for (const [name, methods] of Object.entries(record.byTerm)) expect(Object.keys(methods), name).not.toContain('native');
          // Terms the output missed were probed (translated alone) to find the engine's own rendering.
          expect(record.probedChars).toBeGreaterThan(0);
        } finally {
          fake.ignoreGlossary = false;
        }
      });
    }

    if (engine.fallback) {
      const to = engine.fallback;
      it(`fr→${to}: the glossary feature does not serve the pair, so terms are substituted and the manifest says so`, async () => {
        fake.reset();
        const result = await translate(to);
        const c = compliance(result, to);
        expect(c.missing).toEqual([]);
        const record = manifestTerms(result);
        expect(record.method).toBe('substitute');
        expect(record.native).toBe(0);
        expect(record.substituted + record.masked).toBe(c.expected);
        expect(result.notices?.map((n) => n.code)).toContain(engine.id === 'azure' ? 'note-dictionary-unused' : 'note-glossary-unused');
      });
    }
  });
}
