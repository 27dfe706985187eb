/**
 * The client commands (submit/status/download, glossary, import-xliff) share
 * one HTTP client: a server that is down, silent, failing or not locflow reads
 * the same, with the same exit code, whichever command met it.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerGlossary } from '../../cli/commands/glossary.js';
import { registerQueueCommands } from '../../cli/commands/queue.js';
import { getI18n } from '../../locales/i18n.js';
import { freePort, runCli } from '../helpers.js';

let server: Server;
let url: string;
const silent: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // The first path segment picks how this stand-in answers; the rest is the API path.
      const kind = req.url?.split('/')[1];
      if (kind === 'silent') return void silent.push(res);
      if (kind === 'html502') return void res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      if (kind === 'text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      if (kind === 'zip') return void res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1'));
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not-found","message":"no route"}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const xliff = (): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'locflow-api-')), 'en.xlf');
  writeFileSync(file, '<?xml version="1.0"?><xliff version="1.2"><file source-language="fr" target-language="en" datatype="plaintext" original="a"><body/></file></xliff>');
  return file;
};

const env = { LOCFLOW_TOKEN: '', LOCFLOW_SERVER: '' };

describe('the client commands read the same when the server misbehaves', () => {
  it('an unreachable server: one line, exit 2, for import-xliff as for status and glossary', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const runs = await Promise.all([['status', 'j_1'], ['glossary', 'list'], ['import-xliff', 'j_1', xliff()]].map((args) => runCli([...args, '--server', down], { env })));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^locflow: cannot reach the locflow server at ${down} \\(.*ECONNREFUSED.*\\); start it with \`locflow serve\` or set LOCFLOW_SERVER\\n$`));
    }
  });

  it('an error page from a proxy is a failing server (exit 1), not a wrong --server', async () => {
    const status = await runCli(['status', 'j_1', '--server', `${url}/html502`], { env });
    expect(status.code, status.stderr).toBe(1);
    expect(status.stderr).toBe('locflow: server answered 502: Bad Gateway\n');
    const imported = await runCli(['import-xliff', 'j_1', xliff(), '--server', `${url}/html502`], { env });
    expect(imported.code, imported.stderr).toBe(1);
    expect(imported.stderr).toBe('locflow: the locflow server failed (HTTP 502)\n');
  });

  it('a 200 that is not JSON is not the locflow API (exit 2), for import-xliff too', async () => {
    for (const args of [['status', 'j_1'], ['import-xliff', 'j_1', xliff()]]) {
      const r = await runCli([...args, '--server', `${url}/text`], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`locflow: ${url}/text answered with text/plain, not the locflow API; check --server (or LOCFLOW_SERVER)\n`);
    }
  });

  it('download --out a directory: one line, exit 2, nothing written, as glossary export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-api-'));
    const r = await runCli(['download', 'j_1', '--out', dir, '--server', `${url}/zip`], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`locflow: cannot write ${dir}: ${dir} is a directory where a file must be written; choose another --out\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a server that accepts the connection and never answers', () => {
  // In-process, so that a fake clock can stand in for the minute the commands wait.
  async function run(register: (program: Command) => void, args: string[]): Promise<{ code: typeof process.exitCode; stderr: string }> {
    // The CLI's language is read once, at the first getI18n(); child runs get LOCFLOW_LANG=en from runCli.
    process.env.LOCFLOW_LANG = 'en';
    await getI18n();
    const program = new Command('locflow').exitOverride();
    register(program);
    const stderr: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    const exitCode = process.exitCode;
    const asked = new Promise((r) => server.once('request', r));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const done = program.parseAsync(['node', 'locflow', ...args, '--server', `${url}/silent`, '--token', '']);
      await asked;
      await vi.advanceTimersByTimeAsync(60_000);
      await done;
      return { code: process.exitCode, stderr: stderr.join('') };
    } finally {
      vi.useRealTimers();
      write.mockRestore();
      process.exitCode = exitCode;
    }
  }

  it('status and glossary list give up after a minute with one line and exit 2', async () => {
    for (const [register, args] of [
      [registerQueueCommands, ['status', 'j_1']],
      [registerGlossary, ['glossary', 'list']],
    ] as const) {
      const r = await run(register, [...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`locflow: cannot reach the locflow server at ${url}/silent (no answer within 60 s); start it with \`locflow serve\` or set LOCFLOW_SERVER\n`);
    }
  });
});
