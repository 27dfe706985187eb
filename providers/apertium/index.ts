/**
 * `apertium`: rule-based MT, free and offline. Two back ends behind one id:
 * an Apertium APy server when `APERTIUM_APY_URL` is set, otherwise the local
 * `apertium` command with the pairs installed on this machine. Neither has a
 * glossary feature, so terms are masked by the pipeline.
 */
import type { AxiosInstance } from 'axios';
import { ProviderError } from '../../pipeline/errors.js';
import { normalizeInline, plainText } from '../../pipeline/inline.js';
import type { Lang } from '../../pipeline/model.js';
import type { LanguagePair, ProviderHealth, TranslationProvider, TranslateRequest, TranslateResponse } from '../contract.js';
import { callJson, createHttpClient, field } from '../http.js';
import { engineCodeToLang, langMatches } from '../langs.js';
import { DEFAULT_MODES_DIR, findExecutable, findMode, joinForApertium, readModes, runApertium, splitFromApertium, type ModePair } from './binary.js';

export interface ApertiumOptions {
  env?: NodeJS.ProcessEnv;
  /** APy base URL; defaults to `APERTIUM_APY_URL`. When set, the server is used instead of the binary. */
  apyUrl?: string;
  /** The `apertium` executable (default: found on PATH). */
  binary?: string;
  /** Where the `*.mode` files are (default `/usr/share/apertium/modes`). */
  modesDir?: string;
  /** Per process / per request timeout (default 60 s). */
  timeoutMs?: number;
  /** Requests in flight at once (default: 2 processes, or 4 APy requests). */
  concurrency?: number;
  http?: AxiosInstance;
}

