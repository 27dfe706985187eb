/**
 * Stage 6: QA checks per translated segment. Each check is a small function
 * returning findings; checkSegment runs them all. Messages are English
 * sentences naming what was expected, because they are read in qa.json and
 * in review tools, far from the code. Each finding also carries a `code`
 * (its sentence in `locales/<lng>/qa.json`) and the `params` that sentence
 * interpolates, so that a page can say it in the reader's language; the
 * bundle keeps the English `message`.
 */
import { findForm, forbiddenForms, targetForm } from './glossary/index.js';
import { comparePlaceholders, plainText } from './inline.js';
import { detectLanguage } from './detect.js';
import type { InlineXml, Lang, LangGuess, QaFinding, QaOrigin, QaParams, Segment, Term, TermMatch } from './model.js';

export interface QaInput {
  segment: Segment;
  /** The final translation (inline XML, terms restored). */
  target: InlineXml;
  from: Lang;
  to: Lang;
  /** Approved terms of the article. */
  terms: Term[];
  /** `terms` by id, when the caller has it already (a target checks every segment against the same terms). */
  termById?: ReadonlyMap<string, Term>;
  matches: TermMatch[];
  /** Glossary placeholders the engine lost. */
  lostMasks: string[];
  /** Whether the segment was translated by a real engine (identical-to-source is then suspicious). */
  translated: boolean;
  /**
   * Who wrote the target (default `machine`). Every finding carries it, and
   * text a person wrote is never described as an engine's fault: lost glossary
   * placeholders are not reported for it (the required-form check says what
   * matters), nor is a sentence left as the source, which a person means.
   */
  origin?: QaOrigin;
  /**
   * Language identification for the wrong-language check; defaults to
   * locflow's detector restricted to the source and target languages.
   */
  detect?: (text: string, candidates: Lang[]) => LangGuess;
}

type Finding = Omit<QaFinding, 'segment' | 'lang' | 'origin'>;
type Checked = QaInput & { termById: ReadonlyMap<string, Term> };

/** `params.context` picks a variant (`length_short`), `params.count` a plural form, as i18next does. */
function finding(check: QaFinding['check'], severity: QaFinding['severity'], code: string, params: QaParams, message: string): Finding {
  return Object.keys(params).length ? { check, severity, code, params, message } : { check, severity, code, message };
}

export function checkSegment(qaInput: QaInput): QaFinding[] {
  // Three checks look terms up by id: one index per segment at most, none when the caller passed one.
  const origin = qaInput.origin ?? 'machine';
  const human = origin === 'human';
  const input: Checked = {
    ...qaInput,
    termById: qaInput.termById ?? new Map(qaInput.terms.map((t) => [t.id, t])),
    // A person's sentence holds no glossary placeholders to lose, and identical-to-source is their choice.
    ...(human ? { lostMasks: [], translated: false } : {}),
  };
  const targetPlain = plainText(input.target);
  const sourcePlain = input.segment.plain;
  const found: Finding[] = [];
  if (targetPlain.trim() === '') {
    if (sourcePlain.trim() !== '') found.push(finding('empty', 'error', 'empty', {}, 'the translation is empty'));
  } else {
    found.push(
      ...checkPlaceholders(input.segment.source, input.target),
      ...checkNumbers(input, sourcePlain, targetPlain),
      ...checkGlossary(input, targetPlain),
      ...checkForbidden(input, sourcePlain, targetPlain),
      ...checkLength(input, sourcePlain, targetPlain),
    );
    const untranslated = checkUntranslated(input, sourcePlain, targetPlain);
    if (untranslated.length) found.push(...untranslated);
    else if (!human) found.push(...checkWrongLanguage(input, targetPlain));
    else if (normSource(input.segment, sourcePlain) !== normText(targetPlain)) found.push(...checkWrongLanguage({ ...input, translated: true }, targetPlain, true));
  }
  return found.map((f) => ({ segment: input.segment.id, lang: input.to, ...f, origin }));
}

