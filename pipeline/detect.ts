/**
 * Stage 3: language detection. The detector itself is in `detect/`: Unicode
 * script, decisive Vietnamese letters, locflow's naive Bayes model for the
 * languages it was trained on, franc for the others, a calibrated confidence,
 * and `und` when the evidence is too thin.
 */
import type { Lang, LangGuess, Segment } from './model.js';
import { Detector, DEFAULT_MIN_CONFIDENCE, ScoreCache, type DetectOptions, type Detection } from './detect/detector.js';
import { shippedModel } from './detect/model.js';
import { parseCandidates } from './detect/languages.js';

export type { DetectOptions, Detection };
export { DEFAULT_MIN_CONFIDENCE, parseCandidates, ScoreCache };

let shared: Detector | undefined;

/** The detector over the model shipped with locflow (loaded on first use). */
export function defaultDetector(): Detector {
  shared ??= new Detector(shippedModel());
  return shared;
}

/** Language of a text (a whole document or one segment). Throws InputError for an unknown code in `only`. */
export function detectLanguage(text: string, options: DetectOptions = {}): LangGuess {
  const { lang, confidence } = defaultDetector().detect(text, options);
  return { lang, confidence };
}

/** Same as detectLanguage, with which signal decided and the best guess behind an `und`. */
export function detectDetailed(text: string, options: DetectOptions = {}): Detection {
  return defaultDetector().detect(text, options);
}

/** Segments shorter than this (letters) are too short to overrule the document language on their own. */
const SHORT_SEGMENT = 12;

/**
 * Per-segment languages with the document language as prior, so that a short
 * or ambiguous segment follows the article while a real quote in another
 * language still stands out. Untranslatable segments (code) and segments with
 * nothing to detect get the document language.
 */
export function detectSegments(segments: Segment[], documentLang: Lang, options: DetectOptions = {}): LangGuess[] {
  const detector = defaultDetector();
  const prior = options.prior ?? documentLang;
  return segments.map((s) => {
    if (!s.translatable) return { lang: documentLang, confidence: 1 };
    const d = detector.detect(s.plain, { ...options, prior });
    const letters = (s.plain.match(/\p{L}/gu) ?? []).length;
    if (d.lang === 'und' || letters < SHORT_SEGMENT) return { lang: documentLang, confidence: d.lang === documentLang ? d.confidence : 0.5 };
    return { lang: d.lang, confidence: d.confidence };
  });
}
