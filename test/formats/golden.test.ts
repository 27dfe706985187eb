/**
 * Golden files: the bundle written from the fixture, byte for byte. A change
 * in any writer shows up as a diff here. Regenerate deliberately with
 * `UPDATE_GOLDEN=1 npx vitest run test/formats/golden.test.ts` and review the diff.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { fixture, plainRenderer } from './fixture.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

const files = writeBundle(fixture(), { renderer: plainRenderer });

describe('golden bundle files', () => {
  for (const [path, body] of files) {
    it(`${path} matches its golden file`, () => {
      const file = join(goldenDir, path);
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      if (update) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
      }
      expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to create it`).toBe(true);
      expect(readFileSync(file).toString('utf8')).toBe(bytes.toString('utf8'));
      expect(readFileSync(file).equals(bytes)).toBe(true);
    });
  }

  it('has a golden file for every bundle file and no stale ones', () => {
    const expected = [...files.keys()].sort();
    const listed = JSON.parse(readFileSync(join(goldenDir, 'manifest.json'), 'utf8')).files as string[];
    expect([...listed, 'manifest.json'].sort()).toEqual(expected);
  });

  it('writes the same bytes for the same input', () => {
    const again = writeBundle(fixture(), { renderer: plainRenderer });
    expect([...again.entries()]).toEqual([...files.entries()]);
  });
});
