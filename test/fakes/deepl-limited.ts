/**
 * A DeepL account with a concurrency limit, for the shared-limits test and the
 * `scale` bench: the DeepL fake behind a proxy that takes `delayMs` per
 * translate call and answers 429 ("Too many requests") to a call that arrives
 * while `limit` others are in flight. It counts what it served, what it
 * refused and the most calls it ever had at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEEPL_FAKE_KEY, startDeeplFake } from './deepl.js';

export interface LimitedDeepl {
  url: string;
  env: NodeJS.ProcessEnv;
  /** `maxOffered`: the most calls that were in flight or arriving at once, refused ones included. */
  readonly stats: { served: number; refused: number; maxInFlight: number; maxOffered: number; inFlight: number; firstAt: number; lastAt: number };
  /** Zeroes the counters (not the calls in flight). */
  reset(): void;
  close(): Promise<void>;
}

export interface LimitedDeeplOptions {
  limit?: number;
  delayMs?: number;
  /** Seconds sent as Retry-After with a 429; none by default (DeepL documents none). */
  retryAfterSeconds?: number;
}

export async function startLimitedDeepl(options: LimitedDeeplOptions = {}): Promise<LimitedDeepl> {
  const limit = options.limit ?? 4;
  const delayMs = options.delayMs ?? 200;
  const upstream = await startDeeplFake();
  /** `firstAt`: when the first translate call arrived; `lastAt`: when the last one was answered (ms). */
  const stats = { served: 0, refused: 0, maxInFlight: 0, maxOffered: 0, inFlight: 0, firstAt: 0, lastAt: 0 };
  const server: Server = createServer((req, res) => {
    const isTranslate = req.method === 'POST' && (req.url ?? '').startsWith('/v2/translate');
    if (isTranslate) {
      // Counted on arrival, like an engine that admits or refuses a request as it comes in.
      stats.maxOffered = Math.max(stats.maxOffered, stats.inFlight + 1);
      if (!stats.firstAt) stats.firstAt = performance.now();
      if (stats.inFlight >= limit) {
        stats.refused++;
        req.resume();
        res.writeHead(429, { 'content-type': 'application/json', ...(options.retryAfterSeconds !== undefined ? { 'retry-after': String(options.retryAfterSeconds) } : {}) });
        res.end(JSON.stringify({ message: 'Too many requests' }));
        return;
      }
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    }
    let finished = false;
    const finish = () => {
      if (isTranslate && !finished) {
        finished = true;
        stats.inFlight--;
      }
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (isTranslate) await new Promise((r) => setTimeout(r, delayMs));
        const up = await fetch(`${upstream.url}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)) as [string, string][]),
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
        });
        const out = Buffer.from(await up.arrayBuffer());
        if (isTranslate && up.status === 200) {
          stats.served++;
          stats.lastAt = performance.now();
        }
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
        res.end(out);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: { DEEPL_AUTH_KEY: DEEPL_FAKE_KEY, DEEPL_BASE_URL: url },
    stats,
    reset() {
      stats.served = 0;
      stats.refused = 0;
      stats.maxInFlight = stats.inFlight;
      stats.maxOffered = stats.inFlight;
      stats.firstAt = 0;
      stats.lastAt = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await upstream.close();
    },
  };
}
