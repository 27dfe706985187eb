/**
 * Issue 16, items 5 and 6, in Debian's Chromium against a real server,
 * workers and Redis:
 * - glossary terms are marked in the source column whatever the article's
 *   language (an English and a Vietnamese sample), each with its term id,
 *   and the same term in every target column with its glossary rendering.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { apiJob, launchChromium, openPage, screenshot, startStack, type Stack } from './harness.js';

const TOKENS = 'sub-ph-token:submitter,rev-ph-token:reviewer,adm-ph-token:admin';
const sample = (lang: string) => readFileSync(join(ROOT, 'samples', `open-models.${lang}.txt`), 'utf8');


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

async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForSelector('header .role');
}

async function api<T>(path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${stack.base}${path}`, {
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
    const id = await apiJob(stack, 'sub-ph-token', { text: sample('en'), sourceLang: 'en', targets: ['fr', 'vi'] });
    const aligned = await api<Aligned>(`/v1/jobs/${id}/bundle?format=json`, 'sub-ph-token');
    const first = aligned.segments.flatMap((s) => s.meta.fr?.matches ?? []).find((m) => m.source === 'language model');
    expect(first, 'aligned.json lists the English words').toBeDefined();

    const { context, page, errors } = await openPage(browser);
    await page.goto(`${stack.base}/jobs/${encodeURIComponent(id)}`);
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
  });

  it('marks the Vietnamese words in a Vietnamese article', async () => {
    const id = await apiJob(stack, 'sub-ph-token', { text: sample('vi').normalize('NFD'), sourceLang: 'vi', targets: ['en'] });
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${stack.base}/jobs/${encodeURIComponent(id)}`);
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
