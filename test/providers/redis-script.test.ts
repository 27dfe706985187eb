/** Scripts by digest: the source travels only when the server does not know it (shared Redis, own keys). */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisScript, runScript } from '../../providers/redis-script.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const key = `{lf-script-${randomBytes(4).toString('hex')}}:n`;
afterAll(async () => {
  await redis.del(key);
  redis.disconnect();
});

describe('runScript', () => {
  it('sends the source once (after NOSCRIPT), then only the digest', async () => {
    await redis.ping(); // connected first: the handshake's own commands are not the script's
    // A body no server has seen: the first EVALSHA must miss.
    const script = redisScript(`-- ${randomBytes(8).toString('hex')}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`);
    const sent: string[] = [];
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = ((cmd: { name: string }) => {
      sent.push(cmd.name);
      return original(cmd as never);
    }) as typeof redis.sendCommand;
    try {
      expect(await runScript(redis, script, 1, key, 2)).toBe(2);
      expect(await runScript(redis, script, 1, key, 3)).toBe(5);
    } finally {
      redis.sendCommand = original;
    }
    expect(sent.filter((n) => n.startsWith('eval'))).toEqual(['evalsha', 'eval', 'evalsha']);
  });

  it('passes on errors other than NOSCRIPT', async () => {
    const script = redisScript(`-- ${randomBytes(8).toString('hex')}\nreturn redis.error_reply('BOOM from the script')`);
    await expect(runScript(redis, script, 1, key)).rejects.toThrow(/BOOM/);
  });
});
