/**
 * HTML through parse5 with source locations. Text between block-level
 * elements becomes blocks; inline elements become placeholders holding their
 * exact source tags, so attributes come back untouched.
 */
import { parse } from 'parse5';
import type { DefaultTreeAdapterTypes as T } from 'parse5';
import { escapeXml } from '../inline.js';
import type { Block, BlockKind } from '../model.js';
import { checkNesting } from './depth.js';
import { InlineBuilder } from './inline.js';
import { escapeHtmlText, type LangAttr, type Slot } from './skeleton.js';

type Node = T.ChildNode;

/** Elements whose own text is a block. */
const LEAF_BLOCKS = new Set(['title', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'li', 'blockquote', 'td', 'th', 'figcaption', 'dt', 'dd', 'caption', 'summary', 'legend']);
/** Elements that only structure other blocks; loose text in them is a paragraph. */
const CONTAINERS = new Set([
  'html', 'head', 'body', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'nav', 'figure', 'ul', 'ol', 'dl', 'menu',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'colgroup', 'form', 'fieldset', 'details', 'hgroup', 'address', 'center', 'search', 'dialog',
]);
/** Never translated and never turned into blocks. */
const SKIP = new Set(['script', 'style', 'template', 'noscript', 'svg', 'math', 'iframe', 'object', 'canvas', 'textarea', 'select', 'meta', 'link', 'base', 'hr', 'col', 'video', 'audio', 'picture', 'source', 'track', 'embed', 'map']);
/** `<meta>` whose `content` is text for readers (search results, link previews), by `name` or `property`. */
const TEXT_META = new Set(['description', 'og:title', 'og:description', 'twitter:title', 'twitter:description']);
/** Kept as one untranslated block. */
const RAW_BLOCKS = new Set(['pre']);
const VOID = new Set(['br', 'img', 'wbr', 'input', 'area', 'hr', 'embed', 'source', 'track', 'col', 'param', 'keygen', 'base', 'link', 'meta']);
/** Inline elements whose content is code or machine text, kept verbatim. */
const VERBATIM = new Set(['code', 'kbd', 'samp', 'var', 'script', 'style', 'svg', 'math', 'textarea', 'select', 'iframe', 'object', 'video', 'audio', 'canvas', 'template', 'noscript']);

function isBlockLevel(name: string): boolean {
  return LEAF_BLOCKS.has(name) || CONTAINERS.has(name) || RAW_BLOCKS.has(name) || (SKIP.has(name) && !VERBATIM.has(name));
}

function isElement(n: Node): n is T.Element {
  return 'tagName' in n;
}

/**
 * HTML's own opt-out (`translate="no"`) and the `notranslate` class that web
 * translators honour: newsrooms mark brand names, quotes and code this way.
 */
function optsOut(el: T.Element): boolean {
  return el.attrs.some((a) => (a.name === 'translate' && a.value.trim().toLowerCase() === 'no') || (a.name === 'class' && /(?:^|\s)notranslate(?:\s|$)/.test(a.value)));
}

function textContent(n: Node): string {
  if (n.nodeName === '#text') return (n as T.TextNode).value;
  if (isElement(n)) return (n.nodeName === 'template' ? [] : n.childNodes).map(textContent).join('');
  return '';
}

function kindOf(name: string, stack: string[]): { kind: BlockKind; level?: number } {
  if (name === 'title') return { kind: 'title' };
  if (/^h[1-6]$/.test(name)) return { kind: 'heading', level: Number(name[1]) };
  if (name === 'li') return { kind: 'list-item', level: Math.max(1, stack.filter((s) => s === 'ul' || s === 'ol' || s === 'menu').length) };
  if (name === 'td' || name === 'th' || name === 'caption') return { kind: 'table-cell' };
  if (stack.includes('blockquote')) return { kind: 'quote' };
  return { kind: 'paragraph' };
}

