/**
 * Language tags at the edges. Users type BCP-47 (`pt-BR`, `zh-Hans`); we
 * canonicalise them once and refuse codes no one has heard of, so that a typo
 * like `--to en,vn` fails before any work is done.
 */
import { InputError } from './errors.js';
import type { Lang } from './model.js';

/** Special ISO 639 codes that name no language a text can be translated into. */
const NOT_A_LANGUAGE = new Set(['und', 'mul', 'zxx', 'mis']);
const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** Tags already answered: the same few are asked for every batch (pair checks, routes), and each answer costs ICU a canonicalisation and a name lookup. */
const canonicalCache = new Map<string, Lang | undefined>();
const CANONICAL_CACHE_MAX = 1000;

/** Canonical BCP-47 form of a user-supplied tag, or undefined when it is not a known language. */
export function canonicalLang(tag: string): Lang | undefined {
  if (canonicalCache.has(tag)) return canonicalCache.get(tag);
  const lang = canonicalize(tag);
  // Tags come from users too: the cache is bounded, and starts over rather than growing.
  if (canonicalCache.size >= CANONICAL_CACHE_MAX) canonicalCache.clear();
  canonicalCache.set(tag, lang);
  return lang;
}

function canonicalize(tag: string): Lang | undefined {
  let canonical: string;
  try {
    [canonical = ''] = Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'));
  } catch {
    return undefined;
  }
  if (!canonical) return undefined;
  const primary = canonical.split('-')[0] ?? '';
  if (NOT_A_LANGUAGE.has(primary)) return undefined;
  // DisplayNames echoes the code back when it has no name for it: that is our "unknown".
  if (names.of(primary) === primary) return undefined;
  return canonical;
}

/** Like canonicalLang but throws an InputError naming the option the tag came from. */
export function requireLang(tag: string, what: string): Lang {
  const lang = canonicalLang(tag);
  if (!lang) {
    throw new InputError('unknown-language', `${what}: "${tag}" is not a known language code (use BCP-47, e.g. en, vi, es, pt-BR)`, {
      details: { tag, what },
    });
  }
  return lang;
}

/** English name for messages: `fr` → `French`. */
export function languageName(lang: Lang): string {
  return names.of(lang) ?? lang;
}

/** The primary subtag: `pt-BR` → `pt`. Engines and detectors mostly work at this level. */
export function baseLang(lang: Lang): string {
  const dash = lang.indexOf('-');
  return (dash === -1 ? lang : lang.slice(0, dash)).toLowerCase();
}

/** Same language for routing and "already in the target language" checks (`en` matches `en-GB`). */
export function sameLanguage(a: Lang, b: Lang): boolean {
  return baseLang(a) === baseLang(b);
}
