import { describe, expect, it } from 'vitest';
import { GlossaryError } from '../../pipeline/errors.js';
import { toTerm } from '../../glossary/schema.js';

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
