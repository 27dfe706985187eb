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
import { comparePlaceholders, plainText } from '../../pipeline/inline.js';
import { noticesOf } from '../../pipeline/notices.js';
import type { LanguagePair, Notice, ProviderSegment, TranslateRequest, TranslateResponse, TranslationProvider } from '../../providers/contract.js';
import { planBatches } from '../../providers/policy.js';
import { ROOT } from '../helpers.js';

export interface ConformanceSetup {
  provider: TranslationProvider;
  close(): Promise<void>;
  /** Number of requests the engine has received so far, when the test can see it. */
  requests?: () => number;
}

/** Well-formed inline XML: only `<g id>`, `</g>`, `<x id/>` tags and known entities. */
export function wellFormedInline(text: string): boolean {
  const noTags = text.replace(/<g id="[^"]*">|<\/g>|<x id="[^"]*"\/>/g, '');
  if (/[<>]/.test(noTags)) return false;
  return !/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(noTags);
}

/** Sentences in the source language with placeholders of every kind, one distinct id set each. */
const SAMPLES: Record<string, string[]> = {
  fr: [
    'La société <g id="1">DeepSeek</g> a publié un nouveau modèle.',
    'Les chercheurs ont comparé <x id="2"/> avec les modèles américains.',
    'Le code est disponible sur <g id="3">GitHub</g> depuis lundi &amp; mardi.',
    'Selon <x id="t1"/>, les coûts ont baissé de 90 %.',
    'Les actions de <g id="5">Nvidia</g> ont chuté <x id="6"/> après l’annonce.',
  ],
  en: [
    'The company <g id="1">DeepSeek</g> released a new model.',
    'Researchers compared <x id="2"/> with American models.',
    'The code has been on <g id="3">GitHub</g> since Monday &amp; Tuesday.',
    'According to <x id="t1"/>, costs fell by 90 percent.',
    'Shares of <g id="5">Nvidia</g> fell <x id="6"/> after the announcement.',
  ],
  es: [
    'La empresa <g id="1">DeepSeek</g> publicó un nuevo modelo.',
    'Los investigadores compararon <x id="2"/> con los modelos americanos.',
    'El código está en <g id="3">GitHub</g> desde el lunes &amp; martes.',
    'Según <x id="t1"/>, los costes bajaron un 90 por ciento.',
    'Las acciones de <g id="5">Nvidia</g> cayeron <x id="6"/> tras el anuncio.',
  ],
};

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

export function conformanceSamples(from: string): string[] {
  return SAMPLES[from.split('-')[0]!] ?? SAMPLES.en!;
}

/** A request cut to the provider's limits as the router would, one call per batch (a provider never splits). */
async function within(provider: TranslationProvider, req: TranslateRequest): Promise<TranslateResponse> {
  const out: TranslateResponse = { texts: [], billedChars: 0, warnings: [], notices: [] };
  for (const segments of planBatches(req.segments, provider.limits, provider.measure?.bind(provider))) {
    const res = await provider.translate({ ...req, segments });
    out.texts.push(...res.texts);
    out.billedChars += res.billedChars;
    out.notices!.push(...noticesOf(res));
  }
  out.warnings = out.notices!.map((n) => n.message);
  return out;
}

export function runConformance(name: string, setup: () => Promise<ConformanceSetup>, pair: LanguagePair): void {
  describe(`provider conformance: ${name} (${pair.from}→${pair.to})`, () => {
    let ctx: ConformanceSetup;
    beforeAll(async () => {
      ctx = await setup();
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it('declares an id, usable limits and a glossary mode', () => {
      const p = ctx.provider;
      expect(p.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(p.configured).toBe(true);
      expect(p.limits.maxTexts).toBeGreaterThan(0);
      expect(p.limits.maxChars).toBeGreaterThan(0);
      expect(['native', 'mask']).toContain(p.glossary);
    });

    it('lists the pair under test among its pairs', async () => {
      const pairs = await ctx.provider.pairs();
      expect(pairs.some((p) => p.from === pair.from && p.to === pair.to)).toBe(true);
    });

    it('keeps every placeholder, escapes and segment order', async () => {
      const texts = conformanceSamples(pair.from);
      const res = await within(ctx.provider, { segments: texts.map((text, i) => ({ id: `p1.s${i + 1}`, text })), from: pair.from, to: pair.to });
      expect(res.texts).toHaveLength(texts.length);
      res.texts.forEach((out, i) => {
        const check = comparePlaceholders(texts[i]!, out);
        expect(check, `segment ${i + 1}: ${out}`).toMatchObject({ ok: true });
        expect(wellFormedInline(out), `segment ${i + 1} is not well-formed inline XML: ${out}`).toBe(true);
        expect(plainText(out).trim().length).toBeGreaterThan(0);
      });
      // Each sample carries its own placeholder ids, so a reordered answer cannot pass the check above;
      // the ids are asserted here once more so that a failure names the order explicitly.
      const firstIds = res.texts.map((t) => /id="([^"]+)"/.exec(t)?.[1]);
      expect(firstIds).toEqual(texts.map((t) => /id="([^"]+)"/.exec(t)?.[1]));
      expect(res.billedChars).toBeGreaterThan(0);
      expectNotices(res);
    });

    it('translates a batch as large as its limits allow (capped for speed)', async () => {
      const base = conformanceSamples(pair.from);
      const count = Math.max(2, Math.min(ctx.provider.limits.maxTexts, 30));
      const segments: ProviderSegment[] = [];
      let chars = 0;
      for (let i = 0; i < count; i++) {
        const text = `${base[i % base.length]!.replace(/id="([^"]+)"/g, (_m, id: string) => `id="${id}-${i}"`)}`;
        if (chars + text.length > ctx.provider.limits.maxChars) break;
        chars += text.length;
        segments.push({ id: `p2.s${i + 1}`, text });
      }
      expect(segments.length).toBeGreaterThan(0);
      const res = await within(ctx.provider, { segments, from: pair.from, to: pair.to });
      expect(res.texts).toHaveLength(segments.length);
      res.texts.forEach((out, i) => expect(comparePlaceholders(segments[i]!.text, out).ok, out).toBe(true));
      expect(res.billedChars).toBeGreaterThan(0);
      expectNotices(res);
    });

    it('answers an empty batch with nothing, bills nothing and calls nobody', async () => {
      const before = ctx.requests?.();
      const res = await ctx.provider.translate({ segments: [], from: pair.from, to: pair.to });
      expect(res.texts).toEqual([]);
      expect(res.billedChars).toBe(0);
      if (before !== undefined) expect(ctx.requests!()).toBe(before);
    });

    it('reports itself healthy', async () => {
      const h = await ctx.provider.health();
      expect(h.message.length).toBeGreaterThan(0);
      expect(h.ok, h.message).toBe(true);
    });
  });
}
