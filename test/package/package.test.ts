/**
 * locflow as an npm package: `npm pack` (which builds dist/ on prepack), then
 * `npm i <tarball>` in a fresh folder, and everything a user does from there —
 * plain Node importing `locflow` and `locflow/provider`, a TypeScript file
 * type-checked under `moduleResolution: nodenext` (and a wrong option refused),
 * and the `locflow` command, `serve` included. One pack and one install serve
 * every case: building and installing take a minute or two on a loaded machine.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing from this checkout's own settings leaks into the installed package. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LOCFLOW_') && !k.startsWith('npm_')) env[k] = v;
  return { ...env, LOCFLOW_LANG: 'en', ...extra };
}

function run(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

const dir = mkdtempSync(join(tmpdir(), 'locflow-package-'));
const app = join(dir, 'app');
let packed: string[] = [];

beforeAll(async () => {
  const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: cleanEnv() });
  expect(pack.code, pack.stderr.slice(-2000)).toBe(0);
  // prepack prints the build's lines on stdout before the JSON report.
  const report = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
  packed = report[0]!.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'locflow-user', private: true, type: 'module' }));
  const install = await run('npm', ['i', join(dir, report[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
  expect(install.code, install.stderr.slice(-2000)).toBe(0);
}, 400_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack', () => {
  it('packs compiled JavaScript, .d.ts files and the data the code reads, and no sources, tests, fixtures or benchmarks', () => {
    for (const f of ['package.json', 'bin/locflow.js', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/providers/public.js', 'dist/providers/public.d.ts', 'dist/cli/main.js', 'dist/locales/vi/cli.json', 'dist/glossary/tech.yaml', 'dist/pipeline/detect/model.bin', 'dist/server/web/dist/app.js', 'dist/server/web/client/style.css']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => /^(test|bench|samples|scripts|examples|docs)\//.test(f) || /\.test\.|fixture/.test(f))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(packed.length).toBeLessThan(500);
  });
});

describe('the installed package', () => {
  it('imports from plain Node: translate() with the pseudo provider, and locflow/provider with runConformance', async () => {
    writeFileSync(
      join(app, 'use.mjs'),
      `import { translate } from 'locflow';
import { runConformance, CONFORMANCE_CHECKS, ProviderError, PROVIDER_CONTRACT_VERSION } from 'locflow/provider';
const bundle = await translate('Le logiciel libre progresse dans les rédactions. Les journalistes testent de nouveaux outils.', { to: ['en'], from: 'fr', provider: 'pseudo' });
// An engine that echoes its input: the kit must pass it on every check it can run without fetch().
const echo = {
  id: 'echo', contractVersion: PROVIDER_CONTRACT_VERSION, configured: true, glossary: 'mask', limits: { maxTexts: 10, maxChars: 2000 },
  async pairs() { return [{ from: 'fr', to: 'en' }]; },
  async translate({ segments, signal }) { signal?.throwIfAborted(); return { texts: segments.map((s) => s.text), billedChars: segments.reduce((n, s) => n + s.text.length, 0) }; },
  async health() { return { ok: true, message: 'echo' }; },
};
const report = await runConformance(echo, { pair: { from: 'fr', to: 'en' } });
console.log(JSON.stringify({
  resolved: import.meta.resolve('locflow'),
  languages: bundle.aligned.languages,
  en: bundle.aligned.segments.map((s) => s.text.en),
  files: Object.keys(bundle.files),
  manifest: bundle.manifest,
  zip: [...(await bundle.toZip()).slice(0, 2)],
  checks: CONFORMANCE_CHECKS.length,
  report: report.checks.map((c) => c.name + ':' + c.status),
  providerError: new ProviderError('echo', 'quota', 'spent').reason,
}));
`,
    );
    const res = await run(process.execPath, ['use.mjs'], { cwd: app });
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { resolved: string; languages: string[]; en: string[]; files: string[]; manifest: { targets: { lang: string; pseudo?: boolean }[] }; zip: number[]; checks: number; report: string[]; providerError: string };
    expect(out.resolved).toBe(`file://${app}/node_modules/locflow/dist/lib/index.js`);
    expect(out.languages).toEqual(['fr', 'en']);
    expect(out.en).toHaveLength(2);
    // Pseudo-localised: accented look-alikes of the French words, never the French text itself.
    expect(out.en[0]).toMatch(/ļóĝíçíéļ/);
    expect(out.files).toEqual(expect.arrayContaining(['manifest.json', 'aligned.json', 'documents/en.txt', 'xliff/fr-en.xlf', 'bundle.tmx']));
    expect(JSON.stringify(out.manifest.targets)).toContain('pseudo');
    expect(out.zip).toEqual([0x50, 0x4b]);
    expect(out.checks).toBeGreaterThan(10);
    expect(out.report.filter((r) => r.endsWith(':failed'))).toEqual([]);
    expect(out.report).toContain('placeholders:passed');
    expect(out.providerError).toBe('quota');
  }, 60_000);

  it('type-checks a TypeScript user under moduleResolution nodenext, and refuses a wrong option type', async () => {
    writeFileSync(
      join(app, 'ok.ts'),
      `import { translate, type Bundle, type TranslateOptions } from 'locflow';
import { runConformance, ProviderError, PROVIDER_CONTRACT_VERSION, type ConformanceReport, type TranslationProvider } from 'locflow/provider';
const options: TranslateOptions = { to: ['en'], from: 'fr', format: 'markdown', provider: 'pseudo' };
const bundle: Bundle = await translate('Bonjour.', options);
const langs: string[] = bundle.aligned.languages;
const zip: Uint8Array = await bundle.toZip();
const version: Pick<TranslationProvider, 'contractVersion'> = { contractVersion: PROVIDER_CONTRACT_VERSION };
const check: (p: TranslationProvider) => Promise<ConformanceReport> = (p) => runConformance(p, { pair: { from: 'fr', to: 'en' } });
console.log(langs, zip.length, version, check, new ProviderError('x', 'rate-limit', 'slow', { retryAfterMs: 1000 }).retryAfterMs);
`,
    );
    writeFileSync(join(app, 'wrong.ts'), `import { translate } from 'locflow';\nawait translate('Bonjour.', { to: 'en' });\n`);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          // The package's own .d.ts files are checked too.
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['ok.ts', 'wrong.ts'],
      }),
    );
    // One tsc run for both files (a cold tsc costs tens of seconds here): every error it reports must be wrong.ts's.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const res = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: app });
    expect(res.code).not.toBe(0);
    const errors = res.stdout.trim().split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors, res.stdout).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(2,31\): error TS2322: Type 'string' is not assignable to type 'string\[\]'/);
  }, 180_000);

  it('runs the locflow command: --help, translate from stdin into a zip, messages in the user\'s language', async () => {
    const help = await run('npx', ['--no', '--', 'locflow', '--help'], { cwd: app });
    expect(help.code, help.stderr).toBe(0);
    for (const cmd of ['translate', 'serve', 'worker', 'provider-test']) expect(help.stdout).toContain(cmd);

    // The command npm linked into node_modules/.bin (what npx runs), called directly: npx itself costs seconds per start here.
    const locflow = join(app, 'node_modules', '.bin', 'locflow');
    const t = await run(locflow, ['translate', '-', '--to', 'en', '--provider', 'pseudo', '--out', 'out.zip', '--json'], {
      cwd: app,
      input: 'Le logiciel libre progresse dans les rédactions. DeepSeek publie un modèle en open source.\n',
    });
    expect(t.code, t.stderr).toBe(0);
    const files = unzipSync(readFileSync(join(app, 'out.zip')));
    const aligned = JSON.parse(new TextDecoder().decode(files['aligned.json'])) as { segments: { text: Record<string, string> }[] };
    expect(aligned.segments.map((s) => s.text.en).join(' ')).toMatch(/ļóĝíçíéļ/);
    // The seed glossary shipped in the package: DeepSeek is a keep term and stays as it is.
    expect(aligned.segments.map((s) => s.text.en).join(' ')).toContain('DeepSeek');

    // The locales shipped in the package: a French user reads French.
    const fr = await run(locflow, ['translate', 'missing.txt', '--to', 'en', '--out', 'never'], { cwd: app, env: cleanEnv({ LOCFLOW_LANG: 'fr' }) });
    expect(fr.code).toBe(2);
    expect(fr.stderr).toMatch(/missing\.txt/);
    expect(fr.stderr).toMatch(/n'existe pas|introuvable|impossible/);
  }, 60_000);

  it('serves the API and the web page (its prebuilt client bundle) from the installed package', async () => {
    const config = testConfig();
    const bin = join(app, 'node_modules', '.bin', 'locflow');
    const child = spawn(bin, ['serve', '--port', '0', '--workers', '0'], {
      cwd: app,
      env: cleanEnv({ REDIS_URL: config.redisUrl, LOCFLOW_PREFIX: config.prefix, LOCFLOW_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(`http://127.0.0.1:${m[1]}`);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="(\/assets\/app\.js[^"]*)"/.exec(html)?.[1];
      expect(script, html.slice(0, 500)).toBeDefined();
      const js = await fetch(`${url}${script}`);
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(10_000);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { version: string };
      expect(health.version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await cleanPrefix(config.prefix);
    }
  }, 60_000);
});
