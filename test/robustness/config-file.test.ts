/**
 * LOCFLOW_CONFIG naming something that is not a settings file: a FIFO (open
 * blocks until a writer comes, so the process hung), a device such as
 * /dev/zero (read until memory ran out), or a huge file. Each is exit 2 with
 * config-unreadable at once.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'locflow-config-'));

/** runCli, but killed after a few seconds: should the bug come back, the child must not go on reading /dev/zero. */
function providers(config: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'locflow.js'), 'providers', '--no-health'], { env: { ...process.env, LOCFLOW_LANG: 'en', LOCFLOW_CONFIG: config }, timeout: 8_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stderr }),
    );
  });
}

describe('LOCFLOW_CONFIG that is not a regular file', () => {
  it.each([
    ['/dev/zero', () => '/dev/zero', 'not a regular file'],
    [
      'a FIFO',
      () => {
        const fifo = join(dir, 'config.yaml');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      'not a regular file',
    ],
    [
      'a 2 MiB file',
      () => {
        const big = join(dir, 'big.yaml');
        writeFileSync(big, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
        return big;
      },
      'larger than 1024 KiB',
    ],
  ])('%s: exit 2 at once, one line', async (_what, make, detail) => {
    const file = make();
    const r = await providers(file);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`locflow: LOCFLOW_CONFIG: cannot read ${file} (${detail})`);
  }, 15_000);
});
