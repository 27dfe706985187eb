import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GlossaryError, InputError } from '../../pipeline/errors.js';
import { deriveTermId, formatGlossaryYaml, glossaryVersion, parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import type { Term } from '../../pipeline/model.js';
import { ROOT } from '../helpers.js';

/** The GlossaryError a file produces (the test fails if it parses). */
function errorOf(text: string, file = 'glossary/test.yaml'): GlossaryError {
  try {
    parseGlossaryYaml(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(GlossaryError);
    return err as GlossaryError;
  }
  throw new Error('expected a GlossaryError');
}

const HEAD = 'lang: fr\nterms:\n';

describe('parseGlossaryYaml: valid files', () => {
  it('reads terms with defaults: approved, derived id, file language, capitals → case-sensitive', () => {
    const terms = parseGlossaryYaml(
      `${HEAD}  - term: open source\n    kind: translate\n    variants: open-source\n    translations: {en: open source, vi: mã nguồn mở}\n  - term: GPU\n    kind: keep\n`,
      'x.yaml',
    );
    expect(terms).toHaveLength(2);
    expect(terms[0]).toMatchObject({
      term: 'open source',
      lang: 'fr',
      kind: 'translate',
      variants: ['open-source'],
      translations: { en: 'open source', vi: 'mã nguồn mở' },
      caseSensitive: false,
      status: 'approved',
    });
    expect(terms[0]!.id).toBe(deriveTermId('fr', 'open source'));
    expect(terms[0]!.id).toMatch(/^t_[0-9a-f]{12}$/);
    expect(terms[1]).toMatchObject({ term: 'GPU', kind: 'keep', caseSensitive: true, translations: {}, variants: [] });
  });

  it('keeps an explicit id, a per-term language, a status and case rule', () => {
    const [t] = parseGlossaryYaml(`${HEAD}  - id: t_custom\n    term: Meta\n    lang: en\n    kind: keep\n    caseSensitive: false\n    status: proposed\n    note: the company\n`, 'x.yaml');
    expect(t).toMatchObject({ id: 't_custom', lang: 'en', caseSensitive: false, status: 'proposed', note: 'the company' });
  });

  it('normalises text to NFC so decomposed Vietnamese in a file still matches composed articles', () => {
    const decomposed = 'mã nguồn mở'.normalize('NFD');
    const [t] = parseGlossaryYaml(`${HEAD}  - term: open source\n    kind: translate\n    translations: {vi: "${decomposed}"}\n`, 'x.yaml');
    expect(t!.translations.vi).toBe('mã nguồn mở'.normalize('NFC'));
  });

  it('the seed glossary/tech.yaml parses, has ≥ 30 terms of every kind and the required ones', () => {
    const terms = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
    expect(terms.length).toBeGreaterThanOrEqual(30);
    const by = (term: string, lang = 'fr') => terms.find((t) => t.term === term && t.lang === lang);
    for (const name of ['GPU', 'R1', 'V3', 'DeepSeek', 'OpenAI', 'Nvidia', 'NIM', 'Azure', 'AWS', 'Qwen', 'Kimi', 'InternVL', 'ChatGPT', 'GitHub', 'Reddit', 'Google Brain', 'Meta'])
      expect(by(name)?.kind, name).toBe('keep');
    expect(by('open source')).toMatchObject({ kind: 'translate', variants: ['open-source'], translations: { en: 'open source', vi: 'mã nguồn mở', es: 'código abierto' } });
    expect(by('modèle de raisonnement')?.translations).toEqual({ en: 'reasoning model', vi: 'mô hình suy luận', es: 'modelo de razonamiento' });
    expect(by('IA')).toMatchObject({ kind: 'translate', caseSensitive: true, translations: { en: 'AI', vi: 'AI', es: 'IA' } });
    expect(by('AWS')?.caseSensitive).toBe(true);
    expect(by('open fuente', 'es')?.kind).toBe('forbidden');
    for (const name of ['puces graphiques', 'start-up', 'PDG', 'source fermée', 'modèle de langage', 'intelligence artificielle', 'cloud'])
      expect(by(name)?.kind, name).toBe('translate');
  });
});

describe('parseGlossaryYaml: errors name file, line and field', () => {
  it('a bad kind, on the line of the kind', () => {
    const e = errorOf(`${HEAD}  - term: open source\n    kind: translate\n    translations: {en: open source}\n  - term: R1\n    kind: keep\n  - term: GPU\n    kind: kept\n`, 'glossary/tech.yaml');
    expect(e.message).toBe('glossary/tech.yaml:9: term 3 ("GPU"): kind must be keep, translate or forbidden');
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).not.toContain('\n');
  });

  it('a missing field, on the line of the term', () => {
    const e = errorOf(`${HEAD}  - term: GPU\n    kind: keep\n  - term: R1\n`);
    expect(e.message).toBe('glossary/test.yaml:5: term 2 ("R1"): kind is missing (keep, translate or forbidden)');
    expect(errorOf(`${HEAD}  - kind: keep\n`).message).toBe('glossary/test.yaml:3: term 1: term is missing');
  });

  it('YAML syntax errors with their line', () => {
    const e = errorOf(`${HEAD}  - term: GPU\n    kind: keep\n  - term: [R1\n    kind: keep\n`);
    expect(e.code).toBe('glossary-syntax');
    expect(e.message).toMatch(/^glossary\/test\.yaml:\d+: YAML syntax error: /);
    expect(Number(e.message.split(':')[1])).toBeGreaterThanOrEqual(5);
    expect(errorOf('lang: fr\nlang: en\nterms: []\n').message).toMatch(/^glossary\/test\.yaml:2: YAML syntax error: .*unique/i);
  });

  it('translate without translations', () => {
    expect(errorOf(`${HEAD}  - term: PDG\n    kind: translate\n`).message).toMatch(/^glossary\/test\.yaml:3: term 1 \("PDG"\): kind translate needs translations/);
  });

  it('duplicate ids and duplicate terms, naming the earlier one', () => {
    expect(errorOf(`${HEAD}  - {id: a1, term: GPU, kind: keep}\n  - {id: a1, term: NIM, kind: keep}\n`).message).toBe(
      'glossary/test.yaml:4: term 2 ("NIM"): duplicate id "a1" (term 1 has it too)',
    );
    expect(errorOf(`${HEAD}  - {term: cloud, kind: keep}\n  - {term: Cloud, kind: keep}\n`).message).toBe(
      'glossary/test.yaml:4: term 2 ("Cloud"): duplicate term, already defined as term 1 on line 3',
    );
  });

  it('allows the same text as different kinds or languages (a forbidden form is not a duplicate)', () => {
    const terms = parseGlossaryYaml(`${HEAD}  - {term: IA, kind: translate, translations: {en: AI}}\n  - {term: IA, lang: en, kind: forbidden}\n`, 'x.yaml');
    expect(new Set(terms.map((t) => t.id)).size).toBe(2);
  });

  it('unknown fields (typos) are refused on their own line', () => {
    expect(errorOf(`${HEAD}  - term: PDG\n    kind: translate\n    translation: {en: CEO}\n`).message).toMatch(/^glossary\/test\.yaml:5: term 1 \("PDG"\): unknown field "translation"/);
    expect(errorOf('lang: fr\nterm: []\n').message).toMatch(/^glossary\/test\.yaml:2: unknown field "term"/);
  });

  it('bad language codes, wrong types, empty and non-mapping files', () => {
    expect(errorOf(`${HEAD}  - {term: PDG, kind: translate, translations: {english: CEO}}\n`).message).toMatch(/:3: term 1 \("PDG"\): a translation key must be a language code/);
    expect(errorOf(`${HEAD}  - {term: GPU, kind: keep, caseSensitive: yes}\n`).message).toMatch(/:3: term 1 \("GPU"\): caseSensitive must be true or false/);
    expect(errorOf(`${HEAD}  - {term: 2022, kind: keep}\n`).message).toMatch(/:3: term 1: term must be text/);
    expect(errorOf(`${HEAD}  - GPU\n`).message).toMatch(/:3: term 1: each term must be a mapping/);
    expect(errorOf('').message).toMatch(/^glossary\/test\.yaml:1: the file is empty/);
    expect(errorOf('- a\n- b\n').message).toMatch(/:1: the file must be a mapping/);
    expect(errorOf('lang: fr\n').message).toMatch(/:1: terms is missing/);
    expect(errorOf('terms:\n  - {term: GPU, kind: keep}\n').message).toMatch(/:2: term 1 \("GPU"\): lang is missing/);
  });
});

describe('hostile files', () => {
  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'lang: fr', 'terms: [*d]', ''].join('\n');
    const e = errorOf(bomb);
    expect(e.message).toMatch(/^glossary\/test\.yaml:1: cannot read the file: .*alias/i);
  });
});

