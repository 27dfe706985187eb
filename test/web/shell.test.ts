/**
 * What the web plugin serves besides the page itself: the HTML shell at every
 * page address (deep links), its security headers, the client bundle and the
 * interface texts; and the texts themselves — en, fr and vi with the same
 * keys, every key the client asks for present.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { ROOT } from '../helpers.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

const config = testConfig();
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildServer({ config, logger: false, auth: parseTokens('s3cret:admin') });
});
afterAll(async () => {
  await app?.close();
  await cleanPrefix(config.prefix);
});

describe('the page shell', () => {
  it('answers every page address with the same shell, without a token, under a strict CSP', async () => {
    for (const url of ['/', '/jobs', '/jobs/j_0123abcd', '/glossary', '/glossary?q=GPU&status=approved']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).toMatch(/<script type="module" src="\/assets\/app\.js\?v=[0-9a-f]{12}"><\/script>/);
      // No inline script or style anywhere: the CSP would block them.
      expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(res.body).not.toMatch(/<style|style="/);
    }
    expect((await app.inject({ url: '/jobs/a/b' })).statusCode).toBe(404);
  });

  it('answers a browser at an unknown address with the page and a 404, and programs with the JSON error', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    for (const url of ['/nowhere', '/jobs/a/b', '/glossary/old-link?lng=fr']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(res.body).toContain('<div id="app">');
    }
    expect(/<html lang="([^"]+)">/.exec((await app.inject({ url: '/glossary/old-link?lng=fr', headers: html })).body)?.[1]).toBe('fr');
    for (const [url, headers] of [['/nowhere', {}], ['/v1/nowhere', html], ['/assets/nothing.js', html], ['/admin/nothing/here', {}]] as const) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'not-found' } });
    }
  });

  it('sets <html lang> from ?lng=, else Accept-Language, else English', async () => {
    const lang = async (url: string, headers: Record<string, string> = {}) => /<html lang="([^"]+)">/.exec((await app.inject({ url, headers })).body)?.[1];
    expect(await lang('/?lng=vi')).toBe('vi');
    expect(await lang('/jobs?lng=fr-CA')).toBe('fr');
    expect(await lang('/', { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' })).toBe('fr');
    expect(await lang('/?lng=de', { 'accept-language': 'vi' })).toBe('vi');
    expect(await lang('/?lng="><script>')).toBe('en');
    const noscript = (await app.inject({ url: '/?lng=fr' })).body;
    expect(noscript).toContain('La page web de locflow a besoin de JavaScript');
  });

  it('serves the bundled client and its stylesheet, cacheable for good under their version', async () => {
    const shell = (await app.inject({ url: '/' })).body;
    const v = /app\.js\?v=([0-9a-f]+)/.exec(shell)![1]!;
    const js = await app.inject({ url: `/assets/app.js?v=${v}` });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body.length).toBeGreaterThan(10_000);
    expect(js.body).not.toContain('innerHTML');
    const stale = await app.inject({ url: '/assets/app.js?v=old' });
    expect(stale.headers['cache-control']).toBe('no-cache');
    const css = await app.inject({ url: `/assets/app.css?v=${v}` });
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('serves the interface texts per language and 404s the others', async () => {
    const fr = await app.inject({ url: '/locales/fr/web.json' });
    expect(fr.statusCode).toBe(200);
    expect(fr.json().nav.glossary).toBe('Glossaire');
    const missing = await app.inject({ url: '/locales/de/web.json' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not-found');
    expect(missing.json().error.message).toBe('no interface texts for "de"; there are en, fr, vi');
    const inFrench = await app.inject({ url: '/locales/de/web.json', headers: { 'accept-language': 'fr' } });
    expect(inFrench.json().error.message).toBe("aucun texte d'interface pour « de » ; il y en a pour : en, fr, vi");
  });
});

describe('interface texts', () => {
  const load = (lng: string) => JSON.parse(readFileSync(join(ROOT, 'locales', lng, 'web.json'), 'utf8')) as Record<string, unknown>;
  const flatten = (o: Record<string, unknown>, prefix = ''): Record<string, string> =>
    Object.entries(o).reduce<Record<string, string>>((acc, [k, v]) => {
      if (v && typeof v === 'object') Object.assign(acc, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
      else acc[`${prefix}${k}`] = String(v);
      return acc;
    }, {});
  const en = flatten(load('en'));
  const fr = flatten(load('fr'));
  const vi = flatten(load('vi'));

  // Same keys, plural forms and placeholders in every language: test/locales/parity.test.ts.
  it('has no empty text, and each translation really translated', () => {
    for (const texts of [en, fr, vi]) for (const [k, v] of Object.entries(texts)) expect(v.trim(), k).not.toBe('');
    // Names such as "Markdown" or "Segment" may be the same word; most texts must not be.
    for (const texts of [fr, vi]) {
      const same = Object.keys(en).filter((k) => texts[k] === en[k]);
      expect(same.length / Object.keys(en).length).toBeLessThan(0.1);
    }
  });

  it('has every key the client asks for', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(ROOT, 'server', 'web', 'client'));
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([a-zA-Z.]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(80);
    // `count_one`/`count_other` answer for `count`.
    const has = (k: string) => k in en || `${k}_other` in en;
    const missing = [...used].filter((k) => !has(k));
    expect(missing).toEqual([]);
    // Keys built at run time, from the values they are built from.
    const dynamic = [
      ...['queued', 'active', 'completed', 'failed', 'cancelled', 'proposed', 'approved', 'rejected', 'deprecated'].map((s) => `status.${s}`),
      ...['submitter', 'reviewer', 'admin'].map((r) => `roles.${r}`),
      ...['auto', 'text', 'markdown', 'html'].map((f) => `submit.formats.${f}`),
      ...['keep', 'translate', 'forbidden'].map((k) => `glossary.kinds.${k}`),
      ...['proposed', 'approved', 'rejected', 'deprecated', 'all'].map((s) => `glossary.statuses.${s}`),
      ...['propose', 'create', 'edit', 'approve', 'reject', 'deprecate', 'import', 'suggest'].map((a) => `glossary.actions.${a}`),
      ...['error', 'warning', 'info'].map((s) => `job.severity.${s}`),
      ...['search', 'j', 'k', 'a', 'r', 'e', 'h', 'n', 'help'].map((k) => `glossary.keys.${k}`),
    ];
    expect(dynamic.filter((k) => !has(k))).toEqual([]);
  });
});
