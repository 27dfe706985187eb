/**
 * Term suggestions: words and phrases in an article that look like technical
 * terms or product names and are not in the glossary yet. Pure (no I/O).
 *
 * What counts as a candidate:
 * - acronyms: GPU, NIM, AWS (2–8 capitals, optionally digits);
 * - model names mixing letters and digits: R1, V3, GPT-4o;
 * - CamelCase names: DeepSeek, OpenAI, InternVL;
 * - runs of capitalised words that name a product or organisation
 *   (`Moonshot AI`, `Google Brain`) — in mid-sentence and not a person;
 * - single capitalised words that recur in mid-sentence and never appear in
 *   lower case in the article (Qwen, Kimi);
 * - lower-case multi-word phrases repeated in at least three sentences whose
 *   words are all content words (`open source`, `modèle de langage`): no
 *   stop word of the article's language (stopwords-iso lists for fr, en, es,
 *   vi…, plus everyday news words), except a linking word in the middle (`de`).
 *
 * Identical sentences count once (an article that repeats a paragraph does
 * not repeat its candidates), and a hyphenated verb form (`a-t-il`,
 * `explique-t-elle`) is never part of a phrase.
 *
 * What is left out: anything capitalised only because it starts a sentence or
 * a quotation, stop words, roman numerals, ordinals, common place names, and
 * people — a capitalised run that starts with a known given name or follows
 * an honorific (`M. Ng`), and every later mention of its words (`Altman`).
 */
import { createRequire } from 'node:module';
import { compileGlossary, type GlossaryMatcher } from './glossary/index.js';
import type { Lang, Term, TermKind } from './model.js';

export type SuggestionReason = 'acronym' | 'model' | 'camelcase' | 'name' | 'brand' | 'phrase';

export interface Suggestion {
  term: string;
  lang: Lang;
  /** Names and codes are kept as written; a reviewer changes this when a term needs translating. */
  kind: TermKind;
  reason: SuggestionReason;
  /** Occurrences in the text (exact spelling). */
  frequency: number;
  /** The first sentence it occurs in. */
  example: string;
}

export interface SuggestOptions {
  /** Minimum repeats for a lone capitalised word (default 2) and for a lower-case phrase (default 3). */
  minBrand?: number;
  minPhrase?: number;
  /** At most this many suggestions, most frequent first (default 100). */
  limit?: number;
}

const words = (list: string) => new Set(list.split(/\s+/).filter(Boolean));

/** Function words of locflow's first-class languages (and Spanish, which the pivots use). */
const STOP = words(`
a à au aux avec ce ces cet cette dans de des du en et il ils elle elles je la le les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous y d l n s t c j m qu
est sont été être avoir a ont fait faire plus moins très tout tous toute toutes aussi comme donc or ni car si selon lors après avant depuis entre sans sous vers chez contre pendant alors ainsi cela ceci celui celle ceux celles dont quoi quel quelle quels quelles
the of and to in a an is are was were be been being for on with as by at from that this these those it its or but not no if then than so such into about over after before under between through during without within can could will would should may might must do does did has have had he she they we you i his her their our your my me him them us what which who whom whose when where why how all any both each few more most other some only own same too very just also there here
el la los las un una unos unas y o de del al en con por para que se su sus es son lo le les como pero más
và của các những là có được cho với trong không này một người đã để về khi từ theo đến cũng như nhưng thì ra tại sẽ vì bị do nên rằng hay
`);

/** Given names and common East-Asian surnames: a capitalised run starting with one is a person. */
const GIVEN = words(`
sam andrew yann elon mark jensen satya sundar tim bill jeff steve larry sergey lisa marc peter paul john james robert michael david richard joseph thomas charles daniel matthew anthony donald kevin brian george edward ronald jason ryan jacob gary eric stephen jonathan scott justin brandon frank benjamin gregory samuel patrick alexander jack dennis jerry tyler aaron henry adam nathan zachary kyle walter harold carl arthur gerald roger keith jeremy terry sean christian austin noah ethan emma olivia sophia mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy betty margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca laura sharon cynthia kathleen amy shirley angela helen anna brenda pamela nicole ruth katherine samantha christine catherine virginia debra rachel janet maria heather diane julie joyce victoria kelly christina joan evelyn lauren judith olivia martha cheryl megan andrea hannah jacqueline ann jean alice kathryn gloria teresa doris sara janice julia marie madison grace judy theresa beverly denise marilyn amber danielle abigail brittany rose diana natalie sophia alexis lori kayla jane
jean pierre michel philippe alain nicolas françois jacques bernard christophe patrick frédéric laurent stéphane éric olivier sébastien thierry julien emmanuel marine ségolène
liang zheng wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo deng xie tang han feng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao zhong jin
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý nguyen tran pham hoang huynh vu vo dang bui do ho ngo duong
`);

