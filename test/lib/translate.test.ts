/** `translate(text, options) → Bundle`, the library entry (`import { translate } from 'locflow'`). */
import { describe, expect, it } from 'vitest';
import { translate } from '../../lib/index.js';
import type { TranslationProvider } from '../../providers/public.js';

describe('translate() as a library', () => {
  it('returns the bundle in memory: manifest, aligned segments, every file, and a zip', async () => {
    const bundle = await translate('Le logiciel libre progresse dans les rédactions. Les journalistes testent de nouveaux outils.', { to: ['en'], from: 'fr', provider: 'pseudo' });
    expect(bundle.aligned.languages).toEqual(['fr', 'en']);
    expect(bundle.aligned.segments.length).toBeGreaterThan(0);
    expect(bundle.aligned.segments.every((s) => typeof s.text.en === 'string')).toBe(true);
    expect(bundle.manifest).toMatchObject({ bundleFormat: 1, files: expect.arrayContaining(['aligned.json']) });
    expect(Object.keys(bundle.files)).toEqual(expect.arrayContaining(['manifest.json', 'aligned.json', 'bundle.tmx', 'xliff/fr-en.xlf']));
    expect(bundle.files['manifest.json']).toBeInstanceOf(Uint8Array);
    const zip = await bundle.toZip();
    expect([...zip.slice(0, 2)]).toEqual([0x50, 0x4b]);
  });

  it('refuses a call without targets as bad input', async () => {
    await expect(translate('Bonjour.', { to: [] })).rejects.toMatchObject({ code: 'missing-targets' });
  });

  it('types its options (checked by npm run lint)', () => {
    // @ts-expect-error `to` is a list of languages, not one string
    const wrong: Parameters<typeof translate>[1] = { to: 'en' };
    const provider: Pick<TranslationProvider, 'contractVersion'> = { contractVersion: 3 };
    expect(wrong && provider).toBeTruthy();
  });
});
