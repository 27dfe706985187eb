/**
 * Issue 16 against the real server, workers and Redis (pseudo provider, and
 * the local Apertium where installed): the title as job metadata, providers
 * chosen per target (API and CLI), and the rough edges a newsroom hit first —
 * an HTML article through the API, empty text, a text/plain body, a truncated
 * XLIFF file.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { getI18n } from '../../locales/i18n.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { findExecutable } from '../../providers/apertium/binary.js';
import { ROOT, runCli } from '../helpers.js';
import { checkBundle, stackForTests, testConfig, waitFor } from '../queue/helpers.js';

const HTML = readFileSync(join(ROOT, 'samples', 'open-models.fr.html'), 'utf8');
const TEXT = readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8');
const config = testConfig({ webhookAllowPrivate: true });
const stack = stackForTests({ config, listen: true, workers: 4 });

async function submit(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function job(id: string): Promise<Record<string, unknown> & { status: string }> {
  return (await (await fetch(`${stack.base}/v1/jobs/${id}`)).json()) as Record<string, unknown> & { status: string };
}

async function finished(id: string): Promise<Record<string, unknown> & { status: string }> {
  return waitFor(async () => {
    const v = await job(id);
    return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
  }, `job ${id}`);
}

async function zip(id: string): Promise<Uint8Array> {
  const res = await fetch(`${stack.base}/v1/jobs/${id}/bundle`);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe('the title is metadata', { timeout: 90_000 }, () => {
  it('is stored on the job, listed, written in the manifest, and never becomes a segment', async () => {
    const title = 'IA ouverte : la Silicon Valley réagit';
    const res = await submit({ text: HTML, format: 'html', title, targets: ['es'], provider: 'pseudo' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await job(id)).toMatchObject({ id, title });
    const listed = (await (await fetch(`${stack.base}/v1/jobs?limit=50`)).json()) as { jobs: { id: string; title?: string }[] };
    expect(listed.jobs.find((j) => j.id === id)?.title).toBe(title);
    expect((await finished(id)).status).toBe('completed');

    const { files, manifest, aligned } = checkBundle(await zip(id), ['fr', 'es']);
    expect(manifest.title).toBe(title);
    // The article's own <title> and <h1> are its first segments, translated where they stand; the job title is none of them.
    expect(aligned.segments.map((s) => s.text.fr)).not.toContain(title);
    expect(aligned.segments[0]!.text.fr).toBe("Les modèles d'IA ouverts bousculent la Silicon Valley");
    // The HTML document starts as the article did, and says its new language.
    const es = strFromU8(files['documents/es.html']!);
    expect(es.startsWith('<!DOCTYPE html>\n<html lang="es">')).toBe(true);
    expect(es).not.toContain(title);
  });

  it('names the job: the same article under another title is another job, under the same title the same one', async () => {
    const one = (await (await submit({ text: TEXT, title: 'Un', targets: ['en'], provider: 'pseudo' })).json()) as { id: string };
    const again = (await (await submit({ text: TEXT, title: ' Un ', targets: ['en'], provider: 'pseudo' })).json()) as { id: string };
    const two = (await (await submit({ text: TEXT, title: 'Deux', targets: ['en'], provider: 'pseudo' })).json()) as { id: string };
    expect(again.id).toBe(one.id);
    expect(two.id).not.toBe(one.id);
    expect((await job(two.id)).title).toBe('Deux');
  });

  it('a job without a title has none (the text is not searched for one)', async () => {
    const { id } = (await (await submit({ text: `${TEXT}\n\nSans titre.`, targets: ['en'], provider: 'pseudo' })).json()) as { id: string };
    expect((await job(id)).title).toBeUndefined();
  });
});

describe('rough edges (16.8)', { timeout: 60_000 }, () => {
  it('an empty text gets the same clean empty-input message as a blank one, in every language', async () => {
    const { t } = await getI18n();
    for (const lng of ['en', 'fr', 'vi']) {
      for (const text of ['', '  \n ']) {
        const res = await submit({ text, targets: ['en'] }, { 'accept-language': lng });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error: { code: 'empty-input', message: t('errors:empty-input', { lng, context: 'text' }) } });
      }
    }
  });

  it('a text/plain body is 415, not a schema complaint', async () => {
    const res = await fetch(`${stack.base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: TEXT });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported-media-type');
    expect(body.error.message).toContain('application/json');
  });

  it('a truncated XLIFF file is said to be cut short, naming the element left open', async () => {
    const { id } = (await (await submit({ text: `${TEXT}\n\nXLIFF.`, targets: ['en'], provider: 'pseudo' })).json()) as { id: string };
    expect((await finished(id)).status).toBe('completed');
    const xliff = await (await fetch(`${stack.base}/v1/jobs/${id}/bundle?format=xliff&target=en`)).text();
    const cut = xliff.slice(0, xliff.indexOf('</trans-unit>'));
    const res = await fetch(`${stack.base}/v1/jobs/${id}/xliff`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: cut });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('xliff-malformed');
    expect(body.error.message).toMatch(/^the XLIFF file ends \(line \d+, column \d+\) before <trans-unit> is closed: it may have been cut short$/);
  });
});

const APERTIUM = !!findExecutable('apertium') && existsSync('/usr/share/apertium/modes/fr-es.mode');

describe('providers per target', { timeout: 120_000 }, () => {
  it.skipIf(!APERTIUM)('one job mixes providers: Spanish by Apertium, Vietnamese by pseudo', async () => {
    const res = await submit({ text: `${TEXT}\n\nMélange.`, targets: ['es', 'vi'], providers: { vi: 'pseudo', es: 'apertium' } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await job(id)).toMatchObject({ providers: { es: 'apertium', vi: 'pseudo' } });
    const done = (await finished(id)) as { status: string; targets: Record<string, { route: string }> };
    expect(done.status).toBe('completed');
    expect(done.targets.es!.route).toBe('apertium:fr→es');
    expect(done.targets.vi!.route).toBe('pseudo:fr→vi');
    const { manifest } = checkBundle(await zip(id), ['fr', 'es', 'vi']);
    const routes = Object.fromEntries((manifest.targets as { lang: string; providers: string[] }[]).map((t) => [t.lang, t.providers]));
    expect(routes).toEqual({ es: ['apertium'], vi: ['pseudo'] });
  });

  it('the same article with the same choices is the same job, in any key order; other choices are another job', async () => {
    const text = `${TEXT}\n\nIdentité.`;
    const ids = async (body: Record<string, unknown>) => ((await (await submit({ text, targets: ['en', 'vi'], ...body })).json()) as { id: string }).id;
    const a = await ids({ providers: { vi: 'pseudo', en: 'pseudo' } });
    expect(await ids({ providers: { en: 'pseudo', vi: 'pseudo' } })).toBe(a);
    // The same choice said another way: a default provider for every target.
    expect(await ids({ provider: 'pseudo', providers: { vi: 'pseudo' } })).toBe(a);
    const b = await ids({ provider: 'pseudo' });
    expect(b).not.toBe(a);
    expect(await ids({ provider: 'pseudo' })).toBe(b);
  });

  it('refuses a provider for a language that is not a target, and says what a refused target needs', async () => {
    const stray = await submit({ text: TEXT, targets: ['en'], provider: 'pseudo', providers: { vi: 'pseudo' } });
    expect(stray.status).toBe(400);
    expect(((await stray.json()) as { error: { code: string } }).error.code).toBe('provider-target-unknown');

    // Nothing configured here serves French → Vietnamese: the refusal names what to configure, and pseudo.
    const none = await submit({ text: TEXT, targets: ['vi'] });
    expect(none.status).toBe(422);
    const said = ((await none.json()) as { error: { code: string; message: string } }).error;
    expect(said.code).toBe('unsupported-pair');
    expect(said.message).toContain('fr→vi');
    expect(said.message).toContain('deepl (needs DEEPL_AUTH_KEY)');
    expect(said.message).toContain('choose pseudo for vi');

    const forced = await submit({ text: TEXT, targets: ['vi'], providers: { vi: 'apertium' } });
    expect(forced.status).toBe(422);
    expect(((await forced.json()) as { error: { message: string } }).error.message).toBe('apertium does not translate fr→vi, directly or through a pivot language; choose another provider for vi');
  });

  it('GET /v1/providers?from= gives each target its route, the providers that could serve it, and what to configure', async () => {
    const res = await fetch(`${stack.base}/v1/providers?health=false&from=fr&to=en,vi,es,fr`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { providers: { id: string }[]; routes: { from: string; targets: Record<string, { route: string | null; choices: { provider: string; route: string; test: boolean }[]; configure?: string }> } };
    expect(body.providers.map((p) => p.id)).toContain('pseudo');
    expect(body.routes.from).toBe('fr');
    // The source is never a target.
    expect(Object.keys(body.routes.targets)).toEqual(['en', 'vi', 'es']);
    const vi = body.routes.targets.vi!;
    expect(vi.route).toBeNull();
    expect(vi.choices).toEqual([{ provider: 'pseudo', route: 'pseudo:fr→vi', test: true }]);
    expect(vi.configure).toContain('deepl (needs DEEPL_AUTH_KEY)');
    if (APERTIUM) {
      expect(body.routes.targets.es).toMatchObject({ route: 'apertium:fr→es' });
      expect(body.routes.targets.es!.choices.map((c) => c.provider)).toEqual(['apertium', 'pseudo']);
      expect(body.routes.targets.es!.configure).toBeUndefined();
    }
  });

  it('locflow submit --provider vi=pseudo,en=pseudo sends providers per target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locflow-submit-'));
    const file = join(dir, 'article.txt');
    writeFileSync(file, `${TEXT}\n\nEn ligne de commande.`);
    const r = await runCli(['submit', file, '--to', 'en,vi', '--provider', 'vi=pseudo,en=pseudo', '--server', stack.base, '--json'], { env: { LOCFLOW_TOKEN: '' } });
    expect(r.code, r.stderr).toBe(0);
    const { id } = JSON.parse(r.stdout) as { id: string };
    expect(await job(id)).toMatchObject({ providers: { en: 'pseudo', vi: 'pseudo' } });
    const bad = await runCli(['submit', file, '--to', 'en', '--provider', 'deepl,pseudo', '--server', stack.base], { env: { LOCFLOW_TOKEN: '' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--provider takes one default provider');
  });
});

describe('API for integrations', { timeout: 60_000 }, () => {
  it('echoes a caller\'s X-Request-Id and logs under it; makes one otherwise; never takes one that is not a plain token', async () => {
    const lines: string[] = [];
    const logged = await buildServer({ config, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens(''), logger: { stream: { write: (l: string) => lines.push(l) } } });
    try {
      const mine = await logged.inject({ method: 'GET', url: '/v1/jobs/j_nosuchjob', headers: { 'x-request-id': 'cms-42.a:b' } });
      expect(mine.statusCode).toBe(404);
      expect(mine.headers['x-request-id']).toBe('cms-42.a:b');
      expect(lines.some((l) => (JSON.parse(l) as { reqId?: string }).reqId === 'cms-42.a:b')).toBe(true);
      const made = await logged.inject({ method: 'GET', url: '/healthz' });
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const bad = await logged.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a\\nfake log line' } });
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await logged.close();
    }
  });

  it('README: the quick start reads files the repository ships, and the webhook line names the timestamp header', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Web page'));
    expect(quick).not.toContain('../shared/');
    const paths = [...quick.matchAll(/\b(samples\/[\w.-]+)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
    const webhook = readme.split('\n').find((l) => l.startsWith('- Webhooks:'))!;
    expect(webhook).toContain('X-Locflow-Timestamp');
    expect(webhook).toContain('X-Locflow-Signature');
  });
});
