/**
 * The one place that creates Redis clients, for every topology locflow runs
 * on, and the start-up checks every queue process runs before doing anything:
 * reachable, new enough, the topology it was told, and not evicting keys (an
 * evicted BullMQ key silently loses jobs).
 *
 *   standalone  REDIS_URL                               a plain ioredis client
 *   cluster     REDIS_CLUSTER_NODES=host:port,…         an ioredis Cluster (wins over REDIS_URL)
 *   sentinel    REDIS_SENTINELS=host:port,… + REDIS_SENTINEL_NAME   a client that asks the sentinels for the master
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { InputError, LocflowError } from '../pipeline/errors.js';

/** Redis cannot be used: the CLI reports it on one line and exits 2. */
export class RedisUnavailableError extends LocflowError {
  constructor(message: string, cause?: unknown, params?: Record<string, unknown>) {
    super('redis-unavailable', message, { cause, params });
  }
}

/** Every client locflow holds: BullMQ, the store, the glossary and the TM accept either. */
export type RedisClient = Redis | Cluster;

export type ConnectionRole =
  /** Blocking BullMQ workers: must retry forever (BullMQ requires maxRetriesPerRequest: null). */
  | 'worker'
  /** Request handlers: a command is retried a little through a reconnect, then fails (→ HTTP 503). */
  | 'producer';

export interface RedisNode {
  host: string;
  port: number;
}

export interface ClusterSettings {
  nodes: RedisNode[];
  username?: string;
  password?: string;
  tls: boolean;
  /** The servers' cluster-node-timeout: clients keep retrying a moved slot for longer than a failover takes. */
  nodeTimeoutMs: number;
}

export interface SentinelSettings {
  sentinels: RedisNode[];
  name: string;
  username?: string;
  password?: string;
  sentinelPassword?: string;
  tls: boolean;
}

/** Where Redis is. Cluster wins over Sentinel, which wins over the plain URL. */
export interface RedisTopologySettings {
  redisUrl: string;
  redisCluster?: ClusterSettings;
  redisSentinel?: SentinelSettings;
  /**
   * REDIS_NAT_MAP: the address each server announces ("host:port", as the
   * cluster or the sentinels report it) → where this process reaches it (a NAT,
   * a container's published port). Cluster and Sentinel only.
   */
  natMap?: Record<string, RedisNode>;
}

export type TopologyKind = 'standalone' | 'cluster' | 'sentinel';

export function topologyKind(s: RedisTopologySettings): TopologyKind {
  return s.redisCluster ? 'cluster' : s.redisSentinel ? 'sentinel' : 'standalone';
}

/** One line for logs and start-up messages; never holds a password. */
export function describeTopology(s: RedisTopologySettings): string {
  if (s.redisCluster) return `Redis Cluster (seed nodes ${s.redisCluster.nodes.map(nodeName).join(', ')})`;
  if (s.redisSentinel) return `Redis Sentinel "${s.redisSentinel.name}" (sentinels ${s.redisSentinel.sentinels.map(nodeName).join(', ')})`;
  return `Redis ${redacted(s.redisUrl)}`;
}

function nodeName(n: RedisNode): string {
  return `${n.host}:${n.port}`;
}

function badNodes(name: string, value: string, detail: string): InputError {
  return new InputError('bad-config', `${name} must list host:port pairs separated by commas (${detail}), not "${value}"`, { params: { name, value, detail, context: 'redis-nodes' } });
}

