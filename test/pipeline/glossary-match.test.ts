import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildText, findWithRegExps, generateTerms } from '../../bench/glossary-match.bench.js';
import { compileGlossary, parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import type { Term, TermMatch } from '../../pipeline/model.js';
import { ROOT, SAMPLE_FR } from '../helpers.js';

const tech = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
const techMatcher = compileGlossary(tech);
const idOf = (term: string, lang = 'fr') => tech.find((t) => t.term === term && t.lang === lang)!.id;

let n = 0;
function term(t: string, extra: Partial<Term> = {}): Term {
  return { id: `x${++n}`, term: t, lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: t !== t.toLowerCase(), status: 'approved', ...extra };
}
const texts = (ms: TermMatch[]) => ms.map((m) => m.text);
/** Offsets must index the caller's string exactly. */
function expectOffsets(plain: string, ms: TermMatch[]) {
  for (const m of ms) expect(plain.slice(m.start, m.end)).toBe(m.text);
}

describe('the sample article', () => {
  const plain = readFileSync(SAMPLE_FR, 'utf8').normalize('NFC');
  const found = techMatcher.find(plain, 'fr');
  const count = (id: string) => found.filter((m) => m.termId === id).length;

  it('finds all five "open source", including l\'open source and l’open source', () => {
    const os = found.filter((m) => m.termId === idOf('open source'));
    expect(os).toHaveLength(5);
    expect(os.every((m) => m.text === 'open source')).toBe(true);
    const before = os.map((m) => plain.slice(m.start - 2, m.start));
    expect(before).toContain("l'");
    expect(before).toContain('l’');
  });

  it('finds every R1, V3, GPU and DeepSeek the text contains', () => {
    for (const name of ['R1', 'V3', 'GPU', 'DeepSeek']) {
      const expected = plain.match(new RegExp(`\\b${name}\\b`, 'g'))!.length;
      expect(expected).toBeGreaterThan(0);
      expect(count(idOf(name)), name).toBe(expected);
    }
  });

  it('prefers the longest term and keeps offsets exact', () => {
    expect(count(idOf('Google Brain'))).toBe(1);
    expect(found.find((m) => m.termId === idOf('Google'))?.text).toBe('Google');
    expect(count(idOf('puces graphiques'))).toBe(1);
    expect(texts(found)).toContain('Moonshot AI');
    expectOffsets(plain, found);
    for (let i = 1; i < found.length; i++) expect(found[i]!.start).toBeGreaterThanOrEqual(found[i - 1]!.end);
  });
});

describe('matching rules', () => {
  it('French elision: the match starts after the apostrophe, straight or curly', () => {
    const plain = "l'open source, d'OpenAI et qu’OpenAI, l’IA";
    const ms = techMatcher.find(plain, 'fr');
    expect(ms.map((m) => [m.text, plain.slice(0, m.start)])).toEqual([
      ['open source', "l'"],
      ['OpenAI', "l'open source, d'"],
      ['OpenAI', "l'open source, d'OpenAI et qu’"],
      ['IA', "l'open source, d'OpenAI et qu’OpenAI, l’"],
    ]);
  });

  it('word boundaries use Unicode letters and digits: IA not in IAM, via, VIA or IAé', () => {
    expect(techMatcher.find('IAM via VIA IAé 3IA IA3 ÉIA', 'fr')).toEqual([]);
    expect(texts(techMatcher.find('(IA) IA, «IA» IA-générative', 'fr'))).toEqual(['IA', 'IA', 'IA', 'IA']);
    expect(techMatcher.find('Metaverse and Meta', 'fr').map((m) => m.start)).toEqual([14]);
  });

  it('a model name is not the head of a version number', () => {
    expect(techMatcher.find('DeepSeek V3.5 et R1.1', 'fr').map((m) => m.text)).toEqual(['DeepSeek']);
    expect(texts(techMatcher.find('le modèle V3. Puis R1, enfin', 'fr'))).toEqual(['V3', 'R1']);
  });

  it('case rules: acronyms and brands exact, ordinary phrases in any case', () => {
    expect(techMatcher.find('aws Aws ia Ia gpu deepseek azure', 'fr')).toEqual([]);
    expect(texts(techMatcher.find('AWS, GPU, Open Source, OPEN SOURCE', 'fr'))).toEqual(['AWS', 'GPU', 'Open Source', 'OPEN SOURCE']);
    const m = compileGlossary([term('DeepSeek', { caseSensitive: false })]);
    expect(texts(m.find('deepseek DEEPSEEK', 'fr'))).toEqual(['deepseek', 'DEEPSEEK']);
  });

  it('variants match as the same term; case-sensitive variants that differ only in case both count', () => {
    const ms = techMatcher.find('une approche open-source, NVIDIA et Nvidia mais pas nvidia', 'fr');
    expect(ms.map((m) => [m.text, m.termId])).toEqual([
      ['open-source', idOf('open source')],
      ['NVIDIA', idOf('Nvidia')],
      ['Nvidia', idOf('Nvidia')],
    ]);
  });

  it('longest match wins, also when candidates cross', () => {
    const a = term('modèle de langage', { kind: 'translate', translations: { en: 'language model' } });
    const b = term('grand modèle de langage', { kind: 'translate', translations: { en: 'large language model' } });
    const c = term('langage ouvert', { kind: 'translate', translations: { en: 'open language' } });
    const m = compileGlossary([a, b, c]);
    expect(texts(m.find('un grand modèle de langage ouvert', 'fr'))).toEqual(['grand modèle de langage']);
    expect(texts(m.find('un modèle de langage ouvert à tous', 'fr'))).toEqual(['modèle de langage']);
    const d = term('x y', { caseSensitive: false });
    const e = term('y z w', { caseSensitive: false });
    expect(texts(compileGlossary([d, e]).find('x y z w', 'fr'))).toEqual(['y z w']);
  });

  it('spaces and apostrophes in any typographic form', () => {
    expect(texts(techMatcher.find('open\u00A0source et open\u202Fsource', 'fr'))).toEqual(['open\u00A0source', 'open\u202Fsource']);
    const m = compileGlossary([term("aujourd'hui", { kind: 'translate', translations: { en: 'today' } })]);
    expect(texts(m.find('aujourd’hui', 'fr'))).toEqual(['aujourd’hui']);
  });

  it('Vietnamese multi-syllable terms, composed or decomposed, with offsets into the original', () => {
    const composed = 'DeepSeek phát hành mô hình suy luận mã nguồn mở R1 dựa trên trí tuệ nhân tạo (AI).';
    const ms = techMatcher.find(composed, 'vi');
    expect(ms.map((m) => [m.text, m.termId])).toEqual([
      ['DeepSeek', idOf('DeepSeek')],
      ['mô hình suy luận', idOf('modèle de raisonnement')],
      ['mã nguồn mở', idOf('open source')],
      ['R1', idOf('R1')],
      ['trí tuệ nhân tạo', idOf('intelligence artificielle')],
      ['AI', idOf('IA')],
    ]);
    const decomposed = composed.normalize('NFD');
    const md = techMatcher.find(decomposed, 'vi');
    expect(md.map((m) => m.termId)).toEqual(ms.map((m) => m.termId));
    expectOffsets(decomposed, md);
    expect(md[2]!.text.normalize('NFC')).toBe('mã nguồn mở');
    // The Vietnamese form of the case-sensitive PDG is lower-case; a sentence may start with it.
    expect(techMatcher.find('Giám đốc điều hành OpenAI; giám đốc điều hành; GIÁM ĐỐC ĐIỀU HÀNH', 'vi').map((m) => m.text)).toEqual([
      'Giám đốc điều hành',
      'OpenAI',
      'giám đốc điều hành',
    ]);
    // A syllable that begins a longer word is not a match.
    expect(compileGlossary([term('mô hình')]).find('mô hìnhx', 'vi')).toEqual([]);
  });

  it('English articles match through the English forms, including the variants of an identical form', () => {
    const plain = "DeepSeek's open-source reasoning model R1 rivals OpenAI, says the CEO; AI chips";
    const ms = techMatcher.find(plain, 'en');
    expect(ms.map((m) => [m.text, m.termId])).toEqual([
      ['DeepSeek', idOf('DeepSeek')],
      ['open-source', idOf('open source')],
      ['reasoning model', idOf('modèle de raisonnement')],
      ['R1', idOf('R1')],
      ['OpenAI', idOf('OpenAI')],
      ['CEO', idOf('PDG')],
      ['AI', idOf('IA')],
      ['chips', idOf('puces')],
    ]);
    // French forms are not English: "IA" is not the English term.
    expect(techMatcher.find('IA modèle de raisonnement', 'en')).toEqual([]);
  });

  it('offsets stay right when lower-casing changes the length (İ)', () => {
    const plain = 'İİİ İstanbul: GPU et open source';
    const ms = techMatcher.find(plain, 'fr');
    expect(texts(ms)).toEqual(['GPU', 'open source']);
    expectOffsets(plain, ms);
  });

  it('only approved keep and translate terms are matched', () => {
    const m = compileGlossary([
      term('GPU'),
      term('NIM', { status: 'proposed' }),
      term('Kimi', { status: 'deprecated' }),
      term('open fuente', { kind: 'forbidden', lang: 'fr' }),
    ]);
    expect(texts(m.find('GPU NIM Kimi open fuente', 'fr'))).toEqual(['GPU']);
    expect(m.terms.map((t) => t.term)).toEqual(['GPU']);
  });

  it('in a language the glossary has no forms for, only keep terms are found', () => {
    expect(texts(techMatcher.find('DeepSeek hat ein Open-Source-Modell und eine KI (IA) mit GPU', 'de'))).toEqual(['DeepSeek', 'GPU']);
    expect(texts(techMatcher.find('DeepSeek IA', 'und'))).toEqual(['DeepSeek']);
  });

  it('an empty glossary or text finds nothing', () => {
    expect(compileGlossary([]).find('GPU', 'fr')).toEqual([]);
    expect(techMatcher.find('', 'fr')).toEqual([]);
  });
});

describe('large generated glossaries', () => {
  it('finds exactly what one RegExp per term finds (2 000 terms, 30 KB)', () => {
    const terms = [...tech, ...generateTerms(2000, 99)];
    const text = buildText(readFileSync(SAMPLE_FR, 'utf8'), terms, 30_000, 5);
    const ours = compileGlossary(terms).find(text, 'fr');
    const theirs = findWithRegExps(terms, text, 'fr');
    expect(ours.length).toBeGreaterThan(200);
    expect(ours).toEqual(theirs);
  });
});
