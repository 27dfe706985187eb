import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLibreTranslate, libreCode } from '../../../providers/libretranslate/index.js';
import { expectedFake, type FakeServer } from '../../fakes/common.js';
import { LIBRE_FAKE_KEY, startLibreFake } from '../../fakes/libretranslate.js';
import { runConformance } from '../conformance.js';
import { catchProviderError, faultsFor, routed } from './helpers.js';

runConformance(
  'libretranslate (fake)',
  async () => {
    const fake = await startLibreFake({ apiKey: LIBRE_FAKE_KEY, charLimit: 5000 });
    return { provider: createLibreTranslate({ baseURL: fake.url, apiKey: LIBRE_FAKE_KEY, env: {} }), close: fake.close, requests: () => fake.requests.length,
      // LibreTranslate has no quota answer: that check is skipped.
      faults: faultsFor(fake, {
        'rate-limit': { status: 429, headers: { 'retry-after': '3' }, body: { error: 'Too many request limits violations' } },
        auth: { status: 403, body: { error: 'Invalid API key' } },
      }),
    };
  },
  { from: 'fr', to: 'es' },
);

describe('libretranslate adapter', () => {
  let fake: FakeServer;
  const make = (env: NodeJS.ProcessEnv = {}) => createLibreTranslate({ baseURL: fake.url, apiKey: LIBRE_FAKE_KEY, env });
  const translations = () => fake.calls('/translate');
  beforeAll(async () => {
    fake = await startLibreFake({ apiKey: LIBRE_FAKE_KEY, charLimit: 1000, batchLimit: 40 });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.reset());

  it('is configured by LIBRETRANSLATE_URL and reads its limits from the environment', () => {
    expect(createLibreTranslate({ env: {} }).configured).toBe(false);
    const p = createLibreTranslate({ env: { LIBRETRANSLATE_URL: 'http://lt', LIBRETRANSLATE_MAX_CHARS: '1200', LIBRETRANSLATE_MAX_TEXTS: '7' } });
    expect(p.configured).toBe(true);
    expect(p.limits).toMatchObject({ maxChars: 1200, maxTexts: 7 });
    expect(createLibreTranslate({ env: { LIBRETRANSLATE_URL: 'http://lt', LIBRETRANSLATE_MAX_CHARS: 'lots' } }).limits.maxChars).toBe(5000);
  });

  it('sends q as an array with format html and api_key, and repairs expanded empty tags', async () => {
    const segs = [
      { id: 'a', text: 'Le <g id="1">modèle</g> <x id="2"/> &lt;3.' },
      { id: 'b', text: 'Fin.' },
    ];
    const res = await make().translate({ segments: segs, from: 'fr', to: 'es' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'es')));
    expect(translations()[0]!.body).toEqual({ q: segs.map((s) => s.text), source: 'fr', target: 'es', format: 'html', api_key: LIBRE_FAKE_KEY });
  });

  it('uses the server codes for variants it lists', async () => {
    await make().translate({ segments: [{ id: 'a', text: 'Oi' }], from: 'fr', to: 'pt-BR' });
    expect((translations()[0]!.body as { target: string }).target).toBe('pb');
    expect(libreCode('zh-Hans', ['zh'])).toBe('zh');
    expect(libreCode('zh-Hans', ['zh-Hans', 'zh'])).toBe('zh-Hans');
    expect(libreCode('fr-CA', ['fr'])).toBe('fr');
  });

  it('keeps each request under the operator limits from LIBRETRANSLATE_MAX_CHARS', async () => {
    const segs = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, text: `${i}`.padEnd(100, '.') }));
    const res = await routed(make({ LIBRETRANSLATE_MAX_CHARS: '1000' }))({ segments: segs, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'en')));
    expect(translations().map((r) => (r.body as { q: string[] }).q.length)).toEqual([10, 10, 10]);
    expect(res.billedChars).toBe(3000);
  });

  it('splits and retries when the server limit is lower than configured', async () => {
    const segs = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, text: `${i}`.padEnd(150, '-') }));
    const res = await routed(make({ LIBRETRANSLATE_MAX_CHARS: '5000' }))({ segments: segs, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'en')));
    const calls = translations();
    expect(calls[0]!.body).toMatchObject({ q: expect.any(Array) });
    expect((calls[0]!.body as { q: string[] }).q).toHaveLength(12);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('maps {error} answers', async () => {
    const one = { segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' };
    fake.script({ status: 429, body: { error: 'Too many request limits violations' }, headers: { 'retry-after': '3' } }, { path: '/translate' });
    expect(await catchProviderError(make().translate(one))).toMatchObject({ reason: 'rate-limit', retryable: true, retryAfterMs: 3000, status: 429 });
    const wrongKey = await catchProviderError(createLibreTranslate({ baseURL: fake.url, apiKey: 'not-the-key-777', env: {} }).translate(one));
    expect(wrongKey).toMatchObject({ reason: 'auth', retryable: false, status: 403 });
    expect(wrongKey.message).toContain('Invalid API key');
    expect(wrongKey.message).not.toContain('not-the-key-777');
    expect((await catchProviderError(make().translate({ ...one, to: 'xx' }))).reason).toBe('unsupported-pair');
    fake.script({ status: 500, body: { error: 'Cannot translate text' } }, { path: '/translate' });
    expect((await catchProviderError(make().translate(one))).reason).toBe('unavailable');
    fake.script({ status: 200, body: { translatedText: 'one string, not a list' } }, { path: '/translate' });
    expect((await catchProviderError(make().translate(one))).reason).toBe('bad-response');
  });

  it('lists pairs and checks the key in health', async () => {
    expect(await make().pairs()).toContainEqual({ from: 'fr', to: 'pt-BR' });
    expect((await make().health()).ok).toBe(true);
    const bad = await createLibreTranslate({ baseURL: fake.url, env: {} }).health();
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/API key/);
  });
});

describe.skipIf(!process.env.LIBRETRANSLATE_URL)('libretranslate live (needs LIBRETRANSLATE_URL)', () => {
  it('translates a tagged sentence', async () => {
    const res = await createLibreTranslate().translate({ segments: [{ id: 'a', text: 'La société <g id="1">DeepSeek</g> a publié un modèle.' }], from: 'fr', to: 'en' });
    expect(res.texts[0]).toContain('<g id="1">');
  });
});
