/** Shared test helpers: paths and running the real CLI as a user would. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