function checkPlaceholders(source: InlineXml, target: InlineXml): Finding[] {
  const r = comparePlaceholders(source, target);
  const out: Finding[] = [];
  const quoted = (ids: string[]) => ids.map((id) => `"${id}"`).join(', ');
  if (r.missing.length)
    out.push(
      finding('placeholders', 'error', 'placeholders-missing', { count: r.missing.length, ids: quoted(r.missing) }, `markup lost in translation: placeholder${r.missing.length > 1 ? 's' : ''} ${quoted(r.missing)} missing`),
    );
  if (r.extra.length)
    out.push(
      finding('placeholders', 'error', 'placeholders-added', { count: r.extra.length, ids: quoted(r.extra) }, `markup the source does not have: placeholder${r.extra.length > 1 ? 's' : ''} ${quoted(r.extra)} added`),
    );
  if (r.unbalanced) out.push(finding('placeholders', 'error', 'placeholders-unbalanced', {}, 'markup is unbalanced: an opening and closing placeholder pair is broken or out of order'));
  return out;
}

// ---------------------------------------------------------------- numbers

/**
 * A number as written: `20`, `2022`, `5,5`, `5.5`, `1 000`, `1,000`, `1.000`,
 * `1.234,5`. Digits glued to letters (`R1`, `V3`, `H100`) are names, not
 * quantities, and are left to the glossary.
 */
