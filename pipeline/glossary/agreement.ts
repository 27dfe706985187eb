/**
 * Agreement repair: after a term is replaced in a translation, the articles
 * and adjectives next to it still agree with the engine's word
 * (`la formación` → `la entrenamiento`). From the glossary's gender and
 * number of the new form, the words before the term (determiners, and the
 * adjectives between a determiner and the term) and one adjective after it
 * are re-inflected. Spanish and French; English only needs `a`/`an`.
 *
 * Closed word lists, not a dictionary: a word that is not a known
 * determiner is only touched when it sits between a determiner and the term,
 * or right after the term with an adjective ending, so a verb such as
 * `cuesta` is never "repaired".
 */
import type { GrammaticalNumber, Gender, TermGrammar } from '../model.js';

/** A word of the output, with where it sits in the text. */
export interface Word {
  text: string;
  start: number;
  end: number;
}

export interface Edit {
  start: number;
  end: number;
  text: string;
}

type Slot = 'm.sg' | 'f.sg' | 'm.pl' | 'f.pl';
const SLOTS: Slot[] = ['m.sg', 'f.sg', 'm.pl', 'f.pl'];

/** Spanish determiners by slot (m.sg, f.sg, m.pl, f.pl). */
const ES_DETERMINERS: string[][] = [
  ['el', 'la', 'los', 'las'],
  ['un', 'una', 'unos', 'unas'],
  ['este', 'esta', 'estos', 'estas'],
  ['ese', 'esa', 'esos', 'esas'],
  ['aquel', 'aquella', 'aquellos', 'aquellas'],
  ['nuestro', 'nuestra', 'nuestros', 'nuestras'],
  ['vuestro', 'vuestra', 'vuestros', 'vuestras'],
  ['otro', 'otra', 'otros', 'otras'],
  ['mucho', 'mucha', 'muchos', 'muchas'],
  ['poco', 'poca', 'pocos', 'pocas'],
  ['todo', 'toda', 'todos', 'todas'],
  ['algún', 'alguna', 'algunos', 'algunas'],
  ['ningún', 'ninguna', 'ningunos', 'ningunas'],
  ['cuyo', 'cuya', 'cuyos', 'cuyas'],
  ['su', 'su', 'sus', 'sus'],
  ['mi', 'mi', 'mis', 'mis'],
  ['tu', 'tu', 'tus', 'tus'],
  ['del', 'de la', 'de los', 'de las'],
  ['al', 'a la', 'a los', 'a las'],
];

/** French determiners by slot; `l'`-type elisions are handled apart. */
const FR_DETERMINERS: string[][] = [
  ['le', 'la', 'les', 'les'],
  ['un', 'une', 'des', 'des'],
  ['ce', 'cette', 'ces', 'ces'],
  ['du', 'de la', 'des', 'des'],
  ['au', 'à la', 'aux', 'aux'],
  ['son', 'sa', 'ses', 'ses'],
  ['mon', 'ma', 'mes', 'mes'],
  ['ton', 'ta', 'tes', 'tes'],
  ['notre', 'notre', 'nos', 'nos'],
  ['votre', 'votre', 'vos', 'vos'],
  ['leur', 'leur', 'leurs', 'leurs'],
  ['quel', 'quelle', 'quels', 'quelles'],
  ['aucun', 'aucune', 'aucuns', 'aucunes'],
];

/** Spanish adjectives shortened before a masculine singular noun. */
const ES_APOCOPE: Record<string, string> = { bueno: 'buen', malo: 'mal', primero: 'primer', tercero: 'tercer', grande: 'gran' };
const ES_APOCOPE_BACK: Record<string, string> = { buen: 'bueno', mal: 'malo', primer: 'primero', tercer: 'tercero' };

/** Endings of Spanish adjectives and participles, as opposed to verbs (`cuesta`, `funciona`). */
const ES_ADJECTIVE = /(?:ic|iv|os|ad|id|an|in|ari|er|ist|ent|ant|al|abl|ibl|ón|nuev|sol|únic|propi|mism|pequeñ|buen|mal|larg|cort|viej|alt|baj|car|barat|complet|rápid|lent|nuev|chin|franc|american|estadounidens)(?:o|a|os|as)$/u;
/** French adjectives: regular feminine in -e added to the masculine, the common pairs of irregulars. */
const FR_FEMININE: Record<string, string> = { nouveau: 'nouvelle', nouvel: 'nouvelle', beau: 'belle', bel: 'belle', vieux: 'vieille', vieil: 'vieille', seul: 'seule', premier: 'première', dernier: 'dernière', grand: 'grande', petit: 'petite', gros: 'grosse', long: 'longue', bon: 'bonne', public: 'publique', américain: 'américaine', chinois: 'chinoise', français: 'française' };
const FR_MASCULINE: Record<string, string> = Object.fromEntries(Object.entries(FR_FEMININE).filter(([m]) => !['nouvel', 'bel', 'vieil'].includes(m)).map(([m, f]) => [f, m]));

