import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingest, renderDocument } from '../../pipeline/ingest.js';
import { plainText } from '../../pipeline/inline.js';
import { joinBlocks, segmentDocument, splitSentences } from '../../pipeline/segment.js';
import { SAMPLE_FR } from '../helpers.js';

const sample = (name: string) => readFileSync(new URL(`../../samples/${name}`, import.meta.url));

describe('the DeepSeek sample (fr)', () => {
  const doc = ingest(readFileSync(SAMPLE_FR), { filename: 'deepseek.fr.txt' });
  const segments = segmentDocument(doc, 'fr');
  const byId = new Map(segments.map((s) => [s.id, s]));

  it('has a segment for every paragraph, with ids p{n}.s{m}', () => {
    const paragraphs = new Set(segments.map((s) => s.paragraph));
    expect(paragraphs.size).toBe(doc.blocks.length);
    expect(paragraphs.size).toBeGreaterThanOrEqual(20);
    for (const s of segments) expect(s.id).toBe(`p${s.paragraph}.s${s.sentence}`);
    expect(new Set(segments.map((s) => s.id)).size).toBe(segments.length);
  });

  it('does not split after M. in "selon M. Ng"', () => {
    const ng = segments.filter((s) => s.plain.includes('M. Ng'));
    expect(ng).toHaveLength(1);
    expect(ng[0]!.plain).toMatch(/^Si les États-Unis continuent.*selon M\. Ng\.$/);
  });

  it('keeps "5,5 millions" inside one sentence', () => {
    const s = segments.find((x) => x.plain.includes('5,5 millions'))!;
    expect(s.plain).toMatch(/^DeepSeek V3 .* 5,5 millions de dollars, selon DeepSeek\.$/);
  });

  it('keeps a quotation that continues the sentence (« … », a admis …) in one segment', () => {
    const s = segments.find((x) => x.plain.startsWith('« Cela dit'))!;
    expect(s.plain.endsWith('a admis le PDG d’OpenAI.')).toBe(true);
    expect(s.id).toBe('p9.s1');
    // …and the mid-sentence ellipsis inside a quote does not end the sentence either.
    const p11 = segments.filter((x) => x.paragraph === 11);
    expect(p11.map((x) => x.plain.slice(0, 20))).toEqual(['« Lorsque ChatGPT a ', '« Avec des modèles c']);
    expect(p11[0]!.plain).toContain('générative… mais en fait');
    expect(p11[0]!.plain.endsWith('a-t-il écrit sur X.')).toBe(true);
  });

  it('splits ordinary sentences', () => {
    expect(segments.filter((s) => s.paragraph === 14).map((s) => s.id)).toEqual(['p14.s1', 'p14.s2', 'p14.s3']);
    expect(byId.get('p14.s2')!.plain).toMatch(/^Par exemple, les utilisateurs du service NIM de Nvidia/);
    expect(byId.get('p15.s2')!.plain).toMatch(/^Yann LeCun/);
  });

  it('hashes the NFC source: first 16 hex digits of sha256', () => {
    for (const s of segments) {
      expect(s.hash).toBe(createHash('sha256').update(s.source.normalize('NFC')).digest('hex').slice(0, 16));
      expect(s.plain).toBe(plainText(s.source));
      expect(s.translatable).toBe(true);
    }
    expect(byId.get('p21.s1')!.source).toBe('Source : <x id="1"/>');
  });

  it('is deterministic: the same input (bytes, string, CRLF, decomposed accents) gives the same ids and hashes', () => {
    const again = segmentDocument(ingest(readFileSync(SAMPLE_FR, 'utf8')), 'fr');
    const crlf = segmentDocument(ingest(readFileSync(SAMPLE_FR, 'utf8').normalize('NFD').replace(/\n/g, '\r\n')), 'fr');
    const key = (ss: typeof segments) => ss.map((s) => `${s.id}:${s.hash}`);
    expect(key(again)).toEqual(key(segments));
    expect(key(crlf)).toEqual(key(segments));
  });

  it('joins identity translations back into the original document', () => {
    const blocks = joinBlocks(segments, new Map(segments.map((s) => [s.id, s.source])), 'fr');
    expect(renderDocument(doc, blocks)).toBe(readFileSync(SAMPLE_FR, 'utf8'));
  });
});

