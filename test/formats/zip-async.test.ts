import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { writeBundle, ZIP_INLINE_BUDGET, zipBundle, zipBundleAsync } from '../../pipeline/formats/bundle.js';
import { fixture, plainRenderer } from './fixture.js';

describe('zipBundleAsync', () => {
  it('gives the same bytes as zipBundle, and every file back', async () => {
    const files = writeBundle(fixture(), { renderer: plainRenderer });
    const zip = await zipBundleAsync(files);
    expect(Buffer.from(zip).equals(Buffer.from(zipBundle(files)))).toBe(true);
    const back = unzipSync(zip);
    expect(Object.keys(back).sort()).toEqual([...files.keys()].sort());
    expect(Buffer.from(back['manifest.json']!).toString('utf8')).toBe(files.get('manifest.json'));
  });

  it('gives the same bytes when some entries are deflated on the thread pool and some inline', async () => {
    const files = writeBundle(fixture(), { renderer: plainRenderer });
    // Text that does not compress to nothing: two entries that together exceed the inline budget, and small ones.
    let x = 1;
    const noise = (n: number) => Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0), 'abcdefghij klmnop'[x % 17])).join('');
    files.set('big.txt', noise(ZIP_INLINE_BUDGET));
    files.set('half.txt', noise(ZIP_INLINE_BUDGET / 2 + 1));
    files.set('small.txt', noise(1000));
    const zip = await zipBundleAsync(files);
    expect(Buffer.from(zip).equals(Buffer.from(zipBundle(files)))).toBe(true);
    const back = unzipSync(zip);
    for (const name of ['big.txt', 'half.txt', 'small.txt']) expect(Buffer.from(back[name]!).toString('utf8')).toBe(files.get(name));
  });
});
