/**
 * The glossary page in Chromium: a reviewer rejects and approves several
 * suggestions in one confirmed step, and no row is preselected, so a stray
 * `a` on arrival approves nothing (issue 16.4).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations, openPage, screenshot, signIn, webForTests } from './harness.js';

const TOKENS = 'sub-bulk-token:submitter,rev-bulk-token:reviewer';
const web = webForTests(TOKENS, { workers: false });

async function propose(term: string): Promise<string> {
  const res = await fetch(`${web.stack.base}/v1/glossary/terms`, { method: 'POST', headers: { authorization: 'Bearer sub-bulk-token', 'content-type': 'application/json' }, body: JSON.stringify({ term, lang: 'fr', kind: 'keep' }) });
  const json = (await res.json()) as { id: string };
  expect(res.status).toBe(201);
  return json.id;
}

async function statusOf(id: string): Promise<string> {
  const res = await fetch(`${web.stack.base}/v1/glossary/terms/${id}`, { headers: { authorization: 'Bearer rev-bulk-token' } });
  return ((await res.json()) as { status: string }).status;
}

describe('glossary page bulk review', { timeout: 120_000 }, () => {
  it('selects nothing on arrival and rejects or approves ticked terms after a confirmation', async () => {
    const ids = await Promise.all(['Bulkalpha', 'Bulkbeta', 'Bulkgamma', 'Bulkdelta'].map(propose));
    const [alpha, beta, gamma, delta] = ids as [string, string, string, string];
    const { context, page, errors } = await openPage(web.browser);
    await page.goto(`${web.stack.base}/glossary?q=bulk`);
    await signIn(page, 'rev-bulk-token');
    await page.waitForSelector(`tr[data-term="${alpha}"]`);
    await expect.poll(() => page.locator('tr[data-term]').count()).toBe(4);

    // Nothing is preselected: a stray key on arrival decides nothing.
    expect(await page.locator('tr[data-term][aria-selected="true"]').count()).toBe(0);
    await page.locator('body').press('a');
    await page.keyboard.press('r');
    await page.waitForTimeout(300);
    for (const id of ids) expect(await statusOf(id)).toBe('proposed');

    // The bulk buttons wait for a selection.
    expect(await page.isDisabled('#bulk-reject')).toBe(true);
    expect(await page.isDisabled('#bulk-approve')).toBe(true);
    await page.check(`tr[data-term="${alpha}"] input.pick`);
    await page.check(`tr[data-term="${beta}"] input.pick`);
    await expect.poll(() => page.textContent('.bulk-count')).toContain('2 terms selected');

    // Cancelling the confirmation changes nothing.
    await page.click('#bulk-reject');
    await page.waitForSelector('dialog#bulk-confirm[open]');
    expect(await page.textContent('#bulk-confirm-text')).toContain('Reject 2 terms');
    expect(await axeViolations(page)).toEqual([]);
    await page.click('#bulk-confirm-cancel');
    await page.waitForTimeout(300);
    expect(await statusOf(alpha)).toBe('proposed');

    // Confirmed: both are rejected in one step, the others stay.
    await page.click('#bulk-reject');
    await page.click('#bulk-confirm-ok');
    await expect.poll(() => page.locator('.form-status').first().textContent()).toContain('2 terms were rejected');
    expect([await statusOf(alpha), await statusOf(beta), await statusOf(gamma), await statusOf(delta)]).toEqual(['rejected', 'rejected', 'proposed', 'proposed']);
    await expect.poll(() => page.locator('tr[data-term]').count()).toBe(2);
    expect(await page.isDisabled('#bulk-reject')).toBe(true);

    // Select all on the page, approve, confirm.
    await page.check('#g-select-all');
    await expect.poll(() => page.textContent('.bulk-count')).toContain('2 terms selected');
    await page.click('#bulk-approve');
    expect(await page.textContent('#bulk-confirm-text')).toContain('Approve 2 terms');
    await screenshot(page, 'glossary-bulk');
    await page.click('#bulk-confirm-ok');
    await expect.poll(() => page.locator('.form-status').first().textContent()).toContain('2 terms were approved');
    expect([await statusOf(gamma), await statusOf(delta)]).toEqual(['approved', 'approved']);
    expect(errors).toEqual([]);
    await context.close();
  });
});
