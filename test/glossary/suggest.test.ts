import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGlossary, parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import { suggestTerms } from '../../pipeline/suggest.js';
import { ROOT, SAMPLE_FR } from '../helpers.js';
import { redisEnv } from './helpers.js';

const env = redisEnv();
afterAll(() => env.cleanup());

const text = readFileSync(SAMPLE_FR, 'utf8');
const seed = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'tech.yaml');

/** Ordinary French words of the sample, capitalised at sentence starts or frequent in it. */
const ORDINARY = ['Les', 'Le', 'La', 'Du', 'Lancé', 'Cependant', 'Selon', 'Chine', 'États-Unis', 'modèle', 'modèles', 'entreprise', 'startup', 'formation', 'coûts', 'Source', 'Comment', 'Au', 'Si', 'Un'];
const PEOPLE = ['Sam Altman', 'Altman', 'Andrew Ng', 'Ng', 'Yann LeCun', 'LeCun', 'Liang Wenfeng', 'Zheng Xiaoqing'];

describe('suggestTerms', () => {
  it('finds acronyms, model names and brands in the sample with an empty glossary', () => {
    const got = suggestTerms(text, 'fr', []);
    const terms = got.map((s) => s.term);
    for (const t of ['GPU', 'NIM', 'R1', 'V3', 'DeepSeek', 'OpenAI', 'InternVL', 'Qwen', 'Kimi', 'open source']) expect(terms).toContain(t);
    for (const t of [...ORDINARY, ...PEOPLE]) expect(terms).not.toContain(t);
    const deepseek = got.find((s) => s.term === 'DeepSeek')!;
    expect(deepseek.frequency).toBeGreaterThanOrEqual(10);
    expect(deepseek.example).toContain('DeepSeek');
    expect(got.find((s) => s.term === 'R1')).toMatchObject({ reason: 'model', kind: 'keep', lang: 'fr' });
  });

  it('does not suggest what the glossary already has, whatever its status', () => {
    const got = suggestTerms(text, 'fr', seed).map((s) => s.term);
    for (const t of ['GPU', 'NIM', 'R1', 'V3', 'DeepSeek', 'OpenAI', 'open source']) expect(got).not.toContain(t);
    expect(suggestTerms(text, 'fr', compileGlossary(seed)).map((s) => s.term)).not.toContain('DeepSeek');
    const proposedOnly = [{ ...seed.find((t) => t.term === 'NIM')!, status: 'proposed' as const }];
    expect(suggestTerms(text, 'fr', proposedOnly).map((s) => s.term)).not.toContain('NIM');
  });

  it('keeps people, job titles and places out of names in English and Vietnamese', () => {
    const en = suggestTerms("From OpenAI CEO Sam Altman to Google scientist Andrew Ng, people praise DeepSeek. Users of Nvidia's NIM service can use R1. Altman said R1 was cheap.", 'en', []).map((s) => s.term);
    expect(en).toEqual(expect.arrayContaining(['OpenAI', 'DeepSeek', 'NIM', 'R1']));
    for (const t of ['Sam Altman', 'Altman', 'OpenAI CEO', 'OpenAI CEO Sam Altman', 'Andrew Ng', 'Ng']) expect(en).not.toContain(t);
    const vi = suggestTerms('Mô hình R1 của startup Trung Quốc DeepSeek được phát hành. Theo ông Andrew Ng, Trung Quốc đang bắt kịp Mỹ với R1.', 'vi', []).map((s) => s.term);
    expect(vi).toEqual(expect.arrayContaining(['R1', 'DeepSeek']));
    for (const t of ['Trung Quốc DeepSeek', 'Trung Quốc', 'Andrew Ng', 'Mỹ', 'Mô hình']) expect(vi).not.toContain(t);
  });

  it('ignores capitals that only mark the start of a sentence or quotation', () => {
    const got = suggestTerms('Pourtant le chat dort. Pourtant il pleut. « Pourtant » répète-t-il. Pourtant.', 'fr', []);
    expect(got).toEqual([]);
  });

  it('stores suggestions as proposed terms and adds frequencies up across articles', async () => {
    const store = env.open(undefined, { perArticle: 0 });
    const candidates = suggestTerms(text, 'fr', []);
    const first = await store.recordSuggestions(candidates, { lang: 'fr', source: 'job-1' });
    expect(first.created).toBe(candidates.length);
    await store.recordSuggestions(candidates, { lang: 'fr', source: 'job-2' });
    const { terms } = await store.list({ status: 'proposed', q: 'DeepSeek', limit: 10 });
    const ds = terms.find((t) => t.term === 'DeepSeek')!;
    expect(ds.frequency).toBe(2 * candidates.find((c) => c.term === 'DeepSeek')!.frequency);
    expect(ds.example).toContain('DeepSeek');
    expect(ds.history).toEqual([expect.objectContaining({ action: 'suggest', by: 'job-1' })]);
    expect((await store.approvedTerms()).terms).toEqual([]);
    // Workers pass suggestTerms' output as is: the language travels with each candidate, and a name merges across languages.
    const en = await store.recordSuggestions([{ term: 'NIM', lang: 'en', frequency: 2 }, { term: 'Moonshot', lang: 'en', frequency: 1 }]);
    expect(en).toEqual({ created: 1, merged: 1, skipped: 0, repeated: 0 });
    expect((await store.list({ q: 'NIM' })).terms.find((t) => t.term === 'NIM')!.frequency).toBe(2 * candidates.find((c) => c.term === 'NIM')!.frequency + 2);
    await expect(store.recordSuggestions([{ term: 'X1', frequency: 1 }])).rejects.toThrow(/no language/);
    // A rejected suggestion is not brought back.
    await store.review(ds.id, 'reject', { role: 'reviewer', name: 'r' });
    const third = await store.recordSuggestions([{ term: 'DeepSeek', frequency: 3 }], { lang: 'fr' });
    expect(third).toEqual({ created: 0, merged: 0, skipped: 1, repeated: 0 });
  });
});

