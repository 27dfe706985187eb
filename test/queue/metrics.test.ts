import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Metrics, renderPrometheus } from '../../workers/metrics.js';
import { REDIS_URL, cleanPrefix, testConfig } from './helpers.js';

const { prefix } = testConfig();
const redis = new Redis(REDIS_URL);

afterAll(async () => {
  await cleanPrefix(prefix);
  redis.disconnect();
});

describe('Metrics counters', () => {
  it('adds provider usage and article outcomes across calls, with whole counters and decimal sums', async () => {
    const m = new Metrics(redis, prefix);
    await m.providerCall('pseudo', 120, 0);
    await m.providerCall('pseudo', 80, 40, 3);
    await m.articleFinished('completed', 1.5);
    await m.articleFinished('completed', 40);
    await m.articleFinished('failed', 0);
    const counters = await m.read();
    expect(counters).toMatchObject({ 'calls|pseudo': '4', 'chars|pseudo': '200', 'billed|pseudo': '40', 'articles|completed': '2', 'articles|failed': '1', duration_count: '2' });
    expect(Number(counters.duration_sum)).toBeCloseTo(41.5);
    const text = renderPrometheus(counters, {});
    expect(text).toContain('locflow_article_duration_seconds_bucket{le="2"} 1');
    expect(text).toContain('locflow_article_duration_seconds_bucket{le="60"} 2');
    expect(text).toContain('locflow_provider_calls_total{provider="pseudo"} 4');
  });
});
