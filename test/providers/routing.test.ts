import { describe, expect, it } from 'vitest';
import { InputError, ProviderError } from '../../pipeline/errors.js';
import { createTranslator, openTranslator, type ProvidersConfig } from '../../providers/index.js';
import { expectNotices } from './conformance.js';
import { badRequest, EMPTY_ENV, fakeProvider, quota, rateLimited } from './fake.js';

const noSleep = { sleep: async () => {}, random: () => 0.5 };

function config(routes: Record<string, string[]> = {}, pivots = ['en', 'es', 'fr']): ProvidersConfig {
  return { env: EMPTY_ENV, routes, pivots, retry: noSleep };
}

const seg = (text: string, id = 'p1.s1') => ({ id, text });

describe('route planning', () => {
  it('follows the default order of configured real providers', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    const t = await openTranslator({ config: config(), providers: [apertium, deepl] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['deepl:fr>en', 'apertium:fr>en']);
    expect(t.plan('fr', 'en')?.pseudo).toBe(false);
  });

  it('skips providers that are not configured', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']], { configured: false });
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['apertium:fr>en']);
    expect(t.providerIds()).not.toContain('deepl');
  });

  it('uses the configured chain for a pair, most specific pattern first', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en'], ['fr', 'vi']]);
    const google = fakeProvider('google', [['fr', 'en'], ['fr', 'vi']]);
    const t = await openTranslator({ config: config({ 'fr-en': ['google', 'deepl'], '*-vi': ['deepl'] }), providers: [deepl, google] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['google:fr>en', 'deepl:fr>en']);
    expect(t.routes('fr', 'vi').map((r) => r.id)).toEqual(['deepl:fr>vi']);
  });

  it('pivots through a third language when no provider serves the pair', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es'], ['es', 'fr'], ['es', 'en'], ['en', 'es'], ['fr', 'ca'], ['ca', 'en']]);
    const t = await openTranslator({ config: config(), providers: [apertium] });
    const plan = t.plan('fr', 'en')!;
    // es is preferred over ca by the pivot preference list (en, es, fr).
    expect(plan).toEqual({ id: 'apertium:fr>es>en', label: 'apertium:fr→es → apertium:es→en', providers: ['apertium'], pseudo: false });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(res.texts).toEqual(['apertium[es>en](apertium[fr>es](Bonjour))']);
    expect(apertium.calls.map((c) => `${c.from}>${c.to}`)).toEqual(['fr>es', 'es>en']);
  });

  it('prefers a pivot that one provider can do alone', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'de'], ['de', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'es'], ['es', 'en']]);
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['deepl:fr>de>en', 'apertium:fr>es>en']);
  });

  it('combines providers in a pivot when neither can do the pair alone', async () => {
    const deepl = fakeProvider('deepl', [['es', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['apertium:fr>es|deepl:es>en']);
    expect(t.plan('fr', 'en')!.providers).toEqual(['apertium', 'deepl']);
  });

  it('matches regional tags to a provider serving the plain language', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const t = await openTranslator({ config: config(), providers: [deepl] });
    expect(t.plan('fr', 'en-GB')?.id).toBe('deepl:fr>en-GB');
    expect(t.plan('fr', 'pt-BR')).toBeUndefined();
  });

  it('rejects an unknown provider id with the list of available ids', () => {
    expect(() => createTranslator({ config: config(), provider: 'deeepl' })).toThrowError(InputError);
    try {
      createTranslator({ config: config(), provider: 'deeepl' });
    } catch (err) {
      expect((err as InputError).code).toBe('unknown-provider');
      expect((err as Error).message).toMatch(/available: .*deepl.*apertium.*pseudo/);
    }
  });

  it('accepts a model after the colon for openai, and nowhere else', async () => {
    const t = await openTranslator({ config: { ...config(), env: { ...EMPTY_ENV, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } }, provider: 'OpenAI:qwen2.5:7b' });
    expect(t.providerIds()).toContain('openai:qwen2.5:7b');
    expect(t.plan('fr', 'en')).toMatchObject({ id: 'openai:qwen2.5:7b:fr>en', providers: ['openai:qwen2.5:7b'] });
    expect(() => createTranslator({ config: config(), provider: 'pseudo:big' })).toThrowError(/does not take a model/);
    expect(() => createTranslator({ config: config(), provider: 'openai:' })).toThrowError(/model after ":" is empty/);
  });

  it('rejects an unknown provider in a configured route', () => {
    expect(() => createTranslator({ config: config({ 'fr-en': ['deepl', 'bing'] }) })).toThrowError(/routes "fr-en": unknown provider "bing"/);
  });

  it('rejects a forced provider that is not configured, naming what it needs', () => {
    expect(() => createTranslator({ config: config(), provider: 'deepl' })).toThrowError(/deepl is not configured: it needs DEEPL_AUTH_KEY/);
  });

  it('forces the requested provider first and falls back only along a configured chain', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    const forcedOnly = await openTranslator({ config: config(), providers: [deepl, apertium], provider: 'apertium' });
    expect(forcedOnly.routes('fr', 'en').map((r) => r.id)).toEqual(['apertium:fr>en']);
    const withChain = await openTranslator({ config: config({ 'fr-en': ['deepl', 'apertium'] }), providers: [deepl, apertium], provider: 'apertium' });
    expect(withChain.routes('fr', 'en').map((r) => r.id)).toEqual(['apertium:fr>en', 'deepl:fr>en']);
  });
});

