/**
 * An operator's typo in the environment stops `serve` and `worker` at once
 * with exit 2 and one line naming the variable, instead of a stack trace
 * ("internal error (please report)") or a silently ignored setting.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers.js';

const env = { LOCFLOW_PREFIX: '{lftest-config-env}', LOCFLOW_TOKENS: '' };

function expectOneLine(r: { code: number; stderr: string }, line: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim()).toBe(`locflow: ${line}`);
}

describe('REDIS_URL that is not a URL', () => {
  it.each(['not a url', 'redis://:99999999', 'redis://user:secret@[::1'])('%j: exit 2, one line, the password not echoed', async (url) => {
    for (const args of [['serve', '--port', '0', '--workers', '0'], ['worker']]) {
      const r = await runCli(args, { env: { ...env, REDIS_URL: url } });
      expectOneLine(r, 'REDIS_URL is not a Redis URL (Invalid URL); use e.g. redis://127.0.0.1:6379');
      expect(r.stderr).not.toContain('secret');
    }
  });
});

describe('LOCFLOW_BODY_LIMIT that is not a size', () => {
  it.each(['abc', '-5', '0', '1.5'])('%j: exit 2 naming the variable, not the 2 MiB default', async (value) => {
    const r = await runCli(['serve', '--port', '0', '--workers', '0'], { env: { ...env, LOCFLOW_BODY_LIMIT: value } });
    expectOneLine(r, `LOCFLOW_BODY_LIMIT must be a number ≥ 1, not "${value}"`);
  });
});

describe('LOCFLOW_LOG_LEVEL that is not a level', () => {
  it('exit 2 naming the levels, instead of a stack trace from a process that never exits', { timeout: 15_000 }, async () => {
    // Killed after a while: should the bug come back, the server it starts must not outlive the test.
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const args = [join(ROOT, 'bin', 'locflow.js'), 'serve', '--port', '0', '--workers', '0'];
      execFile(process.execPath, args, { env: { ...process.env, ...env, LOCFLOW_LANG: 'en', LOCFLOW_LOG_LEVEL: 'loud' }, timeout: 10_000 }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stderr }),
      );
    });
    expectOneLine(r, 'LOCFLOW_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"');
  });
});

describe('PORT that is not a port number', () => {
  it.each(['abc', '-1'])('%j: exit 2 naming the variable, instead of listening on 3000', { timeout: 15_000 }, async (value) => {
    // Killed after a while: should the bug come back, the server it starts must not outlive the test.
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const args = [join(ROOT, 'bin', 'locflow.js'), 'serve', '--workers', '0'];
      execFile(process.execPath, args, { env: { ...process.env, ...env, LOCFLOW_LANG: 'en', PORT: value }, timeout: 10_000 }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stderr }),
      );
    });
    expectOneLine(r, `PORT must be a number ≥ 0, not "${value}"`);
  });
});
