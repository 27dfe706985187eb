import type { Notice } from './model.js';

/**
 * The notes of a result as notices. A translator or provider written before
 * notices existed gives only English `warnings`: each becomes `note-other`,
 * which every language shows as it came.
 *
 * A module of its own so that the router can use it without loading the
 * pipeline's language detection.
 */
export function noticesOf(result: { warnings?: readonly string[]; notices?: readonly Notice[] }): Notice[] {
  return result.notices ? [...result.notices] : (result.warnings ?? []).map((message) => ({ code: 'note-other', message, params: { detail: message } }));
}
