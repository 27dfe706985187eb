/**
 * Provider and route warnings reach the worker as English sentences (the
 * translator contract carries strings, and bundles keep them so). Before a
 * job record stores them, each known sentence is read back into a code and
 * its variable parts, so that the API can say it in the reader's language;
 * anything not recognised is kept whole as `note-other`, shown as it came.
 */
import type { MessageParams, StoredMessage } from './store.js';

interface Pattern {
  code: string;
  re: RegExp;
  params(m: RegExpExecArray): MessageParams;
}

// The sentences are written in providers/ and pipeline/run.ts; a change there
// falls through to `note-other` (still shown, in English) rather than breaking.
const PATTERNS: Pattern[] = [
  { code: 'note-pseudo', re: /^pseudo-localisation: this target is test output, not a translation$/, params: () => ({}) },
  { code: 'note-fallback', re: /^(.+?) failed \(([\s\S]*)\); falling back to (.+)$/, params: (m) => ({ route: m[1]!, detail: m[2]!, next: m[3]! }) },
  { code: 'note-glossary-unused', re: /^([\w.-]+): glossary not used: ([\s\S]*)$/, params: (m) => ({ provider: m[1]!, detail: m[2]! }) },
  {
    code: 'note-glossary-not-deleted',
    re: /^([\w.-]+): could not delete the replaced glossary (\S+): ([\s\S]*)$/,
    params: (m) => ({ provider: m[1]!, glossary: m[2]!, detail: m[3]! }),
  },
  {
    code: 'note-dictionary-unused',
    re: /^([\w.-]+): dynamic dictionary not used for (\S+)→(\S+) \(/,
    params: (m) => ({ provider: m[1]!, from: m[2]!, to: m[3]! }),
  },
  { code: 'note-retried', re: /^([\w.-]+): first answer rejected and retried \(([\s\S]*)\)$/, params: (m) => ({ provider: m[1]!, detail: m[2]! }) },
];

export function noteOf(text: string): StoredMessage {
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (m) {
      const params = p.params(m);
      return Object.keys(params).length ? { code: p.code, message: text, params } : { code: p.code, message: text };
    }
  }
  return { code: 'note-other', message: text, params: { detail: text } };
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
