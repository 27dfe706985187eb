/**
 * `Idempotency-Key` on `POST /v1/jobs`: a client that retries a submission
 * (a timeout, a crash between send and answer) gets the job it made the first
 * time. The key is remembered for 24 hours per token owner, with a digest of
 * the body, in Redis under the deployment prefix; the same key with another
 * body is a client bug and is refused rather than guessed at.
 *
 * The key is reserved (SET NX, a pending marker) before the submission runs,
 * and the marker is replaced by the result afterwards. A second request with
 * the same key while the first is still running is answered 409
 * `idempotency-key-in-flight` with Retry-After, as payment APIs and the IETF
 * Idempotency-Key draft do, instead of running the submission twice; a failed
 * submission frees the key.
 */
import { createHash, randomBytes } from 'node:crypto';
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

/** How long a reservation holds the key while its submission runs; a server that dies mid-submission frees the key after this. */
export const IDEMPOTENCY_PENDING_SECONDS = 120;
/** What a client that meets a key in flight is told to wait before retrying. */
export const IN_FLIGHT_RETRY_AFTER_S = 1;

/** What a key holds in Redis: a finished submission, or a reservation while one runs. */
type Stored = Remembered | { pending: string; body: string };

/** The outcome of {@link IdempotencyKeys.reserve}. */
export type Reservation =
  | { kind: 'reserved'; token: string }
  | { kind: 'done'; remembered: Remembered }
  | { kind: 'in-flight'; body: string };

/** Replaces the value only while it is still this reservation's marker (or gone: the reservation expired and no one took the key). */
const COMPLETE = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or not v then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return ARGV[2] end
return v`;
/** Frees the key only while it still holds this reservation's marker. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

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
    if (!raw) return undefined;
    const v = JSON.parse(raw) as Stored;
    return 'pending' in v ? undefined : v;
  }

  /**
   * Takes the key before anything is submitted, in one SET NX: of two
   * requests that arrive together exactly one gets `reserved`; the other
   * sees the reservation (`in-flight`) or, once it is done, the first job.
   */
  async reserve(owner: string | undefined, key: string, body: string): Promise<Reservation> {
    const k = this.redisKey(owner, key);
    const token = randomBytes(12).toString('hex');
    for (let attempt = 0; attempt < 3; attempt++) {
      const set = await this.redis.set(k, JSON.stringify({ pending: token, body }), 'EX', IDEMPOTENCY_PENDING_SECONDS, 'NX');
      if (set === 'OK') return { kind: 'reserved', token };
      const raw = await this.redis.get(k);
      // Released or expired between the SET and the GET: try to take it again.
      if (!raw) continue;
      const v = JSON.parse(raw) as Stored;
      return 'pending' in v ? { kind: 'in-flight', body: v.body } : { kind: 'done', remembered: v };
    }
    return { kind: 'in-flight', body };
  }

  /** Replaces the reservation with the submission's result for 24 h; returns what the key holds afterwards. */
  async complete(owner: string | undefined, key: string, token: string, value: Remembered): Promise<Remembered> {
    const marker = JSON.stringify({ pending: token, body: value.body });
    const raw = String(await this.redis.eval(COMPLETE, 1, this.redisKey(owner, key), marker, JSON.stringify(value), String(IDEMPOTENCY_TTL_SECONDS)));
    const v = JSON.parse(raw) as Stored;
    // Only when the reservation expired during a very slow submission and another request took the key.
    return 'pending' in v ? value : v;
  }

  /** A submission that failed frees its key, so that the client's retry is a new attempt and not a 409. */
  async release(owner: string | undefined, key: string, token: string, body: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.redisKey(owner, key), JSON.stringify({ pending: token, body }));
  }
}

export function inFlightKey(key: string): InputError {
  return new InputError('idempotency-key-in-flight', `a request with Idempotency-Key "${key.slice(0, 80)}" is still being processed; retry in a moment to get its result`, {
    status: 409,
    params: { key: key.slice(0, 80) },
  });
}

export function reusedKey(key: string): InputError {
  return new InputError('idempotency-key-reused', `Idempotency-Key "${key.slice(0, 80)}" was already used with another request body; use a new key for a new submission`, {
    status: 422,
    params: { key: key.slice(0, 80) },
  });
}
