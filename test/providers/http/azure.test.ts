import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyDynamicDictionary, azureLang, createAzure } from '../../../providers/azure/index.js';
import type { FakeServer } from '../../fakes/common.js';
import { expectedFake } from '../../fakes/common.js';
import { AZURE_FAKE_KEY, azureError, startAzureFake } from '../../fakes/azure.js';
import { expectNotices, runConformance } from '../conformance.js';
import { catchProviderError, faultsFor, routed, term } from './helpers.js';

runConformance(
  'azure (fake)',
  async () => {
    const fake = await startAzureFake({ region: 'westeurope' });
    return { provider: createAzure({ apiKey: AZURE_FAKE_KEY, region: 'westeurope', baseURL: fake.url, env: {} }), close: fake.close, requests: () => fake.requests.length,
      faults: faultsFor(fake, {
        'rate-limit': { status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 429001, message: 'The server rejected the request because the client has exceeded request limits.' } } },
        quota: { status: 403, body: { error: { code: 403001, message: 'The operation is not allowed because the subscription has exceeded its free quota.' } } },
        auth: { status: 401, body: { error: { code: 401000, message: 'The request is not authorized because credentials are missing or invalid.' } } },
      }),
    };
  },
  { from: 'fr', to: 'vi' },
);

describe('azure adapter', () => {
  const translations = () => fake.requests.filter((r) => r.path === '/translate');
  let fake: FakeServer;
  const make = () => createAzure({ apiKey: AZURE_FAKE_KEY, region: 'westeurope', baseURL: fake.url, env: {} });
  beforeAll(async () => {
    fake = await startAzureFake({ region: 'westeurope' });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.reset());

  it('reads key, region and endpoint from the environment', async () => {
    expect(createAzure({ env: {} }).configured).toBe(false);
    const p = createAzure({ env: { AZURE_TRANSLATOR_KEY: AZURE_FAKE_KEY, AZURE_TRANSLATOR_REGION: 'westeurope', AZURE_TRANSLATOR_ENDPOINT: fake.url } });
    expect(p.configured).toBe(true);
    await p.translate({ segments: [{ id: 'a', text: 'Salut' }], from: 'fr', to: 'en' });
    expect(fake.requests[0]!.headers['ocp-apim-subscription-region']).toBe('westeurope');
    expect(azureLang('pt-BR')).toBe('pt');
    expect(azureLang('pt-PT')).toBe('pt-pt');
    expect(azureLang('zh-Hant')).toBe('zh-Hant');
  });

  it('sends the documented request and returns texts in order', async () => {
    const segs = [
      { id: 'a', text: 'La <g id="1">puce</g> &amp; <x id="2"/>.' },
      { id: 'b', text: "L'avenir." },
    ];
    const res = await make().translate({ segments: segs, from: 'fr', to: 'zh-Hans' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'zh-Hans')));
    const [req] = fake.requests;
    expect(req!.path).toBe('/translate');
    expect(Object.fromEntries(req!.query)).toEqual({ 'api-version': '3.0', from: 'fr', to: 'zh-Hans', textType: 'html' });
    expect(req!.headers['ocp-apim-subscription-key']).toBe(AZURE_FAKE_KEY);
    expect(req!.body).toEqual(segs.map((s) => ({ Text: s.text })));
  });

  it('behind the router, batches stop at 1000 elements and at 50 000 characters', async () => {
    const many = Array.from({ length: 2100 }, (_, i) => ({ id: `s${i}`, text: `n${i}` }));
    const res = await routed(make())({ segments: many, from: 'fr', to: 'en' });
    expect(res.texts).toHaveLength(2100);
    expect(res.texts[2099]).toBe(expectedFake('n2099', 'en'));
    expect(translations().map((r) => (r.body as unknown[]).length)).toEqual([1000, 1000, 100]);

    fake.requests.length = 0;
    const long = Array.from({ length: 5 }, (_, i) => ({ id: `l${i}`, text: `${i}`.padEnd(20_000, 'a') }));
    await routed(make())({ segments: long, from: 'fr', to: 'en' });
    const sizes = translations().map((r) => (r.body as { Text: string }[]).reduce((n, e) => n + e.Text.length, 0));
    expect(sizes.every((n) => n <= 50_000)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100_000);
  });

  it('wraps forced terms in dynamic dictionary markup, outside tags only', async () => {
    const gpu = term({ id: 't1', term: 'processeur graphique', kind: 'translate', translations: { en: 'GPU' } });
    const keep = term({ id: 't2', term: 'DeepSeek', kind: 'keep', caseSensitive: true });
    const segs = [{ id: 'a', text: 'Le Processeur graphique de <g id="1">DeepSeek</g> et deepseek.' }];
    const res = await make().translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu, keep] });
    const sent = (fake.requests[0]!.body as { Text: string }[])[0]!.Text;
    expect(sent).toBe(
      'Le <mstrans:dictionary translation="GPU">Processeur graphique</mstrans:dictionary> de <g id="1"><mstrans:dictionary translation="DeepSeek">DeepSeek</mstrans:dictionary></g> et deepseek.',
    );
    expect(res.texts[0]).toBe('[en] LE GPU DE <g id="1">DeepSeek</g> ET DEEPSEEK.');
    expect(res.billedChars).toBe(sent.length);
  });

  it('leaves the markup out for pairs without English, with a warning', async () => {
    const gpu = term({ id: 't1', term: 'processeur graphique', kind: 'translate', translations: { vi: 'GPU' } });
    const segs = [{ id: 'a', text: 'Le processeur graphique.' }];
    const res = await make().translate({ segments: segs, from: 'fr', to: 'vi', terms: [gpu] });
    expect((fake.requests[0]!.body as { Text: string }[])[0]!.Text).toBe(segs[0]!.text);
    expect((res.warnings ?? []).join(' ')).toMatch(/dynamic dictionary not used for fr→vi/);
    expect(expectNotices(res)).toMatchObject([{ code: 'note-dictionary-unused', params: { provider: 'azure', from: 'fr', to: 'vi' } }]);
  });

  it('never puts markup inside a tag or around a partial word', () => {
    const t = term({ id: 't1', term: 'id', kind: 'translate', translations: { en: 'ID' } });
    expect(applyDynamicDictionary('<g id="1">idée</g> <x id="2"/>', [t], 'en').text).toBe('<g id="1">idée</g> <x id="2"/>');
    const amp = term({ id: 't2', term: 'R&D', kind: 'translate', translations: { en: 'R&D "lab"' } });
    expect(applyDynamicDictionary('La R&amp;D avance.', [amp], 'en').text).toBe('La <mstrans:dictionary translation="R&amp;D &quot;lab&quot;">R&amp;D</mstrans:dictionary> avance.');
  });

  const cases: [string, ReturnType<typeof azureError>, string, boolean, number | undefined][] = [
    ['429001 with Retry-After', azureError(429, 429001, 'The server rejected the request because the client has exceeded request limits.', { 'retry-after': '12' }), 'rate-limit', true, 12_000],
    ['429002', azureError(429, 429002, 'The server rejected the request because the client has exceeded request limits.'), 'rate-limit', true, undefined],
    ['403001 free quota', azureError(403, 403001, 'The operation is not allowed because the subscription has exceeded its free quota.'), 'quota', false, undefined],
    ['401000', azureError(401, 401000, 'The request is not authorized because credentials are missing or invalid.'), 'auth', false, undefined],
    ['400036', azureError(400, 400036, 'The target language ("To" field) is missing or invalid.'), 'unsupported-pair', false, undefined],
    ['503000', azureError(503, 503000, 'Service is temporarily unavailable.'), 'unavailable', true, undefined],
    ['500000', azureError(500, 500000, 'An unexpected error occurred.'), 'unavailable', true, undefined],
  ];
  it.each(cases)('maps %s', async (_n, answer, reason, retryable, retryAfterMs) => {
    fake.script(answer, { path: '/translate' });
    const e = await catchProviderError(make().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }));
    expect(e).toMatchObject({ provider: 'azure', reason, retryable, retryAfterMs, status: answer.status });
    expect(e.message).toContain(String((answer.body as { error: { code: number } }).error.code));
    expect(e.message).not.toContain(AZURE_FAKE_KEY);
  });

  it('halves a batch the service rejects as too large', async () => {
    fake.script(azureError(400, 400077, 'The maximum request size has been exceeded.'), { path: '/translate' });
    const segs = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, text: `t${i}` }));
    const res = await routed(make())({ segments: segs, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'en')));
    expect(translations().map((r) => (r.body as unknown[]).length)).toEqual([4, 2, 2]);
  });

  it('a wrong region is an auth failure; health says so', async () => {
    const p = createAzure({ apiKey: AZURE_FAKE_KEY, region: 'eastus', baseURL: fake.url, env: {} });
    expect((await catchProviderError(p.translate({ segments: [{ id: 'a', text: 'x' }], from: 'fr', to: 'en' }))).reason).toBe('auth');
    expect((await p.health()).ok).toBe(false);
    expect((await make().health()).ok).toBe(true);
    const pairs = await make().pairs();
    expect(pairs).toContainEqual({ from: 'fr', to: 'pt-PT' });
    expect(pairs).toContainEqual({ from: 'fr', to: 'zh' });
    expect(pairs).not.toContainEqual({ from: 'zh-Hans', to: 'zh' });
  });
});

describe.skipIf(!process.env.AZURE_TRANSLATOR_KEY)('azure live (needs AZURE_TRANSLATOR_KEY)', () => {
  it('translates a tagged sentence', async () => {
    const res = await createAzure().translate({ segments: [{ id: 'a', text: 'La société <g id="1">DeepSeek</g> a publié un modèle.' }], from: 'fr', to: 'en' });
    expect(res.texts[0]).toMatch(/<g id="1">DeepSeek<\/g>/);
  });
});
