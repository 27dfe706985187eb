/**
 * Glossary CSV and TSV, in two shapes:
 *
 * - **pair**: `source,target` per line, no header, one language pair — the
 *   entry format DeepL's glossary API takes (`entries_format=csv|tsv`). It
 *   needs the pair from outside the file (`?source=fr&target=en`).
 * - **extended**: a header row `id,term,lang,kind,status,caseSensitive,
 *   variants,note,example,frequency,grammar,en,vi,…` with one column per
 *   target language, so a multilingual glossary survives a round trip through
 *   a spreadsheet. Only `term` is required; variants are separated by `|`;
 *   grammar reads `es:m.sg|fr:f` (language: gender.number).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { GlossaryError } from '../../pipeline/errors.js';
import { neutralizeFormulaCell, restoreFormulaCell } from '../../pipeline/formats/csv.js';
import { translationFor } from '../../pipeline/glossary/terms.js';
import type { Lang, Term, TermStatus } from '../../pipeline/model.js';
import { LANG_TAG, defaultCaseSensitive, toTerm } from '../schema.js';

export type Delimited = 'csv' | 'tsv';

const FIXED = ['id', 'term', 'lang', 'kind', 'status', 'caseSensitive', 'variants', 'note', 'example', 'frequency', 'grammar'] as const;
const FIXED_LOWER = new Set(FIXED.map((f) => f.toLowerCase()));

export interface DelimitedReadOptions {
  /** Language of the source column (pair files) or of rows without a `lang` column. */
  source?: Lang;
  /** Language of the target column of a pair file. */
  target?: Lang;
  /** Status of rows that do not say. */
  status?: TermStatus;
}

function bad(message: string): GlossaryError {
  return new GlossaryError('glossary-bad-file', message, { status: 422, params: { detail: message } });
}

function rows(text: string, format: Delimited): string[][] {
  try {
    return parse(text.replace(/^\uFEFF/, ''), {
      delimiter: format === 'tsv' ? '\t' : ',',
      // DeepL's TSV has no quoting at all: a quote character is part of the term.
      quote: format === 'tsv' ? false : '"',
      relax_column_count: true,
      skip_empty_lines: true,
      trim: format === 'csv',
    }) as string[][];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw bad(`${format.toUpperCase()} syntax error${e.lines ? ` on line ${e.lines}` : ''}: ${e.message.split('\n')[0]}`);
  }
}

function isExtendedHeader(row: string[]): boolean {
  const cells = row.map((c) => c.trim().toLowerCase());
  return cells.includes('term') && cells.every((c) => FIXED_LOWER.has(c) || LANG_TAG.test(c) || c === '');
}

export function parseDelimited(text: string, format: Delimited, options: DelimitedReadOptions = {}): Term[] {
  const table = rows(text, format);
  if (table.length === 0) throw bad(`the ${format.toUpperCase()} file has no rows`);
  // Cells locflow wrote with a quote in front of =, +, -, @ (spreadsheet formula guard) come back as they were.
  if (!isExtendedHeader(table[0]!)) return parsePairs(table.map((r) => r.map(restoreFormulaCell)), format, options);
  return parseExtended(table.map((r) => r.map((c) => restoreFormulaCell(format === 'tsv' ? unescapeTsv(c) : c))), options);
}

function parsePairs(table: string[][], format: Delimited, options: DelimitedReadOptions): Term[] {
  const { source, target } = options;
  if (!source || !target) {
    throw bad(
      `a ${format.toUpperCase()} file without a header row is read as source,target pairs (DeepL's format): give the pair with ?source=fr&target=en (CLI: --source fr --target en), or add a header row such as "term,lang,kind,en,vi"`,
    );
  }
  if (!LANG_TAG.test(source) || !LANG_TAG.test(target)) throw bad('source and target must be language codes such as fr, en, vi or pt-BR');
  return table.map((row, i) => {
    const where = `line ${i + 1}: `;
    if (row.length !== 2) throw bad(`${where}expected 2 columns (source${format === 'tsv' ? ' TAB ' : ','}target), found ${row.length}`);
    const [src, tgt] = row.map((c) => c.trim()) as [string, string];
    if (!src || !tgt) throw bad(`${where}both the source and the target must be filled in`);
    // A term that reads the same in both languages is a name to keep, which is how DeepL glossaries express "do not translate".
    const same = src === tgt && source !== target;
    return toTerm({ term: src, lang: source, kind: same ? 'keep' : 'translate', translations: same ? {} : { [target]: tgt }, status: options.status }, where, {
      status: options.status,
    });
  });
}

