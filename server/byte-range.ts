/**
 * Downloads that can be resumed: a bundle over a slow newsroom link that drops
 * at 90 % should not start again from zero. One byte range per request
 * (RFC 9110 §14); a request for several ranges gets the whole file, which the
 * RFC allows and every download tool handles.
 */
import { createHash, webcrypto } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TFunction } from 'i18next';
import parseRange from 'range-parser';
import { requestLang, sendError } from './http-errors.js';

/**
 * A strong validator from the bytes themselves: a post-edit makes a new
 * revision with other bytes, so a resumed download never mixes two revisions.
 */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** The same ETag as etagOf, hashed on libuv's thread pool (Web Crypto's digest): megabytes hashed on the event loop hold every other request. */
export async function etagOfAsync(body: Buffer): Promise<string> {
  // Download bodies are never backed by shared memory (zlib's and Buffer.from's output).
  const digest = Buffer.from(await webcrypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>));
  return `"${digest.toString('base64url').slice(0, 27)}"`;
}

/** Sends `body` (headers such as content-type already set), or the one range the request asks for; `etag`, when given, must be etagOf(body). */
export function sendBytes(request: FastifyRequest, reply: FastifyReply, body: Buffer, t: TFunction, etag = etagOf(body)): FastifyReply {
  reply.header('accept-ranges', 'bytes').header('etag', etag);
  const range = request.headers.range;
  // If-Range names the copy the client holds a part of; another copy means start over.
  const ifRange = request.headers['if-range'];
  if (!range || (ifRange !== undefined && ifRange !== etag)) return reply.send(body);
  const ranges = parseRange(body.length, range, { combine: true });
  // -2: not a byte range we can read (another unit, garbage); ignoring the header is what the RFC asks.
  if (ranges === -2 || (ranges !== -1 && (ranges.type !== 'bytes' || ranges.length !== 1))) return reply.send(body);
  if (ranges === -1) {
    // The answer is an error document now, not the file the headers were set up for.
    reply.removeHeader('content-disposition');
    reply.removeHeader('etag');
    reply.header('content-type', 'application/json; charset=utf-8').header('content-range', `bytes */${body.length}`);
    return sendError(reply, 416, 'range-not-satisfiable', t('errors:range-not-satisfiable', { lng: requestLang(request), range, size: body.length }));
  }
  const { start, end } = ranges[0]!;
  return reply
    .code(206)
    .header('content-range', `bytes ${start}-${end}/${body.length}`)
    .send(body.subarray(start, end + 1));
}
