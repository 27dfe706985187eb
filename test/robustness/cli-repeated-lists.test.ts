/**
 * A list option written twice (`--to en --to es`), which commander alone
 * reduces to its last value without a word: the user gets a bundle without
 * half the targets, or a detection among the wrong candidates.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

const FR = 'Bonjour tout le monde, comment allez-vous aujourd’hui ?';
const EN = 'Hello world, how are you doing today, my friends?';

describe('a list option given twice', () => {
  it('translate --to en --to es translates both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-lists-'));
    writeFileSync(join(dir, 'a.txt'), 'Le modèle français de DeepSeek est très rapide, disent les chercheurs à Paris.');
    const r = await runCli(['translate', join(dir, 'a.txt'), '--to', 'en', '--to', 'es', '--from', 'fr', '--provider', 'pseudo', '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'out', 'documents')).sort()).toEqual(['en.txt', 'es.txt', 'fr.txt']);
  });

  it('translate refuses a target repeated across the two', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-lists-'));
    writeFileSync(join(dir, 'a.txt'), 'Le modèle français de DeepSeek est très rapide.');
    const r = await runCli(['translate', join(dir, 'a.txt'), '--to', 'en', '--to', 'es,EN', '--provider', 'pseudo', '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe('locflow: language en appears twice in the job');
  });

  it('submit --to en --to es asks the service for both', async () => {
    const bodies: { targets: string[] }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as { targets: string[] });
        res.writeHead(202, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ id: 'j_lists', status: 'queued' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'locflow-lists-'));
      writeFileSync(join(dir, 'a.txt'), FR);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await runCli(['submit', join(dir, 'a.txt'), '--to', 'en', '--to', 'es,vi', '--server', url]);
      expect(r.code, r.stderr).toBe(0);
      expect(bodies.map((b) => b.targets)).toEqual([['en', 'es', 'vi']]);
    } finally {
      server.close();
    }
  });

  it('detect --only fr --only en keeps French a candidate', async () => {
    const r = await runCli(['detect', '-', '--each-line', '--json', '--only', 'fr', '--only', 'en'], { input: `${FR}\n${EN}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).lang)).toEqual(['fr', 'en']);
  });
});
