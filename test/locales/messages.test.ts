/**
 * locflow's own messages reach the user in their language: the API by
 * `Accept-Language` (or `?lng=`), the CLI by `LOCFLOW_LANG`/`LANG`, with the
 * same `code` whatever the language.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getI18n, negotiateLanguage, renderError } from '../../locales/i18n.js';
import { InputError, ProviderError } from '../../pipeline/errors.js';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { runCli } from '../helpers.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';

describe('renderError', () => {
  it('fills the sentence of the code from params, in the asked language', async () => {
    const i18n = await getI18n();
    const err = new InputError('job-not-found', 'no job j_1 (it may have expired after the retention period)', { params: { id: 'j_1' } });
    expect(renderError(i18n, 'en', err)).toBe(err.message);
    expect(renderError(i18n, 'fr', err)).toBe('aucune tâche j_1 (elle a peut-être expiré après la durée de conservation)');
    expect(renderError(i18n, 'vi', err)).toBe('không có tác vụ j_1 (có thể nó đã hết hạn sau thời gian lưu giữ)');
  });

  it('keeps the English message when a variable is missing or the code is unknown', async () => {
    const i18n = await getI18n();
    expect(renderError(i18n, 'fr', new InputError('job-not-found', 'no job j_1'))).toBe('no job j_1');
    expect(renderError(i18n, 'vi', new InputError('no-such-code-anywhere', 'plain English'))).toBe('plain English');
  });

  it('picks the context variant, prefixes the file, names languages and counts problems', async () => {
    const i18n = await getI18n();
    const utf32 = new InputError('invalid-encoding', 'a.txt: input is UTF-32', { params: { file: 'a.txt', context: 'utf32' } });
    expect(renderError(i18n, 'fr', utf32)).toBe("a.txt: l'entrée est en UTF-32, qui n'est pas pris en charge ; enregistrez-la en UTF-8");
    const same = new InputError('target-is-source', 'the article is already in French (fr); remove fr from the targets', { params: { from: 'fr', target: 'fr' } });
    expect(renderError(i18n, 'en', same)).toBe(same.message);
    expect(renderError(i18n, 'fr', same)).toBe("l'article est déjà en français (fr) ; retirez fr des langues cibles");
    expect(renderError(i18n, 'vi', same)).toBe('bài viết vốn đã bằng tiếng Pháp (fr); hãy bỏ fr khỏi danh sách ngôn ngữ đích');
    const one = new InputError('xliff-empty-target', 'x', { params: { count: 1, list: 'p1.s1: the target is empty' } });
    const two = new InputError('xliff-empty-target', 'x', { params: { count: 2, list: 'a; b' } });
    expect(renderError(i18n, 'en', one)).toBe('the XLIFF file does not fit the job: p1.s1: the target is empty');
    expect(renderError(i18n, 'fr', two)).toBe('le fichier XLIFF ne correspond pas à la tâche (2 problèmes) : a; b');
  });

  it('frames a provider failure in the user language around the engine detail', async () => {
    const i18n = await getI18n();
    const err = new ProviderError('deepl', 'quota', 'HTTP 456: Quota exceeded');
    expect(renderError(i18n, 'en', err)).toBe('deepl: HTTP 456: Quota exceeded');
    expect(renderError(i18n, 'fr', err)).toBe('deepl : quota de traduction épuisé (HTTP 456: Quota exceeded)');
    expect(err.code).toBe('provider-quota');
  });

  it('negotiates Accept-Language by quality and order', () => {
    expect(negotiateLanguage('de-DE, fr;q=0.5, vi;q=0.8')).toBe('vi');
    expect(negotiateLanguage('fr-CA,en;q=0.9')).toBe('fr');
    expect(negotiateLanguage('de, ja')).toBeUndefined();
    expect(negotiateLanguage('vi;q=0, en')).toBe('en');
  });
});

describe('API errors in the caller language', () => {
  const config = testConfig();
  let open: FastifyInstance;
  let secured: FastifyInstance;

  beforeAll(async () => {
    open = await buildServer({ config, logger: false, env: { ...process.env, LOCFLOW_TOKENS: '' }, auth: parseTokens('') });
    secured = await buildServer({ config, logger: false, auth: parseTokens('sub-token:submitter,adm-token:admin') });
  });
  afterAll(async () => {
    await open?.close();
    await secured?.close();
    await cleanPrefix(config.prefix);
  });

  const submit = (payload: object, headers: Record<string, string> = {}, url = '/v1/jobs') => open.inject({ method: 'POST', url, payload, headers });

  it('an unknown target language: same code, message per Accept-Language', async () => {
    const payload = { text: 'Le logiciel libre progresse dans les rédactions.', targets: ['zz-notalang!'], provider: 'pseudo' };
    const en = await submit(payload);
    const fr = await submit(payload, { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
    const vi = await submit(payload, { 'accept-language': 'vi' });
    for (const res of [en, fr, vi]) {
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('unknown-language');
    }
    expect(en.json().error.message).toBe('targets: "zz-notalang!" is not a known language code (use BCP-47, e.g. en, vi, es, pt-BR)');
    expect(fr.json().error.message).toBe("targets : « zz-notalang! » n'est pas un code de langue connu (utilisez BCP-47, par ex. en, vi, es, pt-BR)");
    expect(vi.json().error.message).toBe('targets: "zz-notalang!" không phải mã ngôn ngữ đã biết (hãy dùng BCP-47, ví dụ en, vi, es, pt-BR)');
  });

  it('empty targets (refused by the request schema), and ?lng= winning over the header', async () => {
    const payload = { text: 'Le logiciel libre progresse dans les rédactions.', targets: [], provider: 'pseudo' };
    const fr = await submit(payload, { 'accept-language': 'fr' });
    const vi = await submit(payload, { 'accept-language': 'fr' }, '/v1/jobs?lng=vi');
    expect(fr.statusCode).toBe(400);
    expect(vi.statusCode).toBe(400);
    // The validator's own detail stays as it is; the sentence around it is translated.
    expect(fr.json().error).toEqual({ code: 'invalid-request', message: 'requête invalide : body/targets must NOT have fewer than 1 items' });
    expect(vi.json().error).toEqual({ code: 'invalid-request', message: 'yêu cầu không hợp lệ: body/targets must NOT have fewer than 1 items' });
  });

  it('a target that is the source language, named in the reader language', async () => {
    const payload = { text: 'Le logiciel libre progresse dans les rédactions.', sourceLang: 'fr', targets: ['en', 'fr'], provider: 'pseudo' };
    const fr = await submit(payload, { 'accept-language': 'fr' });
    const vi = await submit(payload, { 'accept-language': 'vi' });
    expect(fr.statusCode).toBe(422);
    expect(fr.json().error).toEqual({ code: 'target-is-source', message: "l'article est déjà en français (fr) ; retirez fr des langues cibles" });
    expect(vi.json().error).toEqual({ code: 'target-is-source', message: 'bài viết vốn đã bằng tiếng Pháp (fr); hãy bỏ fr khỏi danh sách ngôn ngữ đích' });
  });

  it('an unknown job and an unknown route', async () => {
    const job = await open.inject({ method: 'GET', url: '/v1/jobs/j_doesnotexist', headers: { 'accept-language': 'vi' } });
    expect(job.statusCode).toBe(404);
    expect(job.json().error).toEqual({ code: 'job-not-found', message: 'không có tác vụ j_doesnotexist (có thể nó đã hết hạn sau thời gian lưu giữ)' });
    const route = await open.inject({ method: 'GET', url: '/v1/nowhere', headers: { 'accept-language': 'fr' } });
    expect(route.json().error).toEqual({ code: 'not-found', message: 'aucune route GET /v1/nowhere' });
  });

  it('401 without a token and 403 with too small a role', async () => {
    const en = await secured.inject({ method: 'GET', url: '/v1/jobs/j_x' });
    const fr = await secured.inject({ method: 'GET', url: '/v1/jobs/j_x', headers: { 'accept-language': 'fr' } });
    const vi = await secured.inject({ method: 'GET', url: '/v1/jobs/j_x', headers: { 'accept-language': 'vi' } });
    for (const res of [en, fr, vi]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().error.code).toBe('unauthorized');
    }
    expect(en.json().error.message).toBe('a valid bearer token is required');
    expect(fr.json().error.message).toBe('un jeton (bearer token) valide est requis');
    expect(vi.json().error.message).toBe('cần có mã truy cập (bearer token) hợp lệ');

    const forbidden = await secured.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer sub-token', 'accept-language': 'fr' } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toEqual({ code: 'forbidden', message: 'cette action demande le rôle admin ; votre jeton a le rôle submitter' });
  });
});

describe('CLI errors in LOCFLOW_LANG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locflow-msg-'));

  it('a missing file in Vietnamese, exit 2', async () => {
    const r = await runCli(['translate', join(dir, 'nope.txt'), '--to', 'en', '--out', join(dir, 'out')], { env: { LOCFLOW_LANG: 'vi' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`locflow: không đọc được ${join(dir, 'nope.txt')}: không có tệp này\n`);
  });

  it('an unknown language in French from LANG when LOCFLOW_LANG is unset, English by default', async () => {
    const article = join(dir, 'a.txt');
    writeFileSync(article, 'Le logiciel libre progresse dans les rédactions.\n');
    const args = ['translate', article, '--to', 'en,zz-notalang!', '--out', join(dir, 'out2')];
    const fr = await runCli(args, { env: { LOCFLOW_LANG: '', LC_ALL: '', LC_MESSAGES: '', LANG: 'fr_FR.UTF-8' } });
    expect(fr.code).toBe(2);
    expect(fr.stderr).toBe("locflow: --to : « zz-notalang! » n'est pas un code de langue connu (utilisez BCP-47, par ex. en, vi, es, pt-BR)\n");
    const en = await runCli(args);
    expect(en.code).toBe(2);
    expect(en.stderr).toBe('locflow: --to: "zz-notalang!" is not a known language code (use BCP-47, e.g. en, vi, es, pt-BR)\n');
  });

  it('a missing --out in Vietnamese', async () => {
    const r = await runCli(['translate', '-', '--to', 'en'], { env: { LOCFLOW_LANG: 'vi' }, input: 'Bonjour tout le monde, ceci est un article.' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('locflow: cần có --out: một thư mục, hoặc đường dẫn kết thúc bằng .zip\n');
  });
});
