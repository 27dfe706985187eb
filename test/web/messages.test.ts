/**
 * The job page says what the pipeline found and what went wrong in the page's
 * language: QA findings are drawn from their codes (`locales/<lng>/qa.json`),
 * a failure and each target's error come from the server already in that
 * language. In English the page shows the bundle's own sentences, unchanged,
 * and the bundle files stay English whatever the reader's language.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlowDeepl, type SlowDeepl } from '../queue/slow-deepl.js';
import { apiJob, launchChromium, openPage, screenshot, startStack, type Stack } from './harness.js';

// A decimal comma copied into English: pseudo-localisation keeps numbers as they are, so the finding is certain.
const ARTICLE = 'Le prix du service est de 5,5 euros par mois pour les lecteurs.';

let stack: Stack;
let browser: Browser;
let fake: SlowDeepl;

beforeAll(async () => {
  fake = await startSlowDeepl();
  // Open mode (no tokens): these tests are about words, not sign-in.
  stack = await startStack('', { env: fake.env });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await fake?.close();
});

interface Shown {
  code: string | null;
  text: string;
  lang: string | null;
}

async function findingsOn(page: Page, url: string): Promise<Shown[]> {
  await page.goto(url);
  await page.waitForSelector('.aligned .finding');
  return page.$$eval('.aligned .finding', (items) =>
    items.map((li) => {
      const text = li.querySelector('.finding-text');
      return { code: li.getAttribute('data-code'), text: text?.textContent ?? '', lang: text?.getAttribute('lang') ?? null };
    }),
  );
}

describe('QA findings in the page language', () => {
  it('shows a finding in French and Vietnamese from its code, in English as the bundle has it, and the bundle stays English', async () => {
    const id = await apiJob(stack, '', { text: ARTICLE, sourceLang: 'fr', targets: ['en'] });
    const aligned = (await (await fetch(`${stack.base}/v1/jobs/${id}/bundle?format=json`, { headers: { 'accept-language': 'fr' } })).json()) as {
      segments: { meta: Record<string, { qa: { code?: string; message: string }[] }> }[];
    };
    const stored = aligned.segments.flatMap((s) => s.meta.en?.qa ?? []).find((f) => f.code === 'numbers-separator');
    // The bundle is data for tools: its sentence is English even when a French reader downloads it.
    expect(stored?.message).toBe('decimal separator not usual in en: 5,5 (en writes a decimal point)');

    const { context, page, errors } = await openPage(browser, 'fr-FR');
    try {
      const fr = (await findingsOn(page, `${stack.base}/jobs/${id}?lng=fr`)).find((f) => f.code === 'numbers-separator');
      expect(fr).toEqual({ code: 'numbers-separator', lang: 'fr', text: "séparateur décimal inhabituel en anglais : 5,5 (en anglais, la décimale s'écrit avec un point)" });
      expect(await page.textContent('.aligned .finding[data-code="numbers-separator"] .sev')).toMatch(/^Remarque · /);
      await screenshot(page, 'job-findings-fr');

      const vi = (await findingsOn(page, `${stack.base}/jobs/${id}?lng=vi`)).find((f) => f.code === 'numbers-separator');
      expect(vi).toEqual({ code: 'numbers-separator', lang: 'vi', text: 'dấu thập phân không thông dụng trong tiếng Anh: 5,5 (tiếng Anh dùng dấu chấm thập phân)' });

      const en = (await findingsOn(page, `${stack.base}/jobs/${id}?lng=en`)).find((f) => f.code === 'numbers-separator');
      expect(en).toEqual({ code: 'numbers-separator', lang: 'en', text: stored!.message });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('a failed job in the page language', () => {
  it('says the provider’s refusal in French in the technical details and the target’s error, with the code unchanged', async () => {
    fake.failures = Array(50).fill(456);
    let id: string;
    try {
      const res = await fetch(`${stack.base}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${ARTICLE} Quota.`, sourceLang: 'fr', targets: ['vi'], provider: 'deepl' }),
      });
      id = ((await res.json()) as { id: string }).id;
      for (let i = 0; ; i++) {
        const v = (await (await fetch(`${stack.base}/v1/jobs/${id}`)).json()) as { status: string };
        if (v.status === 'failed') break;
        if (i > 200) throw new Error(`job ${id} is still ${JSON.stringify(v)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      fake.failures = [];
    }
    const english = ((await (await fetch(`${stack.base}/v1/jobs/${id}`)).json()) as { error: { code: string; message: string } }).error;
    expect(english.code).toBe('provider-quota');

    const { context, page, errors } = await openPage(browser, 'fr-FR');
    try {
      await page.goto(`${stack.base}/jobs/${id}?lng=fr`);
      await page.waitForSelector('.job-error .detail', { state: 'attached' });
      const detail = page.locator('.job-error .detail');
      expect(await detail.textContent()).toMatch(/^vi: deepl : quota de traduction épuisé \(/);
      expect(await detail.getAttribute('lang')).toBe('fr');
      // The plain-words explanation names the engine from the error's params, not by parsing an English sentence.
      expect(await page.textContent('.job-error .plain')).toBe(
        'Le service de traduction deepl a épuisé son quota. Choisissez un autre fournisseur ou attendez le renouvellement du quota.',
      );
      expect(await page.textContent('tr[data-lang="vi"] .target-error .detail')).toMatch(/^deepl : quota de traduction épuisé/);
      await screenshot(page, 'job-failed-fr');

      await page.goto(`${stack.base}/jobs/${id}?lng=en`);
      await page.waitForSelector('.job-error .detail', { state: 'attached' });
      expect(await page.textContent('.job-error .detail')).toBe(english.message);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says a failure that arrives over the live event stream in the page language', async () => {
    // Held workers: the page opens on a queued job and follows it; the failure then comes as an event.
    await stack.holdWorkers();
    fake.failures = Array(50).fill(403);
    // The browser asks for English; only the address says Vietnamese, so the stream must carry ?lng= itself.
    const { context, page, errors } = await openPage(browser, 'en-US');
    try {
      const res = await fetch(`${stack.base}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${ARTICLE} Xác thực.`, sourceLang: 'fr', targets: ['es'], provider: 'deepl' }),
      });
      const { id } = (await res.json()) as { id: string };
      await page.goto(`${stack.base}/jobs/${id}?lng=vi`);
      await page.waitForSelector('#cancel-job');
      await stack.startWorkers();
      await page.waitForSelector('.job-error .detail', { state: 'attached', timeout: 20_000 });
      expect(await page.textContent('.job-error .detail')).toMatch(/^es: deepl: xác thực thất bại \(/);
      expect(await page.textContent('tr[data-lang="es"] .target-error .detail')).toMatch(/^deepl: xác thực thất bại/);
      expect(errors).toEqual([]);
    } finally {
      fake.failures = [];
      await stack.startWorkers();
      await context.close();
    }
  });
});
