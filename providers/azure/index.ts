/**
 * Azure AI Translator adapter (Translator v3, `POST /translate`). Segments go
 * out as HTML so `<g>`/`<x/>` survive; forced glossary terms that the caller
 * passes and that occur unmasked in a segment are wrapped in Azure's dynamic
 * dictionary markup so the engine uses the approved translation.
 */
import type { AxiosInstance } from 'axios';
import { ProviderError } from '../../pipeline/errors.js';
import { escapeXml, normalizeInline } from '../../pipeline/inline.js';
import type { Lang, Term } from '../../pipeline/model.js';
import { withNotices, type LanguagePair, type Notice, type ProviderHealth, type ProviderSegment, type TranslateRequest, type TranslateResponse, type TranslationProvider } from '../contract.js';
import { callJson, createHttpClient, field, tidyEntities, withPlainTargets, type Classification, type HttpFailure } from '../http.js';

export interface AzureOptions {
  /** Defaults to `AZURE_TRANSLATOR_KEY`. */
  apiKey?: string;
  /** Defaults to `AZURE_TRANSLATOR_REGION`; needed for regional and multi-service resources. */
  region?: string;
  /** Defaults to `AZURE_TRANSLATOR_ENDPOINT`, else the global endpoint. */
  baseURL?: string;
  env?: NodeJS.ProcessEnv;
  http?: AxiosInstance;
  timeoutMs?: number;
  /** Wrap forced terms in dynamic dictionary markup (default true). */
  dynamicDictionary?: boolean;
}

export const AZURE_URL = 'https://api.cognitive.microsofttranslator.com';
const MAX_TEXTS = 1000;
/** Per request, counted over all targets; this adapter always asks for one target. */
const MAX_CHARS = 50_000;
/** Error codes that mean a language or pair the service does not offer. */
const LANGUAGE_CODES = new Set([400019, 400023, 400035, 400036]);
/** Error codes that mean "send less at once". */
const TOO_LARGE_CODES = new Set([400050, 400077, 413000]);

/** BCP-47 → Azure codes: scripts stay for Chinese, `pt` is Brazilian and `pt-pt` European. */
export function azureLang(lang: Lang): string {
  const [base, ...rest] = lang.split('-');
  const b = base!.toLowerCase();
  const sub = rest.join('-').toLowerCase();
  if (b === 'zh') return sub.includes('hant') || sub === 'tw' || sub === 'hk' ? 'zh-Hant' : 'zh-Hans';
  if (b === 'pt') return sub === 'pt' ? 'pt-pt' : 'pt';
  if (b === 'fr' && sub === 'ca') return 'fr-ca';
  return b;
}

function fromAzure(code: string): Lang {
  if (code === 'pt-pt') return 'pt-PT';
  if (code === 'fr-ca') return 'fr-CA';
  return code;
}

/**
 * Wraps unmasked occurrences of forced terms in `<mstrans:dictionary>` markup.
 * Only text between tags is touched, so placeholders and masked terms are safe.
 */
export function applyDynamicDictionary(text: string, terms: readonly Term[], to: Lang): { text: string; used: string[] } {
  const toBase = to.split('-')[0]!;
  const forms: { surface: string; target: string; caseSensitive: boolean }[] = [];
  for (const t of terms) {
    if (t.status !== 'approved') continue;
    const target = t.kind === 'translate' ? (t.translations[to] ?? t.translations[toBase]) : t.kind === 'keep' ? t.term : undefined;
    if (!target) continue;
    for (const surface of [t.term, ...t.variants]) if (surface.trim()) forms.push({ surface: escapeXml(surface), target: t.kind === 'keep' ? surface : target, caseSensitive: t.caseSensitive });
  }
  if (forms.length === 0) return { text, used: [] };
  forms.sort((a, b) => b.surface.length - a.surface.length);
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(${forms.map((f) => quote(f.surface)).join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
  const used = new Set<string>();
  const out = text
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) return part;
      return part.replace(re, (hit: string) => {
        const form = forms.find((f) => (f.caseSensitive ? f.surface === hit : f.surface.toLowerCase() === hit.toLowerCase()));
        if (!form) return hit;
        used.add(form.surface);
        return `<mstrans:dictionary translation="${escapeXml(form.target)}">${hit}</mstrans:dictionary>`;
      });
    })
    .join('');
  return { text: out, used: [...used] };
}