/** `host:port`, `[::1]:7000` or `redis[s]://user:pass@host:port`; returns the node and any URL parts. */
function parseNode(name: string, entry: string): { node: RedisNode; username?: string; password?: string; tls: boolean; db?: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `redis://${entry}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw badNodes(name, entry, 'not host:port');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw badNodes(name, entry, `scheme ${u.protocol} is neither redis: nor rediss:`);
  const port = Number(u.port || 6379);
  if (!u.hostname || !Number.isInteger(port) || port < 1 || port > 65535) throw badNodes(name, entry, 'no host or port');
  const db = u.pathname.replace(/^\/+/, '');
  return {
    node: { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port },
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
    ...(db ? { db } : {}),
  };
}

function parseNodeList(name: string, raw: string) {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw badNodes(name, raw, 'no node');
  return entries.map((e) => parseNode(name, e));
}

function badNatMap(value: string, detail: string): InputError {
  return new InputError('bad-config', `REDIS_NAT_MAP must list announced-host:port=reachable-host:port pairs separated by commas (${detail}), not "${value}"`, {
    params: { name: 'REDIS_NAT_MAP', value, detail, context: 'nat-map' },
  });
}

/** `host:port` or `[v6]:port`, nothing else: a NAT map entry names addresses, never credentials or schemes. */
function parseAddress(raw: string, whole: string): RedisNode {
  const m = /^(?:\[([^\]\s]+)\]|([^\s:=,[\]/@]+)):(\d{1,5})$/.exec(raw.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw badNatMap(whole, `"${raw.trim()}" is not host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * REDIS_NAT_MAP=`10.0.0.5:6379=redis-a.example.net:30001,…`: left, the address
 * a server announces (what CLUSTER SLOTS or the sentinels report); right, where
 * this process reaches it. Keys are `host:port` as ioredis looks them up.
 */
export function parseNatMap(raw: string): Record<string, RedisNode> {
  const out: Record<string, RedisNode> = {};
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw badNatMap(raw, 'no pair');
  for (const entry of entries) {
    const parts = entry.split('=');
    if (parts.length !== 2) throw badNatMap(raw, `"${entry}" is not one announced=reachable pair`);
    const from = parseAddress(parts[0]!, raw);
    const key = `${from.host}:${from.port}`;
    if (out[key]) throw badNatMap(raw, `${key} is mapped twice`);
    out[key] = parseAddress(parts[1]!, raw);
  }
  return out;
}

/** A prefix whose keys share one cluster slot: it holds a non-empty `{…}` (Redis hashes only that part). */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open < 0) return false;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}

/**
 * Reads the topology from the environment. Credentials come from the node
 * entries' userinfo, else REDIS_USERNAME / REDIS_PASSWORD.
 */
export function redisTopologySettings(env: NodeJS.ProcessEnv, prefix: string): RedisTopologySettings {
  const redisUrl = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  const username = env.REDIS_USERNAME || undefined;
  const password = env.REDIS_PASSWORD || undefined;
  const clusterRaw = env.REDIS_CLUSTER_NODES?.trim();
  const natRaw = env.REDIS_NAT_MAP?.trim();
  const natMap = natRaw ? parseNatMap(natRaw) : undefined;
  if (natMap && !clusterRaw && !env.REDIS_SENTINELS?.trim()) {
    // A plain client connects where REDIS_URL says; a map there would be silently ignored.
    throw new InputError('bad-config', 'REDIS_NAT_MAP applies only to REDIS_CLUSTER_NODES or REDIS_SENTINELS (the addresses those servers announce); with REDIS_URL, put the reachable address in REDIS_URL', {
      params: { name: 'REDIS_NAT_MAP', context: 'nat-map-topology' },
    });
  }
  if (clusterRaw) {
    const parsed = parseNodeList('REDIS_CLUSTER_NODES', clusterRaw);
    const withDb = parsed.find((p) => p.db !== undefined && p.db !== '0');
    if (withDb) {
      throw new InputError('bad-config', `REDIS_CLUSTER_NODES names database ${withDb.db}; Redis Cluster has only database 0, so remove "/${withDb.db}"`, {
        params: { name: 'REDIS_CLUSTER_NODES', value: withDb.db, context: 'cluster-db' },
      });
    }
    // BullMQ's scripts touch several keys of a queue at once; in a cluster they must hash to one slot.
    if (!hasHashTag(prefix)) {
      throw new InputError('bad-config', `LOCFLOW_PREFIX "${prefix}" has no {…} hash tag; in Redis Cluster every key of a deployment must share one slot: use e.g. {${prefix || 'locflow'}}`, {
        params: { name: 'LOCFLOW_PREFIX', value: prefix, suggestion: `{${prefix || 'locflow'}}`, context: 'cluster-prefix' },
      });
    }
    const first = parsed.find((p) => p.username || p.password);
    return {
      redisUrl,
      redisCluster: {
        nodes: parsed.map((p) => p.node),
        ...((first?.username ?? username) ? { username: first?.username ?? username } : {}),
        ...((first?.password ?? password) ? { password: first?.password ?? password } : {}),
        tls: parsed.some((p) => p.tls),
        nodeTimeoutMs: envMs(env, 'REDIS_CLUSTER_NODE_TIMEOUT_MS', 15_000),
      },
      ...(natMap ? { natMap } : {}),
    };
  }
  const sentinelRaw = env.REDIS_SENTINELS?.trim();
  if (sentinelRaw) {
    const parsed = parseNodeList('REDIS_SENTINELS', sentinelRaw);
    const name = env.REDIS_SENTINEL_NAME?.trim();
    if (!name) {
      throw new InputError('bad-config', 'REDIS_SENTINELS is set but REDIS_SENTINEL_NAME is not: give the name of the master the sentinels watch (e.g. mymaster)', {
        params: { name: 'REDIS_SENTINEL_NAME', context: 'sentinel-name' },
      });
    }
    const first = parsed.find((p) => p.username || p.password);
    return {
      redisUrl,
      redisSentinel: {
        sentinels: parsed.map((p) => p.node),
        name,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(first?.password ? { sentinelPassword: first.password } : {}),
        tls: parsed.some((p) => p.tls),
      },
      ...(natMap ? { natMap } : {}),
    };
  }
  return { redisUrl };
}

