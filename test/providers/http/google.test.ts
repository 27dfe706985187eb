import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGoogle, googleLang } from '../../../providers/google/index.js';
import { expectedFake } from '../../fakes/common.js';
import { GOOGLE_FAKE_KEY, GOOGLE_FAKE_PROJECT, GOOGLE_FAKE_TOKEN, googleError, startGoogleFake, type GoogleFake } from '../../fakes/google.js';
import { runConformance } from '../conformance.js';
import { catchProviderError, faultsFor, routed, term } from './helpers.js';

runConformance(
  'google v2 (fake)',
  async () => {
    const fake = await startGoogleFake();
    return { provider: createGoogle({ apiKey: GOOGLE_FAKE_KEY, baseURL: fake.url, env: {} }), close: fake.close, requests: () => fake.requests.length,
      faults: faultsFor(fake, {
        'rate-limit': { status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Rate Limit Exceeded', errors: [{ reason: 'rateLimitExceeded' }] } } },
        quota: { status: 403, body: { error: { code: 403, message: 'Daily Limit Exceeded', errors: [{ reason: 'dailyLimitExceeded' }] } } },
        auth: { status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED', message: 'API key not valid.' } } },
      }),
    };
  },
  { from: 'fr', to: 'vi' },
);

runConformance(
  'google v3 (fake)',
  async () => {
    const fake = await startGoogleFake();
    return {
      provider: createGoogle({ projectId: GOOGLE_FAKE_PROJECT, accessToken: GOOGLE_FAKE_TOKEN, baseURL: fake.url, env: {} }),
      close: fake.close,
      requests: () => fake.requests.length,
    };
  },
  { from: 'fr', to: 'en' },
);

describe('google adapter', () => {
  let fake: GoogleFake;
  const v2 = () => createGoogle({ apiKey: GOOGLE_FAKE_KEY, baseURL: fake.url, env: {} });
  const v3 = (glossaryId?: string) =>
    createGoogle({ projectId: GOOGLE_FAKE_PROJECT, accessToken: GOOGLE_FAKE_TOKEN, baseURL: fake.url, env: {}, ...(glossaryId ? { glossaryId } : {}) });
  beforeAll(async () => {
    fake = await startGoogleFake();
  });
  afterAll(() => fake.close());
  afterEach(() => fake.reset());

  it('reads its configuration from the environment', () => {
    expect(createGoogle({ env: {} }).configured).toBe(false);
    expect(createGoogle({ env: { GOOGLE_API_KEY: 'k' } }).configured).toBe(true);
    expect(createGoogle({ env: { GOOGLE_PROJECT_ID: 'p' } }).configured).toBe(false);
    const p = createGoogle({ env: { GOOGLE_PROJECT_ID: 'p', GOOGLE_ACCESS_TOKEN: 't' } });
    expect(p.configured).toBe(true);
    expect(p.limits.maxTexts).toBe(1024);
    expect(createGoogle({ env: { GOOGLE_API_KEY: 'k' } }).limits.maxTexts).toBe(128);
    expect(googleLang('zh-Hans')).toBe('zh-CN');
    expect(googleLang('pt-BR')).toBe('pt');
  });

  it('v2: sends q[] with format html and undoes the entities Google adds', async () => {
    const segs = [
      { id: 'a', text: "L'IA de <g id=\"1\">DeepSeek</g> &amp; <x id=\"2\"/>." },
      { id: 'b', text: 'Deuxième phrase.' },
    ];
    const res = await v2().translate({ segments: segs, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'en')));
    expect(res.texts[0]).toContain("L'IA");
    expect(res.texts[0]).toContain('<x id="2"/>');
    const [req] = fake.calls('/language/translate/v2');
    expect(req!.query.get('key')).toBe(GOOGLE_FAKE_KEY);
    expect(req!.body).toEqual({ q: segs.map((s) => s.text), source: 'fr', target: 'en', format: 'html' });
    expect(res.billedChars).toBe(segs[0]!.text.length + segs[1]!.text.length);
  });

  it('v2: behind the router, batches stop at 128 texts per call', async () => {
    const segs = Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, text: `Phrase ${i}` }));
    const res = await routed(v2())({ segments: segs, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'en')));
    expect(fake.calls('/language/translate/v2').map((r) => (r.body as { q: string[] }).q.length)).toEqual([128, 128, 44]);
  });

  it('v3: sends contents with text/html and uses glossaryTranslations when a glossary is configured', async () => {
    fake.glossaries.set('tech', { 'processeur graphique': 'GPU' });
    const segs = [{ id: 'a', text: 'Un processeur graphique <g id="1">rapide</g>.' }];
    const res = await v3('tech').translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
    expect(res.texts[0]).toBe(expectedFake(segs[0]!.text, 'en', { 'processeur graphique': 'GPU' }));
    expect(res.glossaryApplied).toBe(true);
    const [req] = fake.requests;
    expect(req!.path).toBe(`/v3/projects/${GOOGLE_FAKE_PROJECT}/locations/us-central1:translateText`);
    expect(req!.headers.authorization).toBe(`Bearer ${GOOGLE_FAKE_TOKEN}`);
    expect(req!.body).toMatchObject({
      contents: [segs[0]!.text],
      mimeType: 'text/html',
      sourceLanguageCode: 'fr',
      targetLanguageCode: 'en',
      glossaryConfig: { glossary: `projects/${GOOGLE_FAKE_PROJECT}/locations/us-central1/glossaries/tech` },
    });
    expect(v3('tech').glossary).toBe('native');
    expect(v3().glossary).toBe('mask');
  });

  const gpu = term({ id: 't1', term: 'processeur graphique', kind: 'translate', translations: { en: 'GPU' } });

  it('v3: a call without terms (the pipeline asking how a term renders alone) goes without the glossary', async () => {
    fake.glossaries.set('tech', { 'processeur graphique': 'GPU' });
    const res = await v3('tech').translate({ segments: [{ id: 'term1', text: 'processeur graphique' }], from: 'fr', to: 'en' });
    expect(res.texts[0]).toBe(expectedFake('processeur graphique', 'en'));
    expect(fake.requests[0]!.body).not.toHaveProperty('glossaryConfig');
    expect(res.glossaryApplied).toBeUndefined();
  });

  it('v3: a glossary Google refuses is dropped for the pair, the batch sent again without it, and said as note-glossary-unused', async () => {
    fake.glossaries.clear();
    const p = v3('missing');
    const segs = [{ id: 'a', text: 'Un processeur graphique.' }];
    const res = await p.translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
    expect(res.texts[0]).toBe(expectedFake(segs[0]!.text, 'en'));
    expect(res.glossaryApplied).toBe(false);
    expect(res.notices).toMatchObject([{ code: 'note-glossary-unused', params: { provider: 'google' } }]);
    expect(String(res.notices![0]!.params!.detail)).toMatch(/404.*Glossary not found/);
    expect(fake.requests.map((r) => (r.body as { glossaryConfig?: unknown }).glossaryConfig !== undefined)).toEqual([true, false]);
    // Not asked again for the same pair.
    await p.translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
    expect(fake.requests.map((r) => (r.body as { glossaryConfig?: unknown }).glossaryConfig !== undefined)).toEqual([true, false, false]);
  });

  const cases: [string, ReturnType<typeof googleError>, string, boolean][] = [
    ['429 RESOURCE_EXHAUSTED per minute', googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Characters' and limit 'per minute per user'"), 'rate-limit', true],
    ['403 dailyLimitExceeded', googleError(403, 'PERMISSION_DENIED', 'Daily Limit Exceeded', 'dailyLimitExceeded'), 'quota', false],
    ['403 userRateLimitExceeded', googleError(403, 'PERMISSION_DENIED', 'User Rate Limit Exceeded', 'userRateLimitExceeded'), 'rate-limit', true],
    ['403 PERMISSION_DENIED', googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'), 'auth', false],
    ['401 UNAUTHENTICATED', googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'), 'auth', false],
    ['400 INVALID_ARGUMENT', googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'), 'bad-request', false],
    ['503 UNAVAILABLE', googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'), 'unavailable', true],
  ];
  it.each(cases)('maps %s', async (_name, answer, reason, retryable) => {
    fake.script(answer);
    const e = await catchProviderError(v2().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }));
    expect(e).toMatchObject({ provider: 'google', reason, retryable, status: answer.status });
    expect(e.message).not.toContain(GOOGLE_FAKE_KEY);
  });

  it('maps an unsupported target to unsupported-pair and keeps the key out of the message', async () => {
    const e = await catchProviderError(v2().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'xx' }));
    expect(e.reason).toBe('unsupported-pair');
    const bad = await catchProviderError(createGoogle({ apiKey: 'AIzaWrongKey999', baseURL: fake.url, env: {} }).translate({ segments: [{ id: 'a', text: 'x' }], from: 'fr', to: 'en' }));
    expect(bad.message).not.toContain('AIzaWrongKey999');
  });

  it('honours Retry-After on 429 and treats a short answer as bad-response', async () => {
    fake.script({ ...googleError(429, 'RESOURCE_EXHAUSTED', 'Rate limit per minute'), headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() } });
    const e = await catchProviderError(v2().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }));
    expect(e.retryAfterMs).toBeGreaterThan(2000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(5000);
    fake.script({ status: 200, body: { data: { translations: [] } } });
    expect((await catchProviderError(v2().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }))).reason).toBe('bad-response');
  });

  it('lists pairs and checks health on both versions', async () => {
    expect(await v2().pairs()).toContainEqual({ from: 'fr', to: 'zh-Hans' });
    expect(await v3().pairs()).toContainEqual({ from: 'vi', to: 'en' });
    expect((await v3().health()).ok).toBe(true);
    const wrong = createGoogle({ projectId: GOOGLE_FAKE_PROJECT, accessToken: 'expired', baseURL: fake.url, env: {} });
    const h = await wrong.health();
    expect(h.ok).toBe(false);
    expect(h.message).toMatch(/UNAUTHENTICATED/);
  });
});

describe.skipIf(!process.env.GOOGLE_API_KEY)('google live v2 (needs GOOGLE_API_KEY)', () => {
  it('translates a tagged sentence', async () => {
    const res = await createGoogle().translate({ segments: [{ id: 'a', text: 'La société <g id="1">DeepSeek</g> a publié un modèle.' }], from: 'fr', to: 'en' });
    expect(res.texts[0]).toMatch(/<g id="1">DeepSeek<\/g>/);
  });
});
