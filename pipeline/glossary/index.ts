/** Stage 4: glossary matching and masking. (stub: owned by the glossary-matching work) */
import type { InlineXml, Lang, Term, TermMatch } from '../model.js';

/** Parses and validates a glossary YAML file (GlossaryError with file, line and field on any problem). */
export function parseGlossaryYaml(_text: string, _file: string): Term[] {
  throw new Error('not implemented');
}

/** Content version of the approved terms: changes whenever an approved term changes. */
export function glossaryVersion(_terms: Term[]): string {
  throw new Error('not implemented');
}

export interface GlossaryMatcher {
  /** The approved terms it matches. */
  readonly terms: Term[];
  /** All non-overlapping matches in one pass, longest match first, word boundaries and elision respected. */
  find(plain: string, lang: Lang): TermMatch[];
}

/** Builds a matcher over the approved `keep` and `translate` terms of `terms` (others are ignored). */
export function compileGlossary(_terms: Term[]): GlossaryMatcher {
  throw new Error('not implemented');
}

export interface Mask {
  termId: string;
  /** Surface text in the source. */
  source: string;
  /** What goes back in the target: the forced translation, or the source for `keep`. */
  target: string;
}

export interface MaskedSegment {
  text: InlineXml;
  /** Placeholder id (`t1`, `t2`, …) → what it stands for. */
  masks: Record<string, Mask>;
}

/** Replaces term occurrences inside the inline text with `<x id="tN"/>` placeholders. */
export function maskSegment(_source: InlineXml, _matches: TermMatch[], _terms: Term[], _to: Lang): MaskedSegment {
  throw new Error('not implemented');
}

/** Puts the target forms back; reports placeholders the engine lost. */
export function unmaskSegment(_text: InlineXml, _masks: Record<string, Mask>): { text: InlineXml; missing: string[] } {
  throw new Error('not implemented');
}
