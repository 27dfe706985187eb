/**
 * `Idempotency-Key` on `POST /v1/jobs`: a client that retries a submission
 * (a timeout, a crash between send and answer) gets the job it made the first
 * time. The key is remembered for 24 hours per token owner, with a digest of
 * the body, in Redis under the deployment prefix; the same key with another
 * body is a client bug and is refused rather than guessed at.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../workers/redis.js';
import { InputError } from '../pipeline/errors.js';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** Printable ASCII, as the IETF draft's examples (UUIDs, random tokens); long enough for any of them. */
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export interface Remembered {
  body: string;
  id: string;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The same JSON whatever the order of its object keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function bodyDigest(body: unknown): string {
  return sha256(canonical(body));
}

/** The header's key, checked; undefined when the request has none. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !KEY_SHAPE.test(key)) {
    throw new InputError('bad-idempotency-key', 'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, for example)', { params: {} });
  }
  return key;
}

export class IdempotencyKeys {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Owners and keys are hashed: neither a token owner's name nor a caller's key is written in clear. */
  private redisKey(owner: string | undefined, key: string): string {
    return `${this.prefix}:idem:${sha256(owner ?? '')}:${sha256(key)}`;
  }

  async recall(owner: string | undefined, key: string): Promise<Remembered | undefined> {
    const raw = await this.redis.get(this.redisKey(owner, key));
    return raw ? (JSON.parse(raw) as Remembered) : undefined;
  }

  /** Remembers the first answer only; returns what is remembered (another request may have been first). */
  async remember(owner: string | undefined, key: string, value: Remembered): Promise<Remembered> {
    const k = this.redisKey(owner, key);
    const set = await this.redis.set(k, JSON.stringify(value), 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX');
    if (set === 'OK') return value;
    return (await this.recall(owner, key)) ?? value;
  }
}

export function reusedKey(key: string): InputError {
  return new InputError('idempotency-key-reused', `Idempotency-Key "${key.slice(0, 80)}" was already used with another request body; use a new key for a new submission`, {
    status: 422,
    params: { key: key.slice(0, 80) },
  });
}
