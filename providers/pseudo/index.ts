/**
 * `pseudo`: pseudo-localisation, the i18n testing practice of making text look
 * foreign and longer while keeping it readable. It shows, without any engine,
 * where a layout breaks, where a string escaped translation, and whether
 * placeholders survive. Output is deterministic and obviously not a
 * translation: `[Ţĥé ŕéšûļţ ···]`. It must never be used silently for real output;
 * the router only picks it when asked to.
 */
import { ProviderError } from '../../pipeline/errors.js';
import { plainText } from '../../pipeline/inline.js';
import { canonicalLang } from '../../pipeline/languages.js';
import type { LanguagePair, TranslationProvider, TranslateRequest, TranslateResponse } from '../contract.js';

const ACCENTED: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [c, [...'áƀçðéƒĝĥíĵķļɱñóþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ'][i]!]),
);

const LISTED_LANGUAGES = ['en', 'fr', 'vi', 'es', 'de', 'it', 'pt', 'nl', 'pl', 'ru', 'uk', 'ja', 'zh', 'ko', 'ar', 'he', 'tr', 'id', 'th', 'hi', 'sv', 'da', 'fi', 'nb', 'cs', 'ro', 'hu', 'el', 'ca'];

export interface PseudoOptions {
  /** Extra length as a share of the text, 0.35 by default (German and French run ~30 % longer than English). */
  expansion?: number;
}

/** Splits inline XML into markup (tags, entities: kept verbatim) and text (transformed). */
const MARKUP = /<[^>]*>|&(?:#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);/g;

export function pseudoLocalize(inline: string, expansion = 0.35): string {
  let out = '';
  let letters = 0;
  let last = 0;
  for (const m of inline.matchAll(MARKUP)) {
    const text = inline.slice(last, m.index);
    out += transform(text);
    letters += countVisible(text) + (m[0].startsWith('&') ? 1 : 0);
    out += m[0];
    last = m.index + m[0].length;
  }
  const tail = inline.slice(last);
  out += transform(tail);
  letters += countVisible(tail);
  if (letters === 0) return inline;
  const pad = Math.max(1, Math.ceil(letters * expansion) - 2);
  return `[${out} ${'·'.repeat(pad)}]`;
}

function transform(text: string): string {
  let out = '';
  for (const ch of text) out += ACCENTED[ch] ?? ch;
  return out;
}

function countVisible(text: string): number {
  return [...text].length;
}

export function createPseudo(options: PseudoOptions = {}): TranslationProvider {
  const expansion = options.expansion ?? 0.35;
  return {
    id: 'pseudo',
    contractVersion: 3,
    configured: true,
    glossary: 'mask',
    limits: { maxTexts: 1000, maxChars: 1_000_000, concurrency: 8 },
    // Pseudo-localisation does not depend on the pair: the common languages are
    // listed for callers that look for a pair by name, and `*`→`*` says any other
    // known language works too.
    async pairs(): Promise<LanguagePair[]> {
      const pairs: LanguagePair[] = [];
      for (const from of LISTED_LANGUAGES) for (const to of LISTED_LANGUAGES) if (from !== to) pairs.push({ from, to });
      pairs.push({ from: '*', to: '*' });
      return pairs;
    },
    async translate(req: TranslateRequest): Promise<TranslateResponse> {
      req.signal?.throwIfAborted();
      for (const lang of [req.from, req.to]) {
        if (!canonicalLang(lang)) throw new ProviderError('pseudo', 'unsupported-pair', `"${lang}" is not a known language`);
      }
      const texts = req.segments.map((s) => pseudoLocalize(s.text, expansion));
      // Nothing is paid, but the characters processed are reported like a real engine's so usage stays comparable.
      return { texts, billedChars: req.segments.reduce((n, s) => n + plainText(s.text).length, 0), warnings: [] };
    },
    async health() {
      return { ok: true, message: 'built in (pseudo-localisation, not a translation)' };
    },
  };
}
