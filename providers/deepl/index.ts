/**
 * DeepL API adapter (`POST /v2/translate`, multilingual glossaries via
 * `/v3/glossaries`). Inline XML goes out with `tag_handling=xml` so `<g>` and
 * `<x/>` come back where DeepL moved them; masked terms are `<x/>` and listed
 * in `ignore_tags` so DeepL never touches them.
 */
import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { ProviderError } from '../../pipeline/errors.js';
import { normalizeInline } from '../../pipeline/inline.js';
import type { Lang, Term } from '../../pipeline/model.js';
import { withNotices, type LanguagePair, type Notice, type ProviderHealth, type ProviderSegment, type TranslateRequest, type TranslateResponse, type TranslationProvider } from '../contract.js';
import { callJson, createHttpClient, field, withPlainTargets, type Classification, type HttpFailure } from '../http.js';

export interface DeeplOptions {
  /** Defaults to `DEEPL_AUTH_KEY`. */
  apiKey?: string;
  /** Defaults to `DEEPL_BASE_URL`, else the free host for `:fx` keys and the pro host otherwise. */
  baseURL?: string;
  env?: NodeJS.ProcessEnv;
  http?: AxiosInstance;
  timeoutMs?: number;
  /** Use DeepL glossaries for the terms of each batch (default true). */
  useGlossaries?: boolean;
}

export const DEEPL_FREE_URL = 'https://api-free.deepl.com';
export const DEEPL_PRO_URL = 'https://api.deepl.com';
/** `DEEPL_BASE_URL` when set; otherwise keys ending `:fx` belong to the free API host. */
export function deeplBaseURL(apiKey: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return env.DEEPL_BASE_URL || (apiKey?.endsWith(':fx') ? DEEPL_FREE_URL : DEEPL_PRO_URL);
}

/** DeepL rejects request bodies over 128 KiB. */
const MAX_BODY = 128 * 1024;
const MAX_TEXTS = 50;

/** Languages DeepL documents for text translation (source codes; targets add variants). */
const SOURCES = ['AR', 'BG', 'CS', 'DA', 'DE', 'EL', 'EN', 'ES', 'ET', 'FI', 'FR', 'HE', 'HU', 'ID', 'IT', 'JA', 'KO', 'LT', 'LV', 'NB', 'NL', 'PL', 'PT', 'RO', 'RU', 'SK', 'SL', 'SV', 'TH', 'TR', 'UK', 'VI', 'ZH'];

/** BCP-47 → DeepL source code: base language only (`pt-BR` → `PT`). */
export function deeplSource(lang: Lang): string {
  return lang.split('-')[0]!.toUpperCase();
}

/**
 * BCP-47 → DeepL target code. Plain `EN` and `PT` are deprecated as targets,
 * so the unspecified forms resolve to a variant; Chinese picks the script.
 */
export function deeplTarget(lang: Lang): string {
  const [base, ...rest] = lang.split('-');
  const b = base!.toUpperCase();
  const sub = rest.join('-').toUpperCase();
  if (b === 'EN') return sub === 'GB' ? 'EN-GB' : 'EN-US';
  if (b === 'PT') return sub === 'PT' ? 'PT-PT' : sub === 'BR' ? 'PT-BR' : 'PT-PT';
  if (b === 'ZH') return sub.includes('HANT') || sub === 'TW' || sub === 'HK' ? 'ZH-HANT' : 'ZH-HANS';
  if (b === 'ES' && sub === '419') return 'ES-419';
  return b;
}

/** DeepL target code → BCP-47, for `pairs()`. */
function fromDeepl(code: string): Lang {
  const [b, sub] = code.split('-');
  const base = b!.toLowerCase();
  if (!sub) return base;
  if (sub === 'HANS' || sub === 'HANT') return `${base}-${sub[0]}${sub.slice(1).toLowerCase()}`;
  return `${base}-${sub}`;
}

interface Glossary {
  hash: string;
  id: string;
  entries: Map<string, string>;
}

