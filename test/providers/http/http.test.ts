import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../pipeline/errors.js';
import { callJson, chunkSegments, classifyStatus, createHttpClient, parseDuration, parseRetryAfter, redact, tidyEntities, translateSplitting } from '../../../providers/http.js';
import { startFake } from '../../fakes/common.js';
import { catchProviderError } from './helpers.js';

describe('Retry-After and durations', () => {
  it('reads seconds and HTTP-dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('reads Go-style reset durations', () => {
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('6m0s')).toBe(360_000);
    expect(parseDuration('20ms')).toBe(20);
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('later')).toBeUndefined();
  });
});

describe('redaction', () => {
  it('removes every secret, URL-encoded forms included', () => {
    expect(redact('key=a+b/c== and a+b/c== again, a%2Bb%2Fc%3D%3D', ['a+b/c=='])).toBe('key=*** and *** again, ***');
    expect(redact('nothing here', [undefined, ''])).toBe('nothing here');
  });
});

describe('status classification', () => {
  it('gives every documented status a reason', () => {
    expect([400, 401, 403, 404, 408, 413, 429, 456, 500, 502, 503, 504, 529].map(classifyStatus)).toEqual([
      'bad-request', 'auth', 'auth', 'bad-request', 'timeout', 'bad-request', 'rate-limit', 'quota', 'unavailable', 'unavailable', 'unavailable', 'timeout', 'unavailable',
    ]);
  });
});

describe('chunking and splitting', () => {
  const segs = (n: number, len: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, text: 'x'.repeat(len) }));
  it('respects texts, characters and body bytes, in order', () => {
    expect(chunkSegments(segs(7, 1), { maxTexts: 3, maxChars: 100 }).map((c) => c.length)).toEqual([3, 3, 1]);
    expect(chunkSegments(segs(5, 40), { maxTexts: 100, maxChars: 100 }).map((c) => c.length)).toEqual([2, 2, 1]);
    const bytes = (s: { text: string }[]) => Buffer.byteLength(JSON.stringify(s.map((x) => x.text)));
    expect(chunkSegments(segs(4, 10), { maxTexts: 100, maxChars: 1e9, maxBodyBytes: 30, bodyBytes: bytes }).map((c) => c.length)).toEqual([2, 2]);
    // An oversize segment travels alone; the server decides.
    expect(chunkSegments([...segs(1, 5), ...segs(1, 500), ...segs(1, 5)], { maxTexts: 10, maxChars: 100 }).map((c) => c.length)).toEqual([1, 1, 1]);
    const flat = chunkSegments(segs(9, 1).map((s, i) => ({ ...s, id: String(i) })), { maxTexts: 4, maxChars: 100 }).flat().map((s) => s.id);
    expect(flat).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
  });

  it('halves on "too large" until a single segment fails', async () => {
    const sizes: number[] = [];
    const tooLarge = new ProviderError('x', 'bad-request', 'too large', { status: 413 });
    const out = await translateSplitting(segs(8, 1), async (c) => {
      sizes.push(c.length);
      if (c.length > 2) throw tooLarge;
      return c.length;
    }, (e) => e === tooLarge);
    expect(out).toEqual([2, 2, 2, 2]);
    expect(sizes).toEqual([8, 4, 2, 2, 4, 2, 2]);
    await expect(translateSplitting(segs(1, 1), async () => { throw tooLarge; }, (e) => e === tooLarge)).rejects.toBe(tooLarge);
  });
});

describe('entities from HTML engines', () => {
  it('decodes what inline XML does not escape and keeps what it does', () => {
    expect(tidyEntities('L&#39;IA &amp; &lt;b&gt; &quot;x&quot; &#x27;y&#x27; a&nbsp;b &#60; &foo;')).toBe('L\'IA &amp; &lt;b&gt; &quot;x&quot; \'y\' a\u00A0b &lt; &foo;');
  });
});

describe('callJson failures', () => {
  const opts = { provider: 'demo', secrets: ['s3cret-token'] };

  it('a refused connection is unavailable and retryable', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    const http = createHttpClient({ baseURL: `http://127.0.0.1:${port}` });
    const e = await catchProviderError(callJson(http, { url: '/x?key=s3cret-token' }, opts));
    expect(e).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(e.message).not.toContain('s3cret-token');
  });

  it('a slow server is a timeout; an aborted call is not retried', async () => {
    const fake = await startFake(() => new Promise((r) => setTimeout(() => r({ status: 200, body: {} }), 2000)));
    try {
      const http = createHttpClient({ baseURL: fake.url, timeoutMs: 100 });
      expect(await catchProviderError(callJson(http, { url: '/slow' }, opts))).toMatchObject({ reason: 'timeout', retryable: true });
      const ac = new AbortController();
      const p = callJson(createHttpClient({ baseURL: fake.url }), { url: '/slow', signal: ac.signal }, opts);
      setTimeout(() => ac.abort(), 50);
      expect(await catchProviderError(p)).toMatchObject({ reason: 'timeout', retryable: false });
    } finally {
      await fake.close();
    }
  });

  it('redacts secrets echoed back by a server and never attaches the request as cause', async () => {
    const fake = await startFake((req) => ({ status: 403, body: { message: `bad key ${String(req.headers.authorization)}` } }));
    try {
      const http = createHttpClient({ baseURL: fake.url });
      const e = await catchProviderError(callJson(http, { url: '/x', headers: { Authorization: 'Bearer s3cret-token' } }, opts));
      expect(e.reason).toBe('auth');
      expect(e.message).toContain('bad key Bearer ***');
      expect(e.cause).toBeUndefined();
      expect(JSON.stringify(e)).not.toContain('s3cret-token');
    } finally {
      await fake.close();
    }
  });
});
