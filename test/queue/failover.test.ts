/**
 * Losing the Redis master mid-run, on real topologies started by the test:
 * a 3-master + 3-replica Redis Cluster and a master + replica + 3 sentinels.
 * The API (`locflow serve --workers 0`) and two `locflow worker` processes run
 * as real processes with REDIS_URL pointing nowhere; articles are submitted
 * through the API (503s retried, as `locflow submit` does), and the master
 * that holds the deployment's slot is SIGKILLed while jobs run. Every job the
 * API acknowledged with 202 must complete with one valid bundle, and no
 * segment may reach the (fake) engine twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from '../helpers.js';
import { checkBundle, waitFor } from './helpers.js';
import { info, SENTINEL_MASTER, startCluster, startSentinel, type TestTopology } from './redis-servers.js';
import { startSlowDeepl, type SlowDeepl } from './slow-deepl.js';

let fake: SlowDeepl;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  fake = await startSlowDeepl(120);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await fake?.close();
});

interface Spawned {
  child: ChildProcess;
  output: () => string;
}

/** A locflow process; resolves once its stderr says `ready`. */
async function spawnLocflow(args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<Spawned> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stdout!.on('data', () => {});
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(ready)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`locflow ${args[0]} exited ${code}: ${err}`)));
  });
  return { child, output: () => err };
}

/** An article of unique sentences: no sentence is shared with another article, so the TM cannot hide a double purchase. */
function article(i: number): string {
  const lines: string[] = [];
  for (let j = 1; j <= 6; j++) lines.push(`La dépêche ${i} rapporte que le marché ${j} a progressé de ${i * 10 + j} pour cent ce matin.`);
  return lines.join(' ');
}

