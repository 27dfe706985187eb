import { describe, expect, it } from 'vitest';
import { checkSegment, sharedWordShare, WRONG_LANGUAGE_MIN_SHARED_WORDS } from '../../pipeline/qa.js';
import type { Segment } from '../../pipeline/model.js';

const src = "L'entreprise a toujours adopté une approche fermée, gardant secrets des détails tels que les méthodes de formation.";
const segment = { id: 'p1.s1', block: 1, index: 1, source: src, plain: src, translatable: true } as unknown as Segment;
const check = (target: string) =>
  checkSegment({ segment, target, from: 'fr', to: 'en', terms: [], matches: [], lostMasks: [], translated: true }).filter((f) => f.check === 'wrong-language');

describe('wrong-language pre-check: share of the source words kept', () => {
  it('is low for a real translation and high for a partial one', () => {
    expect(sharedWordShare('The company has always taken a closed approach, keeping secret details such as its training methods.', segment)).toBeLessThan(
      WRONG_LANGUAGE_MIN_SHARED_WORDS,
    );
    const partly = 'The company a toujours adopté une approche fermée, gardant secrets des détails tels que les méthodes de formation.';
    expect(sharedWordShare(partly, segment)).toBeGreaterThan(0.8);
    // The same answer from the segment (its word set built once) and from its text.
    expect(sharedWordShare(partly, segment)).toBe(sharedWordShare(partly, src));
    expect(sharedWordShare('', segment)).toBe(0);
  });

  it('still reports a half-translated segment, and stays quiet on a real translation', () => {
    expect(check('The company has always adopté une approche fermée, gardant secrets des détails tels que les méthodes de formation.')).toHaveLength(1);
    expect(check('The company has always taken a closed approach, keeping secret details such as its training methods.')).toEqual([]);
  });
});
