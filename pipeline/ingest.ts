/**
 * Stage 1: ingest. Raw bytes or text in; a SourceDocument out whose blocks are
 * inline XML and whose skeleton rebuilds the original around them.
 */
import { InputError } from './errors.js';
import { plainText } from './inline.js';
import type { Block, DocFormat, InlineXml, Lang, SourceDocument } from './model.js';
import { checkNotBinary, checkNotEmpty, checkSize, checkWellFormed, decodeBytes, normalizeText } from './ingest/decode.js';
import { readHtml } from './ingest/html.js';
import { readMarkdown } from './ingest/markdown.js';
import { renderSkeleton, type LangAttr, type Skeleton, type Slot } from './ingest/skeleton.js';
import { readText } from './ingest/text.js';

export { renderBlock, type Skeleton, type Slot } from './ingest/skeleton.js';
export { firstInvalidUtf8 } from './ingest/decode.js';

export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

/**
 * The Markdown parser (micromark) slows down more than linearly on long
 * documents, badly so with block quotes and lists (150 kB of quotes: ~40 s on
 * the test machine); a news article is far below this.
 */
export const MAX_MARKDOWN_CHARS = 512 * 1024;

export const DOC_FORMATS: readonly DocFormat[] = ['text', 'markdown', 'html'];

export interface IngestOptions {
  /** Forced format; otherwise from the file name, then sniffed from the content. */
  format?: DocFormat;
  filename?: string;
  maxBytes?: number;
}

const EXTENSIONS: Record<string, DocFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  txt: 'text',
  text: 'text',
};

/** The format a file name implies, or undefined for unknown or missing extensions. */
export function formatFromFilename(filename: string | undefined): DocFormat | undefined {
  const m = filename ? /\.([A-Za-z0-9]+)$/.exec(filename) : null;
  return m ? EXTENSIONS[m[1]!.toLowerCase()] : undefined;
}

/**
 * Guesses the format from content. HTML needs a document start or several
 * block tags; Markdown needs a heading or fence, or two different kinds of
 * Markdown syntax, so that a plain article with one `*` stays text.
 */
export function sniffFormat(text: string): DocFormat {
  const head = text.slice(0, 8192);
  const start = head.trimStart();
  if (/^(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<(?:!doctype\s+)?html)/i.test(start)) return 'html';
  const tags = head.match(/<\/?(?:p|div|h[1-6]|ul|ol|li|article|section|body|head|title|span|a|em|strong|br|table|tr|td|blockquote|figure|img)\b[^<>]*>/gi)?.length ?? 0;
  if ((start.startsWith('<') && tags >= 2) || tags >= 6) return 'html';
  if (/^(?:#{1,6}[ \t]+\S|```|~~~)/m.test(head)) return 'markdown';
  const signals = [
    /^[ \t]{0,3}[-*+][ \t]+\S/m,
    /^[ \t]{0,3}\d{1,9}[.)][ \t]+\S/m,
    /^[ \t]{0,3}>[ \t]?\S/m,
    /!?\[[^\]\n]+\]\([^)\s]+(?:\s+"[^"]*")?\)/,
    /(\*\*|__)(?=\S)[^\n]+?\S\1/,
    /(?<![`\w])`[^`\n]+`(?![`\w])/,
    /^\S[^\n]*\n(?:=+|-+)[ \t]*$/m,
    /^\|.*\|[ \t]*\n\|[ \t:|-]+\|/m,
  ].filter((re) => re.test(head)).length;
  return signals >= 2 ? 'markdown' : 'text';
}

export { MAX_NESTING } from './ingest/depth.js';

/** Decodes, validates (empty, binary, oversized, invalid UTF-8 → InputError), normalises and parses. */
export function ingest(input: string | Uint8Array, options: IngestOptions = {}): SourceDocument {
  const { filename } = options;
  const maxBytes = options.maxBytes ?? MAX_INPUT_BYTES;
  if (options.format !== undefined && !DOC_FORMATS.includes(options.format)) {
    throw new InputError('unknown-format', `unknown input format "${String(options.format)}" (expected one of: ${DOC_FORMATS.join(', ')})`, {
      details: { format: options.format, formats: DOC_FORMATS.join(', ') },
    });
  }
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new InputError('invalid-input', 'input must be text or bytes');
  }
  checkSize(input, maxBytes, filename);
  if (typeof input === 'string') checkWellFormed(input, filename);
  const decoded = typeof input === 'string' ? input : decodeBytes(input, filename);
  checkNotBinary(decoded, filename);
  checkNotEmpty(decoded, filename);
  const format = options.format ?? formatFromFilename(filename) ?? sniffFormat(decoded);
  const source = normalizeText(decoded, format);
  checkNotEmpty(source, filename);
  if (format === 'markdown' && source.length > MAX_MARKDOWN_CHARS) {
    throw new InputError(
      'input-too-large',
      `${filename ? `${filename}: ` : ''}Markdown input is ${source.length} characters, more than the ${MAX_MARKDOWN_CHARS} Markdown can be parsed within (send it as plain text or split it)`,
      { status: 413, details: { file: filename, size: source.length, limit: MAX_MARKDOWN_CHARS, context: 'markdown' } },
    );
  }

  let read: { blocks: Block[]; slots: Slot[]; title?: string; langAttrs?: LangAttr[] };
  try {
    read = format === 'markdown' ? readMarkdown(source) : format === 'html' ? readHtml(source) : readText(source);
  } catch (err) {
    // The readers do not know the file name; the message should.
    if (err instanceof InputError && err.code === 'input-too-deep' && filename) {
      throw new InputError('input-too-deep', `${filename}: ${err.message}`, { status: err.status, params: { ...err.params, file: filename } });
    }
    throw err;
  }
  if (!read.blocks.some((b) => b.translatable)) {
    throw new InputError('empty-input', `${filename ? `${filename}: ` : ''}input has no text to translate (only markup or code)`, {
      details: { file: filename, context: 'markup' },
    });
  }
  // Every stage works on LF; a file written with CRLF throughout (Windows CMS exports) is given back with CRLF.
  const crlf = decoded.includes('\r\n') && !/(?<!\r)\n/.test(decoded);
  const skeleton: Skeleton = { v: 1, format, source, slots: read.slots, ...(read.langAttrs?.length ? { langAttrs: read.langAttrs } : {}), ...(crlf ? { eol: '\r\n' as const } : {}) };
  const titleBlock = read.blocks.find((b) => b.kind === 'title');
  const title = read.title ?? (titleBlock ? plainText(titleBlock.inline) : undefined);
  return { format, ...(title ? { title } : {}), blocks: read.blocks, skeleton };
}

/**
 * Rebuilds the document in its own format with the given inline text per block
 * index (missing → the source block). With `lang` (a translation's language),
 * an HTML document's `<html lang>` says that language.
 */
export function renderDocument(doc: SourceDocument, blocks: Map<number, InlineXml>, lang?: Lang): string {
  return renderSkeleton(doc, blocks, lang);
}

export function extensionFor(format: DocFormat): string {
  return format === 'markdown' ? 'md' : format === 'html' ? 'html' : 'txt';
}
