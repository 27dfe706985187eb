/**
 * Webhook delivery: a POST with a JSON body when an article completes or
 * fails, signed with HMAC-SHA256, retried with backoff through a queue of its
 * own so a receiver that is down for an hour still gets the call.
 *
 * Because the URL comes from whoever submits the job, it could point the
 * server at its own network (SSRF). Addresses that are loopback, private,
 * link-local, multicast or reserved are refused — after DNS resolution, and
 * again at connect time so a DNS answer that changes in between cannot slip
 * through — unless LOCFLOW_WEBHOOK_ALLOW_PRIVATE=1.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import axios from 'axios';
import { UnrecoverableError, type Job } from 'bullmq';
import { InputError } from '../pipeline/errors.js';
import type { JobView } from './store.js';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  // Unspecified, loopback and the deprecated IPv4-compatible form (::127.0.0.1), which a host with a 6in4 tunnel still routes.
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  // Local-use NAT64 (RFC 8215): reaches whatever IPv4 network the operator's translator serves.
  ['64:ff9b:1::', 48],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

/** True for addresses a webhook must not reach without LOCFLOW_WEBHOOK_ALLOW_PRIVATE. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1) reaches the IPv4 address: judge that one.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

function refuse(message: string, params: Record<string, unknown>): InputError {
  return new InputError('webhook-refused', message, { status: 422, params });
}

/** Syntax and address checks; resolves the host. Throws InputError (422) when the URL is refused. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError('bad-webhook-url', `webhookUrl "${raw.slice(0, 200)}" is not a valid URL`, { params: { url: raw.slice(0, 200) } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('bad-webhook-url', 'webhookUrl must be an http or https URL', { params: { context: 'scheme' } });
  if (url.username || url.password) throw new InputError('bad-webhook-url', 'webhookUrl must not contain credentials; verify the signature header instead', { params: { context: 'credentials' } });
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookupAll(host);
  } catch {
    throw refuse(`webhookUrl host ${host} does not resolve`, { host, context: 'unresolved' });
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw refuse(`webhookUrl ${host} resolves to ${bad.address}, a loopback/private/link-local address; set LOCFLOW_WEBHOOK_ALLOW_PRIVATE=1 to allow it`, { host, address: bad.address, context: 'private' });
  return url;
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/** A lookup for the HTTP agent that refuses private answers at connect time. */
const safeLookup = ((hostname: string, options: unknown, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
  const opts = typeof options === 'object' && options !== null ? (options as object) : {};
  dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(refuse(`webhook host ${hostname} resolved to ${bad.address}, which is not allowed`, { host: hostname, address: bad.address, context: 'resolved' }), '', 4);
    if ((opts as { all?: boolean }).all) return callback(null, list);
    const first = list[0]!;
    callback(null, first.address, first.family);
  });
}) as unknown as typeof dnsLookup;

export interface WebhookJobData {
  url: string;
  /** `job.revised` and `job.approved` come from the API when a person makes a revision (an edit, an XLIFF import, an approval). */
  event: 'job.completed' | 'job.failed' | 'job.revised' | 'job.approved';
  job: JobView;
}

export interface WebhookHeaders {
  'content-type': string;
  'user-agent': string;
  'x-locflow-event': string;
  'x-locflow-delivery': string;
  'x-locflow-timestamp': string;
  'x-locflow-signature'?: string;
}

/** `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>`: the timestamp is signed so old deliveries cannot be replayed as new. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookRequest(data: WebhookJobData, deliveryId: string, secret: string | undefined, now = Date.now()): { body: string; headers: WebhookHeaders } {
  const body = JSON.stringify({ event: data.event, job: data.job });
  const timestamp = String(Math.floor(now / 1000));
  const headers: WebhookHeaders = {
    'content-type': 'application/json',
    'user-agent': 'locflow-webhook/1',
    'x-locflow-event': data.event,
    'x-locflow-delivery': deliveryId,
    'x-locflow-timestamp': timestamp,
  };
  if (secret) headers['x-locflow-signature'] = signWebhook(secret, timestamp, body);
  return { body, headers };
}

export function createWebhookProcessor(options: { secret: string | undefined; allowPrivate: boolean; timeoutMs?: number }) {
  const agentOptions = { keepAlive: false, ...(options.allowPrivate ? {} : { lookup: safeLookup }) };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  return async (job: Job<WebhookJobData>): Promise<{ status: number }> => {
    try {
      await checkWebhookUrl(job.data.url, options.allowPrivate);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    const { body, headers } = webhookRequest(job.data, String(job.id), options.secret);
    const res = await axios.post(job.data.url, body, {
      headers: { ...headers },
      httpAgent,
      httpsAgent,
      timeout: options.timeoutMs ?? 10_000,
      maxRedirects: 0,
      validateStatus: () => true,
      transformRequest: [(d: unknown) => d],
    });
    if (res.status >= 200 && res.status < 300) return { status: res.status };
    // Redirects are never followed (the target could be a private address the URL check never saw), so retrying one cannot help either.
    if (res.status >= 300 && res.status < 400) throw new UnrecoverableError(`webhook ${job.data.url} answered HTTP ${res.status} (redirects are not followed: give the final URL)`);
    const message = `webhook ${job.data.url} answered HTTP ${res.status}`;
    // A 4xx other than timeout/rate limit will not change by retrying.
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new UnrecoverableError(message);
    throw new Error(message);
  };
}
