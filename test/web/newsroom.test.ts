/**
 * Issue 16 on the web page, in Debian's Chromium against a real server,
 * workers and Redis: the title names a job, focus follows the reader after
 * signing in and after submitting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { openPage, signIn, waitForJob, webForTests } from './harness.js';

const TOKENS = 'sub-nr-token:submitter,rev-nr-token:reviewer,adm-nr-token:admin';
const TEXT = readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8');

const web = webForTests(TOKENS);

/** What has keyboard focus, as `tag#id` or `tag` (the heading or <body>). */
const focused = (page: Page) => page.evaluate(() => {
  const el = document.activeElement;
  return el ? `${el.tagName.toLowerCase()}${el.closest('main') && el.tagName === 'H1' ? ' in main' : ''}` : 'none';
});

describe('web page: title and focus', { timeout: 120_000 }, () => {
  it('puts focus on the page heading after signing in and after submitting, and heads the job with its title', async () => {
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/`);
    await signIn(page, 'sub-nr-token');
    await page.waitForSelector('#article');
    expect(await focused(page)).toBe('h1 in main');
    expect(await page.textContent('main h1:focus')).toBe('Submit an article');

    await page.fill('#article', TEXT);
    await page.fill('#title', 'Open models shake Silicon Valley');
    await page.waitForSelector('#detected[data-lang="fr"]');
    for (const box of await page.locator('input[name=targets]').all()) if (!(await box.isDisabled())) await box.setChecked((await box.getAttribute('value')) === 'es');
    await page.selectOption('#provider', 'pseudo');
    await page.click('form button[type=submit].primary');
    await page.waitForURL(/\/jobs\/j_/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // The title heads the page, the id under it; the heading has focus.
    await expect.poll(() => page.textContent('main h1')).toBe('Open models shake Silicon Valley');
    expect(await page.textContent('main .job-id')).toBe(id);
    expect(await focused(page)).toBe('h1 in main');
    expect(await page.title()).toBe('Open models shake Silicon Valley · locflow');
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('web page: a route for each target', { timeout: 180_000 }, () => {
  it('pre-checks only targets a route serves, so the first submission of a fresh install succeeds; a provider can be chosen per target', async () => {
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/`);
    await signIn(page, 'sub-nr-token');
    await page.fill('#article', `${TEXT}\n\nPremière soumission.`);
    await page.waitForSelector('#detected[data-lang="fr"]');
    await page.waitForFunction(() => !document.querySelector('#route-vi')?.textContent?.startsWith('Route shown'));
    // Nothing serves French → Vietnamese without a key: not pre-checked, and the page says what to configure.
    expect(await page.isChecked('#target-vi')).toBe(false);
    expect(await page.textContent('#route-vi')).toContain('DEEPL_AUTH_KEY');
    const checked = await page.locator('input[name=targets]:checked').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    for (const lang of checked) expect(await page.getAttribute(`#route-${lang}`, 'data-route'), lang).toBeTruthy();
    if (checked.length > 0) {
      // The first submission, exactly as the page offers it.
      await page.click('form button[type=submit].primary');
      await page.waitForURL(/\/jobs\/j_/);
      await waitForJob(web.stack, 'sub-nr-token', decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!));
      await page.goto(`${web.stack.base}/`);
      await page.fill('#article', `${TEXT}\n\nDeuxième soumission.`);
      await page.waitForSelector('#detected[data-lang="fr"]');
      await page.waitForFunction(() => !document.querySelector('#route-vi')?.textContent?.startsWith('Route shown'));
    }
    // Vietnamese by pseudo, chosen for that target alone.
    await page.selectOption('#provider-vi', 'pseudo');
    expect(await page.textContent('#route-vi')).toBe('Route: pseudo:fr→vi');
    await page.check('#target-vi');
    for (const lang of checked) await page.uncheck(`#target-${lang}`);
    await page.click('form button[type=submit].primary');
    await page.waitForURL(/\/jobs\/j_/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const view = (await (await fetch(`${web.stack.base}/v1/jobs/${id}`, { headers: { authorization: 'Bearer sub-nr-token' } })).json()) as { providers?: Record<string, string> };
    expect(view.providers).toEqual({ vi: 'pseudo' });
    await waitForJob(web.stack, 'sub-nr-token', id);
    expect(errors).toEqual([]);
    await context.close();
  });
});
