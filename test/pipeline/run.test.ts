import { describe, expect, it } from 'vitest';
import { routeLanguages } from '../../pipeline/run.js';

describe('routeLanguages', () => {
  const plan = (id: string) => ({ id, label: id, providers: [], pseudo: false });
  it('reads a single-provider pivot', () => {
    expect(routeLanguages(plan('apertium:fr>es>en'), 'fr', 'en')).toEqual(['fr', 'es', 'en']);
  });
  it('reads a mixed-provider pivot', () => {
    expect(routeLanguages(plan('deepl:fr>es|apertium:es>en'), 'fr', 'en')).toEqual(['fr', 'es', 'en']);
  });
  it('falls back to the direct pair for ids without languages', () => {
    expect(routeLanguages(plan('custom'), 'fr', 'vi')).toEqual(['fr', 'vi']);
  });
});
