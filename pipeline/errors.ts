/**
 * One error family for the whole product. `code` is stable and machine-readable
 * (it becomes `error.code` in HTTP answers and selects the translated message
 * `errors:<code>` in `locales/<lng>/errors.json`); `params` are the variable
 * parts of that message as plain values; `message` is the English sentence,
 * kept as the fallback and for logs. The pipeline never translates: the edges
 * (CLI, API) render `params` into the caller's language.
 *
 * Param conventions the renderer relies on:
 * - `context`: picks the variant `errors:<code>_<context>` when one code has
 *   several distinct sentences (i18next's context suffix);
 * - `file`: when the template does not place it, the message is prefixed `file: `;
 * - `detail`: free text from a library or a remote server, left untranslated.
 */
export interface LocflowErrorOptions {
  cause?: unknown;
  /** Values interpolated into the translated message, e.g. `{ file, limit }`. */
  params?: Record<string, unknown>;
  /** Older name for `params`; both are merged. */
  details?: Record<string, unknown>;
}

export class LocflowError extends Error {
  readonly code: string;
  /** Values interpolated into the translated message, e.g. `{ file, limit }`. */
  readonly params: Record<string, unknown>;

  constructor(code: string, message: string, options: LocflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.params = { ...options.details, ...options.params };
  }

  /** Same object as `params` (the name used before messages were translated). */
  get details(): Record<string, unknown> {
    return this.params;
  }
}

/** The caller's fault: bad file, bad option, unknown language. CLI exit 2, HTTP 4xx. */
export class InputError extends LocflowError {
  /** HTTP status to answer with; 400 unless a more precise one applies (404, 409, 413, 415, 422). */
  readonly status: number;

  constructor(code: string, message: string, options: LocflowErrorOptions & { status?: number } = {}) {
    super(code, message, options);
    this.status = options.status ?? 400;
  }
}

/** A glossary file, term or store problem. Counts as bad input when it comes from the caller. */
export class GlossaryError extends InputError {}

/** A translation engine failed. `retryable` tells workers whether backing off can help. */
export class ProviderError extends LocflowError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /** quota | auth | unsupported-pair | rate-limit | bad-response | unavailable | bad-request | timeout | too-large */
  readonly reason: ProviderFailure;
  /**
   * The route reference that failed (`openai:gpt-4o-mini`), set by the router
   * on every error a provider throws, so that fallback and circuit-breaking
   * never have to work it out from `provider` or the message.
   */
  ref: string | undefined;

  constructor(
    provider: string,
    reason: ProviderFailure,
    message: string,
    options: { cause?: unknown; status?: number; retryable?: boolean; retryAfterMs?: number; params?: Record<string, unknown>; ref?: string } = {},
  ) {
    // `detail` is the engine's own (English) explanation; the translated
    // sentence names the kind of failure around it.
    super(`provider-${reason}`, `${provider}: ${message}`, {
      cause: options.cause,
      params: { provider, status: options.status, detail: message, ...options.params },
    });
    this.provider = provider;
    this.reason = reason;
    this.status = options.status;
    this.retryable = options.retryable ?? DEFAULT_RETRYABLE[reason];
    this.retryAfterMs = options.retryAfterMs;
    this.ref = options.ref;
  }
}

export type ProviderFailure =
  | 'quota'
  | 'auth'
  | 'unsupported-pair'
  | 'rate-limit'
  | 'bad-response'
  | 'unavailable'
  | 'bad-request'
  | 'timeout'
  /** The request was too big for the engine (HTTP 413, context length): the router halves the batch. */
  | 'too-large';

const DEFAULT_RETRYABLE: Record<ProviderFailure, boolean> = {
  quota: false,
  auth: false,
  'unsupported-pair': false,
  'rate-limit': true,
  'bad-response': true,
  unavailable: true,
  'bad-request': false,
  timeout: true,
  // Not retried as is: the router splits the batch instead, and one segment still too large is final.
  'too-large': false,
};

/** Every failure reason, e.g. to recognise a ProviderError made by another copy of locflow. */
export const PROVIDER_FAILURES = Object.keys(DEFAULT_RETRYABLE) as ProviderFailure[];

/** Failures after which a route should try the next provider in its chain. */
export function shouldFallBack(err: unknown): boolean {
  if (!(err instanceof ProviderError)) return false;
  // A segment too large for one engine may fit the next one's limits.
  return ['quota', 'auth', 'unsupported-pair', 'too-large'].includes(err.reason) || err.retryable;
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}
