/**
 * Providers as the pipeline uses them, on the sample article: the translation
 * memory saves every provider call it can, a quota error falls back and the
 * bundle manifest says which route produced the target, and a real Apertium
 * APy server translates with the glossary enforced.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import { plainText } from '../../pipeline/inline.js';
import type { Analysis, Term } from '../../pipeline/model.js';
import { analyse, translateTarget } from '../../pipeline/run.js';
import type { TranslationProvider } from '../../providers/contract.js';
import { createMemoryTm, createPseudo, createRedisTm, openTranslator } from '../../providers/index.js';
import { findExecutable } from '../../providers/apertium/binary.js';
import { startApy } from '../helpers.js';
import { DEEPL_FAKE_KEY, startDeeplFake, type DeeplFake } from '../fakes/deepl.js';

const root = join(import.meta.dirname, '..', '..');
const samplePath = [join(root, '..', 'shared', 'samples', 'deepseek.fr.txt'), join(root, 'samples', 'open-models.fr.txt')].find((p) => existsSync(p))!;
const sample = readFileSync(samplePath, 'utf8');
const glossary: Term[] = parseGlossaryYaml(readFileSync(join(root, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');

/** Records what reaches the engine. */
function recording(inner: TranslationProvider) {
  const sent: string[] = [];
  const provider: TranslationProvider = {
    ...inner,
    id: inner.id,
    configured: inner.configured,
    glossary: inner.glossary,
    limits: inner.limits,
    pairs: () => inner.pairs(),
    health: () => inner.health(),
    translate: async (req) => {
      // Segments only: the pipeline also asks how the engine renders each glossary term alone (ids `termN`).
      sent.push(...req.segments.filter((s) => !/^term\d+$/.test(s.id)).map((s) => s.text));
      return inner.translate(req);
    },
  };
  return { provider, sent };
}

describe('translation memory in the pipeline (Redis)', () => {
  let redis: Redis;
  let available = false;
  const prefix = `{locflow-test-tmpipe-${randomUUID().slice(0, 8)}}:`;

  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      await redis.connect();
      available = true;
    } catch (err) {
      console.warn(`skipping Redis TM pipeline test: ${(err as Error).message}`);
    }
  });
  afterAll(async () => {
    if (available) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('sends nothing for the same article again, and exactly the edited sentence after an edit', async (ctx) => {
    if (!available) ctx.skip();
    const first = analyse(sample, { terms: glossary, from: 'fr' });
    const rec = recording(createPseudo());
    const translator = await openTranslator({ provider: 'pseudo', providers: [rec.provider], env: { PATH: '/nonexistent' } });
    const tm = createRedisTm(redis, prefix);

    const r1 = await translateTarget(first, 'vi', { translator, tm });
    const translatable = first.segments.filter((s) => s.translatable).length;
    expect(rec.sent).toHaveLength(translatable);
    expect(r1.tmHits).toBe(0);

    rec.sent.length = 0;
    const r2 = await translateTarget(first, 'vi', { translator, tm });
    expect(rec.sent).toEqual([]);
    expect(r2.tmHits).toBe(translatable);
    expect(r2.segments.map((s) => s.text)).toEqual(r1.segments.map((s) => s.text));

    const victim = first.segments.find((s) => s.translatable && s.plain.endsWith('.') && sample.split(s.plain).length === 2)!;
    const editedText = sample.replace(victim.plain, `${victim.plain.slice(0, -1)} cette semaine.`);
    const edited = analyse(editedText, { terms: glossary, from: 'fr' });
    rec.sent.length = 0;
    const r3 = await translateTarget(edited, 'vi', { translator, tm });
    expect(rec.sent).toHaveLength(1);
    expect(plainText(rec.sent[0]!)).toMatch(/cette semaine\.$/);
    expect(r3.tmHits).toBe(translatable - 1);
  }, 60_000);

  it('does not reuse entries across glossary versions', async () => {
    const first = analyse(sample, { terms: glossary, from: 'fr' });
    const rec = recording(createPseudo());
    const translator = await openTranslator({ provider: 'pseudo', providers: [rec.provider], env: { PATH: '/nonexistent' } });
    const tm = createMemoryTm();
    await translateTarget(first, 'vi', { translator, tm });
    rec.sent.length = 0;
    const bumped: Analysis = { ...first, glossaryVersion: `${first.glossaryVersion}-next` };
    await translateTarget(bumped, 'vi', { translator, tm });
    expect(rec.sent.length).toBe(first.segments.filter((s) => s.translatable).length);
  });
});

