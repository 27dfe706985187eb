/**
 * A LibreTranslate fake: `POST /translate` with `q` as a string or an array,
 * `source`/`target`/`format`/`api_key`, `{translatedText}` answers, `{error}`
 * answers with 400/403/429, `GET /languages`, and an operator character limit.
 */
import { fakeTranslate, startFake, type FakeAnswer, type FakeServer } from './common.js';

export const LIBRE_FAKE_KEY = 'fake-libre-key-5f2c';

export interface LibreFakeOptions {
  /** When set, `/translate` requires this `api_key`. */
  apiKey?: string;
  /** Operator `--char-limit`: most characters over all `q` of a request. */
  charLimit?: number;
  /** Operator `--batch-limit`. */
  batchLimit?: number;
}

const LANGS = ['en', 'fr', 'es', 'vi', 'de', 'pt', 'pb', 'zh-Hans', 'zh-Hant'];

export async function startLibreFake(options: LibreFakeOptions = {}): Promise<FakeServer> {
  const e = (status: number, error: string): FakeAnswer => ({ status, body: { error } });
  return startFake((req) => {
    if (req.method === 'GET' && req.path === '/languages') {
      return { status: 200, body: LANGS.map((code) => ({ code, name: code, targets: LANGS })) };
    }
    if (req.method !== 'POST' || req.path !== '/translate') return e(404, 'Not Found');
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (options.apiKey && b.api_key !== options.apiKey) {
      return e(403, b.api_key ? 'Invalid API key' : 'Visit the portal to obtain an API key');
    }
    if (b.q === undefined) return e(400, "Invalid request: missing q parameter");
    const q = Array.isArray(b.q) ? b.q : [b.q];
    if (q.some((t) => typeof t !== 'string')) return e(400, 'Invalid request: q must be text');
    if (options.batchLimit && q.length > options.batchLimit) return e(400, `Invalid request: request (${q.length}) exceeds text limit (${options.batchLimit})`);
    const chars = (q as string[]).reduce((n, t) => n + t.length, 0);
    if (options.charLimit && chars > options.charLimit) return e(400, `Invalid request: request (${chars}) exceeds text limit (${options.charLimit})`);
    if (typeof b.source !== 'string' || (b.source !== 'auto' && !LANGS.includes(b.source))) return e(400, `${String(b.source)} is not supported`);
    if (typeof b.target !== 'string' || !LANGS.includes(b.target)) return e(400, `${String(b.target)} is not supported`);
    const html = b.format === 'html';
    const out = (q as string[]).map((t) => fakeTranslate(t, b.target as string, html ? { expandEmptyTags: true } : {}));
    return { status: 200, body: { translatedText: Array.isArray(b.q) ? out : out[0] } };
  });
}
