// A provider plugin that calls its engine with node:http instead of the global
// fetch(), as plugins built on axios, undici or an SDK do: the kit cannot
// answer its requests by replacing fetch(), only by being its engine
// (provider-test --fault-options). The engine takes {texts} and answers
// {translations}.
import { request } from 'node:http';

const fail = (reason, message, extra = {}) => Object.assign(new Error(message), { name: 'ProviderError', reason, ...extra });

function post(url, body, signal) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export default function createProvider(options) {
  return {
    id: 'http-client',
    contractVersion: 3,
    configured: Boolean(options.url),
    glossary: 'mask',
    limits: { maxTexts: 10, maxChars: 3000 },
    async pairs() {
      return [{ from: 'fr', to: 'en' }];
    },
    async translate({ segments, signal }) {
      if (segments.length === 0) return { texts: [], billedChars: 0 };
      signal?.throwIfAborted();
      const res = await post(options.url, { texts: segments.map((s) => s.text) }, signal);
      if (res.status === 429) throw fail('rate-limit', 'slow down', { retryAfterMs: 1000 * Number(res.headers['retry-after'] ?? 1) });
      if (res.status === 401 || res.status === 403) throw fail('auth', `HTTP ${res.status}`);
      if (res.status === 402) throw fail('quota', 'quota spent');
      if (res.status !== 200) throw fail('unavailable', `HTTP ${res.status}`);
      return { texts: JSON.parse(res.text).translations, billedChars: segments.reduce((n, s) => n + s.text.length, 0) };
    },
    async health() {
      return { ok: true, message: `engine at ${options.url}` };
    },
  };
}