const apertium = findExecutable('apertium');
const apy = findExecutable('apertium-apy');
const pairsInstalled = existsSync('/usr/share/apertium/modes/fr-es.mode') && existsSync('/usr/share/apertium/modes/spa-eng.mode');

describe.skipIf(!apertium || !pairsInstalled)('fallback on quota, as the manifest shows it', () => {
  let deepl: DeeplFake;
  beforeAll(async () => {
    deepl = await startDeeplFake();
  });
  afterAll(async () => deepl.close());

  it('DeepL answers 456, Apertium translates, and the manifest names the provider and route', async () => {
    // One 456: the router then keeps DeepL out of the way for the rest of the job.
    deepl.script({ status: 456, body: { message: 'Quota exceeded. The character limit has been reached.' } }, { path: '/v2/translate' });
    const env = { ...process.env, DEEPL_AUTH_KEY: DEEPL_FAKE_KEY, DEEPL_BASE_URL: deepl.url };
    const translator = await openTranslator({ config: { env, routes: { 'fr-es': ['deepl', 'apertium'] }, pivots: ['en', 'es'], retry: {} } });
    expect(translator.routes('fr', 'es').map((r) => r.id)).toEqual(['deepl:fr>es', 'apertium:fr>es']);
    const analysis = analyse(sample, { terms: glossary, from: 'fr' });
    const target = await translateTarget(analysis, 'es', { translator });
    expect(target.providers).toEqual(['apertium']);
    expect(target.route).toBe('apertium:fr→es');
    expect(target.warnings.join('\n')).toMatch(/quota/i);
    expect(target.warnings.join('\n')).not.toContain(DEEPL_FAKE_KEY);
    expect(deepl.calls('/v2/translate')).toHaveLength(1);

    const files = writeBundle({ jobId: 'j_test', analysis, targets: [target], toolVersion: 'test', createdAt: new Date(0).toISOString(), revision: 1, timings: {} });
    const manifest = JSON.parse(String(files.get('manifest.json'))) as { targets: { lang: string; providers: string[]; route: string }[] };
    expect(manifest.targets[0]).toMatchObject({ lang: 'es', providers: ['apertium'], route: 'apertium:fr→es' });
    expect(String(files.get('manifest.json'))).not.toContain(DEEPL_FAKE_KEY);
  }, 120_000);
});

describe.skipIf(!apy || !pairsInstalled)('the sample article through a real Apertium APy server, glossary enforced', () => {
  let child: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    ({ url, child } = await startApy(apy!));
  }, 40_000);
  afterAll(() => void child?.kill('SIGTERM'));

  it('translates fr→es and fr→en (pivot) with the glossary forms and untouched names', async () => {
    const translator = await openTranslator({ provider: 'apertium', config: { env: { APERTIUM_APY_URL: url, PATH: '/nonexistent' }, routes: {}, pivots: ['en', 'es'], retry: {} } });
    const analysis = analyse(sample, { terms: glossary, from: 'fr' });
    const occurrences = (sample.match(/open[ -]source/gi) ?? []).length;
    expect(occurrences).toBeGreaterThan(0);

    const es = await translateTarget(analysis, 'es', { translator });
    const esText = es.segments.map((s) => s.plain).join('\n');
    expect(es.route).toBe('apertium:fr→es');
    expect((esText.match(/código abierto/g) ?? []).length).toBe(occurrences);
    expect(esText).not.toMatch(/open fuente/i);

    const en = await translateTarget(analysis, 'en', { translator });
    const enText = en.segments.map((s) => s.plain).join('\n');
    expect(en.route).toBe('apertium:fr→es → apertium:es→en');
    expect((enText.match(/open source/gi) ?? []).length).toBe(occurrences);
    for (const name of ['DeepSeek', 'R1', 'V3', 'GPU'].filter((n) => sample.includes(n))) {
      expect(esText, name).toContain(name);
      expect(enText, name).toContain(name);
    }
    const qaErrors = [...es.segments, ...en.segments].flatMap((s) => s.qa).filter((f) => f.severity === 'error' && f.check === 'placeholders');
    expect(qaErrors).toEqual([]);
  }, 180_000);
});
