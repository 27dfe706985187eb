/**
 * Deeply nested HTML or Markdown (a generated page, a fuzzer, a mistake in a
 * CMS template) used to overflow the reader's recursion: a RangeError stack
 * trace from the CLI, a 500 from the API. It is refused as input now, with
 * the depth and the limit, while ordinary nesting still reads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest, MAX_NESTING } from '../../pipeline/ingest.js';
import { refusal, runCli } from '../helpers.js';

const SENTENCE = 'Bonjour le monde, ceci est un article sur les GPU.';

// [name, format, how deep is too deep for the old readers (or the size limits allow), document at depth n]
const CASES: [string, 'html' | 'markdown', number, (n: number) => string][] = [
  ['nested <div> blocks', 'html', 20_000, (n) => `${'<div>'.repeat(n)}<p>${SENTENCE}</p>${'</div>'.repeat(n)}`],
  ['nested inline <b>', 'html', 20_000, (n) => `<p>${'<b>'.repeat(n)}${SENTENCE}${'</b>'.repeat(n)}</p>`],
  ['nested block quotes', 'markdown', 20_000, (n) => `${'>'.repeat(n)} ${SENTENCE}\n`],
  ['nested lists', 'markdown', 300, (n) => `${Array.from({ length: n }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n')}\n`],
  ['nested emphasis', 'markdown', 2_000, (n) => `${'*a '.repeat(n)}${SENTENCE}${' b*'.repeat(n)}\n`],
];


describe('ingest refuses nesting deeper than it can read', () => {
  it.each(CASES)('%s, too deep', (_name, format, deep, make) => {
    const err = refusal(() => ingest(make(deep), { format }));
    expect(err.code).toBe('input-too-deep');
    expect(err.params.limit).toBe(MAX_NESTING);
    expect(err.message).toMatch(new RegExp(`nested more than ${MAX_NESTING} levels deep`));
  });

  it.each(CASES)('%s, 20 deep, still reads', (_name, format, _deep, make) => {
    const doc = ingest(make(20), { format });
    expect(doc.blocks.some((b) => b.translatable)).toBe(true);
  });
});

describe('locflow detect on a deeply nested page', () => {
  it('exits 2 with one line, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-deep-'));
    const file = join(dir, 'deep.html');
    writeFileSync(file, CASES[0]![3](50_000));
    const r = await runCli(['detect', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^locflow: deep\.html: the HTML is nested more than \d+ levels deep/);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
  });
});
