/**
 * The behaviour every TranslationProvider owes its callers, whatever engine is
 * behind it. Call `runConformance` from a `*.test.ts` file:
 *
 *   runConformance('pseudo', async () => ({ provider: createPseudo(), close: async () => {} }), { from: 'fr', to: 'en' });
 *
 * `requests` (optional) lets the suite check that an empty batch costs no call.
 * `expectNotices` checks any response's notes; tests that provoke a note call it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_CHECKS, runConformance as runKit, type ConformanceOptions, type ConformanceReport } from '../../providers/conformance.js';
import type { LanguagePair, Notice, TranslateResponse, TranslationProvider } from '../../providers/contract.js';
import { ROOT } from '../helpers.js';

export interface ConformanceSetup {
  provider: TranslationProvider;
  close(): Promise<void>;
  /** Number of requests the engine has received so far, when the test can see it. */
  requests?: () => number;
  /** Scripts the fake engine so that the next call fails this way. */
  faults?: ConformanceOptions['faults'];
}

/** Each language's `errors` sentences, read from `locales/<lng>/errors.json`. */
const SENTENCES: Record<string, Record<string, string>> = Object.fromEntries(
  readdirSync(join(ROOT, 'locales'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => [d.name, JSON.parse(readFileSync(join(ROOT, 'locales', d.name, 'errors.json'), 'utf8')) as Record<string, string>]),
);

/** The variables a sentence fills in: `{{provider}}`, `{{from, language}}` → provider, from. */
function variables(sentence: string): string[] {
  return [...sentence.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]!);
}

/**
 * A response's notes are sayable in every language: each notice names a
 * `note-*` code that every locale has a sentence for, with a value for each
 * variable of those sentences, and `warnings` are exactly the notices'
 * English messages. Returns the notices so that a test can look closer.
 */
export function expectNotices(res: Pick<TranslateResponse, 'warnings' | 'notices'>): Notice[] {
  const warnings = res.warnings ?? [];
  if (warnings.length) expect(res.notices, `warnings without notices: ${warnings.join(' | ')}`).toBeDefined();
  const notices = res.notices ?? [];
  if (res.warnings !== undefined) expect(res.warnings).toEqual(notices.map((n) => n.message));
  expect(Object.keys(SENTENCES).length).toBeGreaterThan(1);
  for (const n of notices) {
    expect(n.code).toMatch(/^note-/);
    expect(n.message.length, n.code).toBeGreaterThan(0);
    for (const [lng, sentences] of Object.entries(SENTENCES)) {
      const sentence = sentences[n.code];
      expect(sentence, `${lng} has no sentence for ${n.code}`).toBeTypeOf('string');
      for (const v of variables(sentence!)) expect(n.params?.[v], `${n.code} (${lng}) needs {{${v}}}: ${n.message}`).toBeDefined();
    }
  }
  return notices;
}

/**
 * Runs the conformance kit (`providers/conformance.ts`, the one that
 * `locflow provider-test` runs on plugins) on a provider, one test per check.
 * A check the kit skips (no way to provoke an error) is reported as skipped.
 */
export function runConformance(name: string, setup: () => Promise<ConformanceSetup>, pair: LanguagePair): void {
  describe(`provider conformance: ${name} (${pair.from}→${pair.to})`, () => {
    let ctx: ConformanceSetup;
    let report: ConformanceReport;
    beforeAll(async () => {
      ctx = await setup();
      report = await runKit(ctx.provider, { pair, ...(ctx.requests ? { requests: ctx.requests } : {}), ...(ctx.faults ? { faults: ctx.faults } : {}) });
    }, 120_000);
    afterAll(async () => {
      await ctx?.close();
    });

    for (const check of CONFORMANCE_CHECKS) {
      it(check.title, (t) => {
        const result = report.checks.find((c) => c.name === check.name)!;
        if (result.status === 'skipped') t.skip(result.reason);
        expect(result.status, result.reason).toBe('passed');
      });
    }
  });
}