describe('engines that cannot list their pairs', () => {
  it('is an outage (retryable provider error), not a user mistake, and the listing is retried', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    const original = apertium.pairs.bind(apertium);
    let listings = 0;
    apertium.pairs = async () => {
      if (++listings === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:2737');
      return original();
    };
    const t = await openTranslator({ config: config(), providers: [apertium], provider: 'apertium' });
    expect(t.plan('fr', 'es')).toBeUndefined();
    // The second listing (done by translate) succeeds: the server had just started.
    const res = await t.translate({ from: 'fr', to: 'es', terms: [], segments: [seg('Bonjour')] });
    expect(res.plan.id).toBe('apertium:fr>es');
    expect(listings).toBe(2);
  });

  it('reports the listing failure when it persists', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    apertium.pairs = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:2737');
    };
    const t = await openTranslator({ config: config(), providers: [apertium], provider: 'apertium' });
    const err = await t.translate({ from: 'fr', to: 'es', terms: [], segments: [seg('Bonjour')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ reason: 'unavailable', retryable: true });
    expect((err as Error).message).toMatch(/cannot list its language pairs.*ECONNREFUSED/);
  });
});

describe('pseudo is never chosen silently', () => {
  it('has no route, and translate fails with a clear InputError, when no real provider serves the pair', async () => {
    const t = await openTranslator({ config: config() });
    expect(t.plan('fr', 'vi')).toBeUndefined();
    const err = await t.translate({ from: 'fr', to: 'vi', terms: [], segments: [seg('Bonjour')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('no-route');
    expect((err as InputError).status).toBe(422);
  });

  it('uses pseudo with allowPseudo only where no real route exists, and says so in the plan', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    const t = await openTranslator({ config: config(), providers: [apertium], allowPseudo: true });
    expect(t.plan('fr', 'es')).toMatchObject({ id: 'apertium:fr>es', pseudo: false });
    expect(t.plan('fr', 'vi')).toMatchObject({ id: 'pseudo:fr>vi', pseudo: true });
    const res = await t.translate({ from: 'fr', to: 'vi', terms: [], segments: [seg('Bonjour')] });
    expect(res.plan.pseudo).toBe(true);
    expect(res.texts[0]).toMatch(/^\[Ɓóñĵóûŕ ·+\]$/);
  });

  it('never puts pseudo in place of a provider the caller chose, even with allowPseudo', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    const t = await openTranslator({ config: config(), providers: [apertium], provider: 'apertium', allowPseudo: true });
    expect(t.plan('fr', 'vi')).toBeUndefined();
    const err = await t.translate({ from: 'fr', to: 'vi', terms: [], segments: [seg('Bonjour')] }).catch((e: unknown) => e);
    expect((err as InputError).code).toBe('no-route');
    expect((err as InputError).message).toMatch(/provider apertium/);
  });

  it('uses pseudo when forced', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    const t = await openTranslator({ config: config(), providers: [apertium], provider: 'pseudo' });
    expect(t.routes('fr', 'es').map((r) => r.id)).toEqual(['pseudo:fr>es']);
  });
});

