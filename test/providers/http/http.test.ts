import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../pipeline/errors.js';
import { callJson, classifyStatus, createHttpClient, parseDuration, parseRetryAfter, redact, tidyEntities } from '../../../providers/http.js';
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
      'bad-request', 'auth', 'auth', 'bad-request', 'timeout', 'too-large', 'rate-limit', 'quota', 'unavailable', 'unavailable', 'unavailable', 'timeout', 'unavailable',
    ]);
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