function parseExtended(table: string[][], options: DelimitedReadOptions): Term[] {
  const header = table[0]!.map((c) => c.trim());
  const col = new Map<string, number>();
  header.forEach((h, i) => {
    const key = FIXED.find((f) => f.toLowerCase() === h.toLowerCase()) ?? h;
    if (key === '') return;
    if (col.has(key)) throw bad(`line 1: column "${h}" appears twice`);
    col.set(key, i);
  });
  const langCols = header.map((h, i) => [h, i] as const).filter(([h]) => h && !FIXED_LOWER.has(h.toLowerCase()));
  const seen = new Set<string>();
  return table.slice(1).map((row, r) => {
    const line = r + 2;
    const where = `line ${line}: `;
    if (row.length > header.length) throw bad(`${where}${row.length} columns but the header has ${header.length}`);
    const cell = (name: string): string | undefined => {
      const i = col.get(name);
      const v = i === undefined ? undefined : row[i]?.trim();
      return v === '' ? undefined : v;
    };
    const translations: Record<string, string> = {};
    for (const [l, i] of langCols) {
      const v = row[i]?.trim();
      if (v) translations[l] = v;
    }
    const termText = cell('term');
    const kind = cell('kind') ?? (Object.keys(translations).length ? 'translate' : 'keep');
    const cs = cell('caseSensitive');
    let caseSensitive: boolean | undefined;
    if (cs !== undefined) {
      if (!/^(true|false|yes|no|1|0)$/i.test(cs)) throw bad(`${where}caseSensitive must be true or false, not "${cs}"`);
      caseSensitive = /^(true|yes|1)$/i.test(cs);
    }
    const freq = cell('frequency');
    if (freq !== undefined && !/^\d+$/.test(freq)) throw bad(`${where}frequency must be a whole number, not "${freq}"`);
    const raw: Record<string, unknown> = {
      term: termText ?? '',
      lang: cell('lang') ?? options.source,
      kind,
      translations,
      variants: (cell('variants') ?? '').split('|').map((v) => v.trim()).filter(Boolean),
    };
    if (raw.lang === undefined) throw bad(`${where}lang is missing: add a "lang" column or give ?source=LANG`);
    if (cell('id') !== undefined) raw.id = cell('id');
    if (caseSensitive !== undefined) raw.caseSensitive = caseSensitive;
    raw.status = cell('status') ?? options.status;
    if (raw.status === undefined) delete raw.status;
    if (cell('note') !== undefined) raw.note = cell('note');
    if (cell('example') !== undefined) raw.example = cell('example');
    if (freq !== undefined) raw.frequency = Number(freq);
    const grammar = cell('grammar');
    if (grammar !== undefined) raw.grammar = parseGrammarCell(grammar, where);
    const term = toTerm(raw, where, { status: options.status });
    if (seen.has(term.id)) throw bad(`${where}duplicate id "${term.id}"`);
    seen.add(term.id);
    return term;
  });
}

/** Every field of every term, one column per language found in the translations. */
export function formatExtended(terms: Term[], format: Delimited): string {
  const langs = [...new Set(terms.flatMap((t) => Object.keys(t.translations)))].sort();
  return extendedHeader(langs, format) + extendedRows(terms, langs, format);
}

/** The header row of the extended shape, given every translation language of the export (streamed exports know them up front). */
export function extendedHeader(langs: string[], format: Delimited): string {
  return writeTable([[...FIXED, ...langs]], format, format === 'tsv' ? escapeTsv : undefined);
}

/** Rows of the extended shape; consecutive calls concatenate into one file. */
export function extendedRows(terms: Term[], langs: string[], format: Delimited): string {
  const records = terms.map((t) => [
    t.id,
    t.term,
    t.lang,
    t.kind,
    t.status,
    t.caseSensitive === defaultCaseSensitive(t.term) ? '' : String(t.caseSensitive),
    t.variants.join('|'),
    t.note ?? '',
    t.example ?? '',
    t.frequency === undefined ? '' : String(t.frequency),
    Object.entries(t.grammar ?? {})
      .map(([l, g]) => `${l}:${g.gender ?? ''}${g.number ? `.${g.number}` : ''}`)
      .join('|'),
    ...langs.map((l) => t.translations[l] ?? ''),
  ]);
  // TSV has no quoting, so the extended form escapes tab, line break and backslash the way PostgreSQL's text format does.
  return writeTable(records, format, format === 'tsv' ? escapeTsv : undefined);
}

/** `es:m.sg|fr:f` → `{es: {gender: 'm', number: 'sg'}, fr: {gender: 'f'}}`; the schema then checks the values. */
function parseGrammarCell(cell: string, where: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const part of cell.split('|').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^:\s]+)\s*:\s*([a-z]*)(?:\.([a-z]+))?$/.exec(part);
    if (!m) throw bad(`${where}grammar must read like es:m.sg|fr:f, not "${part}"`);
    out[m[1]!] = { ...(m[2] ? { gender: m[2] } : {}), ...(m[3] ? { number: m[3] } : {}) };
  }
  return out;
}

const escapeTsv = (c: string) => c.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\r?\n/g, '\\n');
const unescapeTsv = (c: string) => c.replace(/\\([\\tn])/g, (_, ch: string) => (ch === 't' ? '\t' : ch === 'n' ? '\n' : '\\'));

/**
 * DeepL-style entries for one pair: approved terms of the source language with
 * a form for the target (a kept name maps to itself). Forbidden terms have no
 * place in an MT glossary and are left out.
 */
export function formatPairs(terms: Term[], format: Delimited, source: Lang, target: Lang): string {
  const out: string[][] = [];
  for (const t of terms) {
    if (t.status !== 'approved' || t.kind === 'forbidden' || t.lang.toLowerCase() !== source.toLowerCase()) continue;
    const tgt = t.kind === 'keep' ? (translationFor(t, target) ?? t.term) : translationFor(t, target);
    if (tgt === undefined) continue;
    out.push([t.term, tgt]);
  }
  return writeTable(out, format);
}

function writeTable(table: string[][], format: Delimited, escape?: (c: string) => string): string {
  // No cell a spreadsheet would run as a formula (see neutralizeFormulaCell); import reverses it.
  const safe = table.map((r) => r.map(neutralizeFormulaCell));
  if (format === 'csv') return stringify(safe, { record_delimiter: 'unix' });
  // DeepL's TSV has no escaping: a tab or line break inside a cell cannot be written, so it becomes a space.
  const cell = escape ?? ((c: string) => c.replace(/[\t\r\n]+/g, ' '));
  return safe.map((r) => r.map(cell).join('\t')).join('\n') + (safe.length ? '\n' : '');
}
