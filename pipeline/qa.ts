/** Stage 6: QA checks per segment. (stub: owned by the glossary-matching work) */
import type { InlineXml, Lang, QaFinding, Segment, Term, TermMatch } from './model.js';

export interface QaInput {
  segment: Segment;
  /** The final translation (inline XML, terms restored). */
  target: InlineXml;
  from: Lang;
  to: Lang;
  /** Approved terms of the article. */
  terms: Term[];
  matches: TermMatch[];
  /** Glossary placeholders the engine lost. */
  lostMasks: string[];
  /** Whether the segment was translated by a real engine (identical-to-source is then suspicious). */
  translated: boolean;
}

export function checkSegment(_input: QaInput): QaFinding[] {
  throw new Error('not implemented');
}
