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
