import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { writeBundle, zipBundle, zipBundleAsync } from '../../pipeline/formats/bundle.js';
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
});
