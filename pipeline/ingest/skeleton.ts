/**
 * Every format is rebuilt the same way: the normalised source text with each
 * block's content range replaced by its translation. Anything outside those
 * ranges (markup, front matter, code, whitespace) comes back byte-identical.
 */
import { LocflowError } from '../errors.js';
import type { Block, DocFormat, InlineXml, SourceDocument } from '../model.js';
import { escapeXml, normalizeInline } from '../inline.js';
import { renderInline } from './inline.js';

export interface Slot {
  /** Block index (1-based). */
  block: number;
  start: number;
  end: number;
  /** HTML: the block is an attribute value (`alt`, meta `content`) inside these quotes, which its text must not close. */
  quote?: '"' | "'";
  /** The block is in another format than the document (HTML inside Markdown). */
  format?: DocFormat;
}

/** `SourceDocument.skeleton` for every format. Plain JSON on purpose: it travels in job data. */
export interface Skeleton {
  v: 1;
  format: DocFormat;
  /** The normalised source the slots point into. */
  source: string;
  /** In source order, non-overlapping. */
  slots: Slot[];
  /**
   * HTML: the `lang`/`xml:lang` attributes of `<html>` (whole attribute). They
   * declare the document's language, so a translation that kept them would tell
   * screen readers, search engines and hyphenation the wrong one.
   */
  langAttrs?: LangAttr[];
  /** The line ending of the submitted file when it was CRLF throughout; `source` itself is LF. */
  eol?: '\r\n';
}

export interface LangAttr {
  start: number;
  end: number;
  /** The attribute name as written (`lang`, `xml:lang`, `LANG`). */
  name: string;
}

export function escapeHtmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Backslash-escapes what Markdown would read as syntax. Over-escaping is
 * harmless (an escaped punctuation mark renders as itself); under-escaping
 * would turn a translated `*` into emphasis.
 */
export function escapeMarkdownText(s: string): string {
  return s
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]<>|~]/g, '\\$&')
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&');
}

/** Text that would open a heading, list, quote or code block when it starts a line. */
function escapeMarkdownLineStart(s: string): string {
  return s.replace(/^(#{1,6}(?=\s|$)|[-+](?=\s)|=+\s*$)/, '\\$1').replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
}

function escaperFor(format: DocFormat): (s: string) => string {
  if (format === 'html') return escapeHtmlText;
  if (format === 'markdown') return escapeMarkdownText;
  return (s) => s;
}

/**
 * Markdown emphasis only closes on a delimiter that touches a word
 * (`**mot**`, not `**mot **`): spaces an engine leaves inside a pair go outside it.
 */
function hoistPairSpaces(inline: InlineXml): InlineXml {
  let prev: string;
  let s = inline;
  do {
    prev = s;
    s = s.replace(/(<g\s+id="[^"]*">)(\s+)/g, '$2$1').replace(/(\s+)(<\/g>)/g, '$2$1');
  } while (s !== prev);
  return s;
}

export function renderBlock(format: DocFormat, block: Block, inline: InlineXml): string {
  const text = renderInline(format === 'markdown' ? hoistPairSpaces(normalizeInline(inline)) : inline, block.spans, escaperFor(format));
  if (format === 'markdown') return escapeMarkdownLineStart(text);
  return text;
}

function isSkeleton(value: unknown): value is Skeleton {
  const s = value as Skeleton | null;
  return !!s && s.v === 1 && typeof s.source === 'string' && Array.isArray(s.slots);
}

/** `lang`, when given, is the language the texts are in; the document's own language declaration is rewritten to it. */
export function renderSkeleton(doc: SourceDocument, texts: Map<number, InlineXml>, lang?: string): string {
  const sk = doc.skeleton;
  if (!isSkeleton(sk)) throw new LocflowError('bad-skeleton', 'document skeleton is missing or was not made by ingest()');
  const byIndex = new Map(doc.blocks.map((b) => [b.index, b]));
  const edits: { start: number; end: number; text: () => string }[] = sk.slots.map((slot) => ({
    start: slot.start,
    end: slot.end,
    text: () => {
      const block = byIndex.get(slot.block);
      const text = texts.get(slot.block);
      // An unchanged block keeps its exact source (escapes, entities, wrapping included).
      if (!block || !block.translatable || text === undefined || text === block.inline) return sk.source.slice(slot.start, slot.end);
      const out = renderBlock(slot.format ?? sk.format, block, text);
      return slot.quote ? out.replaceAll(slot.quote, slot.quote === '"' ? '&quot;' : '&#39;') : out;
    },
  }));
  if (lang !== undefined) for (const a of sk.langAttrs ?? []) edits.push({ start: a.start, end: a.end, text: () => `${a.name}="${escapeXml(lang)}"` });
  edits.sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let pos = 0;
  for (const edit of edits) {
    if (edit.start < pos) continue;
    out.push(sk.source.slice(pos, edit.start), edit.text());
    pos = edit.end;
  }
  out.push(sk.source.slice(pos));
  return sk.eol ? out.join('').replace(/\r?\n/g, sk.eol) : out.join('');
}
