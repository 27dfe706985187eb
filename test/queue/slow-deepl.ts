/**
 * A proxy in front of the DeepL fake that fault tests can steer: a delay per
 * translate call, scripted failures (status codes DeepL documents), and a
 * count of translations actually delivered to a client. A response whose
 * client died before it could be written is not counted: that is the line
 * between "billed and used" and "lost with the worker".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEEPL_FAKE_KEY, startDeeplFake, type DeeplFake } from '../fakes/deepl.js';

export interface SlowDeepl {
  url: string;
  env: NodeJS.ProcessEnv;
  delayMs: number;
  /** Statuses to answer the next translate calls with, in order (then normal service). */
  failures: number[];
  translateCalls: number;
  /** Source text → times its translation reached a client. */
  delivered: Map<string, number>;
  close(): Promise<void>;
}

export async function startSlowDeepl(delayMs = 0): Promise<SlowDeepl> {
  const upstream: DeeplFake = await startDeeplFake();
  const state = { delayMs, failures: [] as number[], translateCalls: 0, delivered: new Map<string, number>() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const isTranslate = req.method === 'POST' && (req.url ?? '').startsWith('/v2/translate');
        if (isTranslate) {
          state.translateCalls++;
          const status = state.failures.shift();
          if (status) {
            const message = status === 456 ? 'Quota exceeded. The character limit has been reached.' : status === 403 ? 'Authorization failure, check auth_key' : 'Service unavailable';
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
            return;
          }
          if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
        }
        const up = await fetch(`${upstream.url}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)) as [string, string][]),
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        });
        const out = Buffer.from(await up.arrayBuffer());
        if (req.socket.destroyed || res.destroyed) return;
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
        res.end(out, () => {
          if (!isTranslate || up.status !== 200) return;
          const texts = (JSON.parse(body.toString('utf8')) as { text: string[] }).text;
          for (const t of texts) state.delivered.set(t, (state.delivered.get(t) ?? 0) + 1);
        });
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: SlowDeepl = {
    url,
    env: { DEEPL_AUTH_KEY: DEEPL_FAKE_KEY, DEEPL_BASE_URL: url },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    get failures() {
      return state.failures;
    },
    set failures(v: number[]) {
      state.failures = v;
    },
    get translateCalls() {
      return state.translateCalls;
    },
    set translateCalls(v: number) {
      state.translateCalls = v;
    },
    delivered: state.delivered,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await upstream.close();
    },
  };
  return fake;
}
