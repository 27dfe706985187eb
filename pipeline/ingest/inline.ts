/**
 * Building a block's inline XML (text + placeholders) while reading a source
 * format, and turning inline XML back into that format. Shared by the text,
 * Markdown and HTML readers.
 */
import { escapeXml, normalizeInline, unescapeXml } from '../inline.js';
import type { InlineSpan, InlineXml } from '../model.js';

/**
 * Bare URLs and e-mail addresses become standalone placeholders: engines like
 * to "translate" or re-space them (`https: //`, `redaction@exemple.fr` →
 * `newsroom@example.com`), and an address that changes is a broken one.
 */
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"«»“”]*[^\s<>"«»“”.,;:!?)\]'’]|(?<![\w.+%-])(?:mailto:)?[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;

export class InlineBuilder {
  private parts: string[] = [];
  private next = 1;
  readonly spans: Record<string, InlineSpan> = {};

  /**
   * @param escapeOpen how a literal (a URL) is written back in the source format.
   */
  constructor(private readonly escapeLiteral: (s: string) => string = (s) => s) {}

  /** Literal text; whitespace runs collapse to one space (layout whitespace is not content). */
  text(value: string, opts: { collapse?: boolean; urls?: boolean } = {}): void {
    const v = opts.collapse === false ? value : value.replace(/[ \t\n\r\f]+/g, ' ');
    if (opts.urls === false) {
      this.parts.push(escapeXml(v));
      return;
    }
    let last = 0;
    for (const m of v.matchAll(URL_RE)) {
      this.parts.push(escapeXml(v.slice(last, m.index)));
      this.standalone({ label: /^(?:https?:\/\/|www\.)/.test(m[0]) ? 'url' : 'email', open: this.escapeLiteral(m[0]), text: m[0] });
      last = m.index + m[0].length;
    }
    this.parts.push(escapeXml(v.slice(last)));
  }

  standalone(span: Omit<InlineSpan, 'id' | 'kind'>): void {
    const id = String(this.next++);
    this.spans[id] = { id, kind: 'standalone', ...span };
    this.parts.push(`<x id="${id}"/>`);
  }

  /** Opens a pair; call the returned function to close it. */
  open(span: Omit<InlineSpan, 'id' | 'kind'>): () => void {
    const id = String(this.next++);
    this.spans[id] = { id, kind: 'pair', ...span };
    this.parts.push(`<g id="${id}">`);
    return () => this.parts.push('</g>');
  }

  /** The inline XML with edge whitespace removed and inner runs of spaces collapsed. */
  result(): InlineXml {
    return this.parts
      .join('')
      .replace(/ {2,}/g, ' ')
      .replace(/^ +| +$/g, '');
  }
}

const TOKEN = /<g\s+id="([^"]*)">|<\/g>|<x\s+id="([^"]*)"\/>/g;

/**
 * Writes inline XML in the source format. Placeholders the block does not know
 * are dropped (their text stays), an orphan `</g>` is ignored, and pairs left
 * open are closed so that the output stays well formed.
 */
export function renderInline(inline: InlineXml, spans: Record<string, InlineSpan>, escapeText: (s: string) => string): string {
  const src = normalizeInline(inline);
  const out: string[] = [];
  const stack: (InlineSpan | undefined)[] = [];
  let last = 0;
  const flush = (to: number) => {
    if (to > last) out.push(escapeText(unescapeXml(src.slice(last, to))));
  };
  for (const m of src.matchAll(TOKEN)) {
    flush(m.index);
    last = m.index + m[0].length;
    const [raw, gid, xid] = m;
    if (gid !== undefined) {
      const span = spans[gid];
      stack.push(span);
      if (span) out.push(span.open);
    } else if (raw === '</g>') {
      if (stack.length === 0) continue;
      const span = stack.pop();
      if (span) out.push(span.close ?? '');
    } else if (xid !== undefined) {
      const span = spans[xid];
      if (span) out.push(span.kind === 'pair' ? span.open + (span.close ?? '') : span.open);
    }
  }
  flush(src.length);
  while (stack.length) {
    const span = stack.pop();
    if (span) out.push(span.close ?? '');
  }
  return out.join('');
}
