/**
 * The term editor in Chromium shows each form's gender and number (the grammar
 * field agreement repair reads) and saves a change through the API.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchChromium, openPage, screenshot, startStack, type Stack } from './harness.js';

const TOKENS = 'sub-gram-token:submitter,rev-gram-token:reviewer';
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack(TOKENS, { workers: false });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function api(method: string, path: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.base}${path}`, { method, headers: { authorization: 'Bearer rev-gram-token', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForSelector('header .role');
}

describe('term editor: gender and number', { timeout: 120_000 }, () => {
  it('shows the grammar of each form and saves a change', async () => {
    const created = await api('POST', '/v1/glossary/terms', {
      term: 'carte accélératrice',
      lang: 'fr',
      kind: 'translate',
      translations: { en: 'accelerator card', es: 'tarjeta aceleradora' },
      grammar: { es: { gender: 'f', number: 'sg' }, fr: { gender: 'f', number: 'sg' } },
    });
    expect(created.status).toBe(201);
    const id = String(created.json.id);

    const { context, page, errors } = await openPage(browser);
    await page.goto(`${stack.base}/glossary?q=${encodeURIComponent('carte accélératrice')}&status=all`);
    await signIn(page, 'rev-gram-token');
    await page.waitForSelector(`tr[data-term="${id}"] button.edit`);
    await page.click(`tr[data-term="${id}"] button.edit`);
    await page.waitForSelector('.edit-form');

    // What the API holds is what the selectors show, one per language, labelled.
    expect(await page.inputValue(`#gr-${id}-es`)).toBe('f.sg');
    expect(await page.inputValue(`#gr-${id}-fr`)).toBe('f.sg');
    expect(await page.inputValue(`#gr-${id}-en`)).toBe('');
    expect(await page.textContent(`label[for="gr-${id}-es"]`)).toContain('(es)');
    expect(await page.locator(`#gr-${id}-es option:checked`).textContent()).toBe('feminine singular');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'glossary-grammar');

    await page.selectOption(`#gr-${id}-es`, 'f.pl');
    await page.selectOption(`#gr-${id}-fr`, '');
    await page.click('.edit-form button[type=submit]');
    await expect.poll(async () => (await api('GET', `/v1/glossary/terms/${id}`)).json.grammar).toEqual({ es: { gender: 'f', number: 'pl' } });

    // Opened again after the reload, the editor shows the saved value.
    await page.waitForSelector(`tr[data-term="${id}"] button.edit`);
    await page.click(`tr[data-term="${id}"] button.edit`);
    await page.waitForSelector('.edit-form');
    expect(await page.inputValue(`#gr-${id}-es`)).toBe('f.pl');
    expect(await page.inputValue(`#gr-${id}-fr`)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });
});
