/**
 * Side-by-side CSV (RFC 4180): `id,paragraph,<lang>…`, CRLF line ends, fields
 * quoted when they contain a quote, comma or line break. A UTF-8 byte-order
 * mark makes spreadsheet applications read the file as UTF-8 instead of the
 * system code page.
 */
import type { AlignedDocument } from '../model.js';

export const CSV_BOM = '\uFEFF';

/**
 * Spreadsheets evaluate a cell that starts with `=`, `+`, `-` or `@` (and,
 * in some, tab or CR) as a formula, so a sentence from an article or a term
 * from a submitter could run `=HYPERLINK(…)` or worse on a reviewer's
 * machine. Following OWASP's CSV-injection rule, such a cell is written with
 * a leading single quote, which spreadsheets show as text and hide.
 * A cell that already starts with quotes before such a character gets one
 * more, so that {@link restoreFormulaCell} can take exactly one away and a
 * round trip through locflow's own reader is exact.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

export function neutralizeFormulaCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The inverse of {@link neutralizeFormulaCell}, for files locflow reads back (glossary import). */
export function restoreFormulaCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

export function csvField(value: string): string {
  const safe = neutralizeFormulaCell(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function alignedCsv(doc: AlignedDocument): string {
  const rows = [['id', 'paragraph', ...doc.languages]];
  for (const s of doc.segments) rows.push([s.id, String(s.paragraph), ...doc.languages.map((l) => s.text[l] ?? '')]);
  return CSV_BOM + rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Reads CSV written by `alignedCsv` (or any RFC 4180 file) back into rows. */
export function parseCsv(input: string): string[][] {
  const src = input.startsWith(CSV_BOM) ? input.slice(1) : input;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && src[i + 1] === '\n') {
      // CRLF ends the record; the \n is consumed by the next branch.
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
