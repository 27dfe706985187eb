/**
 * Open event streams per caller. Each stream holds a socket and a polling
 * loop for as long as the client likes, so one token (or, in open mode, one
 * address) may hold only so many at once; the next gets 429 until one ends.
 * This is one process's count: the server shares the cap across processes
 * through Redis (shared-limits.ts) and falls back to this while Redis is away.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();
  constructor(readonly max: number) {}

  /** Takes a slot for `who`; false when all are in use. */
  take(who: string): boolean {
    const n = this.open.get(who) ?? 0;
    if (n >= this.max) return false;
    this.open.set(who, n + 1);
    return true;
  }

  give(who: string): void {
    const n = (this.open.get(who) ?? 1) - 1;
    if (n <= 0) this.open.delete(who);
    else this.open.set(who, n);
  }

  count(who: string): number {
    return this.open.get(who) ?? 0;
  }
}
