/** The example plugin (examples/provider-http-json) passes `locflow provider-test` against its local fake endpoint. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers.js';

const EXAMPLE = join(ROOT, 'examples', 'provider-http-json');

describe('examples/provider-http-json', () => {
  let fake: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    const { startFakeMt } = (await import(join(EXAMPLE, 'fake-server.mjs'))) as { startFakeMt: () => Promise<typeof fake> };
    fake = await startFakeMt();
  });
  afterAll(() => fake?.close());

  it('passes every check of locflow provider-test, typed errors included', async () => {
    const res = await runCli(['provider-test', 'examples/provider-http-json/index.mjs', '--options', JSON.stringify({ url: fake.url }), '--pair', 'fr-en', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { checks: { name: string; status: string; reason?: string }[] };
    // The kit answers the plugin's fetch() with 429/402/401 itself, so the error checks run too.
    expect(report.checks.filter((c) => c.status !== 'passed')).toEqual([]);
  }, 60_000);
});
