/** `locflow providers` as a user runs it: a real process, real exit codes. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../providers/apertium/binary.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'locflow-cli-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

interface Listed {
  providers: { id: string; configured: boolean; requires?: string; pairs: string[]; health?: { ok: boolean; message: string } }[];
  configFile?: string;
}

describe('locflow providers', () => {
  it('lists every provider as JSON, says what an unconfigured one needs, and never prints a key', () => {
    const secret = 'sk-test-0123456789abcdef';
    const res = run(['providers', '--json', '--no-health'], { OPENAI_API_KEY: secret, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(res.status).toBe(0);
    expect(res.stdout).not.toContain(secret);
    const out = JSON.parse(res.stdout) as Listed;
    const byId = Object.fromEntries(out.providers.map((p) => [p.id, p]));
    expect(Object.keys(byId).sort()).toEqual(['apertium', 'azure', 'deepl', 'google', 'libretranslate', 'openai', 'pseudo']);
    expect(byId.deepl).toMatchObject({ configured: false, requires: 'DEEPL_AUTH_KEY' });
    expect(byId.openai?.configured).toBe(true);
    expect(byId.pseudo).toMatchObject({ configured: true, pairs: ['*-*'] });
    const routes = (out as Listed & { routes: { from: string; to: string; route: string | null }[] }).routes;
    expect(routes).toHaveLength(12);
    // The configured OpenAI-compatible endpoint comes before Apertium in the default order.
    expect(routes.find((r) => r.from === 'fr' && r.to === 'en')?.route).toBe('openai:fr→en');
    expect(routes.filter((r) => r.route?.startsWith('pseudo'))).toEqual([]);
  }, 60_000);

  it('prints a table with health checks', () => {
    const res = run(['providers'], {});
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^PROVIDER\s+STATUS/);
    expect(res.stdout).toMatch(/deepl\s+not configured: needs DEEPL_AUTH_KEY/);
    expect(res.stdout).toMatch(/pseudo\s+configured.*ok: built in/);
    // The count line sums up the table above it: every row, and every row that says configured.
    const rows = res.stdout.split('\n\n')[0]!.split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(5);
    expect(res.stdout).toContain(`\n${rows.filter((r) => /^\S+\s+configured/.test(r)).length} of ${rows.length} providers configured\n`);
    // Nothing serves Vietnamese without a key, and pseudo is not offered as a route.
    expect(res.stdout).toMatch(/fr→vi\s+none — configure a provider/);
    if (findExecutable('apertium') && existsSync('/usr/share/apertium/modes/fr-es.mode') && existsSync('/usr/share/apertium/modes/spa-eng.mode')) {
      expect(res.stdout).toMatch(/fr→en\s+apertium:fr→es → apertium:es→en/);
    }
  }, 60_000);

  it('reads LOCFLOW_CONFIG and reports a broken config file with exit 2 and one line', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'libretranslateUrl: http://127.0.0.1:9\n');
    const ok = run(['providers', '--json', '--no-health'], { LOCFLOW_CONFIG: good });
    expect(ok.status).toBe(0);
    const listed = JSON.parse(ok.stdout) as Listed;
    expect(listed.configFile).toBe(good);
    expect(listed.providers.find((p) => p.id === 'libretranslate')?.configured).toBe(true);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'routes:\n  fr-en: [deepl\n');
    const res = run(['providers'], { LOCFLOW_CONFIG: bad });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^locflow: LOCFLOW_CONFIG: .*bad\.yaml is not valid YAML/);
  }, 60_000);
});
