/**
 * Glossary files in the wrong encoding: a Latin-1 YAML used to load with
 * `mod\uFFFDle`, a term that never matches anything, without a word; a UTF-16
 * one was reported as a YAML structure problem. The bytes decide now.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers.js';

const ARTICLE = 'Le modèle de DeepSeek tourne sur un GPU.\n\nLe modèle est publié en open source.\n';
const YAML = 'lang: fr\nterms:\n  - term: modèle\n    kind: keep\n';

function files(glossary: Buffer): { dir: string; article: string; glossary: string } {
  const dir = mkdtempSync(join(tmpdir(), 'locflow-gfile-'));
  writeFileSync(join(dir, 'article.txt'), ARTICLE);
  writeFileSync(join(dir, 'g.yaml'), glossary);
  return { dir, article: join(dir, 'article.txt'), glossary: join(dir, 'g.yaml') };
}

async function translate(glossary: Buffer) {
  const f = files(glossary);
  return runCli(['translate', f.article, '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--glossary', f.glossary, '--out', join(f.dir, 'out')]);
}

describe('translate --glossary encodings', () => {
  it('refuses a Latin-1 glossary with the byte and offset, before translating', async () => {
    const r = await translate(Buffer.from(YAML, 'latin1'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/g\.yaml.*not valid UTF-8: bad byte 0xe8 at offset 29/);
    expect(r.stderr).not.toMatch(/segments done/);
  });

  it('reads a UTF-16 glossary with a byte-order mark', async () => {
    const r = await translate(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(YAML, 'utf16le')]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 segments, 1 glossary terms found/);
  });

  it('still reads UTF-8 with and without a BOM', async () => {
    for (const bytes of [Buffer.from(YAML), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(YAML)])]) {
      const r = await translate(bytes);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/2 segments, 1 glossary terms found/);
    }
  });

  it('calls a binary file binary', async () => {
    const r = await translate(Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10', 'latin1'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/g\.yaml.*binary/);
  });
});

describe('glossary import of a wrongly encoded file', () => {
  it('refuses a Latin-1 CSV locally, before contacting any server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-gfile-'));
    const csv = join(dir, 'terms.csv');
    writeFileSync(csv, Buffer.from('term,lang,kind\nmodèle,fr,keep\n', 'latin1'));
    // Port 1: nothing listens; the refusal must come first.
    const r = await runCli(['glossary', 'import', csv, '--server', 'http://127.0.0.1:1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/terms\.csv.*not valid UTF-8: bad byte 0xe8/);
    expect(r.stderr).not.toMatch(/cannot reach/);
  });
});

describe('translate --glossary that never ends', () => {
  it('stops reading /dev/zero at the import limit instead of filling memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-gfile-'));
    writeFileSync(join(dir, 'article.txt'), ARTICLE);
    // Killed after a while, so that should the bug come back the child does not go on reading.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const args = [join(ROOT, 'bin', 'locflow.js'), 'translate', join(dir, 'article.txt'), '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--glossary', '/dev/zero', '--out', join(dir, 'out')];
      execFile(process.execPath, args, { env: { ...process.env, LOCFLOW_LANG: 'en' }, timeout: 15_000 }, (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stderr }));
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe('locflow: /dev/zero is larger than the 5.0 MiB limit (at least 5.1 MiB)');
  }, 20_000);
});
