import { describe, expect, it } from 'vitest';
import { comparePlaceholders, plainText } from '../../pipeline/inline.js';
import { createPseudo, pseudoLocalize } from '../../providers/index.js';

describe('pseudo', () => {
  const source = 'L’approche <g id="1">open source</g> de <x id="t1"/> coûte 5,5 millions &amp; plus &lt;3.';

  it('is deterministic', () => {
    expect(pseudoLocalize(source)).toBe(pseudoLocalize(source));
  });

  it('keeps tags, masked terms, entities and digits, and changes the letters', () => {
    const out = pseudoLocalize(source);
    expect(comparePlaceholders(source, out).ok).toBe(true);
    expect(out).toContain('<x id="t1"/>');
    expect(out).toContain('&amp;');
    expect(out).toContain('&lt;3');
    expect(out).toContain('5,5');
    expect(out).not.toContain('approche');
    expect(out).toMatch(/^\[.*\]$/);
  });

  it('expands the text by about a third', () => {
    const text = 'The quick brown fox jumps over the lazy dog near the river bank today.';
    const ratio = plainText(pseudoLocalize(text)).length / text.length;
    expect(ratio).toBeGreaterThanOrEqual(1.3);
    expect(ratio).toBeLessThanOrEqual(1.45);
  });

  it('counts characters outside the BMP once when padding', () => {
    // Ten code points (twenty UTF-16 units): ceil(10 × 0.35) - 2 = 2 dots.
    expect(pseudoLocalize('🚀'.repeat(10))).toBe(`[${'🚀'.repeat(10)} ··]`);
    // A lone surrogate is one character of its own: twelve, ceil(12 × 0.35) - 2 = 3 dots.
    expect(pseudoLocalize('\uD800ab'.repeat(4))).toBe(`[${'\uD800áƀ'.repeat(4)} ···]`);
  });

  it('leaves a segment with no text (only a placeholder) as it is', () => {
    expect(pseudoLocalize('<x id="1"/>')).toBe('<x id="1"/>');
  });

  it('translates batches between known languages and refuses unknown ones', async () => {
    const p = createPseudo();
    const res = await p.translate({ from: 'fr', to: 'vi', segments: [{ id: 'a', text: 'Bonjour' }, { id: 'b', text: 'Salut' }] });
    expect(res.texts).toEqual([pseudoLocalize('Bonjour'), pseudoLocalize('Salut')]);
    await expect(p.translate({ from: 'fr', to: 'xx', segments: [{ id: 'a', text: 'x' }] })).rejects.toMatchObject({ reason: 'unsupported-pair' });
    expect(p.glossary).toBe('mask');
  });
});
