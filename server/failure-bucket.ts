/**
 * A token bucket per client address for failed authentications. Each wrong
 * token (or stale session) takes one; they come back at a steady rate. While
 * an address has none left, its requests get 429 before any token is looked
 * at, so guessing runs at the refill rate instead of hundreds a second. A
 * person who mistypes a token a few times never notices: the burst is well
 * above that, and an empty bucket refills within seconds, so nobody is
 * locked out for long.
 */
export interface FailureBucketOptions {
  /** Failures an address may make in a burst. */
  burst?: number;
  /** Failures given back per second. */
  perSecond?: number;
  /** Addresses remembered at most (the oldest are forgotten first). */
  maxAddresses?: number;
  now?: () => number;
}

export class FailureBucket {
  private readonly burst: number;
  private readonly perMs: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: FailureBucketOptions = {}) {
    this.burst = options.burst ?? 10;
    this.perMs = (options.perSecond ?? 2) / 1000;
    this.max = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private level(address: string): number {
    const b = this.buckets.get(address);
    if (!b) return this.burst;
    return Math.min(this.burst, b.tokens + (this.now() - b.at) * this.perMs);
  }

  /** False while the address has used up its failures. */
  allowed(address: string): boolean {
    return this.level(address) >= 1;
  }

  retryAfterMs(address: string): number {
    return Math.max(0, (1 - this.level(address)) / this.perMs);
  }

  fail(address: string): void {
    const tokens = Math.max(0, this.level(address) - 1);
    this.buckets.delete(address);
    this.buckets.set(address, { tokens, at: this.now() });
    // Map keeps insertion order: the first key is the address least recently failed.
    while (this.buckets.size > this.max) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
