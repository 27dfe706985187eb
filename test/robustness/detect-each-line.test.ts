/**
 * `detect --each-line` fed one endless line (a binary dump through `tr`, a
 * minified file) used to buffer it all: gigabytes of memory and no answer.
 * A line longer than the limit stops the run with its line number, after
 * answering the lines before it, like a NUL byte or invalid UTF-8 does.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS } from '../../cli/commands/detect.js';
import { runCli } from '../helpers.js';

describe('detect --each-line with a line longer than the limit', () => {
  it('answers the lines before it, then exits 2 naming the line', async () => {
    const input = `Bonjour tout le monde, comment allez-vous ?\n${'a'.repeat(MAX_LINE_CHARS + 10)}\nHello world, how are you today?\n`;
    const r = await runCli(['detect', '-', '--each-line', '--json', '--only', 'fr,en'], { input });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).lang).toBe('fr');
    expect(r.stderr).toMatch(/stdin: line 2 is longer than \d+ characters/);
  });

  it('takes a long line under the limit', async () => {
    const input = `${'Le modèle est publié en open source. '.repeat(Math.floor(MAX_LINE_CHARS / 40))}\n`;
    const r = await runCli(['detect', '-', '--each-line', '--json', '--only', 'fr,en'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim()).lang).toBe('fr');
  });
});
