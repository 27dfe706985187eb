/**
 * Google Cloud Translation adapter. v2 (`/language/translate/v2`, API key) is
 * the default; v3 (`:translateText`, OAuth access token) is used when a project
 * id and a token are configured, and is the only one with glossaries. Both are
 * called with HTML format so `<g>`/`<x/>` survive as markup.
 */
import type { AxiosInstance } from 'axios';
import { ProviderError } from '../../pipeline/errors.js';
import { normalizeInline } from '../../pipeline/inline.js';
import type { Lang } from '../../pipeline/model.js';
import { withNotices, type LanguagePair, type Notice, type ProviderHealth, type ProviderSegment, type TranslateRequest, type TranslateResponse, type TranslationProvider } from '../contract.js';
import { callJson, createHttpClient, field, tidyEntities, withPlainTargets, type Classification, type HttpFailure } from '../http.js';

export interface GoogleOptions {
  /** v2 API key; defaults to `GOOGLE_API_KEY`. */
  apiKey?: string;
  /** Defaults to `GOOGLE_BASE_URL`, else `https://translation.googleapis.com`. */
  baseURL?: string;
  /** v3: defaults to `GOOGLE_PROJECT_ID`. */
  projectId?: string;
  /** v3 OAuth access token; defaults to `GOOGLE_ACCESS_TOKEN`. */
  accessToken?: string;
  /** v3 location; defaults to `GOOGLE_LOCATION`, else `global` (`us-central1` when a glossary is set). */
  location?: string;
  /** v3 glossary id (created beforehand in Google Cloud); defaults to `GOOGLE_GLOSSARY_ID`. */
  glossaryId?: string;
  env?: NodeJS.ProcessEnv;
  http?: AxiosInstance;
  timeoutMs?: number;
}

export const GOOGLE_URL = 'https://translation.googleapis.com';
const V2_MAX_TEXTS = 128;
const V3_MAX_TEXTS = 1024;
/** Google recommends at most 30 000 code points per v3 request; v2 caps the body at 204 800 bytes. */
const MAX_CHARS = 30_000;
const V2_MAX_BODY = 204_800;

/** BCP-47 → Google's codes, which use regions for Chinese and plain `pt` for Brazilian Portuguese. */
export function googleLang(lang: Lang): string {
  const [base, ...rest] = lang.split('-');
  const b = base!.toLowerCase();
  const sub = rest.join('-').toLowerCase();
  if (b === 'zh') return sub.includes('hant') || sub === 'tw' || sub === 'hk' ? 'zh-TW' : 'zh-CN';
  if (b === 'pt') return sub === 'pt' ? 'pt-PT' : 'pt';
  if (b === 'he') return 'iw';
  return b;
}

function fromGoogle(code: string): Lang {
  if (code === 'zh-CN' || code === 'zh') return 'zh-Hans';
  if (code === 'zh-TW') return 'zh-Hant';
  if (code === 'iw') return 'he';
  return code;
}