function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1) throw new InputError('bad-config', `${name} must be a number ≥ 1, not "${raw}"`, { params: { name, min: 1, value: raw } });
  return Math.floor(n);
}

/** How long a client waits between tries while a moved slot is still unserved. */
export const RETRY_DELAY_ON_FAILOVER_MS = 200;

/** Enough redirection tries to outlast a failover: about twice cluster-node-timeout, plus the election. */
export function maxRedirectionsFor(nodeTimeoutMs: number): number {
  return Math.ceil((2 * nodeTimeoutMs + 5000) / RETRY_DELAY_ON_FAILOVER_MS);
}

/** A demoted master answers READONLY: reconnect (to the new master) and send the command again. */
function reconnectOnError(err: Error): 2 | false {
  return /^(READONLY|LOADING|MASTERDOWN)/.test(err.message) ? 2 : false;
}

/** Reconnect forever with a capped delay: a restarted Redis must be picked up again. */
const reconnectDelay = (times: number) => Math.min(200 * times, 2000);

/**
 * Repeated connection errors: the first is logged, then at most one line per
 * interval with the number of errors in between (a dead node otherwise gives
 * thousands of lines a second).
 */
export function rateLimitedErrorLog(log: (line: string) => void, intervalMs = 10_000, now = Date.now): (err: Error) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (err) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    const more = suppressed ? ` (${suppressed} more connection errors since the last report)` : '';
    last = t;
    suppressed = 0;
    log(`Redis connection error: ${err.message}${more}`);
  };
}

let connectionErrorLog: ((err: Error) => void) | undefined;

/** Where connection errors of every client go (the CLI's serve and worker set it; libraries stay quiet). */
export function setConnectionErrorLog(log: ((line: string) => void) | undefined): void {
  connectionErrorLog = log ? rateLimitedErrorLog(log) : undefined;
}

export interface ConnectOptions {
  /** Overrides for the data connections (e.g. the preflight's no-retry client). */
  extra?: RedisOptions;
  /** Give up connecting instead of retrying (start-up checks). */
  failFast?: boolean;
}

