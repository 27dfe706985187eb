/**
 * The term editor in Chromium shows each form's gender and number (the grammar
 * field agreement repair reads) and saves a change through the API.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations, openPage, screenshot, signIn, webForTests } from './harness.js';

const TOKENS = 'sub-gram-token:submitter,rev-gram-token:reviewer';
const web = webForTests(TOKENS, { workers: false });

async function api(method: string, path: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${web.stack.base}${path}`, { method, headers: { authorization: 'Bearer rev-gram-token', 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
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

    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/glossary?q=${encodeURIComponent('carte accélératrice')}&status=all`);
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
