import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkAnswer, createOpenAI, termsInBatch } from '../../../providers/openai/index.js';
import { expectedFake, type FakeServer } from '../../fakes/common.js';
import { chatAnswer, fakeContent, OPENAI_FAKE_KEY, OPENAI_FAKE_MODEL, openaiError, payloadOf, startOpenAIFake } from '../../fakes/openai.js';
import { expectNotices, runConformance } from '../conformance.js';
import { catchProviderError, faultsFor, term } from './helpers.js';

runConformance(
  'openai-compatible (fake)',
  async () => {
    const fake = await startOpenAIFake();
    return { provider: createOpenAI({ apiKey: OPENAI_FAKE_KEY, baseURL: `${fake.url}/v1`, model: OPENAI_FAKE_MODEL, env: {} }), close: fake.close, requests: () => fake.requests.length,
      faults: faultsFor(fake, {
        'rate-limit': { status: 429, headers: { 'retry-after': '3' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
        quota: { status: 429, body: { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } } },
        auth: { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } },
      }),
    };
  },
  { from: 'fr', to: 'vi' },
);

describe('openai-compatible adapter', () => {
  let fake: FakeServer;
  const make = () => createOpenAI({ apiKey: OPENAI_FAKE_KEY, baseURL: `${fake.url}/v1`, model: OPENAI_FAKE_MODEL, env: {} });
  const chats = () => fake.calls('/v1/chat/completions');
  const one = { segments: [{ id: 'p1.s1', text: 'Le <g id="1">modèle</g> est disponible gratuitement pour tous.' }], from: 'fr', to: 'en' };
  beforeAll(async () => {
    fake = await startOpenAIFake();
  });
  afterAll(() => fake.close());
  afterEach(() => fake.reset());

  it('is configured by a key or by a base URL (local servers), and takes the model from options or env', () => {
    expect(createOpenAI({ env: {} }).configured).toBe(false);
    expect(createOpenAI({ env: { OPENAI_API_KEY: 'k' } }).configured).toBe(true);
    expect(createOpenAI({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' } }).configured).toBe(true);
  });

  it('sends segments with their ids and a strict json_schema, and maps the answer back by id', async () => {
    const segs = [
      { id: 'p1.s1', text: 'Le <g id="1">modèle</g> &amp; <x id="2"/>.' },
      { id: 'p1.s2', text: 'Deuxième phrase.' },
    ];
    // The fake answers in reverse order: the adapter must reorder by id, not by position.
    fake.script((req) => chatAnswer(fakeContent(req, (l) => [...l].reverse())), { path: '/v1/chat/completions' });
    const res = await make().translate({ segments: segs, from: 'fr', to: 'vi' });
    expect(res.texts).toEqual(segs.map((s) => expectedFake(s.text, 'vi')));
    const req = chats()[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${OPENAI_FAKE_KEY}`);
    const body = req.body as { model: string; response_format: { type: string; json_schema: { strict: boolean; name: string; schema: unknown } } };
    expect(body.model).toBe(OPENAI_FAKE_MODEL);
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(payloadOf(req)).toEqual({ source_language: 'fr', target_language: 'vi', segments: segs });
    expect(res.billedChars).toBe(segs[0]!.text.length + segs[1]!.text.length);
    expect(res.usage).toEqual({ inputTokens: 100, outputTokens: 50 });
  });

  it('puts only the glossary terms that occur in the batch into the prompt', async () => {
    const gpu = term({ id: 't1', term: 'processeur graphique', kind: 'translate', translations: { en: 'GPU' } });
    const llm = term({ id: 't2', term: 'grand modèle de langage', kind: 'translate', translations: { en: 'large language model' } });
    const keep = term({ id: 't3', term: 'DeepSeek', kind: 'keep', variants: ['Deep Seek'] });
    await make().translate({ segments: [{ id: 'a', text: 'Le processeur graphique de <g id="1">Deep Seek</g>.' }], from: 'fr', to: 'en', terms: [gpu, llm, keep] });
    const system = (chats()[0]!.body as { messages: { role: string; content: string }[] }).messages[0]!.content;
    expect(system).toContain('"processeur graphique": always translate as "GPU"');
    expect(system).toContain('"DeepSeek" / "Deep Seek": keep exactly as written');
    expect(system).not.toContain('grand modèle');
    expect(termsInBatch([gpu, llm], [{ id: 'x', text: 'rien' }])).toEqual([]);
  });

  it('retries a malformed answer once and then succeeds', async () => {
    fake.script(chatAnswer('{"translations": [{"id": "p1.s1", "te'), { path: '/v1/chat/completions' });
    const res = await make().translate(one);
    expect(res.texts).toEqual([expectedFake(one.segments[0]!.text, 'en')]);
    expect(chats()).toHaveLength(2);
    const retry = (chats()[1]!.body as { messages: { role: string; content: string }[] }).messages;
    expect(retry.at(-1)!.content).toMatch(/not valid JSON/);
    expect((res.warnings ?? []).join(' ')).toMatch(/retried/);
    const [retried] = expectNotices(res);
    expect(retried).toMatchObject({ code: 'note-retried', params: { provider: 'openai' } });
    expect(String(retried!.params!.detail)).toMatch(/not valid JSON/);
    expect(res.billedChars).toBe(2 * one.segments[0]!.text.length);
  });

  it('reports bad-response after two unusable answers (wrong ids, lost tags, untranslated)', async () => {
    const bad = [
      (req: Parameters<typeof fakeContent>[0]) => chatAnswer(fakeContent(req, (l) => l.map((t) => ({ ...t, id: 'other' })))),
      (req: Parameters<typeof fakeContent>[0]) => chatAnswer(fakeContent(req, (l) => l.map((t) => ({ ...t, text: t.text.replace(/<[^>]+>/g, '') })))),
    ];
    for (const answer of bad) fake.script(answer, { path: '/v1/chat/completions' });
    const e = await catchProviderError(make().translate(one));
    expect(e).toMatchObject({ provider: 'openai', reason: 'bad-response', retryable: true });
    expect(e.message).toMatch(/tags changed/);
    expect(chats()).toHaveLength(2);

    fake.requests.length = 0;
    fake.script((req) => chatAnswer(JSON.stringify({ translations: payloadOf(req).segments })), { times: 2, path: '/v1/chat/completions' });
    expect((await catchProviderError(make().translate(one))).message).toMatch(/untranslated/);
  });

  it('treats refusals and truncated answers as bad answers', async () => {
    fake.script(chatAnswer(null, { refusal: 'I cannot help with that.' }), { times: 2, path: '/v1/chat/completions' });
    expect((await catchProviderError(make().translate(one))).message).toMatch(/refused/);
    fake.script(chatAnswer('{"translations":[', { finish: 'length' }), { times: 2, path: '/v1/chat/completions' });
    expect((await catchProviderError(make().translate(one))).message).toMatch(/cut off/);
  });

  it('checks answers: duplicates, extras, missing ids', () => {
    const segs = [{ id: 'a', text: 'x' }, { id: 'b', text: 'y' }];
    expect(checkAnswer('{"translations":[{"id":"a","text":"1"},{"id":"a","text":"2"},{"id":"c","text":"3"}]}', segs).problems).toEqual([
      'id a appears more than once',
      'id c was not asked for',
      'id b is missing',
    ]);
    expect(checkAnswer('```json\n{"translations":[{"id":"a","text":"1"},{"id":"b","text":"2"}]}\n```', segs)).toEqual({ problems: [], texts: ['1', '2'] });
  });

  it('maps 429 with Retry-After or x-ratelimit-reset, insufficient_quota and 401', async () => {
    fake.script(openaiError(429, 'Rate limit reached', 'requests', 'rate_limit_exceeded', { 'retry-after': '2' }), { path: '/v1/chat/completions' });
    expect(await catchProviderError(make().translate(one))).toMatchObject({ reason: 'rate-limit', retryable: true, retryAfterMs: 2000 });
    fake.script(openaiError(429, 'Rate limit reached', 'tokens', 'rate_limit_exceeded', { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' }), { path: '/v1/chat/completions' });
    expect(await catchProviderError(make().translate(one))).toMatchObject({ reason: 'rate-limit', retryAfterMs: 360_000 });
    fake.script(openaiError(429, 'You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'), { path: '/v1/chat/completions' });
    expect(await catchProviderError(make().translate(one))).toMatchObject({ reason: 'quota', retryable: false, status: 429 });
    const wrong = await catchProviderError(createOpenAI({ apiKey: 'sk-wrong-secret-123', baseURL: `${fake.url}/v1`, model: OPENAI_FAKE_MODEL, env: {} }).translate(one));
    expect(wrong).toMatchObject({ reason: 'auth', status: 401 });
    expect(wrong.message).not.toContain('sk-wrong-secret-123');
    fake.script(openaiError(503, 'The server is overloaded', 'server_error', null), { path: '/v1/chat/completions' });
    expect((await catchProviderError(make().translate(one))).reason).toBe('unavailable');
  });

  it('falls back to json_object on servers that reject json_schema', async () => {
    fake.script(openaiError(400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", 'invalid_request_error', null), { path: '/v1/chat/completions' });
    const res = await make().translate(one);
    expect(res.texts).toHaveLength(1);
    expect((chats()[1]!.body as { response_format: { type: string } }).response_format).toEqual({ type: 'json_object' });
  });

  it('works keyless against a local server (Ollama-style) and reports the model in health', async () => {
    const local = await startOpenAIFake({ key: null, models: ['llama3.1:8b'] });
    try {
      const p = createOpenAI({ env: { OPENAI_BASE_URL: `${local.url}/v1`, OPENAI_MODEL: 'llama3.1:8b' } });
      expect((await p.translate(one)).texts).toHaveLength(1);
      expect(local.requests[0]!.headers.authorization).toBeUndefined();
      expect(await p.health()).toMatchObject({ ok: true });
      const other = await createOpenAI({ env: { OPENAI_BASE_URL: `${local.url}/v1`, OPENAI_MODEL: 'missing-model' } }).health();
      expect(other.ok).toBe(false);
      expect(other.message).toMatch(/missing-model/);
    } finally {
      await local.close();
    }
  });
});

describe.skipIf(!process.env.OPENAI_API_KEY && !process.env.OPENAI_BASE_URL)('openai live (needs OPENAI_API_KEY or OPENAI_BASE_URL)', () => {
  it('translates a tagged sentence by id', async () => {
    const res = await createOpenAI().translate({ segments: [{ id: 'p1.s1', text: 'La société <g id="1">DeepSeek</g> a publié un nouveau modèle de langage.' }], from: 'fr', to: 'en' });
    expect(res.texts[0]).toMatch(/<g id="1">DeepSeek<\/g>/);
  });
});
