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
