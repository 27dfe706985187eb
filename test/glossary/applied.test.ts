/** Only approved terms reach a translation: the store feeds the real pipeline (analyse + translateTarget). */
import { afterAll, describe, expect, it } from 'vitest';
import { analyse, translateTarget } from '../../pipeline/run.js';
import type { Translator, TranslatorRequest } from '../../pipeline/model.js';
import { redisEnv } from './helpers.js';

const env = redisEnv();
afterAll(() => env.cleanup());

const plan = { id: 'fake:fr>en', label: 'fake:fr→en', providers: ['fake'], pseudo: false };
/** An engine that "translates" the product name, as real MT often does with unknown brands. */
const translator: Translator = {
  plan: () => plan,
  async translate(req: TranslatorRequest) {
    return { texts: req.segments.map((s) => s.text.replace(/Zorblax/g, 'Zorblaks')), plan, billedChars: 0, warnings: [] };
  },
};

async function translateWith(store: ReturnType<typeof env.open>) {
  const { terms, version } = await store.approvedTerms();
  const analysis = analyse('Le modèle Zorblax sort demain. Zorblax est gratuit.', { from: 'fr', terms });
  const result = await translateTarget(analysis, 'en', { translator });
  return { text: result.segments.map((s) => s.plain).join(' '), version: analysis.glossaryVersion, storeVersion: version };
}

describe('approval gates the glossary', () => {
  it('a proposed term has no effect until approved, then it does, under a new version', async () => {
    const store = env.open();
    const t = await store.create({ term: 'Zorblax', lang: 'fr', kind: 'keep' }, { role: 'submitter', name: 'sub' });
    const before = await translateWith(store);
    expect(before.text).toContain('Zorblaks');
    expect(before.text).not.toContain('Zorblax');

    await store.review(t.id, 'approve', { role: 'reviewer', name: 'rev' });
    const after = await translateWith(store);
    expect(after.text).toContain('Zorblax');
    expect(after.text).not.toContain('Zorblaks');
    expect(after.version).not.toBe(before.version);
    // The version the store reports is the one the pipeline computes from the same terms (TM keys and manifests agree).
    expect(after.storeVersion).toBe(after.version);

    await store.review(t.id, 'deprecate', { role: 'reviewer', name: 'rev' });
    expect((await translateWith(store)).text).toContain('Zorblaks');
  });
});
