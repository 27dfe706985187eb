/** Shared test helpers: paths and running the real CLI as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';
import { InputError } from '../pipeline/errors.js';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const SAMPLE_FR = join(SHARED, 'samples', 'deepseek.fr.txt');
export const HAS_APERTIUM = existsSync('/usr/bin/apertium') && existsSync('/usr/share/apertium/modes/fr-es.mode');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `locflow …` in a child process (through bin/locflow.js, exactly as npx would). */
export function runCli(args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'locflow.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, LOCFLOW_LANG: 'en', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** A TCP port nobody listens on right now (for child servers the test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

/** Starts a real `apertium-apy` on a free port and waits until it lists its pairs. */
export async function startApy(binary: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ['-p', String(port), '/usr/share/apertium/modes'], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/listPairs`)).ok) return { url, child };
    } catch {
      // still starting
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`apertium-apy did not start on port ${port} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `fn` and returns the InputError it must throw (the test fails on anything else). */
export function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, got none');
}
