import { mkdtempSync, readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { HAS_APERTIUM, ROOT, SAMPLE_FR, runCli } from '../helpers.js';

interface Aligned {
  sourceLang: string;
  languages: string[];
  segments: { id: string; text: Record<string, string> }[];
}

function count(haystack: string, needle: string | RegExp): number {
  const re = typeof needle === 'string' ? new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : needle;
  return (haystack.match(re) ?? []).length;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'locflow-cli-'));

describe.skipIf(!HAS_APERTIUM)('locflow translate with Apertium (fr → en via es, fr → es)', () => {
  let out: string;
  let aligned: Aligned;
  let manifest: Record<string, any>;
  let stderr: string;

  beforeAll(async () => {
    out = join(tmp(), 'bundle');
    const r = await runCli(['translate', SAMPLE_FR, '--to', 'en,es', '--provider', 'apertium', '--glossary', join(ROOT, 'glossary', 'tech.yaml'), '--out', out]);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
    aligned = JSON.parse(readFileSync(join(out, 'aligned.json'), 'utf8'));
    manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  }, 180_000);

  it('aligns the same segment ids in every language', () => {
    expect(aligned.sourceLang).toBe('fr');
    expect([...aligned.languages].sort()).toEqual(['en', 'es', 'fr']);
    expect(aligned.segments.length).toBeGreaterThan(20);
    for (const s of aligned.segments) {
      expect(s.id).toMatch(/^p\d+\.s\d+$/);
      for (const lang of ['fr', 'en', 'es']) expect(typeof s.text[lang], `${s.id} ${lang}`).toBe('string');
    }
  });

  it('renders every "open source" with the glossary forms, never "open fuente"', () => {
    const all = (lang: string) => aligned.segments.map((s) => s.text[lang]).join('\n');
    const fr = all('fr');
    const occurrences = count(fr.toLowerCase(), 'open source');
    expect(occurrences).toBe(5);
    expect(count(all('es').toLowerCase(), 'código abierto')).toBe(occurrences);
    expect(count(all('en').toLowerCase(), 'open source')).toBe(occurrences);
    expect(all('es').toLowerCase()).not.toContain('open fuente');
    expect(all('en').toLowerCase()).not.toContain('open fuente');
  });

  it('leaves R1, V3, GPU and DeepSeek untouched', () => {
    const all = (lang: string) => aligned.segments.map((s) => s.text[lang]).join('\n');
    for (const term of ['R1', 'V3', 'GPU', 'DeepSeek']) {
      const n = count(all('fr'), new RegExp(`\\b${term}\\b`, 'g'));
      expect(n, term).toBeGreaterThan(0);
      for (const lang of ['en', 'es']) expect(count(all(lang), new RegExp(`\\b${term}\\b`, 'g')), `${term} in ${lang}`).toBe(n);
    }
  });

  it('records the source language, its confidence and the route of each target', () => {
    const text = JSON.stringify(manifest);
    expect(text).toContain('"fr"');
    const source = manifest.source ?? manifest;
    expect(source.lang ?? source.sourceLang).toBe('fr');
    expect(source.confidence).toBeGreaterThan(0.5);
    const targets: any[] = Array.isArray(manifest.targets) ? manifest.targets : Object.values(manifest.targets);
    const en = targets.find((t) => t.lang === 'en');
    const es = targets.find((t) => t.lang === 'es');
    expect(JSON.stringify(en)).toMatch(/apertium/);
    expect(JSON.stringify(en)).toMatch(/es/); // the pivot language is named in the route
    expect(JSON.stringify(es)).toMatch(/apertium/);
    expect(stderr).toMatch(/en: .*apertium/);
  });

  it('writes documents and i18next resources for every language', () => {
    for (const lang of ['fr', 'en', 'es']) {
      expect(existsSync(join(out, 'documents', `${lang}.txt`)), lang).toBe(true);
      expect(existsSync(join(out, 'locales', lang, 'article.json')), lang).toBe(true);
    }
  });
});

describe('locflow translate with pseudo-localisation', () => {
  it('puts the Vietnamese glossary forms inside pseudo-localised text and says it is pseudo', async () => {
    const out = join(tmp(), 'bundle.zip');
    const r = await runCli(['translate', SAMPLE_FR, '--to', 'vi', '--provider', 'pseudo', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    const manifest = JSON.parse(r.stdout);
    expect(JSON.stringify(manifest)).toMatch(/pseudo/);
    expect(r.stderr).toMatch(/pseudo/);
    const { unzipSync, strFromU8 } = await import('fflate');
    const files = unzipSync(readFileSync(out));
    const aligned = JSON.parse(strFromU8(files['aligned.json']!)) as Aligned;
    const vi = aligned.segments.map((s) => s.text.vi).join('\n');
    expect(count(vi, 'mã nguồn mở')).toBe(5);
    // Pseudo text is visibly not the source: accented and bracketed.
    const first = aligned.segments[0]!;
    expect(first.text.vi).not.toBe(first.text.fr);
  }, 60_000);
});

describe('locflow translate refuses bad input with exit 2, one line, and no output', () => {
  const cases: [string, (dir: string) => string[]][] = [
    ['an empty file', (d) => [write(d, 'empty.txt', '')]],
    ['a binary file', (d) => [write(d, 'bin.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3, 0, 0, 0xff]))]],
    ['a 50 MB file', (d) => [write(d, 'huge.txt', Buffer.alloc(50 * 1024 * 1024, 'a'))]],
    ['invalid UTF-8', (d) => [write(d, 'latin1.txt', Buffer.from('Le modèle coûte très cher à former.\n', 'latin1'))]],
    ['an unknown target language', () => [SAMPLE_FR, '--to', 'en,xx']],
    ['a glossary with a syntax error', (d) => [SAMPLE_FR, '--glossary', write(d, 'bad.yaml', 'terms:\n  - term: GPU\n    kind: [keep\n')]],
    ['a glossary term with a missing field', (d) => [SAMPLE_FR, '--glossary', write(d, 'missing.yaml', 'lang: fr\nterms:\n  - kind: keep\n')]],
  ];

  for (const [name, args] of cases) {
    it(name, async () => {
      const dir = tmp();
      const out = join(dir, 'out');
      const a = args(dir);
      const base = a.includes('--to') ? ['translate', ...a] : ['translate', ...a, '--to', 'en'];
      const r = await runCli([...base, '--provider', 'pseudo', '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^locflow: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).includes('out')).toBe(false);
    }, 60_000);
  }
});

function write(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