export function connectRedis(settings: RedisTopologySettings, role: ConnectionRole, options: ConnectOptions = {}): RedisClient {
  const base: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 2,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    reconnectOnError,
    ...options.extra,
  };
  const retry = options.failFast ? () => null : reconnectDelay;
  let client: RedisClient;
  if (settings.redisCluster) {
    const c = settings.redisCluster;
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: true,
      // No cluster ready check: when it fails (CLUSTER INFO says cluster_state:fail, or lands on a dead
      // node, as right after a master is killed) ioredis reconnects behind the scenes and the pending
      // connect() never settles. BullMQ awaits exactly that connect() to bring a worker's blocking
      // client back, and the worker then never fetched a job again (test/queue/cluster-ready.test.ts).
      // A cluster that is failing answers CLUSTERDOWN, which is retried (retryDelayOnClusterDown).
      enableReadyCheck: false,
      // MOVED after a failover and closed connections to a dead master are retried until a replica has taken over.
      retryDelayOnFailover: RETRY_DELAY_ON_FAILOVER_MS,
      maxRedirections: maxRedirectionsFor(c.nodeTimeoutMs),
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 200,
      retryDelayOnMoved: 0,
      slotsRefreshTimeout: 2000,
      slotsRefreshInterval: 5000,
      clusterRetryStrategy: retry,
      ...(settings.natMap ? { natMap: settings.natMap } : {}),
      // Not clusterNodeRetryStrategy: it left idle BullMQ workers stuck on a dead node for over a minute.
      redisOptions: {
        ...base,
        ...(c.username ? { username: c.username } : {}),
        ...(c.password ? { password: c.password } : {}),
        ...(c.tls ? { tls: {} } : {}),
      },
    };
    client = new Cluster(c.nodes, clusterOptions);
  } else if (settings.redisSentinel) {
    const s = settings.redisSentinel;
    client = new Redis({
      ...base,
      sentinels: s.sentinels,
      name: s.name,
      role: 'master',
      ...(s.username ? { username: s.username } : {}),
      ...(s.password ? { password: s.password } : {}),
      ...(s.sentinelPassword ? { sentinelPassword: s.sentinelPassword } : {}),
      ...(s.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      retryStrategy: retry,
      sentinelRetryStrategy: options.failFast ? () => null : reconnectDelay,
      ...(settings.natMap ? { natMap: settings.natMap } : {}),
      // Not failoverDetector: its +switch-master disconnect, arriving while the client was already
      // reconnecting to the dead master, ended the client for good (status "end") in our failover test.
      // A killed master drops the connection anyway, and the reconnect asks the sentinels again.
    });
  } else {
    try {
      client = new Redis(settings.redisUrl, { ...base, retryStrategy: retry });
    } catch (err) {
      // ioredis parses the URL in its constructor; the value is not echoed because it may hold a password.
      const detail = (err as Error).message;
      throw new InputError('bad-config', `REDIS_URL is not a Redis URL (${detail}); use e.g. redis://127.0.0.1:6379`, { cause: err, params: { name: 'REDIS_URL', detail, context: 'redis-url' } });
    }
  }
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  client.on('error', (err: Error) => connectionErrorLog?.(err));
  if (client instanceof Cluster) client.on('node error', (err: Error) => connectionErrorLog?.(err));
  return client;
}

/** Closes a client whatever state it is in, without waiting on a server that is gone. */
export async function closeRedis(client: RedisClient, timeoutMs = 2000): Promise<void> {
  if (client.status === 'end') return;
  try {
    await withTimeout(client.quit(), timeoutMs);
  } catch {
    client.disconnect();
  }
}

/**
 * The connection that serves a key's slot: the client itself, or in a cluster
 * the master node's connection (WAIT and INFO have no key, so a Cluster would
 * send them to any node).
 */
export function nodeForKey(client: RedisClient, key: string): Redis | undefined {
  if (!(client instanceof Cluster)) return client;
  const owner = client.slots[calculateSlot(key)]?.[0];
  if (!owner) return undefined;
  return client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
}

/**
 * Waits until one replica of the master that serves `key` holds this
 * process's writes so far (`WAIT 1 <waitMs>`), when that master has replicas.
 * Returns the replicas that acknowledged, or undefined when there was nothing
 * to wait for (no replicas, or waitMs 0).
 *
 * WAIT covers the writes of the connection it is sent on: it goes on the node
 * connection that served the writes (in a cluster, the slot owner's), which
 * every command of this client for that slot goes through. Whether the master
 * has replicas is read at most every 10 s: INFO on each call would cost more
 * than the WAIT. WAIT on a master that died does not answer: the call gives up
 * after waitMs plus 2 s and rejects, so the caller can write again.
 */
export function replicaWaiter(client: RedisClient, key: string, waitMs: number, now = Date.now): () => Promise<number | undefined> {
  let checkedAt = -Infinity;
  let replicas = 0;
  let checkedNode: Redis | undefined;
  return async () => {
    if (waitMs <= 0) return undefined;
    const node = nodeForKey(client, key);
    if (!node) return undefined;
    try {
      // A new owner (after a failover) is asked at once: its replicas are not the old master's.
      if (node !== checkedNode || now() - checkedAt > 10_000) {
        replicas = Number(parseInfo(await withTimeout(node.info('replication'), waitMs + 2000)).connected_slaves ?? 0) || 0;
        checkedAt = now();
        checkedNode = node;
      }
      if (replicas === 0) return undefined;
      const acked = await withTimeout(node.wait(1, waitMs), waitMs + 2000);
      // No replica answered: after a failover the promoted master may have none yet; ask again next time.
      if (acked < 1) checkedAt = -Infinity;
      return acked;
    } catch (err) {
      checkedAt = -Infinity;
      // Redis trouble, not a bug: the API answers 503 and a worker writes again.
      throw new RedisUnavailableError(`waiting for a replica of ${node.options.host ?? '?'}:${node.options.port ?? '?'} failed (${(err as Error).message})`, err, { detail: (err as Error).message });
    }
  };
}

