/** One entry point for every glossary file format the API and CLI exchange. */
import { GlossaryError } from '../../pipeline/errors.js';
import { formatGlossaryYaml, parseGlossaryYaml, yamlEntries, yamlHead } from '../../pipeline/glossary/index.js';
import type { Lang, Term, TermStatus } from '../../pipeline/model.js';
import { checkTerm } from '../schema.js';
import { extendedHeader, extendedRows, formatExtended, formatPairs, parseDelimited } from './csv.js';
import { formatTbx, parseTbx, TBX_FOOTER, tbxEntries, tbxHeader } from './tbx.js';

export const GLOSSARY_FORMATS = ['yaml', 'csv', 'tsv', 'tbx'] as const;
export type GlossaryFormat = (typeof GLOSSARY_FORMATS)[number];

export const CONTENT_TYPES: Record<GlossaryFormat, string> = {
  yaml: 'application/yaml; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  tbx: 'application/x-tbx+xml; charset=utf-8',
};

export interface ReadOptions {
  source?: Lang;
  target?: Lang;
  /** Status of terms the file does not give one (YAML defaults to approved on its own). */
  status?: TermStatus;
  /** For messages: the file name. */
  file?: string;
}

export function isGlossaryFormat(v: unknown): v is GlossaryFormat {
  return typeof v === 'string' && (GLOSSARY_FORMATS as readonly string[]).includes(v);
}

/** The format a file name implies, if any. */
export function formatFromName(name: string): GlossaryFormat | undefined {
  const ext = name.toLowerCase().split('.').pop();
  if (ext === 'yml' || ext === 'yaml') return 'yaml';
  if (ext === 'csv' || ext === 'tsv' || ext === 'tbx') return ext;
  if (ext === 'xml') return 'tbx';
  return undefined;
}

export function requireFormat(v: unknown, what = 'format'): GlossaryFormat {
  if (v === undefined || v === '') return 'yaml';
  if (!isGlossaryFormat(v)) throw new GlossaryError('glossary-bad-format', `${what} must be one of ${GLOSSARY_FORMATS.join(', ')}, not "${String(v)}"`, { status: 400, params: { what, formats: GLOSSARY_FORMATS.join(', '), value: String(v) } });
  return v;
}

/** Parses and validates a whole file; throws a GlossaryError (422) on the first problem, having changed nothing. */
export function parseGlossaryFile(text: string, format: GlossaryFormat, options: ReadOptions = {}): Term[] {
  let terms: Term[];
  switch (format) {
    case 'yaml':
      terms = parseGlossaryYaml(text, options.file ?? 'glossary.yaml');
      // The seed format defaults to approved; an import through the API may ask for another default only via the file.
      terms.forEach((t) => checkTerm(t));
      break;
    case 'csv':
    case 'tsv':
      terms = parseDelimited(text, format, options);
      break;
    case 'tbx':
      terms = parseTbx(text, options);
      break;
  }
  if (terms.length === 0) throw new GlossaryError('glossary-empty-file', 'the file contains no terms', { status: 422 });
  return terms;
}

export interface ExportShape {
  /** Terms per source language: the most common one is the file's language (YAML, TBX). */
  langs: Record<string, number>;
  /** Every translation language, sorted: the columns of a CSV/TSV export. */
  translationLangs: string[];
}

function mainLang(langs: Record<string, number>): Lang {
  // Ties go to the alphabetically first, so the same glossary always exports the same file.
  return Object.entries(langs).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'en';
}

/**
 * The same file as formatGlossaryFile, written while the terms arrive chunk by
 * chunk, so an export of 100 000 terms never holds them all. What the header
 * needs (languages) comes from `shape`, known before the first term.
 */
export async function* streamGlossaryFile(chunks: AsyncIterable<Term[]>, format: GlossaryFormat, shape: ExportShape, options: { source?: Lang; target?: Lang } = {}): AsyncGenerator<string> {
  const pair = (format === 'csv' || format === 'tsv') && (options.source || options.target);
  if (pair && (!options.source || !options.target)) throw new GlossaryError('glossary-bad-format', 'a language-pair export needs both source and target', { status: 400, params: { context: 'pair' } });
  const main = mainLang(shape.langs);
  if (format === 'yaml') yield yamlHead(main, 'locflow glossary export');
  else if (format === 'tbx') yield tbxHeader(main);
  else if (!pair) yield extendedHeader(shape.translationLangs, format);
  let any = false;
  // Formatting is CPU work on the event loop (YAML about a millisecond per term on a busy machine): small slices,
  // with a turn of the loop between them, so other requests are served while a large export runs.
  const slice = format === 'yaml' ? 20 : 200;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += slice) {
      const terms = chunk.slice(i, i + slice);
      any = true;
      if (format === 'yaml') yield yamlEntries(terms, main);
      else if (format === 'tbx') yield tbxEntries(terms);
      else if (pair) yield formatPairs(terms, format, options.source!, options.target!);
      else yield extendedRows(terms, shape.translationLangs, format);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (format === 'yaml') yield any ? '\n' : ' []\n';
  else if (format === 'tbx') yield TBX_FOOTER;
}

export function formatGlossaryFile(terms: Term[], format: GlossaryFormat, options: { source?: Lang; target?: Lang } = {}): string {
  switch (format) {
    case 'yaml':
      return formatGlossaryYaml(terms, { comment: 'locflow glossary export' });
    case 'csv':
    case 'tsv':
      if (options.source || options.target) {
        if (!options.source || !options.target) throw new GlossaryError('glossary-bad-format', 'a language-pair export needs both source and target', { status: 400, params: { context: 'pair' } });
        return formatPairs(terms, format, options.source, options.target);
      }
      return formatExtended(terms, format);
    case 'tbx':
      return formatTbx(terms);
  }
}
