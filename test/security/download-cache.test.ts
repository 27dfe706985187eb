/**
 * Issue 15 "Single-file downloads": a file of a revision is inflated once
 * (off the event loop) and then served as bytes from a bounded in-process
 * cache keyed by revision. Shown through the API: a cached file is the zip
 * entry byte for byte and is served with the stored zip gone; a post-edit
 * (revision 2) is never answered with revision 1's bytes; Range still gives
 * 206/416; LOCFLOW_DOWNLOAD_CACHE_BYTES=0 keeps nothing. The cache's byte
 * bound and the zip reader are checked directly.
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBundle, zipBundle } from '../../pipeline/formats/bundle.js';
import { downloadFromZip, selectDownload } from '../../pipeline/formats/download.js';
import { readEntry, zipDirectory } from '../../pipeline/formats/zip-entry.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { etagOf, etagOfAsync } from '../../server/byte-range.js';
import { DownloadCache, downloadKey } from '../../server/download-cache.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { fixture, plainRenderer } from '../formats/fixture.js';
import { cleanPrefix, REDIS_URL, testConfig, waitFor } from '../queue/helpers.js';

const config = testConfig({});
let app: FastifyInstance;
let uncached: FastifyInstance;
let workers: RunningWorkers;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, LOCFLOW_TOKENS: '' } });
  uncached = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, LOCFLOW_TOKENS: '', LOCFLOW_DOWNLOAD_CACHE_BYTES: '0' } });
  workers = await startWorkers({ config, concurrency: 1 });
});

afterAll(async () => {
  await workers?.close();
  await app?.close();
  await uncached?.close();
  await cleanPrefix(config.prefix);
});

async function completed(text: string, targets: string[]): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, sourceLang: 'fr', targets, provider: 'pseudo' } });
  const id = r.json().id as string;
  await waitFor(async () => ((await app.inject({ url: `/v1/jobs/${id}` })).json().status === 'completed' ? true : undefined), 'completion', 60_000);
  return id;
}

async function dropZip(id: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    // Both what a download reads and what a rebuild would: only the cache can answer now.
    expect(await redis.del(`${config.prefix}:zip:${id}`, `${config.prefix}:bundle:${id}`)).toBe(2);
  } finally {
    redis.disconnect();
  }
}

describe('single-file downloads are kept as bytes per revision', () => {
  it('a cached file is the zip entry byte for byte, served without the zip; Range works on it', async () => {
    const id = await completed('Le cache garde les octets. Une deuxième phrase suit.', ['en', 'vi']);
    const entries = unzipSync(new Uint8Array((await app.inject({ url: `/v1/jobs/${id}/bundle` })).rawPayload));
    const first = await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=vi` });
    expect(first.statusCode).toBe(200);
    // The uncached server must read the zip each time: it answers now, and not once the zip is gone.
    expect((await uncached.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=vi` })).statusCode).toBe(200);
    await dropZip(id);
    expect((await uncached.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=vi` })).statusCode).toBe(404);

    const again = await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=VI` });
    expect(again.statusCode, again.body).toBe(200);
    expect(Buffer.compare(again.rawPayload, Buffer.from(entries['xliff/fr-vi.xlf']!))).toBe(0);
    expect(again.headers['content-disposition']).toBe(first.headers['content-disposition']);
    expect(again.headers.etag).toBe(first.headers.etag);
    // A file never asked for is not in the cache.
    expect((await app.inject({ url: `/v1/jobs/${id}/bundle?format=json` })).statusCode).toBe(404);

    const size = entries['xliff/fr-vi.xlf']!.length;
    const part = await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=vi`, headers: { range: 'bytes=10-' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-${size - 1}/${size}`);
    expect(Buffer.compare(part.rawPayload, Buffer.from(entries['xliff/fr-vi.xlf']!.subarray(10)))).toBe(0);
    const beyond = await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=vi`, headers: { range: `bytes=${size + 5}-` } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
  }, 90_000);

  it('after a post-edit the new revision is served, never the cached older one', async () => {
    const id = await completed('Une phrase à corriger. Une autre reste.', ['vi']);
    const xlf = (await app.inject({ url: `/v1/jobs/${id}/bundle?format=xliff&target=vi` })).body;
    const json1 = (await app.inject({ url: `/v1/jobs/${id}/bundle?format=json` })).body;
    const unit = /<trans-unit id="([^"]+)"[^>]*>[\s\S]*?<target([^>]*)>([^<]*)<\/target>/.exec(xlf);
    expect(unit).not.toBeNull();
    const edited = unit![0].replace(/<target([^>]*)>[^<]*<\/target>/, '<target$1>Bản dịch đã sửa trong bộ nhớ đệm</target>');
    const res = await app.inject({ method: 'POST', url: `/v1/jobs/${id}/xliff`, headers: { 'content-type': 'application/xml' }, payload: xlf.replace(unit![0], edited) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ revision: 2 });

    const zip2 = unzipSync(new Uint8Array((await app.inject({ url: `/v1/jobs/${id}/bundle` })).rawPayload));
    for (const [query, path, before] of [
      ['format=xliff&target=vi', 'xliff/fr-vi.xlf', xlf],
      ['format=json', 'aligned.json', json1],
    ] as const) {
      const d = await app.inject({ url: `/v1/jobs/${id}/bundle?${query}` });
      expect(d.statusCode).toBe(200);
      expect(d.body).not.toBe(before);
      expect(d.body).toContain('Bản dịch đã sửa trong bộ nhớ đệm');
      expect(Buffer.compare(d.rawPayload, Buffer.from(zip2[path]!)), query).toBe(0);
      expect(String(d.headers['content-disposition'])).toContain('-r2');
    }
  }, 90_000);
});

describe('DownloadCache', () => {
  const dl = (n: number, fill = 1) => ({ filename: 'f', contentType: 'text/plain', body: new Uint8Array(n).fill(fill) });

  it('keeps at most its byte bound, least recently used out first', () => {
    const cache = new DownloadCache(100);
    cache.set('a', dl(40, 1));
    cache.set('b', dl(40, 2));
    expect(cache.get('a')?.body[0]).toBe(1); // a is now the most recent
    cache.set('c', dl(40, 3));
    expect(cache.bytes).toBe(80);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.body[0]).toBe(1);
    expect(cache.get('c')?.body[0]).toBe(3);
    // Larger than the whole bound: served, never kept, nothing evicted for it.
    cache.set('big', dl(101));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.bytes).toBe(80);
    // Replacing a key counts its bytes once.
    cache.set('a', dl(10, 9));
    expect(cache.bytes).toBe(50);
    expect(cache.size).toBe(2);
  });

  it('the ETag hashed off the loop is the one sendBytes computes', async () => {
    for (const n of [0, 5, 70_000]) {
      const body = Buffer.alloc(n, n % 251);
      expect(await etagOfAsync(body)).toBe(etagOf(body));
    }
  });

  it('requests for a file being loaded share the one load; a failed or empty load is not kept', async () => {
    const cache = new DownloadCache(1000);
    let loads = 0;
    const slow = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { filename: 'f', contentType: 'text/plain', body: Buffer.from('abc'), etag: '"x"' };
    };
    const got = await Promise.all([cache.load('k', slow), cache.load('k', slow), cache.load('k', slow), cache.load('k', slow)]);
    expect(loads).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect((await cache.load('k', slow))?.body.toString()).toBe('abc');
    expect(loads).toBe(1);
    await expect(cache.load('bad', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.load('none', async () => undefined)).toBeUndefined();
    expect(cache.size).toBe(1);
    // After a failure the next request tries again.
    expect((await cache.load('bad', slow))?.etag).toBe('"x"');
  });

  it('0 keeps nothing', () => {
    const cache = new DownloadCache(0);
    cache.set('a', dl(1));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it('keys differ by revision, assembly time, format and target (not by its case)', () => {
    const base = { id: 'j1', revision: 1, finishedAt: 't1', format: 'xliff', target: 'en' };
    const key = downloadKey(base);
    expect(downloadKey({ ...base, target: 'EN' })).toBe(key);
    for (const other of [{ revision: 2 }, { finishedAt: 't2' }, { format: 'json' }, { target: 'vi' }, { id: 'j2' }]) expect(downloadKey({ ...base, ...other })).not.toBe(key);
  });
});

describe('reading one zip entry off the event loop', () => {
  it('gives the same bytes and download as inflating on the loop', async () => {
    const files = writeBundle(fixture(), { renderer: plainRenderer });
    const zip = zipBundle(files);
    const all = unzipSync(zip);
    const dir = zipDirectory(zip);
    expect([...dir.keys()].sort()).toEqual(Object.keys(all).sort());
    for (const [name, entry] of dir) expect(Buffer.compare(Buffer.from(await readEntry(zip, entry)), Buffer.from(all[name]!)), name).toBe(0);
    for (const [format, target] of [['xliff', 'en'], ['json', undefined], ['document', 'en'], ['i18next', 'fr'], ['tmx', undefined]] as const) {
      const want = selectDownload(files, format, target);
      const got = await downloadFromZip(zip, format, target);
      expect(got.filename).toBe(want.filename);
      expect(Buffer.compare(Buffer.from(got.body), Buffer.from(want.body)), format).toBe(0);
    }
    await expect(downloadFromZip(zip, 'xliff', 'de')).rejects.toMatchObject({ code: 'unknown-target' });
  });

  it('reads stored (uncompressed) entries and refuses a damaged zip', async () => {
    const zip = zipSync({ 'a.txt': new TextEncoder().encode('stored'), 'b.txt': new TextEncoder().encode('deflated '.repeat(50)) }, { level: 0 });
    const dir = zipDirectory(zip);
    expect(new TextDecoder().decode(await readEntry(zip, dir.get('a.txt')!))).toBe('stored');
    expect(() => zipDirectory(zip.subarray(0, zip.length - 30))).toThrow(/unreadable/);
    const broken = new Uint8Array(zip);
    broken[dir.get('a.txt')!.offset] = 0;
    await expect(readEntry(broken, dir.get('a.txt')!)).rejects.toMatchObject({ code: 'bundle-corrupt' });
  });
});
