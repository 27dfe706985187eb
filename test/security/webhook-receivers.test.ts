/**
 * Issue 15 "A webhook receiver can take down a worker": a receiver answering
 * with a 100 MB body made the worker's memory climb by ~500 MB a second, and
 * one trickling a byte every 2 s held a delivery ~60 s. Here a real
 * `locflow worker` process delivers to two real receivers: one streaming
 * 100 MB (the worker's peak RSS must grow by < 100 MB) and one trickling its
 * status line (cut at the configured deadline). A watcher kills the worker
 * if its memory passes 800 MB, so the test fails without taking the machine
 * down with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { ROOT } from '../helpers.js';
import { cleanPrefix, REDIS_URL, testConfig, waitFor } from '../queue/helpers.js';

const DEADLINE_MS = 3000;
const HUNDRED_MB = 100 * 1024 * 1024;
const RSS_KILL_KB = 800 * 1024;

const config = testConfig({}, { LOCFLOW_WEBHOOK_ALLOW_PRIVATE: '1' });
let app: FastifyInstance;
let worker: ChildProcess;
let watcher: NodeJS.Timeout;
let killedForMemory = false;
const servers: (Server | TcpServer)[] = [];

/** VmRSS or VmHWM (peak) of a process, in kB. */
function memKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function listen<S extends Server | TcpServer>(server: S): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

let n = 0;
async function submitWith(webhookUrl: string): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: `Le modèle numéro ${++n} est ouvert à tous.`, sourceLang: 'fr', targets: ['en'], provider: 'pseudo', webhookUrl } });
  expect(r.statusCode, r.body).toBe(202);
  return r.json().id as string;
}

async function webhookOf(id: string, what: 'delivered' | 'failures') {
  return waitFor(
    async () => {
      if (killedForMemory) throw new Error('the worker passed 800 MB and was killed');
      const w = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().webhook;
      return what === 'delivered' ? w?.delivered : w?.failures?.length ? w.failures : undefined;
    },
    `webhook ${what} on ${id}`,
    60_000,
    100,
  );
}

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens('') });
  worker = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), 'worker', '--concurrency', '1'], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL,
      LOCFLOW_PREFIX: config.prefix,
      LOCFLOW_LANG: 'en',
      LOCFLOW_WEBHOOK_ALLOW_PRIVATE: '1',
      LOCFLOW_WEBHOOK_TIMEOUT_MS: String(DEADLINE_MS),
      LOCFLOW_WEBHOOK_ATTEMPTS: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(async () => (/worker ready/.test(stderr) ? true : undefined), `the worker to start (${stderr})`, 60_000);
  watcher = setInterval(() => {
    try {
      if (memKb(worker.pid!, 'VmRSS') > RSS_KILL_KB) {
        killedForMemory = true;
        worker.kill('SIGKILL');
      }
    } catch {
      // The process is gone.
    }
  }, 50);
}, 90_000);

afterAll(async () => {
  clearInterval(watcher);
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    s.close();
  }
  await app?.close();
  await cleanPrefix(config.prefix);
});

describe('hostile webhook receivers against a real worker process', () => {
  it('a receiver streaming 100 MB: the worker reads a few KiB, closes, and its peak memory grows < 100 MB', async () => {
    // Warm up with a well-behaved receiver so that the baseline includes the code paths of a delivery.
    const okPort = await listen(createHttpServer((req, res) => req.resume().on('end', () => res.end('ok'))));
    await webhookOf(await submitWith(`http://127.0.0.1:${okPort}/hook`), 'delivered');
    const before = memKb(worker.pid!, 'VmHWM');

    let sent = 0;
    let closedAt = 0;
    const bigPort = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(HUNDRED_MB) });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        res.on('close', () => (closedAt = Date.now()));
        const pump = () => {
          while (sent < HUNDRED_MB && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end();
        };
        pump();
      }),
    );
    const id = await submitWith(`http://127.0.0.1:${bigPort}/hook`);
    const delivered = await webhookOf(id, 'delivered');
    expect(delivered).toMatchObject({ event: 'job.completed', status: 200 });
    await waitFor(async () => (closedAt ? true : undefined), 'the receiver to see its connection closed', 10_000);
    const growthMb = (memKb(worker.pid!, 'VmHWM') - before) / 1024;
    console.log(`100 MB receiver: worker peak RSS grew by ${growthMb.toFixed(1)} MB; the receiver got ${(sent / 1024 / 1024).toFixed(1)} MB out before the close`);
    expect(killedForMemory).toBe(false);
    expect(growthMb).toBeLessThan(100);
    expect(sent).toBeLessThan(HUNDRED_MB / 4);
  }, 90_000);

  it('a receiver trickling one byte every 2 s is cut at the deadline, and the failure shows on the job', async () => {
    let openedAt = 0;
    let cutAfterMs = 0;
    const tricklePort = await listen(
      createTcpServer((socket) => {
        openedAt = Date.now();
        const line = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        let i = 0;
        const timer = setInterval(() => {
          if (i < line.length && !socket.destroyed) socket.write(line.subarray(i, ++i));
        }, 2000);
        socket.on('data', () => {});
        socket.on('error', () => {});
        socket.on('close', () => {
          clearInterval(timer);
          cutAfterMs = Date.now() - openedAt;
        });
      }),
    );
    const id = await submitWith(`http://127.0.0.1:${tricklePort}/hook`);
    const failures = await webhookOf(id, 'failures');
    expect(failures[0]).toMatchObject({ event: 'job.completed', attempt: 1, final: true });
    expect(failures[0].error).toMatch(new RegExp(`did not answer within ${DEADLINE_MS} ms`));
    await waitFor(async () => (cutAfterMs ? true : undefined), 'the trickling connection to be closed', 30_000);
    console.log(`trickling receiver: connection cut after ${cutAfterMs} ms (deadline ${DEADLINE_MS} ms)`);
    expect(cutAfterMs).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(cutAfterMs).toBeLessThan(DEADLINE_MS + 2000);
  }, 90_000);
});
