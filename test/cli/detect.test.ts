import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/locflow.js');

function locflow(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd: root, env: { ...process.env, LOCFLOW_LANG: 'en' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('locflow detect --each-line', () => {
  it('prints one JSON object per input line, in order, und for lines with nothing to detect', () => {
    const lines = [
      'Impossible d’ouvrir le fichier de configuration.',
      'Không thể mở tệp cấu hình.',
      '',
      'The configuration file could not be opened.',
      '12345',
      'Le fichier a été enregistré.\r',
    ];
    const r = locflow(['detect', '--each-line', '--json', '--only', 'fr,vi,en'], lines.join('\n'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { lang: string; confidence: number });
    expect(out.map((o) => o.lang)).toEqual(['fr', 'vi', 'und', 'en', 'und', 'fr']);
    for (const o of out) {
      expect(Object.keys(o)).toEqual(['lang', 'confidence']);
      expect(o.confidence).toBeGreaterThanOrEqual(0);
      expect(o.confidence).toBeLessThanOrEqual(1);
    }
    expect(out[0]!.confidence).toBeGreaterThan(0.9);
  });

  it('keeps order and count over many lines (streamed in chunks)', () => {
    const base = ['Bonjour à tous, voici le fichier.', 'Xin chào mọi người, đây là tệp.', 'Hello everyone, here is the file.'];
    const lines = Array.from({ length: 3000 }, (_, i) => base[i % 3]!);
    const r = locflow(['detect', '--each-line', '--json', '--only', 'fr,vi,en'], `${lines.join('\n')}\n`);
    expect(r.code).toBe(0);
    const langs = r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { lang: string }).lang);
    expect(langs).toHaveLength(3000);
    expect(langs.every((l, i) => l === ['fr', 'vi', 'en'][i % 3])).toBe(true);
  });

  it('prints tab-separated text without --json', () => {
    const r = locflow(['detect', '--each-line', '--only', 'fr,en'], 'Le fichier a été enregistré avec succès.\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fr\t0\.\d+\n$/);
  });

  it('stops with exit 2 and one line on invalid UTF-8, after the good lines', () => {
    const input = Buffer.concat([Buffer.from('Bonjour à tous les lecteurs.\n'), Buffer.from([0x66, 0xff, 0xfe, 0x0a])]);
    const r = locflow(['detect', '--each-line', '--json', '--only', 'fr,en'], input);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/line 2 is not valid UTF-8/);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses binary input (NUL bytes) with exit 2', () => {
    const r = locflow(['detect', '--each-line', '--json'], Buffer.from([0x41, 0x00, 0x42, 0x0a]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 1 contains a NUL byte/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown language code in --only with exit 2 and one line', () => {
    const r = locflow(['detect', '--each-line', '--json', '--only', 'fr,vn'], 'Bonjour\n');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/"vn" is not a known language code/);
    expect(r.stdout).toBe('');
  });

  it('refuses a bad --min-confidence', () => {
    const r = locflow(['detect', '--each-line', '--min-confidence', '2'], 'Bonjour\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--min-confidence/);
  });
});

describe('locflow detect FILE', () => {
  it('reports the document language and per-segment languages as JSON', () => {
    const r = locflow(['detect', join(root, '../shared/samples/deepseek.fr.txt'), '--only', 'fr,vi,en', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { lang: string; confidence: number; segments: { id: string; lang: string; confidence: number }[] };
    expect(body.lang).toBe('fr');
    expect(body.confidence).toBeGreaterThan(0.9);
    expect(body.segments.length).toBeGreaterThan(5);
    expect(body.segments[0]!.id).toMatch(/^p\d+\.s\d+$/);
    expect(body.segments.filter((s) => s.lang === 'fr').length / body.segments.length).toBeGreaterThan(0.9);
  });

  it('marks a quote in another language inside an article read from stdin', () => {
    const article = [
      'Le laboratoire a publié jeudi un nouveau modèle de langage, plus petit et moins coûteux que les précédents.',
      '',
      '“We are not in a race with anyone, we simply want to build useful tools for everybody,” said the founder during the launch.',
      '',
      'Les chercheurs interrogés restent prudents sur les performances annoncées par l’entreprise.',
    ].join('\n');
    const r = locflow(['detect', '-', '--only', 'fr,vi,en', '--json'], article);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { lang: string; segments: { lang: string; text: string }[] };
    expect(body.lang).toBe('fr');
    expect(body.segments.find((s) => s.text.includes('We are not'))?.lang).toBe('en');
    expect(body.segments.filter((s) => s.lang === 'fr').length).toBeGreaterThanOrEqual(2);
  });

  it('prints a readable summary without --json', () => {
    const r = locflow(['detect', join(root, '../shared/samples/deepseek.fr.txt')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/document language: fr \(French\), confidence [01]\.\d\d/);
  });

  it('exits 2 with one line for a missing file or empty input', () => {
    const missing = locflow(['detect', join(root, 'no-such-article.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const empty = locflow(['detect', '-'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim().split('\n')).toHaveLength(1);
  });
});
