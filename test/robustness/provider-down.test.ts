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
