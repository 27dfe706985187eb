/**
 * Glossary YAML files (`glossary/*.yaml`): parsing with precise, one-line
 * errors, and writing the same format back (used by export).
 *
 * The format, documented for users in docs/glossary-files.md:
 *
 *   lang: fr              # default language of the terms below
 *   status: approved      # default status (approved when omitted)
 *   terms:
 *     - term: open source
 *       kind: translate     # keep | translate | forbidden
 *       variants: [open-source]
 *       translations: {en: open source, vi: mã nguồn mở, es: código abierto}
 */
import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { GlossaryError } from '../errors.js';
import type { Gender, GrammaticalNumber, Lang, Term, TermEvent, TermKind, TermStatus } from '../model.js';
import { ID_SHAPE, isMatchableForm, isVisiblyEmpty, LANG_TAG, unmatchableMessage } from './rules.js';

export const TERM_KINDS: readonly TermKind[] = ['keep', 'translate', 'forbidden'];
export const TERM_STATUSES: readonly TermStatus[] = ['proposed', 'approved', 'rejected', 'deprecated'];
export const GENDERS = ['m', 'f', 'n'] as const satisfies readonly Gender[];
export const NUMBERS = ['sg', 'pl'] as const satisfies readonly GrammaticalNumber[];

/** Loose BCP-47 shape: `fr`, `pt-BR`, `zh-Hans`. Enough to catch typos like `english` or `fr_FR`. */

/** Stable id for a term that has none: the same language and text always give the same id. */
export function deriveTermId(lang: Lang, term: string): string {
  const hex = createHash('sha256').update(`${lang}\n${term.normalize('NFC')}`).digest('hex');
  // 12 hex digits keep accidental collisions negligible even for 100 000-term glossaries.
  return `t_${hex.slice(0, 12)}`;
}

const requiredText = (field: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined || iss.input === null ? `${field} is missing` : `${field} must be text (quote it if it looks like a number)`) })
    .transform((s) => s.normalize('NFC').trim())
    .refine((s) => !isVisiblyEmpty(s), { error: `${field} must not be empty` });

/** A form the matcher looks for: the term itself and its variants. */
const requiredForm = (field: string) => requiredText(field).refine(isMatchableForm, { error: (issue) => unmatchableMessage(field, String(issue.input)) });

const langField = (field: string) =>
  z.string({ error: `${field} must be a language code such as fr, en, vi or pt-BR` }).regex(LANG_TAG, { error: `${field} must be a language code such as fr, en, vi or pt-BR` });

const historySchema = z.strictObject({
  at: z.string({ error: 'history entries need "at" (a date)' }),
  by: z.string({ error: 'history entries need "by"' }),
  action: z.string({ error: 'history entries need "action"' }),
  changes: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])).optional(),
});

const termSchema = z.strictObject({
  id: z.string({ error: 'id must be text' }).regex(ID_SHAPE, { error: 'id may only use letters, digits and _ . : - (at most 64)' }).optional(),
  term: requiredForm('term'),
  lang: langField('lang').optional(),
  kind: z.enum(TERM_KINDS as [TermKind, ...TermKind[]], {
    error: (iss) => (iss.input === undefined ? 'kind is missing (keep, translate or forbidden)' : 'kind must be keep, translate or forbidden'),
  }),
  translations: z
    .record(langField('a translation key'), requiredText('a translation'), {
      error: (iss) =>
        iss.code === 'invalid_type'
          ? 'translations must be a mapping of language: form, e.g. {en: open source}'
          : iss.code === 'invalid_key'
            ? `a translation key must be a language code such as en, vi or pt-BR, not ${JSON.stringify(iss.input)}`
            : undefined,
    })
    .optional(),
  grammar: z
    .record(
      langField('a grammar key'),
      z.strictObject(
        {
          gender: z.enum(GENDERS, { error: 'gender must be m, f or n' }).optional(),
          number: z.enum(NUMBERS, { error: 'number must be sg or pl' }).optional(),
        },
        { error: 'grammar entries look like {gender: m, number: sg}' },
      ),
      { error: 'grammar must be a mapping of language: {gender, number}, e.g. {es: {gender: m}}' },
    )
    .optional(),
  variants: z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(requiredForm('a variant'), { error: 'variants must be a list of forms' }))
    .optional(),
  caseSensitive: z.boolean({ error: 'caseSensitive must be true or false' }).optional(),
  status: z.enum(TERM_STATUSES as [TermStatus, ...TermStatus[]], { error: 'status must be proposed, approved, rejected or deprecated' }).optional(),
  note: z.string({ error: 'note must be text' }).optional(),
  history: z.array(historySchema, { error: 'history must be a list' }).optional(),
  frequency: z.number({ error: 'frequency must be a number' }).int().nonnegative().optional(),
  example: z.string({ error: 'example must be text' }).optional(),
});