/** POST /v1/jobs as `locflow submit` does it: a 503 is tried again after its Retry-After. */
async function submit(api: string, text: string): Promise<{ id?: string; tries: number; statuses: number[] }> {
  const statuses: number[] = [];
  for (let tries = 1; tries <= 30; tries++) {
    let res: Response;
    try {
      res = await fetch(`${api}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, targets: ['en'], sourceLang: 'fr', provider: 'deepl' }) });
    } catch {
      statuses.push(0);
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    statuses.push(res.status);
    if (res.status === 202 || res.status === 200) return { id: ((await res.json()) as { id: string }).id, tries, statuses };
    await res.arrayBuffer();
    if (res.status !== 503) return { tries, statuses };
    expect(res.headers.get('retry-after')).toBeTruthy();
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
  }
  return { tries: 30, statuses };
}

async function getJob(api: string, id: string): Promise<{ status: string; revision?: number; segments: number; targets: Record<string, { done: number }> } | undefined> {
  try {
    const res = await fetch(`${api}/v1/jobs/${id}`);
    return res.ok ? ((await res.json()) as never) : undefined;
  } catch {
    return undefined;
  }
}

interface Scenario {
  topology: TestTopology;
  /** Kills the master that holds the deployment's keys; returns its port. */
  killOwner(prefix: string): Promise<number>;
  /** Counts keys matching a pattern on every master. */
  countKeys(pattern: string): Promise<number>;
  /** What `serve`/`worker` print for this topology. */
  describes: RegExp;
}

async function runFailover(s: Scenario): Promise<void> {
  const prefix = `{lf-fo-${randomBytes(4).toString('hex')}}`;
  fake.delivered.clear();
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...fake.env,
    ...s.topology.env,
    LOCFLOW_LANG: 'en',
    LOCFLOW_PREFIX: prefix,
    LOCFLOW_TOKENS: '',
    LOCFLOW_STALLED_INTERVAL_MS: '2000',
    // Longer than the failover (2–5 s here): running jobs keep their locks, so no second worker runs them meanwhile.
    LOCFLOW_LOCK_DURATION_MS: '15000',
    LOCFLOW_RETRY_BASE_MS: '200',
    LOCFLOW_BATCH_SIZE: '2',
    LOCFLOW_WEBHOOK_SECRET: 'failover-test',
    LOCFLOW_SHUTDOWN_GRACE_MS: '3000',
    LOCFLOW_LOG_LEVEL: 'warn',
  };
  const [server, ...workers] = await Promise.all([
    spawnLocflow(['serve', '--workers', '0', '--port', String(port)], env, 'locflow API on'),
    spawnLocflow(['worker', '--concurrency', '2'], env, 'worker ready'),
    spawnLocflow(['worker', '--concurrency', '2'], env, 'worker ready'),
  ]);
  for (const p of [server!, ...workers]) expect(p.output()).toMatch(s.describes);

  const acked: string[] = [];
  const refused: number[][] = [];
  const submitSome = async (from: number, to: number) => {
    const results = await Promise.all(Array.from({ length: to - from }, (_, k) => submit(api, article(from + k))));
    for (const r of results) (r.id ? acked.push(r.id) : refused.push(r.statuses));
    return results;
  };
  await submitSome(0, 4);
  expect(acked).toHaveLength(4);
  await waitFor(async () => ((await getJob(api, acked[0]!))?.targets.en?.done ?? 0) >= 2 || undefined, 'progress before the kill', 30_000, 50);

  // The API's 4 submissions waited for the replica, and so did at least the first batch of article 0 (its
  // memory write is waited for before its progress is written). After the kill the promoted master has no
  // replica left, so nothing waits there: this is the only place the WAITs can be counted.
  const waitsBeforeKill = await waitCalls(s.topology);
  expect(waitsBeforeKill).toBeGreaterThan(4);

  const killedAt = Date.now();
  const killed = await s.killOwner(prefix);
  // Submissions go on during the failover window; the API answers 503 + Retry-After there, and the client tries again.
  const during = submitSome(4, 8);
  // The API takes writes again (its /healthz writes a key next to the jobs) once a replica has taken over.
  await waitFor(async () => ((await fetch(`${api}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 'the API to take writes again', 60_000, 100);
  const unavailableMs = Date.now() - killedAt;
  const duringResults = await during;

  const finished: Record<string, { status: string; revision?: number; segments: number }> = {};
  const waitingForAll = waitFor(
    async () => {
      for (const id of acked) {
        if (finished[id]) continue;
        const v = await getJob(api, id);
        if (v && ['completed', 'failed', 'cancelled'].includes(v.status)) finished[id] = v;
      }
      return Object.keys(finished).length === acked.length ? true : undefined;
    },
    'every acknowledged job to finish',
    90_000,
    200,
  );
  await waitingForAll.catch(async (err: Error) => {
    // What was left, and what the processes said: a hang here is otherwise a bare timeout.
    for (const id of acked.filter((i) => !finished[i])) console.info(`[failover] unfinished ${id}: ${JSON.stringify(await getJob(api, id))}`);
    for (const p of [server!, ...workers]) console.info(`[failover] process output:\n${p.output().slice(-3000)}`);
    throw err;
  });
  const completedAt = Date.now();
  for (const id of acked) {
    expect(finished[id]!.status, `job ${id}`).toBe('completed');
    expect(finished[id]!.revision).toBe(1);
    const zip = new Uint8Array(await (await fetch(`${api}/v1/jobs/${id}/bundle`)).arrayBuffer());
    const { aligned } = checkBundle(zip, ['fr', 'en']);
    expect(aligned.segments.length).toBe(finished[id]!.segments);
  }
  // One bundle per acknowledged job, nothing more.
  expect(await s.countKeys(`${prefix}:zip:*`)).toBe(acked.length);
  // No sentence is bought twice: each batch's translation-memory write is held
  // by a replica (WAIT 1) before the batch goes on, so a child retried after
  // the failover reads what was bought instead of buying it again.
  const twice = [...fake.delivered.entries()].filter(([, n]) => n > 1);

  console.info(
    `[failover] killed master :${killed}; API took writes again after ${unavailableMs} ms; ` +
      `${acked.length} acknowledged, ${refused.length} never acknowledged, ${Object.values(finished).filter((v) => v.status === 'completed').length} completed ` +
      `(${completedAt - killedAt} ms after the kill); ${twice.length} segments bought twice; ${waitsBeforeKill} WAITs before the kill; submissions during the failover: ${duringResults.map((r) => r.statuses.join('→')).join(', ')}`,
  );
  if (twice.length > 0) {
    // What the workers saw (stalled jobs, lost locks) is what explains a second purchase.
    for (const w of workers) console.info(w.output().split('\n').filter((l) => /stall|lock|replica/i.test(l)).join('\n'));
  }
  expect(twice).toEqual([]);

  // SIGTERM ends every process within the grace period.
  const stoppedAt = Date.now();
  await Promise.all(
    [server!, ...workers].map(
      (p) =>
        new Promise<void>((resolve) => {
          p.child.once('exit', () => resolve());
          p.child.kill('SIGTERM');
        }),
    ),
  );
  expect(Date.now() - stoppedAt).toBeLessThan(3000 + 5000);
}

describe('Redis Cluster, 3 masters + 3 replicas', () => {
  let topology: TestTopology;
  let client: Cluster;
  beforeAll(async () => {
    topology = await startCluster(1000);
    client = new Cluster(
      topology.servers.slice(0, 1).map((s) => ({ host: '127.0.0.1', port: s.port })),
      { lazyConnect: true, retryDelayOnFailover: 200, maxRedirections: 50, redisOptions: { maxRetriesPerRequest: 5 } },
    );
    client.on('error', () => {});
    await client.connect();
  }, 90_000);
  afterAll(() => {
    client?.disconnect();
    topology?.stop();
  });

  it('refuses a plain REDIS_URL pointed at a cluster node, and a prefix without a hash tag, with exit 2', async () => {
    const base = { ...process.env, LOCFLOW_LANG: 'en', LOCFLOW_TOKENS: '' };
    const [plain, untagged] = await Promise.all([
      spawnExit(['worker'], { ...base, REDIS_URL: `redis://127.0.0.1:${topology.servers[0]!.port}` }),
      spawnExit(['worker'], { ...base, ...topology.env, LOCFLOW_PREFIX: 'locflow' }),
    ]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/REDIS_CLUSTER_NODES/);
    expect(untagged.code).toBe(2);
    expect(untagged.stderr).toMatch(/hash tag/);
  }, 60_000);

  it('completes every acknowledged job through a SIGKILL of the master that owns the slot', async () => {
    await runFailover({
      topology,
      describes: /Redis Cluster \(3 masters, 3 replicas\)/,
      async killOwner(prefix) {
        const owner = client.slots[calculateSlot(`${prefix}:job`)]![0]!;
        const port = Number(owner.split(':')[1]);
        topology.servers.find((x) => x.port === port)!.child.kill('SIGKILL');
        return port;
      },
      countKeys: (pattern) => countOnMasters(topology, pattern),
    });
  }, 150_000);
});

describe('Redis Sentinel, master + replica + 3 sentinels', () => {
  let topology: TestTopology;
  beforeAll(async () => {
    topology = await startSentinel(1000);
  }, 60_000);
  afterAll(() => topology?.stop());

  it('completes every acknowledged job through a SIGKILL of the master', async () => {
    const [master, replica] = topology.servers;
    await runFailover({
      topology,
      describes: new RegExp(`Redis Sentinel "${SENTINEL_MASTER}" \\(master 127\\.0\\.0\\.1:${master!.port}, 1 replicas\\)`),
      async killOwner() {
        master!.child.kill('SIGKILL');
        return master!.port;
      },
      async countKeys(pattern) {
        // After the failover the replica is the master and holds everything.
        expect((await info(replica!.port, 'replication')).role).toBe('master');
        return countOnMasters(topology, pattern);
      },
    });
  }, 150_000);
});

function spawnExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** Keys matching a pattern on every live server that is a master now. */
async function countOnMasters(topology: TestTopology, pattern: string): Promise<number> {
  let n = 0;
  for (const server of topology.servers) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) continue;
    const r = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    r.on('error', () => {});
    try {
      await r.connect();
      if (!(await r.info('replication')).includes('role:master')) continue;
      if ((await r.info('server')).includes('redis_mode:sentinel')) continue;
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
    } finally {
      r.disconnect();
    }
  }
  return n;
}

/** WAIT commands served by the live masters (INFO commandstats): each submission and each batch's memory write send one. */
async function waitCalls(topology: TestTopology): Promise<number> {
  let n = 0;
  for (const server of topology.servers) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) continue;
    const role = await info(server.port, 'replication').catch(() => ({}) as Record<string, string>);
    if (role.role !== 'master') continue;
    const stats = await info(server.port, 'commandstats');
    n += Number(/calls=(\d+)/.exec(stats.cmdstat_wait ?? '')?.[1] ?? 0);
  }
  return n;
}
