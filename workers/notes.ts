/**
 * What a job record keeps of provider notes and errors: plain JSON, so that
 * any process (the API, an older worker) can read it back.
 */
import type { Notice } from '../pipeline/model.js';
import type { MessageParams, StoredMessage } from './store.js';

/** A notice as a target stores it; a notice without variables (`note-pseudo`) is stored without `params`. */
export function noteOf(notice: Notice): StoredMessage {
  const params = plainParams(notice.params);
  return params ? { code: notice.code, message: notice.message, params } : { code: notice.code, message: notice.message };
}

/**
 * The JSON-safe part of an error's params: strings, numbers, booleans and
 * lists of them. Anything else (a cause object, a buffer) is left out rather
 * than stored half-serialised.
 */
export function plainParams(params: Record<string, unknown> | undefined): MessageParams | undefined {
  if (!params) return undefined;
  const out: MessageParams = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) out[name] = value as (string | number)[];
  }
  return Object.keys(out).length ? out : undefined;
}