describe('fallback', () => {
  it('falls back to the next provider when the first answers 456 (quota)', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(quota('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(res.plan.id).toBe('apertium:fr>en');
    expect(res.texts).toEqual(['apertium[fr>en](Bonjour)']);
    expect(deepl.calls).toHaveLength(1); // quota is not retried
    expect(expectNotices(res)).toEqual([
      {
        code: 'note-fallback',
        message: 'deepl:fr→en failed (deepl: Quota exceeded); falling back to apertium:fr→en',
        params: { route: 'deepl:fr→en', detail: 'deepl: Quota exceeded', next: 'apertium:fr→en' },
      },
    ]);
    expect(t.usage()).toMatchObject({ deepl: { calls: 1 }, apertium: { calls: 1, billedChars: 7 } });
  });

  it('names each route it left, in order, and keeps the notices of the route that answered after them', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const google = fakeProvider('google', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(quota('deepl'));
    google.failures.push(new ProviderError('google', 'unavailable', 'HTTP 503', { status: 503 }));
    const inner = apertium.translate;
    apertium.translate = async (req) => ({
      ...(await inner(req)),
      warnings: ['apertium: glossary not used: no such pair'],
      notices: [{ code: 'note-glossary-unused', message: 'apertium: glossary not used: no such pair', params: { provider: 'apertium', detail: 'no such pair' } }],
    });
    const t = await openTranslator({ config: { ...config({ 'fr-en': ['deepl', 'google', 'apertium'] }), retry: { ...noSleep, attempts: 1 } }, providers: [deepl, google, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    const notices = expectNotices(res);
    expect(notices.map((n) => n.code)).toEqual(['note-fallback', 'note-fallback', 'note-glossary-unused']);
    expect(notices.map((n) => n.params)).toEqual([
      { route: 'deepl:fr→en', detail: 'deepl: Quota exceeded', next: 'google:fr→en' },
      { route: 'google:fr→en', detail: 'google: HTTP 503', next: 'apertium:fr→en' },
      { provider: 'apertium', detail: 'no such pair' },
    ]);
  });

  it('still serves a provider that gives English warnings only (contract version 1): each becomes note-other', async () => {
    const legacy = fakeProvider('legacy', [['fr', 'en']]);
    const inner = legacy.translate;
    legacy.translate = async (req) => ({ ...(await inner(req)), warnings: ['legacy: model is warming up'] });
    const t = await openTranslator({ config: config({ 'fr-en': ['legacy'] }), providers: [legacy] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(res.texts).toEqual(['legacy[fr>en](Bonjour)']);
    expect(res.warnings).toEqual(['legacy: model is warming up']);
    expect(expectNotices(res)).toEqual([{ code: 'note-other', message: 'legacy: model is warming up', params: { detail: 'legacy: model is warming up' } }]);
  });

  it('sends later requests straight to the fallback once a provider reported quota', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(quota('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    const second = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Salut')] });
    expect(second.plan.id).toBe('apertium:fr>en');
    expect(second.warnings).toEqual([]);
    expect(deepl.calls).toHaveLength(1);
    // plan() still names the configured first choice: the preference is per translator and temporary.
    expect(t.plan('fr', 'en')?.id).toBe('deepl:fr>en');
  });

  it('stops the other batches of a leg once one has failed for good', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']], { limits: { maxTexts: 1, concurrency: 1 } });
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(quota('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: ['a', 'b', 'c', 'd'].map((x, i) => seg(x, String(i))) });
    expect(res.plan.id).toBe('apertium:fr>en');
    expect(deepl.calls).toHaveLength(1);
    expect(apertium.calls.flatMap((c) => c.texts)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('falls back after retries of a retryable error are exhausted', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    for (let i = 0; i < 4; i++) deepl.failures.push(rateLimited('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(deepl.calls).toHaveLength(4);
    expect(res.plan.id).toBe('apertium:fr>en');
  });

  it('recovers on the same provider when a retry succeeds', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(rateLimited('deepl', 10));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(res.plan.id).toBe('deepl:fr>en');
    expect(apertium.calls).toHaveLength(0);
  });

  it('reuses a pivot\'s first leg when only its second leg fails', async () => {
    const apertium = fakeProvider('apertium', [['fr', 'es']]);
    const deepl = fakeProvider('deepl', [['es', 'en']]);
    const google = fakeProvider('google', [['es', 'en']]);
    deepl.failures.push(quota('deepl'));
    const t = await openTranslator({ config: config({ 'fr-en': ['deepl', 'google', 'apertium'] }), providers: [apertium, deepl, google] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['apertium:fr>es|deepl:es>en', 'apertium:fr>es|google:es>en']);
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(res.texts).toEqual(['google[es>en](apertium[fr>es](Bonjour))']);
    expect(apertium.calls).toHaveLength(1);
  });

  it('does not fall back on a bad request, which another engine would not fix', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(badRequest('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    await expect(t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] })).rejects.toMatchObject({ reason: 'bad-request' });
    expect(apertium.calls).toHaveLength(0);
  });

  it('rethrows the last provider error when every route fails, retryable so a queue can back off', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    for (let i = 0; i < 4; i++) deepl.failures.push(rateLimited('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl] });
    const err = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(true);
  });

  it('with no fallback configured, a quota error reaches the caller', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    deepl.failures.push(quota('deepl'));
    const t = await openTranslator({ config: config(), providers: [deepl] });
    await expect(t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] })).rejects.toMatchObject({ reason: 'quota', code: 'provider-quota' });
  });
});

describe('batching and output', () => {
  it('splits a request within maxTexts and keeps the order', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']], { limits: { maxTexts: 2 } });
    const t = await openTranslator({ config: config(), providers: [deepl] });
    const segments = ['a', 'b', 'c', 'd', 'e'].map((s, i) => seg(s, `p1.s${i + 1}`));
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments });
    expect(deepl.calls.map((c) => c.texts)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(res.texts).toEqual(['a', 'b', 'c', 'd', 'e'].map((s) => `deepl[fr>en](${s})`));
    expect(res.billedChars).toBe(5);
  });

  it('halves a batch the engine refuses as too-large, down to single segments, keeping order', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const tooLarge = () => new ProviderError('deepl', 'too-large', 'Request Entity Too Large', { status: 413 });
    deepl.failures.push(tooLarge(), tooLarge());
    const t = await openTranslator({ config: config(), providers: [deepl] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: ['a', 'b', 'c', 'd'].map((x, i) => seg(x, `s${i}`)) });
    expect(deepl.calls.map((c) => c.texts.length)).toEqual([4, 2, 2, 1, 1]);
    expect(res.texts).toEqual(['a', 'b', 'c', 'd'].map((x) => `deepl[fr>en](${x})`));
  });

  it('gives up on a single segment that is still too large, and falls back with the failing ref on the error', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    deepl.failures.push(new ProviderError('deepl', 'too-large', 'too big', { status: 413 }));
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('x'.repeat(50))] });
    expect(res.plan.id).toBe('apertium:fr>en');
    const alone = fakeProvider('deepl', [['fr', 'en']]);
    alone.failures.push(new ProviderError('deepl', 'too-large', 'too big', { status: 413 }));
    const only = await openTranslator({ config: config(), providers: [alone] });
    await expect(only.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('x'.repeat(50))] })).rejects.toMatchObject({ reason: 'too-large', ref: 'deepl' });
  });

  it('cuts batches by the provider\'s own measure of its request body', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']], { limits: { maxBodyBytes: 100 } });
    const measured: number[] = [];
    deepl.measure = (segments) => {
      measured.push(segments.length);
      return 40 * segments.length;
    };
    const t = await openTranslator({ config: config(), providers: [deepl] });
    await t.translate({ from: 'fr', to: 'en', terms: [], segments: ['a', 'b', 'c', 'd', 'e'].map((x, i) => seg(x, `s${i}`)) });
    expect(deepl.calls.map((c) => c.texts)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(measured.length).toBeGreaterThan(0);
  });

  it('trips the route entry named on the error, not one guessed from the provider id', async () => {
    const mini = fakeProvider('openai', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    // A plugin whose id differs from its ref prefix: only the ref the router stamped can name it.
    mini.failures.push(new ProviderError('some-engine', 'quota', 'Quota exceeded', { status: 456 }));
    const t = await openTranslator({ config: config({ 'fr-en': ['openai', 'apertium'] }), providers: [mini, apertium] });
    const first = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Bonjour')] });
    expect(first.plan.id).toBe('apertium:fr>en');
    const second = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('Salut')] });
    expect(second.plan.id).toBe('apertium:fr>en');
    expect(mini.calls).toHaveLength(1);
  });

  it('splits within maxChars', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']], { limits: { maxChars: 10 } });
    const t = await openTranslator({ config: config(), providers: [deepl] });
    await t.translate({ from: 'fr', to: 'en', terms: [], segments: ['aaaa', 'bbbb', 'cccc'].map((s, i) => seg(s, `s${i}`)) });
    expect(deepl.calls.map((c) => c.texts)).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('repairs placeholders that an engine rewrote and sends the repaired text to the next leg', async () => {
    const engine = fakeProvider('apertium', [['fr', 'es'], ['es', 'en']]);
    const original = engine.translate.bind(engine);
    engine.translate = async (req) => {
      const res = await original(req);
      return { ...res, texts: res.texts.map((t) => t.replace(/<x id="(\w+)"\/>/g, '<x id="$1"></x>').replace(/<g id=/g, '<G id=').replace(/<\/g>/g, '</G>')) };
    };
    const t = await openTranslator({ config: config(), providers: [engine] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('a <x id="1"/> <g id="2">b</g>')] });
    expect(engine.calls[1]!.texts[0]).toBe('apertium[fr>es](a <x id="1"/> <g id="2">b</g>)');
    expect(res.texts[0]).toBe('apertium[es>en](apertium[fr>es](a <x id="1"/> <g id="2">b</g>))');
  });

  it('treats a wrong number of translations as a bad response', async () => {
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    deepl.translate = async () => ({ texts: ['only one'], billedChars: 0, warnings: [] });
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    const t = await openTranslator({ config: config(), providers: [deepl, apertium] });
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: [seg('a', '1'), seg('b', '2')] });
    expect(res.plan.id).toBe('apertium:fr>en');
    expect(res.warnings[0]).toMatch(/returned 1 translations for 2 segments/);
    expect(expectNotices(res)[0]).toMatchObject({ code: 'note-fallback', params: { route: 'deepl:fr→en', next: 'apertium:fr→en' } });
  });

  it('passes glossary terms only to legs that start from the source language', async () => {
    const seen: (number | undefined)[] = [];
    const engine = fakeProvider('apertium', [['fr', 'es'], ['es', 'en']]);
    const original = engine.translate.bind(engine);
    engine.translate = (req) => {
      seen.push(req.terms?.length);
      return original(req);
    };
    const t = await openTranslator({ config: config(), providers: [engine] });
    const term = { id: 't1', term: 'GPU', lang: 'fr', kind: 'keep' as const, translations: {}, variants: [], caseSensitive: true, status: 'approved' as const };
    await t.translate({ from: 'fr', to: 'en', terms: [term], segments: [seg('GPU')] });
    expect(seen).toEqual([1, undefined]);
  });
});
