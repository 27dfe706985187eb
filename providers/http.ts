/**
 * What every HTTP adapter shares: an axios client that never throws on status
 * (adapters read the body of error answers), classification of failures into
 * ProviderError reasons, Retry-After parsing, and redaction of credentials
 * from anything that can end up in a log. Batches are cut by the router, never here.
 */
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse, type RawAxiosRequestHeaders } from 'axios';
import { ProviderError, type ProviderFailure } from '../pipeline/errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface HttpClientOptions {
  baseURL: string;
  timeoutMs?: number;
  headers?: RawAxiosRequestHeaders;
}

/**
 * A client whose responses come back as raw text whatever the status, so that
 * the adapter decides what a 4xx body means and a malformed 2xx body becomes a
 * `bad-response` instead of a silently-unparsed string.
 */
export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  return axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    headers: { 'User-Agent': 'locflow', ...options.headers },
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    // axios forwards HTTPS requests to an HTTP proxy without a CONNECT tunnel, which would hand
    // the credential headers to the proxy in clear; environment proxies are therefore ignored.
    proxy: false,
    // A redirect would replay the credentials to wherever it points.
    maxRedirects: 0,
  });
}

/** Retry-After is either delta-seconds or an HTTP-date; anything else is ignored. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * OpenAI's `x-ratelimit-reset-requests` / `-tokens` use Go-style durations:
 * `1s`, `6m0s`, `20ms`, `1h2m3.5s`.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  return Math.round(ms);
}

/** Replaces every occurrence of each secret (and its URL-encoded form) by `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}

export interface HttpFailure {
  status: number;
  /** Parsed JSON body when it parsed, else undefined. */
  json: unknown;
  text: string;
  headers: Record<string, unknown>;
}

export interface Classification {
  reason: ProviderFailure;
  message?: string;
  retryable?: boolean;
  retryAfterMs?: number;
}

export interface CallOptions {
  provider: string;
  /** Values that must never appear in an error message. */
  secrets: readonly (string | undefined)[];
  /** Provider-specific reading of an error answer; falls back to `classifyStatus`. */
  classify?: (failure: HttpFailure) => Classification | undefined;
  /** Short description for messages, e.g. `POST /v2/translate`. */
  what?: string;
}

/** The reason an HTTP status means when the body says nothing more precise. */
export function classifyStatus(status: number): ProviderFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'too-large';
  if (status === 429) return 'rate-limit';
  if (status === 456 || status === 402) return 'quota';
  if (status >= 500) return 'unavailable';
  return 'bad-request';
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerRecord(res: AxiosResponse): Record<string, unknown> {
  const h = res.headers as unknown as { toJSON?: () => Record<string, unknown> } & Record<string, unknown>;
  return typeof h.toJSON === 'function' ? h.toJSON() : { ...h };
}

/**
 * Trims a provider's own error text so a huge HTML error page does not flood
 * logs. Callers redact first: a key cut in two by the trim would no longer
 * match, and its first characters would survive.
 */
function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/**
 * Sends one request and returns the parsed JSON body of a 2xx answer. Every
 * failure, network or HTTP, becomes a ProviderError whose message has been
 * redacted; the axios error is not attached as `cause` because its config
 * carries the credential headers.
 */
export async function callJson<T = unknown>(http: AxiosInstance, config: AxiosRequestConfig, options: CallOptions): Promise<{ data: T; status: number; headers: Record<string, unknown> }> {
  const what = options.what ?? `${(config.method ?? 'GET').toUpperCase()} ${config.url ?? ''}`;
  const clean = (s: string) => redact(s, options.secrets);
  let res: AxiosResponse<string>;
  try {
    res = await http.request<string>({ responseType: 'text', transformResponse: [(d: unknown) => d], validateStatus: () => true, ...config });
  } catch (err) {
    throw networkError(err, options.provider, clean(what), clean);
  }
  const text = typeof res.data === 'string' ? res.data : res.data == null ? '' : JSON.stringify(res.data);
  const headers = headerRecord(res);
  if (res.status >= 200 && res.status < 300) {
    if (res.status === 204 || text === '') return { data: undefined as T, status: res.status, headers };
    const json = parseJson(text);
    if (json === undefined) {
      throw new ProviderError(options.provider, 'bad-response', `${clean(what)} answered ${res.status} with a body that is not JSON: ${snippet(clean(text))}`, { status: res.status });
    }
    return { data: json as T, status: res.status, headers };
  }
  const failure: HttpFailure = { status: res.status, json: parseJson(text), text, headers };
  const c = options.classify?.(failure) ?? { reason: classifyStatus(res.status) };
  const retryAfterMs = c.retryAfterMs ?? parseRetryAfter(headers['retry-after']);
  const detail = c.message !== undefined ? clean(c.message) : snippet(clean(text)) || `HTTP ${res.status}`;
  throw new ProviderError(options.provider, c.reason, `${clean(what)} failed with HTTP ${res.status}: ${detail}`, {
    status: res.status,
    ...(c.retryable === undefined ? {} : { retryable: c.retryable }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function networkError(err: unknown, provider: string, what: string, clean: (s: string) => string): ProviderError {
  if (axios.isCancel(err) || (err instanceof Error && (err.name === 'AbortError' || err.name === 'CanceledError'))) {
    // The caller cancelled: retrying on its behalf would defeat the cancellation.
    return new ProviderError(provider, 'timeout', `${what} was cancelled`, { retryable: false });
  }
  const code = (err as { code?: string } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message)) {
    return new ProviderError(provider, 'timeout', `${what} timed out (${clean(message)})`);
  }
  return new ProviderError(provider, 'unavailable', `${what} could not reach the server (${code ?? 'network error'}: ${clean(message)})`);
}

/** Reads a field that may be a string anywhere in a decoded JSON error body. */
export function field(value: unknown, ...path: (string | number)[]): unknown {
  let v: unknown = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Engines that take HTML may answer with entities the input did not have
 * (`&#39;`, `&nbsp;`). Inline XML only escapes `& < > "`, so everything else
 * is decoded back to characters; the three structural ones stay escaped.
 */
export function tidyEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ent: string) => {
    let ch: string | undefined;
    if (ent[0] === '#') {
      const cp = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      ch = Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;
    } else {
      ch = ({ apos: "'", nbsp: '\u00A0', quot: '"', amp: '&', lt: '<', gt: '>' } as Record<string, string>)[ent];
    }
    if (ch === undefined) return whole;
    if (ch === '&') return '&amp;';
    if (ch === '<') return '&lt;';
    if (ch === '>') return '&gt;';
    if (ch === '"') return '&quot;';
    return ch;
  });
}

/** Reads an integer option from the environment, ignoring junk. */
export function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * Engines list regional or script variants (`EN-US`, `zh-Hans`) where callers
 * usually ask for the plain language. Adds the plain target for every pair
 * whose target only exists as variants, since the adapter maps it to a default.
 */
export function withPlainTargets(pairs: readonly { from: string; to: string }[]): { from: string; to: string }[] {
  const seen = new Set(pairs.map((p) => `${p.from}>${p.to}`));
  const out = [...pairs];
  for (const p of pairs) {
    const base = p.to.split('-')[0]!;
    if (base === p.to || base === p.from.split('-')[0]) continue;
    const key = `${p.from}>${base}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ from: p.from, to: base });
    }
  }
  return out;
}
