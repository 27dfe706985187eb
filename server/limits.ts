/**
 * How long the HTTP server waits for a client, and who it believes about the
 * client's address and scheme. Fastify leaves its own timeouts off; without
 * them a few hundred connections that send one header byte now and then
 * (slowloris) hold sockets and memory for as long as they like.
 */
import { envInt } from '../workers/config.js';
import { InputError } from '../pipeline/errors.js';

export interface ServerLimits {
  /** The request line and headers must arrive within this (LOCFLOW_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (LOCFLOW_REQUEST_TIMEOUT_MS). Responses, such as event streams, are not limited by it. */
  requestTimeoutMs: number;
  /** A socket on which nothing moves either way for this long is closed (LOCFLOW_CONNECTION_TIMEOUT_MS). */
  connectionTimeoutMs: number;
  /** An idle kept-alive connection is closed after this (LOCFLOW_KEEPALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  /** Event streams one token may hold open at once (LOCFLOW_SSE_PER_TOKEN). */
  ssePerToken: number;
  /** An event stream is closed after this, with a `retry:` hint, and the browser reconnects (LOCFLOW_SSE_MAX_MS). */
  sseMaxMs: number;
  /** X-Forwarded-For/-Proto are believed from these hops only (LOCFLOW_TRUST_PROXY). */
  trustProxy: boolean | number | string[];
}

export function serverLimits(env: NodeJS.ProcessEnv): ServerLimits {
  const headersTimeoutMs = envInt(env, 'LOCFLOW_HEADERS_TIMEOUT_MS', 10_000, 100);
  const requestTimeoutMs = envInt(env, 'LOCFLOW_REQUEST_TIMEOUT_MS', 30_000, 100);
  // Node refuses a header deadline beyond the request deadline; say so in our words.
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new InputError('bad-config', `LOCFLOW_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed LOCFLOW_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`, {
      params: { name: 'LOCFLOW_HEADERS_TIMEOUT_MS', value: String(headersTimeoutMs), min: 100, context: 'headers-timeout' },
    });
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    connectionTimeoutMs: envInt(env, 'LOCFLOW_CONNECTION_TIMEOUT_MS', 60_000, 1000),
    keepAliveTimeoutMs: envInt(env, 'LOCFLOW_KEEPALIVE_TIMEOUT_MS', 5_000, 100),
    ssePerToken: envInt(env, 'LOCFLOW_SSE_PER_TOKEN', 20, 1),
    sseMaxMs: envInt(env, 'LOCFLOW_SSE_MAX_MS', 30 * 60_000, 1000),
    trustProxy: trustProxyFrom(env.LOCFLOW_TRUST_PROXY),
  };
}

/**
 * `true`: any hop (only when nothing but the proxy can reach the server);
 * a number: that many hops; else a comma-separated list of proxy addresses
 * or CIDR ranges. Unset: the socket's address and scheme are the truth.
 */
export function trustProxyFrom(raw: string | undefined): boolean | number | string[] {
  const v = raw?.trim();
  if (!v || v === 'false' || v === '0') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The options Fastify takes for these limits (headersTimeout and the checking interval go to Node's server). */
export function fastifyTimeouts(l: ServerLimits) {
  return {
    requestTimeout: l.requestTimeoutMs,
    connectionTimeout: l.connectionTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    // Fastify takes a hop count too (its types omit it).
    trustProxy: l.trustProxy as boolean | string | string[],
    // Node looks for expired requests on a timer (30 s by default), which would let a short deadline run long.
    http: { headersTimeout: l.headersTimeoutMs, requestTimeout: l.requestTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(l.headersTimeoutMs / 4))) },
  };
}
