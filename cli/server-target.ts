/** Where the client commands (submit, status, download, glossary, import-xliff) send their requests. */
import { InputError } from '../pipeline/errors.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

export interface ServerTarget {
  /** Base URL without a trailing slash. */
  base: string;
  token: string | undefined;
}

/** `--server`/`--token`, else `LOCFLOW_SERVER`/`LOCFLOW_TOKEN`; refuses anything but an http(s) URL. */
export function serverTarget(opts: { server?: string; token?: string }): ServerTarget {
  const base = (opts.server ?? process.env.LOCFLOW_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(base);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InputError('bad-server', `--server "${base}" is not an http(s) URL (e.g. ${DEFAULT_SERVER})`, { details: { server: base, example: DEFAULT_SERVER } });
  }
  return { base, token: opts.token ?? process.env.LOCFLOW_TOKEN ?? undefined };
}

/** `--server` names something that is not the locflow API (a web server, a proxy's login page). */
export function notLocflow(server: string, type: string): InputError {
  return new InputError('server-not-locflow', `${server} answered with ${type}, not the locflow API; check --server (or LOCFLOW_SERVER)`, { params: { server, type } });
}

/** The API never answers a web page: refuse one before anything reads or saves it. */
export function requireApiAnswer(server: string, res: Response): Response {
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/html') throw notLocflow(server, type);
  return res;
}

/** The body as JSON, or `server-not-locflow` when it is not JSON at all. */
export async function apiJson<T>(server: string, res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw notLocflow(server, (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || 'no Content-Type');
  }
}
