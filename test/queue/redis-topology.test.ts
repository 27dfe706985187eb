/** Reading the Redis topology from the environment: what is accepted, and what is refused before any connection. */
import { describe, expect, it } from 'vitest';
import { queueConfig } from '../../workers/config.js';
import { describeTopology, hasHashTag, maxRedirectionsFor, rateLimitedErrorLog, RETRY_DELAY_ON_FAILOVER_MS, topologyKind } from '../../workers/redis.js';
import { refusal } from '../helpers.js';

describe('Redis topology settings', () => {
  it('REDIS_CLUSTER_NODES wins over REDIS_URL, with credentials from userinfo or REDIS_PASSWORD and TLS from rediss://', () => {
    const c = queueConfig({ REDIS_URL: 'redis://elsewhere:1', REDIS_CLUSTER_NODES: 'rediss://app:s3cret@10.0.0.1:7000, 10.0.0.2:7001', REDIS_CLUSTER_NODE_TIMEOUT_MS: '2000' });
    expect(topologyKind(c)).toBe('cluster');
    expect(c.redisCluster).toMatchObject({ nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], username: 'app', password: 's3cret', tls: true, nodeTimeoutMs: 2000 });
    expect(describeTopology(c)).not.toContain('s3cret');
    expect(queueConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_PASSWORD: 'pw' }).redisCluster?.password).toBe('pw');
  });

  it('keeps retrying a failing-over slot for longer than twice cluster-node-timeout', () => {
    expect(maxRedirectionsFor(15_000) * RETRY_DELAY_ON_FAILOVER_MS).toBeGreaterThan(2 * 15_000);
  });

  it('refuses a prefix without a hash tag and a database number in cluster mode', () => {
    expect(refusal(() => queueConfig({ REDIS_CLUSTER_NODES: 'a:1', LOCFLOW_PREFIX: 'locflow' })).message).toMatch(/hash tag.*\{locflow\}/);
    expect(refusal(() => queueConfig({ REDIS_CLUSTER_NODES: 'redis://a:1/3' })).message).toMatch(/database 3/);
    expect(refusal(() => queueConfig({ REDIS_CLUSTER_NODES: 'http://a:1' })).message).toMatch(/REDIS_CLUSTER_NODES/);
    expect(hasHashTag('{x}:jobs')).toBe(true);
    expect(hasHashTag('{}x')).toBe(false);
  });

  it('needs REDIS_SENTINEL_NAME with REDIS_SENTINELS', () => {
    expect(refusal(() => queueConfig({ REDIS_SENTINELS: 'a:26379' })).message).toMatch(/REDIS_SENTINEL_NAME/);
    const c = queueConfig({ REDIS_SENTINELS: 'a:26379,b:26380', REDIS_SENTINEL_NAME: 'mymaster' });
    expect(topologyKind(c)).toBe('sentinel');
    expect(c.redisSentinel?.sentinels).toHaveLength(2);
    expect(topologyKind(queueConfig({}))).toBe('standalone');
  });

  it('logs repeated connection errors at most once per interval, with the count in between', () => {
    const lines: string[] = [];
    let now = 0;
    const log = rateLimitedErrorLog((l) => lines.push(l), 10_000, () => now);
    for (let i = 0; i < 5000; i++) {
      now = i;
      log(new Error('connect ECONNREFUSED'));
    }
    now = 10_001;
    log(new Error('connect ECONNREFUSED'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('4999 more');
  });
});
