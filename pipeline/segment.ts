/** Stage 2: segmentation. (stub: owned by the ingest/segment work) */
import type { InlineXml, Lang, Segment, SourceDocument } from './model.js';

/** Splits every block into sentences with stable ids `p{block}.s{n}` and content hashes. */
export function segmentDocument(_doc: SourceDocument, _lang: Lang): Segment[] {
  throw new Error('not implemented');
}

/** Joins translated sentences back into one inline text per block, the way `lang` writes (space, or none for zh/ja/th). */
export function joinBlocks(_segments: Segment[], _texts: Map<string, InlineXml>, _lang: Lang): Map<number, InlineXml> {
  throw new Error('not implemented');
}
