/**
 * The round trip through the real stages: a Markdown article from the sample
 * is analysed and "translated" by a tagging translator (the pipeline's
 * injected Translator; no provider or network), written as a bundle, its
 * English XLIFF edited as a CAT tool would, imported, and written again.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { writeBundle, zipBundle } from '../../pipeline/formats/bundle.js';
import { parseGlossaryYaml } from '../../pipeline/glossary/index.js';
import type { Translator } from '../../pipeline/model.js';
import { applyXliff } from '../../pipeline/postedit.js';
import { translateArticle } from '../../pipeline/run.js';
import { all, kids, readXml } from './xml-reader.js';
import { assertValidExports } from './schemas.js';

const article = `# DeepSeek et l'open source

Du PDG d'[OpenAI](https://openai.com/?a=1&b=2), Sam Altman, au scientifique de Google, Andrew Ng, les esprits les plus brillants de l'IA au monde apprécient l'approche **open source** de DeepSeek. Sa formation n'a coûté que 5,5 millions de dollars, selon DeepSeek.

\`\`\`
npm install deepseek
\`\`\`

> « Cela dit, tout le monde chez OpenAI ne partage pas ce point de vue », a admis le PDG d'OpenAI.
`;

// Marks the text with the target language and keeps every placeholder, like a well-behaved engine.
const tagging: Translator = {
  plan: (from, to) => ({ id: `tag:${from}>${to}`, label: `tag:${from}→${to}`, providers: ['tag'], pseudo: false }),
  translate: async (req) => ({
    texts: req.segments.map((s) => `[${req.to}] ${s.text}`),
    plan: { id: `tag:${req.from}>${req.to}`, label: `tag:${req.from}→${req.to}`, providers: ['tag'], pseudo: false },
    billedChars: req.segments.reduce((n, s) => n + s.text.length, 0),
    warnings: [],
  }),
};

describe('post-editing round trip through the real pipeline', () => {
  it('shows the human translations in aligned.json, the documents, the XLIFF and the manifest', async () => {
    const terms = parseGlossaryYaml(readFileSync(new URL('../../glossary/tech.yaml', import.meta.url), 'utf8'), 'tech.yaml');
    const input = await translateArticle(article, { filename: 'article.md', terms, targets: ['en', 'es'], translator: tagging, toolVersion: '0.1.0' });
    const first = writeBundle(input);
    expect(first.get('documents/en.md')).toContain('[OpenAI](https://openai.com/?a=1&b=2)');

    const xliff = first.get('xliff/fr-en.xlf') as string;
    const p2s1 = /(<trans-unit id="p2\.s1"[\s\S]*?<target[^>]*>)([\s\S]*?)(<\/target>)/;
    const p4s1 = /(<trans-unit id="p4\.s1"[\s\S]*?<target[^>]*>)([\s\S]*?)(<\/target>)/;
    expect(xliff).toMatch(p2s1);
    const edited = xliff
      .replace(p2s1, '$1From <g id="1" ctype="link">OpenAI</g>’s CEO Sam Altman to Google scientist Andrew Ng, the brightest minds in AI value DeepSeek’s <g id="2" ctype="bold">open source</g> approach.$3')
      .replace(p4s1, '$1“That said, not everyone at OpenAI shares this view,” the OpenAI CEO admitted.$3');

    const { input: next, edited: ids } = applyXliff(input, edited);
    expect(ids).toEqual(['p2.s1', 'p4.s1']);
    const second = writeBundle(next);
    expect(assertValidExports(first) + assertValidExports(second)).toBe(6);

    const aligned = JSON.parse(second.get('aligned.json') as string);
    const seg = (id: string) => aligned.segments.find((s: { id: string }) => s.id === id);
    expect(seg('p2.s1').text.en).toBe('From OpenAI’s CEO Sam Altman to Google scientist Andrew Ng, the brightest minds in AI value DeepSeek’s open source approach.');
    expect(seg('p2.s1').meta.en).toMatchObject({ provider: 'human', human: true, tm: false });
    expect(seg('p2.s2').meta.en.provider).toBe('tag');
    expect(seg('p2.s1').text.es).toBe(JSON.parse(first.get('aligned.json') as string).segments[1].text.es);

    const doc = second.get('documents/en.md') as string;
    // The link and the emphasis survive in the edited sentence; the unedited sentence keeps the machine text.
    expect(doc).toContain('From [OpenAI](https://openai.com/?a=1&b=2)’s CEO Sam Altman');
    expect(doc).toContain('DeepSeek’s **open source** approach.');
    expect(doc).toContain('> “That said, not everyone at OpenAI shares this view,” the OpenAI CEO admitted.');
    // (Markdown escapes the tagging translator's brackets.)
    expect(doc).toContain('\\[en\\] Sa formation');
    expect(doc).toContain('```\nnpm install deepseek\n```');
    expect(second.get('documents/es.md')).toBe(first.get('documents/es.md'));

    const manifest = JSON.parse(second.get('manifest.json') as string);
    expect(manifest.revision).toBe(2);
    expect(manifest.targets.find((t: { lang: string }) => t.lang === 'en').humanEdited).toEqual(['p2.s1', 'p4.s1']);
    expect(second.get('xliff/fr-en.xlf')).toMatch(/<trans-unit id="p4\.s1"[^>]*>\s*<source>[^<]*<\/source>\s*<target state="final">“That said/);

    const unzipped = unzipSync(zipBundle(second));
    expect(Buffer.from(unzipped['documents/en.md']!).toString('utf8')).toBe(doc);
  });

  it.each(['open-models.fr.txt', 'open-models.fr.md', 'open-models.fr.html'])('takes back the unchanged export of samples/%s as "no change", for every target', async (name) => {
    const terms = parseGlossaryYaml(readFileSync(new URL('../../glossary/tech.yaml', import.meta.url), 'utf8'), 'tech.yaml');
    const sample = readFileSync(new URL(`../../samples/${name}`, import.meta.url));
    const input = await translateArticle(sample, { filename: name, terms, targets: ['en', 'es', 'vi'], translator: tagging, toolVersion: '0.1.0' });
    expect(input.analysis.segments.length).toBeGreaterThan(5);
    const files = writeBundle(input);
    expect(assertValidExports(files)).toBe(4);
    const ids = input.analysis.segments.map((s) => s.id);
    const tmx = readXml(files.get('bundle.tmx') as string);
    expect(all(tmx, 'tu').map((tu) => tu.attrs.tuid)).toEqual(ids);
    for (const tu of all(tmx, 'tu')) expect(kids(tu, 'tuv').map((v) => v.attrs['xml:lang'])).toEqual(['fr', 'en', 'es', 'vi']);
    for (const lang of ['en', 'es', 'vi']) {
      const xliff = files.get(`xliff/fr-${lang}.xlf`) as string;
      expect(all(readXml(xliff), 'trans-unit').map((u) => u.attrs.id)).toEqual(ids);
      const result = applyXliff(input, xliff);
      expect(result.edited).toEqual([]);
      expect(result.lang).toBe(lang);
      // A CAT tool re-indenting the file and writing CRLF changes nothing either.
      expect(applyXliff(input, xliff.replace(/\n/g, '\r\n').replace(/>\s+</g, (m) => (m.includes('\n') ? '>\r\n\t<' : m))).edited).toEqual([]);
    }
  });
});
