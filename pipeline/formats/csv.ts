/**
 * Side-by-side CSV (RFC 4180): `id,paragraph,<lang>…`, CRLF line ends, fields
 * quoted when they contain a quote, comma or line break. A UTF-8 byte-order
 * mark makes spreadsheet applications read the file as UTF-8 instead of the
 * system code page.
 */
import type { AlignedDocument } from '../model.js';

export const CSV_BOM = '\uFEFF';

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
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
