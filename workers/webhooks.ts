/**
 * Webhook delivery: a POST with a JSON body when an article completes or
 * fails, signed with HMAC-SHA256, retried with backoff through a queue of its
 * own so a receiver that is down for an hour still gets the call.
 *
 * A receiver is whatever the submitter named, so it is treated as hostile:
 * - each attempt has one deadline for everything (connect, headers, body,
 *   LOCFLOW_WEBHOOK_TIMEOUT_MS), so trickling a byte now and then gains it
 *   nothing; the socket is destroyed when the deadline passes;
 * - at most MAX_REPLY_BYTES of its reply are read (for the failure message),
 *   the rest is never buffered: the connection is closed instead;
 * - deliveries run in a worker of their own with its own Redis connection and
 *   LOCFLOW_WEBHOOK_CONCURRENCY slots, apart from translation.
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
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { InputError } from '../pipeline/errors.js';
import { toView, type JobRecord, type JobView } from './store.js';
import { BACKOFF_TYPE } from './queues.js';

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

/** The 16 bytes of an IPv6 address (any spelling Node accepts), or undefined. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.split('%')[0]!.toLowerCase();
  const tail: number[] = [];
  // A trailing dotted quad stands for the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    tail.push(...dotted.slice(1, 5).map(Number));
    text = text.slice(0, dotted.index) + '0:0';
  }
  const [head, rest] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const groups = (g: string) => (g ? g.split(':').map((h) => parseInt(h, 16)) : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (all.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

const v4 = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const zero = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

/**
 * The IPv4 address an IPv6 address leads to, for the forms that carry one:
 * IPv4-mapped `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, IPv4-compatible
 * `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` (RFC 6052) and 6to4 `2002:AABB:CCDD::`
 * (RFC 3056). Teredo (2001:0::/32) hides the client address (inverted) and
 * names a relay: both are returned, and either being private refuses it.
 */
export function embeddedIpv4(b: Uint8Array): string[] {
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return [v4(b, 12)];
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12)) return [v4(b, 12)];
  if (zero(b, 0, 12)) return [v4(b, 12)];
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(b, 4, 12)) return [v4(b, 12)];
  if (b[0] === 0x20 && b[1] === 0x02) return [v4(b, 2)];
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) {
    const client = b.subarray(12, 16).map((x) => x ^ 0xff);
    return [v4(b, 4), `${client[0]}.${client[1]}.${client[2]}.${client[3]}`];
  }
  return [];
}

/** True for addresses a webhook must not reach without LOCFLOW_WEBHOOK_ALLOW_PRIVATE. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const bytes = ipv6Bytes(address);
    if (!bytes) return true;
    // An address that carries an IPv4 address reaches that one (through a relay or translator): judge it, as well as the IPv6 ranges.
    const inner = embeddedIpv4(bytes);
    if (inner.some((a) => blocked.check(a, 'ipv4'))) return true;
    if (inner.length > 0 && (zero(bytes, 0, 12) || (zero(bytes, 0, 10) && bytes[10] === 0xff))) return false;
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

/** Events a receiver can get; the `job.` prefix keeps room for glossary events later. */
export type WebhookEvent = 'job.completed' | 'job.failed' | 'job.cancelled' | 'job.revised' | 'job.approved';

