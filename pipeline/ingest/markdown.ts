/**
 * Markdown (CommonMark + GFM) through mdast. Blocks are the phrasing-content
 * containers; inline syntax becomes placeholders whose open/close text is cut
 * from the source, so `*a*` stays `*a*` and `__b__` stays `__b__`.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Image, ImageReference, Nodes, PhrasingContent } from 'mdast';
import { escapeXml } from '../inline.js';
import type { Block, BlockKind } from '../model.js';
import { checkNesting, tooDeep } from './depth.js';
import { readHtml } from './html.js';
import { InlineBuilder } from './inline.js';
import type { Slot } from './skeleton.js';

interface Ctx {
  listDepth: number;
  inQuote: boolean;
}

function startOf(n: Nodes): number {
  return n.position?.start.offset ?? 0;
}
function endOf(n: Nodes): number {
  return n.position?.end.offset ?? 0;
}

/**
 * YAML (`---`, closed by `---` or `...`) or TOML (`+++`) front matter opening
 * the file, as static site generators and CMS exports write it: metadata, not
 * article text. CommonMark alone reads it as a rule and a heading, so its keys
 * would be translated and its lines joined.
 */
const FRONT_MATTER = /^(?:---[ \t]*\n(?:[^]*?\n)?(?:---|\.\.\.)|\+\+\+[ \t]*\n(?:[^]*?\n)?\+\+\+)[ \t]*(?=\n|$)/;

export function readMarkdown(source: string): { blocks: Block[]; slots: Slot[]; title?: string } {
  // Blanked rather than cut, so node offsets still index `source`; outside every slot, the skeleton keeps it byte for byte.
  const front = FRONT_MATTER.exec(source)?.[0].length ?? 0;
  const parsed = front ? source.slice(0, front).replace(/[^\n]/g, ' ') + source.slice(front) : source;
  let tree: ReturnType<typeof fromMarkdown>;
  try {
    tree = fromMarkdown(parsed, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  } catch (err) {
    // micromark recurses per container (block quote in block quote…): thousands of levels overflow it before any tree exists.
    if (err instanceof RangeError) throw tooDeep('Markdown');
    throw err;
  }
  checkNesting<Nodes>(tree, (n) => ('children' in n ? (n.children as Nodes[]) : undefined), 'Markdown');
  const blocks: Block[] = [];
  const slots: Slot[] = [];
  let title: string | undefined;

  const addRaw = (node: Nodes, kind: BlockKind) => {
    const start = startOf(node);
    const end = endOf(node);
    const index = blocks.length + 1;
    blocks.push({ index, kind, inline: escapeXml(source.slice(start, end)), spans: {}, translatable: false });
    slots.push({ block: index, start, end });
  };

  const addPhrasing = (children: PhrasingContent[], kind: BlockKind, level?: number) => {
    if (children.length === 0) return;
    const b = new InlineBuilder();
    inlineChildren(children, b, source);
    const inline = b.result();
    const hasText = inline.replace(/<[^>]*>/g, '').trim() !== '';
    // An image standing alone (a photo between paragraphs) has no sentence around it: its alt text is what readers get.
    const alts = hasText ? [] : children.flatMap(function images(c: PhrasingContent): (Image | ImageReference)[] {
      return c.type === 'image' || c.type === 'imageReference' ? [c] : 'children' in c ? c.children.flatMap(images) : [];
    });
    if (alts.some((img) => img.alt?.trim())) {
      for (const img of alts) addAlt(img);
      return;
    }
    const index = blocks.length + 1;
    blocks.push({ index, kind, ...(level !== undefined ? { level } : {}), inline, spans: b.spans, translatable: hasText });
    slots.push({ block: index, start: startOf(children[0]!), end: endOf(children.at(-1)!) });
  };

  const addAlt = (img: Image | ImageReference) => {
    const start = startOf(img) + 2;
    const end = closingBracket(source, start);
    if (!img.alt?.trim() || end < 0) return;
    const b = new InlineBuilder();
    b.text(img.alt);
    const index = blocks.length + 1;
    blocks.push({ index, kind: 'other', inline: b.result(), spans: b.spans, translatable: true });
    slots.push({ block: index, start, end });
  };

  const walk = (node: Nodes, ctx: Ctx): void => {
    switch (node.type) {
      case 'heading': {
        const first = blocks.length === 0 && node.depth === 1 && title === undefined;
        if (node.depth === 1 && title === undefined) title = plainOf(node.children);
        addPhrasing(node.children, first ? 'title' : 'heading', node.depth);
        return;
      }
      case 'paragraph':
        addPhrasing(node.children, ctx.listDepth > 0 ? 'list-item' : ctx.inQuote ? 'quote' : 'paragraph', ctx.listDepth > 0 ? ctx.listDepth : undefined);
        return;
      case 'tableCell':
        addPhrasing(node.children, 'table-cell');
        return;
      case 'code':
        addRaw(node, 'code');
        return;
      case 'html': {
        // An HTML block (a boxed aside, a figure) is read as HTML: its text is article text, its tags stay as written.
        const start = startOf(node);
        const html = readHtml(source.slice(start, endOf(node)));
        if (!html.blocks.some((b) => b.translatable)) {
          addRaw(node, 'other');
          return;
        }
        for (const [i, block] of html.blocks.entries()) {
          const index = blocks.length + 1;
          const slot = html.slots[i]!;
          blocks.push({ ...block, index });
          slots.push({ ...slot, block: index, start: start + slot.start, end: start + slot.end, format: 'html' });
        }
        return;
      }
      case 'blockquote':
        for (const c of node.children) walk(c, { ...ctx, inQuote: true });
        return;
      case 'list':
        for (const c of node.children) walk(c, { ...ctx, listDepth: ctx.listDepth + 1 });
        return;
      default:
        // root, listItem, table, tableRow, footnoteDefinition: containers. Leaves
        // (thematicBreak, definition, yaml) have no translatable text.
        if ('children' in node) for (const c of node.children as Nodes[]) walk(c, ctx);
    }
  };
  walk(tree, { listDepth: 0, inQuote: false });
  return { blocks, slots, ...(title ? { title } : {}) };
}

/** Offset of the `]` that closes the bracket opened just before `from`, or -1. */
function closingBracket(source: string, from: number): number {
  let depth = 1;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
    else if (c === '\n' && source[i + 1] === '\n') return -1;
  }
  return -1;
}

