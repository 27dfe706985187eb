/**
 * Provider plugins: loading (and refusing) modules named in LOCFLOW_CONFIG,
 * `locflow provider-test`, and a plugin written from PRODUCT.md alone going
 * through `locflow translate` into every bundle format with glossary masking
 * and within its limits.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { CONFORMANCE_CHECKS, CONFORMANCE_REASONS, runConformance } from '../../providers/conformance.js';
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

  it('says its report in the reader\'s language (fr, vi)', async () => {
    const args = ['provider-test', 'test/providers/plugins/upper.mjs', '--options', '{"mode":"drop-placeholders"}'];
    const [fr, vi] = await Promise.all([runCli(args, { env: { LOCFLOW_LANG: 'fr' } }), runCli(args, { env: { LOCFLOW_LANG: 'vi' } })]);
    expect(fr.code).toBe(1);
    expect(fr.stdout).toMatch(/^fournisseur upper depuis test\/providers\/plugins\/upper\.mjs, paire fr-en$/m);
    expect(fr.stdout).toMatch(/ÉCHEC +placeholders: garde intacts .*\n\s+pourquoi: le segment \d+ a perdu ou modifié ses marqueurs/);
    expect(fr.stdout).toMatch(/^\d+ réussis, [1-9]\d* en échec, \d+ sautés$/m);
    expect(vi.code).toBe(1);
    expect(vi.stdout).toMatch(/LỖI +placeholders: giữ nguyên vẹn .*\n\s+lý do: đoạn \d+ đã mất hoặc thay đổi thẻ giữ chỗ/);
    expect(vi.stdout).toMatch(/^\d+ đạt, [1-9]\d* lỗi, \d+ bỏ qua$/m);
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

describe('the kit\'s error checks on a plugin that does not use fetch()', () => {
  let engine: Server;
  let url = '';
  beforeAll(async () => {
    // A working engine for the plugin's ordinary calls: upper-cases the text between tags.
    engine = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const { texts } = JSON.parse(body) as { texts: string[] };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ translations: texts.map((t) => t.split(/(<[^>]*>|&[a-z]+;)/).map((p, i) => (i % 2 ? p : p.toUpperCase())).join('')) }));
      });
    });
    await new Promise<void>((r) => engine.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(engine.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => engine.close(() => r())));

  it('skips them, saying how to run them, without --fault-options; runs them against the kit\'s fault engine with it', async () => {
    const base = ['provider-test', 'test/providers/plugins/http-client.mjs', '--options', JSON.stringify({ url }), '--json'];
    const [without, withFaults] = await Promise.all([runCli(base), runCli([...base, '--fault-options', '{"url":"{{kit}}/translate"}'])]);
    type Report = { ok: boolean; checks: { name: string; status: string; reason?: string; reasonKey?: string }[] };
    const errors = (r: Report) => r.checks.filter((c) => c.name.startsWith('error-'));
    const a = JSON.parse(without.stdout) as Report;
    expect(without.code, without.stderr).toBe(0);
    expect(errors(a).map((c) => c.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(errors(a)[0]).toMatchObject({ reasonKey: 'noFetch', reason: expect.stringContaining('--fault-options') });
    const b = JSON.parse(withFaults.stdout) as Report;
    expect(withFaults.code, withFaults.stderr).toBe(0);
    expect(b.checks.map((c) => `${c.name}:${c.status}`)).toEqual(b.checks.map((c) => `${c.name}:passed`));
  }, 30_000);

  it('fails them, with the reason, when the plugin mistypes an engine\'s error', async () => {
    const broken = join(dir, 'http-client-untyped.mjs');
    // Same plugin, but a 402 becomes a plain Error, which locflow (and so the kit) can only take for a bad answer.
    writeFileSync(broken, readFileSync(join(PLUGINS, 'http-client.mjs'), 'utf8').replace("throw fail('quota', 'quota spent')", "throw new Error('quota spent')"));
    const res = await runCli(['provider-test', broken, '--options', JSON.stringify({ url }), '--fault-options', '{"url":"{{kit}}"}', '--json']);
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as { checks: { name: string; status: string; reason?: string }[] };
    expect(report.checks.find((c) => c.name === 'error-quota')).toMatchObject({ status: 'failed', reason: 'threw a ProviderError with reason "bad-response", expected "quota"' });
    expect(report.checks.find((c) => c.name === 'error-auth')).toMatchObject({ status: 'passed' });
  }, 30_000);
});

describe('the kit\'s sentences', () => {
  it('are the English ones of locales/en/providers.json, with a key for every check and reason in every locale', () => {
    for (const lng of ['en', 'fr', 'vi']) {
      const kit = (JSON.parse(readFileSync(join(ROOT, 'locales', lng, 'providers.json'), 'utf8')) as { kit: { title: Record<string, string>; reason: Record<string, string> } }).kit;
      expect(Object.keys(kit.title).sort(), lng).toEqual(CONFORMANCE_CHECKS.map((c) => c.name).sort());
      expect(Object.keys(kit.reason).sort(), lng).toEqual(Object.keys(CONFORMANCE_REASONS).sort());
      if (lng === 'en') {
        expect(kit.title).toEqual(Object.fromEntries(CONFORMANCE_CHECKS.map((c) => [c.name, c.title])));
        expect(kit.reason).toEqual(CONFORMANCE_REASONS);
      }
    }
  });
});