const NUMBER = /(?<![\p{L}\p{N}])(?:\d{1,3}(?:[ \u00A0\u202F]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*)(?![\p{L}\p{N}])/gu;

/** Languages that write decimals with a point; the others in wide use write a comma. */
const POINT_DECIMAL = new Set(['en', 'zh', 'ja', 'ko', 'th', 'he', 'hi', 'ms', 'fil', 'ga', 'cy', 'sw', 'ta', 'bn', 'ur', 'my']);

/** The decimal separator of a language, when locflow knows it. */
function decimalSeparator(lang: Lang | undefined): '.' | ',' | undefined {
  if (!lang) return undefined;
  return POINT_DECIMAL.has(lang.split('-')[0]!.toLowerCase()) ? '.' : ',';
}

/**
 * Values a written number can mean. `1,000` is a thousand in English and
 * one in French; knowing the language removes the reading it never uses
 * (a French `1.500` is never 1.5), while the other stays possible because
 * articles quote figures in foreign style.
 */
export function numberReadings(written: string, lang?: Lang): Set<string> {
  const s = written.replace(/[ \u00A0\u202F]/g, '');
  const canon = (intPart: string, frac = '') => {
    const i = intPart.replace(/^0+(?=\d)/, '');
    const f = frac.replace(/0+$/, '');
    return f ? `${i}.${f}` : i;
  };
  const seps = s.match(/[.,]/g) ?? [];
  if (seps.length === 0) return new Set([canon(s)]);
  const last = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  const kinds = new Set(seps);
  if (kinds.size === 2) return new Set([canon(s.slice(0, last).replace(/[.,]/g, ''), s.slice(last + 1))]);
  if (seps.length > 1) {
    // 1.000.000 / 1,000,000: grouping, unless the groups are not thousands (a version like 1.2.3).
    return /^\d{1,3}(?:[.,]\d{3})+$/.test(s) ? new Set([canon(s.replace(/[.,]/g, ''))]) : new Set([s]);
  }
  const [int, frac] = s.split(/[.,]/) as [string, string];
  const grouping = frac.length === 3 && int.length <= 3;
  const decimal = decimalSeparator(lang);
  if (grouping && decimal !== undefined && seps[0] !== decimal) return new Set([canon(int + frac)]);
  const readings = new Set([canon(int, frac)]);
  if (grouping) readings.add(canon(int + frac));
  return readings;
}

function numbersIn(text: string, lang: Lang): { written: string; readings: Set<string> }[] {
  return [...text.matchAll(NUMBER)].map((m) => ({ written: m[0], readings: numberReadings(m[0], lang) }));
}

/** Blanks out spans so that numbers inside glossary terms are not counted. */
function blank(text: string, spans: [number, number][]): string {
  let out = text;
  for (const [s, e] of spans) out = out.slice(0, s) + ' '.repeat(e - s) + out.slice(e);
  return out;
}

function checkNumbers(input: Checked, sourcePlain: string, targetPlain: string): Finding[] {
  const byId = input.termById;
  const sourceSpans = input.matches.map((m): [number, number] => [m.start, m.end]);
  const targetSpans: [number, number][] = [];
  for (const m of input.matches) {
    const term = byId.get(m.termId);
    const form = term && targetForm(term, input.to, m.text);
    if (form && /\d/.test(form)) targetSpans.push(...findForm(targetPlain, form, false));
  }
  const source = numbersIn(blank(sourcePlain, sourceSpans), input.from);
  const target = numbersIn(blank(targetPlain, targetSpans), input.to);
  const used = new Array<boolean>(target.length).fill(false);
  const missing: string[] = [];
  for (const n of source) {
    const k = target.findIndex((t, i) => !used[i] && [...n.readings].some((r) => t.readings.has(r)));
    if (k === -1) missing.push(n.written);
    else used[k] = true;
  }
  const extra = target.filter((_, i) => !used[i]).map((t) => t.written);
  const out: Finding[] = [];
  // Right value, foreign style: engines often copy "5,5" into English unchanged.
  const decimal = decimalSeparator(input.to);
  const foreign = decimal
    ? target.filter((t, i) => used[i] && /^\d+[.,]\d+$/.test(t.written) && !/^\d{1,3}[.,]\d{3}$/.test(t.written) && !t.written.includes(decimal)).map((t) => t.written)
    : [];
  if (foreign.length) {
    const context = decimal === '.' ? 'point' : 'comma';
    out.push(
      finding('numbers', 'info', 'numbers-separator', { context, to: input.to, numbers: foreign.join(', ') }, `decimal separator not usual in ${input.to}: ${foreign.join(', ')} (${input.to} writes a decimal ${context})`),
    );
  }
  if (missing.length)
    out.push(
      finding('numbers', 'error', 'numbers-missing', { count: missing.length, numbers: missing.join(', ') }, `number${missing.length > 1 ? 's' : ''} of the source missing or changed in the translation: ${missing.join(', ')}`),
    );
  if (extra.length)
    out.push(
      finding('numbers', 'warning', 'numbers-extra', { count: extra.length, numbers: extra.join(', ') }, `number${extra.length > 1 ? 's' : ''} in the translation that the source does not have: ${extra.join(', ')}`),
    );
  return out;
}

// --------------------------------------------------------------- glossary

function checkGlossary(input: Checked, targetPlain: string): Finding[] {
  const out: Finding[] = [];
  for (const id of input.lostMasks)
    out.push(finding('glossary', 'error', 'glossary-mask-lost', { id }, `the engine lost glossary placeholder "${id}"; the term it protected may be missing or mistranslated`));

  const byId = input.termById;
  // One entry per required target form: two source spellings (start-up, startup) may require the same form.
  const required = new Map<string, { form: string; source: string; count: number; caseSensitive: boolean }>();
  for (const m of input.matches) {
    const term = byId.get(m.termId);
    if (!term || term.status !== 'approved') continue;
    const form = targetForm(term, input.to, m.text);
    if (form === undefined) continue;
    const key = term.caseSensitive ? form : form.toLowerCase();
    const entry = required.get(key);
    if (entry) entry.count++;
    else required.set(key, { form, source: m.text, count: 1, caseSensitive: term.caseSensitive });
  }
  for (const r of required.values()) {
    const n = findForm(targetPlain, r.form, r.caseSensitive).length;
    if (n === 0)
      out.push(finding('glossary', 'error', 'glossary-form-missing', { term: r.source, form: r.form }, `glossary term "${r.source}" must be translated as "${r.form}", which is not in the translation`));
    else if (n < r.count)
      out.push(
        finding(
          'glossary',
          'warning',
          'glossary-form-fewer',
          { term: r.source, form: r.form, occurrences: r.count, count: n },
          `glossary term "${r.source}" occurs ${r.count} times in the source but "${r.form}" only ${n} time${n > 1 ? 's' : ''} in the translation`,
        ),
      );
  }
  return out;
}

/**
 * Forbidden forms of the target language. A form the source itself contains
 * (a quotation, a name) is only a warning: the writer may have meant it.
 */
function checkForbidden(input: QaInput, sourcePlain: string, targetPlain: string): Finding[] {
  const out: Finding[] = [];
  for (const term of input.terms) {
    if (term.kind !== 'forbidden' || term.status !== 'approved') continue;
    for (const form of forbiddenForms(term, input.to)) {
      const hits = findForm(targetPlain, form, term.caseSensitive);
      if (hits.length === 0) continue;
      const inSource = findForm(sourcePlain, form, term.caseSensitive).length > 0;
      const written = targetPlain.slice(hits[0]![0], hits[0]![1]);
      // The term's note is the reviewer's own free text: it is passed on as written, in every language.
      const context = [term.note ? 'note' : '', inSource ? 'source' : ''].filter(Boolean).join('-');
      out.push(
        finding(
          'forbidden',
          inSource ? 'warning' : 'error',
          'forbidden-form',
          { ...(context ? { context } : {}), form: written, to: input.to, ...(term.note ? { note: term.note } : {}) },
          `forbidden form "${written}" in the ${input.to} translation${term.note ? ` (${term.note})` : ''}${inSource ? '; the source contains it too' : ''}`,
        ),
      );
    }
  }
  return out;
}

// ------------------------------------------------------------ untranslated

const URL_OR_MAIL = /\b(?:https?:\/\/|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.]+/giu;

/**
 * Whether nothing in the text asks for translation: once URLs, numbers and
 * glossary terms are taken out, only capitalised words (names) or no words
 * at all remain.
 */
function onlyNamesNumbersUrls(plain: string, matches: TermMatch[]): boolean {
  const rest = blank(plain, matches.map((m): [number, number] => [m.start, m.end])).replace(URL_OR_MAIL, ' ');
  const words = rest.match(/[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}'’-]*/gu) ?? [];
  return words.every((w) => /\p{N}/u.test(w) || /^\p{Lu}/u.test(w));
}

const normText = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/** A segment's plain text normalised, once for all its target languages. */
const normBySegment = new WeakMap<Segment, { plain: string; norm: string }>();
function normSource(segment: Segment, sourcePlain: string): string {
  if (sourcePlain !== segment.plain) return normText(sourcePlain);
  const known = normBySegment.get(segment);
  if (known && known.plain === sourcePlain) return known.norm;
  const norm = normText(sourcePlain);
  normBySegment.set(segment, { plain: sourcePlain, norm });
  return norm;
}

function checkUntranslated(input: QaInput, sourcePlain: string, targetPlain: string): Finding[] {
  if (!input.translated) return [];
  if (normSource(input.segment, sourcePlain) !== normText(targetPlain)) return [];
  if (onlyNamesNumbersUrls(sourcePlain, input.matches)) return [];
  return [finding('untranslated', 'warning', 'untranslated', { to: input.to, from: input.from }, `the ${input.to} translation is identical to the ${input.from} source`)];
}

/** Below this many letters a language guess on one segment is not worth a finding. */
export const WRONG_LANGUAGE_MIN_LETTERS = 30;
const WRONG_LANGUAGE_CONFIDENCE = 0.9;
/**
 * Below this share of its words found in the source segment, a translation is
 * not run through the detector. On the samples translated by Apertium (fr→es,
 * fr→en, en→es), real translations keep 0–0.36 of their words from the source
 * (names, and short words both languages write alike, like `de`, `la`), 0.56
 * where the engine left a phrase untranslated; every partly translated variant
 * of those segments that the detector reads as the source keeps 0.43 or more.
 */
export const WRONG_LANGUAGE_MIN_SHARED_WORDS = 0.3;

const WORD = /[\p{L}\p{M}]+/gu;

/** Whether `text` has at least `min` letters; counts only as far as it needs to. */
function hasLetters(text: string, min: number): boolean {
  let n = 0;
  for (const run of text.matchAll(/\p{L}+/gu)) {
    // Code points, as the `u` flag counts them.
    for (const _ of run[0]) if (++n >= min) return true;
  }
  return false;
}

/** Share of the words of `text` (letters only, case-folded) that also occur in `source`. */
export function sharedWordShare(text: string, source: string | Segment): number {
  const words = text.toLowerCase().match(WORD);
  if (!words || words.length === 0) return 0;
  const known = typeof source === 'string' ? wordSet(source) : sourceWords(source);
  let shared = 0;
  for (const w of words) if (known.has(w)) shared++;
  return shared / words.length;
}

const wordSet = (text: string) => new Set(text.toLowerCase().match(WORD) ?? []);

/** A segment's words, built once for all its target languages (an article's targets share its segments). */
const wordsBySegment = new WeakMap<Segment, { plain: string; words: Set<string> }>();
function sourceWords(segment: Segment): Set<string> {
  const known = wordsBySegment.get(segment);
  if (known && known.plain === segment.plain) return known.words;
  const words = wordSet(segment.plain);
  wordsBySegment.set(segment, { plain: segment.plain, words });
  return words;
}

/**
 * A translation that still reads as the source language: an engine that
 * passed the text through, or translated only a few words. The guess is
 * between the source and target languages only, which is the question asked
 * and keeps short texts from being mistaken for a third language. Glossary
 * terms and URLs are left out, since they read the same in both.
 */
function checkWrongLanguage(input: Checked, targetPlain: string, human = false): Finding[] {
  if (!input.translated) return [];
  const byId = input.termById;
  const spans: [number, number][] = [];
  for (const m of input.matches) {
    const term = byId.get(m.termId);
    const form = term && targetForm(term, input.to, m.text);
    if (form) spans.push(...findForm(targetPlain, form, false));
  }
  const text = blank(targetPlain, spans).replace(URL_OR_MAIL, ' ');
  if (!hasLetters(text, WRONG_LANGUAGE_MIN_LETTERS)) return [];
  // locflow's detector is not asked about text that could not read as the source: what this check
  // catches (a pass-through, a few words translated) keeps most of the source's words.
  if (!input.detect && sharedWordShare(text, input.segment) < WRONG_LANGUAGE_MIN_SHARED_WORDS) return [];
  const candidates = [input.from, input.to];
  const guess = input.detect ? input.detect(text, candidates) : detectLanguage(text, { only: candidates });
  if (guess.lang === 'und' || guess.confidence < WRONG_LANGUAGE_CONFIDENCE) return [];
  if (guess.lang.toLowerCase() === input.to.toLowerCase() || guess.lang.toLowerCase() !== input.from.toLowerCase()) return [];
  const confidence = guess.confidence.toFixed(2);
  // The same finding for a person's text, without blaming an engine.
  const params = { ...(human ? { context: 'human' } : {}), to: input.to, reads: guess.lang, confidence: Number(confidence) };
  const message = human
    ? `the ${input.to} translation reads as ${guess.lang} (confidence ${confidence})`
    : `the ${input.to} translation reads as ${guess.lang} (confidence ${confidence}); the engine may have left it untranslated`;
  return [finding('wrong-language', 'warning', 'wrong-language', params, message)];
}

// ------------------------------------------------------------------ length

/** Characters per unit of meaning relative to Latin-script languages: Chinese and Japanese need far fewer. */
const DENSITY: Record<string, number> = { zh: 0.35, ja: 0.45, ko: 0.55, yue: 0.35 };
const density = (lang: Lang) => DENSITY[lang.split('-')[0]!.toLowerCase()] ?? 1;

/** Below this many characters a ratio says little. */
export const LENGTH_MIN_CHARS = 20;

/**
 * Bands are wide on purpose: Vietnamese runs longer than French, pseudo-
 * localisation adds a third, and headlines vary. Short segments vary more,
 * so their band is wider still.
 */
export function lengthBand(sourceChars: number): [number, number] {
  return sourceChars < 60 ? [0.33, 3] : [0.5, 2];
}

function checkLength(input: QaInput, sourcePlain: string, targetPlain: string): Finding[] {
  const s = sourcePlain.trim().length;
  if (s < LENGTH_MIN_CHARS) return [];
  const t = targetPlain.trim().length;
  const ratio = t / density(input.to) / (s / density(input.from));
  const [lo, hi] = lengthBand(s);
  if (ratio >= lo && ratio <= hi) return [];
  return [
    finding(
      'length',
      'warning',
      'length',
      { context: ratio < lo ? 'shorter' : 'longer', target: t, source: s, min: lo, max: hi },
      `the translation is ${ratio < lo ? 'much shorter' : 'much longer'} than the source (${t} vs ${s} characters, expected ${lo}–${hi}×)`,
    ),
  ];
}

// ------------------------------------------------------------------ glossary side effects

/**
 * Words that carry a negation or a restriction, per target language. Losing
 * one changes what the sentence says (`has not cost` → `has cost`), which is
 * worse than any wrong term. Multi-word restrictions (`ne … que`, `không …`)
 * are counted by their marker words.
 */
const MEANING_WORDS: Record<string, string[]> = {
  en: ['not', "n't", 'no', 'never', 'only', 'none', 'nothing', 'nobody', 'neither', 'nor', 'without', 'alone', 'solely', 'just'],
  es: ['no', 'nunca', 'jamás', 'solo', 'sólo', 'solamente', 'únicamente', 'ni', 'nada', 'nadie', 'ninguno', 'ninguna', 'ningún', 'sin', 'tampoco'],
  fr: ['ne', "n'", 'pas', 'jamais', 'seulement', 'rien', 'aucun', 'aucune', 'sans', 'ni', 'uniquement'],
  vi: ['không', 'chỉ', 'chưa', 'chẳng', 'đừng', 'không bao giờ', 'chả', 'mỗi'],
  pt: ['não', 'nunca', 'só', 'somente', 'apenas', 'nem', 'nada', 'ninguém', 'sem'],
  de: ['nicht', 'kein', 'keine', 'nie', 'niemals', 'nur', 'ohne', 'weder'],
  it: ['non', 'mai', 'solo', 'soltanto', 'né', 'niente', 'nessuno', 'senza'],
};

function countMeaningWords(text: string, lang: Lang): Map<string, number> {
  const list = MEANING_WORDS[lang.split('-')[0]!.toLowerCase()] ?? [];
  const lower = ` ${text.normalize('NFC').toLowerCase().replace(/[’]/g, "'")} `;
  const counts = new Map<string, number>();
  for (const w of list) {
    // Whole words; an elided form (`n'`) ends at its apostrophe.
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${w.endsWith("'") ? '' : '(?![\\p{L}\\p{N}])'}`, 'gu');
    const n = lower.match(re)?.length ?? 0;
    if (n > 0) counts.set(w, n);
  }
  return counts;
}

/**
 * `glossary-side-effect`: a negation or restriction that the engine's plain
 * translation (without the glossary) had and the glossary-imposed one lost.
 * The reviewer sees both versions and what the glossary did to the sentence.
 */
export function sideEffectFindings(segment: string, lang: Lang, plainTranslation: InlineXml, withGlossary: InlineXml): QaFinding[] {
  const before = countMeaningWords(plainText(plainTranslation), lang);
  if (before.size === 0) return [];
  const after = countMeaningWords(plainText(withGlossary), lang);
  const lost = [...before].filter(([w, n]) => (after.get(w) ?? 0) < n).map(([w]) => w);
  if (lost.length === 0) return [];
  const plain = plainText(plainTranslation);
  const glossed = plainText(withGlossary);
  const message = `imposing the glossary lost "${lost.join(', ')}": without the glossary the engine wrote "${plain}", with it "${glossed}"`;
  return [{ segment, lang, ...finding('glossary-side-effect', 'warning', 'glossary-side-effect', { words: lost.join(', '), plain, glossed }, message) }];

}
