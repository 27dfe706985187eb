/**
 * What makes a glossary entry well-formed, shared by the YAML files read here
 * and the store's API and imports (glossary/schema.ts), so that a term one
 * entry point refuses cannot come in through another.
 */

/** A BCP-47 language tag as people write it in glossaries: `fr`, `pt-BR`, `zh-Hant`. */
export const LANG_TAG = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
/** Term ids travel in URLs and Redis keys. */
export const ID_SHAPE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Zero-width and bidi marks alone look empty and can never be read or typed back. */
export function isVisiblyEmpty(text: string): boolean {
  return text.replace(/[\s\p{Cf}]/gu, '').length === 0;
}

/**
 * A form the matcher looks for in articles needs a letter, digit or symbol:
 * punctuation alone (`.`, `,`) would be masked in every sentence and break the
 * number checks (`5.5`), while `€` or `C#` are real terms.
 */
export function isMatchableForm(text: string): boolean {
  return /[\p{L}\p{N}\p{S}]/u.test(text);
}

export function unmatchableMessage(field: string, text: string): string {
  return `${field} "${text}" has no letter, digit or symbol; punctuation alone would match inside ordinary text`;
}
