/** Stage 3: language detection. (stub: owned by the detection work) */
import type { Lang, LangGuess, Segment } from './model.js';

export interface DetectOptions {
  /** Candidate languages (BCP-47); default: every language locflow knows. */
  only?: Lang[];
  /** Document language, used as a prior for short segments. */
  prior?: Lang;
}

export function detectLanguage(_text: string, _options: DetectOptions = {}): LangGuess {
  throw new Error('not implemented');
}

/** Per-segment languages with the document language as prior. */
export function detectSegments(_segments: Segment[], _documentLang: Lang, _options: DetectOptions = {}): LangGuess[] {
  throw new Error('not implemented');
}
