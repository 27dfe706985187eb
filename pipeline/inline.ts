/**
 * Inline XML (see `InlineXml` in model.ts): the one text representation every
 * stage and provider shares. Helpers here escape, strip, inspect and repair it.
 */
import type { InlineSpan, InlineXml } from './model.js';

/** Characters XML 1.0 does not allow anywhere, even escaped. */
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Anything escapeXml would change: markup characters, characters XML forbids, any surrogate (a lone one is dropped). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Escapes text for XML content and attribute values (double-quoted), dropping characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  // Most text has nothing to escape: one scan instead of five replaces and their copies.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ent: string) => {
    if (ent[0] === '#') {
      const cp = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED[ent] ?? whole;
  });
}

export interface InlineTag {
  id: string;
  /** `open`/`close` for `<g>`, `standalone` for `<x/>`. */
  type: 'open' | 'close' | 'standalone';
  /** Offset of the tag in the inline string. */
  at: number;
  raw: string;
}

const TAG = /<(\/?)([gx])(?:\s+id\s*=\s*["']([^"']*)["'])?\s*(\/?)>/g;

/** Tags in document order. A `</g>` carries the id of the `<g>` it closes. */
export function tagsOf(inline: InlineXml): InlineTag[] {
  const tags: InlineTag[] = [];
  const open: string[] = [];
  for (const m of inline.matchAll(TAG)) {
    const [raw, slash, name, id = '', selfClose] = m;
    if (name === 'x') tags.push({ id, type: 'standalone', at: m.index, raw });
    else if (slash) tags.push({ id: open.pop() ?? '', type: 'close', at: m.index, raw });
    else if (selfClose) tags.push({ id, type: 'standalone', at: m.index, raw });
    else {
      open.push(id);
      tags.push({ id, type: 'open', at: m.index, raw });
    }
  }
  return tags;
}

/** Text without tags, entities decoded. */
export function plainText(inline: InlineXml): string {
  return unescapeXml(inline.replace(/<\/?[gx](?:\s[^>]*)?\/?>/g, ''));
}

/**
 * The text a reader of the rendered document sees: like plainText, but code
 * spans, URLs, e-mail addresses and opted-out names keep their words (they
 * are content the engine was not allowed to touch, not markup) and a line
 * break is a line break. Placeholders the block does not know are dropped,
 * as the renderer drops them.
 */
export function readableText(inline: InlineXml, spans: Record<string, InlineSpan>): string {
  const parts = inline.split(/(<x\s+id="[^"]*"\s*\/>)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 0) return plainText(part);
      const span = spans[/id="([^"]*)"/.exec(part)![1]!];
      return span?.label === 'br' ? '\n' : span?.kind === 'standalone' ? (span.text ?? '') : '';
    })
    .join('');
}

/**
 * Maps offsets in `plainText(inline)` (where glossary matches are found) to
 * offsets in `readableText(inline, spans)` (the text aligned.json shows):
 * the two differ where a code span, URL or line break is kept for the reader.
 * A start offset lands after any text a placeholder inserts at that point, an
 * end offset before it, so a span never swallows a neighbouring code span.
 */
export function plainToReadable(inline: InlineXml, spans: Record<string, InlineSpan>): (offset: number, side: 'start' | 'end') => number {
  const parts = inline.split(/(<x\s+id="[^"]*"\s*\/>)/);
  // Runs of text both versions share: [plain start, readable start, length].
  const runs: [number, number, number][] = [];
  let plain = 0;
  let readable = 0;
  parts.forEach((part, i) => {
    if (i % 2 === 0) {
      const len = plainText(part).length;
      runs.push([plain, readable, len]);
      plain += len;
      readable += len;
    } else {
      const span = spans[/id="([^"]*)"/.exec(part)![1]!];
      readable += (span?.label === 'br' ? '\n' : span?.kind === 'standalone' ? (span.text ?? '') : '').length;
    }
  });
  return (offset, side) => {
    const run = side === 'start' ? runs.find(([p, , n]) => offset >= p && offset < p + n) : runs.find(([p, , n]) => offset > p && offset <= p + n);
    const [p, r] = run ?? runs[runs.length - 1]!;
    return r + (offset - p);
  };
}

/** A `<` that does not open `<x id="…"/>`, `<g id="…">` or `</g>`. */
const NOT_CANONICAL_TAG = /<(?!x id="[^"]*"\/>|g id="[^"]*">|\/g>)/;

/**
 * Repairs the harmless ways engines rewrite placeholders: `<x id="1"></x>`
 * (HTML deformatters), `<x id='1' />`, upper-case names, stray spaces inside
 * tags. Anything it cannot recognise is left for QA to report.
 */
export function normalizeInline(text: string): InlineXml {
  // Text whose every `<` opens a tag already written as locflow writes it (most engine output) is left as it is by all four.
  if (!NOT_CANONICAL_TAG.test(text)) return text;
  return text
    .replace(/<\s*([xXgG])\s+id\s*=\s*["']([^"']*)["']\s*\/\s*>/g, (_m, n: string, id: string) => `<${n.toLowerCase()} id="${id}"${n.toLowerCase() === 'x' ? '/' : ''}>`)
    .replace(/<\s*[xX]\s+id\s*=\s*["']([^"']*)["']\s*>\s*<\s*\/\s*[xX]\s*>/g, '<x id="$1"/>')
    .replace(/<\s*[gG]\s+id\s*=\s*["']([^"']*)["']\s*>/g, '<g id="$1">')
    .replace(/<\s*\/\s*[gG]\s*>/g, '</g>');
}

export interface PlaceholderCheck {
  ok: boolean;
  missing: string[];
  extra: string[];
  /** `<g>` pairs that are unbalanced or out of order. */
  unbalanced: boolean;
}

/** Compares the placeholders of a translation with those of its source. */
export function comparePlaceholders(source: InlineXml, target: InlineXml): PlaceholderCheck {
  const count = (tags: InlineTag[]) => {
    const m = new Map<string, number>();
    for (const t of tags) if (t.type !== 'close') m.set(`${t.type === 'open' ? 'g' : 'x'}:${t.id}`, (m.get(`${t.type === 'open' ? 'g' : 'x'}:${t.id}`) ?? 0) + 1);
    return m;
  };
  const s = count(tagsOf(source));
  const targetTags = tagsOf(target);
  const t = count(targetTags);
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [k, n] of s) for (let i = t.get(k) ?? 0; i < n; i++) missing.push(k.slice(2));
  for (const [k, n] of t) for (let i = s.get(k) ?? 0; i < n; i++) extra.push(k.slice(2));
  let depth = 0;
  let unbalanced = false;
  for (const tag of targetTags) {
    if (tag.type === 'open') depth++;
    if (tag.type === 'close' && --depth < 0) unbalanced = true;
  }
  if (depth !== 0) unbalanced = true;
  return { ok: missing.length === 0 && extra.length === 0 && !unbalanced, missing, extra, unbalanced };
}