export function createAzure(options: AzureOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.AZURE_TRANSLATOR_KEY;
  const region = options.region ?? env.AZURE_TRANSLATOR_REGION;
  const baseURL = options.baseURL ?? env.AZURE_TRANSLATOR_ENDPOINT ?? AZURE_URL;
  // Custom-domain resources serve the same API under a path prefix.
  const prefix = /\.cognitiveservices\.azure\.com\/?$/.test(baseURL) ? '/translator/text/v3.0' : '';
  const http = options.http ?? createHttpClient({ baseURL, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const dictionary = options.dynamicDictionary ?? true;
  const secrets = [apiKey];
  const headers = {
    'Ocp-Apim-Subscription-Key': apiKey ?? '',
    ...(region ? { 'Ocp-Apim-Subscription-Region': region } : {}),
    'Content-Type': 'application/json; charset=UTF-8',
  };
  let pairsCache: Promise<LanguagePair[]> | undefined;

  const classify = (f: HttpFailure): Classification => {
    const code = Number(field(f.json, 'error', 'code'));
    const message = String(field(f.json, 'error', 'message') ?? '') || undefined;
    const base = { ...(message ? { message: Number.isFinite(code) ? `${code} ${message}` : message } : {}) };
    if (code === 403001) return { ...base, reason: 'quota' };
    if (LANGUAGE_CODES.has(code)) return { ...base, reason: 'unsupported-pair' };
    if (f.status === 413 || TOO_LARGE_CODES.has(code)) return { ...base, reason: 'too-large' };
    if (f.status === 429 || Math.floor(code / 1000) === 429) return { ...base, reason: 'rate-limit' };
    if (f.status === 401 || f.status === 403) return { ...base, reason: 'auth' };
    if (f.status === 408) return { ...base, reason: 'timeout' };
    if (f.status >= 500) return { ...base, reason: 'unavailable' };
    return { ...base, reason: 'bad-request' };
  };

  async function send(segments: ProviderSegment[], req: TranslateRequest): Promise<string[]> {
    const res = await callJson(
      http,
      {
        method: 'POST',
        url: `${prefix}/translate`,
        params: { 'api-version': '3.0', from: azureLang(req.from), to: azureLang(req.to), textType: 'html' },
        headers,
        data: segments.map((s) => ({ Text: s.text })),
        ...(req.signal ? { signal: req.signal } : {}),
      },
      { provider: 'azure', secrets, classify, what: 'POST /translate' },
    );
    const list = res.data;
    if (!Array.isArray(list) || list.length !== segments.length) {
      throw new ProviderError('azure', 'bad-response', `expected ${segments.length} results, got ${Array.isArray(list) ? list.length : 'none'}`);
    }
    return list.map((item: unknown, i) => {
      const text = field(item, 'translations', 0, 'text');
      if (typeof text !== 'string') throw new ProviderError('azure', 'bad-response', `result ${i} has no translation`);
      return normalizeInline(tidyEntities(text));
    });
  }

  async function languageCodes(): Promise<string[]> {
    const res = await callJson(http, { method: 'GET', url: `${prefix}/languages`, params: { 'api-version': '3.0', scope: 'translation' } }, { provider: 'azure', secrets, classify, what: 'GET /languages' });
    const map = field(res.data, 'translation');
    if (!map || typeof map !== 'object') throw new ProviderError('azure', 'bad-response', 'language list missing');
    return Object.keys(map);
  }

  return {
    id: 'azure',
    contractVersion: 3,
    configured: Boolean(apiKey),
    limits: { maxTexts: MAX_TEXTS, maxChars: MAX_CHARS, concurrency: 4 },
    glossary: dictionary ? 'native' : 'mask',

    pairs() {
      pairsCache ??= languageCodes()
        .then((codes) => withPlainTargets(codes.flatMap((s) => codes.filter((t) => t !== s).map((t) => ({ from: fromAzure(s), to: fromAzure(t) })))))
        .catch((err) => {
          pairsCache = undefined;
          throw err;
        });
      return pairsCache;
    },

    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      if (req.segments.length === 0) return { texts: [], billedChars: 0, warnings: [] };
      if (!apiKey) throw new ProviderError('azure', 'auth', 'AZURE_TRANSLATOR_KEY is not set');
      const notices: Notice[] = [];
      // Azure documents the dynamic dictionary only for pairs with English on one side.
      const english = [req.from, req.to].some((l) => l.split('-')[0]!.toLowerCase() === 'en');
      const useDictionary = dictionary && Boolean(req.terms?.length) && english;
      if (dictionary && req.terms?.length && !english) {
        notices.push({
          code: 'note-dictionary-unused',
          message: `azure: dynamic dictionary not used for ${req.from}→${req.to} (Azure applies it only with English on one side); terms rely on masking`,
          params: { provider: 'azure', from: req.from, to: req.to },
        });
      }
      const marked = req.segments.map((s) => (useDictionary ? { ...s, text: applyDynamicDictionary(s.text, req.terms!, req.to).text } : s));
      // Azure counts every character sent, dictionary markup included: markup can push a full batch over the limit.
      const billedChars = marked.reduce((n, s) => n + s.text.length, 0);
      if (billedChars > MAX_CHARS) throw new ProviderError('azure', 'too-large', `${billedChars} characters with dictionary markup; Azure accepts at most ${MAX_CHARS} per request`);
      const texts = await send(marked, req);
      return { texts, billedChars, ...withNotices(notices), ...(dictionary && req.terms?.length ? { glossaryApplied: useDictionary } : {}) };
    },

    async health(): Promise<ProviderHealth> {
      if (!apiKey) return { ok: false, message: 'AZURE_TRANSLATOR_KEY is not set' };
      try {
        // The language list needs no key, so the key is checked with a two-character translation.
        await send([{ id: 'health', text: 'ok' }], { segments: [], from: 'en', to: 'fr' });
        return { ok: true, message: `reachable and the key is accepted${region ? ` (region ${region})` : ''}` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}
