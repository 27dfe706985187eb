/**
 * Issue 16 on the web page, in Debian's Chromium against a real server,
 * workers and Redis: the title names a job, focus follows the reader after
 * signing in and after submitting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { launchChromium, openPage, startStack, type Stack } from './harness.js';

const TOKENS = 'sub-nr-token:submitter,rev-nr-token:reviewer,adm-nr-token:admin';
const TEXT = readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8');

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack(TOKENS);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** What has keyboard focus, as `tag#id` or `tag` (the heading or <body>). */
const focused = (page: Page) => page.evaluate(() => {
  const el = document.activeElement;
  return el ? `${el.tagName.toLowerCase()}${el.closest('main') && el.tagName === 'H1' ? ' in main' : ''}` : 'none';
});

async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForSelector('header .role');
}

describe('web page: title and focus', { timeout: 120_000 }, () => {
  it('puts focus on the page heading after signing in and after submitting, and heads the job with its title', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${stack.base}/`);
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
