/**
 * The one HTTP client of the commands that talk to a locflow server (submit,
 * status, download, glossary …, import-xliff), so that they all find the
 * server, authenticate, and report a server that is down, slow, failing or
 * not locflow at all in the same words and with the same exit code.
 */
import type { TFunction } from 'i18next';
import { processLanguage } from '../locales/i18n.js';
import { InputError } from '../pipeline/errors.js';
import { loadProvidersConfig } from '../providers/config.js';
import { EXIT_BAD_INPUT, EXIT_JOB_FAILED, ExitError } from './run-command.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

/**
 * How long the server may take to start answering. Only the start: a job's
 * event stream or a large bundle may then take as long as it needs.
 */
const ANSWER_TIMEOUT_MS = 60_000;

/** Tries of one request while the server answers 503 (about half a minute with the server's Retry-After of 2 s and the cap below). */
const UNAVAILABLE_ATTEMPTS = 8;
const MAX_RETRY_AFTER_MS = 10_000;

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** `--server` and `--token`, as every client command takes them. */
export interface ClientOptions {
  server?: string;
  token?: string;
}

/** JSON, or a file's bytes or text sent as they are with their media type. */
export type RequestBody = { json: unknown } | { raw: string | Uint8Array; type: string };

/** The server refused (4xx) or failed (5xx): its status and, when it sent one, its `{error:{code,message}}`. */
export class ApiRefusal extends ExitError {
  constructor(
    readonly status: number,
    readonly error: { code?: string; message?: string } | undefined,
    line: string,
    /** The server's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    // The caller's mistake (bad input, unknown job, bad token) is exit 2; a broken server is a failure.
    super(status < 500 ? EXIT_BAD_INPUT : EXIT_JOB_FAILED, line);
  }
}

export class ApiClient {
  /** Base URL without a trailing slash. */
  readonly base: string;
  private readonly token: string | undefined;

  /** `--server`/`--token`, else `LOCFLOW_SERVER`/`LOCFLOW_TOKEN` (environment, then the LOCFLOW_CONFIG file); refuses anything but an http(s) URL. */
  constructor(
    opts: ClientOptions,
    private readonly t: TFunction,
  ) {
    const env = opts.server !== undefined && opts.token !== undefined ? process.env : loadProvidersConfig(process.env).env;
    this.base = (opts.server ?? env.LOCFLOW_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
    let url: URL | undefined;
    try {
      url = new URL(this.base);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InputError('bad-server', `--server "${this.base}" is not an http(s) URL (e.g. ${DEFAULT_SERVER})`, { details: { server: this.base, example: DEFAULT_SERVER } });
    }
    this.token = opts.token ?? env.LOCFLOW_TOKEN ?? undefined;
  }

  /**
   * A 2xx answer that is not a web page; everything else is thrown as one line
   * for the user. A 503 (Redis failing over, full, or restarting) is tried
   * again after its Retry-After, a few times: every request locflow sends may
   * be repeated (a submission's id is the hash of its content).
   */
  async request(method: string, path: string, body?: RequestBody, accept = 'application/json'): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body, accept);
      } catch (err) {
        if (!(err instanceof ApiRefusal) || err.status !== 503 || attempt >= UNAVAILABLE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.min(err.retryAfterMs ?? 1000 * attempt, MAX_RETRY_AFTER_MS)));
      }
    }
  }

  private async requestOnce(method: string, path: string, body: RequestBody | undefined, accept: string): Promise<Response> {
    // The server words its errors in the CLI's language.
    const headers: Record<string, string> = { accept, 'accept-language': processLanguage() };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = 'json' in body ? 'application/json' : body.type;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        signal: abort.signal,
        ...(body ? { body: 'json' in body ? JSON.stringify(body.json) : (body.raw as BodyInit) } : {}),
      });
    } catch (err) {
      const detail = ((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message) || 'no answer';
      throw new ExitError(EXIT_BAD_INPUT, this.t('server:serverUnreachable', { url: this.base, detail }));
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) {
      let error: { code?: string; message?: string } | undefined;
      try {
        error = ((await res.json()) as { error?: typeof error }).error;
      } catch {
        // Not our error shape (a proxy's page): the status says enough.
      }
      // Glossary routes exist only when the server runs with its glossary store: its catch-all 404 there says it has none.
      const noGlossary = res.status === 404 && error?.code === 'not-found' && path.startsWith('/v1/glossary/');
      const message = noGlossary ? this.t('glossary:noGlossaryApi') : (error?.message ?? res.statusText);
      let line = this.t('server:httpError', { status: res.status, message });
      // A 401 is fixed on the command line: say where the token goes (and whether one was sent at all).
      if (res.status === 401) line += `\n${this.t(this.token ? 'server:tokenRefused' : 'server:tokenMissing')}`;
      throw new ApiRefusal(res.status, error, line, retryAfterMs(res.headers.get('retry-after')));
    }
    // The API never answers a web page: refuse one before anything reads or saves it.
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'text/html') throw notLocflow(this.base, type);
    return res;
  }

  /** The answer as JSON, or `server-not-locflow` when it is not JSON at all. */
  async json<T>(method: string, path: string, body?: RequestBody): Promise<T> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw notLocflow(this.base, (res.headers.get('content-type') ?? '').split(';')[0]!.trim() || 'no Content-Type');
    }
  }
}

/** `--server` names something that is not the locflow API (a web server, a proxy's login page). */
function notLocflow(server: string, type: string): InputError {
  return new InputError('server-not-locflow', `${server} answered with ${type}, not the locflow API; check --server (or LOCFLOW_SERVER)`, { params: { server, type } });
}
