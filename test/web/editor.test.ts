/**
 * The segment editor in Debian's Chromium: a reviewer takes a target from
 * machine output to approved with the keyboard only (Tab to the cell, type,
 * Ctrl+Enter, Esc, Alt+↑, Shift+Tab to "Approve Spanish"); placeholders stay
 * whole; findings appear on save; and two reviewers editing the same segment
 * see the conflict with both versions instead of one overwriting the other.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiJob, openPage, webForTests } from './harness.js';

const TOKENS = 'sub-ed-token:submitter,rev-ed-token:reviewer,rev2-ed-token:reviewer';
const ARTICLE = "Le modèle [open source](https://example.org/modele) coûte 20 dollars.\n\nLa deuxième phrase parle d'autre chose.\n";

const web = webForTests(TOKENS);

async function reviewerOn(path: string, token = 'rev-ed-token') {
  const opened = await openPage(web.browser);
  await opened.page.goto(`${web.stack.base}${path}`);
  await opened.page.fill('#token', token);
  await opened.page.press('#token', 'Enter');
  await opened.page.waitForSelector('header .role');
  return opened;
}

const cell = (page: Page, name: string) => page.getByRole('textbox', { name, exact: true });
const focusedName = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${web.stack.base}${path}`, { headers: { authorization: 'Bearer rev-ed-token' } });
  return (await res.json()) as T;
}

describe('segment editor', { timeout: 180_000 }, () => {
  it('takes a target from machine output to approved with the keyboard only', async () => {
    const id = await apiJob(web.stack, 'sub-ed-token', { text: ARTICLE, format: 'markdown', sourceLang: 'fr', targets: ['es'] });
    const { context, page, errors } = await reviewerOn(`/jobs/${id}`);
    await cell(page, 'p1.s1 es').waitFor();
    // The link is a chip, not text to retype.
    expect(await page.locator('[aria-label="p1.s1 es"] .chip').count()).toBe(2);

    // Keyboard only from here: Tab until the first target cell has focus.
    for (let i = 0; i < 120 && (await focusedName(page)) !== 'p1.s1 es'; i++) await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('p1.s1 es');
    // The segment's glossary term and its required rendering are offered beside the cell.
    await expect.poll(() => page.locator('td.editing .hint-term').first().textContent()).toContain('código abierto');

    // Select everything and delete: the chips survive.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    expect(await page.locator('[aria-label="p1.s1 es"] .chip').count()).toBe(2);
    await page.keyboard.press('Escape');

    // One key press inserts the term's required rendering where the caret was.
    const terms = async () => ((await cell(page, 'p1.s1 es').textContent()) ?? '').split('código abierto').length - 1;
    const before1 = await terms();
    await page.keyboard.press('End');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Insert código abierto');
    await page.keyboard.press('Enter');
    expect(await focusedName(page)).toBe('p1.s1 es');
    expect(await terms()).toBe(before1 + 1);
    await page.keyboard.type(' 99');
    await page.keyboard.press('Control+Enter');
    // Saved: the next segment has focus, and the new number is reported as the reviewer's own finding.
    await expect.poll(() => focusedName(page)).toBe('p2.s1 es');
    const p1 = page.locator('tr[data-segment="p1.s1"] td[data-lang="es"]');
    await expect.poll(() => p1.locator('.seg-state').textContent()).toBe('edited');
    await expect.poll(() => p1.locator('li.finding[data-origin="human"]').count()).toBeGreaterThan(0);
    expect(await p1.locator('li.finding[data-origin="human"]').first().textContent()).toContain("Reviewer's warning");

    // Esc drops what was typed; Ctrl+Enter on an unchanged machine segment confirms it.
    const before = await cell(page, 'p2.s1 es').textContent();
    await page.keyboard.type(' brouillon');
    await page.keyboard.press('Escape');
    expect(await cell(page, 'p2.s1 es').textContent()).toBe(before);
    await page.keyboard.press('Control+Enter');
    const p2 = page.locator('tr[data-segment="p2.s1"] td[data-lang="es"]');
    await expect.poll(() => p2.locator('.seg-state').textContent()).toBe('reviewed');

    // Alt+↑ goes back; Shift+Tab reaches "Approve Spanish" at the top of the column.
    await page.keyboard.press('Alt+ArrowUp');
    expect(await focusedName(page)).toBe('p1.s1 es');
    for (let i = 0; i < 10 && (await focusedName(page)) !== 'Approve Spanish'; i++) await page.keyboard.press('Shift+Tab');
    expect(await focusedName(page)).toBe('Approve Spanish');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('th[data-lang="es"] .review-state').textContent()).toContain('approved by reviewer#2');

    // The server agrees: an approved target with the edited, still-marked-up segment.
    const review = await api<{ revision: number; targets: { es: { review: { state: string } } }; segments: { targets: { es: { text: string; state: string } } }[] }>(`/v1/jobs/${id}/review`);
    expect(review.targets.es.review.state).toBe('approved');
    expect(review.segments[0]!.targets.es.state).toBe('edited');
    expect(review.segments[0]!.targets.es.text).toMatch(/<g id="[^"]+">.*<\/g>.*código abierto 99$/);
    expect(review.segments[1]!.targets.es.state).toBe('reviewed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a concurrent edit of the same segment as a conflict with both versions', async () => {
    const id = await apiJob(web.stack, 'sub-ed-token', { text: ARTICLE.replace('20', '30'), format: 'markdown', sourceLang: 'fr', targets: ['es'] });
    const a = await reviewerOn(`/jobs/${id}`);
    const b = await reviewerOn(`/jobs/${id}`, 'rev2-ed-token');
    await cell(a.page, 'p1.s1 es').waitFor();
    await cell(b.page, 'p1.s1 es').waitFor();

    // B starts typing first; A saves the same segment before B does.
    await cell(b.page, 'p1.s1 es').focus();
    await b.page.keyboard.press('End');
    await b.page.keyboard.type(' versión B');
    await cell(a.page, 'p1.s1 es').focus();
    await a.page.keyboard.press('End');
    await a.page.keyboard.type(' versión A');
    await a.page.keyboard.press('Control+Enter');
    await expect.poll(() => a.page.locator('tr[data-segment="p1.s1"] .seg-state').textContent()).toBe('edited');

    // B's save is refused and both versions are shown; B's text is still in the cell.
    await b.page.keyboard.press('Control+Enter');
    const conflict = b.page.locator('tr[data-segment="p1.s1"] .conflict');
    await conflict.waitFor();
    expect(await conflict.locator('.theirs').textContent()).toMatch(/versión A$/);
    expect(await conflict.locator('.mine').textContent()).toMatch(/versión B$/);
    expect(await conflict.textContent()).toContain('reviewer#2');
    expect(await cell(b.page, 'p1.s1 es').textContent()).toMatch(/versión B$/);

    // B decides to keep theirs over A's; A's page follows without a reload.
    await conflict.locator('button.keep-mine').click();
    await expect.poll(() => b.page.locator('tr[data-segment="p1.s1"] .conflict').count()).toBe(0);
    await expect.poll(() => cell(a.page, 'p1.s1 es').textContent(), { timeout: 15_000 }).toMatch(/versión B$/);
    expect(a.errors).toEqual([]);
    expect(b.errors.filter((e) => !/status of 412/.test(e))).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it('is usable on a 390-pixel phone: the cell is wide enough to read and saves with Ctrl+Enter', async () => {
    const id = await apiJob(web.stack, 'sub-ed-token', { text: ARTICLE.replace('20', '40'), format: 'markdown', sourceLang: 'fr', targets: ['es'] });
    const { context, page, errors } = await reviewerOn(`/jobs/${id}`);
    await page.setViewportSize({ width: 390, height: 844 });
    const box = cell(page, 'p1.s1 es');
    await box.waitFor();
    await box.scrollIntoViewIfNeeded();
    const b = (await box.boundingBox())!;
    expect(b.width).toBeGreaterThan(120);
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(390);
    expect(await page.locator('button.approve').isVisible()).toBe(true);
    await box.focus();
    await page.keyboard.press('End');
    await page.keyboard.type(' móvil');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.locator('tr[data-segment="p1.s1"] .seg-state').textContent()).toBe('edited');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("accepts an XLIFF import that breaks an approved term and shows it as the reviewer's warning", async () => {
    const id = await apiJob(web.stack, 'sub-ed-token', { text: 'Le modèle open source coûte 50 dollars.\n\nEncore une phrase pour finir.', sourceLang: 'fr', targets: ['es'] });
    const xliff = await (await fetch(`${web.stack.base}/v1/jobs/${id}/bundle?format=xliff&target=es`, { headers: { authorization: 'Bearer rev-ed-token' } })).text();
    const broken = xliff.replace(/(<trans-unit id="p1\.s1"[\s\S]*?<target[^>]*>)[\s\S]*?(<\/target>)/, '$1El modelo de fuente abierta cuesta 50 dólares.$2');
    const { context, page, errors } = await reviewerOn(`/jobs/${id}`);
    await cell(page, 'p1.s1 es').waitFor();
    await page.selectOption('#pe-target', 'es');
    await page.setInputFiles('#pe-file', { name: 'fr-es.xlf', mimeType: 'application/xml', buffer: Buffer.from(broken) });
    await page.click('form.post-edit button[type=submit]');
    const said = page.locator('form.post-edit .import-findings');
    await said.waitFor();
    expect(await said.textContent()).toContain("Reviewer's warning");
    expect(await said.textContent()).toContain('código abierto');
    const finding = page.locator('tr[data-segment="p1.s1"] td[data-lang="es"] li.finding[data-code="glossary-form-missing"]');
    await expect.poll(() => finding.getAttribute('data-origin')).toBe('human');
    expect(await cell(page, 'p1.s1 es').textContent()).toBe('El modelo de fuente abierta cuesta 50 dólares.');
    expect(errors).toEqual([]);
    await context.close();
  });
});
