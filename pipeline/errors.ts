/**
 * One error family for the whole product. `code` is stable and machine-readable
 * (it becomes `error.code` in HTTP answers and selects the translated message in
 * `locales/<lng>/errors.json`); `message` is an English sentence with context.
 */
export class LocflowError extends Error {
  readonly code: string;
  /** Values interpolated into the translated message, e.g. `{ file, limit }`. */
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** The caller's fault: bad file, bad option, unknown language. CLI exit 2, HTTP 4xx. */
export class InputError extends LocflowError {
  /** HTTP status to answer with; 400 unless a more precise one applies (404, 409, 413, 415, 422). */
  readonly status: number;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown>; status?: number } = {}) {
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
  /** quota | auth | unsupported-pair | rate-limit | bad-response | unavailable | bad-request | timeout */
  readonly reason: ProviderFailure;

  constructor(
    provider: string,
    reason: ProviderFailure,
    message: string,
    options: { cause?: unknown; status?: number; retryable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(`provider-${reason}`, `${provider}: ${message}`, { cause: options.cause, details: { provider, status: options.status } });
    this.provider = provider;
    this.reason = reason;
    this.status = options.status;
    this.retryable = options.retryable ?? DEFAULT_RETRYABLE[reason];
    this.retryAfterMs = options.retryAfterMs;
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
  | 'timeout';

const DEFAULT_RETRYABLE: Record<ProviderFailure, boolean> = {
  quota: false,
  auth: false,
  'unsupported-pair': false,
  'rate-limit': true,
  'bad-response': true,
  unavailable: true,
  'bad-request': false,
  timeout: true,
};

/** Failures after which a route should try the next provider in its chain. */
export function shouldFallBack(err: unknown): boolean {
  if (!(err instanceof ProviderError)) return false;
  return ['quota', 'auth', 'unsupported-pair'].includes(err.reason) || err.retryable;
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}
