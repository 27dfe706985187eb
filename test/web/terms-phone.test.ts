/**
 * Issue 16, items 5 and 6, in Debian's Chromium against a real server,
 * workers and Redis:
 * - glossary terms are marked in the source column whatever the article's
 *   language (an English and a Vietnamese sample), each with its term id,
 *   and the same term in every target column with its glossary rendering;
 * - every page fits a 390-pixel phone: no sideways page scroll, and the
 *   controls that matter (submit, downloads, Approve/Reject) on screen.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { apiJob, openPage, screenshot, signIn, webForTests } from './harness.js';

const TOKENS = 'sub-ph-token:submitter,rev-ph-token:reviewer,adm-ph-token:admin';
const sample = (lang: string) => readFileSync(join(ROOT, 'samples', `open-models.${lang}.txt`), 'utf8');
const PHONE = { width: 390, height: 844 };

const web = webForTests(TOKENS);

async function api<T>(path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${web.stack.base}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Aligned {
  sourceLang: string;
  segments: { id: string; text: Record<string, string>; meta: Record<string, { matches?: { id: string; source: string; target?: string }[] }> }[];
}

/** The marks of one column: their text and term id. */
const marks = (page: Page, lang: string) =>
  page.locator(`table.aligned td[data-lang="${lang}"] mark.term`).evaluateAll((els) => els.map((e) => ({ text: e.textContent ?? '', term: e.getAttribute('data-term') })));

describe('glossary terms in the source column, any source language', { timeout: 120_000 }, () => {
  it('marks the English words of the glossary in an English article, and the same terms in each target with their rendering', async () => {
    const id = await apiJob(web.stack, 'sub-ph-token', { text: sample('en'), sourceLang: 'en', targets: ['fr', 'vi'] });
    const aligned = await api<Aligned>(`/v1/jobs/${id}/bundle?format=json`, 'sub-ph-token');
    const first = aligned.segments.flatMap((s) => s.meta.fr?.matches ?? []).find((m) => m.source === 'language model');
    expect(first, 'aligned.json lists the English words').toBeDefined();

    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/jobs/${encodeURIComponent(id)}`);
    await signIn(page, 'sub-ph-token');
    await page.waitForSelector('table.aligned');
    const en = await marks(page, 'en');
    expect(en.map((m) => m.text)).toEqual(expect.arrayContaining(['language model', 'open source', 'DeepSeek', 'OpenAI']));
    // Each source mark names its term, and the same term is marked in the targets as the glossary renders it.
    const lm = en.find((m) => m.text === 'language model')!;
    expect(lm.term).toBe(first!.id);
    const fr = await marks(page, 'fr');
    const vi = await marks(page, 'vi');
    expect(fr.filter((m) => m.term === lm.term).map((m) => m.text)).toContain('modèle de langage');
    expect(vi.filter((m) => m.term === lm.term).map((m) => m.text)).toContain('mô hình ngôn ngữ');
    expect(errors).toEqual([]);
    await screenshot(page, 'terms-en-source');
    await context.close();

    // A reviewer's editable cells mark the same term with the same id.
    const review = await openPage(web.browser);
    await review.page.goto(`${web.stack.base}/jobs/${encodeURIComponent(id)}`);
    await signIn(review.page, 'rev-ph-token');
    await review.page.waitForSelector('table.aligned [contenteditable] mark.term');
    expect((await marks(review.page, 'fr')).filter((m) => m.term === lm.term).map((m) => m.text)).toContain('modèle de langage');
    expect((await marks(review.page, 'en')).find((m) => m.text === 'language model')?.term).toBe(lm.term);
    expect(review.errors).toEqual([]);
    await review.context.close();
  });

  it('marks the Vietnamese words in a Vietnamese article', async () => {
    const id = await apiJob(web.stack, 'sub-ph-token', { text: sample('vi').normalize('NFD'), sourceLang: 'vi', targets: ['en'] });
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/jobs/${encodeURIComponent(id)}`);
    await signIn(page, 'sub-ph-token');
    await page.waitForSelector('table.aligned');
    const vi = (await marks(page, 'vi')).map((m) => m.text);
    expect(vi).toEqual(expect.arrayContaining(['mã nguồn mở', 'DeepSeek']));
    for (const m of vi) expect(m).toBe(m.normalize('NFC'));
    expect((await marks(page, 'en')).map((m) => m.text)).toContain('open source');
    expect(errors).toEqual([]);
    await context.close();
  });
});

