/**
 * A provider plugin through the service: `locflow serve` (API only) and a
 * separate `locflow worker` process both load it from LOCFLOW_CONFIG's
 * `providers:` section; a job submitted over HTTP is routed to it, done by the
 * worker, and its output reaches every format of the bundle, with glossary
 * terms masked and never a call larger than the plugin's limits.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLE_FR } from '../helpers.js';
import { checkBundle, cleanPrefix, startLocflow, testConfig, waitFor, type LocflowProcess } from '../queue/helpers.js';

const config = testConfig();
const dir = mkdtempSync(join(tmpdir(), 'locflow-plugin-queue-'));
const log = join(dir, 'calls.jsonl');
const configFile = join(dir, 'locflow.yaml');
let serve: LocflowProcess | undefined;
let worker: LocflowProcess | undefined;
let base = '';

beforeAll(async () => {
  // Relative to the config file's folder, as the docs say; the worker and the API resolve it from there.
  writeFileSync(join(dir, 'upper.mjs'), readFileSync(join(ROOT, 'test', 'providers', 'plugins', 'upper.mjs')));
  writeFileSync(configFile, `providers:\n  upper:\n    module: ./upper.mjs\n    options: { maxTexts: 3, maxChars: 400, log: ${JSON.stringify(log)} }\nroutes:\n  "*": [upper]\n`);
  const env = { LOCFLOW_CONFIG: configFile, LOCFLOW_TOKENS: '', LOCFLOW_BATCH_SIZE: '10' };
  [serve, worker] = await Promise.all([
    startLocflow(['serve', '--port', '0', '--workers', '0'], config, env, /http:\/\/127\.0\.0\.1:(\d+)/),
    startLocflow(['worker', '--concurrency', '2'], config, env, /worker ready/),
  ]);
  base = `http://127.0.0.1:${serve.match[1]}`;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([serve?.stop(), worker?.stop()]);
  await cleanPrefix(config.prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('a plugin through serve and worker', () => {
  it('serves a job submitted over HTTP: output in every bundle format, glossary terms kept, calls within its limits, all made by the worker', async () => {
    // The API process loaded it too: it lists it and accepts targets only it serves.
    const providers = (await (await fetch(`${base}/v1/providers`)).json()) as { providers: { id: string; configured: boolean }[] };
    expect(providers.providers.find((p) => p.id === 'upper')).toMatchObject({ configured: true });

    const submitted = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: readFileSync(SAMPLE_FR, 'utf8'), sourceLang: 'fr', targets: ['en', 'vi'] }),
    });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const view = await waitFor(
      async () => {
        const v = (await (await fetch(`${base}/v1/jobs/${id}`)).json()) as { status: string; error?: unknown; targets: unknown };
        return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
      },
      `job ${id}`,
      60_000,
      200,
    );
    expect(view.status, JSON.stringify(view)).toBe('completed');

    const zip = new Uint8Array(await (await fetch(`${base}/v1/jobs/${id}/bundle`)).arrayBuffer());
    const { files, manifest, aligned } = checkBundle(zip, ['fr', 'en', 'vi']);
    const targets = manifest.targets as { lang: string }[];
    expect(targets.map((t) => t.lang).sort()).toEqual(['en', 'vi']);
    for (const t of targets) expect(JSON.stringify(t), t.lang).toContain('upper');

    // Upper-cased by the plugin, except the glossary's forced renderings, which were masked and come back as the glossary says.
    const en = aligned.segments.map((s) => s.text.en!).join(' ');
    expect(en).toMatch(/[A-ZÀ-Ý]{6,}/);
    expect(en).toContain('artificial intelligence');
    expect(en).not.toContain('ARTIFICIAL INTELLIGENCE');
    expect(aligned.segments.map((s) => s.text.vi!).join(' ')).toContain('trí tuệ nhân tạo');
    const document = Object.keys(files).find((f) => f.startsWith('documents/en.'))!;
    for (const file of [document, 'xliff/fr-en.xlf', 'xliff/fr-vi.xlf', 'bundle.tmx', 'locales/en/article.json', 'aligned.csv']) {
      expect(strFromU8(files[file]!), file).toMatch(/[A-ZÀ-Ý]{6,}/);
    }
    expect(strFromU8(files[document]!)).toContain('artificial intelligence');

    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { texts: number; chars: number; to: string; pid: number; over: boolean });
    // Batches of 10 segments from the pipeline, cut to the plugin's 3 texts / 400 characters by the router.
    expect(calls.length).toBeGreaterThan(6);
    expect(new Set(calls.map((c) => c.to))).toEqual(new Set(['en', 'vi']));
    expect(calls.filter((c) => c.over)).toEqual([]);
    expect(Math.max(...calls.map((c) => c.texts))).toBeLessThanOrEqual(3);
    expect(calls.filter((c) => c.texts > 1 && c.chars > 400)).toEqual([]);
    expect(new Set(calls.map((c) => c.pid))).toEqual(new Set([worker!.child.pid]));
  }, 90_000);
});
