/**
 * The real Apertium: the local binary and an APy server started for the test.
 * Skipped, with the reason, where Apertium or its fr-es / eng-spa pairs are not installed.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePlaceholders } from '../../pipeline/inline.js';
import { createApertium, openTranslator, type ProvidersConfig } from '../../providers/index.js';
import { findExecutable, modesToPairs } from '../../providers/apertium/binary.js';
import { repairApertiumOutput } from '../../providers/apertium/index.js';
import { startApy } from '../helpers.js';

const binary = findExecutable('apertium');
const haveModes = existsSync('/usr/share/apertium/modes/fr-es.mode') && existsSync('/usr/share/apertium/modes/spa-eng.mode');
const skipReason = !binary ? 'apertium is not installed' : !haveModes ? 'apertium-fr-es / apertium-eng-spa are not installed' : '';
if (skipReason) console.warn(`skipping real Apertium tests: ${skipReason}`);

const SENTENCES = [
  { id: 'p1.s1', text: "L'approche <x id=\"t1\"/> de DeepSeek a surpris les chercheurs." },
  { id: 'p1.s2', text: 'Les <g id="1">puces graphiques</g> coûtent cher &amp; les entreprises attendent.' },
  { id: 'p2.s1', text: 'Le modèle est disponible gratuitement.' },
];

describe('apertium mode names', () => {
  it('maps ISO 639-3 codes to BCP-47 and skips eco- and duplicate variant modes', () => {
    const pairs = modesToPairs(['spa-eng_US', 'fr-es', 'es-fr', 'eng-spa', 'spa-eng', 'eco-fr-es', 'README']);
    expect(pairs).toHaveLength(5);
    expect(pairs).toEqual(
      expect.arrayContaining([
        { from: 'fr', to: 'es', mode: 'fr-es' },
        { from: 'es', to: 'fr', mode: 'es-fr' },
        { from: 'en', to: 'es', mode: 'eng-spa' },
        { from: 'es', to: 'en', mode: 'spa-eng' },
        { from: 'es', to: 'en-US', mode: 'spa-eng_US' },
      ]),
    );
  });

  it('is not configured without the binary', () => {
    expect(createApertium({ env: { PATH: '/nonexistent' } }).configured).toBe(false);
  });

  it('is not configured with an APY URL that is not http(s), and says why', async () => {
    const p = createApertium({ env: { APERTIUM_APY_URL: 'localhost:2737' } });
    expect(p.configured).toBe(false);
    expect((await p.health()).message).toMatch(/APERTIUM_APY_URL is not an http\(s\) URL/);
  });
});

function config(env: NodeJS.ProcessEnv): ProvidersConfig {
  return { env, routes: {}, pivots: ['en', 'es', 'fr'], retry: {} };
}

describe.skipIf(!!skipReason)('apertium binary', () => {
  it('lists the installed pairs', async () => {
    const pairs = await createApertium().pairs();
    expect(pairs).toContainEqual({ from: 'fr', to: 'es' });
    expect(pairs).toContainEqual({ from: 'es', to: 'en' });
  });

  it('translates fr→es in one batch, keeping placeholders and entities', async () => {
    const t = await openTranslator({ config: config(process.env), provider: 'apertium' });
    const res = await t.translate({ from: 'fr', to: 'es', terms: [], segments: SENTENCES });
    expect(res.plan.id).toBe('apertium:fr>es');
    expect(res.texts).toHaveLength(3);
    expect(res.texts[0]).toMatch(/^El enfoque <x id="t1"\/> de DeepSeek/);
    expect(res.texts[1]).toMatch(/&amp;/);
    expect(res.texts[2]).toMatch(/modelo/);
    res.texts.forEach((text, i) => expect(comparePlaceholders(SENTENCES[i]!.text, text).ok).toBe(true));
    // One apertium process for the whole batch.
    expect(t.usage().apertium?.calls).toBe(1);
  }, 60_000);

  it('shows why Apertium alone needs the glossary: "open source" becomes "open fuente"', async () => {
    const t = await openTranslator({ config: config(process.env), provider: 'apertium' });
    const res = await t.translate({ from: 'fr', to: 'es', terms: [], segments: [{ id: 'a', text: "l'approche open source" }] });
    expect(res.texts[0]).toMatch(/open fuente/);
  }, 60_000);

  it('translates fr→en through Spanish, a pivot chosen by the router', async () => {
    const t = await openTranslator({ config: config(process.env), provider: 'apertium' });
    expect(t.plan('fr', 'en')?.id).toBe('apertium:fr>es>en');
    const res = await t.translate({ from: 'fr', to: 'en', terms: [], segments: SENTENCES });
    expect(res.plan.label).toBe('apertium:fr→es → apertium:es→en');
    expect(res.texts[0]).toMatch(/approach <x id="t1"\/> of DeepSeek/i);
    expect(res.texts[2]).toMatch(/model/i);
    res.texts.forEach((text, i) => expect(comparePlaceholders(SENTENCES[i]!.text, text).ok).toBe(true));
  }, 60_000);
});

const apyBinary = findExecutable('apertium-apy');
const apySkip = skipReason || (!apyBinary ? 'apertium-apy is not installed' : '');
if (apySkip && !skipReason) console.warn(`skipping APy test: ${apySkip}`);

describe.skipIf(!!apySkip)('apertium APy server (real apertium-apy)', () => {
  let apy: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    ({ url, child: apy } = await startApy(apyBinary!));
  }, 40_000);

  afterAll(() => {
    apy?.kill('SIGTERM');
  });

  it('is chosen over the binary when APERTIUM_APY_URL is set, and lists its pairs', async () => {
    const p = createApertium({ env: { APERTIUM_APY_URL: url } });
    expect(p.configured).toBe(true);
    expect(await p.pairs()).toEqual(expect.arrayContaining([{ from: 'fr', to: 'es' }, { from: 'es', to: 'en' }]));
    expect((await p.health()).ok).toBe(true);
  });

  it('translates fr→es and fr→en (pivot) with placeholders intact', async () => {
    const t = await openTranslator({ config: config({ APERTIUM_APY_URL: url, PATH: '/nonexistent' }), provider: 'apertium' });
    const es = await t.translate({ from: 'fr', to: 'es', terms: [], segments: SENTENCES });
    expect(es.texts[0]).toMatch(/^El enfoque <x id="t1"\/> de DeepSeek/);
    expect(es.texts[1]).toMatch(/&amp;/);
    const en = await t.translate({ from: 'fr', to: 'en', terms: [], segments: SENTENCES });
    expect(en.plan.id).toBe('apertium:fr>es>en');
    expect(en.texts[2]).toMatch(/model/i);
    en.texts.forEach((text, i) => expect(comparePlaceholders(SENTENCES[i]!.text, text).ok).toBe(true));
    // APy takes one text per call (maxTexts 1), so the router makes one call per sentence and leg: fr→es, then fr→es and es→en.
    expect(t.usage().apertium?.calls).toBe(3 * SENTENCES.length);
  }, 60_000);

  it('reports an unknown pair as unsupported-pair', async () => {
    const p = createApertium({ env: { APERTIUM_APY_URL: url } });
    await expect(p.translate({ from: 'fr', to: 'vi', segments: [{ id: 'a', text: 'x' }] })).rejects.toMatchObject({ reason: 'unsupported-pair' });
  });
});

describe('apertium binary plumbing (with a stand-in command)', () => {
  // A stand-in for `apertium -u -f html [-d DIR] MODE FILE` that "translates" three words and, like a
  // deformatter having a bad day, merges all paragraphs into one when it gets more than one.
  const dir = mkdtempSync(join(tmpdir(), 'locflow-fake-apertium-'));
  const modes = join(dir, 'modes');
  mkdirSync(modes);
  for (const m of ['fra-cat', 'cat-fra', 'eco-fra-cat']) writeFileSync(join(modes, `${m}.mode`), '');
  const log = join(dir, 'calls.log');
  const fake = join(dir, 'apertium');
  writeFileSync(
    fake,
    [
      '#!/bin/sh',
      'for last; do :; done',
      `echo call >> '${log}'`,
      'n=$(grep -o "<p>" "$last" | wc -l)',
      'if [ "$n" -gt 1 ]; then tr -d "\\n" < "$last" | sed "s#</p><p># #g"; else sed "s/un /uno /; s/deux/dos/; s/trois/tres/; s/&amp;/\\&/" "$last"; fi',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads pairs from the modes directory it is given', async () => {
    const p = createApertium({ binary: fake, modesDir: modes });
    expect(p.configured).toBe(true);
    expect(await p.pairs()).toEqual([
      { from: 'ca', to: 'fr' },
      { from: 'fr', to: 'ca' },
    ]);
  });

  it('falls back to one process per segment when the batch does not split back into N segments', async () => {
    writeFileSync(log, '');
    const p = createApertium({ binary: fake, modesDir: modes });
    const res = await p.translate({ from: 'fr', to: 'ca', segments: [{ id: 'a', text: 'un &amp; <x id="1"/>' }, { id: 'b', text: 'deux' }, { id: 'c', text: 'trois' }] });
    // The stand-in decodes &amp; like Apertium does: it comes back escaped.
    expect(res.texts).toEqual(['uno &amp; <x id="1"/>', 'dos', 'tres']);
    // One batch attempt, then one call per segment.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it('escapes a bare ampersand the engine decoded and repairs split empty tags', () => {
    expect(repairApertiumOutput('A & B &amp; C <x id="1"></x> &#233; &lt;')).toBe('A &amp; B &amp; C <x id="1"/> &#233; &lt;');
  });
});

describe.skipIf(!existsSync('/usr/share/apertium/modes/spa-eng.mode'))('apertium keeps the case of the word after a placeholder', () => {
  it('does not capitalise "of" after a masked term (es→en)', async () => {
    const provider = createApertium();
    const out = await provider.translate({
      segments: [{ id: 'p1.s1', text: 'el enfoque <x id="t1"/> de la empresa y el modelo <x id="t2"/> de OpenAI.' }],
      from: 'es',
      to: 'en',
    });
    expect(out.texts[0]).toContain('<x id="t1"/>');
    expect(out.texts[0]).toContain('<x id="t2"/>');
    expect(out.texts[0]).not.toMatch(/<x id="t\d"\/> Of\b/);
    expect(out.texts[0]).toMatch(/<x id="t1"\/> of the company/);
  });
});
