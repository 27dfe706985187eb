/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, LM
 * Studio). Segments go out with their ids and the answer is forced into a JSON
 * schema, so translations come back by id rather than by position. A language
 * model can answer nonsense with a 200, so every answer is checked and a bad
 * one is retried once (telling the model what was wrong) before it is reported.
 */
import type { AxiosInstance } from 'axios';
import { ProviderError } from '../../pipeline/errors.js';
import { comparePlaceholders, normalizeInline, plainText } from '../../pipeline/inline.js';
import type { Lang, Term } from '../../pipeline/model.js';
import { withNotices, type LanguagePair, type Notice, type ProviderHealth, type ProviderSegment, type TranslateRequest, type TranslateResponse, type TranslationProvider } from '../contract.js';
import { callJson, createHttpClient, envInt, field, parseDuration, parseJson, parseRetryAfter, withPlainTargets, type Classification, type HttpFailure } from '../http.js';

export interface OpenAIOptions {
  /** Defaults to `OPENAI_API_KEY`; local servers (Ollama, LM Studio) may need none. */
  apiKey?: string;
  /** Defaults to `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Defaults to `OPENAI_MODEL`, else `gpt-4o-mini`. */
  model?: string;
  /** `json_schema` (default) or `json_object` for servers without structured outputs; `OPENAI_RESPONSE_FORMAT`. */
  responseFormat?: 'json_schema' | 'json_object';
  /** Segments per request; `OPENAI_MAX_TEXTS`, else 40. */
  maxTexts?: number;
  /** Characters per request; `OPENAI_MAX_CHARS`, else 8000. */
  maxChars?: number;
  env?: NodeJS.ProcessEnv;
  http?: AxiosInstance;
  timeoutMs?: number;
}

export const OPENAI_URL = 'https://api.openai.com/v1';
export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

/** Languages a general-purpose model handles well enough to offer by default. */
const LANGUAGES = ['ar', 'cs', 'da', 'de', 'el', 'en', 'es', 'fi', 'fr', 'he', 'hi', 'hu', 'id', 'it', 'ja', 'ko', 'nl', 'no', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sv', 'th', 'tr', 'uk', 'vi', 'zh-Hans', 'zh-Hant'];

/** The JSON schema every answer must follow. */
export const TRANSLATIONS_SCHEMA = {
  type: 'object',
  properties: {
    translations: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, text: { type: 'string' } },
        required: ['id', 'text'],
        additionalProperties: false,
      },
    },
  },
  required: ['translations'],
  additionalProperties: false,
} as const;

