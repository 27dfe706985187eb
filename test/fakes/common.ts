/**
 * Shared machinery for the fake provider servers: a node:http server on
 * 127.0.0.1 port 0, a record of every request, scripted failures, and a
 * deterministic "translation" that keeps inline tags and escaping intact.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
  /** JSON body when it parsed, form fields as an object for urlencoded bodies. */
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  /** Raw text sent as is (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Scripted {
  /** Path this failure applies to; any path when omitted. */
  path?: string;
  answer: FakeAnswer | ((req: RecordedRequest) => FakeAnswer | undefined);
  /** How many calls to answer this way. */
  times: number;
}

export type Handler = (req: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next `times` matching calls with `answer` before the real handler runs again. */
  script(answer: Scripted['answer'], options?: { times?: number; path?: string }): void;
  /** Requests to a path (without query). */
  calls(path: string): RecordedRequest[];
  /** Forgets recorded requests and unused scripted answers, so one test cannot leak into the next. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFake(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const scripted: Scripted[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void respond(req, Buffer.concat(chunks).toString('utf8'), res);
    });
  });

  async function respond(req: IncomingMessage, raw: string, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = undefined;
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
    } else if (type.includes('x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(raw));
    }
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, raw, body };
    requests.push(rec);
    let answer: FakeAnswer | undefined;
    const i = scripted.findIndex((s) => s.path === undefined || s.path === rec.path);
    if (i >= 0) {
      const s = scripted[i]!;
      answer = typeof s.answer === 'function' ? s.answer(rec) : s.answer;
      if (--s.times <= 0) scripted.splice(i, 1);
    }
    try {
      answer ??= await handler(rec);
    } catch (err) {
      answer = { status: 500, body: { message: `fake crashed: ${String(err)}` } };
    }
    const text = answer.rawBody ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    res.writeHead(answer.status, {
      ...(answer.body !== undefined || answer.rawBody !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...answer.headers,
    });
    res.end(text);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(answer, options = {}) {
      scripted.push({ answer, times: options.times ?? 1, ...(options.path ? { path: options.path } : {}) });
    },
    calls: (path) => requests.filter((r) => r.path === path),
    reset() {
      requests.length = 0;
      scripted.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether a fake applies the glossary it is given; tests flip it to make an engine whose output misses terms. */
export interface GlossarySwitch {
  ignoreGlossary: boolean;
}

/**
 * `fake.ignoreGlossary` as a live switch over `state`, which the fake's
 * handler reads on every request.
 */
export function withGlossarySwitch<T extends FakeServer>(fake: T, state: GlossarySwitch): T & GlossarySwitch {
  return Object.defineProperty(fake, 'ignoreGlossary', {
    get: () => state.ignoreGlossary,
    set: (v: boolean) => {
      state.ignoreGlossary = v;
    },
    enumerable: true,
  }) as T & GlossarySwitch;
}

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" })[e] ?? _m);
}

function escape(text: string, apostrophe: boolean): string {
  const out = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return apostrophe ? out.replace(/'/g, '&#39;') : out;
}

export interface FakeTranslateOptions {
  /** Source → forced target, applied before the rest is "translated". */
  glossary?: Record<string, string>;
  /** Answer apostrophes as `&#39;` the way HTML-mode engines do. */
  htmlApostrophe?: boolean;
  /** Rewrite `<x id="1"/>` as `<x id="1"></x>` the way HTML deformatters do. */
  expandEmptyTags?: boolean;
}

/**
 * The fakes' deterministic "translation": `[to] ` in front and the text upper-
 * cased, every tag left where it was and glossary targets inserted verbatim.
 * Tests can predict the answer exactly and tell a translation from its source.
 */
export function fakeTranslate(inline: string, to: string, options: FakeTranslateOptions = {}): string {
  // Engines answer an empty text with an empty text.
  if (inline.trim() === '') return inline;
  const parts = inline.split(/(<[^>]*>)/);
  const sources = Object.keys(options.glossary ?? {}).sort((a, b) => b.length - a.length);
  const re = sources.length ? new RegExp(`(${sources.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'gi') : undefined;
  const out = parts.map((part) => {
    if (part.startsWith('<')) return options.expandEmptyTags ? part.replace(/^<x id="([^"]*)"\/>$/, '<x id="$1"></x>') : part;
    const plain = unescape(part);
    if (!re) return escape(plain.toUpperCase(), options.htmlApostrophe ?? false);
    return plain
      .split(re)
      .map((piece) => {
        const hit = sources.find((s) => s.toLowerCase() === piece.toLowerCase());
        return escape(hit ? options.glossary![hit]! : piece.toUpperCase(), options.htmlApostrophe ?? false);
      })
      .join('');
  });
  return `[${to}] ${out.join('')}`;
}

/** What the adapter should return for a fake translation, once entities are tidied. */
export function expectedFake(inline: string, to: string, glossary?: Record<string, string>): string {
  return fakeTranslate(inline, to, glossary ? { glossary } : {});
}
