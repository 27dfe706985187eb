/**
 * What a critical pass over the web page at laptop sizes found and fixed,
 * each checked in Debian's Chromium so that it stays fixed: the side-by-side
 * view with many languages, the skip link, live progress that is announced
 * once per change and leaves keyboard focus alone, failures and refused files
 * explained in plain words, empty and loading states, and the language shown
 * while the article is typed.
 *
 * One server and one browser for the file; each test makes its own jobs.
 * DeepL is configured against a closed port, so a job sent to it fails the way
 * an unreachable provider does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freePort, ROOT, SAMPLE_FR } from '../helpers.js';
import { startRedisServer } from '../queue/redis-servers.js';
import { apiJob, axeViolations, openPage, screenshot, startStack, waitForJob, webForTests } from './harness.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');
const TOKENS = 'sub-rv-token:submitter,rev-rv-token:reviewer';

const web = webForTests(TOKENS, {
    workers: false,
    config: { attempts: 1 },
    env: { DEEPL_AUTH_KEY: 'review-test-key:fx', DEEPL_BASE_URL: 'http://127.0.0.1:9' },
  });

async function signedIn(path: string, options: { locale?: string; size?: { width: number; height: number }; token?: string } = {}) {
  const opened = await openPage(web.browser, options.locale);
  if (options.size) await opened.page.setViewportSize(options.size);
  await opened.page.goto(`${web.stack.base}${path}`);
  await opened.page.fill('#token', options.token ?? 'sub-rv-token');
  await opened.page.click('form button[type=submit]');
  await opened.page.waitForSelector('header .role');
  return opened;
}

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not visible`);
  return b;
}

describe('web page at laptop sizes', { timeout: 120_000 }, () => {
  it('keeps the segment ids, the source and the header row in view when six languages do not fit the screen', async () => {
    await web.stack.startWorkers();
    const six = await apiJob(web.stack, 'sub-rv-token', { text: sample, targets: ['en', 'vi', 'es', 'de', 'ja'] });
    const four = await apiJob(web.stack, 'sub-rv-token', { text: sample, targets: ['en', 'vi', 'es'] });
    const { context, page, errors } = await signedIn(`/jobs/${four}`, { size: { width: 1366, height: 768 } });
    await page.waitForSelector('table.aligned');
    // Source and three targets fit a 1366-pixel screen: no sideways scrolling, columns of equal width.
    const fits = await page.$eval('.aligned-wrap', (el) => el.scrollWidth <= el.clientWidth);
    expect(fits).toBe(true);
    const widths = await page.$$eval('table.aligned thead th[data-lang]', (ths) => ths.map((th) => Math.round(th.getBoundingClientRect().width)));
    expect(widths).toHaveLength(4);
    expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(2);

    await page.goto(`${web.stack.base}/jobs/${six}`);
    await page.waitForSelector('table.aligned');
    await page.$eval('.aligned-wrap', (el) => {
      el.scrollIntoView();
      el.scrollLeft = el.scrollWidth;
      el.scrollTop = 600;
    });
    const wrap = await box(page, '.aligned-wrap');
    expect(await page.$eval('.aligned-wrap', (el) => el.scrollLeft)).toBeGreaterThan(50);
    // Scrolled right and down, the header row is still at the top and the source column still on the left.
    const sourceHead = await box(page, 'table.aligned thead th.source');
    expect(Math.abs(sourceHead.y - wrap.y)).toBeLessThanOrEqual(2);
    expect(sourceHead.x).toBeGreaterThanOrEqual(wrap.x);
    expect(sourceHead.x).toBeLessThan(wrap.x + 120);
    const sourceCells = await page.$$eval('table.aligned tbody td.source', (tds) => tds.map((td) => td.getBoundingClientRect().left));
    expect(sourceCells.every((left) => left >= wrap.x && left < wrap.x + 120)).toBe(true);
    const idCell = await box(page, 'table.aligned tbody th.seg-id');
    expect(idCell.x).toBeGreaterThanOrEqual(wrap.x);
    expect(idCell.x).toBeLessThan(wrap.x + 4);
    // The last language is reachable.
    const last = await box(page, 'table.aligned thead th[data-lang="ja"]');
    expect(last.x + last.width).toBeLessThanOrEqual(wrap.x + wrap.width + 1);
    // A 1920-pixel screen is used to its full width: the six languages fit without scrolling.
    await page.setViewportSize({ width: 1920, height: 1080 });
    expect(await page.$eval('.aligned-wrap', (el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.setViewportSize({ width: 1366, height: 768 });
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'job-six-languages');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('skips to the content without redrawing the page, and shows where focus is', async () => {
    const { context, page, errors } = await signedIn('/');
    // From the top of a freshly loaded page, the first Tab reaches the skip link, which then shows on screen.
    await page.reload();
    await page.waitForSelector('#article');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    const skip = await box(page, 'a.skip');
    expect(skip.x).toBeGreaterThanOrEqual(0);
    expect(await page.$eval('a.skip', (a) => getComputedStyle(a).outlineStyle)).not.toBe('none');
    await page.fill('#article', sample);
    await page.waitForSelector('#detected[data-lang="fr"]');
    await page.focus('a.skip');
    const main = await page.evaluateHandle(() => document.querySelector('main'));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
    // The same page, with what was typed: no redraw, and no #main in the address.
    expect(await page.evaluate((m) => m === document.querySelector('main'), main)).toBe(true);
    expect(await page.inputValue('#article')).toBe(sample);
    expect(new URL(page.url()).hash).toBe('');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('article');
    // Every control that Tab reaches has a visible focus ring.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(() => {
        const el = document.activeElement!;
        const style = getComputedStyle(el);
        return { what: `${el.tagName}#${el.id}`, style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      expect(ring.style, ring.what).not.toBe('none');
      expect(ring.width, ring.what).toBeGreaterThanOrEqual(2);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('announces a running job once per change of state and leaves keyboard focus where it was', async () => {
    await web.stack.holdWorkers();
    const id = await apiJob(web.stack, 'sub-rv-token', { text: readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8'), targets: ['en', 'vi'] }, { wait: false });
    const { context, page, errors } = await signedIn(`/jobs/${id}`);
    await page.waitForSelector('.card .badge.status-queued');
    // Counts every change of what each live region says while the job runs.
    await page.evaluate(() => {
      const said: string[] = [];
      (window as unknown as { __said: string[] }).__said = said;
      const last = new Map<Element, string>();
      new MutationObserver(() => {
        for (const region of Array.from(document.querySelectorAll('main [aria-live]'))) {
          const text = region.textContent ?? '';
          if (last.has(region) && last.get(region) !== text && text) said.push(text);
          last.set(region, text);
        }
      }).observe(document.querySelector('main')!, { subtree: true, childList: true, characterData: true });
      for (const region of Array.from(document.querySelectorAll('main [aria-live]'))) last.set(region, region.textContent ?? '');
    });
    await web.stack.startWorkers();
    await page.waitForSelector('table.aligned', { timeout: 60_000 });
    const said = await page.evaluate(() => (window as unknown as { __said: string[] }).__said);
    // The job's own changes and each language finishing, and nothing for each progress step.
    expect(said.length).toBeGreaterThan(0);
    expect(said.length).toBeLessThanOrEqual(4);
    expect(said.at(-1)).toContain('The job is done');
    expect(await page.locator('section.summary[aria-live]').count()).toBe(0);

    // On the jobs list, a link that has focus keeps it while its row is redrawn by live updates.
    await web.stack.holdWorkers();
    const next = await apiJob(web.stack, 'sub-rv-token', { text: readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8'), targets: ['es'] }, { wait: false });
    await page.click('nav a[href^="/jobs"]');
    await page.waitForSelector(`tr[data-job="${next}"][data-status="queued"]`);
    await page.focus(`#job-link-${next}`);
    await web.stack.startWorkers();
    await page.waitForSelector(`tr[data-job="${next}"][data-status="completed"]`, { timeout: 60_000 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`job-link-${next}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says why a job failed in plain words, in the interface language, with the technical detail one click away', async () => {
    await web.stack.startWorkers();
    const id = await apiJob(web.stack, 'sub-rv-token', { text: sample, targets: ['en', 'vi'], provider: 'deepl' }, { wait: false });
    await expect(waitForJob(web.stack, 'sub-rv-token', id)).rejects.toThrow(/failed/);
    const { context, page, errors } = await signedIn(`/jobs/${id}`, { size: { width: 1366, height: 768 } });
    const plain = page.locator('.job-error .plain');
    await plain.waitFor();
    expect(await plain.textContent()).toBe('The translation service deepl could not be reached, even after several tries. Try again later, or submit the article with another provider.');
    expect(await page.locator('.job-error details').getAttribute('open')).toBeNull();
    expect(await page.locator('.job-error details .detail').textContent()).toContain('ECONNREFUSED');
    // No language of a failed job is shown as still running.
    const badges = await page.locator('table.target-status .badge').allTextContents();
    expect(badges.length).toBe(2);
    expect(badges.every((b) => b === 'failed' || b === 'stopped')).toBe(true);
    // Each target's own technical message is folded away too.
    expect(await page.locator('table.target-status .target-error[open]').count()).toBe(0);
    expect(await page.locator('table.target-status .target-error .detail').first().textContent()).toContain('ECONNREFUSED');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'job-failed');

    await page.goto(`${web.stack.base}/jobs?lng=vi`);
    const row = page.locator(`tr[data-job="${id}"]`);
    await row.waitFor();
    expect(await row.locator('.error-text').textContent()).toBe('Không kết nối được dịch vụ dịch deepl dù đã thử nhiều lần. Hãy thử lại sau, hoặc gửi bài viết với nhà cung cấp khác.');
    expect(await row.locator('.badge').allTextContents()).not.toContain('đang xử lý');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses binary files and files in an old encoding with a clear message, and reads UTF-16 and HTML in its declared encoding', async () => {
    const { context, page, errors } = await signedIn('/');
    await page.fill('#article', 'Texte déjà saisi.');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    await page.setInputFiles('#file', { name: 'photo.txt', mimeType: 'text/plain', buffer: png });
    await expect.poll(() => page.locator('#file-status [role=alert]').textContent()).toContain('photo.txt looks like binary data');
    expect(await page.inputValue('#article')).toBe('Texte déjà saisi.');

    const latin1 = Buffer.from('Le président a visité l’Élysée à côté de la Seine.'.replace('’', "'"), 'latin1');
    await page.setInputFiles('#file', { name: 'depeche.txt', mimeType: 'text/plain', buffer: latin1 });
    await expect.poll(() => page.locator('#file-status [role=alert]').textContent()).toContain('depeche.txt is not UTF-8 text');
    expect(await page.inputValue('#article')).toBe('Texte déjà saisi.');

    await page.setInputFiles('#file', { name: 'article.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 hello') });
    await expect.poll(() => page.locator('#file-status [role=alert]').textContent()).toContain('article.pdf is not a file locflow reads');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'submit-refused-file');

    // An HTML page is read in the encoding it declares, as a browser would.
    const page1252 = Buffer.from('<html><head><meta charset="windows-1252"><title>Dépêche</title></head><body><p>Le président a visité l\'Élysée à côté de la Seine.</p></body></html>', 'latin1');
    await page.setInputFiles('#file', { name: 'depeche.html', mimeType: 'text/html', buffer: page1252 });
    await expect.poll(() => page.inputValue('#article')).toContain("l'Élysée à côté");
    expect(await page.inputValue('#format')).toBe('html');
    expect(await page.locator('#file-status [role=alert]').count()).toBe(0);

    // UTF-16 with its byte-order mark is read, and the message goes away.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sample, 'utf16le')]);
    await page.setInputFiles('#file', { name: 'deepseek.txt', mimeType: 'text/plain', buffer: utf16 });
    await page.waitForSelector('#detected[data-lang="fr"]');
    expect(await page.inputValue('#article')).toBe(sample);
    expect(await page.locator('#file-status [role=alert]').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the language while the article is typed, asking the server once per pause and saying it aloud once', async () => {
    const { context, page, errors } = await signedIn('/', { locale: 'vi-VN' });
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/v1/detect')) asked.push(r.postData() ?? '');
    });
    await page.click('#article');
    await page.keyboard.type('Mô hình trí tuệ nhân tạo mã nguồn mở của DeepSeek gây chú ý tại Thung lũng Silicon.', { delay: 15 });
    await page.waitForSelector('#detected[data-lang="vi"]:not(.busy)');
    expect(await page.textContent('#detected')).toContain('Tiếng Việt (vi)');
    expect(asked.length).toBeLessThanOrEqual(2);
    expect(await page.isDisabled('#target-vi')).toBe(true);
    // Two more sentences after pauses: the text under the box follows, the announcement is not repeated.
    const announced: string[] = [];
    await page.exposeFunction('__announced', (text: string) => announced.push(text));
    await page.evaluate(() => {
      const region = document.getElementById('detect-announce')!;
      new MutationObserver(() => (window as unknown as { __announced(t: string): void }).__announced(region.textContent ?? '')).observe(region, { childList: true, characterData: true, subtree: true });
    });
    for (const more of [' Nhiều chuyên gia cho rằng thành công này không nên bị thổi phồng.', ' Các công ty Mỹ đang thử áp dụng mô hình của DeepSeek.']) {
      await page.keyboard.type(more, { delay: 5 });
      await page.waitForTimeout(700);
      await page.waitForSelector('#detected[data-lang="vi"]:not(.busy)');
    }
    expect(asked.length).toBeLessThanOrEqual(4);
    expect(announced).toEqual([]);
    // Another language is announced.
    await page.fill('#article', sample);
    await page.waitForSelector('#detected[data-lang="fr"]:not(.busy)');
    await expect.poll(() => announced).toEqual([expect.stringContaining('Tiếng Pháp (fr)')]);

    // When the detection is wrong the source language can be given: its box is then the one switched off,
    // and the job says it was given.
    await page.selectOption('#source-lang', 'en');
    expect(await page.isDisabled('#target-en')).toBe(true);
    expect(await page.isDisabled('#target-fr')).toBe(false);
    await page.setChecked('#target-vi', false);
    await page.setChecked('#target-fr', true);
    await page.selectOption('#provider', 'pseudo');
    await page.click('form button[type=submit].primary');
    await page.waitForURL(/\/jobs\/j_/);
    await expect.poll(() => page.locator('dl.facts').textContent()).toContain('Tiếng Anh (en) · do người gửi chỉ định');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says when there is nothing to show: an empty glossary filter, an address with no page', async () => {
    const { context, page, errors } = await signedIn('/glossary?q=zzzz-no-such-term', { token: 'rev-rv-token' });
    const empty = page.locator('td.empty');
    await empty.waitFor();
    expect(await empty.textContent()).toBe('No term matches these filters. Clear the search or choose another status, kind or language.');
    expect(await page.textContent('p.count')).toBe('Showing 0 of 0 terms');
    // An old or mistyped address: the page itself says so in the reader's language, with a way back.
    const res = await page.goto(`${web.stack.base}/glossary/terms/42?lng=vi`);
    expect(res?.status()).toBe(404);
    await page.waitForSelector('main h1');
    expect(await page.textContent('main h1')).toBe('Không có trang nào ở địa chỉ này.');
    await page.click('main a[data-link]');
    await page.waitForSelector('#article');
    expect(new URL(page.url()).searchParams.get('lng')).toBe('vi');
    expect(errors.filter((e) => !e.includes('status of 404'))).toEqual([]);
    await context.close();
  });

  it('lists older jobs a page at a time', async () => {
    const count = async () => ((await (await fetch(`${web.stack.base}/v1/jobs?limit=1`, { headers: { authorization: 'Bearer sub-rv-token' } })).json()) as { total: number }).total;
    for (let n = await count(), i = 0; n < 53; n++, i++) {
      await apiJob(web.stack, 'sub-rv-token', { text: `Dépêche numéro ${i} : le conseil municipal de Lyon a voté le budget des écoles pour l'année prochaine.`, targets: ['en'] }, { wait: false });
    }
    const total = await count();
    const { context, page, errors } = await signedIn('/jobs');
    await page.waitForSelector('tr[data-job]');
    expect(await page.locator('tr[data-job]').count()).toBe(50);
    // Untitled jobs are named by their opening words, in the article's language, with the id under them.
    const first = page.locator('tr[data-job] td.article').first();
    expect(await first.locator('a').textContent()).toMatch(/^Dépêche numéro \d+ : le conseil municipal de Lyon a voté le budget des écoles pour l'année prochaine\.$/);
    expect(await first.locator('a').getAttribute('lang')).toBe('fr');
    expect(await first.locator('.job-id').textContent()).toMatch(/^j_[0-9a-f]+$/);
    expect(await page.textContent('main [aria-live]')).toBe(`Showing 50 of ${total} jobs`);
    await page.click('button.more');
    await expect.poll(() => page.locator('tr[data-job]').count()).toBe(Math.min(total, 100));
    // Keyboard focus goes to the first job added, and the button goes once everything is shown.
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.rowIndex)).toBe(51);
    if (total <= 100) expect(await page.isHidden('button.more')).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says in plain words that the queue store is down, and recovers when it is back', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const own = await startStack(TOKENS, { workers: false, config: { redisUrl: `redis://127.0.0.1:${port}` } });
    const { context, page, errors } = await openPage(web.browser);
    try {
      await page.goto(`${own.base}/jobs`);
      await page.fill('#token', 'sub-rv-token');
      await page.click('form button[type=submit]');
      await page.waitForSelector('main h1:text("Jobs")');
      await page.waitForSelector('text=No jobs yet.');
      redis.kill('SIGKILL');
      await new Promise((r) => redis.once('exit', r));
      await page.reload();
      const alert = page.locator('main [role=alert]');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toBe('the queue store (Redis) is not reachable right now; try again shortly');
      // Submitting says the same instead of a stack trace.
      await page.click('nav a[href="/"]');
      await page.fill('#article', sample);
      await page.selectOption('#provider', 'pseudo');
      await page.click('form button[type=submit].primary');
      await expect.poll(() => page.locator('.form-status [role=alert]').textContent(), { timeout: 20_000 }).toContain('Redis');
      await screenshot(page, 'submit-redis-down');
      redis = await startRedis(port);
      await expect
        .poll(
          async () => {
            // Sessions live in Redis: a restarted Redis without persistence has forgotten them, so the page asks to sign in again.
            await page.goto(`${own.base}/jobs`);
            if (await page.isVisible('#token')) {
              await page.fill('#token', 'sub-rv-token');
              await page.click('form button[type=submit]');
              await page.waitForSelector('main h1', { timeout: 5000 }).catch(() => undefined);
            }
            return page.locator('main').textContent();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toContain('No jobs yet.');
      // The browser logs each 503 it was given; nothing else may go wrong.
      expect(errors.filter((e) => !e.includes('status of 503'))).toEqual([]);
    } finally {
      await context.close();
      await own.close().catch(() => undefined);
      redis.kill('SIGKILL');
    }
  });
});

/** A Redis of the test's own, which it may stop without disturbing anyone else's. */
const startRedis = (port: number) => startRedisServer(port, ['--appendonly', 'no', '--maxmemory-policy', 'noeviction']);