export function createGoogle(options: GoogleOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.GOOGLE_API_KEY;
  const projectId = options.projectId ?? env.GOOGLE_PROJECT_ID;
  const accessToken = options.accessToken ?? env.GOOGLE_ACCESS_TOKEN;
  const glossaryId = options.glossaryId ?? env.GOOGLE_GLOSSARY_ID;
  const location = options.location ?? env.GOOGLE_LOCATION ?? (glossaryId ? 'us-central1' : 'global');
  const v3 = Boolean(projectId && accessToken);
  const baseURL = options.baseURL ?? env.GOOGLE_BASE_URL ?? GOOGLE_URL;
  const http = options.http ?? createHttpClient({ baseURL, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const secrets = [apiKey, accessToken];
  const v3Parent = `projects/${encodeURIComponent(projectId ?? '')}/locations/${encodeURIComponent(location)}`;
  const v3Headers = { Authorization: `Bearer ${accessToken ?? ''}`, 'Content-Type': 'application/json', ...(projectId ? { 'x-goog-user-project': projectId } : {}) };
  const v2Headers = { 'Content-Type': 'application/json' };
  let pairsCache: Promise<LanguagePair[]> | undefined;

  const classify = (f: HttpFailure): Classification => {
    const status = String(field(f.json, 'error', 'status') ?? '');
    const message = String(field(f.json, 'error', 'message') ?? '') || undefined;
    const reasons = (field(f.json, 'error', 'errors') as { reason?: string }[] | undefined)?.map((e) => e?.reason ?? '') ?? [];
    const text = `${message ?? ''} ${reasons.join(' ')}`;
    const base = { ...(message ? { message: status ? `${status}: ${message}` : message } : {}) };
    if (status === 'RESOURCE_EXHAUSTED' || f.status === 429 || reasons.some((r) => /limit|quota/i.test(r))) {
      // Per-minute limits pass with time; daily or billing quotas do not.
      if (/daily|per day|dailyLimit|billing|quotaExceeded/i.test(text) && !/per minute|rateLimit/i.test(text)) return { ...base, reason: 'quota' };
      return { ...base, reason: 'rate-limit' };
    }
    if (status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED' || f.status === 401 || f.status === 403) return { ...base, reason: 'auth' };
    if (status === 'INVALID_ARGUMENT' || f.status === 400) {
      return { ...base, reason: /language|target|source/i.test(text) && /support|invalid|bad/i.test(text) ? 'unsupported-pair' : 'bad-request' };
    }
    if (f.status === 413) return { ...base, reason: 'too-large' };
    if (status === 'DEADLINE_EXCEEDED') return { ...base, reason: 'timeout' };
    if (status === 'UNAVAILABLE' || status === 'INTERNAL' || f.status >= 500) return { ...base, reason: 'unavailable' };
    return { ...base, reason: 'bad-request' };
  };

  const check = (list: unknown, n: number): string[] => {
    if (!Array.isArray(list) || list.length !== n || list.some((t) => typeof t?.translatedText !== 'string')) {
      throw new ProviderError('google', 'bad-response', `expected ${n} translations, got ${Array.isArray(list) ? list.length : 'none'}`);
    }
    return list.map((t: { translatedText: string }) => normalizeInline(tidyEntities(t.translatedText)));
  };

  const v2Body = (segments: ProviderSegment[], from: Lang, to: Lang) => ({ q: segments.map((s) => s.text), source: googleLang(from), target: googleLang(to), format: 'html' });

  async function sendV2({ segments, ...req }: TranslateRequest): Promise<string[]> {
    const res = await callJson(
      http,
      {
        method: 'POST',
        url: '/language/translate/v2',
        params: { key: apiKey },
        headers: v2Headers,
        data: v2Body(segments, req.from, req.to),
        ...(req.signal ? { signal: req.signal } : {}),
      },
      { provider: 'google', secrets, classify, what: 'POST /language/translate/v2' },
    );
    return check(field(res.data, 'data', 'translations'), segments.length);
  }

  /** Pairs whose glossary Google refused in this process (wrong languages, glossary missing), with the reason. */
  const glossaryRefused = new Map<string, string>();

  /**
   * v3 with the configured glossary when the batch has terms (a call without
   * terms, such as the pipeline's probe of a term alone, wants the engine's own
   * words). A glossary Google refuses is dropped for the pair and the batch
   * sent again without it: the pipeline then imposes the terms itself.
   */
  async function sendV3(req: TranslateRequest, notices: Notice[]): Promise<{ texts: string[]; glossaryApplied?: boolean }> {
    const pair = `${googleLang(req.from)}>${googleLang(req.to)}`;
    const wanted = Boolean(glossaryId && req.terms?.length);
    if (!wanted) return { texts: await callV3(req, false) };
    const unused = (detail: string) =>
      notices.push({ code: 'note-glossary-unused', message: `google: glossary not used: ${detail}`, params: { provider: 'google', detail } });
    const refused = glossaryRefused.get(pair);
    if (refused) {
      unused(refused);
      return { texts: await callV3(req, false), glossaryApplied: false };
    }
    try {
      return { texts: await callV3(req, true), glossaryApplied: true };
    } catch (err) {
      if (!(err instanceof ProviderError && (err.status === 400 || err.status === 404) && /glossar/i.test(err.message))) throw err;
      glossaryRefused.set(pair, err.message);
      unused(err.message);
      return { texts: await callV3(req, false), glossaryApplied: false };
    }
  }

  async function callV3({ segments, ...req }: TranslateRequest, useGlossary: boolean): Promise<string[]> {
    const res = await callJson(
      http,
      {
        method: 'POST',
        url: `/v3/${v3Parent}:translateText`,
        headers: v3Headers,
        data: {
          contents: segments.map((s) => s.text),
          mimeType: 'text/html',
          sourceLanguageCode: googleLang(req.from),
          targetLanguageCode: googleLang(req.to),
          ...(useGlossary ? { glossaryConfig: { glossary: `${v3Parent}/glossaries/${glossaryId}`, ignoreCase: true } } : {}),
        },
        ...(req.signal ? { signal: req.signal } : {}),
      },
      { provider: 'google', secrets, classify, what: 'POST :translateText' },
    );
    // With a glossary Google answers both; the glossary version is the one we asked for.
    const list = useGlossary && field(res.data, 'glossaryTranslations') !== undefined ? field(res.data, 'glossaryTranslations') : field(res.data, 'translations');
    return check(list, segments.length);
  }

  return {
    id: 'google',
    contractVersion: 3,
    configured: Boolean(v3 || apiKey),
    limits: { maxTexts: v3 ? V3_MAX_TEXTS : V2_MAX_TEXTS, maxChars: MAX_CHARS, ...(v3 ? {} : { maxBodyBytes: V2_MAX_BODY }), concurrency: 4 },
    glossary: v3 && glossaryId ? 'native' : 'mask',
    ...(v3 ? {} : { measure: (segments: ProviderSegment[]) => Buffer.byteLength(JSON.stringify(v2Body(segments, 'zh-Hant', 'zh-Hant'))) }),

    pairs() {
      pairsCache ??= (async () => {
        const codes = await languages().catch((err) => {
          pairsCache = undefined;
          throw err;
        });
        const out: LanguagePair[] = [];
        for (const s of codes.sources) for (const t of codes.targets) if (s !== t) out.push({ from: fromGoogle(s), to: fromGoogle(t) });
        return withPlainTargets(out);
      })();
      return pairsCache;
    },

    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      if (req.segments.length === 0) return { texts: [], billedChars: 0, warnings: [] };
      if (!v3 && !apiKey) throw new ProviderError('google', 'auth', 'GOOGLE_API_KEY (or GOOGLE_PROJECT_ID with GOOGLE_ACCESS_TOKEN) is not set');
      const notices: Notice[] = [];
      const { texts, glossaryApplied } = v3 ? await sendV3(req, notices) : { texts: await sendV2(req), glossaryApplied: undefined };
      // Google bills the characters sent, markup included.
      const billedChars = req.segments.reduce((n, s) => n + s.text.length, 0);
      return { texts, billedChars, ...(notices.length ? withNotices(notices) : {}), ...(glossaryApplied !== undefined ? { glossaryApplied } : {}) };
    },

    async health(): Promise<ProviderHealth> {
      if (!v3 && !apiKey) return { ok: false, message: 'GOOGLE_API_KEY (or GOOGLE_PROJECT_ID with GOOGLE_ACCESS_TOKEN) is not set' };
      try {
        const codes = await languages();
        return { ok: true, message: `${v3 ? 'v3' : 'v2'} reachable, ${codes.targets.length} target languages` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };

  async function languages(): Promise<{ sources: string[]; targets: string[] }> {
    if (v3) {
      const res = await callJson(http, { method: 'GET', url: `/v3/${v3Parent}/supportedLanguages`, headers: v3Headers }, { provider: 'google', secrets, classify });
      const list = (field(res.data, 'languages') as { languageCode: string; supportSource?: boolean; supportTarget?: boolean }[] | undefined) ?? [];
      return { sources: list.filter((l) => l.supportSource).map((l) => l.languageCode), targets: list.filter((l) => l.supportTarget).map((l) => l.languageCode) };
    }
    const res = await callJson(http, { method: 'GET', url: '/language/translate/v2/languages', params: { key: apiKey }, headers: v2Headers }, { provider: 'google', secrets, classify, what: 'GET /language/translate/v2/languages' });
    const list = ((field(res.data, 'data', 'languages') as { language: string }[] | undefined) ?? []).map((l) => l.language);
    return { sources: list, targets: list };
  }
}