export function readHtml(source: string): { blocks: Block[]; slots: Slot[]; title?: string; langAttrs: LangAttr[] } {
  const doc = parse(source, { sourceCodeLocationInfo: true });
  checkNesting<T.ParentNode | Node>(doc, (n) => ('childNodes' in n ? (n.nodeName === 'template' ? [] : n.childNodes) : undefined), 'HTML');
  const blocks: Block[] = [];
  const slots: Slot[] = [];
  let title: string | undefined;
  let firstH1: string | undefined;
  let lastEnd = 0;

  const flush = (run: Node[], owner: string, stack: string[], floor: number) => {
    const ranges = run.map((n) => rangeOf(n, floor)).filter((r) => r !== undefined);
    if (ranges.length === 0) return;
    let start = Math.min(...ranges.map((r) => r[0]));
    let end = Math.max(...ranges.map((r) => r[1]));
    // Slots must follow each other in the source; parser repairs that break this stay untranslated.
    if (start < lastEnd) return;
    const raw = source.slice(start, end);
    start += raw.length - raw.replace(/^[ \t\n\r\f]+/, '').length;
    end -= raw.length - raw.replace(/[ \t\n\r\f]+$/, '').length;
    if (end <= start) return;
    const b = new InlineBuilder(escapeHtmlText);
    for (const n of run) inlineNode(n, b, source, floor);
    const inline = b.result();
    // Runs of images, comments or whitespace have no text of their own; an image's alt and title are its text.
    if (inline.replace(/<[^>]*>/g, '').trim() === '') {
      const images = (n: Node): T.Element[] => (!isElement(n) || optsOut(n) ? [] : n.nodeName === 'img' ? [n] : n.childNodes.flatMap(images));
      for (const img of run.flatMap(images)) for (const attr of ['alt', 'title']) addAttribute(img, attr);
      return;
    }
    const index = blocks.length + 1;
    const { kind, level } = kindOf(owner, stack);
    blocks.push({ index, kind, ...(level !== undefined ? { level } : {}), inline, spans: b.spans, translatable: true });
    slots.push({ block: index, start, end });
    lastEnd = end;
    const plain = run.map(textContent).join('').replace(/\s+/g, ' ').trim();
    if (owner === 'title' && title === undefined) title = plain;
    if (owner === 'h1' && firstH1 === undefined) firstH1 = plain;
  };

  /** An attribute value as its own block; unquoted values are left alone (a translated space would end them). */
  const addAttribute = (el: T.Element, name: string) => {
    const loc = el.sourceCodeLocation?.attrs?.[name];
    const value = el.attrs.find((a) => a.name === name)?.value;
    if (!loc || !value?.trim()) return;
    const raw = source.slice(loc.startOffset, loc.endOffset);
    const q = /^[^=]*=[ \t\n\r\f]*(["'])/.exec(raw);
    if (!q) return;
    const inner = raw.slice(q[0].length, -1);
    const start = loc.startOffset + q[0].length + (inner.length - inner.trimStart().length);
    const end = loc.endOffset - 1 - (inner.length - inner.trimEnd().length);
    if (start < lastEnd || end <= start) return;
    const b = new InlineBuilder(escapeHtmlText);
    b.text(value);
    const inline = b.result();
    if (inline.replace(/<[^>]*>/g, '').trim() === '') return;
    const index = blocks.length + 1;
    blocks.push({ index, kind: 'other', inline, spans: b.spans, translatable: true });
    slots.push({ block: index, start, end, quote: q[1] as '"' | "'" });
    lastEnd = end;
  };

  const visit = (el: T.Element | T.Document, stack: string[]) => {
    const name = el.nodeName;
    const loc = 'tagName' in el ? el.sourceCodeLocation : undefined;
    const floor = loc?.startTag?.endOffset ?? loc?.startOffset ?? 0;
    let run: Node[] = [];
    for (const child of el.childNodes) {
      if (isElement(child) && isBlockLevel(child.nodeName)) {
        flush(run, name, stack, floor);
        run = [];
        const childLoc = child.sourceCodeLocation;
        if (RAW_BLOCKS.has(child.nodeName) && childLoc && childLoc.startOffset >= lastEnd) {
          const index = blocks.length + 1;
          blocks.push({ index, kind: 'code', inline: escapeXml(textContent(child)), spans: {}, translatable: false });
          slots.push({ block: index, start: childLoc.startOffset, end: childLoc.endOffset });
          lastEnd = childLoc.endOffset;
        } else if (child.nodeName === 'meta') {
          const key = child.attrs.find((a) => a.name === 'name' || a.name === 'property')?.value.trim().toLowerCase();
          if (key && TEXT_META.has(key) && !optsOut(child)) addAttribute(child, 'content');
        } else if (!SKIP.has(child.nodeName) && !optsOut(child)) visit(child, [...stack, child.nodeName]);
      } else if (child.nodeName === '#documentType') {
        continue;
      } else run.push(child);
    }
    flush(run, name, stack, floor);
  };
  visit(doc, []);
  const t = title ?? firstH1;
  return { blocks, slots, ...(t ? { title: t } : {}), langAttrs: langAttrsOf(doc, source) };
}

/** The `<html>` start tag's language attributes, when the source has that tag. */
function langAttrsOf(doc: T.Document, source: string): LangAttr[] {
  const html = doc.childNodes.find((n): n is T.Element => isElement(n) && n.nodeName === 'html');
  const attrs = html?.sourceCodeLocation?.attrs;
  if (!html || !attrs) return [];
  return html.attrs
    .filter((a) => a.name === 'lang' || a.name === 'xml:lang')
    .flatMap((a) => {
      const loc = attrs[a.name];
      if (!loc) return [];
      const name = source.slice(loc.startOffset, loc.endOffset).split('=')[0]!.trim();
      return [{ start: loc.startOffset, end: loc.endOffset, name }];
    });
}

/**
 * parse5 copies the source location of a formatting element it re-opens
 * (`<p><em>a<p>b`: the second paragraph gets a clone of `<em>`), so an element
 * that starts before its parent's content is a clone and has no tags of its own.
 */
function isClone(n: T.Element, floor: number): boolean {
  const loc = n.sourceCodeLocation;
  return !loc || loc.startOffset < floor;
}

function rangeOf(n: Node, floor: number): [number, number] | undefined {
  if (isElement(n) && isClone(n, floor)) {
    const inner = n.childNodes.map((c) => rangeOf(c, floor)).filter((r) => r !== undefined);
    return inner.length ? [Math.min(...inner.map((r) => r[0])), Math.max(...inner.map((r) => r[1]))] : undefined;
  }
  const loc = n.sourceCodeLocation;
  return loc ? [loc.startOffset, loc.endOffset] : undefined;
}

function inlineNode(n: Node, b: InlineBuilder, source: string, floor: number): void {
  const loc = n.sourceCodeLocation;
  if (n.nodeName === '#text') {
    b.text((n as T.TextNode).value);
    return;
  }
  if (n.nodeName === '#comment') {
    if (loc) b.standalone({ label: 'comment', open: source.slice(loc.startOffset, loc.endOffset) });
    return;
  }
  if (!isElement(n)) return;
  const name = n.nodeName;
  if (!loc || isClone(n, floor)) {
    // Elements the parser made up have no tags in the source: pass their content through.
    for (const c of n.childNodes) inlineNode(c, b, source, floor);
    return;
  }
  const outer = source.slice(loc.startOffset, loc.endOffset);
  if (VOID.has(name)) {
    b.standalone({ label: name, open: outer });
    return;
  }
  if (VERBATIM.has(name) || optsOut(n)) {
    b.standalone({ label: name === 'code' || name === 'kbd' || name === 'samp' || name === 'var' ? 'code' : name, open: outer, text: textContent(n) });
    return;
  }
  const startTag = n.sourceCodeLocation?.startTag;
  const endTag = n.sourceCodeLocation?.endTag;
  const open = startTag ? source.slice(startTag.startOffset, startTag.endOffset) : '';
  const close = endTag ? source.slice(endTag.startOffset, endTag.endOffset) : '';
  const done = b.open({ label: name === 'a' ? 'link' : name, open, close });
  const inner = startTag?.endOffset ?? loc.startOffset;
  for (const c of n.childNodes) inlineNode(c, b, source, inner);
  done();
}
