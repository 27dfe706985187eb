import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGlossary, maskSegment, parseGlossaryYaml, termsForArticle, unmaskSegment } from '../../pipeline/glossary/index.js';
import { escapeXml, plainText, tagsOf } from '../../pipeline/inline.js';
import type { Term } from '../../pipeline/model.js';
import { ROOT, SAMPLE_FR } from '../helpers.js';

const tech = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
const matcher = compileGlossary(tech);

/** What the pipeline does: match on the plain text, mask the inline XML. */
function mask(inline: string, to: string, terms: Term[] = tech, from = 'fr') {
  const m = terms === tech ? matcher : compileGlossary(terms);
  return maskSegment(inline, m.find(plainText(inline), from), terms, to);
}

describe('maskSegment', () => {
  it('replaces terms by numbered placeholders with the target form per language', () => {
    const r = mask("DeepSeek publie l'open source R1 sur GitHub.", 'es');
    expect(r.text).toBe('<x id="t1"/> publie l\'<x id="t2"/> <x id="t3"/> sur <x id="t4"/>.');
    expect(r.masks).toEqual({
      t1: { termId: expect.any(String), source: 'DeepSeek', target: 'DeepSeek' },
      t2: { termId: expect.any(String), source: 'open source', target: 'código abierto' },
      t3: { termId: expect.any(String), source: 'R1', target: 'R1' },
      t4: { termId: expect.any(String), source: 'GitHub', target: 'GitHub' },
    });
    expect(mask("l'open source", 'vi').masks.t1!.target).toBe('mã nguồn mở');
    expect(mask("l'open source", 'en').masks.t1!.target).toBe('open source');
  });

  it('maps plain offsets through entities and tags', () => {
    const inline = 'AT&amp;T &lt;b&gt; <g id="1">aime</g> l&apos;<g id="2">open source</g> &amp; le <x id="3"/>GPU';
    const r = mask(inline, 'es');
    expect(r.text).toBe('AT&amp;T &lt;b&gt; <g id="1">aime</g> l&apos;<g id="2"><x id="t1"/></g> &amp; le <x id="3"/><x id="t2"/>');
    expect(Object.values(r.masks).map((m) => m.target)).toEqual(['código abierto', 'GPU']);
  });

  it('leaves a term that crosses a tag boundary as text (replacing it would break the markup)', () => {
    const inline = '<g id="1">open</g> source et GPU';
    const r = mask(inline, 'es');
    expect(r.text).toBe('<g id="1">open</g> source et <x id="t1"/>');
    expect(Object.keys(r.masks)).toEqual(['t1']);
  });

  it('does not mask a translate term that has no form for the target language', () => {
    const r = mask('le PDG de Nvidia', 'de');
    expect(r.text).toBe('le PDG de <x id="t1"/>');
    expect(r.masks.t1!.source).toBe('Nvidia');
  });

  it('placeholder ids never collide with ids already in the segment', () => {
    const r = mask('<x id="t1"/> GPU et <g id="t2">R1</g>', 'en');
    const ids = tagsOf(r.text).filter((t) => t.type !== 'close').map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(r.masks)).toEqual(['t3', 't4']);
  });

  it('keeps a sentence-initial capital on forced translations of case-insensitive terms', () => {
    expect(mask('Open source, enfin.', 'es').masks.t1!.target).toBe('Código abierto');
    expect(mask('IA et open source', 'en').masks.t1!.target).toBe('AI');
  });

  it('finds the match again when the caller\'s plain text was trimmed differently', () => {
    const inline = '  GPU et open source';
    const ms = matcher.find(inline.trim(), 'fr');
    const r = maskSegment(inline, ms, tech, 'es');
    expect(r.text).toBe('  <x id="t1"/> et <x id="t2"/>');
  });
});

describe('unmaskSegment', () => {
  it('restores target forms XML-escaped, also from tags rewritten as <x id="t1"></x>', () => {
    const terms: Term[] = [
      { id: 'a', term: 'AT&T', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' },
      ...tech,
    ];
    const r = mask('AT&amp;T publie en open source', 'es', terms);
    const engine = r.text.replace('<x id="t1"/>', '<x id="t1"></x>').replace('publie en', 'publica en');
    const back = unmaskSegment(engine, r.masks);
    expect(back).toEqual({ text: 'AT&amp;T publica en código abierto', missing: [] });
  });

  it('reports placeholders the engine lost and leaves unknown ones alone', () => {
    const r = mask('GPU et open source', 'es');
    const back = unmaskSegment('<x id="t1"/> y <x id="9"/>', r.masks);
    expect(back.text).toBe('GPU y <x id="9"/>');
    expect(back.missing).toEqual(['t2']);
  });

  it('round trip: masking into the source language and unmasking gives the sample article back, in the glossary spelling', () => {
    const lines = readFileSync(SAMPLE_FR, 'utf8').normalize('NFC').split('\n').filter(Boolean);
    let masked = 0;
    for (const line of lines) {
      const inline = escapeXml(line);
      const r = mask(inline, 'fr');
      masked += Object.keys(r.masks).length;
      if (Object.keys(r.masks).length) expect(r.text).not.toBe(inline);
      // The glossary's own spelling replaces a variant: "startup" is a variant of "start-up".
      expect(unmaskSegment(r.text, r.masks)).toEqual({ text: inline.replace(/\bstartup\b/g, 'start-up'), missing: [] });
    }
    expect(masked).toBeGreaterThan(50);
  });
});

describe('termsForArticle', () => {
  it('keeps the matched approved terms and every approved forbidden term', () => {
    const ms = { 'p1.s1': matcher.find('GPU', 'fr') };
    const got = termsForArticle(tech, ms).map((t) => `${t.kind}:${t.term}`);
    expect(got).toContain('keep:GPU');
    expect(got).toContain('forbidden:open fuente');
    expect(got).not.toContain('keep:R1');
  });
});