/** Per-language stop words from stopwords-iso (fr, en, es, vi and 50 others), keyed by primary language subtag. */
const ISO = createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;

/**
 * Everyday news vocabulary the stop lists lack: time words, reporting verbs,
 * money and quantity words. Phrases made of them recur in every article
 * (`semaine prochaine`, `a déclaré`, `milliards de dollars`) without being terms.
 */
const NEWS: Record<string, string> = {
  fr: `semaine semaines mois année années an ans jour jours heure heures minute minutes hier demain aujourd'hui matin soir soirée week-end lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre novembre décembre prochain prochaine prochains prochaines dernier dernière derniers dernières passé passée écrit déclaré expliqué ajouté affirmé indiqué estimé souligné précisé annoncé raconté confié assuré rappelé noté selon million millions milliard milliards dollars euros pourcent cent fois début fin moitié`,
  en: `week weeks month months year years day days hour hours today yesterday tomorrow morning evening weekend monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december next last past said wrote told added explained noted announced according million millions billion billions dollars euros percent times`,
  es: `semana semanas mes meses año años día días hora horas hoy ayer mañana lunes martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre próximo próxima pasado pasada escribió dijo afirmó explicó añadió declaró según millón millones dólares euros ciento veces`,
  vi: `tuần tháng năm ngày giờ hôm nay qua mai sáng tối triệu tỷ đô la phần trăm lần cho biết nói viết`,
};

/** Words that may link the words of a term (`modèle de langage`, `speech to text`), never start or end one. */
const LINKERS: Record<string, Set<string>> = {
  fr: words('de du des d à au aux en la le les l'),
  en: words('of to for and'),
  es: words('de del la el los las a en para'),
  vi: words('của và'),
};

const stopCache = new Map<string, Set<string>>();
function stopWords(lang: Lang): Set<string> {
  const primary = lang.toLowerCase().split('-')[0]!;
  let set = stopCache.get(primary);
  if (!set) {
    set = new Set([...STOP, ...(ISO[primary] ?? []), ...(NEWS[primary] ?? '').split(/\s+/).filter(Boolean)].map((w) => w.normalize('NFC').toLowerCase()));
    stopCache.set(primary, set);
  }
  return set;
}

/** French (and Spanish) verb inversion: `a-t-il`, `dit-elle`, `explique-t-on`. */
const INVERSION = /-(?:t-)?(?:il|elle|on|ils|elles|je|tu|nous|vous|ce)$/u;

/** Is this lower-case word ordinary in `lang`: a stop word, an inflected stop word (dernière → dernier), or a verb inversion? */
function ordinaryWord(w: string, stop: Set<string>): boolean {
  if (stop.has(w)) return true;
  if (INVERSION.test(w)) return true;
  if (w.includes('-')) return w.split('-').every((p) => p === '' || stop.has(p));
  // Feminine and plural forms of listed words.
  for (const [suffix, base] of [['s', ''], ['es', ''], ['e', ''], ['ère', 'er'], ['ières', 'ier'], ['ière', 'ier'], ['ères', 'er'], ['x', '']] as const) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix) && stop.has(w.slice(0, -suffix.length) + base)) return true;
  }
  return false;
}

const HONORIFICS = words('m mme mlle dr pr mr mrs ms prof sir monsieur madame ông bà anh chị');

/** Place names that recur capitalised in news but are ordinary vocabulary, not glossary terms. */
const PLACES = words(`
chine états-unis france europe afrique asie amérique russie inde japon corée allemagne royaume-uni canada brésil taïwan vietnam viêt paris pékin washington londres
china united states us uk europe africa asia america russia india japan korea germany canada brazil taiwan vietnam beijing london
trung quốc mỹ việt nam hà nội
`);

/** Job titles that stand next to organisation names (`OpenAI CEO`). */
const TITLES = words('ceo cto cfo coo pdg dg président president director directeur chairman founder fondateur');

