/**
 * What the browser tests share: a real locflow server (API + page) with
 * in-process workers on the real Redis under a private prefix, and Debian's
 * Chromium driven by playwright-core. No browser is ever downloaded: without
 * /usr/bin/chromium the tests fail and say how to install it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { startWorkers, type RunningWorkers } from '../../workers/worker.js';
import { ROOT } from '../helpers.js';
import { cleanPrefix, testConfig } from '../queue/helpers.js';
import type { QueueConfig } from '../../workers/config.js';

export const CHROMIUM = process.env.LOCFLOW_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'screenshots');

export interface Stack {
  base: string;
  app: FastifyInstance;
  /** Starts the in-process workers when the stack was made without them or they are held. */
  startWorkers(): Promise<void>;
  /** Stops the workers (running jobs finish first) until startWorkers(), so a test can see its job waiting whatever ran before it. */
  holdWorkers(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  workers?: boolean;
  /** Queue settings over the test defaults (another Redis, fewer attempts). */
  config?: Partial<QueueConfig>;
  /** Environment for the server and the workers on top of process.env (provider settings). */
  env?: NodeJS.ProcessEnv;
}

export async function startStack(tokens: string, options: StackOptions = {}): Promise<Stack> {
  const config = testConfig(options.config);
  const env = { ...process.env, ...options.env, LOCFLOW_TOKENS: tokens };
  const app = await buildServer({ config, logger: false, auth: parseTokens(tokens), env, pollMs: 100 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  let workers: RunningWorkers | undefined;
  const start = async () => {
    workers ??= await startWorkers({ config, concurrency: 4, env });
  };
  if (options.workers !== false) await start();
  return {
    app,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    startWorkers: start,
    async holdWorkers() {
      // Closed rather than paused: a paused BullMQ worker can still take the job its pending fetch returns.
      const running = workers;
      workers = undefined;
      await running?.close();
    },
    async close() {
      await workers?.close();
      await app.close();
      await cleanPrefix(config.prefix);
    },
  };
}

/**
 * The stack and one Chromium for a whole test file (start-up is the slow
 * part): started before its tests, closed after. Read `stack` and `browser`
 * inside tests, not at import time.
 */
export function webForTests(tokens: string, options: StackOptions = {}): { readonly stack: Stack; readonly browser: Browser } {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack(tokens, options);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  const built = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`webForTests: ${what} is not there (started in beforeAll; read it inside a test)`);
    return value;
  };
  return {
    get stack() {
      return built(stack, 'the stack');
    },
    get browser() {
      return built(browser, 'the browser');
    },
  };
}

/** A job submitted straight through the API with a bearer token, as the CLI would: tests that need a job make their own. */
export async function apiJob(stack: Stack, token: string, body: Record<string, unknown>, options: { wait?: boolean } = {}): Promise<string> {
  const res = await fetch(`${stack.base}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'pseudo', ...body }),
  });
  const json = (await res.json()) as { id?: string; error?: { message: string } };
  if (res.status !== 202 || !json.id) throw new Error(`POST /v1/jobs: ${res.status} ${json.error?.message ?? ''}`);
  if (options.wait !== false) await waitForJob(stack, token, json.id);
  return json.id;
}

/** Waits (workers running) until the job is done; a failed or cancelled job fails the test that waits. */
export async function waitForJob(stack: Stack, token: string, id: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.base}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const view = (await res.json()) as { status?: string; error?: { message: string } };
    if (view.status === 'completed') return;
    if (view.status === 'failed' || view.status === 'cancelled') throw new Error(`job ${id} ${view.status}: ${view.error?.message ?? ''}`);
    if (Date.now() > until) throw new Error(`job ${id} still ${view.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the web page tests need Debian's chromium (apt-get install chromium, or npm run setup as root)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the networking flags Chromium keeps dialling out on a closed network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A laptop-sized window in a given browser language; every page error fails the test that reads `errors`. */
export async function openPage(browser: Browser, locale = 'en-US'): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale, viewport: { width: 1366, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 40[0-9]/.test(msg.text())) errors.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page, errors };
}

/** Signs in on the page's token form and waits until the header shows the role. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForSelector('header .role');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Accessibility violations axe-core finds on the page as it is now (WCAG 2.1
 * A and AA rules, contrast included). axe is evaluated through the DevTools
 * protocol, which the page's CSP does not apply to, so the CSP stays on.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}