export function languageName(lang: Lang): string {
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(lang);
    return name && name !== lang ? `${name} (${lang})` : lang;
  } catch {
    return lang;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The glossary terms whose source form (or a variant) occurs in the plain text of these segments. */
export function termsInBatch(terms: readonly Term[], segments: readonly ProviderSegment[]): Term[] {
  const text = segments.map((s) => plainText(s.text)).join('\n');
  return terms.filter((t) => {
    if (t.status !== 'approved') return false;
    return [t.term, ...t.variants].some((form) => form.trim() && new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(form)}(?![\\p{L}\\p{N}])`, t.caseSensitive ? 'u' : 'iu').test(text));
  });
}

function glossaryLines(terms: readonly Term[], to: Lang): string[] {
  const toBase = to.split('-')[0]!;
  const lines: string[] = [];
  for (const t of terms) {
    const forms = [t.term, ...t.variants].map((f) => `"${f}"`).join(' / ');
    if (t.kind === 'keep') lines.push(`- ${forms}: keep exactly as written, do not translate`);
    else if (t.kind === 'translate') {
      const target = t.translations[to] ?? t.translations[toBase];
      if (target) lines.push(`- ${forms}: always translate as "${target}"`);
    } else if (t.kind === 'forbidden') {
      const banned = t.translations[to] ?? t.translations[toBase];
      if (banned) lines.push(`- ${forms}: never translate as "${banned}"`);
    }
  }
  return lines;
}

export function systemPrompt(from: Lang, to: Lang, terms: readonly Term[]): string {
  const glossary = glossaryLines(terms, to);
  return [
    `You are a professional news translator. Translate each segment from ${languageName(from)} into ${languageName(to)}.`,
    'Segments are XML fragments. Keep every <g id="…">…</g> and <x id="…"/> tag with its exact id, placed around the words that correspond in the translation; do not add, drop or rename tags.',
    'Text is XML-escaped: keep &amp; &lt; &gt; &quot; escaped in your output. Translate meaning faithfully, keep numbers, names and quotes.',
    'Answer with JSON {"translations":[{"id":"…","text":"…"}]}: exactly one entry per segment id, nothing else.',
    ...(glossary.length ? ['Glossary (mandatory):', ...glossary] : []),
  ].join('\n');
}

interface ChatAnswer {
  content: string | undefined;
  refusal: string | undefined;
  finish: string | undefined;
  usage: { inputTokens: number; outputTokens: number } | undefined;
}

/** Problems with a model's answer; empty when it can be used. */
export function checkAnswer(content: string | undefined, segments: readonly ProviderSegment[]): { problems: string[]; texts: string[] } {
  if (content === undefined) return { problems: ['the answer has no message content'], texts: [] };
  // Local servers sometimes wrap JSON in a Markdown fence even when asked not to.
  const unfenced = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  const json = parseJson(unfenced);
  const list = field(json, 'translations');
  if (!Array.isArray(list)) return { problems: [json === undefined ? 'the answer is not valid JSON' : 'the answer has no "translations" array'], texts: [] };
  const problems: string[] = [];
  const byId = new Map<string, string>();
  for (const item of list) {
    const id = field(item, 'id');
    const text = field(item, 'text');
    if (typeof id !== 'string' || typeof text !== 'string') {
      problems.push('an entry lacks a string "id" or "text"');
      continue;
    }
    if (byId.has(id)) problems.push(`id ${id} appears more than once`);
    byId.set(id, text);
  }
  const wanted = new Set(segments.map((s) => s.id));
  for (const id of byId.keys()) if (!wanted.has(id)) problems.push(`id ${id} was not asked for`);
  const texts: string[] = [];
  for (const seg of segments) {
    const raw = byId.get(seg.id);
    if (raw === undefined) {
      problems.push(`id ${seg.id} is missing`);
      continue;
    }
    const text = normalizeInline(raw);
    const check = comparePlaceholders(seg.text, text);
    if (!check.ok) {
      const what = [check.missing.length ? `missing ${check.missing.join(',')}` : '', check.extra.length ? `extra ${check.extra.join(',')}` : '', check.unbalanced ? 'unbalanced <g>' : ''].filter(Boolean).join('; ');
      problems.push(`id ${seg.id}: tags changed (${what})`);
    }
    const src = plainText(seg.text).replace(/\s+/g, ' ').trim();
    const out = plainText(text).replace(/\s+/g, ' ').trim();
    if (out === '' && src !== '') problems.push(`id ${seg.id}: empty translation`);
    // A long sentence that comes back unchanged was not translated (a short one may be a name).
    else if (src.length >= 30 && /\p{L}{3}/u.test(src) && out.toLowerCase() === src.toLowerCase()) problems.push(`id ${seg.id}: returned untranslated`);
    texts.push(text);
  }
  return { problems, texts };
}

export function createOpenAI(options: OpenAIOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  const explicitBase = options.baseURL ?? env.OPENAI_BASE_URL;
  const baseURL = explicitBase ?? OPENAI_URL;
  const model = options.model ?? env.OPENAI_MODEL ?? OPENAI_DEFAULT_MODEL;
  let responseFormat: 'json_schema' | 'json_object' = options.responseFormat ?? (env.OPENAI_RESPONSE_FORMAT === 'json_object' ? 'json_object' : 'json_schema');
  const maxTexts = options.maxTexts ?? envInt(env, 'OPENAI_MAX_TEXTS', 40);
  const maxChars = options.maxChars ?? envInt(env, 'OPENAI_MAX_CHARS', 8000);
  const http = options.http ?? createHttpClient({ baseURL, timeoutMs: options.timeoutMs ?? 120_000 });
  const secrets = [apiKey];
  const headers = { 'Content-Type': 'application/json', ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) };

  const classify = (f: HttpFailure): Classification => {
    const code = String(field(f.json, 'error', 'code') ?? '');
    const type = String(field(f.json, 'error', 'type') ?? '');
    const message = String(field(f.json, 'error', 'message') ?? (typeof field(f.json, 'error') === 'string' ? field(f.json, 'error') : '')) || undefined;
    const base = { ...(message ? { message: code ? `${code}: ${message}` : message } : {}) };
    if (code === 'insufficient_quota' || type === 'insufficient_quota') return { ...base, reason: 'quota' };
    if (f.status === 413 || code === 'context_length_exceeded' || /maximum context length/i.test(message ?? '')) return { ...base, reason: 'too-large' };
    if (f.status === 429) {
      const resets = [f.headers['x-ratelimit-reset-requests'], f.headers['x-ratelimit-reset-tokens']].map(parseDuration).filter((n): n is number => n !== undefined);
      const ms = parseRetryAfter(f.headers['retry-after']) ?? (Number(f.headers['retry-after-ms']) || undefined) ?? (resets.length ? Math.max(...resets) : undefined);
      return { ...base, reason: 'rate-limit', ...(ms !== undefined ? { retryAfterMs: ms } : {}) };
    }
    if (f.status === 401 || f.status === 403) return { ...base, reason: 'auth' };
    if (f.status === 408) return { ...base, reason: 'timeout' };
    if (f.status >= 500) return { ...base, reason: 'unavailable' };
    return { ...base, reason: 'bad-request' };
  };

  async function chat(messages: { role: string; content: string }[], signal: AbortSignal | undefined): Promise<ChatAnswer> {
    const format =
      responseFormat === 'json_schema'
        ? { type: 'json_schema', json_schema: { name: 'translations', strict: true, schema: TRANSLATIONS_SCHEMA } }
        : { type: 'json_object' };
    let res;
    try {
      res = await callJson(
        http,
        { method: 'POST', url: '/chat/completions', headers, data: { model, temperature: 0, messages, response_format: format }, ...(signal ? { signal } : {}) },
        { provider: 'openai', secrets, classify, what: 'POST /chat/completions' },
      );
    } catch (err) {
      // Older local servers reject structured outputs; plain JSON mode plus our own checks still works.
      if (responseFormat === 'json_schema' && err instanceof ProviderError && err.reason === 'bad-request' && /response_format|json_schema/i.test(err.message)) {
        responseFormat = 'json_object';
        return chat(messages, signal);
      }
      throw err;
    }
    const choice = field(res.data, 'choices', 0);
    const content = field(choice, 'message', 'content');
    const refusal = field(choice, 'message', 'refusal');
    const finish = field(choice, 'finish_reason');
    const u = field(res.data, 'usage');
    const usage = u ? { inputTokens: Number(field(u, 'prompt_tokens')) || 0, outputTokens: Number(field(u, 'completion_tokens')) || 0 } : undefined;
    return { content: typeof content === 'string' ? content : undefined, refusal: typeof refusal === 'string' && refusal ? refusal : undefined, finish: typeof finish === 'string' ? finish : undefined, usage };
  }

  async function translateChunk(segments: ProviderSegment[], req: TranslateRequest) {
    const terms = termsInBatch(req.terms ?? [], segments);
    const user = JSON.stringify({ source_language: req.from, target_language: req.to, segments: segments.map((s) => ({ id: s.id, text: s.text })) });
    const messages = [
      { role: 'system', content: systemPrompt(req.from, req.to, terms) },
      { role: 'user', content: user },
    ];
    const sentChars = segments.reduce((n, s) => n + s.text.length, 0);
    let billed = 0;
    const usage = { inputTokens: 0, outputTokens: 0 };
    let lastProblems: string[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const answer = await chat(messages, req.signal);
      billed += sentChars;
      usage.inputTokens += answer.usage?.inputTokens ?? 0;
      usage.outputTokens += answer.usage?.outputTokens ?? 0;
      const checked = answer.refusal
        ? { problems: [`the model refused: ${answer.refusal}`], texts: [] }
        : answer.finish === 'length'
          ? { problems: ['the answer was cut off (finish_reason "length")'], texts: [] }
          : checkAnswer(answer.content, segments);
      if (checked.problems.length === 0) return { texts: checked.texts, billed, usage, retried: attempt > 1, problems: lastProblems, prompted: terms.length > 0 };
      lastProblems = checked.problems;
      messages.push(
        { role: 'assistant', content: answer.content ?? '' },
        { role: 'user', content: `That answer cannot be used: ${checked.problems.slice(0, 10).join('; ')}. Answer again with the complete JSON for every segment id.` },
      );
    }
    const list = lastProblems.slice(0, 5).join('; ') + (lastProblems.length > 5 ? `; and ${lastProblems.length - 5} more` : '');
    throw new ProviderError('openai', 'bad-response', `model ${model} gave an unusable answer twice: ${list}`);
  }

  return {
    id: 'openai',
    contractVersion: 3,
    configured: Boolean(apiKey || explicitBase),
    limits: { maxTexts, maxChars, concurrency: 2 },
    // The glossary goes in the prompt as required renderings (terms that occur unmasked in the batch).
    glossary: 'native',

    async pairs(): Promise<LanguagePair[]> {
      return withPlainTargets(LANGUAGES.flatMap((from) => LANGUAGES.filter((to) => to !== from).map((to) => ({ from, to }))));
    },

    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      if (req.segments.length === 0) return { texts: [], billedChars: 0, warnings: [] };
      if (!apiKey && !explicitBase) throw new ProviderError('openai', 'auth', 'OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) is not set');
      const { texts, billed, usage, retried, problems, prompted } = await translateChunk(req.segments, req);
      const notices: Notice[] = [];
      if (retried) {
        const detail = problems.slice(0, 3).join('; ');
        notices.push({ code: 'note-retried', message: `openai: first answer rejected and retried (${detail})`, params: { provider: 'openai', detail } });
      }
      return { texts, billedChars: billed, ...withNotices(notices), usage, ...(req.terms?.length ? { glossaryApplied: prompted } : {}) };
    },

    async health(): Promise<ProviderHealth> {
      if (!apiKey && !explicitBase) return { ok: false, message: 'OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) is not set' };
      try {
        const res = await callJson(http, { method: 'GET', url: '/models', headers }, { provider: 'openai', secrets, classify, what: 'GET /models' });
        const ids = ((field(res.data, 'data') as { id?: string }[] | undefined) ?? []).map((m) => m.id);
        if (ids.length && !ids.includes(model)) return { ok: false, message: `reachable, but model ${model} is not offered (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})` };
        return { ok: true, message: `reachable, model ${model}` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}
