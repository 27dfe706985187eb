/**
 * A Cluster client whose reconnect meets a failing ready check must still
 * settle its connect(). BullMQ reconnects a worker's blocking client with
 * `await client.connect()`; with ioredis's cluster ready check, a check that
 * fails (CLUSTER INFO says `cluster_state:fail`, or asks a dead node, as
 * happens right after a master is killed) reconnects behind the scenes and the
 * promise never settles, so the worker stopped fetching jobs for good (the
 * failover test's parents left in `wait`). A one-node fake cluster reproduces
 * the failed check without a real failover.
 */
import { createServer, type Server } from 'node:net';
import type { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../../workers/redis.js';
import { queueConfig } from '../../workers/config.js';

/** Speaks just enough RESP for a cluster client: CLUSTER SLOTS (itself), CLUSTER INFO (fail, then ok), INFO, +OK for the rest. */
function fakeClusterNode(): Promise<{ server: Server; port: number; clusterInfos: () => number }> {
  let infos = 0;
  const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  const server = createServer((socket) => {
    let buf = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        // Commands arrive as arrays of bulk strings: *N\r\n($len\r\narg\r\n)×N.
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (!m) return;
        let at = m[0].length;
        const args: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const l = /^\$(\d+)\r\n/.exec(buf.slice(at));
          if (!l) return;
          const len = Number(l[1]);
          if (buf.length < at + l[0].length + len + 2) return;
          args.push(buf.slice(at + l[0].length, at + l[0].length + len));
          at += l[0].length + len + 2;
        }
        buf = buf.slice(at);
        const cmd = args.map((a) => a.toLowerCase()).slice(0, 2).join(' ');
        const port = (server.address() as { port: number }).port;
        if (cmd === 'cluster slots') socket.write(`*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n${bulk('127.0.0.1')}:${port}\r\n${bulk('n1')}`);
        else if (cmd === 'cluster info') socket.write(bulk(++infos === 1 ? 'cluster_state:fail\r\n' : 'cluster_state:ok\r\n'));
        else if (args[0]?.toLowerCase() === 'info') socket.write(bulk('# Server\r\nredis_version:7.0.15\r\nloading:0\r\n'));
        else socket.write('+OK\r\n');
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, clusterInfos: () => infos })));
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

describe('Cluster client connect()', () => {
  it('settles even when the cluster reports cluster_state:fail at that moment', async () => {
    const node = await fakeClusterNode();
    cleanup.push(() => node.server.close());
    const config = queueConfig({ REDIS_CLUSTER_NODES: `127.0.0.1:${node.port}`, LOCFLOW_PREFIX: '{t}' });
    const client = connectRedis(config, 'worker') as Cluster;
    cleanup.push(() => client.disconnect());
    const settled = await Promise.race([
      client.connect().then(
        () => 'connected',
        (err: Error) => `rejected: ${err.message}`,
      ),
      new Promise((r) => setTimeout(() => r('never settled'), 5000)),
    ]);
    expect(settled).toBe('connected');
    expect(await client.set('{t}:k', 'v')).toBe('OK');
  }, 15_000);
});