function slotOf(g: TermGrammar): Slot | undefined {
  if (!g.gender || g.gender === 'n') return undefined;
  return `${g.gender}.${g.number ?? 'sg'}` as Slot;
}

/** Keeps the capitalisation of the word it replaces: `La` → `El`, `LA` → `EL`. */
export function sameCaseAs(original: string, replacement: string): string {
  if (original.length > 1 && original === original.toUpperCase() && original !== original.toLowerCase()) return replacement.toUpperCase();
  if (original[0] && original[0] !== original[0].toLowerCase()) return replacement[0]!.toUpperCase() + replacement.slice(1);
  return replacement;
}

/**
 * The determiner at `words[i]` (possibly two words, `de la`) as a row and slot
 * of the table, with how many words it spans.
 */
function determinerAt(table: string[][], words: Word[], i: number): { row: string[]; slot: Slot; span: number } | undefined {
  const one = words[i]?.text.toLowerCase();
  if (one === undefined) return undefined;
  // Two-word forms (`de la`, `à la`) end at i.
  const two = i > 0 ? `${words[i - 1]!.text.toLowerCase()} ${one}` : undefined;
  for (const row of table) {
    if (two !== undefined) {
      const k = row.indexOf(two);
      if (k >= 0) return { row, slot: SLOTS[k]!, span: 2 };
    }
  }
  for (const row of table) {
    const k = row.indexOf(one);
    if (k >= 0) return { row, slot: SLOTS[k]!, span: 1 };
  }
  return undefined;
}

function inflectEs(word: string, slot: Slot, beforeNoun: boolean): string | undefined {
  const lower = word.toLowerCase();
  const base = ES_APOCOPE_BACK[lower] ?? lower;
  const m = /^(.*?)(o|a|os|as)$/u.exec(base);
  if (!m) return undefined;
  const ending = { 'm.sg': 'o', 'f.sg': 'a', 'm.pl': 'os', 'f.pl': 'as' }[slot];
  let out = m[1]! + ending;
  if (beforeNoun && slot === 'm.sg' && ES_APOCOPE[out]) out = ES_APOCOPE[out]!;
  return out === lower ? undefined : sameCaseAs(word, out);
}

function inflectFr(word: string, slot: Slot): string | undefined {
  const lower = word.toLowerCase();
  const feminine = slot.startsWith('f');
  const plural = slot.endsWith('pl');
  const singular = lower.endsWith('s') && !FR_FEMININE[lower] ? lower.slice(0, -1) : lower;
  let out: string | undefined;
  if (feminine) out = FR_FEMININE[singular] ?? (singular.endsWith('e') ? singular : `${singular}e`);
  else out = FR_MASCULINE[singular] ?? (singular.endsWith('e') && !/[ée]e$/.test(singular) ? singular : singular.replace(/e$/, ''));
  if (plural && !/[sx]$/.test(out)) out += 's';
  return out === lower ? undefined : sameCaseAs(word, out);
}

/** `a` or `an` for the word that now follows the article. */
function englishArticle(next: string): 'a' | 'an' {
  if (/^[A-Z]{2,}/.test(next)) return /^[AEFHILMNORSX]/.test(next) ? 'an' : 'a';
  const w = next.toLowerCase();
  if (/^(?:uni|use|usu|uti|eu|one|once)/.test(w)) return 'a';
  if (/^(?:hour|honest|honou?r|heir)/.test(w)) return 'an';
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}

/**
 * Edits that make the words around `words[first..last]` (the new term) agree
 * with its grammar. `previous` is the grammar the engine's own word had, when
 * known; without it, words after the term are left alone.
 */