/** The page is no wider than the phone: nothing to scroll sideways. */
async function fitsWidth(page: Page, name: string): Promise<void> {
  // Layout settles after fonts and late data; read it twice a frame apart.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const { width, widest } = await page.evaluate((limit) => {
    // What sticks out, innermost first, so that a failure says where to look.
    const out = Array.from(document.body.querySelectorAll('*'))
      .filter((el) => el.getBoundingClientRect().right > limit + 0.5 && !Array.from(el.children).some((c) => c.getBoundingClientRect().right > limit + 0.5))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} (${Math.round(el.getBoundingClientRect().right)} px)`);
    return { width: document.documentElement.scrollWidth, widest: out };
  }, PHONE.width);
  await screenshot(page, `phone-${name}`);
  expect(width, `${name}: the page is ${width} px wide; beyond the edge: ${widest.join(', ')}`).toBeLessThanOrEqual(PHONE.width);
}

/**
 * Every element `selector` finds is shown and lies inside the phone's width,
 * with the page and every box around it scrolled to the left: reachable
 * without any sideways scrolling.
 */
async function onScreen(page: Page, selector: string, name: string, atLeast = 1): Promise<void> {
  const boxes = await page.evaluate((sel) => {
    window.scrollTo(0, window.scrollY);
    for (const el of Array.from(document.querySelectorAll('*'))) if (el.scrollLeft) el.scrollLeft = 0;
    return Array.from(document.querySelectorAll(sel)).map((el) => {
      const r = el.getBoundingClientRect();
      return { text: (el.textContent ?? '').trim().slice(0, 40), left: Math.round(r.left), right: Math.round(r.right), width: Math.round(r.width) };
    });
  }, selector);
  expect(boxes.length, `${name}: ${selector}`).toBeGreaterThanOrEqual(atLeast);
  for (const b of boxes) {
    expect(b.width, `${name}: "${b.text}" is shown`).toBeGreaterThan(0);
    expect(b.left, `${name}: "${b.text}" starts on screen`).toBeGreaterThanOrEqual(0);
    expect(b.right, `${name}: "${b.text}" ends on screen (${b.right} px)`).toBeLessThanOrEqual(PHONE.width);
  }
}

describe('every page on a 390-pixel phone', { timeout: 240_000 }, () => {
  it('fits the sign-in, submit, jobs, job (read and review), glossary and not-found pages', async () => {
    // Real data: a finished job with two targets and findings, proposed terms with long examples and
    // notes (as the article suggestions make them), and the seed glossary's approved terms.
    const jobId = await apiJob(web.stack, 'sub-ph-token', { text: sample('fr'), title: 'Les modèles ouverts secouent la Silicon Valley', targets: ['en', 'vi'] });
    for (const term of ['superordinateur exaflopique', 'apprentissage par renforcement à partir de retours humains']) {
      await api('/v1/glossary/terms', 'sub-ph-token', {
        method: 'POST',
        body: { term, lang: 'fr', kind: 'translate', translations: { en: `${term} (en)`, vi: `${term} (vi)` }, note: 'proposé par un article sur les modèles ouverts, à vérifier avec la rédaction technique' },
      });
    }

    const { context, page, errors } = await openPage(web.browser);
    await page.setViewportSize(PHONE);
    await page.goto(`${web.stack.base}/`);
    await page.waitForSelector('#token');
    await fitsWidth(page, 'sign-in');
    await onScreen(page, 'main form button[type=submit]', 'sign-in');
    await signIn(page, 'rev-ph-token');

    // Submit, with an article pasted so that the detected language and each target's route show.
    await page.waitForSelector('#article');
    await page.fill('#article', sample('fr'));
    await page.waitForSelector('#detected[data-lang="fr"]');
    await fitsWidth(page, 'submit');
    await onScreen(page, 'form button[type=submit].primary', 'submit');
    await onScreen(page, 'input[name=targets]', 'submit');

    await page.goto(`${web.stack.base}/jobs`);
    await page.waitForSelector('table.jobs tbody tr');
    await fitsWidth(page, 'jobs');
    await onScreen(page, `table.jobs a[href="/jobs/${jobId}"]`, 'jobs');

    // The job as a reviewer: downloads, the post-edit form, the side-by-side view in edit mode.
    await page.goto(`${web.stack.base}/jobs/${encodeURIComponent(jobId)}`);
    await page.waitForSelector('table.aligned [contenteditable]');
    await fitsWidth(page, 'job-review');
    await onScreen(page, '.downloads a', 'job-review', 5);
    await onScreen(page, 'button.approve', 'job-review', 2);
    await onScreen(page, '.post-edit button[type=submit]', 'job-review');
    // One segment at a time, its languages stacked: the source above each translation, which gets the width.
    const row = page.locator('table.aligned tbody tr[data-segment="p2.s1"]');
    const source = (await row.locator('td[data-lang="fr"]').boundingBox())!;
    for (const lang of ['en', 'vi']) {
      const cell = (await row.locator(`td[data-lang="${lang}"]`).boundingBox())!;
      expect(cell.width, `${lang} cell width`).toBeGreaterThan(300);
      expect(cell.y, `${lang} below the source`).toBeGreaterThanOrEqual(source.y + source.height - 1);
    }
    await onScreen(page, 'tr[data-segment="p2.s1"] td', 'job-review', 3);
    await page.locator('table.aligned thead').scrollIntoViewIfNeeded();
    await screenshot(page, 'phone-job-segments');

    // Glossary review: proposed terms with Approve and Reject on screen, and the bulk actions.
    await page.goto(`${web.stack.base}/glossary`);
    await page.waitForSelector('table.terms tr[data-term] button.approve');
    await fitsWidth(page, 'glossary-proposed');
    await onScreen(page, 'table.terms tr[data-term] button.approve', 'glossary-proposed', 2);
    await onScreen(page, 'table.terms tr[data-term] button.reject', 'glossary-proposed', 2);
    await onScreen(page, '#bulk-approve, #bulk-reject', 'glossary-proposed', 2);
    // The bulk confirmation fits too.
    for (const box of (await page.locator('table.terms tr[data-term] input.pick').all()).slice(0, 2)) await box.check();
    await page.click('#bulk-reject');
    await page.waitForSelector('dialog[open] #bulk-confirm-ok');
    await onScreen(page, 'dialog[open] button', 'glossary-confirm', 2);
    await page.click('#bulk-confirm-cancel');
    // With a term's history and its edit form open.
    await page.locator('table.terms tr[data-term] button.history-button').first().click();
    await page.locator('table.terms tr[data-term] button.edit').first().click();
    await page.waitForSelector('.edit-form');
    await fitsWidth(page, 'glossary-open');
    await onScreen(page, '.edit-form button[type=submit]', 'glossary-open');

    await page.goto(`${web.stack.base}/glossary?status=approved`);
    await page.waitForSelector('table.terms tr[data-term] button.deprecate');
    await fitsWidth(page, 'glossary-approved');
    await onScreen(page, 'table.terms tr[data-term] button.deprecate', 'glossary-approved', 5);

    await page.goto(`${web.stack.base}/no/such/page`);
    await page.waitForSelector('main h1');
    await fitsWidth(page, 'not-found');
    await onScreen(page, 'main a', 'not-found');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits the job page as a submitter reads it, with three targets', async () => {
    const jobId = await apiJob(web.stack, 'sub-ph-token', { text: sample('fr'), targets: ['en', 'vi', 'es'] });
    const { context, page, errors } = await openPage(web.browser);
    await page.setViewportSize(PHONE);
    await page.goto(`${web.stack.base}/jobs/${encodeURIComponent(jobId)}`);
    await signIn(page, 'sub-ph-token');
    await page.waitForSelector('table.aligned');
    await fitsWidth(page, 'job-read');
    await onScreen(page, '.downloads a', 'job-read', 5);
    await onScreen(page, 'tr[data-segment="p1.s1"] td', 'job-read', 4);
    // With three targets a reader keeps the source and one of them.
    await onScreen(page, '#show-lang', 'job-read');
    await page.selectOption('#show-lang', 'vi');
    const shown = await page.locator('tr[data-segment="p1.s1"] td').evaluateAll((tds) => tds.filter((td) => td.getBoundingClientRect().height > 0).map((td) => td.getAttribute('data-lang')));
    expect(shown).toEqual(['fr', 'vi']);
    await fitsWidth(page, 'job-read-vi');
    await page.selectOption('#show-lang', '');
    expect(await page.locator('tr[data-segment="p1.s1"] td:visible').count()).toBe(4);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits in Vietnamese, whose labels run longer: submit, jobs, job and glossary', async () => {
    const jobId = await apiJob(web.stack, 'sub-ph-token', { text: sample('fr'), targets: ['en', 'vi', 'es'] });
    await api('/v1/glossary/terms', 'sub-ph-token', { method: 'POST', body: { term: 'trí tuệ nhân tạo tạo sinh đa phương thức', lang: 'vi', kind: 'keep', translations: {} } });
    const { context, page, errors } = await openPage(web.browser, 'vi-VN');
    await page.setViewportSize(PHONE);
    await page.goto(`${web.stack.base}/?lng=vi`);
    await signIn(page, 'rev-ph-token');
    await page.waitForSelector('#article');
    await page.fill('#article', sample('fr'));
    await page.waitForSelector('#detected[data-lang="fr"]');
    await fitsWidth(page, 'vi-submit');
    await onScreen(page, 'form button[type=submit].primary', 'vi-submit');
    await page.goto(`${web.stack.base}/jobs?lng=vi`);
    await page.waitForSelector('table.jobs tbody tr');
    await fitsWidth(page, 'vi-jobs');
    await page.goto(`${web.stack.base}/jobs/${encodeURIComponent(jobId)}?lng=vi`);
    await page.waitForSelector('table.aligned [contenteditable]');
    await fitsWidth(page, 'vi-job');
    await onScreen(page, 'button.approve', 'vi-job', 3);
    await onScreen(page, '.downloads a', 'vi-job', 5);
    await page.goto(`${web.stack.base}/glossary?lng=vi`);
    await page.waitForSelector('table.terms tr[data-term] button.approve');
    await fitsWidth(page, 'vi-glossary');
    await onScreen(page, 'table.terms tr[data-term] button.approve, table.terms tr[data-term] button.reject', 'vi-glossary', 2);
    expect(errors).toEqual([]);
    await context.close();
  });
});
