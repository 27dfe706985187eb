/**
 * PRODUCT.md: "Environment variables (a config file may set the same)". The
 * LOCFLOW_CONFIG file accepted REDIS_URL, LOCFLOW_PREFIX, LOCFLOW_TOKENS,
 * LOCFLOW_SERVER and LOCFLOW_TOKEN without complaint, but only the provider
 * settings were used: `serve`, `worker` and the client commands read the
 * environment alone. The environment still wins over the file.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'locflow-settings-'));
function configFile(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

// The variables under test must come from the file, not from the test's own environment.
const clean: NodeJS.ProcessEnv = { LOCFLOW_SERVER: '', LOCFLOW_TOKEN: '', REDIS_URL: '', LOCFLOW_PREFIX: '', LOCFLOW_TOKENS: '' };

describe('client commands take LOCFLOW_SERVER and LOCFLOW_TOKEN from the config file', () => {
  let server: Server;
  let url: string;
  const seen: { url?: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not-found","message":"no job j_cfg"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('status reaches the file’s server with the file’s token; the environment still wins', async () => {
    const file = configFile('client.yaml', `LOCFLOW_SERVER: ${url}\nlocflowToken: file-token\n`);
    const r = await runCli(['status', 'j_cfg'], { env: { ...clean, LOCFLOW_CONFIG: file } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('no job j_cfg');
    expect(seen.at(-1)?.url).toBe('/v1/jobs/j_cfg');
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer file-token');

    const r2 = await runCli(['status', 'j_cfg'], { env: { ...clean, LOCFLOW_CONFIG: file, LOCFLOW_TOKEN: 'env-token' } });
    expect(r2.code, r2.stderr).toBe(2);
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer env-token');
  }, 40_000);
});

describe('serve and worker take REDIS_URL and LOCFLOW_PREFIX from the config file', () => {
  it('serve: REDIS_URL of the file is the Redis it checks', async () => {
    const file = configFile('redis.yaml', 'REDIS_URL: redis://127.0.0.1:1\n');
    // Killed after a while: should the file be ignored again, the server would start on the real Redis and never exit.
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(ROOT, 'bin', 'locflow.js'), 'serve', '--port', '0', '--workers', '0'], { env: { ...process.env, LOCFLOW_LANG: 'en', ...clean, LOCFLOW_CONFIG: file }, timeout: 20_000 }, (err, _stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stderr }),
      );
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('redis://127.0.0.1:1');
  }, 40_000);

  it('worker: LOCFLOW_PREFIX of the file is the prefix it works under', async () => {
    const prefix = '{locflow-cfgtest}';
    const file = configFile('prefix.yaml', `LOCFLOW_PREFIX: "${prefix}"\n`);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), 'worker', '--concurrency', '1'], {
      env: { ...process.env, LOCFLOW_LANG: 'en', ...clean, LOCFLOW_CONFIG: file },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/worker ready/.test(stderr)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.on('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    const closed = new Promise((r) => child.on('close', r));
    child.kill('SIGTERM');
    await closed;
    expect(ready, stderr).toBe(true);
    expect(stderr).toContain(`prefix ${prefix}`);
  }, 40_000);
});