export interface RedisInfo {
  topology: TopologyKind;
  /** What the start-up line says, e.g. "Redis Cluster (3 masters, 3 replicas)". */
  description: string;
  version: string;
  maxmemoryPolicy: string | undefined;
  /** Replicas of the master serving the deployment's keys. */
  replicas: number;
  warnings: string[];
}

export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}

/** Connects and checks the servers; throws RedisUnavailableError with one clear sentence. */
export async function checkRedis(client: RedisClient, settings: RedisTopologySettings, prefix: string, timeoutMs = 5000): Promise<RedisInfo> {
  const kind = topologyKind(settings);
  const where = kind === 'standalone' ? redacted(settings.redisUrl) : describeTopology(settings);
  try {
    await withTimeout(
      (async () => {
        if (client.status === 'wait') await client.connect();
        await client.ping();
      })(),
      timeoutMs,
    );
  } catch (err) {
    throw new RedisUnavailableError(`cannot reach Redis at ${where} (${(err as Error).message}); start Redis or set REDIS_URL`, err, { url: where, detail: (err as Error).message });
  }
  const masters: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const infos = await withTimeout(Promise.all(masters.map(async (m) => parseInfo(await m.info()))), timeoutMs).catch((err: Error) => {
    throw new RedisUnavailableError(`cannot reach Redis at ${where} (${err.message}); start Redis or set REDIS_URL`, err, { url: where, detail: err.message });
  });
  const first = infos[0] ?? {};
  if (kind !== 'cluster' && first.cluster_enabled === '1') {
    const setting = kind === 'sentinel' ? 'REDIS_SENTINELS' : 'REDIS_URL';
    throw new RedisUnavailableError(`Redis at ${where} is a Redis Cluster node: set REDIS_CLUSTER_NODES=host:port,… (some or all of its nodes) instead of ${setting}`, undefined, {
      url: where,
      setting,
      context: 'cluster-node',
    });
  }
  const version = first.redis_version ?? first.valkey_version ?? '0';
  if (olderThanBullmqNeeds(version)) throw new RedisUnavailableError(`Redis at ${where} is version ${version}; locflow needs Redis 6.2 or later`, undefined, { url: where, version, context: 'version' });
  const warnings: string[] = [];
  // Every master holds some keys; in a cluster one evicting master loses the jobs that hash there.
  masters.forEach((m, i) => {
    const policy = infos[i]?.maxmemory_policy;
    if (policy && policy !== 'noeviction') {
      const node = masters.length > 1 ? ` on ${m.options.host}:${m.options.port}` : '';
      warnings.push(`Redis maxmemory-policy is ${policy}${node}: set it to noeviction, or Redis may evict queue keys and lose jobs`);
    }
  });
  const owner = nodeForKey(client, `${prefix}:job`);
  const ownerIndex = owner ? masters.indexOf(owner) : 0;
  const replicas = Number(infos[Math.max(0, ownerIndex)]?.connected_slaves ?? 0) || 0;
  let description: string;
  if (client instanceof Cluster) {
    description = `Redis Cluster (${masters.length} masters, ${client.nodes('slave').length} replicas)`;
  } else if (kind === 'sentinel') {
    // The options hold no address in Sentinel mode: the master is the server at the other end of the connection.
    const host = (client as Redis & { stream?: { remoteAddress?: string } }).stream?.remoteAddress ?? '?';
    description = `Redis Sentinel "${settings.redisSentinel!.name}" (master ${host}:${first.tcp_port ?? '?'}, ${replicas} replicas)`;
  } else {
    description = `Redis ${redacted(settings.redisUrl)}${replicas ? ` (${replicas} replicas)` : ''}`;
  }
  return { topology: kind, description, version, maxmemoryPolicy: first.maxmemory_policy, replicas, warnings };
}

/** BullMQ states full compatibility from Redis 6.2.0; older servers lack commands its scripts use. */
export function olderThanBullmqNeeds(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number(n) || 0);
  return major < 6 || (major === 6 && minor < 2);
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