export function agreementEdits(lang: string, words: Word[], first: number, last: number, form: string, grammar: TermGrammar | undefined): Edit[] {
  const edits: Edit[] = [];
  const primary = lang.slice(0, 2).toLowerCase();
  if (primary === 'en') {
    const prev = words[first - 1];
    if (prev && /^an?$/i.test(prev.text)) {
      const article = englishArticle(form);
      if (article !== prev.text.toLowerCase()) edits.push({ start: prev.start, end: prev.end, text: sameCaseAs(prev.text, article) });
    }
    return edits;
  }
  if (primary !== 'es' && primary !== 'fr') return edits;
  const slot = grammar && slotOf(grammar);
  if (!slot) return edits;
  const table = primary === 'es' ? ES_DETERMINERS : FR_DETERMINERS;

  // Left: up to two adjectives that go before nouns, then a determiner; nothing changes unless the determiner is found.
  const between: number[] = [];
  const preNoun = primary === 'es' ? ES_PRE_NOUN : FR_PRE_NOUN;
  let det: ReturnType<typeof determinerAt>;
  let detEnd = -1;
  for (let i = first - 1; i >= 0 && i >= first - 3; i--) {
    det = determinerAt(table, words, i);
    if (det) {
      detEnd = i;
      break;
    }
    if (!preNoun.test(words[i]!.text.toLowerCase())) break;
    between.push(i);
  }
  // The engine's word agreed with its determiner, or else its ending says its gender (`formación`).
  let oldSlot: Slot | undefined = primary === 'es' ? esSlotOfNoun(words[first]!.text) : undefined;
  if (det) {
    oldSlot = det.slot;
    // `chip gráfico`, already right: a determiner that agrees with the new form stays as it is.
    const wanted = det.row[SLOTS.indexOf(slot)]!;
    const startWord = words[detEnd - det.span + 1]!;
    const endWord = words[detEnd]!;
    const current = det.span === 2 ? `${startWord.text} ${endWord.text}` : endWord.text;
    let text = wanted;
    if (primary === 'fr' && slot.endsWith('sg') && /^[aeiouyéèêh]/i.test(form)) {
      // Before a vowel: l', cet, son (ma → mon), de l', à l'.
      const elided: Record<string, string> = { le: "l'", la: "l'", ce: 'cet', cette: 'cet', ma: 'mon', ta: 'ton', sa: 'son', du: "de l'", 'de la': "de l'", au: "à l'", 'à la': "à l'" };
      if (slot === 'f.sg' && (wanted === 'cette')) text = 'cette';
      else text = elided[wanted] ?? wanted;
    }
    if (text.toLowerCase() !== current.toLowerCase()) edits.push({ start: startWord.start, end: endWord.end, text: sameCaseAs(current, text) });
    for (const i of between) {
      const w = words[i]!;
      const out = primary === 'es' ? inflectEs(w.text, slot, true) : inflectFr(w.text, slot);
      if (out) edits.push({ start: w.start, end: w.end, text: out });
    }
  }

  // Right: one adjective that agreed with the engine's word.
  const next = words[last + 1];
  if (next && oldSlot && oldSlot !== slot && next.text === next.text.toLowerCase()) {
    if (primary === 'es' && ES_ADJECTIVE.test(next.text) && endsFor(next.text, oldSlot)) {
      const out = inflectEs(next.text, slot, false);
      if (out) edits.push({ start: next.start, end: next.end, text: out });
    }
  }
  return edits;
}

/** Adjectives that come before the noun (`una sola pulga`, `la nouvelle puce`). */
const ES_PRE_NOUN = /^(?:sol[oa]s?|nuev[oa]s?|gran(?:des?)?|mejor(?:es)?|peor(?:es)?|primer[oa]?s?|últim[oa]s?|únic[oa]s?|mism[oa]s?|propi[oa]s?|buen[oa]?s?|mal[oa]?s?|ciert[oa]s?|mayor(?:es)?|menor(?:es)?|pequeñ[oa]s?|viej[oa]s?|antigu[oa]s?|verdader[oa]s?|enorme)$/u;
const FR_PRE_NOUN = /^(?:seule?s?|nouvea(?:u|ux)|nouvelles?|nouvel|grande?s?|petite?s?|premi(?:er|ère)s?|derni(?:er|ère)s?|bonne?s?|meilleure?s?|gros(?:se)?s?|vieux|vieil(?:le)?s?|belle?s?|beaux?|jeunes?|longue?s?|même|mêmes|autres?|simples?)$/u;

/** Gender and number of a Spanish noun from its ending, for the engine's word whose article is not in sight. */
function esSlotOfNoun(word: string): Slot | undefined {
  const w = word.toLowerCase();
  if (/(?:ción|sión|dad|tad|tud|umbre)$/.test(w)) return 'f.sg';
  if (/(?:ciones|siones|dades|tades|tudes|umbres)$/.test(w)) return 'f.pl';
  if (/[^aeiou]a$/.test(w)) return 'f.sg';
  if (/as$/.test(w)) return 'f.pl';
  if (/o$/.test(w)) return 'm.sg';
  if (/os$/.test(w)) return 'm.pl';
  return undefined;
}

/** A Spanish word whose ending agrees with the slot (`gráfica` with f.sg). */
function endsFor(word: string, slot: Slot): boolean {
  const ending = { 'm.sg': /o$/, 'f.sg': /a$/, 'm.pl': /os$/, 'f.pl': /as$/ }[slot];
  return ending.test(word);
}

export type { Gender, GrammaticalNumber };
