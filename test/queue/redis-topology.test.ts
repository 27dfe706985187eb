/** Reading the Redis topology from the environment: what is accepted, and what is refused before any connection. */
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { queueConfig } from '../../workers/config.js';
import { connectRedis, describeTopology, hasHashTag, maxRedirectionsFor, parseNatMap, rateLimitedErrorLog, RETRY_DELAY_ON_FAILOVER_MS, topologyKind } from '../../workers/redis.js';
import { refusal, runCli } from '../helpers.js';

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

  it('REDIS_NAT_MAP maps announced addresses to reachable ones, for Cluster and Sentinel clients', () => {
    expect(parseNatMap('10.0.0.5:6379=redis-a.example.net:30001, [fd00::7]:7000=127.0.0.1:17000')).toEqual({
      '10.0.0.5:6379': { host: 'redis-a.example.net', port: 30001 },
      'fd00::7:7000': { host: '127.0.0.1', port: 17000 },
    });
    const cluster = queueConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_NAT_MAP: '10.0.0.5:6379=b:2' });
    expect(cluster.natMap).toEqual({ '10.0.0.5:6379': { host: 'b', port: 2 } });
    const sentinel = queueConfig({ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm', REDIS_NAT_MAP: '10.0.0.5:6379=b:2' });
    expect(sentinel.natMap).toEqual(cluster.natMap);
    // The clients get it (lazyConnect: nothing is dialled).
    const c = connectRedis(cluster, 'worker') as Cluster;
    expect(c.options.natMap).toEqual(cluster.natMap);
    c.disconnect();
    const r = connectRedis(sentinel, 'worker');
    expect((r.options as { natMap?: unknown }).natMap).toEqual(cluster.natMap);
    r.disconnect();
    expect(queueConfig({ REDIS_CLUSTER_NODES: 'a:1' }).natMap).toBeUndefined();
  });

  it('refuses a malformed REDIS_NAT_MAP, and one without Cluster or Sentinel', () => {
    for (const [value, why] of [
      ['10.0.0.5:6379', /not one announced=reachable pair/],
      ['10.0.0.5=b:2', /"10\.0\.0\.5" is not host:port/],
      ['10.0.0.5:6379=b:99999', /"b:99999" is not host:port/],
      ['a:1=b:2=c:3', /not one announced=reachable pair/],
      ['a:1=b:2,a:1=c:3', /a:1 is mapped twice/],
      [',', /no pair/],
      ['redis://a:1=b:2', /is not host:port/],
    ] as const) {
      const err = refusal(() => queueConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_NAT_MAP: value }));
      expect(err.message, value).toMatch(/^REDIS_NAT_MAP must list announced-host:port=reachable-host:port pairs/);
      expect(err.message, value).toMatch(why);
    }
    expect(refusal(() => queueConfig({ REDIS_NAT_MAP: 'a:1=b:2' })).message).toMatch(/only to REDIS_CLUSTER_NODES or REDIS_SENTINELS/);
  });

  it('a worker with a bad REDIS_NAT_MAP stops at start-up with exit 2 and one clear line, in the user\'s language', async () => {
    const env = { REDIS_CLUSTER_NODES: '127.0.0.1:1', LOCFLOW_PREFIX: '{lf-nat}', REDIS_NAT_MAP: '10.0.0.5:6379=nowhere' };
    const [en, fr] = await Promise.all([runCli(['worker'], { env }), runCli(['worker'], { env: { ...env, LOCFLOW_LANG: 'fr' } })]);
    expect(en.code).toBe(2);
    expect(en.stderr).toMatch(/REDIS_NAT_MAP must list announced-host:port=reachable-host:port pairs separated by commas \("nowhere" is not host:port\)/);
    expect(en.stderr.trim().split('\n')).toHaveLength(1);
    expect(fr.code).toBe(2);
    expect(fr.stderr).toMatch(/REDIS_NAT_MAP doit lister/);
  }, 60_000);
});
