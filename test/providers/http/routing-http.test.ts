/**
 * The HTTP adapters as the product builds them: from environment variables,
 * through the registry and router, against the fake servers. Checks that the
 * adapters' error classification drives the router's fallbacks and retries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTranslator } from '../../../providers/index.js';
import { expectedFake, type FakeServer } from '../../fakes/common.js';
import { DEEPL_FAKE_KEY, startDeeplFake, type DeeplFake } from '../../fakes/deepl.js';
import { LIBRE_FAKE_KEY, startLibreFake } from '../../fakes/libretranslate.js';

describe('HTTP providers behind the router', () => {
  let deepl: DeeplFake;
  let libre: FakeServer;
  let env: NodeJS.ProcessEnv;
  const segments = [
    { id: 'p1.s1', text: 'Le <g id="1">modèle</g> est ouvert.' },
    { id: 'p1.s2', text: 'Il coûte moins <x id="2"/> cher.' },
  ];
  beforeAll(async () => {
    deepl = await startDeeplFake();
    libre = await startLibreFake({ apiKey: LIBRE_FAKE_KEY });
    env = { DEEPL_AUTH_KEY: DEEPL_FAKE_KEY, DEEPL_BASE_URL: deepl.url, LIBRETRANSLATE_URL: libre.url, LIBRETRANSLATE_API_KEY: LIBRE_FAKE_KEY };
  });
  afterAll(async () => {
    await deepl.close();
    await libre.close();
  });

  it('routes to DeepL first and returns its translations', async () => {
    deepl.reset();
    const t = await openTranslator({ env });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments });
    expect(res.plan.providers).toEqual(['deepl']);
    expect(res.texts).toEqual(segments.map((s) => expectedFake(s.text, 'en')));
    expect(res.billedChars).toBe(segments[0]!.text.length + segments[1]!.text.length);
  });

  it('falls back to LibreTranslate when DeepL answers 456, without retrying DeepL', async () => {
    deepl.reset();
    libre.reset();
    deepl.script({ status: 456, body: { message: 'Quota exceeded. The character limit has been reached.' } }, { path: '/v2/translate' });
    const t = await openTranslator({ env });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments });
    expect(res.plan.providers).toEqual(['libretranslate']);
    expect(res.texts).toEqual(segments.map((s) => expectedFake(s.text, 'en')));
    expect(deepl.calls('/v2/translate')).toHaveLength(1);
    expect(res.warnings.join('\n')).toMatch(/quota/i);
    expect(res.warnings.join('\n')).not.toContain(DEEPL_FAKE_KEY);
  });

  it('waits out a DeepL 429 Retry-After and stays on DeepL', async () => {
    deepl.reset();
    libre.reset();
    deepl.script({ status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '1' } }, { path: '/v2/translate' });
    const t = await openTranslator({ env });
    const started = Date.now();
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.plan.providers).toEqual(['deepl']);
    expect(deepl.calls('/v2/translate')).toHaveLength(2);
    expect(libre.calls('/translate')).toHaveLength(0);
  });

  it('falls back on a rejected key and never shows the key', async () => {
    deepl.reset();
    const wrong = { ...env, DEEPL_AUTH_KEY: 'deepl-wrong-secret-42:fx' };
    const t = await openTranslator({ env: wrong });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments });
    expect(res.plan.providers).toEqual(['libretranslate']);
    expect(res.warnings.join('\n')).toMatch(/auth|Authorization/i);
    expect(res.warnings.join('\n')).not.toContain('deepl-wrong-secret-42');
  });
});
