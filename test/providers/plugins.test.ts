/**
 * Provider plugins: loading (and refusing) modules named in LOCFLOW_CONFIG,
 * `locflow provider-test`, and a plugin written from PRODUCT.md alone going
 * through `locflow translate` into every bundle format with glossary masking
 * and within its limits.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { runConformance } from '../../providers/conformance.js';
import { loadPlugin, loadPlugins } from '../../providers/plugins.js';
import { createTranslator, loadProvidersConfig } from '../../providers/index.js';
import { ROOT, runCli, SAMPLE_FR } from '../helpers.js';

const PLUGINS = join(ROOT, 'test', 'providers', 'plugins');
const dir = mkdtempSync(join(tmpdir(), 'locflow-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).code).toBe('plugin-invalid');
  return err as InputError;
}

describe('loading plugin modules', () => {
  it('refuses, naming the module, one that is missing, throws on load, declares contract version 2, or is malformed', async () => {
    const missing = await refusal(loadPlugin('./nope.mjs', { baseDir: PLUGINS }));
    expect(missing.message).toContain(join(PLUGINS, 'nope.mjs'));
    expect(missing.message).toMatch(/module not found/);
    const throws = await refusal(loadPlugin('./throws.mjs', { baseDir: PLUGINS }));
    expect(throws.message).toMatch(/throws on load: the engine SDK is not installed/);
    const v2 = await refusal(loadPlugin('./v2.mjs', { baseDir: PLUGINS }));
    expect(v2.message).toMatch(/contractVersion 2, but this locflow implements contract version 3/);
    const malformed = await refusal(loadPlugin('./malformed.mjs', { baseDir: PLUGINS }));
    expect(malformed.message).toMatch(/limits\.maxTexts/);
    expect(malformed.message).toContain('malformed.mjs');
    for (const e of [missing, throws, v2, malformed]) expect(e.message.split('\n')).toHaveLength(1);
  });

  it('resolves a module relative to the config file and routes to it under its configured id', async () => {
    const config = join(dir, 'routes.yaml');
    writeFileSync(config, `providers:\n  inhouse:\n    module: ${join(PLUGINS, 'upper.mjs')}\n    options: { maxTexts: 2 }\nroutes:\n  fr-en: [inhouse]\n`);
    const settings = loadProvidersConfig({ LOCFLOW_CONFIG: config, PATH: '/nonexistent' });
    expect(() => createTranslator({ config: settings })).toThrow(/not loaded before use/);
    await loadPlugins(settings);
    const t = createTranslator({ config: settings });
    await t.ready();
    expect(t.plan('fr', 'en')?.id).toBe('inhouse:fr>en');
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: ['a', 'b', 'c'].map((text, i) => ({ id: `s${i}`, text })) });
    expect(res.texts).toEqual(['A', 'B', 'C']);
    expect(t.usage().inhouse?.calls).toBe(2);
  });

  it('turns a plugin bug or a foreign ProviderError into a ProviderError for the router', async () => {
    const file = join(dir, 'buggy.mjs');
    writeFileSync(
      file,
      `export default () => ({ id: 'buggy', contractVersion: 3, configured: true, glossary: 'mask', limits: { maxTexts: 5, maxChars: 100 },
        pairs: async () => [{ from: 'fr', to: 'en' }],
        translate: async (req) => { if (req.segments[0].text === 'quota') { const e = new Error('buggy: spent'); e.name = 'ProviderError'; e.reason = 'quota'; throw e; } return null.x; },
        health: async () => ({ ok: true, message: 'ok' }) });`,
    );
    const p = await loadPlugin(file);
    await expect(p.translate({ segments: [{ id: 'a', text: 'x' }], from: 'fr', to: 'en' })).rejects.toMatchObject({ name: 'ProviderError', reason: 'bad-response' });
    await expect(p.translate({ segments: [{ id: 'a', text: 'quota' }], from: 'fr', to: 'en' })).rejects.toMatchObject({ name: 'ProviderError', reason: 'quota', retryable: false });
  });
});

describe('the conformance kit on plugins', () => {
  const kit = async (options: Record<string, unknown>) => runConformance(await loadPlugin(join(PLUGINS, 'upper.mjs'), { options }), { pair: { from: 'fr', to: 'en' } });

  it('fails, with the reason, a plugin that drops placeholders', async () => {
    const report = await kit({ mode: 'drop-placeholders' });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'placeholders')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/segment \d+ lost or changed its placeholders/) });
  });

  it('fails, with the reason, a plugin that returns the wrong number of texts', async () => {
    const report = await kit({ mode: 'one-short' });
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'one-text-per-text')).toMatchObject({ status: 'failed', reason: 'sent 3 segments in one call, got 2 texts back' });
  });
});

describe.concurrent('locflow provider-test', () => {
  it('passes a conforming plugin, check by check, and quickly', async () => {
    const res = await runCli(['provider-test', 'test/providers/plugins/upper.mjs', '--pair', 'fr-en', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { ok: boolean; checks: { name: string; status: string; ms: number }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status === 'passed').map((c) => c.name)).toEqual(expect.arrayContaining(['contract', 'one-text-per-text', 'placeholders', 'empty', 'long-segment', 'unicode', 'abort', 'limits', 'health']));
    expect(report.checks.reduce((n, c) => n + c.ms, 0)).toBeLessThan(10_000);
  }, 30_000);

  it('exits 1 and prints the reason for a plugin that fails a check', async () => {
    const res = await runCli(['provider-test', 'test/providers/plugins/upper.mjs', '--options', '{"mode":"drop-placeholders"}']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/FAIL {2}placeholders: .*\n\s+why: segment \d+ lost or changed its placeholders/);
  }, 30_000);

  it('exits 2 with one line for a module it cannot load', async () => {
    const v2 = await runCli(['provider-test', 'test/providers/plugins/v2.mjs']);
    expect(v2.code).toBe(2);
    expect(v2.stderr.trim().split('\n')).toHaveLength(1);
    expect(v2.stderr).toMatch(/v2\.mjs.*contractVersion 2/);
  }, 30_000);
});

describe('a plugin through locflow translate', () => {
  it('reaches every bundle format, keeps glossary terms (masking applies) and never gets more than its limits', async () => {
    const log = join(dir, 'calls.jsonl');
    const config = join(dir, 'locflow.yaml');
    // Relative to the config file's folder, as the docs say.
    writeFileSync(join(dir, 'upper.mjs'), readFileSync(join(PLUGINS, 'upper.mjs')));
    writeFileSync(config, `providers:\n  upper:\n    module: ./upper.mjs\n    options: { maxTexts: 3, maxChars: 400, log: ${JSON.stringify(log)} }\nroutes:\n  "*": [upper]\n`);
    const out = join(dir, 'bundle');
    const res = await runCli(['translate', SAMPLE_FR, '--to', 'en,vi', '--out', out, '--json'], { env: { LOCFLOW_CONFIG: config } });
    expect(res.code, res.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { targets: { lang: string; providers?: string[]; provider?: string }[] };
    expect(JSON.stringify(manifest.targets)).toContain('upper');
    const aligned = JSON.parse(readFileSync(join(out, 'aligned.json'), 'utf8')) as { segments: { text: Record<string, string> }[] };
    const en = aligned.segments.map((s) => s.text.en!).join(' ');
    // Upper-cased by the plugin, except the glossary's forced translations, which were masked and come back as the glossary says.
    expect(en).toMatch(/[A-ZÀ-Ý]{6,}/);
    expect(en).toContain('artificial intelligence');
    expect(en).not.toContain('ARTIFICIAL INTELLIGENCE');
    const english = readdirSync(join(out, 'documents')).find((f) => f.startsWith('en.'))!;
    const document = readFileSync(join(out, 'documents', english), 'utf8');
    expect(document).toContain('artificial intelligence');
    expect(document).toMatch(/[A-ZÀ-Ý]{6,}/);
    for (const file of ['xliff/fr-en.xlf', 'bundle.tmx', 'locales/en/article.json']) expect(readFileSync(join(out, file), 'utf8'), file).toMatch(/[A-ZÀ-Ý]{6,}/);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { texts: number; chars: number; over: boolean });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.filter((c) => c.over)).toEqual([]);
    expect(Math.max(...calls.map((c) => c.texts))).toBeLessThanOrEqual(3);
  }, 60_000);

  it('exits 2 with one line naming the module when the configured plugin is broken', async () => {
    const config = join(dir, 'broken.yaml');
    writeFileSync(config, `providers:\n  mymt:\n    module: ./missing-mymt.mjs\n`);
    const runs = [['translate', SAMPLE_FR, '--to', 'en', '--out', join(dir, 'never')], ['worker']];
    const results = await Promise.all(runs.map((args) => runCli(args, { env: { LOCFLOW_CONFIG: config } })));
    for (const [i, args] of runs.entries()) {
      const res = results[i]!;
      expect(res.code, `${args[0]}: ${res.stderr}`).toBe(2);
      expect(res.stderr.trim().split('\n'), args[0]).toHaveLength(1);
      expect(res.stderr).toContain(join(dir, 'missing-mymt.mjs'));
    }
  }, 60_000);
});
