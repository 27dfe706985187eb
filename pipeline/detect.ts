/** Stage 3: language detection, built on franc. */
import { francAll } from 'franc';
import type { Lang, LangGuess, Segment } from './model.js';
import { fromFranc, parseCandidates, toFranc } from './detect/languages.js';
import { data as francData } from 'franc/data.js';

export interface DetectOptions {
  /** Candidate languages (BCP-47); default: every language locflow knows. */
  only?: Lang[];
  /** Document language, used as a prior for short segments. */
  prior?: Lang;
}

const FRANC_CODES: string[] = Object.values(francData).flatMap((byLang) => Object.keys(byLang));

function francOnly(only: Lang[] | undefined): string[] | undefined {
  if (!only || only.length === 0) return undefined;
  return parseCandidates(only).flatMap((l) => toFranc(l, FRANC_CODES));
}

export function detectLanguage(text: string, options: DetectOptions = {}): LangGuess {
  const only = francOnly(options.only);
  const ranked = francAll(text.normalize('NFC'), { only, minLength: 3 });
  const [best, second] = ranked;
  if (!best || best[0] === 'und') return { lang: 'und', confidence: 0 };
  const gap = second ? best[1] - second[1] : 1;
  return { lang: fromFranc(best[0]), confidence: Math.min(1, 0.5 + gap * 5) };
}

/** Per-segment languages with the document language as prior. */
export function detectSegments(segments: Segment[], documentLang: Lang, options: DetectOptions = {}): LangGuess[] {
  return segments.map((s) => {
    const guess = detectLanguage(s.plain, options);
    if (guess.lang === 'und' || s.plain.length < 40 || guess.confidence < 0.6) return { lang: documentLang, confidence: guess.confidence };
    return guess;
  });
}
