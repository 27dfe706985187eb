import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../pipeline/model.js';
import { AnalysisCache } from '../../workers/analysis-cache.js';

const fake = (id: string) => ({ sourceLang: 'fr', glossaryVersion: id }) as unknown as Analysis;

describe('AnalysisCache', () => {
  it('loads an id once for concurrent and later callers', async () => {
    const cache = new AnalysisCache(4);
    let loads = 0;
    const load = async () => (loads++, fake('a'));
    const [x, y] = await Promise.all([cache.get('a', load), cache.get('a', load)]);
    const z = await cache.get('a', load);
    expect(loads).toBe(1);
    expect(x).toBe(y);
    expect(z).toBe(x);
  });

  it('does not keep a miss or a failed load', async () => {
    const cache = new AnalysisCache(4);
    expect(await cache.get('gone', async () => undefined)).toBeUndefined();
    await expect(cache.get('bad', async () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(cache.size).toBe(0);
    expect(await cache.get('gone', async () => fake('gone'))).toEqual(fake('gone'));
  });

  it('keeps at most its bound, dropping the least recently used', async () => {
    const cache = new AnalysisCache(2);
    const loads: string[] = [];
    const load = (id: string) => async () => (loads.push(id), fake(id));
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a'));
    await cache.get('c', load('c'));
    expect(cache.size).toBe(2);
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
  });
});
