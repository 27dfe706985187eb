/**
 * `locflow translate --out` pointing somewhere it cannot write: one clear line,
 * exit 2, and nothing half-written — checked before any translation work.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

const ARTICLE = 'Le GPU de DeepSeek est rapide.\n\nLes chercheurs publient le modèle en open source.\n';

function setup(): { dir: string; article: string } {
  const dir = mkdtempSync(join(tmpdir(), 'locflow-out-'));
  const article = join(dir, 'article.txt');
  writeFileSync(article, ARTICLE);
  return { dir, article };
}

describe('translate --out where nothing can be written', () => {
  it('refuses an existing file as the output directory, leaving it untouched', async () => {
    const { dir, article } = setup();
    const out = join(dir, 'notes.txt');
    writeFileSync(out, 'keep me');
    const r = await runCli(['translate', article, '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/notes\.txt is an existing file/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    // Refused before the pipeline ran: no progress lines.
    expect(r.stderr).not.toMatch(/segments done/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('refuses an output path below a file (directory or zip)', async () => {
    const { dir, article } = setup();
    writeFileSync(join(dir, 'plain'), 'x');
    for (const out of [join(dir, 'plain', 'bundle'), join(dir, 'plain', 'sub', 'bundle.zip')]) {
      const r = await runCli(['translate', article, '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/cannot write .*plain is a file, not a directory; choose another --out/);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    expect(readdirSync(dir).sort()).toEqual(['article.txt', 'plain']);
  });

  it('refuses a .zip path that is an existing directory', async () => {
    const { dir, article } = setup();
    mkdirSync(join(dir, 'b.zip'));
    const r = await runCli(['translate', article, '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--out', join(dir, 'b.zip')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/b\.zip is a directory/);
    expect(readdirSync(join(dir, 'b.zip'))).toEqual([]);
  });

  it('leaves no partial bundle when a file inside the bundle cannot be written', async () => {
    const { dir, article } = setup();
    const out = join(dir, 'bundle');
    mkdirSync(out);
    // A file where the bundle needs its documents/ directory.
    writeFileSync(join(out, 'documents'), 'in the way');
    const r = await runCli(['translate', article, '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cannot write/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readdirSync(out)).toEqual(['documents']);
    expect(readdirSync(dir).sort()).toEqual(['article.txt', 'bundle']);
  });

  it('still writes into an existing directory and replaces an older bundle there', async () => {
    const { dir, article } = setup();
    const out = join(dir, 'bundle');
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), '{}');
    const r = await runCli(['translate', article, '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).targets).toBeDefined();
    expect(existsSync(join(out, 'aligned.json'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['article.txt', 'bundle']);
  });
});

describe('translate --to with a repeated language', () => {
  it('refuses es,ES before translating anything', async () => {
    const { dir, article } = setup();
    const r = await runCli(['translate', article, '--to', 'es, ES', '--from', 'fr', '--provider', 'pseudo', '--out', join(dir, 'b')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/language es appears twice/);
    expect(r.stderr).not.toMatch(/segments done|pseudo-localisation/);
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });
});