const fileSchema = z.strictObject({
  lang: langField('lang').optional(),
  status: z.enum(TERM_STATUSES as [TermStatus, ...TermStatus[]], { error: 'status must be proposed, approved, rejected or deprecated' }).optional(),
  terms: z.array(z.unknown(), { error: (iss) => (iss.input === undefined ? 'terms is missing (a list of terms)' : 'terms must be a list') }),
});

/** A term written with capitals (GPU, DeepSeek, IA) is case-sensitive unless the file says otherwise. */
function defaultCaseSensitive(term: string): boolean {
  return term !== term.toLowerCase();
}

/**
 * Parses and validates a glossary YAML file. Every problem becomes a
 * GlossaryError whose message is one line: `file:line: where: what`.
 */
export function parseGlossaryYaml(text: string, file: string): Term[] {
  const lines = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lines.linePos(offset).line);
  const fail = (line: number, message: string, code = 'glossary-invalid'): never => {
    // `problem` lets a translated errors.json entry rebuild the line as `{{file}}:{{line}}: {{problem}}`.
    throw new GlossaryError(code, `${file}:${line}: ${message}`, { details: { file, line, problem: message }, status: 422 });
  };

  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lineOf(syntax.pos[0]);
    const what = syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    fail(line, `YAML syntax error: ${what}`, 'glossary-syntax');
  }
  if (doc.contents === null) fail(1, 'the file is empty; expected "lang:" and a "terms:" list', 'glossary-invalid');
  if (!isMap(doc.contents)) fail(lineOf(doc.contents?.range?.[0]), 'the file must be a mapping with "lang:" and a "terms:" list');

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    fail(1, `cannot read the file: ${(err as Error).message.split('\n')[0]}`);
  }

  const lone = loneSurrogateAt(data);
  if (lone) fail(locate(doc, lone, { code: '' }, lineOf).line, 'a lone UTF-16 surrogate (an unpaired "\\uD800"–"\\uDFFF" escape) is not text; write the character itself');

  const top = fileSchema.safeParse(data);
  if (!top.success) {
    const issue = firstIssue(top.error.issues);
    const { line } = locate(doc, issue.path, issue, lineOf);
    fail(line, issue.code === 'unrecognized_keys' ? `unknown field "${issue.keys[0]}" (allowed: lang, status, terms)` : issue.message);
  }
  const header = top.data!;

  const terms: Term[] = [];
  const byId = new Map<string, number>();
  const byText = new Map<string, { index: number; line: number; caseSensitive: boolean }>();
  header.terms.forEach((raw, i) => {
    const path = ['terms', i];
    const itemLine = lineOf(nodeAt(doc, path)?.range?.[0]);
    const rawTerm = typeof raw === 'object' && raw !== null && typeof (raw as { term?: unknown }).term === 'string' ? (raw as { term: string }).term : undefined;
    const where = `term ${i + 1}${rawTerm ? ` (${JSON.stringify(rawTerm)})` : ''}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(itemLine, `${where}: each term must be a mapping with at least "term" and "kind"`);

    const parsed = termSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = firstIssue(parsed.error.issues);
      const { line, key } = locate(doc, [...path, ...issue.path], issue, lineOf);
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field "${key ?? issue.keys[0]}" (allowed: ${Object.keys(termSchema.shape).join(', ')})`
          : issue.message;
      fail(line, `${where}: ${message}`);
    }
    const t = parsed.data!;
    const lang = t.lang ?? header.lang;
    if (!lang) fail(itemLine, `${where}: lang is missing (set "lang:" at the top of the file or on the term)`);
    const translations = t.translations ?? {};
    if (t.kind === 'translate' && Object.keys(translations).length === 0)
      fail(itemLine, `${where}: kind translate needs translations, e.g. translations: {en: …}; use kind keep for a term that stays as it is`);

    const term: Term = {
      id: t.id ?? deriveTermId(lang!, t.term),
      term: t.term,
      lang: lang!,
      kind: t.kind,
      translations,
      variants: [...new Set((t.variants ?? []).filter((v) => v !== t.term))],
      caseSensitive: t.caseSensitive ?? defaultCaseSensitive(t.term),
      status: t.status ?? header.status ?? 'approved',
    };
    if (t.grammar !== undefined && Object.keys(t.grammar).length) term.grammar = t.grammar;
    if (t.note !== undefined) term.note = t.note;
    if (t.history !== undefined) term.history = t.history as TermEvent[];
    if (t.frequency !== undefined) term.frequency = t.frequency;
    if (t.example !== undefined) term.example = t.example;

    const seenId = byId.get(term.id);
    if (seenId !== undefined) fail(itemLine, `${where}: duplicate id "${term.id}" (term ${seenId + 1} has it too)`);
    byId.set(term.id, i);
    const textKey = `${term.lang}\n${term.kind === 'forbidden' ? 'f' : 'm'}\n${term.term.toLowerCase()}`;
    const seenText = byText.get(textKey);
    if (seenText && (seenText.caseSensitive === false || term.caseSensitive === false || terms[seenText.index]!.term === term.term))
      fail(itemLine, `${where}: duplicate term, already defined as term ${seenText.index + 1} on line ${seenText.line}`);
    byText.set(textKey, { index: i, line: itemLine, caseSensitive: term.caseSensitive });
    terms.push(term);
  });
  return terms;
}

