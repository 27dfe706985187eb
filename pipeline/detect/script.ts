/**
 * Which writing system a text mostly uses. A script settles the question on
 * its own for many languages (Hangul, Greek, Thai…) and narrows the candidates
 * for the rest (Cyrillic text is not French), before any n-gram is counted.
 * The character classes are franc's own (`franc/expressions.js`), so script
 * and profile agree on what "Cyrillic" means.
 */
import { expressions } from 'franc/expressions.js';

/** franc's script key: `Latin`, `Cyrillic`, `Arabic`…, or a franc language code for single-language scripts (`kor`, `ell`). */
export type ScriptKey = string;

const VIETNAMESE_ONLY = /[ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/iu;

/**
 * True when the text uses letters that, among the languages locflow models,
 * only Vietnamese writes: ơ, ư, đ and vowels with a dot below or hook above.
 * (Romanian shares ă and â, so they are not on the list.)
 */
export function hasVietnameseLetters(text: string): boolean {
  return VIETNAMESE_ONLY.test(text);
}

/** Letters in Basic Latin, Latin-1, Latin Extended-A/B and Latin Extended Additional. */
export function isLatinFast(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x250 || (c >= 0x1e00 && c <= 0x1eff) || (c >= 0x2000 && c <= 0x206f) || c === 0x300 || c === 0x301 || c === 0x303 || c === 0x309 || c === 0x323) continue;
    // Combining marks and punctuation outside these blocks do not change the script.
    if (!/\p{L}/u.test(text[i]!)) continue;
    return false;
  }
  return true;
}

export interface ScriptCount {
  script: ScriptKey;
  letters: number;
  /** Every letter is Latin: texts joined by spaces stay so, and their counts add up. */
  pureLatin?: boolean;
}

/** The script with the most letters, and how many letters it has. Undefined when there are no letters. */
export function dominantScript(text: string): ScriptCount | undefined {
  if (isLatinFast(text)) {
    const letters = (text.match(/\p{L}/gu) ?? []).length;
    return letters > 0 ? { script: 'Latin', letters, pureLatin: true } : undefined;
  }
  let best: ScriptCount | undefined;
  let latin = 0;
  for (const [script, re] of Object.entries(expressions)) {
    const letters = (text.match(re) ?? []).length;
    if (script === 'Latin') latin = letters;
    else if (letters > 0 && (!best || letters > best.letters)) best = { script, letters };
  }
  // Latin words (commands, brand names, code) are common inside text in other
  // scripts, the reverse is rare: a real share of another script decides.
  if (!best || best.letters < 2 || best.letters < 0.15 * (best.letters + latin)) {
    best = latin > 0 ? { script: 'Latin', letters: latin } : best;
  }
  // Japanese mixes kanji with kana; franc's `jpn` class already includes the common kanji,
  // so a text with any kana is scored against `jpn`, not Chinese.
  if (best?.script === 'cmn' && /[\u3041-\u3096\u30a1-\u30fa]/u.test(text)) best = { script: 'jpn', letters: best.letters };
  return best;
}
