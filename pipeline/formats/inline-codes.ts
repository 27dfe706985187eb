/**
 * Inline XML (`<g id>`/`<x id/>` around escaped text) turned into the inline
 * markup of the exchange formats. The input comes from engines and people, so
 * it is re-tokenised rather than copied: text is decoded and escaped again and
 * unbalanced pairs become the formats' "isolated" codes instead of breaking
 * well-formedness.
 */
import type { InlineSpan, InlineXml } from '../model.js';
import { tagsOf, unescapeXml } from '../inline.js';
import { attrs, text } from './xml.js';

export type InlineToken =
  | { type: 'text'; text: string }
  | { type: 'open' | 'close' | 'standalone'; id: string }
  /** A `<g>` without its `</g>` (or the reverse) in this segment. */
  | { type: 'lone-open' | 'lone-close'; id: string };

export function tokenize(inline: InlineXml): InlineToken[] {
  const tokens: InlineToken[] = [];
  const stack: number[] = [];
  let pos = 0;
  const pushText = (raw: string) => {
    if (raw) tokens.push({ type: 'text', text: unescapeXml(raw) });
  };
  for (const tag of tagsOf(inline)) {
    pushText(inline.slice(pos, tag.at));
    pos = tag.at + tag.raw.length;
    if (tag.type === 'open') {
      stack.push(tokens.length);
      tokens.push({ type: 'open', id: tag.id });
    } else if (tag.type === 'close') {
      if (stack.length > 0) {
        const opener = tokens[stack.pop()!] as { id: string };
        tokens.push({ type: 'close', id: opener.id });
      } else tokens.push({ type: 'lone-close', id: tag.id });
    } else tokens.push({ type: 'standalone', id: tag.id });
  }
  pushText(inline.slice(pos));
  for (const i of stack) tokens[i] = { type: 'lone-open', id: (tokens[i] as { id: string }).id };
  return tokens;
}

/**
 * XLIFF 1.2 `ctype` for a span label: the standard value where the schema has
 * one for that element, `x-` otherwise. The strict schema takes different
 * lists for the two: `<g>` bold/italic/underlined/link, `<x>` image/pb/lb —
 * so a link kept whole as a placeholder (a Markdown autolink) is `x-link`.
 */
export function xliffCtype(label: string | undefined, standalone = false): string | undefined {
  if (!label) return undefined;
  const paired: Record<string, string> = { strong: 'bold', b: 'bold', em: 'italic', i: 'italic', u: 'underlined', link: 'link', a: 'link' };
  const single: Record<string, string> = { img: 'image', image: 'image', br: 'lb' };
  return (standalone ? single[label] : paired[label]) ?? `x-${label.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** TMX 1.4b `type` for a span label (only the values the spec lists; others are left out). */
function tmxType(label: string | undefined, standalone: boolean): string | undefined {
  if (!label) return undefined;
  const paired: Record<string, string> = { strong: 'bold', b: 'bold', em: 'italic', i: 'italic', u: 'ulined', link: 'link', a: 'link' };
  const single: Record<string, string> = { img: 'image', image: 'image', br: 'lb' };
  return (standalone ? single[label] : paired[label]) ?? `x-${label.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/**
 * XLIFF 1.2 inline content. `<g>` and `<x/>` are XLIFF's own elements, so ids
 * carry over unchanged and a CAT tool's output maps straight back; broken pairs
 * become `<bx/>`/`<ex/>`.
 */
export function toXliffInline(inline: InlineXml, spans: Record<string, InlineSpan> = {}): string {
  let out = '';
  for (const t of tokenize(inline)) {
    if (t.type === 'text') out += text(t.text);
    else if (t.type === 'open') out += `<g${attrs({ id: t.id, ctype: xliffCtype(spans[t.id]?.label) })}>`;
    else if (t.type === 'close') out += '</g>';
    else if (t.type === 'standalone') {
      const span = spans[t.id];
      out += `<x${attrs({ id: t.id, ctype: xliffCtype(span?.label, true), 'equiv-text': span?.text })}/>`;
    } else out += `<${t.type === 'lone-open' ? 'bx' : 'ex'}${attrs({ id: t.id })}/>`;
  }
  return out;
}

/**
 * TMX 1.4b inline content: pairs as `<bpt>`/`<ept>`, standalone codes as
 * `<ph>`, broken pairs as `<it>`, each holding the native code of the source
 * format (e.g. `<a href="…">` or `**`). `x` must match across the `<tuv>`s of
 * one `<tu>`, so numbering comes from `numbers` (shared per `<tu>`).
 */
export function toTmxInline(inline: InlineXml, spans: Record<string, InlineSpan>, numbers: Map<string, number>): string {
  const num = (id: string) => {
    let n = numbers.get(id);
    if (n === undefined) numbers.set(id, (n = numbers.size + 1));
    return n;
  };
  let out = '';
  for (const t of tokenize(inline)) {
    if (t.type === 'text') {
      out += text(t.text);
      continue;
    }
    const span = spans[t.id];
    const n = num(t.id);
    if (t.type === 'open') out += `<bpt${attrs({ i: n, x: n, type: tmxType(span?.label, false) })}>${text(span?.open ?? '')}</bpt>`;
    else if (t.type === 'close') out += `<ept${attrs({ i: n })}>${text(span?.close ?? '')}</ept>`;
    else if (t.type === 'standalone') out += `<ph${attrs({ x: n, type: tmxType(span?.label, true) })}>${text(span?.text ?? span?.open ?? '')}</ph>`;
    else if (t.type === 'lone-open') out += `<it${attrs({ pos: 'begin', x: n, type: tmxType(span?.label, false) })}>${text(span?.open ?? '')}</it>`;
    else out += `<it${attrs({ pos: 'end', x: n })}>${text(span?.close ?? '')}</it>`;
  }
  return out;
}