/**
 * Path to the first key or string holding a lone surrogate. A YAML `"\ud800"`
 * escape makes one; UTF-8 cannot carry it and Redis's JSON decoder refuses
 * the whole glossary write.
 */
function loneSurrogateAt(v: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  const lone = /[\uD800-\uDFFF]/u;
  if (typeof v === 'string') return lone.test(v) ? path : undefined;
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) {
      const at = loneSurrogateAt(item, [...path, i]);
      if (at) return at;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, item] of Object.entries(v)) {
      const at = lone.test(k) ? [...path, k] : loneSurrogateAt(item, [...path, k]);
      if (at) return at;
    }
  }
  return undefined;
}

/** A misspelt field explains the "missing" one next to it, so unknown fields are reported first. */
function firstIssue<T extends { code: string }>(issues: T[]): T {
  return issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
}

function nodeAt(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  const node = doc.getIn(path as unknown[], true);
  return node && typeof node === 'object' && 'range' in (node as object) ? (node as Node) : undefined;
}

/** The line a zod issue refers to: the deepest node of its path that exists in the file, or the offending key. */
function locate(
  doc: Document,
  path: readonly PropertyKey[],
  issue: { code: string; keys?: string[] },
  lineOf: (offset: number | undefined) => number,
): { line: number; key?: string } {
  if (issue.code === 'unrecognized_keys') {
    const map = path.length ? doc.getIn(path as unknown[], true) : doc.contents;
    if (isMap(map)) {
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k !== undefined && issue.keys?.includes(k)) return { line: lineOf((pair.key as Node).range?.[0]), key: k };
      }
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (node && (isMap(node) || isSeq(node) || isScalar(node) || isPair(node))) {
      const range = (node as Node).range;
      if (range) return { line: lineOf(range[0]) };
    }
  }
  return { line: 1 };
}

/**
 * Writes terms in the same format parseGlossaryYaml reads, so that an export
 * imports back to the same glossary. Fields equal to their defaults are left
 * out to keep hand-edited files short; ids are always written.
 */
export function formatGlossaryYaml(terms: Term[], options: { lang?: Lang; comment?: string } = {}): string {
  const counts = new Map<string, number>();
  for (const t of terms) counts.set(t.lang, (counts.get(t.lang) ?? 0) + 1);
  const lang = options.lang ?? [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'en';
  const body = stringify({ lang, terms: terms.map((t) => yamlEntry(t, lang)) }, { lineWidth: 0 });
  return yamlComment(options.comment) + body;
}

function yamlComment(comment: string | undefined): string {
  return comment ? `${comment.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n` : '';
}

/** One term as the file writes it, relative to the file's language `lang`. */
function yamlEntry(t: Term, lang: Lang): Record<string, unknown> {
  const o: Record<string, unknown> = { id: t.id, term: t.term };
  if (t.lang !== lang) o.lang = t.lang;
  o.kind = t.kind;
  if (t.variants.length) o.variants = t.variants;
  if (Object.keys(t.translations).length) o.translations = t.translations;
  if (t.grammar && Object.keys(t.grammar).length) o.grammar = t.grammar;
  if (t.caseSensitive !== defaultCaseSensitive(t.term)) o.caseSensitive = t.caseSensitive;
  if (t.status !== 'approved') o.status = t.status;
  if (t.note !== undefined) o.note = t.note;
  if (t.frequency !== undefined) o.frequency = t.frequency;
  if (t.example !== undefined) o.example = t.example;
  if (t.history?.length) o.history = t.history;
  return o;
}

/**
 * The same file in pieces, for exports that stream: the head (comment, file
 * language, `terms:`), then the entries chunk by chunk, each chunk a YAML
 * sequence indented under `terms:`. An empty glossary is `terms: []`.
 */
export function yamlHead(lang: Lang, comment?: string): string {
  return `${yamlComment(comment)}${stringify({ lang }, { lineWidth: 0 })}terms:`;
}

export function yamlEntries(terms: Term[], lang: Lang): string {
  if (terms.length === 0) return '';
  const seq = stringify(terms.map((t) => yamlEntry(t, lang)), { lineWidth: 0 });
  return `\n${seq.replace(/\n$/, '').replace(/^/gm, '  ')}`;
}
