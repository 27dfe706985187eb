/**
 * Single-file downloads already unpacked, kept in the API process
 * (LOCFLOW_DOWNLOAD_CACHE_BYTES): a file asked for again is sent as bytes,
 * without reading the zip from Redis or inflating it. Keyed by job, revision
 * and the moment that revision was stored, so a post-edit (a new revision)
 * or a re-assembly never meets an older copy. Least recently used first out;
 * bounded by the bytes of the bodies kept.
 */
import type { Download } from '../pipeline/formats/download.js';

/** LOCFLOW_DOWNLOAD_CACHE_BYTES's default: 64 MiB. */
export const DOWNLOAD_CACHE_BYTES = 64 * 1024 * 1024;

export interface CachedDownload {
  filename: string;
  contentType: string;
  body: Buffer;
  /** The ETag of `body`, computed once (hashing megabytes per request is event-loop time too). */
  etag?: string;
}

export interface DownloadKey {
  id: string;
  revision?: number;
  finishedAt?: string;
  format: string;
  target?: string;
}

export function downloadKey(k: DownloadKey): string {
  // Languages are matched without case by selectDownload: en and EN are one file.
  return JSON.stringify([k.id, k.revision ?? 1, k.finishedAt ?? '', k.format, (k.target ?? '').toLowerCase()]);
}

export class DownloadCache {
  private readonly entries = new Map<string, CachedDownload>();
  private readonly loading = new Map<string, Promise<CachedDownload | undefined>>();
  private used = 0;

  /** `maxBytes` 0 keeps nothing. */
  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedDownload | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is insertion order: moving a hit to the end makes the first entry the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /**
   * The cached file, or `load()`'s, kept. Requests for a file that is being
   * loaded share that load: four downloads of one large file at once inflate
   * and hash it once. `undefined` (nothing to send) is not kept. (Shared even with the cache at 0: sharing holds nothing
   * beyond the load.)
   */
  async load(key: string, load: () => Promise<CachedDownload | undefined>): Promise<CachedDownload | undefined> {
    const hit = this.get(key);
    if (hit) return hit;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = load()
        .then((dl) => dl && this.set(key, dl))
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Keeps `dl` unless it alone exceeds the bound; older entries leave to make room. */
  set(key: string, dl: Download | CachedDownload): CachedDownload {
    const body = Buffer.isBuffer(dl.body) ? dl.body : Buffer.from(dl.body);
    const entry: CachedDownload = { filename: dl.filename, contentType: dl.contentType, body, etag: 'etag' in dl ? dl.etag : undefined };
    this.delete(key);
    if (body.length > this.maxBytes) return entry;
    while (this.used + body.length > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.entries.set(key, entry);
    this.used += body.length;
    return entry;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.used -= old.body.length;
  }
}
