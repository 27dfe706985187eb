import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../pipeline/errors.js';
import type { Term } from '../../../pipeline/model.js';
import { createDeepl, deeplBaseURL, deeplTarget, DEEPL_FREE_URL, DEEPL_PRO_URL } from '../../../providers/deepl/index.js';
import { expectedFake } from '../../fakes/common.js';
import { DEEPL_FAKE_KEY, startDeeplFake, type DeeplFake } from '../../fakes/deepl.js';
import { expectNotices, runConformance } from '../conformance.js';
import { catchProviderError, faultsFor, routed, term } from './helpers.js';

runConformance(
  'deepl (fake)',
  async () => {
    const fake = await startDeeplFake();
    return { provider: createDeepl({ apiKey: DEEPL_FAKE_KEY, baseURL: fake.url, env: {} }), close: fake.close, requests: () => fake.requests.length,
      faults: faultsFor(fake, {
        'rate-limit': { status: 429, headers: { 'retry-after': '3' }, body: { message: 'Too many requests' } },
        quota: { status: 456, body: { message: 'Quota exceeded' } },
        auth: { status: 403, body: { message: 'Wrong key' } },
      }),
    };
  },
  { from: 'fr', to: 'en-US' },
);

describe('deepl adapter', () => {
  let fake: DeeplFake;
  const make = (opts: Parameters<typeof createDeepl>[0] = {}) => createDeepl({ apiKey: DEEPL_FAKE_KEY, baseURL: fake.url, env: {}, ...opts });
  beforeAll(async () => {
    fake = await startDeeplFake();
  });
  afterAll(() => fake.close());
  afterEach(() => fake.reset());

  it('is unconfigured without DEEPL_AUTH_KEY and picks the host by key type', () => {
    expect(createDeepl({ env: {} }).configured).toBe(false);
    expect(createDeepl({ env: { DEEPL_AUTH_KEY: 'k' } }).configured).toBe(true);
    expect(deeplBaseURL('abc:fx', {})).toBe(DEEPL_FREE_URL);
    expect(deeplBaseURL('abc', {})).toBe(DEEPL_PRO_URL);
    expect(deeplBaseURL('abc:fx', { DEEPL_BASE_URL: 'http://x' })).toBe('http://x');
  });

  it('maps BCP-47 targets to DeepL codes, variants included', () => {
    expect(deeplTarget('en')).toBe('EN-US');
    expect(deeplTarget('en-GB')).toBe('EN-GB');
    expect(deeplTarget('pt-BR')).toBe('PT-BR');
    expect(deeplTarget('pt')).toBe('PT-PT');
    expect(deeplTarget('zh-Hans')).toBe('ZH-HANS');
    expect(deeplTarget('vi')).toBe('VI');
  });

  it('sends the documented request and returns the translations with billed characters', async () => {
    const p = make();
    const segs = [
      { id: 'p1.s1', text: 'Le modèle <g id="1">R1</g> est ouvert.' },
      { id: 'p1.s2', text: 'Voir <x id="t1"/> &amp; co.' },
    ];
    const res = await p.translate({ segments: segs, from: 'fr', to: 'vi' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'vi')));
    expect(res.billedChars).toBe(segs[0]!.text.length + segs[1]!.text.length);
    const [req] = fake.calls('/v2/translate');
    expect(req!.headers.authorization).toBe(`DeepL-Auth-Key ${DEEPL_FAKE_KEY}`);
    expect(req!.query.get('auth_key')).toBeNull();
    expect(req!.body).toMatchObject({ text: segs.map((s) => s.text), source_lang: 'FR', target_lang: 'VI', tag_handling: 'xml', ignore_tags: ['x'], show_billed_characters: true });
  });

  it('sends one request per call; behind the router batches stop at 50 texts and at the 128 KiB body limit, in order', async () => {
    const direct = await make().translate({ segments: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, text: `Phrase ${i}.` })), from: 'fr', to: 'en' });
    expect(direct.texts).toHaveLength(40);
    expect(fake.calls('/v2/translate')).toHaveLength(1);
    fake.requests.length = 0;
    const p = routed(make());
    const many = Array.from({ length: 120 }, (_, i) => ({ id: `s${i}`, text: `Phrase numéro ${i}.` }));
    const res = await p({ segments: many, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(many.map((s) => expectedFake(s.text, 'en')));
    const sizes = fake.calls('/v2/translate').map((r) => (r.body as { text: string[] }).text.length);
    expect(sizes).toEqual([50, 50, 20]);

    fake.requests.length = 0;
    const big = Array.from({ length: 6 }, (_, i) => ({ id: `b${i}`, text: `${i}`.padEnd(30_000, 'é') }));
    const res2 = await p({ segments: big, from: 'fr', to: 'en' });
    expect(res2.texts).toHaveLength(6);
    const calls = fake.calls('/v2/translate');
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) expect(Buffer.byteLength(c.raw)).toBeLessThanOrEqual(128 * 1024);
  });

  it('reads 413 as too-large, which the router halves', async () => {
    fake.script({ status: 413, body: { message: 'Request Entity Too Large' } }, { path: '/v2/translate' });
    expect(await catchProviderError(make().translate({ segments: [{ id: 'a', text: 'x' }], from: 'fr', to: 'en' }))).toMatchObject({ reason: 'too-large', status: 413 });
    fake.requests.length = 0;
    fake.script({ status: 413, body: { message: 'Request Entity Too Large' } }, { path: '/v2/translate' });
    const segs = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, text: `Texte ${i}` }));
    const res = await routed(make())({ segments: segs, from: 'fr', to: 'en' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'en')));
    expect(fake.calls('/v2/translate').map((r) => (r.body as { text: string[] }).text.length)).toEqual([4, 2, 2]);
  });

  const cases: [number, Record<string, string>, string, boolean, number | undefined][] = [
    [403, {}, 'auth', false, undefined],
    [456, {}, 'quota', false, undefined],
    [429, { 'retry-after': '7' }, 'rate-limit', true, 7000],
    [503, {}, 'unavailable', true, undefined],
    [529, {}, 'unavailable', true, undefined],
    [400, {}, 'bad-request', false, undefined],
  ];
  it.each(cases)('maps HTTP %i to a ProviderError', async (status, headers, reason, retryable, retryAfterMs) => {
    const p = make();
    fake.script({ status, headers, body: { message: `scripted ${status}` } }, { path: '/v2/translate' });
    const e = await catchProviderError(p.translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }));
    expect(e).toMatchObject({ provider: 'deepl', reason, retryable, status, retryAfterMs });
    expect(e.message).toContain(`scripted ${status}`);
    expect(e.message).not.toContain(DEEPL_FAKE_KEY);
  });

  it('reads an unsupported target language as unsupported-pair', async () => {
    const e = await catchProviderError(make().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'xx' }));
    expect(e.reason).toBe('unsupported-pair');
  });

  it('treats a wrong key as auth without echoing the key', async () => {
    const p = createDeepl({ apiKey: 'wrong-secret-key', baseURL: fake.url, env: {} });
    const e = await catchProviderError(p.translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }));
    expect(e.reason).toBe('auth');
    expect(JSON.stringify({ m: e.message, d: e.details, c: String(e.cause) })).not.toContain('wrong-secret-key');
  });

  it('reports malformed JSON as a retryable bad-response', async () => {
    fake.script({ status: 200, rawBody: '{"translations": [' }, { path: '/v2/translate' });
    const e = await catchProviderError(make().translate({ segments: [{ id: 'a', text: 'Bonjour' }], from: 'fr', to: 'en' }));
    expect(e).toMatchObject({ reason: 'bad-response', retryable: true });
  });

  it('fails with auth before any call when no key is set', async () => {
    const p = createDeepl({ baseURL: fake.url, env: {} });
    await expect(p.translate({ segments: [{ id: 'a', text: 'x' }], from: 'fr', to: 'en' })).rejects.toBeInstanceOf(ProviderError);
    expect(fake.requests).toHaveLength(0);
  });

  describe('glossaries', () => {
    const gpu: Term = term({ id: 't1', term: 'processeur graphique', kind: 'translate', translations: { en: 'GPU' } });
    const oss: Term = term({ id: 't2', term: 'logiciel libre', kind: 'translate', translations: { en: 'open-source software' } });

    it('creates a glossary from the batch terms, applies it and reuses it for the same content', async () => {
      fake.glossaries.clear();
      const p = make();
      const segs = [{ id: 'a', text: 'Un processeur graphique rapide.' }];
      const res = await p.translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
      expect(res.texts[0]).toBe(expectedFake(segs[0]!.text, 'en', { 'processeur graphique': 'GPU' }));
      expect(res.glossaryApplied).toBe(true);
      expect(fake.glossaries.size).toBe(1);
      const g = [...fake.glossaries.values()][0]!;
      expect(g).toMatchObject({ source_lang: 'FR', target_lang: 'EN', entries: { 'processeur graphique': 'GPU' } });
      expect((fake.calls('/v2/translate')[0]!.body as { glossary_id?: string }).glossary_id).toBe(g.glossary_id);

      await p.translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
      expect(fake.calls('/v3/glossaries').filter((r) => r.method === 'POST')).toHaveLength(1);
      expect((fake.calls('/v2/translate')[1]!.body as { glossary_id?: string }).glossary_id).toBe(g.glossary_id);

      // A second adapter instance (another worker) finds the same glossary by its content hash.
      await make().translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
      expect(fake.calls('/v3/glossaries').filter((r) => r.method === 'POST')).toHaveLength(1);
    });

    it('replaces the glossary when new terms arrive and deletes the old one', async () => {
      fake.glossaries.clear();
      const p = make();
      await p.translate({ segments: [{ id: 'a', text: 'Un processeur graphique.' }], from: 'fr', to: 'en', terms: [gpu] });
      const first = [...fake.glossaries.keys()][0]!;
      const res = await p.translate({ segments: [{ id: 'b', text: 'Du logiciel libre.' }], from: 'fr', to: 'en', terms: [oss] });
      expect(res.texts[0]).toContain('open-source software');
      expect(fake.glossaries.has(first)).toBe(false);
      expect(fake.glossaries.size).toBe(1);
      expect([...fake.glossaries.values()][0]!.entries).toEqual({ 'processeur graphique': 'GPU', 'logiciel libre': 'open-source software' });
      expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/v3/glossaries/${first}`)).toBe(true);
    });

    it('does not race: concurrent batches share one glossary per content and leave exactly one behind', async () => {
      fake.glossaries.clear();
      const p = make();
      const batch = (i: number, terms: Term[]) => p.translate({ segments: [{ id: `c${i}`, text: `Processeur graphique ${i}.` }], from: 'fr', to: 'en', terms });
      const results = await Promise.all([batch(1, [gpu]), batch(2, [gpu, oss]), batch(3, [gpu, oss]), batch(4, [gpu, oss])]);
      expect(results.map((r) => r.texts[0])).toEqual([1, 2, 3, 4].map((i) => expectedFake(`Processeur graphique ${i}.`, 'en', { 'processeur graphique': 'GPU' })));
      // One glossary for {gpu}, one for {gpu, oss}; the first was deleted when the second replaced it.
      expect(fake.calls('/v3/glossaries').filter((r) => r.method === 'POST')).toHaveLength(2);
      expect(fake.glossaries.size).toBe(1);
      expect(results.flatMap((r) => r.warnings)).toEqual([]);
    });

    it('recovers when another worker deleted the glossary it was using', async () => {
      fake.glossaries.clear();
      const p = routed(make(), { attempts: 2, baseMs: 1 });
      const segs = [{ id: 'a', text: 'Un processeur graphique.' }];
      await p({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
      fake.glossaries.clear();
      const res = await p({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
      expect(res.texts[0]).toBe(expectedFake(segs[0]!.text, 'en', { 'processeur graphique': 'GPU' }));
      expect(fake.glossaries.size).toBe(1);
      expect(fake.calls('/v2/translate').map((r) => r.body)).toHaveLength(3);
    });

    it('translates without the glossary when DeepL refuses it, and says so as note-glossary-unused', async () => {
      fake.glossaries.clear();
      fake.script({ status: 400, body: { message: 'Unsupported glossary language pair' } }, { path: '/v3/glossaries' });
      const segs = [{ id: 'a', text: 'Un processeur graphique.' }];
      const res = await make().translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
      expect(res.texts[0]).toBe(expectedFake(segs[0]!.text, 'en'));
      expect((fake.calls('/v2/translate')[0]!.body as { glossary_id?: string }).glossary_id).toBeUndefined();
      const [unused] = expectNotices(res);
      expect(unused).toMatchObject({ code: 'note-glossary-unused', params: { provider: 'deepl' } });
      expect(String(unused!.params!.detail)).toMatch(/Unsupported glossary language pair/);
      expect(unused!.message).toBe(`deepl: glossary not used: ${unused!.params!.detail}`);
    });

    it('keeps translating when the replaced glossary cannot be deleted, and names it in note-glossary-not-deleted', async () => {
      fake.glossaries.clear();
      const p = make();
      await p.translate({ segments: [{ id: 'a', text: 'Un processeur graphique.' }], from: 'fr', to: 'en', terms: [gpu] });
      const first = [...fake.glossaries.keys()][0]!;
      fake.script({ status: 500, body: { message: 'Internal error' } }, { path: `/v3/glossaries/${first}`, times: 10 });
      const res = await p.translate({ segments: [{ id: 'b', text: 'Du logiciel libre.' }], from: 'fr', to: 'en', terms: [oss] });
      expect(res.texts[0]).toContain('open-source software');
      const [kept] = expectNotices(res);
      expect(kept).toMatchObject({ code: 'note-glossary-not-deleted', params: { provider: 'deepl', glossary: first } });
      expect(kept!.message).toBe(`deepl: could not delete the replaced glossary ${first}: ${kept!.params!.detail}`);
    });

    it('asks which pairs take a glossary, makes none for a pair DeepL lists no glossary for, and says so', async () => {
      const limited = await startDeeplFake(DEEPL_FAKE_KEY, { glossaryLanguages: ['FR', 'EN', 'DE'] });
      try {
        const p = createDeepl({ apiKey: DEEPL_FAKE_KEY, baseURL: limited.url, env: {} });
        const vi = term({ id: 't5', term: 'processeur graphique', kind: 'translate', translations: { vi: 'GPU' } });
        const segs = [{ id: 'a', text: 'Un processeur graphique.' }];
        const res = await p.translate({ segments: segs, from: 'fr', to: 'vi', terms: [vi] });
        expect(res.glossaryApplied).toBe(false);
        expect(res.texts[0]).toBe(expectedFake(segs[0]!.text, 'vi'));
        expect(res.notices).toMatchObject([{ code: 'note-glossary-unused', params: { provider: 'deepl', detail: 'DeepL makes no glossaries for FR→VI' } }]);
        expect(limited.calls('/v3/glossaries')).toHaveLength(0);
        // The pair list is read once per process; a supported pair still gets its glossary.
        const ok = await p.translate({ segments: segs, from: 'fr', to: 'en', terms: [gpu] });
        expect(ok.glossaryApplied).toBe(true);
        expect(limited.calls('/v2/glossary-language-pairs')).toHaveLength(1);
      } finally {
        await limited.close();
      }
    });

    it('remembers a pair whose glossary creation DeepL refused with 400 (the pair list could not be read)', async () => {
      const limited = await startDeeplFake(DEEPL_FAKE_KEY, { glossaryLanguages: ['FR', 'EN'] });
      try {
        limited.script({ status: 500, body: { message: 'Internal error' } }, { path: '/v2/glossary-language-pairs', times: 5 });
        const p = createDeepl({ apiKey: DEEPL_FAKE_KEY, baseURL: limited.url, env: {} });
        const de = term({ id: 't6', term: 'processeur graphique', kind: 'translate', translations: { de: 'Grafikprozessor' } });
        const segs = [{ id: 'a', text: 'Un processeur graphique.' }];
        const first = await p.translate({ segments: segs, from: 'fr', to: 'de', terms: [de] });
        expect(first.glossaryApplied).toBe(false);
        expect(String(first.notices![0]!.params!.detail)).toMatch(/400.*Unsupported glossary language pair/);
        const posts = () => limited.calls('/v3/glossaries').filter((r) => r.method === 'POST').length;
        expect(posts()).toBe(1);
        await p.translate({ segments: segs, from: 'fr', to: 'de', terms: [de] });
        expect(posts()).toBe(1);
      } finally {
        await limited.close();
      }
    });

    it('skips forbidden and unapproved terms and sends no glossary for them', async () => {
      fake.glossaries.clear();
      const p = make();
      const forbidden = term({ id: 't3', term: 'IA', kind: 'forbidden', translations: { en: 'AI' } });
      const proposed = term({ id: 't4', term: 'puce', kind: 'translate', translations: { en: 'chip' }, status: 'proposed' });
      await p.translate({ segments: [{ id: 'a', text: 'IA et puce.' }], from: 'fr', to: 'en', terms: [forbidden, proposed] });
      expect(fake.glossaries.size).toBe(0);
      expect((fake.calls('/v2/translate')[0]!.body as { glossary_id?: string }).glossary_id).toBeUndefined();
    });
  });

  it('health reports usage', async () => {
    const h = await make().health();
    expect(h.ok).toBe(true);
    expect(h.message).toMatch(/\d+ of 500000 characters/);
    fake.script({ status: 403, body: { message: 'Authorization failure' } }, { path: '/v2/usage' });
    expect((await make().health()).ok).toBe(false);
  });

  it('lists pairs from /v2/languages', async () => {
    const pairs = await make().pairs();
    expect(pairs).toContainEqual({ from: 'fr', to: 'vi' });
    expect(pairs).toContainEqual({ from: 'vi', to: 'en-US' });
    expect(pairs).toContainEqual({ from: 'fr', to: 'en' });
    expect(pairs).toContainEqual({ from: 'fr', to: 'zh' });
    expect(pairs).not.toContainEqual({ from: 'fr', to: 'fr' });
    expect(pairs).not.toContainEqual({ from: 'en', to: 'en' });
  });
});

describe.skipIf(!process.env.DEEPL_AUTH_KEY)('deepl live (needs DEEPL_AUTH_KEY)', () => {
  it('translates a tagged French sentence into English', async () => {
    const p = createDeepl();
    const res = await p.translate({ segments: [{ id: 'a', text: 'La société <g id="1">DeepSeek</g> a publié <x id="2"/> un modèle.' }], from: 'fr', to: 'en' });
    expect(res.texts[0]).toMatch(/<g id="1">DeepSeek<\/g>/);
    expect(res.texts[0]).toContain('<x id="2"/>');
    expect(res.billedChars).toBeGreaterThan(0);
  });
});
