/**
 * Calls to locflow's own API. The browser sends the session cookie by itself
 * (same origin), so no script ever holds a token.
 */
import { currentLanguage } from './i18n.js';

/** Fired on window when the server no longer knows the caller. */
export const SIGNED_OUT = 'locflow:signed-out';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole JSON answer, for refusals that say more than code and message (a stale edit carries the current text). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** A request body that goes as it is (a file), with its media type. */
export interface RawBody {
  raw: Blob;
  type: string;
}

export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const raw = body instanceof Object && 'raw' in body && (body as RawBody).raw instanceof Blob ? (body as RawBody) : undefined;
  const contentType = raw ? raw.type : body === undefined ? undefined : 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      // A job's files change with each post-edited revision: always ask the server.
      cache: 'no-store',
      // Server messages come back in the interface language.
      headers: { accept: 'application/json', 'accept-language': currentLanguage(), ...(contentType ? { 'content-type': contentType } : {}), ...extraHeaders },
      ...(raw ? { body: raw.raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    // The session ended (expired cookie, token removed): the page goes back to its sign-in form.
    if (res.status === 401 && path !== '/v1/session' && path !== '/v1/me') window.dispatchEvent(new CustomEvent(SIGNED_OUT));
    const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `http-${res.status}`, err?.message ?? res.statusText, data);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);
export const upload = <T>(path: string, file: Blob, type: string) => api<T>('POST', path, { raw: file, type } satisfies RawBody);
