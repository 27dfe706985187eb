/**
 * A network engine that is down when the run starts could not list its
 * language pairs. The run used to say "no configured provider translates
 * fr→es" (exit 2, as if the user had asked for an impossible pair); the
 * engine being unreachable is the cause, and it is an outage: exit 1.
 */
import { createServer } from 'node:net';
import { mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('translate --provider libretranslate while LibreTranslate is down', () => {
  it('names the unreachable engine, exits 1 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-down-'));
    const article = join(dir, 'a.txt');
    writeFileSync(article, 'Le GPU de DeepSeek est rapide.\n\nLes chercheurs publient le modèle.\n');
    const port = await closedPort();
    const r = await runCli(['translate', article, '--to', 'es', '--from', 'fr', '--provider', 'libretranslate', '--out', join(dir, 'out')], {
      env: { LIBRETRANSLATE_URL: `http://127.0.0.1:${port}` },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/libretranslate.*cannot list its language pairs.*ECONNREFUSED/);
    expect(r.stderr).not.toMatch(/no configured provider translates/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('POST /v1/jobs with provider libretranslate while LibreTranslate is down', () => {
  it('answers 503 naming the unreachable engine (an outage the caller may retry), in the caller language, and queues nothing', async () => {
    const { buildServer } = await import('../../server/app.js');
    const { parseTokens } = await import('../../server/auth.js');
    const { cleanPrefix, testConfig } = await import('../queue/helpers.js');
    const port = await closedPort();
    const config = testConfig();
    const app = await buildServer({ config, logger: false, auth: parseTokens(''), env: { ...process.env, LIBRETRANSLATE_URL: `http://127.0.0.1:${port}` } });
    try {
      const payload = { text: 'Le GPU de DeepSeek est rapide.\n\nLes chercheurs publient le modèle.', sourceLang: 'fr', targets: ['es'], provider: 'libretranslate' };
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('provider-unavailable');
      expect(res.json().error.message).toMatch(/libretranslate.*ECONNREFUSED/);
      const fr = await app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { 'accept-language': 'fr' } });
      expect(fr.json().error.code).toBe('provider-unavailable');
      expect(fr.json().error.message).not.toBe(res.json().error.message);
      const list = await app.inject({ method: 'GET', url: '/v1/jobs' });
      expect(list.json().jobs).toEqual([]);
    } finally {
      await app.close();
      await cleanPrefix(config.prefix);
    }
  });
});
