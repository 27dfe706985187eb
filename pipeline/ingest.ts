/** Stage 1: ingest. (stub: owned by the ingest/segment work) */
import type { DocFormat, InlineXml, SourceDocument } from './model.js';

export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

export interface IngestOptions {
  /** Forced format; otherwise from the file name, then sniffed from the content. */
  format?: DocFormat;
  filename?: string;
  maxBytes?: number;
}

/** Decodes, validates (empty, binary, oversized, invalid UTF-8 → InputError), normalises and parses. */
export function ingest(_input: string | Uint8Array, _options: IngestOptions = {}): SourceDocument {
  throw new Error('not implemented');
}

/** Rebuilds the document in its own format with the given inline text per block index (missing → the source block). */
export function renderDocument(_doc: SourceDocument, _blocks: Map<number, InlineXml>): string {
  throw new Error('not implemented');
}

export function extensionFor(format: DocFormat): string {
  return format === 'markdown' ? 'md' : format === 'html' ? 'html' : 'txt';
}