/** Apertium writes entities it decoded back as bare characters; `&` must stay escaped in inline XML. */
export function repairApertiumOutput(text: string): string {
  return normalizeInline(text.replace(/&(?!(?:#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);)/g, '&amp;'));
}

/**
 * Apertium's English generator capitalises the word after any tag ("the
 * approach <x/> Of the company"), but leaves unknown words alone. Standalone
 * placeholders therefore travel as unknown words (`lfx1q`) and come back as tags.
 */
export function protectStandalone(text: string): { text: string; restore: (out: string) => string } {
  const tags: string[] = [];
  const protectedText = text.replace(/<x\s+id="[^"]*"\s*\/>/g, (tag) => `lfx${tags.push(tag)}q`);
  return {
    text: protectedText,
    restore: (out) => out.replace(/lfx(\d+)q/gi, (token, n: string) => tags[Number(n) - 1] ?? token),
  };
}

async function translateProtected(texts: string[], translate: (texts: string[]) => Promise<string[]>): Promise<string[]> {
  const guarded = texts.map(protectStandalone);
  const out = await translate(guarded.map((g) => g.text));
  return out.map((t, i) => repairApertiumOutput(guarded[i]!.restore(t)));
}

export function createApertium(options: ApertiumOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const apyUrl = options.apyUrl ?? (env.APERTIUM_APY_URL?.trim() || undefined);
  if (!apyUrl) return createBinary(options, env);
  if (!/^https?:$/.test(safeUrl(apyUrl)?.protocol ?? '')) return misconfigured(`APERTIUM_APY_URL is not an http(s) URL`);
  return createApy(apyUrl, options);
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A provider that exists but cannot be used, saying why (shown by `locflow providers`). */
function misconfigured(why: string): TranslationProvider {
  return {
    id: 'apertium',
    contractVersion: 3,
    configured: false,
    glossary: 'mask',
    limits: { maxTexts: 1, maxChars: 1 },
    pairs: async () => [],
    translate: async () => {
      throw new ProviderError('apertium', 'unavailable', why, { retryable: false });
    },
    health: async () => ({ ok: false, message: why }),
  };
}

function createBinary(options: ApertiumOptions, env: NodeJS.ProcessEnv): TranslationProvider {
  const binary = options.binary ?? findExecutable('apertium', env);
  const modesDir = options.modesDir ?? DEFAULT_MODES_DIR;
  const modes: ModePair[] = binary ? readModes(modesDir) : [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const concurrency = options.concurrency ?? 2;

  const translateBatch = async (mode: string, texts: string[], signal?: AbortSignal): Promise<string[]> => {
    const run = (input: string) => runApertium({ binary: binary!, modesDir, mode, input, timeoutMs, ...(signal ? { signal } : {}) });
    const joined = splitFromApertium(await run(joinForApertium(texts)), texts.length);
    if (joined) return joined;
    // The deformatter merged or split blocks (rare, e.g. on odd markup): one process per segment is slower but exact.
    const each: string[] = [];
    for (const t of texts) {
      const single = splitFromApertium(await run(joinForApertium([t])), 1);
      if (!single) throw new ProviderError('apertium', 'bad-response', `apertium ${mode} did not return the segment it was given`);
      each.push(single[0]!);
    }
    return each;
  };

  return {
    id: 'apertium',
    contractVersion: 3,
    configured: Boolean(binary) && modes.length > 0,
    glossary: 'mask',
    limits: { maxTexts: 200, maxChars: 60_000, concurrency },
    async pairs(): Promise<LanguagePair[]> {
      return modes.map(({ from, to }) => ({ from, to }));
    },
    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      if (!binary) throw new ProviderError('apertium', 'unavailable', 'the apertium command is not installed (apt-get install apertium apertium-fr-es apertium-eng-spa)');
      const mode = findMode(modes, req.from, req.to);
      if (!mode) throw unsupported(req.from, req.to, modes);
      if (req.segments.length === 0) return { texts: [], billedChars: 0, warnings: [] };
      const texts = await translateProtected(req.segments.map((s) => s.text), (t) => translateBatch(mode.mode, t, req.signal));
      return { texts, billedChars: processedChars(req), warnings: [] };
    },
    async health(): Promise<ProviderHealth> {
      if (!binary) return { ok: false, message: 'apertium command not found on PATH' };
      if (modes.length === 0) return { ok: false, message: `no language pairs installed in ${modesDir}` };
      const probe = modes[0]!;
      try {
        await runApertium({ binary, modesDir, mode: probe.mode, input: '<p>ok</p>', timeoutMs: 20_000 });
        return { ok: true, message: `${binary}, ${modes.length} pairs` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}

interface ApyPair extends LanguagePair {
  /** APy's own codes for the `langpair` parameter, e.g. `fra|spa`. */
  langpair: string;
}

function createApy(baseURL: string, options: ApertiumOptions): TranslationProvider {
  const http = options.http ?? createHttpClient({ baseURL, timeoutMs: options.timeoutMs ?? 60_000 });
  const call = { provider: 'apertium', secrets: [] as string[] };
  let pairsPromise: Promise<ApyPair[]> | undefined;

  const loadPairs = (): Promise<ApyPair[]> => {
    pairsPromise ??= (async () => {
      const { data } = await callJson(http, { method: 'GET', url: '/listPairs' }, { ...call, what: 'GET /listPairs' });
      const list = field(data, 'responseData');
      if (!Array.isArray(list)) throw new ProviderError('apertium', 'bad-response', 'APy /listPairs answered without responseData');
      const pairs: ApyPair[] = [];
      for (const item of list) {
        const src = field(item, 'sourceLanguage');
        const tgt = field(item, 'targetLanguage');
        if (typeof src !== 'string' || typeof tgt !== 'string') continue;
        const from = engineCodeToLang(src);
        const to = engineCodeToLang(tgt);
        if (from && to && from !== to && !pairs.some((p) => p.from === from && p.to === to)) pairs.push({ from, to, langpair: `${src}|${tgt}` });
      }
      // Plain languages before regional variants, so that `en` picks `spa|eng` rather than `spa|eng_US`.
      return pairs.sort((a, b) => a.to.length - b.to.length);
    })();
    // A failed listing is not cached: the server may just be starting.
    pairsPromise.catch(() => (pairsPromise = undefined));
    return pairsPromise;
  };

  const translateOne = async (langpair: string, text: string, signal?: AbortSignal): Promise<string> => {
    const { data } = await callJson(
      http,
      { method: 'GET', url: '/translate', params: { langpair, q: text, markUnknown: 'no', format: 'html' }, ...(signal ? { signal } : {}) },
      { ...call, what: `GET /translate (${langpair})` },
    );
    const status = field(data, 'responseStatus');
    const translated = field(data, 'responseData', 'translatedText');
    if (typeof translated !== 'string' || (typeof status === 'number' && status !== 200)) {
      const details = field(data, 'responseDetails');
      throw new ProviderError('apertium', 'bad-response', `APy answered without a translation${typeof details === 'string' ? `: ${details}` : ''}`);
    }
    return translated;
  };

  return {
    id: 'apertium',
    contractVersion: 3,
    configured: true,
    glossary: 'mask',
    // APy takes one text per call: the router sends each segment as its own call, `concurrency` at a time.
    limits: { maxTexts: 1, maxChars: 20_000, concurrency: options.concurrency ?? 4 },
    async pairs(): Promise<LanguagePair[]> {
      return (await loadPairs()).map(({ from, to }) => ({ from, to }));
    },
    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      const pairs = await loadPairs();
      const pair = pairs.find((p) => p.from === req.from && p.to === req.to) ?? pairs.find((p) => langMatches(p.from, req.from) && langMatches(p.to, req.to));
      if (!pair) throw unsupported(req.from, req.to, pairs);
      if (req.segments.length === 0) return { texts: [], billedChars: 0 };
      if (req.segments.length > 1) throw new ProviderError('apertium', 'too-large', `APy translates one text per call, not ${req.segments.length}`);
      const texts = await translateProtected([req.segments[0]!.text], async ([one]) => [await translateOne(pair.langpair, one!, req.signal)]);
      return { texts, billedChars: processedChars(req), warnings: [] };
    },
    async health(): Promise<ProviderHealth> {
      try {
        const pairs = await loadPairs();
        return { ok: pairs.length > 0, message: `APy at ${baseURL}, ${pairs.length} pairs` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}

/** Apertium is free: it reports the characters of text it processed (markup excluded), as a paid engine would bill them. */
function processedChars(req: TranslateRequest): number {
  return req.segments.reduce((n, s) => n + plainText(s.text).length, 0);
}

function unsupported(from: Lang, to: Lang, pairs: LanguagePair[]): ProviderError {
  const list = pairs.map((p) => `${p.from}-${p.to}`).join(', ') || 'none';
  return new ProviderError('apertium', 'unsupported-pair', `no Apertium pair ${from}-${to} is installed (installed: ${list})`);
}
