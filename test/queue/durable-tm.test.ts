import { describe, expect, it } from 'vitest';
import type { TmEntry, TmKey } from '../../pipeline/model.js';
import { createMemoryTm } from '../../providers/index.js';
import { durableTm } from '../../workers/durable-tm.js';
import { replicaWaiter, type RedisClient } from '../../workers/redis.js';

const key: TmKey = { source: 'Bonjour.', from: 'fr', to: 'en', glossaryVersion: 'g1', routeId: 'deepl' };
const entry: TmEntry = { text: 'Hello.', provider: 'deepl', human: false, at: '2026-12-08T00:00:00Z' };

/** A memory that counts its writes, and a WAIT whose answers the test scripts. */
function setup(answers: (number | undefined | Error)[]) {
  const inner = createMemoryTm();
  let writes = 0;
  let waits = 0;
  const warnings: string[] = [];
  const tm = durableTm(
    { lookup: (k) => inner.lookup(k), store: async (e) => (writes++, inner.store(e)) },
    {
      waitForReplica: async () => {
        const a = answers[Math.min(waits++, answers.length - 1)];
        if (a instanceof Error) throw a;
        return a;
      },
      onUnreplicated: (d) => warnings.push(d),
    },
  );
  return { tm, inner, counts: () => ({ writes, waits }), warnings };
}

describe('durableTm: a batch is held by a replica before it goes on', () => {
  it('writes once when there is no replica to wait for, or one acknowledged', async () => {
    for (const answer of [undefined, 1, 2]) {
      const s = setup([answer]);
      await s.tm.store([{ key, entry }]);
      expect(s.counts()).toEqual({ writes: 1, waits: 1 });
      expect(s.warnings).toEqual([]);
      expect((await s.tm.lookup([key]))[0]?.text).toBe('Hello.');
    }
  });

  it('writes again after a WAIT that failed (the master died under it) or timed out, until a replica holds it', async () => {
    const s = setup([new Error('Connection is closed.'), 0, 1]);
    await s.tm.store([{ key, entry }]);
    expect(s.counts()).toEqual({ writes: 3, waits: 3 });
    expect(s.warnings).toEqual([]);
  });

  it('goes on with a warning after three unconfirmed writes (the bought translation is not thrown away)', async () => {
    const s = setup([0]);
    await s.tm.store([{ key, entry }]);
    expect(s.counts()).toEqual({ writes: 3, waits: 3 });
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/not confirmed by a replica after 3 writes: no replica acknowledged/);
  });

  it('does not wait for an empty batch', async () => {
    const s = setup([1]);
    await s.tm.store([]);
    expect(s.counts()).toEqual({ writes: 0, waits: 0 });
  });
});

describe('replicaWaiter: WAIT 1 only when the master has replicas', () => {
  /** A stand-in for a plain client: INFO says how many replicas, WAIT answers what the test says. */
  function fakeClient(replicas: number[], acks: number[]) {
    const calls = { info: 0, wait: 0 };
    const client = {
      info: async () => `# Replication\r\nrole:master\r\nconnected_slaves:${replicas[Math.min(calls.info++, replicas.length - 1)]}\r\n`,
      wait: async () => acks[Math.min(calls.wait++, acks.length - 1)]!,
    };
    return { client: client as unknown as RedisClient, calls };
  }

  it('waits when there are replicas, reads INFO once per 10 s, and asks again after a WAIT nobody answered', async () => {
    let now = 0;
    const { client, calls } = fakeClient([1, 0], [1, 1, 0]);
    const wait = replicaWaiter(client, '{x}:job', 500, () => now);
    expect(await wait()).toBe(1);
    expect(await wait()).toBe(1);
    expect(calls).toEqual({ info: 1, wait: 2 });
    // A failover: the new master has no replica, the first WAIT times out with 0 …
    expect(await wait()).toBe(0);
    // … and the next call reads INFO again instead of trusting the old count for 10 s.
    expect(await wait()).toBeUndefined();
    expect(calls).toEqual({ info: 2, wait: 3 });
    now = 20_000;
    expect(await wait()).toBeUndefined();
    expect(calls.info).toBe(3);
  });

  it('does nothing when waiting is turned off', async () => {
    const { client, calls } = fakeClient([1], [1]);
    expect(await replicaWaiter(client, '{x}:job', 0)()).toBeUndefined();
    expect(calls).toEqual({ info: 0, wait: 0 });
  });
});