describe('sentence rules', () => {
  const split = (text: string, lang: string) => splitSentences(text, lang);

  it('French abbreviations and titles', () => {
    expect(split('Selon M. Ng et Mme Dupont, le Dr. Martin et MM. Durand sont là. Ensuite il part.', 'fr')).toEqual([
      'Selon M. Ng et Mme Dupont, le Dr. Martin et MM. Durand sont là.',
      'Ensuite il part.',
    ]);
    expect(split('Il a vu le Pr. Lemaire. Puis St. Martin.', 'fr')).toEqual(['Il a vu le Pr. Lemaire.', 'Puis St. Martin.']);
    expect(split('On y trouve des GPU, des CPU, etc. mais rien de plus.', 'fr')).toHaveLength(1);
    expect(split('On y trouve des GPU, des CPU, etc. Le reste suit.', 'fr')).toHaveLength(2);
  });

  it('English abbreviations, dotted abbreviations and initials', () => {
    expect(split('Mr. Ng met Dr. Smith in the U.S. last week. It went well.', 'en')).toEqual(['Mr. Ng met Dr. Smith in the U.S. last week.', 'It went well.']);
    expect(split('Some labs, e.g. Meta, i.e. big ones, agree. Others do not.', 'en')).toHaveLength(2);
    expect(split('The book by J. R. R. Tolkien sold well. George W. Bush read it.', 'en')).toEqual(['The book by J. R. R. Tolkien sold well.', 'George W. Bush read it.']);
    // A single capital that is a name (the network X) still ends a sentence.
    expect(split('He wrote on X. Then he left.', 'en')).toEqual(['He wrote on X.', 'Then he left.']);
  });

  it('decimals and thousands never split', () => {
    expect(split('Le coût : 5,5 millions. Pi vaut 3.14 environ. Total 1.000.000 dollars.', 'fr')).toEqual(['Le coût : 5,5 millions.', 'Pi vaut 3.14 environ.', 'Total 1.000.000 dollars.']);
  });

  it('quotes: keeps a quote that continues the sentence, splits one that ends it', () => {
    expect(split('Il a dit « Bonjour. Ça va ? » puis il est parti. Fin.', 'fr')).toEqual(['Il a dit « Bonjour. Ça va ? » puis il est parti.', 'Fin.']);
    expect(split('“We lost. We learn,” he said. Next.', 'en')).toEqual(['“We lost. We learn,” he said.', 'Next.']);
    expect(split('"It works. Really," she wrote. Done.', 'en')).toEqual(['"It works. Really," she wrote.', 'Done.']);
  });

  it('mid-sentence ellipsis does not split; one before a capital does', () => {
    expect(split('Il hésite… puis accepte. Bien.', 'fr')).toEqual(['Il hésite… puis accepte.', 'Bien.']);
    expect(split('Il hésite… Puis il accepte.', 'fr')).toHaveLength(2);
  });

  it('never splits inside a <g> pair or an entity, and keeps tags with their sentence', () => {
    expect(split('Le <g id="1">Dr. Smith. Bien.</g> Fin.', 'fr')).toEqual(['Le <g id="1">Dr. Smith. Bien.</g>', 'Fin.']);
    expect(split('A &amp; B. <g id="1">Suite</g> ici.', 'fr')).toEqual(['A &amp; B.', '<g id="1">Suite</g> ici.']);
    expect(split('Voir <x id="1"/>. Ensuite &quot;oui&quot;.', 'fr')).toEqual(['Voir <x id="1"/>.', 'Ensuite &quot;oui&quot;.']);
  });

  it('Vietnamese: syllables with spaces, TP.HCM, Tp., TS.', () => {
    expect(split('Tại TP.HCM, ông Nguyễn Văn A cho biết như vậy. Giá là 3,5 triệu đồng. Tp. Hồ Chí Minh có 10 triệu dân. TS. Lê nói.', 'vi')).toEqual([
      'Tại TP.HCM, ông Nguyễn Văn A cho biết như vậy.',
      'Giá là 3,5 triệu đồng.',
      'Tp. Hồ Chí Minh có 10 triệu dân.',
      'TS. Lê nói.',
    ]);
  });

  it('falls back to root rules for an unknown or odd language tag', () => {
    expect(split('One. Two.', 'xx-invalid-tag-that-is-long')).toEqual(['One.', 'Two.']);
  });
});