const ROMAN = /^(?=[MDCLXVI])M{0,3}(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$/;
const ORDINAL = /^\d+(e|er|re|ère|ème|eme|nd|rd|th|st|h|min|s|%)$/i;
const TOKEN = /[\p{L}\p{N}]+(?:[-_][\p{L}\p{N}]+)*/gu;

interface Token {
  text: string;
  /** `text` lower-cased and `isCapitalised(text)`: asked many times per token, computed once. */
  lower: string;
  cap: boolean;
  start: number;
  end: number;
  /** Capitalised only because of its position: start of sentence, quotation or parenthesis. */
  initial: boolean;
}

interface Sentence {
  text: string;
  tokens: Token[];
  /** capitalRuns of the sentence. */
  runs: number[][];
}

/** Sentences, roughly: line breaks, then terminal punctuation followed by a capital or a quotation mark. */
function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const line of text.normalize('NFC').split(/\n+/)) {
    for (const s of line.split(/(?<=[.!?…])\s+(?=[«"“(\p{Lu}\d])/u)) {
      const trimmed = s.trim();
      if (!trimmed) continue;
      const tokens: Token[] = [];
      for (const m of trimmed.matchAll(TOKEN)) {
        const start = m.index;
        const before = trimmed.slice(tokens.length ? tokens[tokens.length - 1]!.end : 0, start);
        const initial = tokens.length === 0 || /[«"“(:;—–]\s*$|[.!?…]\s+$/.test(before);
        tokens.push({ text: m[0], lower: m[0].toLowerCase(), cap: isCapitalised(m[0]), start, end: start + m[0].length, initial });
      }
      const sentence: Sentence = { text: trimmed, tokens, runs: [] };
      sentence.runs = capitalRuns(sentence);
      out.push(sentence);
    }
  }
  return out;
}

const isAcronym = (w: string) => /^\p{Lu}{2,8}\d*$/u.test(w) && !ROMAN.test(w);
const isModel = (w: string) => /\p{L}/u.test(w) && /\d/.test(w) && !ORDINAL.test(w) && w.length <= 24 && !/^\d+[.,]\d+$/.test(w);
const isCamel = (w: string) => /\p{Ll}\p{Lu}/u.test(w) || /^\p{Lu}{2,}\p{Ll}{2,}/u.test(w);
const isCapitalised = (w: string) => /^\p{Lu}/u.test(w);
const technical = (w: string) => isAcronym(w) || isModel(w) || isCamel(w);

/** Known forms per shared matcher: the API passes one matcher per glossary version, so the set is built once per version. */
const formsOfMatcher = new WeakMap<GlossaryMatcher, { forms: Set<string>; matcher: GlossaryMatcher }>();

/** Every form the glossary already knows, folded, plus a matcher for approved terms. */
function knownForms(known: GlossaryMatcher | Term[]): { forms: Set<string>; matcher: GlossaryMatcher } {
  if (!Array.isArray(known)) {
    let cached = formsOfMatcher.get(known);
    if (!cached) formsOfMatcher.set(known, (cached = knownFormsOf(known.terms, known)));
    return cached;
  }
  return knownFormsOf(known, compileGlossary(known));
}

function knownFormsOf(terms: Term[], matcher: GlossaryMatcher): { forms: Set<string>; matcher: GlossaryMatcher } {
  const forms = new Set<string>();
  for (const t of terms) for (const f of [t.term, ...t.variants, ...Object.values(t.translations)]) forms.add(f.normalize('NFC').toLowerCase());
  return { forms, matcher };
}

export function suggestTerms(text: string, lang: Lang, known: GlossaryMatcher | Term[], options: SuggestOptions = {}): Suggestion[] {
  const minBrand = options.minBrand ?? 2;
  const minPhrase = options.minPhrase ?? 3;
  const { forms, matcher } = knownForms(known);
  const stop = stopWords(lang);
  const linkers = LINKERS[lang.toLowerCase().split('-')[0]!] ?? new Set<string>();
  // A sentence repeated word for word (a paragraph pasted twice, a recurring sign-off) counts once.
  const seenSentences = new Set<string>();
  const sents = sentences(text).filter((s) => {
    if (seenSentences.has(s.text)) return false;
    seenSentences.add(s.text);
    return true;
  });

  // Words that are people's names anywhere in the article.
  const people = new Set<string>();
  // Words seen in lower case: a capitalised one is then an ordinary word at a sentence start.
  const lower = new Set<string>();
  const covered: Set<number>[] = [];
  for (const s of sents) {
    const spans = matcher.find(s.text, lang);
    const cov = new Set<number>();
    s.tokens.forEach((t, i) => {
      if (spans.some((m) => t.start < m.end && t.end > m.start)) cov.add(i);
      if (!t.cap) lower.add(t.lower);
    });
    covered.push(cov);
    for (const run of s.runs) {
      const first = s.tokens[run[0]!]!;
      const prev = s.tokens[run[0]! - 1];
      const honorific = prev && HONORIFICS.has(prev.lower) && s.text.slice(prev.end, first.start).startsWith('.');
      if (honorific) for (const i of run) people.add(s.tokens[i]!.text);
      // `OpenAI CEO Sam Altman`: the person starts at the given name.
      const k = personStart(s, run);
      if (k >= 0) for (const i of run.slice(k)) people.add(s.tokens[i]!.text);
    }
  }

  interface Acc {
    term: string;
    reason: SuggestionReason;
    count: number;
    example: string;
  }
  const found = new Map<string, Acc>();
  const note = (term: string, reason: SuggestionReason, example: string) => {
    const key = term;
    const acc = found.get(key);
    if (acc) acc.count++;
    else found.set(key, { term, reason, count: 1, example });
  };
  const brandCounts = new Map<string, { count: number; example: string }>();
  /** Phrases with the places they occur (sentence, first and last token), to tell fragments from terms. */
  const phrases = new Map<string, { count: number; example: string; at: [number, number, number][] }>();

  sents.forEach((s, si) => {
    const cov = covered[si]!;
    const free = (i: number) => !cov.has(i) && !people.has(s.tokens[i]!.text);
    const inRun = new Set<number>();
    for (let run of s.runs) {
      // A word capitalised only by its position (« Lorsque ChatGPT …) is not part of the name.
      if (run.length && s.tokens[run[0]!]!.initial && !technical(s.tokens[run[0]!]!.text)) run = run.slice(1);
      const k = personStart(s, run);
      if (k >= 0) run = run.slice(0, k);
      // `Trung Quốc DeepSeek`, `OpenAI CEO`: a place or a job title next to a name is not part of it.
      const place = (i: number) => PLACES.has(s.tokens[i]!.lower) || TITLES.has(s.tokens[i]!.lower);
      while (run.length && place(run[0]!)) run = run.slice(1);
      while (run.length && place(run[run.length - 1]!)) run = run.slice(0, -1);
      if (run.length < 2 || !run.every(free)) continue;
      const tokens = run.map((i) => s.tokens[i]!);
      const surface = s.text.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end);
      note(surface, 'name', s.text);
      run.forEach((i) => inRun.add(i));
    }
    s.tokens.forEach((t, i) => {
      if (!free(i)) return;
      const w = t.text;
      const lw = t.lower;
      if (w.length < 2 && !isModel(w)) return;
      if (isAcronym(w)) return note(w, 'acronym', s.text);
      if (isModel(w) && t.cap) return note(w, 'model', s.text);
      if (isCamel(w)) return note(w, 'camelcase', s.text);
      if (inRun.has(i)) return;
      if (t.cap && !t.initial && !stop.has(lw) && !PLACES.has(lw) && !GIVEN.has(lw) && !HONORIFICS.has(lw) && !lower.has(lw)) {
        const b = brandCounts.get(w) ?? { count: 0, example: s.text };
        b.count++;
        brandCounts.set(w, b);
      }
    });
    // Lower-case phrases of two or three words. Per token, once: can it be in a phrase, and is only a space before the next one.
    const phraseWord = s.tokens.map((t, i) => free(i) && !t.cap && !/\d/.test(t.text) && (t.text.length >= 2 || linkers.has(t.lower)));
    // A content word can be any word of a phrase; a linking word only an inner one.
    const content = s.tokens.map((t) => t.text.length >= 2 && !ordinaryWord(t.lower, stop));
    const spaceAfter = s.tokens.map((t, i) => i + 1 < s.tokens.length && /^[ \u00A0]$/.test(s.text.slice(t.end, s.tokens[i + 1]!.start)));
    const inSentence = new Set<string>();
    // Words inside a quotation are someone's speech, not the article naming a thing.
    const quoted = quotedTokens(s);
    for (let n = 2; n <= 3; n++) {
      for (let i = 0; i + n <= s.tokens.length; i++) {
        let k = 0;
        while (k < n && phraseWord[i + k]) k++;
        if (k < n) continue;
        if (!content[i] || !content[i + n - 1]) continue;
        k = 1;
        while (k < n - 1 && (content[i + k] || linkers.has(s.tokens[i + k]!.lower))) k++;
        if (k < n - 1) continue;
        // Only a space between the words: a comma or a dash breaks the phrase.
        k = 0;
        while (k < n - 1 && spaceAfter[i + k]) k++;
        if (k < n - 1) continue;
        if (quoted[i] || quoted[i + n - 1]) continue;
        const phrase = s.text.slice(s.tokens[i]!.start, s.tokens[i + n - 1]!.end).toLowerCase();
        // Counted once per sentence: a phrase must recur across the article.
        if (inSentence.has(phrase)) continue;
        inSentence.add(phrase);
        const p = phrases.get(phrase) ?? { count: 0, example: s.text, at: [] };
        p.count++;
        p.at.push([si, i, i + n - 1]);
        phrases.set(phrase, p);
      }
    }
  });

  // Lone capitalised words need repeats; a brand seen once mid-sentence could be anything.
  for (const [w, b] of brandCounts) if (b.count >= minBrand && !found.has(w)) found.set(w, { term: w, reason: 'brand', count: b.count, example: b.example });
  // A phrase whose longer form is also frequent is reported once, as the longer form.
  const frequentPhrases = [...phrases.entries()].filter(([, p]) => p.count >= minPhrase);
  // A phrase that mostly straddles the edge of a more frequent one is a fragment of a clause around it
  // (`langage compte` in `le modèle de langage compte …`), not a term of its own.
  const overlapsMore = (p: { count: number; at: [number, number, number][] }, phrase: string) => {
    let straddling = 0;
    for (const [si, a, b] of p.at) {
      const hit = frequentPhrases.some(([other, q]) => other !== phrase && !other.includes(phrase) && q.count > p.count && q.at.some(([sj, c, d]) => sj === si && c <= b && a <= d));
      if (hit) straddling++;
    }
    return straddling * 2 >= p.count;
  };
  for (const [phrase, p] of frequentPhrases) {
    if (frequentPhrases.some(([other, q]) => other !== phrase && other.includes(phrase) && q.count >= p.count)) continue;
    if (overlapsMore(p, phrase)) continue;
    found.set(phrase, { term: phrase, reason: 'phrase', count: p.count, example: p.example });
  }

  const out: Suggestion[] = [];
  for (const acc of found.values()) {
    if (forms.has(acc.term.toLowerCase())) continue;
    out.push({ term: acc.term, lang, kind: 'keep', reason: acc.reason, frequency: acc.count, example: acc.example.length > 300 ? `${acc.example.slice(0, 297)}…` : acc.example });
  }
  out.sort((a, b) => b.frequency - a.frequency || a.term.localeCompare(b.term));
  return out.slice(0, options.limit ?? 100);
}

/** For each token of a sentence: is it inside a quotation (« … », “ … ”, " … ")? */
function quotedTokens(s: Sentence): boolean[] {
  const inside: [number, number][] = [];
  for (const m of s.text.matchAll(/«[^»]*»|“[^”]*”|"[^"]*"/gu)) inside.push([m.index, m.index + m[0].length]);
  return s.tokens.map((t) => inside.some(([a, b]) => t.start > a && t.end < b));
}

/** Where a person's name begins in a run of capitalised words: a known given name or surname followed by another word; -1 if none. */
function personStart(s: Sentence, run: number[]): number {
  for (let k = 0; k + 1 < run.length; k++) {
    const t = s.tokens[run[k]!]!;
    if (GIVEN.has(t.lower) && !technical(t.text)) return k;
  }
  return -1;
}

/** Maximal runs of capitalised tokens separated by a single space (token indexes). */
function capitalRuns(s: Sentence): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  s.tokens.forEach((t, i) => {
    const joined = run.length > 0 && /^[ \u00A0]$/.test(s.text.slice(s.tokens[i - 1]!.end, t.start));
    if (t.cap && !STOP.has(t.lower)) {
      if (!joined && run.length) {
        runs.push(run);
        run = [];
      }
      run.push(i);
    } else if (run.length) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length) runs.push(run);
  return runs;
}