/** Glossary entries for one target: forced translations and kept terms, with their variants. */
export function glossaryEntries(terms: readonly Term[], to: Lang): Map<string, string> {
  const entries = new Map<string, string>();
  const clean = (s: string) => s.replace(/[\t\r\n]+/g, ' ').trim();
  // DeepL rejects a whole glossary when one phrase exceeds 1024 UTF-8 bytes.
  const fits = (s: string) => Buffer.byteLength(s) <= 1024;
  const toBase = to.split('-')[0]!;
  for (const t of terms) {
    if (t.status !== 'approved') continue;
    const target = t.kind === 'translate' ? (t.translations[to] ?? t.translations[toBase]) : t.kind === 'keep' ? t.term : undefined;
    if (!target || !clean(target) || !fits(clean(target))) continue;
    for (const source of [t.term, ...t.variants]) {
      const s = clean(source);
      if (s && fits(s)) entries.set(s, t.kind === 'keep' ? s : clean(target));
    }
  }
  return entries;
}

function tsv(entries: Map<string, string>): string {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([s, t]) => `${s}\t${t}`).join('\n');
}

export function createDeepl(options: DeeplOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.DEEPL_AUTH_KEY;
  const baseURL = options.baseURL ?? deeplBaseURL(apiKey, env);
  const http = options.http ?? createHttpClient({ baseURL, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const useGlossaries = options.useGlossaries ?? true;
  const secrets = [apiKey];
  const headers = { Authorization: `DeepL-Auth-Key ${apiKey ?? ''}`, 'Content-Type': 'application/json' };
  // One glossary per language pair in this process: the union of every term seen for it.
  const glossaries = new Map<string, Glossary>();
  const pending = new Map<string, Promise<Glossary>>();
  let pairsCache: Promise<LanguagePair[]> | undefined;
  /** Pairs DeepL makes glossaries for (`GET /v2/glossary-language-pairs`), lower-case `fr>en`; undefined when the list could not be read. */
  let glossaryPairs: Promise<Set<string> | undefined> | undefined;
  /** Pairs whose glossary DeepL refused (400) in this process, with its reason: not asked again. */
  const refused = new Map<string, string>();

  const classify = (f: HttpFailure): Classification => {
    const message = String(field(f.json, 'message') ?? field(f.json, 'detail') ?? '') || undefined;
    const base = { ...(message ? { message } : {}) };
    switch (f.status) {
      case 400:
        return { ...base, reason: /lang/i.test(message ?? '') && /support|invalid|value/i.test(message ?? '') ? 'unsupported-pair' : 'bad-request' };
      case 401:
      case 403:
        return { ...base, reason: 'auth' };
      case 404:
        return { ...base, reason: 'bad-request' };
      case 413:
        return { ...base, reason: 'too-large', message: `request body too large${message ? ` (${message})` : ''}` };
      case 414:
        return { ...base, reason: 'bad-request' };
      case 429:
        return { ...base, reason: 'rate-limit' };
      case 456:
        return { ...base, reason: 'quota', message: `character quota exceeded${message ? ` (${message})` : ''}` };
      default:
        return { ...base, reason: f.status >= 500 ? 'unavailable' : 'bad-request' };
    }
  };

  const requireKey = () => {
    if (!apiKey) throw new ProviderError('deepl', 'auth', 'DEEPL_AUTH_KEY is not set');
  };

  /** Why DeepL cannot take a glossary for this pair, or undefined when it can (or nobody knows yet). */
  async function glossaryRefusal(from: Lang, to: Lang): Promise<string | undefined> {
    const key = `${deeplSource(from)}>${deeplSource(to)}`.toLowerCase();
    const known = refused.get(key);
    if (known) return known;
    glossaryPairs ??= callJson<{ supported_languages?: { source_lang?: string; target_lang?: string }[] }>(http, { method: 'GET', url: '/v2/glossary-language-pairs', headers }, { provider: 'deepl', secrets, classify })
      .then((res) => {
        const list = res.data?.supported_languages;
        return Array.isArray(list) ? new Set(list.map((p) => `${p.source_lang ?? ''}>${p.target_lang ?? ''}`.toLowerCase())) : undefined;
      })
      .catch(() => {
        glossaryPairs = undefined; // unknown: try creating the glossary, and read the list again next time
        return undefined;
      });
    const pairs = await glossaryPairs;
    return pairs && !pairs.has(key) ? `DeepL makes no glossaries for ${deeplSource(from)}→${deeplSource(to)}` : undefined;
  }

  async function ensureGlossary(from: Lang, to: Lang, terms: readonly Term[], notices: Notice[]): Promise<string | undefined> {
    const pairKey = `${deeplSource(from)}>${deeplTarget(to)}`;
    const wanted = glossaryEntries(terms, to);
    if (wanted.size === 0) return glossaries.get(pairKey)?.id;
    // Wait until no other batch is changing this pair's glossary; from here to pending.set there is no await.
    for (let p = pending.get(pairKey); p; p = pending.get(pairKey)) await p.catch(() => undefined);
    const current = glossaries.get(pairKey);
    const merged = new Map(current?.entries ?? []);
    for (const [s, t] of wanted) merged.set(s, t);
    const body = tsv(merged);
    const hash = createHash('sha256').update(`${pairKey}\n${body}`).digest('hex').slice(0, 16);
    if (current?.hash === hash) return current.id;

    const work = (async (): Promise<Glossary> => {
      const name = `locflow-${pairKey.replace('>', '-').toLowerCase()}-${hash}`;
      // Another process (or an earlier run) may have made exactly this glossary already.
      const list = await callJson<{ glossaries?: { glossary_id: string; name: string }[] }>(http, { method: 'GET', url: '/v3/glossaries', headers }, { provider: 'deepl', secrets, classify });
      let id = list.data?.glossaries?.find((g) => g.name === name)?.glossary_id;
      if (!id) {
        const created = await callJson<{ glossary_id: string }>(
          http,
          {
            method: 'POST',
            url: '/v3/glossaries',
            headers,
            data: { name, dictionaries: [{ source_lang: deeplSource(from), target_lang: deeplSource(to), entries: body, entries_format: 'tsv' }] },
          },
          { provider: 'deepl', secrets, classify, what: 'POST /v3/glossaries' },
        );
        id = created.data?.glossary_id;
        if (!id) throw new ProviderError('deepl', 'bad-response', 'glossary creation answered without a glossary_id');
      }
      if (current && current.id !== id) {
        try {
          await callJson(http, { method: 'DELETE', url: `/v3/glossaries/${encodeURIComponent(current.id)}`, headers }, { provider: 'deepl', secrets, classify, what: 'DELETE /v3/glossaries/{id}' });
        } catch (err) {
          const detail = (err as Error).message;
          notices.push({ code: 'note-glossary-not-deleted', message: `deepl: could not delete the replaced glossary ${current.id}: ${detail}`, params: { provider: 'deepl', glossary: current.id, detail } });
        }
      }
      const g = { hash, id, entries: merged };
      glossaries.set(pairKey, g);
      return g;
    })();
    pending.set(pairKey, work);
    try {
      return (await work).id;
    } finally {
      if (pending.get(pairKey) === work) pending.delete(pairKey);
    }
  }

  const bodyFor = (segments: ProviderSegment[], from: Lang, to: Lang, glossaryId: string | undefined) => ({
    text: segments.map((s) => s.text),
    source_lang: deeplSource(from),
    target_lang: deeplTarget(to),
    tag_handling: 'xml',
    ignore_tags: ['x'],
    show_billed_characters: true,
    ...(glossaryId ? { glossary_id: glossaryId } : {}),
  });

  async function send(req: TranslateRequest, glossaryId: string | undefined) {
    const { segments } = req;
    const res = await callJson<{ translations?: { text?: unknown; billed_characters?: unknown }[] }>(
      http,
      { method: 'POST', url: '/v2/translate', headers, data: bodyFor(segments, req.from, req.to, glossaryId), ...(req.signal ? { signal: req.signal } : {}) },
      { provider: 'deepl', secrets, classify, what: 'POST /v2/translate' },
    );
    const list = res.data?.translations;
    if (!Array.isArray(list) || list.length !== segments.length || list.some((t) => typeof t?.text !== 'string')) {
      throw new ProviderError('deepl', 'bad-response', `expected ${segments.length} translations, got ${Array.isArray(list) ? list.length : 'none'}`);
    }
    const billed = list.every((t) => typeof t.billed_characters === 'number')
      ? list.reduce((n, t) => n + (t.billed_characters as number), 0)
      : segments.reduce((n, s) => n + s.text.length, 0);
    return { texts: list.map((t) => normalizeInline(t.text as string)), billed };
  }

  return {
    id: 'deepl',
    contractVersion: 3,
    configured: Boolean(apiKey),
    limits: { maxTexts: MAX_TEXTS, maxChars: 100_000, maxBodyBytes: MAX_BODY, concurrency: 4 },
    glossary: useGlossaries ? 'native' : 'mask',
    // The glossary id a batch may carry adds well under the envelope room the router keeps.
    measure: (segments) => Buffer.byteLength(JSON.stringify(bodyFor(segments, 'fr', 'en-US', 'x'.repeat(36)))),

    pairs() {
      pairsCache ??= (async () => {
        let sources = SOURCES;
        let targets = [...SOURCES.filter((c) => c !== 'EN' && c !== 'PT' && c !== 'ZH'), 'EN-GB', 'EN-US', 'PT-BR', 'PT-PT', 'ZH-HANS', 'ZH-HANT'];
        if (apiKey) {
          try {
            const [s, t] = await Promise.all(
              ['source', 'target'].map((type) => callJson<{ language: string }[]>(http, { method: 'GET', url: '/v2/languages', params: { type }, headers }, { provider: 'deepl', secrets, classify })),
            );
            if (Array.isArray(s!.data) && Array.isArray(t!.data)) {
              sources = s!.data.map((l) => l.language.toUpperCase());
              targets = t!.data.map((l) => l.language.toUpperCase());
            }
          } catch {
            pairsCache = undefined; // try the live list again next time
          }
        }
        const out: LanguagePair[] = [];
        for (const s of sources) for (const t of targets) if (t.split('-')[0] !== s) out.push({ from: s.toLowerCase(), to: fromDeepl(t) });
        return withPlainTargets(out);
      })();
      return pairsCache;
    },

    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      if (req.segments.length === 0) return { texts: [], billedChars: 0, warnings: [] };
      requireKey();
      const notices: Notice[] = [];
      let glossaryId: string | undefined;
      const wanted = useGlossaries && req.terms?.length ? glossaryEntries(req.terms, req.to).size > 0 : false;
      if (wanted) {
        const unused = (detail: string) => notices.push({ code: 'note-glossary-unused', message: `deepl: glossary not used: ${detail}`, params: { provider: 'deepl', detail } });
        const refusal = await glossaryRefusal(req.from, req.to);
        if (refusal) unused(refusal);
        else {
          try {
            glossaryId = await ensureGlossary(req.from, req.to, req.terms!, notices);
          } catch (err) {
            if (err instanceof ProviderError && (err.reason === 'auth' || err.reason === 'quota')) throw err;
            // The pipeline checks each term in the output and substitutes or masks the ones the engine missed.
            const detail = (err as Error).message;
            if (err instanceof ProviderError && err.status === 400) refused.set(`${deeplSource(req.from)}>${deeplSource(req.to)}`.toLowerCase(), detail);
            unused(detail);
          }
        }
      }
      try {
        const { texts, billed } = await send(req, glossaryId);
        return { texts, billedChars: billed, ...withNotices(notices), ...(wanted ? { glossaryApplied: Boolean(glossaryId) } : {}) };
      } catch (err) {
        if (!(glossaryId && err instanceof ProviderError && err.status === 404)) throw err;
        // Another batch or worker replaced (and deleted) the glossary meanwhile: forget it, and the router's retry makes the current one.
        const pairKey = `${deeplSource(req.from)}>${deeplTarget(req.to)}`;
        if (glossaries.get(pairKey)?.id === glossaryId) glossaries.delete(pairKey);
        throw new ProviderError('deepl', 'unavailable', `glossary ${glossaryId} was replaced meanwhile`, { status: 404, retryable: true });
      }
    },

    async health(): Promise<ProviderHealth> {
      if (!apiKey) return { ok: false, message: 'DEEPL_AUTH_KEY is not set' };
      try {
        const res = await callJson<{ character_count?: number; character_limit?: number }>(http, { method: 'GET', url: '/v2/usage', headers }, { provider: 'deepl', secrets, classify });
        const used = res.data?.character_count;
        const limit = res.data?.character_limit;
        if (typeof used === 'number' && typeof limit === 'number') {
          return { ok: used < limit, message: `${used} of ${limit} characters used this period${used >= limit ? ' (quota exhausted)' : ''}` };
        }
        return { ok: true, message: 'reachable' };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}
