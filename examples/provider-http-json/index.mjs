// A locflow provider plugin for a generic JSON-over-HTTP MT endpoint: the
// commonest in-house case. Where the texts go in the request and where the
// translations are in the answer are set in the options, so one module serves
// many engines. One translate() call is one POST; locflow cuts the batches.

/** locflow reads a thrown error as a ProviderError by its name and reason. */
function providerError(reason, message, extra = {}) {
  return Object.assign(new Error(message), { name: 'ProviderError', reason, ...extra });
}

/** `a.b.0.c` → value inside a decoded JSON answer. */
function pick(value, path) {
  return path.split('.').filter(Boolean).reduce((v, k) => (v == null ? undefined : v[k]), value);
}

/** Fills `{{texts}}`, `{{from}}`, `{{to}}` placeholders of the request template (values, not strings). */
function fill(template, vars) {
  if (typeof template === 'string') {
    const whole = /^\{\{(\w+)\}\}$/.exec(template);
    if (whole) return vars[whole[1]];
    return template.replace(/\{\{(\w+)\}\}/g, (_, k) => String(vars[k]));
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, vars));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, vars)]));
  return template;
}

function statusError(status, retryAfter, detail) {
  const message = `HTTP ${status}: ${detail.slice(0, 200)}`;
  if (status === 401 || status === 403) return providerError('auth', message, { status });
  if (status === 402 || status === 456) return providerError('quota', message, { status });
  if (status === 413) return providerError('too-large', message, { status });
  if (status === 429) {
    const seconds = Number(retryAfter);
    return providerError('rate-limit', message, { status, ...(Number.isFinite(seconds) ? { retryAfterMs: seconds * 1000 } : {}) });
  }
  if (status >= 500) return providerError('unavailable', message, { status, retryable: true });
  return providerError('bad-request', message, { status });
}

export default function createProvider(options, { env }) {
  const url = options.url ?? env.HTTP_JSON_MT_URL;
  const headers = { 'content-type': 'application/json', ...(options.headers ?? {}) };
  const tokenVar = options.tokenEnv ?? 'HTTP_JSON_MT_TOKEN';
  if (env[tokenVar]) headers.authorization = `Bearer ${env[tokenVar]}`;
  const request = options.request ?? { q: '{{texts}}', source: '{{from}}', target: '{{to}}' };
  const responsePath = options.response ?? 'translations';
  const pairs = (options.pairs ?? ['fr-en', 'en-fr']).map((p) => {
    const [from, to] = p.split('-');
    return { from, to };
  });

  async function post(texts, from, to, signal) {
    let res;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(fill(request, { texts, from, to })), signal });
    } catch (err) {
      if (signal?.aborted) throw providerError('timeout', 'cancelled', { retryable: false });
      throw providerError('unavailable', `cannot reach ${url}: ${err.message}`);
    }
    const body = await res.text();
    if (!res.ok) throw statusError(res.status, res.headers.get('retry-after'), body);
    let out;
    try {
      out = pick(JSON.parse(body), responsePath);
    } catch {
      throw providerError('bad-response', `answer is not JSON: ${body.slice(0, 80)}`);
    }
    if (!Array.isArray(out) || out.length !== texts.length || out.some((t) => typeof t !== 'string')) {
      throw providerError('bad-response', `expected ${texts.length} strings at "${responsePath}"`);
    }
    return out;
  }

  return {
    id: 'http-json',
    contractVersion: 3,
    configured: Boolean(url),
    glossary: 'mask',
    limits: { maxTexts: options.maxTexts ?? 50, maxChars: options.maxChars ?? 20000, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) },
    measure: (segments) => Buffer.byteLength(JSON.stringify(fill(request, { texts: segments.map((s) => s.text), from: 'xx', to: 'xx' }))),
    async pairs() {
      return pairs;
    },
    async translate({ segments, from, to, signal }) {
      signal?.throwIfAborted();
      if (segments.length === 0) return { texts: [], billedChars: 0 };
      const texts = await post(segments.map((s) => s.text), from, to, signal);
      return { texts, billedChars: segments.reduce((n, s) => n + s.text.length, 0) };
    },
    async health() {
      if (!url) return { ok: false, message: 'no url in options (or HTTP_JSON_MT_URL)' };
      try {
        await post(['ok'], pairs[0].from, pairs[0].to);
        return { ok: true, message: `${url} answers` };
      } catch (err) {
        return { ok: false, message: err.message };
      }
    },
  };
}