function plainOf(children: PhrasingContent[]): string {
  const parts: string[] = [];
  const visit = (n: PhrasingContent) => {
    if (n.type === 'text' || n.type === 'inlineCode') parts.push(n.value);
    else if ('children' in n) for (const c of n.children) visit(c);
  };
  children.forEach(visit);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/** Inline HTML whose content is code (as in the HTML reader) or opted out of translation (`translate="no"`, class `notranslate`). */
const VERBATIM_OPEN = /^<(code|kbd|samp|var)\b[^>]*>$|^<([A-Za-z][\w-]*)\b(?=[^>]*\s(?:translate\s*=\s*["']?no\b|class\s*=\s*["']?[^"'>]*\bnotranslate\b))[^>]*>$/i;

/** Index of the sibling `</name>` that closes the element opened at `from`, or -1. */
function closingHtml(children: PhrasingContent[], from: number, name: string): number {
  let depth = 0;
  const open = new RegExp(`^<${name}(?:\\s[^>]*[^/])?>$`, 'i');
  const close = new RegExp(`^</${name}\\s*>$`, 'i');
  for (let i = from; i < children.length; i++) {
    const c = children[i]!;
    if (c.type !== 'html') continue;
    if (open.test(c.value)) depth++;
    else if (close.test(c.value) && --depth === 0) return i;
  }
  return -1;
}

function inlineChildren(children: PhrasingContent[], b: InlineBuilder, source: string): void {
  for (let i = 0; i < children.length; i++) {
    const c = children[i]!;
    const verbatim = c.type === 'html' ? VERBATIM_OPEN.exec(c.value) : null;
    const end = verbatim ? closingHtml(children, i, (verbatim[1] ?? verbatim[2])!) : -1;
    if (verbatim && end > i) {
      // One placeholder from the start tag to the end tag: the engine never sees what is inside.
      const inner = children.slice(i + 1, end);
      b.standalone({ label: verbatim[1] ? 'code' : 'html', open: source.slice(startOf(c), endOf(children[end]!)), text: plainOf(inner) });
      i = end;
      continue;
    }
    const next = children[i + 1];
    inlineNode(c, b, source, next ? startOf(next) : endOf(c));
  }
}

/** `next`: where the following sibling starts. */
function inlineNode(node: PhrasingContent, b: InlineBuilder, source: string, next: number): void {
  const slice = source.slice(startOf(node), endOf(node));
  switch (node.type) {
    case 'text':
      b.text(node.value);
      return;
    case 'inlineCode':
      b.standalone({ label: 'code', open: slice, text: node.value });
      return;
    case 'image':
    case 'imageReference':
      b.standalone({ label: 'img', open: slice });
      return;
    case 'break':
      // Up to the next line's text: its `> ` or list indentation is container syntax, which the translation must keep.
      b.standalone({ label: 'br', open: source.slice(startOf(node), Math.max(endOf(node), next)) });
      return;
    case 'html':
      b.standalone({ label: 'html', open: slice });
      return;
    case 'link':
    case 'linkReference':
    case 'emphasis':
    case 'strong':
    case 'delete': {
      const first = node.children[0];
      const last = node.children.at(-1);
      // Autolinks (`<https://…>`, bare GFM URLs) show the address itself: nothing to translate.
      const autolink = node.type === 'link' && (slice.startsWith('<') || !slice.startsWith('['));
      if (!first || !last || autolink) {
        // The angle brackets of `<https://…>` are syntax; readers (aligned.json, CAT tools) see the address alone.
        b.standalone({ label: node.type === 'link' || node.type === 'linkReference' ? 'link' : node.type, open: slice, ...(autolink ? { text: slice.replace(/^<([^]*)>$/, '$1') } : {}) });
        return;
      }
      const label = node.type === 'emphasis' ? 'em' : node.type === 'linkReference' ? 'link' : node.type;
      const close = b.open({ label, open: source.slice(startOf(node), startOf(first)), close: source.slice(endOf(last), endOf(node)) });
      inlineChildren(node.children, b, source);
      close();
      return;
    }
    default:
      b.standalone({ label: node.type, open: slice });
  }
}
