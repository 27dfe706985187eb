import { describe, expect, it } from 'vitest';
import { GlossaryError } from '../../pipeline/errors.js';
import { toTerm } from '../../glossary/schema.js';
import { parseGlossaryYaml } from '../../pipeline/glossary/index.js';

describe('term languages', () => {
  it('refuses a well-formed tag that names no language, since such a term could never match', () => {
    for (const lang of ['xx', 'xx-yy-zz', 'qqq']) {
      const err = (() => {
        try {
          toTerm({ term: 'GPU', lang, kind: 'keep' });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, lang).toBeInstanceOf(GlossaryError);
      expect((err as Error).message).toContain(`"${lang}" is not a known language code`);
    }
  });

  it('accepts real languages with regions and scripts', () => {
    for (const lang of ['fr', 'vi', 'pt-BR', 'zh-Hant']) expect(toTerm({ term: 'GPU', lang, kind: 'keep' }).lang).toBe(lang);
  });
});

describe('language codes are stored in one spelling', () => {
  it('canonicalises the term language and translation keys', () => {
    const t = toTerm({ term: 'código abierto', lang: 'es-mx', kind: 'translate', translations: { 'pt-br': 'código aberto', 'zh-hant': '開源', en: 'open source' } });
    expect(t.lang).toBe('es-MX');
    expect(Object.keys(t.translations).sort()).toEqual(['en', 'pt-BR', 'zh-Hant']);
  });

  it('refuses two spellings of one language in the same term', () => {
    expect(() => toTerm({ term: 'open source', lang: 'en', kind: 'translate', translations: { 'zh-hant': '開源', 'zh-Hant': '开源' } })).toThrow(
      /"zh-hant" and "zh-Hant" are the same language \(zh-Hant\)/,
    );
  });
});

describe('what a term can be', () => {
  it('refuses punctuation alone, which would match inside every sentence, and keeps symbols', () => {
    for (const term of ['.', ',', '…', '« »']) {
      expect(() => toTerm({ term, lang: 'fr', kind: 'keep' }), term).toThrow(/has no letter, digit or symbol/);
    }
    expect(() => toTerm({ term: 'GPU', lang: 'en', kind: 'keep', variants: ['-'] })).toThrow(/a variant "-" has no letter, digit or symbol/);
    expect(toTerm({ term: '€', lang: 'fr', kind: 'keep' }).term).toBe('€');
    expect(toTerm({ term: 'C#', lang: 'en', kind: 'keep' }).term).toBe('C#');
  });
});

describe('glossary YAML files follow the same term rules', () => {
  it('refuses a punctuation-only term in a file, naming the line', () => {
    const yaml = 'lang: fr\nterms:\n  - term: GPU\n    kind: keep\n  - term: "."\n    kind: keep\n';
    expect(() => parseGlossaryYaml(yaml, 'bad.yaml')).toThrow(/bad\.yaml:5: .*term "\." has no letter, digit or symbol/);
  });
});

describe('grammar (gender and number per language)', () => {
  it('is kept through the API schema, with language keys canonicalised', () => {
    const term = toTerm({ term: 'formation', lang: 'fr', kind: 'translate', translations: { es: 'entrenamiento' }, grammar: { 'pt-br': { gender: 'm', number: 'sg' } } });
    expect(term.grammar).toEqual({ 'pt-BR': { gender: 'm', number: 'sg' } });
    expect(toTerm({ term: 'GPU', lang: 'fr', kind: 'keep' }).grammar).toBeUndefined();
  });

  it('refuses a gender or number it does not know, naming the field', () => {
    expect(() => toTerm({ term: 'puce', lang: 'fr', kind: 'translate', translations: { es: 'chip' }, grammar: { es: { gender: 'masc' } } })).toThrow(/grammar\.es: gender must be m, f or n/);
    expect(() => toTerm({ term: 'puce', lang: 'fr', kind: 'translate', translations: { es: 'chip' }, grammar: { es: { plural: true } } })).toThrow(/grammar\.es/);
  });

  it('reads and writes it in glossary files', () => {
    const yaml = 'lang: fr\nterms:\n  - term: formation\n    kind: translate\n    translations: {es: entrenamiento}\n    grammar: {es: {gender: m, number: sg}}\n';
    const [term] = parseGlossaryYaml(yaml, 'g.yaml');
    expect(term!.grammar).toEqual({ es: { gender: 'm', number: 'sg' } });
    expect(() => parseGlossaryYaml(yaml.replace('gender: m', 'gender: x'), 'g.yaml')).toThrow(/g\.yaml:6: .*gender must be m, f or n/);
  });
});