describe('the project samples', () => {
  it('Vietnamese sample: ids aligned per paragraph, abbreviations kept', () => {
    const doc = ingest(sample('open-models.vi.txt'));
    const segs = segmentDocument(doc, 'vi');
    expect(doc.blocks[0]!.kind).toBe('title');
    expect(segs.find((s) => s.plain.startsWith('TS. Lefèvre'))).toBeDefined();
    expect(segs.find((s) => s.plain.startsWith('Tại TP.HCM'))).toBeDefined();
    expect(segs.filter((s) => s.paragraph === 3)).toHaveLength(2);
  });

  it('French and English samples: M. Ng / Mr. Ng stay inside their sentence', () => {
    const fr = segmentDocument(ingest(sample('open-models.fr.txt')), 'fr');
    const en = segmentDocument(ingest(sample('open-models.en.txt')), 'en');
    expect(fr.find((s) => s.plain.includes('M. Ng'))!.plain).toMatch(/^Selon M\. Ng, les pays/);
    expect(en.find((s) => s.plain.includes('Mr. Ng'))!.plain).toMatch(/^According to Mr\. Ng, countries/);
    expect(en.find((s) => s.plain.includes('U.S. labs'))!.plain).toMatch(/^For Andrew Ng, .* closing fast\.$/);
    // The three samples tell the same story paragraph by paragraph.
    expect(new Set(fr.map((s) => s.paragraph)).size).toBe(new Set(en.map((s) => s.paragraph)).size);
  });

  it('non-translatable blocks get one segment so that ids stay aligned', () => {
    const doc = ingest(sample('open-models.fr.md'));
    const segs = segmentDocument(doc, 'fr');
    const code = doc.blocks.find((b) => b.kind === 'code')!;
    const codeSegs = segs.filter((s) => s.paragraph === code.index);
    expect(codeSegs).toHaveLength(1);
    expect(codeSegs[0]).toMatchObject({ id: `p${code.index}.s1`, translatable: false });
  });
});

describe('joinBlocks', () => {
  const doc = ingest('Un. Deux.\nTrois.', { format: 'text' });
  const segs = segmentDocument(doc, 'fr');

  it('joins with a space, and with nothing for languages written without spaces', () => {
    expect(segs.map((s) => s.id)).toEqual(['p1.s1', 'p1.s2', 'p2.s1']);
    const zh = new Map([
      ['p1.s1', '一。'],
      ['p1.s2', '二。'],
      ['p2.s1', '三。'],
    ]);
    expect(joinBlocks(segs, zh, 'zh-Hans').get(1)).toBe('一。二。');
    expect(joinBlocks(segs, zh, 'ja').get(1)).toBe('一。二。');
    expect(joinBlocks(segs, new Map([['p1.s1', 'One.'], ['p1.s2', 'Two.']]), 'en').get(1)).toBe('One. Two.');
  });

  it('uses the source for segments without a translation', () => {
    const out = joinBlocks(segs, new Map([['p1.s2', 'Two.']]), 'en');
    expect(out.get(1)).toBe('Un. Two.');
    expect(out.get(2)).toBe('Trois.');
  });
});
