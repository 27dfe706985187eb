import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { writeBundle, writeDocuments, zipBundle, toAligned } from '../../pipeline/formats/bundle.js';
import { fixture, plainRenderer } from './fixture.js';

const files = () => writeBundle(fixture(), { renderer: plainRenderer });

describe('writeBundle', () => {
  it('writes every file of the bundle layout', () => {
    expect([...files().keys()]).toEqual([
      'manifest.json',
      'aligned.csv',
      'aligned.json',
      'aligned.jsonl',
      'bundle.tmx',
      'documents/en.txt',
      'documents/es.txt',
      'documents/fr.txt',
      'locales/en/article.json',
      'locales/es/article.json',
      'locales/fr/article.json',
      'qa.json',
      'xliff/fr-en.xlf',
      'xliff/fr-es.xlf',
    ]);
  });

  it('aligns every language on the same segment ids in order', () => {
    const aligned = JSON.parse(files().get('aligned.json') as string);
    expect(aligned.languages).toEqual(['fr', 'en', 'es']);
    const ids = fixture().analysis.segments.map((s) => s.id);
    expect(aligned.segments.map((s: { id: string }) => s.id)).toEqual(ids);
    for (const s of aligned.segments) expect(Object.keys(s.text)).toEqual(['fr', 'en', 'es']);
    // Plain text, entities decoded, markup gone.
    expect(aligned.segments[1].text.en).toBe('From the CEO of OpenAI, Sam Altman, to the scientist Andrew Ng, all praise open source.');
    expect(aligned.segments[2].text.fr).toContain('< 6 & « "moins" »');
    // The English quote inside the French article is flagged; French segments are not.
    expect(aligned.segments[4].lang).toBe('en');
    expect(aligned.segments[0].lang).toBeUndefined();
    expect(aligned.segments[3].meta.en.skipped).toBe('not-translatable');
  });

  it('refuses a target that lost a segment', () => {
    const input = fixture();
    input.targets[0]!.segments.pop();
    expect(() => toAligned(input)).toThrow(/lacks segment p4.s1/);
  });

  it('refuses a language tag that could escape the bundle directory', () => {
    const input = fixture();
    input.targets[1]!.lang = '../../etc';
    expect(() => writeBundle(input, { renderer: plainRenderer })).toThrow(/not a language tag/);
  });

  it('manifest reports route, pseudo flag, QA counts, skipped segments and files', () => {
    const m = JSON.parse(files().get('manifest.json') as string);
    expect(m.source).toMatchObject({ lang: 'fr', confidence: 0.97, detection: 'auto' });
    expect(m.targets.map((t: { lang: string; pseudo: boolean }) => [t.lang, t.pseudo])).toEqual([
      ['en', false],
      ['es', true],
    ]);
    expect(m.targets[0].qa).toEqual({ error: 1, warning: 0, info: 0 });
    expect(m.targets[0].skipped).toEqual([
      { id: 'p3.s1', reason: 'not-translatable' },
      { id: 'p4.s1', reason: 'same-language' },
    ]);
    expect(m.totals.billedChars).toEqual({ apertium: 321, pseudo: 0 });
    expect(m.glossary.version).toBe('g7');
    expect(m.files).toContain('xliff/fr-es.xlf');
    expect(m.files).not.toContain('manifest.json');
  });

  it('manifest records per target how glossary terms were imposed', () => {
    const input = fixture();
    input.targets[0]!.imposition = { method: 'substitute', native: 0, substituted: 3, masked: 1, fromMemory: 0 };
    const m = JSON.parse(writeBundle(input, { renderer: plainRenderer }).get('manifest.json') as string);
    expect(m.targets[0].terms).toEqual({ method: 'substitute', native: 0, substituted: 3, masked: 1, fromMemory: 0 });
    expect(m.targets[1].terms).toBeUndefined();
  });

  it('renders a document per language with the translated sentences in their blocks', () => {
    const f = files();
    expect(f.get('documents/en.txt')).toBe(
      'DeepSeek and the open source approach\n\n' +
        'From the CEO of OpenAI, Sam Altman, to the scientist Andrew Ng, all praise open source. Its training cost only 5.5 million dollars < 6 & “"less"” 🚀\u0007.\n\n' +
        'npm install deepseek && run\n\n' +
        '"We were on the wrong side of history," Altman said about  الذكاء الاصطناعي.\n',
    );
    expect(f.get('documents/fr.txt')).toContain('Du PDG d’OpenAI');
  });

  it('tells the renderer which language each translated document is in (HTML writes it into <html lang>), and none for the source', () => {
    const docs = writeDocuments(fixture(), { ...plainRenderer, renderDocument: (_doc, _texts, lang) => `lang=${lang ?? 'none'}` });
    expect(Object.fromEntries(docs)).toEqual({ 'documents/fr.txt': 'lang=none', 'documents/en.txt': 'lang=en', 'documents/es.txt': 'lang=es' });
  });
});

describe('zipBundle', () => {
  it('zips every file, reads back with fflate, and is byte-for-byte deterministic', () => {
    const f = files();
    const zip = zipBundle(f);
    expect(Buffer.from(zipBundle(files())).equals(Buffer.from(zip))).toBe(true);
    const back = unzipSync(zip);
    expect(Object.keys(back)).toEqual([...f.keys()]);
    // Buffer keeps the CSV's byte-order mark, which TextDecoder would strip.
    for (const [path, body] of f) expect(Buffer.from(back[path]!).toString('utf8')).toBe(body);
  });

  it.skipIf(spawnSync('unzip', ['-v']).status !== 0)('passes Info-ZIP\'s integrity test with the createdAt time on every entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-zip-'));
    try {
      const file = join(dir, 'bundle.zip');
      writeFileSync(file, zipBundle(files()));
      expect(spawnSync('unzip', ['-tq', file]).status).toBe(0);
      const listing = execFileSync('unzip', ['-l', file], { encoding: 'utf8' });
      // Info-ZIP prints dates as YYYY-MM-DD or MM-DD-YYYY depending on its version.
      expect(listing).toMatch(/(2026-11-28|11-28-2026) 15:30\s+documents\/fr\.txt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not depend on the time zone of the machine', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = "import {writeBundle,zipBundle} from './pipeline/formats/bundle.ts';import {fixture,plainRenderer} from './test/formats/fixture.ts';import {createHash} from 'node:crypto';console.log(createHash('sha256').update(zipBundle(writeBundle(fixture(),{renderer:plainRenderer}))).digest('hex'))";
    const run = (tz: string) => execFileSync('npx', ['tsx', '-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' }).trim();
    expect(run('Asia/Ho_Chi_Minh')).toBe(run('America/Los_Angeles'));
  }, 60_000);
});