/**
 * A long news article in the style of the one that flooded the review queue
 * (issue 16.4): "semaine dernière" and "a-t-il écrit" in a great many
 * different sentences, next to a few real terms.
 */
function noisyArticle(): string {
  const out: string[] = [];
  for (let i = 1; i <= 150; i++) {
    out.push(
      `La semaine dernière, l'équipe n° ${i} a testé DeepSeek sur des GPU récents.`,
      `« Le marché change vite », a-t-il écrit dans sa note ${i}.`,
      `Ce modèle de langage compte ${i} milliards de paramètres, a-t-il écrit la semaine dernière.`,
      `Selon le rapport ${i}, la semaine dernière a été chargée pour les ingénieurs, a déclaré la direction.`,
      `Il y a ${i} jours, l'entreprise a expliqué que le modèle de langage était prêt, a-t-elle précisé.`,
    );
    if (i % 10 === 0) out.push('');
  }
  return out.join(' ').replace(/ {2}/g, '\n\n');
}

describe('suggestions a reviewer can trust', () => {
  it('leaves out everyday phrases of a long article and keeps its terms', () => {
    const got = suggestTerms(noisyArticle(), 'fr', []);
    const terms = got.map((s) => s.term);
    for (const t of ['DeepSeek', 'GPU', 'modèle de langage']) expect(terms).toContain(t);
    for (const t of ['semaine dernière', 'la semaine dernière', 'a-t-il écrit', 'a-t-il', 'il écrit', 'milliards de paramètres', 'a déclaré', 'a-t-elle précisé']) expect(terms).not.toContain(t);
    // The only lower-case phrase in it that names a thing.
    expect(got.filter((s) => s.reason === 'phrase').map((s) => s.term)).toEqual(['modèle de langage']);
  });

  it('counts an article once however often it is submitted, caps what one article creates, and expires what nobody acted on', async () => {
    const store = env.open(undefined, { perArticle: 3, ttlMs: 60_000 });
    const candidates = [
      { term: 'QuarkNet', lang: 'fr', frequency: 5 },
      { term: 'Zeta7', lang: 'fr', frequency: 4 },
      { term: 'NeuroPix', lang: 'fr', frequency: 3 },
      { term: 'HexaCore', lang: 'fr', frequency: 2 },
      { term: 'TinyLM', lang: 'fr', frequency: 1 },
    ];
    // The cap keeps the article's most used candidates.
    expect(await store.recordSuggestions(candidates, { article: 'a1', source: 'job-1' })).toEqual({ created: 3, merged: 0, skipped: 2, repeated: 0 });
    expect((await store.list({ status: 'proposed', sort: 'frequency' })).terms.map((t) => t.term)).toEqual(['QuarkNet', 'Zeta7', 'NeuroPix']);
    // The same article again (another job, other targets): nothing is counted twice.
    expect(await store.recordSuggestions(candidates.slice(0, 3), { article: 'a1', source: 'job-2' })).toEqual({ created: 0, merged: 0, skipped: 0, repeated: 3 });
    expect((await store.list({ q: 'quarknet' })).terms[0]!.frequency).toBe(5);
    // Another article counts.
    expect(await store.recordSuggestions([{ term: 'QuarkNet', lang: 'fr', frequency: 2 }], { article: 'a2' })).toMatchObject({ merged: 1 });
    expect((await store.list({ q: 'quarknet' })).terms[0]!.frequency).toBe(7);

    // A reviewer edits one: it no longer expires. Nobody touches the others.
    const zeta = (await store.list({ q: 'zeta7' })).terms[0]!;
    await store.update(zeta.id, { note: 'a model name' }, { role: 'reviewer', name: 'r' });
    expect(await store.expireSuggestions(Date.now() + 30_000)).toBe(0);
    // An article uses QuarkNet again later: its clock restarts.
    const later = Date.now() + 50_000;
    const realNow = Date.now;
    Date.now = () => later;
    try {
      await store.recordSuggestions([{ term: 'QuarkNet', lang: 'fr', frequency: 1 }], { article: 'a3' });
    } finally {
      Date.now = realNow;
    }
    expect(await store.expireSuggestions(Date.now() + 61_000)).toBe(1);
    const left = (await store.list({})).terms.map((t) => t.term).sort();
    expect(left).toEqual(['QuarkNet', 'Zeta7']);
    expect(await store.expireSuggestions(later + 61_000)).toBe(1);
    expect((await store.list({})).terms.map((t) => t.term)).toEqual(['Zeta7']);
    // What expired leaves nothing behind in the indexes.
    expect((await store.list({ status: 'proposed', sort: 'frequency' })).total).toBe(1);
    expect(await store.stats()).toEqual({ langs: { fr: 1 }, translationLangs: [] });
  });
});
