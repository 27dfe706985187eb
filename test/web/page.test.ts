/**
 * The web page in a real headless Chromium against a real server, workers and
 * Redis, with tokens configured: an editor submits the sample article and
 * watches it finish, opens the side-by-side view and downloads the zip; a
 * term proposed by the editor and approved by a reviewer is applied to the
 * next job; the interface switches to French and Vietnamese; markup in terms
 * and articles stays text. Each page is saved under screenshots/.
 *
 * The tests share one server and browser (start-up is the slow part) but
 * not their data: each one makes the jobs and terms it needs, through the API
 * when they are not what it tests, so any one of them passes alone
 * (`npx vitest run test/web/page.test.ts -t "…"`) as well as with the others.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLE_FR } from '../helpers.js';
import { apiJob, axeViolations, openPage, screenshot, SCREENSHOTS, signIn, webForTests } from './harness.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');
const TOKENS = 'sub-e2e-token:submitter,rev-e2e-token:reviewer,adm-e2e-token:admin';
const XSS = '<img src=x onerror="window.__xss=1">';

// Workers start when a test needs them, so that the first test can see its job waiting.
const web = webForTests(TOKENS, { workers: false });

async function signOut(page: Page): Promise<void> {
  await page.click('header .who button');
  await page.waitForSelector('#token');
}

async function submitSample(page: Page, targets: string[], text = sample): Promise<string> {
  await page.click('nav a[href^="/"]:not([href^="/jobs"]):not([href^="/glossary"])');
  await page.waitForSelector('#article');
  await page.fill('#article', text);
  // The page re-checks targets once it knows the article's language; boxes set before that could be reset.
  await page.waitForSelector('#detected[data-lang]');
  for (const box of await page.locator('input[name=targets]').all()) {
    const value = await box.getAttribute('value');
    if (!(await box.isDisabled())) await box.setChecked(targets.includes(value ?? ''));
  }
  await page.selectOption('#provider', 'pseudo');
  await page.click('form button[type=submit].primary');
  await page.waitForURL(/\/jobs\/j_/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

async function alignedCells(page: Page, lang: string): Promise<string[]> {
  return page.locator(`table.aligned tbody td[lang="${lang}"]`).allTextContents();
}

/** Proposes a term through the API, as a reviewer's colleague would with the CLI. */
async function apiTerm(token: string, term: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${web.stack.base}/v1/glossary/terms`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(term) });
  const json = (await res.json()) as { id?: string; error?: { message: string } };
  if (res.status !== 201 || !json.id) throw new Error(`POST /v1/glossary/terms: ${res.status} ${json.error?.message ?? ''}`);
  return json.id;
}

describe('web page', { timeout: 120_000 }, () => {
  it('signs in, submits the sample article, watches it finish, shows every language side by side and downloads the zip', async () => {
    // Held, so that the job is seen waiting and then finishing live, whichever test ran before.
    await web.stack.holdWorkers();
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/`);
    expect(await page.textContent('main h1')).toBe('Sign in');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    // A wrong token is refused in words, not with a stack trace.
    await page.fill('#token', 'not-a-token');
    await page.click('form button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('not valid');
    await page.fill('#token', 'sub-e2e-token');
    await page.click('form button[type=submit]');
    await page.waitForSelector('header .role[data-role=submitter]');
    expect(await page.locator('a.admin-link').count()).toBe(0);

    // The detected language shows before anything is submitted, and French stops being a target.
    await page.fill('#article', sample);
    await page.waitForSelector('#detected[data-lang="fr"]');
    expect(await page.textContent('#detected')).toMatch(/French \(fr\), confidence \d+%/);
    expect(await page.isDisabled('#target-fr')).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'submit');

    // A refused submission says why, in words.
    await page.fill('#other-targets', 'xx-nope-123456789');
    await page.click('form button[type=submit].primary');
    await expect.poll(() => page.locator('.form-status [role=alert]').textContent()).toContain('xx-nope-123456789');
    expect(new URL(page.url()).pathname).toBe('/');
    await page.fill('#other-targets', '');

    const events: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/events')) events.push(r.url());
    });
    const firstJob = await submitSample(page, ['en', 'vi']);
    await page.waitForSelector('.badge.status-queued');
    expect(events.length).toBeGreaterThan(0);
    await web.stack.startWorkers();
    // No reload: the server-sent events carry the job to its end.
    await page.waitForSelector('table.aligned', { timeout: 60_000 });
    expect(await page.locator('.card .badge').first().textContent()).toBe('done');

    const heads = await page.locator('table.aligned thead th').allTextContents();
    expect(heads).toEqual(['Segment', 'French (fr) · source', 'English (en)', 'Vietnamese (vi)']);
    const rows = page.locator('table.aligned tbody tr');
    const count = await rows.count();
    expect(count).toBeGreaterThan(20);
    for (const lang of ['fr', 'en', 'vi']) expect(await alignedCells(page, lang)).toHaveLength(count);
    // Glossary terms are highlighted in the source and in their target form.
    const enMarks = await page.locator('table.aligned td[lang="en"] mark.term').allTextContents();
    const viMarks = await page.locator('table.aligned td[lang="vi"] mark.term').allTextContents();
    expect(enMarks).toContain('DeepSeek');
    expect(viMarks).toContain('mã nguồn mở');
    const frMarks = await page.locator('table.aligned td[lang="fr"] mark.term').allTextContents();
    expect(frMarks).toEqual(expect.arrayContaining(['open source', 'IA', 'startup']));
    // Whole words with the term's case only: the acronym IA is not marked inside "mondiale".
    expect(frMarks.filter((m) => m.toLowerCase() === 'ia' && m !== 'IA')).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'job');
    await page.locator('table.aligned').screenshot({ path: join(SCREENSHOTS, 'job-aligned.png') });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-format="zip"]')]);
    expect(download.suggestedFilename()).toBe(`${firstJob}.zip`);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['manifest.json', 'aligned.json', 'bundle.tmx', 'xliff/fr-en.xlf', 'xliff/fr-vi.xlf']));
    const aligned = JSON.parse(strFromU8(files['aligned.json']!)) as { languages: string[]; segments: { id: string; meta: Record<string, { qa: { severity: string }[] }> }[] };
    expect(aligned.languages).toEqual(['fr', 'en', 'vi']);
    expect(aligned.segments).toHaveLength(count);
    // Every segment and language with QA findings is marked, and only those.
    const flagged = aligned.segments.flatMap((seg) => Object.entries(seg.meta).filter(([, m]) => m.qa.length > 0).map(([lang]) => `${seg.id}/${lang}`));
    const marked = await page.$$eval('table.aligned td.qa', (tds) => tds.map((td) => `${td.closest('tr')!.getAttribute('data-segment')}/${td.getAttribute('lang')}`));
    expect(marked.sort()).toEqual(flagged.sort());
    expect(flagged.length).toBeGreaterThan(0);
    expect(await page.locator('table.aligned td.qa ul.findings li').count()).toBeGreaterThanOrEqual(flagged.length);

    // The address is a deep link: a reload opens the same view.
    await page.reload();
    await page.waitForSelector('table.aligned');
    expect(await page.textContent('main h1')).toBe(`Job ${firstJob}`);

    await page.click('nav a[href^="/jobs"]');
    await page.waitForSelector(`tr[data-job="${firstJob}"][data-status="completed"]`);
    expect(new URL(page.url()).pathname).toBe('/jobs');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'jobs');
    // The check can fail: a field without a label is reported.
    await page.evaluate(() => document.querySelector('main')!.append(document.createElement('input')));
    expect((await axeViolations(page)).map((v) => v.id)).toContain('label');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('applies a term the editor proposed and a reviewer approved to the next job', async () => {
    await web.stack.startWorkers();
    // A job of the article translated before the term exists; submitting it also records the terms it uses as proposals.
    const before = await apiJob(web.stack, 'sub-e2e-token', { text: sample, targets: ['en'] });
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/glossary`);
    await signIn(page, 'sub-e2e-token');
    await page.waitForSelector('main h1:text("Glossary")');
    // Terms found in the submitted article wait for review with their frequency and an example sentence.
    const suggested = page.locator('tr[data-term][data-status="proposed"]').first();
    await suggested.waitFor();
    expect(Number(await suggested.locator('td.num').textContent())).toBeGreaterThan(0);
    expect((await suggested.locator('td.example').textContent())?.length).toBeGreaterThan(0);

    await page.click('details.propose summary');
    await page.fill('#p-term', 'scepticisme');
    await page.fill('#p-lang', 'fr');
    await page.selectOption('#p-kind', 'translate');
    await page.fill('#p-tr-en', 'skepticism');
    await page.fill('#p-tr-vi', 'hoài nghi');
    await page.click('details.propose button[type=submit]');
    await expect.poll(() => page.locator('details.propose [aria-live]').textContent()).toContain('was proposed');
    await page.fill('#g-search', 'scepticisme');
    const row = page.locator('tr[data-term]', { hasText: 'scepticisme' });
    await row.waitFor();
    // A submitter sees no review buttons, and the server refuses the move anyway.
    expect(await row.locator('button.approve').count()).toBe(0);
    const termId = await row.getAttribute('data-term');
    const refused = await page.evaluate(async (id) => (await fetch(`/v1/glossary/terms/${id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, termId);
    expect(refused).toBe(403);
    // A session that ends (here: the cookie is gone) brings the sign-in form back at the next request.
    await context.clearCookies();
    await page.fill('#g-search', 'scepticisme ');
    await page.waitForSelector('#token');

    await signIn(page, 'rev-e2e-token');
    await page.waitForSelector('tr[data-term]');
    await page.fill('#g-search', 'scepticisme');
    await page.waitForSelector(`tr[data-term="${termId}"] button.approve`);
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('scepticisme');
    // Keyboard review: the row is selected, `a` approves it.
    await page.locator(`tr[data-term="${termId}"]`).focus();
    await page.keyboard.press('a');
    await expect.poll(() => page.locator('.form-status').first().textContent()).toContain('was approved');
    await page.selectOption('#g-status', 'approved');
    await page.waitForSelector(`tr[data-term="${termId}"][data-status="approved"]`);
    await page.locator(`tr[data-term="${termId}"]`).focus();
    await page.keyboard.press('h');
    const history = page.locator('tr.history-row');
    await history.waitFor();
    expect(await history.textContent()).toMatch(/proposed[\s\S]*approved/);
    await page.keyboard.press('e');
    await page.waitForSelector('tr.edit-row input');
    await page.click('details.propose summary');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'glossary');
    await page.keyboard.press('Escape');

    // The next job of the same article uses the approved translation.
    const second = await submitSample(page, ['en']);
    expect(second).not.toBe(before);
    await page.waitForSelector('table.aligned', { timeout: 60_000 });
    expect(await page.locator('table.aligned td[lang="en"] mark.term', { hasText: 'skepticism' }).count()).toBeGreaterThan(0);
    expect((await alignedCells(page, 'en')).join('\n')).toContain('skepticism');
    // …which the first job, translated before the approval, does not have.
    await page.goto(`${web.stack.base}/jobs/${before}`);
    await page.waitForSelector('table.aligned');
    expect((await alignedCells(page, 'en')).join('\n')).not.toContain('skepticism');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('speaks French and Vietnamese: the browser language by default, ?lng= and the switcher otherwise', async () => {
    // Something to list on the jobs and glossary pages.
    await apiJob(web.stack, 'adm-e2e-token', { text: sample, targets: ['es'], title: 'DeepSeek' }, { wait: false });
    await apiTerm('adm-e2e-token', { term: 'rédaction numérique', lang: 'fr', kind: 'translate', translations: { en: 'digital newsroom', vi: 'tòa soạn số' } });
    const { context, page, errors } = await openPage(web.browser, 'fr-FR');
    await page.goto(`${web.stack.base}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.textContent('main h1')).toBe('Connexion');
    await signIn(page, 'adm-e2e-token');
    expect(await page.textContent('main h1')).toBe('Soumettre un article');
    expect(await page.textContent('header .role')).toBe('Connecté en tant que administrateur');
    await page.fill('#article', sample);
    await page.waitForSelector('#detected[data-lang="fr"]');
    expect(await page.textContent('#detected')).toContain('Langue détectée : français (fr)');
    await screenshot(page, 'submit-fr');

    // An uploaded file fills the text and sets the format from its extension; its name is never the title.
    await page.setInputFiles('#file', join(ROOT, 'samples', 'open-models.fr.md'));
    await expect.poll(() => page.inputValue('#format')).toBe('markdown');
    expect(await page.inputValue('#title')).toBe('');
    expect(await page.inputValue('#article')).toBe(readFileSync(join(ROOT, 'samples', 'open-models.fr.md'), 'utf8'));
    await page.setInputFiles('#file', join(ROOT, 'samples', 'open-models.vi.txt'));
    await page.waitForSelector('#detected[data-lang="vi"]');
    expect(await page.inputValue('#format')).toBe('text');
    expect(await page.isDisabled('#target-vi')).toBe(true);
    expect(await page.isDisabled('#target-fr')).toBe(false);

    await page.selectOption('#ui-language', 'vi');
    await page.waitForFunction(() => document.documentElement.lang === 'vi');
    expect(await page.textContent('main h1')).toBe('Gửi một bài viết');
    expect(new URL(page.url()).searchParams.get('lng')).toBe('vi');
    await page.click('nav a[href^="/jobs"]');
    await page.waitForSelector('tr[data-job]');
    expect(new URL(page.url()).searchParams.get('lng')).toBe('vi');
    expect(await page.textContent('main h1')).toBe('Tác vụ');
    await screenshot(page, 'jobs-vi');
    await page.reload();
    await page.waitForSelector('main h1');
    expect(await page.textContent('main h1')).toBe('Tác vụ');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');

    await page.goto(`${web.stack.base}/glossary?lng=fr`);
    await page.waitForSelector('tr[data-term]');
    expect(await page.textContent('main h1')).toBe('Glossaire');
    await screenshot(page, 'glossary-fr');
    await page.goto(`${web.stack.base}/jobs?lng=en`);
    await page.waitForSelector('main h1');
    expect(await page.textContent('main h1')).toBe('Jobs');

    expect(errors).toEqual([]);
    // Only an admin has the dashboard link; the session cookie lets bull-board's own requests through.
    // (bull-board's page asks for a web font from outside, which this closed network cannot resolve.)
    await page.click('a.admin-link');
    await page.waitForURL(/\/admin\/queues/);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('body').textContent()).toMatch(/translate/i);
    await screenshot(page, 'queues');
    await context.close();
  });

  it('takes a post-edited XLIFF file back from the job page and shows the new revision, or why the file was refused', async () => {
    await web.stack.startWorkers();
    const id = await apiJob(web.stack, 'sub-e2e-token', { text: readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8'), targets: ['en', 'vi'] });
    const { context, page, errors } = await openPage(web.browser);
    // A submitter has no upload form, and the server refuses the upload anyway.
    await page.goto(`${web.stack.base}/jobs/${id}`);
    await signIn(page, 'sub-e2e-token');
    await page.waitForSelector('table.aligned');
    expect(await page.locator('form.post-edit').count()).toBe(0);
    const refused = await page.evaluate(async (jobId) => (await fetch(`/v1/jobs/${jobId}/xliff`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<xliff/>' })).status, id);
    expect(refused).toBe(403);
    await signOut(page);

    await signIn(page, 'rev-e2e-token');
    await page.waitForSelector('form.post-edit');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-format="xliff"][data-target="en"]')]);
    const xliff = readFileSync((await download.path())!, 'utf8');
    expect(xliff).toContain('target-language="en"');
    const edited = 'Open AI models shake up Silicon Valley, says our desk';
    const changed = xliff.replace(/(<trans-unit id="p1\.s1"[\s\S]*?<target[^>]*>)[\s\S]*?(<\/target>)/, `$1${edited}$2`);
    expect(changed).not.toBe(xliff);

    // A file for English offered as the Vietnamese one is caught before it is sent.
    await page.selectOption('#pe-target', 'vi');
    await page.setInputFiles('#pe-file', { name: 'fr-en.xlf', mimeType: 'application/xml', buffer: Buffer.from(changed) });
    await page.click('form.post-edit button[type=submit]');
    await expect.poll(() => page.locator('form.post-edit [role=alert]').textContent()).toContain('fr-en.xlf is for English (en), not Vietnamese (vi)');

    await page.selectOption('#pe-target', 'en');
    await page.setInputFiles('#pe-file', { name: 'fr-en.xlf', mimeType: 'application/xml', buffer: Buffer.from(changed) });
    await page.click('form.post-edit button[type=submit]');
    await expect.poll(() => page.locator('form.post-edit .form-status p.ok').textContent()).toBe('Revision 2 saved: 1 English segment changed.');
    const cell = page.locator('table.aligned tr[data-segment="p1.s1"] td[lang="en"]');
    await expect.poll(() => cell.locator('.seg-text').textContent()).toBe(edited);
    expect(await cell.getAttribute('class')).toContain('human');
    expect(await page.textContent('dd.revision')).toBe('2');
    // Only that segment changed.
    expect(await page.locator('table.aligned td.human').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('form.post-edit').screenshot({ path: join(SCREENSHOTS, 'job-post-edit.png') });

    // A broken file is refused in words, in the interface language.
    const broken = Buffer.from('<?xml version="1.0"?>\n<xliff version="1.2"><file source-language="fr" target-language="en"><body>\n</xliff>');
    await page.setInputFiles('#pe-file', { name: 'broken.xlf', mimeType: 'application/xml', buffer: broken });
    await page.click('form.post-edit button[type=submit]');
    await expect.poll(() => page.locator('form.post-edit [role=alert]').textContent()).toMatch(/^The file was not accepted: the XLIFF file is not well-formed XML \(line \d+, column \d+\)/);
    await page.selectOption('#ui-language', 'fr');
    await page.waitForSelector('form.post-edit');
    await page.setInputFiles('#pe-file', { name: 'broken.xlf', mimeType: 'application/xml', buffer: broken });
    await page.click('form.post-edit button[type=submit]');
    await expect.poll(() => page.locator('form.post-edit [role=alert]').textContent()).toMatch(/^Le fichier a été refusé : le fichier XLIFF n'est pas du XML bien formé/);
    // The refused file made no revision.
    expect(await page.textContent('dd.revision')).toBe('2');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows markup in terms and articles as text and runs none of it', async () => {
    await web.stack.startWorkers();
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/glossary`);
    await signIn(page, 'sub-e2e-token');
    await page.click('details.propose summary');
    await page.fill('#p-term', XSS);
    await page.selectOption('#p-kind', 'keep');
    await page.fill('#p-note', '<script>window.__xss=2</script>');
    await page.click('details.propose button[type=submit]');
    await expect.poll(() => page.locator('details.propose [aria-live]').textContent()).toContain('was proposed');
    await page.fill('#g-search', 'onerror');
    const row = page.locator('tr[data-term]', { hasText: 'onerror' });
    await row.waitFor();
    expect(await row.locator('.term-text').textContent()).toBe(XSS);
    expect(await row.locator('td.note').textContent()).toBe('<script>window.__xss=2</script>');
    expect(await page.locator('main img, main script').count()).toBe(0);
    await screenshot(page, 'glossary-markup');

    await submitSample(page, ['en'], `${sample}\n\nUn lecteur a écrit ${XSS} dans un commentaire, puis <b onmouseover="window.__xss=3">ceci</b>.`);
    await page.waitForSelector('table.aligned', { timeout: 60_000 });
    const fr = (await alignedCells(page, 'fr')).join('\n');
    expect(fr).toContain(XSS);
    expect(await page.locator('table.aligned img, table.aligned b, table.aligned script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    const res = await page.request.get(`${web.stack.base}/`);
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
    // Signing out clears the cookie: the API no longer knows this browser.
    expect((await page.request.get(`${web.stack.base}/v1/me`)).status()).toBe(200);
    await signOut(page);
    expect((await page.request.get(`${web.stack.base}/v1/me`)).status()).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});
