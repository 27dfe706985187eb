/**
 * Private Redis topologies for tests, on free loopback ports, started by the
 * test itself with Debian's redis-server: a 3-master + 3-replica cluster, and
 * a master + replica watched by 3 sentinels. `stop()` kills every process and
 * removes the data directory; call it in afterAll.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../helpers.js';
import { waitFor } from './helpers.js';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
}

export interface TestTopology {
  dir: string;
  servers: ServerProcess[];
  /** Environment that points locflow at this topology (REDIS_URL points nowhere useful). */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

async function ping(port: number): Promise<boolean> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export async function info(port: number, section: string): Promise<Record<string, string>> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    const out: Record<string, string> = {};
    for (const line of (await r.info(section)).split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  } finally {
    r.disconnect();
  }
}

/**
 * One redis-server of the test's own on a loopback `port`, without RDB
 * snapshots; `args` add settings (AOF and its data directory, a memory
 * policy). Resolves once it answers PING; killed if it does not within 10 s.
 */
export async function startRedisServer(port: number, args: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...args], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => {});
  try {
    await waitFor(async () => ((await probe.ping().catch(() => undefined)) === 'PONG' ? true : undefined), `redis-server on port ${port}`, 10_000, 50);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    probe.disconnect();
  }
  return child;
}

function startServer(dir: string, port: number, args: string[], servers: ServerProcess[]): ServerProcess {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  const s = { port, child };
  servers.push(s);
  return s;
}

function stopper(dir: string, servers: ServerProcess[]): () => void {
  return () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Distinct free ports (two calls to freePort may return the same one). */
async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

export async function startCluster(nodeTimeoutMs = 1000): Promise<TestTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'lf-cluster-'));
  const servers: ServerProcess[] = [];
  const stop = stopper(dir, servers);
  try {
    const ports = await freePorts(12);
    for (let i = 0; i < 6; i++) {
      startServer(dir, ports[i]!, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${ports[i]}.conf`, '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-port', String(ports[i + 6]!)], servers);
    }
    for (const s of servers) await waitFor(async () => ((await ping(s.port)) ? true : undefined), `redis-server on ${s.port}`, 20_000, 50);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    // Every node agrees the cluster is whole and every replica has synced.
    await waitFor(
      async () => {
        for (const s of servers) {
          if ((await info(s.port, 'cluster').catch(() => ({}) as Record<string, string>)).cluster_enabled !== '1') return undefined;
          const r = new Redis(s.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
          r.on('error', () => {});
          try {
            await r.connect();
            const state = String(await r.call('CLUSTER', 'INFO'));
            if (!state.includes('cluster_state:ok')) return undefined;
            const repl = (await r.info('replication')).toString();
            if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return undefined;
          } finally {
            r.disconnect();
          }
        }
        return true;
      },
      'the cluster to be ready',
      30_000,
      100,
    );
    return {
      dir,
      servers,
      env: {
        REDIS_URL: 'redis://127.0.0.1:1',
        // Two seed nodes are enough: the client learns the others from them.
        REDIS_CLUSTER_NODES: servers
          .slice(0, 2)
          .map((s) => `127.0.0.1:${s.port}`)
          .join(','),
        REDIS_CLUSTER_NODE_TIMEOUT_MS: String(nodeTimeoutMs),
      },
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

export const SENTINEL_MASTER = 'lfmaster';

export async function startSentinel(downAfterMs = 1000): Promise<TestTopology & { sentinels: ServerProcess[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lf-sentinel-'));
  const servers: ServerProcess[] = [];
  const stop = stopper(dir, servers);
  try {
    const [masterPort, replicaPort, ...sentinelPorts] = await freePorts(5);
    startServer(dir, masterPort!, [], servers);
    startServer(dir, replicaPort!, ['--replicaof', '127.0.0.1', String(masterPort)], servers);
    for (const s of servers) await waitFor(async () => ((await ping(s.port)) ? true : undefined), `redis-server on ${s.port}`, 20_000, 50);
    await waitFor(async () => ((await info(replicaPort!, 'replication')).master_link_status === 'up' ? true : undefined), 'the replica to sync', 20_000, 100);
    const sentinels: ServerProcess[] = [];
    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${downAfterMs}`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      const s = { port, child };
      servers.push(s);
      sentinels.push(s);
    }
    for (const s of sentinels) await waitFor(async () => ((await ping(s.port)) ? true : undefined), `sentinel on ${s.port}`, 20_000, 50);
    // Each sentinel knows the replica and the other sentinels before the test may kill anything.
    await waitFor(
      async () => {
        for (const s of sentinels) {
          const r = new Redis(s.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
          r.on('error', () => {});
          try {
            await r.connect();
            const m = (await r.call('SENTINEL', 'MASTER', SENTINEL_MASTER)) as string[];
            const field = (k: string) => Number(m[m.indexOf(k) + 1]);
            if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return undefined;
          } finally {
            r.disconnect();
          }
        }
        return true;
      },
      'the sentinels to know each other',
      30_000,
      100,
    );
    return {
      dir,
      servers,
      sentinels,
      env: {
        REDIS_URL: 'redis://127.0.0.1:1',
        REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
        REDIS_SENTINEL_NAME: SENTINEL_MASTER,
      },
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}
