/**
 * `locflow import-xliff` as a user runs it (a child process), against a local
 * stand-in for `POST /v1/jobs/:id/xliff` that answers the way the API does.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'locflow-import-'));
const file = join(dir, 'fr-en.xlf');
const XLIFF = '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2"><file/></xliff>\n';
writeFileSync(file, XLIFF);

interface Seen {
  method?: string;
  url?: string;
  auth?: string;
  type?: string;
  body?: string;
}
const seen: Seen = {};
let server: Server;
let base = '';

function answer(req: IncomingMessage): [number, unknown] {
  if (req.url === '/v1/jobs/j_ok/xliff') return [200, { id: 'j_ok', revision: 2, lang: 'en', edited: ['p2.s1', 'p4.s1'] }];
  if (req.url === '/v1/jobs/j_same/xliff') return [200, { id: 'j_same', revision: 1, lang: 'en', edited: [] }];
  if (req.url === '/v1/jobs/j_bad/xliff') return [422, { error: { code: 'xliff-unknown-segment', message: 'the XLIFF file does not fit the job: unknown segment id "p9.s9"' } }];
  if (req.url === '/v1/jobs/j_boom/xliff') return [500, { error: { code: 'internal', message: 'boom' } }];
  return [404, { error: { code: 'job-not-found', message: 'no job j_missing' } }];
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Object.assign(seen, { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      const [status, body] = answer(req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function locflow(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, LOCFLOW_LANG: 'en', LOCFLOW_SERVER: '', LOCFLOW_TOKEN: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('locflow import-xliff', () => {
  it('posts the file with the token from the environment and prints the new revision', async () => {
    const r = await locflow(['import-xliff', 'j_ok', file], { LOCFLOW_SERVER: base, LOCFLOW_TOKEN: 'rev-secret' });
    expect(r.code).toBe(0);
    expect(seen).toEqual({ method: 'POST', url: '/v1/jobs/j_ok/xliff', auth: 'Bearer rev-secret', type: 'application/x-xliff+xml', body: XLIFF });
    expect(r.stderr).toContain('revision 2');
    expect(r.stderr).toContain('2 segments of en');
  }, 30_000);

  it('--json prints the server answer; --server and --token override the environment', async () => {
    const r = await locflow(['import-xliff', 'j_same', file, '--server', base, '--token', 'tok2', '--json'], { LOCFLOW_SERVER: 'http://127.0.0.1:9' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'j_same', revision: 1, lang: 'en', edited: [] });
    expect(seen.auth).toBe('Bearer tok2');
  }, 30_000);

  it('exits 2 with the server message on a 4xx', async () => {
    const r = await locflow(['import-xliff', 'j_bad', file, '--server', base]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['locflow: the XLIFF file does not fit the job: unknown segment id "p9.s9"']);
    const missing = await locflow(['import-xliff', 'j_missing', file, '--server', base]);
    expect(missing.code).toBe(2);
  }, 30_000);

  it('exits 1 when the server fails', async () => {
    const r = await locflow(['import-xliff', 'j_boom', file, '--server', base]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HTTP 500');
  }, 30_000);

  it('exits 2 for a missing file or a bad server URL, without a stack trace', async () => {
    const noFile = await locflow(['import-xliff', 'j_ok', join(dir, 'nope.xlf'), '--server', base]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr.trim()).toMatch(/^locflow: cannot read .*nope\.xlf: ENOENT$/);
    const badUrl = await locflow(['import-xliff', 'j_ok', file, '--server', 'ftp://example']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
