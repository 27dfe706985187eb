/**
 * Issue 15 "CSV formula injection": aligned.csv and the glossary CSV export
 * wrote cells starting with `=`, `+`, `@` as they came, submitters' own
 * sentences included. Every CSV (and TSV) locflow writes now puts a single
 * quote before such a cell (OWASP), and the glossary import takes it away
 * again, so a round trip is exact.
 */
import { describe, expect, it } from 'vitest';
import { alignedCsv, neutralizeFormulaCell, parseCsv, restoreFormulaCell } from '../../pipeline/formats/csv.js';
import { formatExtended, formatPairs, parseDelimited } from '../../glossary/io/csv.js';
import { toTerm } from '../../glossary/schema.js';

const DANGEROUS = ['=HYPERLINK("http://evil.example","clic")', '+33 1 23 45', '-2+3', '@SUM(A1:A2)', '\tindent', '\rcr'];
const TRICKY = ["'=already quoted", "''+twice", "'plain quote", 'plain', ''];

/** Every cell of a CSV, as a spreadsheet would see the raw text. */
function cells(csv: string): string[] {
  return parseCsv(csv).flat();
}

describe('cells a spreadsheet would run', () => {
  it.each(DANGEROUS)('%j is written with a leading quote and read back unchanged', (v) => {
    expect(neutralizeFormulaCell(v)).toBe(`'${v}`);
    expect(restoreFormulaCell(neutralizeFormulaCell(v))).toBe(v);
  });

  it.each(TRICKY)('%j survives the round trip exactly', (v) => {
    expect(restoreFormulaCell(neutralizeFormulaCell(v))).toBe(v);
  });

  it('aligned.csv: no cell starts with a formula character', () => {
    const csv = alignedCsv({
      sourceLang: 'fr',
      languages: ['fr', 'en'],
      segments: DANGEROUS.map((t, i) => ({ id: `p${i + 1}.s1`, paragraph: i + 1, text: { fr: t, en: `=${t}` }, meta: {} })),
    } as never);
    for (const c of cells(csv)) expect(c, JSON.stringify(c)).not.toMatch(/^[=+\-@\t\r]/);
    expect(cells(csv)).toContain(`'${DANGEROUS[0]}`);
  });
});

describe('glossary CSV and TSV', () => {
  const terms = [
    toTerm({ term: 'GPU', lang: 'fr', kind: 'translate', status: 'approved', translations: { en: '+GPU', vi: '@GPU' }, note: '=cmd|\' /C calc\'!A0', variants: ['-GPU'] }),
    toTerm({ term: 'Zorg', lang: 'fr', kind: 'translate', status: 'approved', translations: { en: "'=kept as typed" }, note: "'plain" }),
  ];

  it.each(['csv', 'tsv'] as const)('%s export has no formula cell, and import gives back the same terms', (format) => {
    const text = formatExtended(terms, format);
    const raw = format === 'csv' ? cells(text) : text.split('\n').flatMap((l) => l.split('\t'));
    for (const c of raw) expect(c, JSON.stringify(c)).not.toMatch(/^[=+\-@\t\r]/);
    const back = parseDelimited(text, format);
    expect(back.map((t) => ({ tr: t.translations, note: t.note, variants: t.variants }))).toEqual(terms.map((t) => ({ tr: t.translations, note: t.note, variants: t.variants })));
  });

  it('source,target pairs too', () => {
    const text = formatPairs(terms, 'csv', 'fr', 'en');
    for (const c of cells(text)) expect(c).not.toMatch(/^[=+\-@\t\r]/);
    const back = parseDelimited(text, 'csv', { source: 'fr', target: 'en' });
    expect(back.map((t) => t.translations.en)).toEqual(['+GPU', "'=kept as typed"]);
  });
});