describe('formatGlossaryYaml', () => {
  it('writes what parseGlossaryYaml reads back unchanged', () => {
    const original = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
    const withHistory: Term[] = original.map((t, i) => (i === 0 ? { ...t, status: 'proposed', history: [{ at: '2026-01-01T00:00:00Z', by: 'ana', action: 'propose' }] } : t));
    const again = parseGlossaryYaml(formatGlossaryYaml(withHistory, { comment: 'export' }), 'export.yaml');
    expect(again).toEqual(withHistory);
    expect(glossaryVersion(again)).toBe(glossaryVersion(withHistory));
  });
});

describe('glossaryVersion', () => {
  const terms = parseGlossaryYaml(`${HEAD}  - {term: GPU, kind: keep}\n  - {term: PDG, kind: translate, translations: {en: CEO}}\n  - {term: NIM, kind: keep, status: proposed}\n`, 'x.yaml');

  it('is g- plus 12 hex and independent of order', () => {
    const v = glossaryVersion(terms);
    expect(v).toMatch(/^g-[0-9a-f]{12}$/);
    expect(glossaryVersion([...terms].reverse())).toBe(v);
  });

  it('changes when an approved term changes, not when a proposed one does', () => {
    const v = glossaryVersion(terms);
    const edit = (i: number, patch: Partial<Term>) => terms.map((t, k) => (k === i ? { ...t, ...patch } : t));
    expect(glossaryVersion(edit(1, { translations: { en: 'chief executive' } }))).not.toBe(v);
    expect(glossaryVersion(edit(0, { variants: ['GPUs'] }))).not.toBe(v);
    expect(glossaryVersion(edit(0, { status: 'deprecated' }))).not.toBe(v);
    expect(glossaryVersion(edit(2, { term: 'NIMs' }))).toBe(v);
    expect(glossaryVersion(edit(2, { status: 'approved' }))).not.toBe(v);
    expect(glossaryVersion(edit(0, { history: [{ at: 'x', by: 'y', action: 'approve' }] }))).toBe(v);
  });
});
