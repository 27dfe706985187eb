/**
 * Results of live engine checks (health, pair listings) kept for a short
 * while and shared by every caller in the process. `GET /v1/providers` is
 * public to any submitter and the web page asks for it on every load; without
 * this each request made fresh calls to every configured engine (some of
 * which bill or rate-limit them). Callers that arrive while a check is
 * running wait for that same check (single flight) instead of starting
 * another, so N concurrent requests cost one engine call per TTL.
 */
export interface CheckResult<T> {
  value: T;
  /** When the check that produced `value` finished (ms since the epoch). */
  checkedAt: number;
}

export interface CheckCacheOptions {
  /** How long a finished check is reused (0: never reused, only shared while in flight). */
  ttlMs: number;
  now?: () => number;
  /** Keys remembered at most; the oldest are forgotten first (provider ids are few, this only bounds a bug). */
  maxKeys?: number;
}

interface Entry<T> {
  promise: Promise<CheckResult<T>>;
  /** Set once the check has finished. */
  checkedAt?: number;
}

export class CheckCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly now: () => number;
  private readonly max: number;

  constructor(private readonly options: CheckCacheOptions) {
    this.now = options.now ?? Date.now;
    this.max = options.maxKeys ?? 1000;
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /**
   * The result of `run` for `key`: reused while younger than the TTL, shared
   * while in flight, run again after. `run` should turn engine failures into
   * values (a failed health check is a result worth caching too); a thrown
   * error is passed to the waiting callers and not kept.
   */
  get<T>(key: string, run: () => Promise<T>): Promise<CheckResult<T>> {
    const found = this.entries.get(key) as Entry<T> | undefined;
    if (found && (found.checkedAt === undefined || this.now() - found.checkedAt < this.options.ttlMs)) return found.promise;
    const entry: Entry<T> = {
      promise: run().then(
        (value) => {
          entry.checkedAt = this.now();
          return { value, checkedAt: entry.checkedAt };
        },
        (err: unknown) => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
          throw err;
        },
      ),
    };
    this.entries.delete(key);
    this.entries.set(key, entry as Entry<unknown>);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return entry.promise;
  }
}