export interface WebhookJobData {
  url: string;
  event: WebhookEvent;
  job: JobView;
  /** Fields of the event besides the job (e.g. `bundleUrl`, `revision`, `lang`), sent at the top level of the body. */
  extra?: Record<string, unknown>;
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
  const body = JSON.stringify({ ...data.extra, event: data.event, job: data.job });
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

/** How settings reach the queueing side (API or worker). */
export interface WebhookQueueSettings {
  webhookAttempts: number;
  retryBaseMs: number;
  keepCompleted: number;
  keepFailed: number;
  /** Base of `bundleUrl` in every payload. */
  publicUrl: string;
}

/**
 * The one way to announce an event: queues a delivery to the job's webhook
 * URL, if it has one. Idempotent per event and revision (a retried worker
 * that gets here twice queues one delivery). Callable from workers and from
 * API routes (cancel, approve, revise) alike.
 */
export async function deliver(
  queue: Queue<WebhookJobData>,
  settings: WebhookQueueSettings,
  event: WebhookEvent,
  rec: JobRecord,
  extra?: Record<string, unknown>,
): Promise<boolean> {
  const url = rec.meta.webhookUrl;
  if (!url) return false;
  await queue.add(
    'deliver',
    // Every event carries where the job's current bundle is: the receiver fetches it with its own token.
    { url, event, job: toView(rec), extra: { bundleUrl: `${settings.publicUrl}/v1/jobs/${encodeURIComponent(rec.meta.id)}/bundle`, ...extra } },
    {
      jobId: `${rec.meta.id}-${event.replace('.', '-')}-${rec.revision ?? 0}`,
      attempts: settings.webhookAttempts,
      backoff: { type: BACKOFF_TYPE, delay: settings.retryBaseMs },
      removeOnComplete: { count: settings.keepCompleted },
      removeOnFail: { count: settings.keepFailed },
    },
  );
  return true;
}

/** What of a receiver's reply is read: enough for an error message, never a body's worth. */
export const MAX_REPLY_BYTES = 4096;
/** Default deadline of one attempt, connect to last byte read. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookReply {
  status: number;
  /** At most MAX_REPLY_BYTES of the body, as text. */
  text: string;
}

/**
 * One POST with a hard deadline for the whole exchange. The reply is read up
 * to `maxReplyBytes` (or its end), then the socket is destroyed: nothing a
 * receiver sends can make this hold more than that in memory or take longer
 * than `deadlineMs`.
 */
export function postOnce(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { deadlineMs: number; maxReplyBytes?: number; lookup?: typeof dnsLookup },
): Promise<WebhookReply> {
  const max = options.maxReplyBytes ?? MAX_REPLY_BYTES;
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    let status = 0;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (err) reject(err);
      else resolve({ status, text: Buffer.concat(chunks).toString('utf8') });
    };
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.on('data', (chunk: Buffer) => {
          if (size < max) chunks.push(chunk.subarray(0, max - size));
          size += chunk.length;
          // Enough read: the rest is not wanted, and reading it is what a hostile receiver would like.
          if (size >= max) finish();
        });
        res.on('end', () => finish());
        res.on('error', (err) => finish(status ? undefined : err));
      },
    );
    // A deadline that has passed with the status known still tells the outcome; without one it is a timeout.
    const timer = setTimeout(() => {
      if (status) finish();
      else finish(Object.assign(new Error(`no answer within ${options.deadlineMs} ms`), { code: 'ETIMEDOUT' }));
    }, options.deadlineMs);
    req.on('error', (err) => finish(err));
    req.end(body);
  });
}

export function createWebhookProcessor(options: { secret: string | undefined; allowPrivate: boolean; timeoutMs?: number; maxReplyBytes?: number }) {
  const deadlineMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  return async (job: Job<WebhookJobData>): Promise<{ status: number }> => {
    let url: URL;
    try {
      url = await checkWebhookUrl(job.data.url, options.allowPrivate);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    const { body, headers } = webhookRequest(job.data, String(job.id), options.secret);
    let res: WebhookReply;
    try {
      res = await postOnce(url, body, { ...headers }, { deadlineMs, ...(options.maxReplyBytes ? { maxReplyBytes: options.maxReplyBytes } : {}), ...(options.allowPrivate ? {} : { lookup: safeLookup }) });
    } catch (err) {
      if (err instanceof InputError) throw new UnrecoverableError(err.message);
      const code = (err as { code?: string }).code;
      throw new Error(`webhook ${job.data.url} ${code === 'ETIMEDOUT' ? `did not answer within ${deadlineMs} ms` : `could not be reached (${code ?? (err as Error).message})`}`);
    }
    if (res.status >= 200 && res.status < 300) return { status: res.status };
    // Redirects are never followed (the target could be a private address the URL check never saw), so retrying one cannot help either.
    if (res.status >= 300 && res.status < 400) throw new UnrecoverableError(`webhook ${job.data.url} answered HTTP ${res.status} (redirects are not followed: give the final URL)`);
    const message = `webhook ${job.data.url} answered HTTP ${res.status}`;
    // A 4xx other than timeout/rate limit will not change by retrying.
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new UnrecoverableError(message);
    throw new Error(message);
  };
}
