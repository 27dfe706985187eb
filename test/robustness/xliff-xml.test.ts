/**
 * Post-edited XLIFF that a parser of its own would refuse: character
 * references to characters XML does not have (NUL, a lone surrogate, past
 * U+10FFFF) and elements nested far deeper than any CAT tool writes. Each is
 * a 4xx naming the problem, and the job's bundle stays as it was: no lone
 * surrogate reaches a bundle or the translation memory, no parser error
 * becomes a 500.
 */
import { describe, expect, it } from 'vitest';
import type { BundleInput } from '../../pipeline/model.js';
import { applyXliff } from '../../pipeline/postedit.js';
import { fixture } from '../formats/fixture.js';
import { editTarget, exportedXliff, xliffRefusal } from '../formats/xliff-edit.js';

const exported = (input: BundleInput) => exportedXliff(input);
const withTarget = (xliff: string, id: string, content: string) => editTarget(xliff, id, content);
const refusal = xliffRefusal;

describe('character references in a post-edited XLIFF file', () => {
  it.each([
    ['a lone surrogate', '&#xD800;'],
    ['NUL', '&#0;'],
    ['a C0 control', '&#x1;'],
    ['a code point past Unicode', '&#x110000;'],
    ['an uppercase X', '&#X41;'],
  ])('refuses %s as not well-formed, with its line', (_what, ref) => {
    const input = fixture();
    const err = refusal(input, withTarget(exported(input), 'p2.s2', `Training cost 5.5 million ${ref} dollars.`));
    expect(err.status).toBe(400);
    expect(err.code).toBe('xliff-malformed');
    expect(err.message).toMatch(/^the XLIFF file is not well-formed XML \(line \d+, column \d+\): /);
  });

  it('still reads references to real characters, and leaves CDATA as written', () => {
    const input = fixture();
    const xliff = withTarget(exported(input), 'p2.s2', 'Caf&#233; &#x1F680; <![CDATA[&#0;]]>');
    const { input: next, edited } = applyXliff(input, xliff);
    expect(edited).toEqual(['p2.s2']);
    const seg = next.targets.find((t) => t.lang === 'en')!.segments.find((s) => s.id === 'p2.s2')!;
    expect(seg.text).toBe('Café 🚀 &amp;#0;');
  });
});

describe('deeply nested XLIFF', () => {
  it('is a 422 naming the depth, not an internal error', () => {
    const input = fixture();
    const deep = `${'<mrk mtype="x-deep">'.repeat(5_000)}x${'</mrk>'.repeat(5_000)}`;
    const err = refusal(input, withTarget(exported(input), 'p2.s2', deep));
    expect(err.status).toBe(422);
    expect(err.code).toBe('xliff-too-deep');
    expect(err.message).toContain('more than 100 levels deep');
  });
});
