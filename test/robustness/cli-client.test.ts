/**
 * The client commands pointed at something that is not the locflow API (a web
 * server's welcome page, a captive portal): a clear exit-2 line naming the
 * server, no stack trace, no file written from the wrong answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // Under /auth it plays a locflow API that wants a token.
      if (req.url?.startsWith('/auth/')) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: req.headers.authorization ? 'this token is not valid here' : 'a valid bearer token is required' } }));
      }
      // Under /csv the server plays a working glossary export.
      if (req.url?.startsWith('/csv/')) return void res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' }).end('term,lang,kind\nGPU,fr,keep\n');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function expectNotLocflow(r: { code: number; stderr: string }): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`${url} answered with text/html, not the locflow API`);
  expect(r.stderr).not.toMatch(/internal error|SyntaxError|\n\s+at /);
}

describe('glossary commands against a server that answers HTML', () => {
  it('list and approve say the server is not locflow', async () => {
    expectNotLocflow(await runCli(['glossary', 'list', '--server', url]));
    expectNotLocflow(await runCli(['glossary', 'approve', 't_1', '--server', url]));
  });

  it('export writes no file from the HTML page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-client-'));
    const out = join(dir, 'glossary.csv');
    expectNotLocflow(await runCli(['glossary', 'export', '--out', out, '--server', url]));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('queue commands against a server that answers HTML', () => {
  it('submit, status and download say the server is not locflow, and download writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-client-'));
    const article = join(dir, 'a.txt');
    writeFileSync(article, 'Les grands noms du domaine de l’intelligence artificielle reconnaissent les réalisations de DeepSeek.');
    expectNotLocflow(await runCli(['submit', article, '--to', 'en', '--server', url]));
    expectNotLocflow(await runCli(['status', 'j_1', '--server', url]));
    const out = join(dir, 'bundle.zip');
    expectNotLocflow(await runCli(['download', 'j_1', '--out', out, '--server', url]));
    expect(existsSync(out)).toBe(false);
  });

  it('import-xliff says the server is not locflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-client-'));
    const file = join(dir, 'en.xlf');
    writeFileSync(file, '<?xml version="1.0"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file source-language="fr" target-language="en" datatype="plaintext" original="a"><body/></file></xliff>');
    expectNotLocflow(await runCli(['import-xliff', 'j_1', file, '--server', url]));
  });

  it('refuses an empty job id instead of reading the job list', async () => {
    for (const cmd of ['status', 'download']) {
      const r = await runCli([cmd, ' ', ...(cmd === 'download' ? ['--out', join(tmpdir(), 'never.zip')] : []), '--server', url]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('a job id is required');
    }
  });
});

describe('glossary export --out where it cannot write', () => {
  it('refuses a directory as the output file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-client-'));
    const r = await runCli(['glossary', 'export', '--format', 'csv', '--out', dir, '--server', `${url}/csv`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`cannot write ${dir}: ${dir} is a directory where a file must be written`);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the path the user gave, not a temporary one, when the system refuses the write', async () => {
    // /proc takes no new files, even for root.
    const r = await runCli(['glossary', 'export', '--format', 'csv', '--out', '/proc/locflow-export.csv', '--server', `${url}/csv`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^locflow: cannot write \/proc\/locflow-export\.csv: E[A-Z]+; choose another --out/);
    expect(r.stderr).not.toContain('.part-');
  });

  it('writes the export when it can', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'locflow-client-')), 'new', 'g.csv');
    const r = await runCli(['glossary', 'export', '--out', out, '--server', `${url}/csv`]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('GPU,fr,keep');
  });
});

describe('a server that wants a token', () => {
  it('says where the token goes, and that the one given was refused', async () => {
    const env = { LOCFLOW_TOKEN: '' };
    const none = await runCli(['status', 'j_1', '--server', `${url}/auth`], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('server answered 401: a valid bearer token is required');
    expect(none.stderr).toContain('pass it with --token T or set LOCFLOW_TOKEN');
    const bad = await runCli(['status', 'j_1', '--server', `${url}/auth`, '--token', 'nope'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the token given (--token or LOCFLOW_TOKEN) was refused');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
