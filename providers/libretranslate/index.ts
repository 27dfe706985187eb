/**
 * LibreTranslate adapter (`POST /translate` with an array `q`). Works with
 * self-hosted servers (no key) and keyed instances (`api_key` in the body).
 * Operators cap characters per request; the cap is configurable because each
 * server sets its own (`--char-limit`, `--batch-limit`).
 */
import type { AxiosInstance } from 'axios';
import { ProviderError } from '../../pipeline/errors.js';
import { normalizeInline } from '../../pipeline/inline.js';
import type { Lang } from '../../pipeline/model.js';
import type { LanguagePair, ProviderHealth, ProviderSegment, TranslateRequest, TranslateResponse, TranslationProvider } from '../contract.js';
import { callJson, createHttpClient, envInt, field, tidyEntities, withPlainTargets, type Classification, type HttpFailure } from '../http.js';

export interface LibreTranslateOptions {
  /** Defaults to `LIBRETRANSLATE_API_KEY`; optional for self-hosted servers. */
  apiKey?: string;
  /** Defaults to `LIBRETRANSLATE_URL`; the provider is unconfigured without it. */
  baseURL?: string;
  /** Characters per request; defaults to `LIBRETRANSLATE_MAX_CHARS`, else 5000. */
  maxChars?: number;
  /** Texts per request; defaults to `LIBRETRANSLATE_MAX_TEXTS`, else 50. */
  maxTexts?: number;
  env?: NodeJS.ProcessEnv;
  http?: AxiosInstance;
  timeoutMs?: number;
}

interface LtLanguage {
  code: string;
  targets?: string[];
}

/** LibreTranslate's own codes for the variants it has; everything else is the base language. */
const SPECIAL: Record<string, string[]> = {
  'pt-br': ['pb', 'pt-BR', 'pt'],
  'zh-hans': ['zh-Hans', 'zh'],
  'zh-hant': ['zh-Hant', 'zt'],
  zh: ['zh-Hans', 'zh'],
};
const BACK: Record<string, Lang> = { pb: 'pt-BR', zt: 'zh-Hant', zh: 'zh-Hans' };

/** Picks the server's code for a BCP-47 tag among those it lists (or the base language when it lists none). */
export function libreCode(lang: Lang, available?: readonly string[]): string {
  const base = lang.split('-')[0]!.toLowerCase();
  const candidates = [...(SPECIAL[lang.toLowerCase()] ?? []), lang, base];
  if (!available?.length) return candidates.find((c) => !['pb', 'zt'].includes(c) && !c.includes('-')) ?? base;
  return candidates.find((c) => available.includes(c)) ?? base;
}

export function createLibreTranslate(options: LibreTranslateOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.LIBRETRANSLATE_API_KEY;
  const baseURL = options.baseURL ?? env.LIBRETRANSLATE_URL;
  const maxChars = options.maxChars ?? envInt(env, 'LIBRETRANSLATE_MAX_CHARS', 5000);
  const maxTexts = options.maxTexts ?? envInt(env, 'LIBRETRANSLATE_MAX_TEXTS', 50);
  const http = options.http ?? createHttpClient({ baseURL: baseURL ?? 'http://127.0.0.1:5000', ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const secrets = [apiKey];
  let languagesCache: Promise<LtLanguage[]> | undefined;

  const classify = (f: HttpFailure): Classification => {
    const message = String(field(f.json, 'error') ?? '') || undefined;
    const base = { ...(message ? { message } : {}) };
    if (f.status === 400 && /not supported|unsupported|invalid (source|target)/i.test(message ?? '')) return { ...base, reason: 'unsupported-pair' };
    if (f.status === 403 || f.status === 401) return { ...base, reason: 'auth' };
    if (f.status === 429) return { ...base, reason: 'rate-limit' };
    if (f.status >= 500) return { ...base, reason: 'unavailable' };
    // A server configured with lower limits than ours answers 400 "… exceeds … limit".
    if (f.status === 413 || /exceeds|too (long|large)|limit/i.test(message ?? '')) return { ...base, reason: 'too-large' };
    return { ...base, reason: 'bad-request' };
  };

  function languages(): Promise<LtLanguage[]> {
    languagesCache ??= callJson<LtLanguage[]>(http, { method: 'GET', url: '/languages' }, { provider: 'libretranslate', secrets, classify })
      .then((res) => {
        if (!Array.isArray(res.data)) throw new ProviderError('libretranslate', 'bad-response', '/languages did not answer a list');
        return res.data;
      })
      .catch((err) => {
        languagesCache = undefined;
        throw err;
      });
    return languagesCache;
  }

  async function send(segments: ProviderSegment[], source: string, target: string, signal?: AbortSignal): Promise<string[]> {
    const res = await callJson(
      http,
      {
        method: 'POST',
        url: '/translate',
        headers: { 'Content-Type': 'application/json' },
        data: { q: segments.map((s) => s.text), source, target, format: 'html', ...(apiKey ? { api_key: apiKey } : {}) },
        ...(signal ? { signal } : {}),
      },
      { provider: 'libretranslate', secrets, classify, what: 'POST /translate' },
    );
    const list = field(res.data, 'translatedText');
    if (!Array.isArray(list) || list.length !== segments.length || list.some((t) => typeof t !== 'string')) {
      throw new ProviderError('libretranslate', 'bad-response', `expected ${segments.length} translations, got ${Array.isArray(list) ? list.length : typeof list}`);
    }
    return list.map((t: string) => normalizeInline(tidyEntities(t)));
  }

  return {
    id: 'libretranslate',
    contractVersion: 3,
    configured: Boolean(baseURL),
    limits: { maxTexts, maxChars, concurrency: 2 },
    glossary: 'mask',

    async pairs() {
      const list = await languages();
      return withPlainTargets(list.flatMap((l) => (l.targets ?? []).filter((t) => t !== l.code).map((t) => ({ from: BACK[l.code] ?? l.code, to: BACK[t] ?? t }))));
    },

    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      if (req.segments.length === 0) return { texts: [], billedChars: 0, warnings: [] };
      if (!baseURL) throw new ProviderError('libretranslate', 'unavailable', 'LIBRETRANSLATE_URL is not set');
      const codes = await languages()
        .then((l) => l.map((x) => x.code))
        .catch(() => undefined);
      const source = libreCode(req.from, codes);
      const target = libreCode(req.to, codes);
      const texts = await send(req.segments, source, target, req.signal);
      return { texts, billedChars: req.segments.reduce((n, s) => n + s.text.length, 0) };
    },

    async health(): Promise<ProviderHealth> {
      if (!baseURL) return { ok: false, message: 'LIBRETRANSLATE_URL is not set' };
      try {
        const list = await languages();
        const from = list.find((l) => (l.targets ?? []).some((t) => t !== l.code));
        if (!from) return { ok: false, message: 'the server lists no language pairs' };
        // /languages needs no key; a one-word translation proves the key (if any) is accepted.
        await send([{ id: 'health', text: 'ok' }], from.code, from.targets!.find((t) => t !== from.code)!);
        return { ok: true, message: `reachable, ${list.length} languages${apiKey ? ', API key accepted' : ''}` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}
