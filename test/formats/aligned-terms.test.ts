/**
 * aligned.json names the glossary terms of each segment as its source writes
 * them (issue 16, item 5): the term id, the words and where they stand in the
 * source text, in a French, an English and a Vietnamese article alike, and the
 * rendering each target requires. Before, only the glossary's own (French)
 * name of the term was listed, which an English or Vietnamese source does not
 * contain.
 */
import { describe, expect, it } from 'vitest';
import { parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import { toAligned } from '../../pipeline/formats/aligned.js';
import { analyse, translateTarget } from '../../pipeline/run.js';
import type { AlignedDocument, BundleInput, Lang, Translator } from '../../pipeline/model.js';

const terms = parseGlossaryYaml(
  [
    'lang: fr',
    'terms:',
    '  - term: modèle de langage',
    '    kind: translate',
    '    translations: {en: language model, vi: mô hình ngôn ngữ, es: modelo de lenguaje}',
    '  - term: open weights',
    '    lang: en',
    '    kind: translate',
    '    translations: {fr: poids ouverts, vi: trọng số mở}',
    '  - term: trí tuệ nhân tạo',
    '    lang: vi',
    '    kind: translate',
    '    translations: {en: artificial intelligence, fr: intelligence artificielle}',
    '  - term: GPU',
    '    kind: keep',
    '    caseSensitive: true',
  ].join('\n'),
  'test.yaml',
);

/** An engine that sends the text back as it came: whatever it holds of the glossary is the pipeline's doing. */
const echo: Translator = {
  plan: (from, to) => ({ id: `echo:${from}>${to}`, label: `echo:${from}→${to}`, providers: ['echo'], pseudo: false }),
  translate: async (req) => ({
    texts: req.segments.map((s) => s.text),
    plan: { id: 'echo', label: 'echo', providers: ['echo'], pseudo: false },
    billedChars: 0,
    warnings: [],
  }),
};

async function aligned(text: string, from: Lang, to: Lang[], format: 'text' | 'markdown' = 'text'): Promise<AlignedDocument> {
  const analysis = analyse(text, { terms, from, format });
  const targets = [];
  for (const lang of to) targets.push(await translateTarget(analysis, lang, { translator: echo }));
  const input: BundleInput = { jobId: 'j_test', analysis, targets, toolVersion: '0', createdAt: '2026-12-08T00:00:00.000Z', revision: 1, timings: {} };
  return toAligned(input);
}

/** Every match of every target, checked against the source text it claims to point into. */
function matchesOf(doc: AlignedDocument, lang: Lang) {
  return doc.segments.flatMap((seg) =>
    (seg.meta[lang]?.matches ?? []).map((m) => {
      expect(seg.text[doc.sourceLang]!.slice(m.start, m.end)).toBe(m.source);
      return { segment: seg.id, ...m };
    }),
  );
}

describe('glossary terms in aligned.json, for any source language', () => {
  it('a French source: the words as written, with a code span before them, and each target its rendering', async () => {
    const doc = await aligned('Le `R1` est un Modèle de langage entraîné sur des GPU.\n', 'fr', ['en', 'vi'], 'markdown');
    expect(doc.segments[0]!.text.fr).toContain('R1');
    const en = matchesOf(doc, 'en');
    expect(en.map((m) => [m.source, m.target])).toEqual([
      ['Modèle de langage', 'language model'],
      ['GPU', 'GPU'],
    ]);
    expect(matchesOf(doc, 'vi').map((m) => m.target)).toEqual(['mô hình ngôn ngữ', 'GPU']);
    // The id is the glossary's, the same in every target.
    const id = terms.find((t) => t.term === 'modèle de langage')!.id;
    expect(en[0]!.id).toBe(id);
    // The existing fields stay: the glossary name of each term used.
    expect(doc.segments[0]!.meta.en!.terms).toEqual(['modèle de langage', 'GPU']);
  });

  it('an English source: the English words of a French glossary entry and of an English one are found in the source', async () => {
    const doc = await aligned('The language model has open weights.\nIt was trained on GPU clusters.\n', 'en', ['fr', 'vi']);
    const fr = matchesOf(doc, 'fr');
    expect(fr.map((m) => [m.segment, m.source, m.target])).toEqual([
      ['p1.s1', 'language model', 'modèle de langage'],
      ['p1.s1', 'open weights', 'poids ouverts'],
      ['p2.s1', 'GPU', 'GPU'],
    ]);
    expect(fr[0]!.start).toBe(4);
    expect(matchesOf(doc, 'vi').map((m) => m.target)).toEqual(['mô hình ngôn ngữ', 'trọng số mở', 'GPU']);
    // The translation holds the rendering the match names (the pipeline put it there).
    expect(doc.segments[0]!.text.fr).toContain('modèle de langage');
    // A term name in another language than the source's is not what the source contains.
    expect(doc.segments[0]!.text.en).not.toContain('modèle de langage');
  });

  it('a Vietnamese source, composed or decomposed: NFC words with their diacritics, at the right place', async () => {
    const composed = 'Mô hình ngôn ngữ mới dùng trí tuệ nhân tạo.\n';
    for (const text of [composed, composed.normalize('NFD')]) {
      const doc = await aligned(text, 'vi', ['en', 'fr']);
      const en = matchesOf(doc, 'en');
      expect(en.map((m) => [m.source, m.start, m.end, m.target])).toEqual([
        ['Mô hình ngôn ngữ', 0, 16, 'language model'],
        ['trí tuệ nhân tạo', 26, 42, 'artificial intelligence'],
      ]);
      for (const m of en) expect(m.source).toBe(m.source.normalize('NFC'));
      expect(matchesOf(doc, 'fr').map((m) => m.target)).toEqual(['modèle de langage', 'intelligence artificielle']);
    }
  });

  it('a segment without terms has an empty list, and a target the glossary says nothing for has no rendering', async () => {
    const doc = await aligned('Nothing here.\nA language model.\n', 'en', ['es']);
    expect(doc.segments[0]!.meta.es!.matches).toEqual([]);
    const [m] = matchesOf(doc, 'es');
    expect(m).toMatchObject({ source: 'language model', target: 'modelo de lenguaje' });
    const doc2 = await aligned('Open weights matter.\n', 'en', ['es']);
    const [w] = matchesOf(doc2, 'es');
    expect(w).toMatchObject({ source: 'Open weights' });
    expect(w!.target).toBeUndefined();
  });
});
