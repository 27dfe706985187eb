/**
 * The bundle read back by tools that are not locflow: saxes and xmllint for
 * XLIFF and TMX, i18next itself for the resources, an RFC 4180 reader for the
 * CSV. Structure is checked, not only well-formedness.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import i18next from 'i18next';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { parseCsv } from '../../pipeline/formats/csv.js';
import { XLIFF_NS } from '../../pipeline/formats/xliff.js';
import { fixture, plainRenderer } from './fixture.js';
import { all, kids, readXml, textOf, type El } from './xml-reader.js';

const input = fixture();
const files = writeBundle(input, { renderer: plainRenderer });
const ids = input.analysis.segments.map((s) => s.id);
const get = (path: string) => files.get(path) as string;
// What a reader should see for a segment's text: XML cannot carry control characters.
const xmlVisible = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

describe('XLIFF 1.2 read by saxes', () => {
  for (const target of input.targets) {
    const path = `xliff/fr-${target.lang}.xlf`;
    it(`${path}: one trans-unit per segment, in order, with the right text and state`, () => {
      const root = readXml(get(path));
      expect(root.name).toBe('xliff');
      expect(root.ns).toBe(XLIFF_NS);
      expect(root.attrs.version).toBe('1.2');
      const [file] = kids(root, 'file');
      expect(file!.attrs).toMatchObject({ 'source-language': 'fr', 'target-language': target.lang, datatype: 'plaintext' });
      const units = all(root, 'trans-unit');
      expect(units.map((u) => u.attrs.id)).toEqual(ids);
      expect(units.map((u) => u.attrs.resname)).toEqual(ids);
      units.forEach((u, i) => {
        const seg = input.analysis.segments[i]!;
        const t = target.segments[i]!;
        const [source] = kids(u, 'source');
        const [tgt] = kids(u, 'target');
        expect(textOf(source!)).toBe(xmlVisible(seg.plain));
        expect(textOf(tgt!)).toBe(xmlVisible(t.plain));
        expect(u.attrs.translate).toBe(seg.translatable ? undefined : 'no');
      });
      const byId = new Map(units.map((u) => [u.attrs.id, u]));
      const state = (id: string) => kids(byId.get(id)!, 'target')[0]!.attrs.state;
      expect(state('p3.s1')).toBe('final');
      expect(state('p2.s1')).toBe('translated');
      if (target.lang === 'en') {
        expect(state('p2.s2')).toBe('needs-review-translation');
        const notes = kids(byId.get('p2.s2')!, 'note').map((n) => [n.attrs.from, textOf(n)]);
        expect(notes).toEqual([['qa', 'QA error (numbers): number 5,5 is missing from the translation']]);
      }
    });
  }

  it('keeps the inline link as <g> and the code as <x/> in source and target', () => {
    const root = readXml(get('xliff/fr-en.xlf'));
    const unit = all(root, 'trans-unit').find((u) => u.attrs.id === 'p2.s1')!;
    for (const part of ['source', 'target']) {
      const g = all(kids(unit, part)[0]!, 'g');
      expect(g.map((e) => [e.attrs.id, e.attrs.ctype, textOf(e)])).toEqual([['1', 'link', 'OpenAI']]);
    }
    const quote = all(root, 'trans-unit').find((u) => u.attrs.id === 'p4.s1')!;
    expect(all(kids(quote, 'source')[0]!, 'x').map((e) => e.attrs.id)).toEqual(['1']);
    const glossaryNotes = kids(unit, 'note').filter((n) => n.attrs.from === 'glossary').map((n) => textOf(n));
    expect(glossaryNotes).toEqual(['Glossary [t_openai]: keep "OpenAI" as is', 'Glossary [t_opensource]: "open source" → "open source" (adjective and noun)']);
  });

  it('survives <, &, quotes, emoji and right-to-left text, and drops the control character', () => {
    const root = readXml(get('xliff/fr-en.xlf'));
    const unit = all(root, 'trans-unit').find((u) => u.attrs.id === 'p2.s2')!;
    expect(textOf(kids(unit, 'target')[0]!)).toBe('Its training cost only 5.5 million dollars < 6 & “"less"” 🚀.');
    const quote = all(root, 'trans-unit').find((u) => u.attrs.id === 'p4.s1')!;
    expect(textOf(kids(quote, 'source')[0]!)).toContain('الذكاء الاصطناعي');
  });
});

describe('TMX 1.4b read by saxes', () => {
  const root = readXml(get('bundle.tmx'));
  it('has the header TM tools need', () => {
    expect(root.name).toBe('tmx');
    expect(root.attrs.version).toBe('1.4');
    const [header] = kids(root, 'header');
    expect(header!.attrs).toMatchObject({ creationtool: 'locflow', creationtoolversion: '0.1.0', segtype: 'sentence', srclang: 'fr', adminlang: 'en', 'o-tmf': 'locflow', datatype: 'plaintext' });
  });

  it('has one <tu> per segment with a <tuv> for every language, carrying the text', () => {
    const tus = all(root, 'tu');
    expect(tus.map((t) => t.attrs.tuid)).toEqual(ids);
    tus.forEach((tu, i) => {
      const tuvs = kids(tu, 'tuv');
      expect(tuvs.map((t) => t.attrs['xml:lang'])).toEqual(['fr', 'en', 'es']);
      // Inline codes carry native markup; the readable text is what lies outside them.
      const texts = tuvs.map((t) => textOf(kids(t, 'seg')[0]!, ['bpt', 'ept', 'ph', 'it']));
      expect(texts).toEqual([input.analysis.segments[i]!.plain, input.targets[0]!.segments[i]!.plain, input.targets[1]!.segments[i]!.plain].map(xmlVisible));
    });
  });

  it('pairs <bpt>/<ept> with the native code of the link, matched by x across languages', () => {
    const tu = all(root, 'tu').find((t) => t.attrs.tuid === 'p2.s1')!;
    for (const tuv of kids(tu, 'tuv')) {
      const seg = kids(tuv, 'seg')[0]!;
      const [bpt] = kids(seg, 'bpt');
      const [ept] = kids(seg, 'ept');
      expect(bpt!.attrs).toMatchObject({ i: '1', x: '1', type: 'link' });
      expect(textOf(bpt!)).toBe('<a href="https://example.com/?a=1&b=2">');
      expect(ept!.attrs.i).toBe('1');
      expect(textOf(ept!)).toBe('</a>');
    }
  });
});

const xmllint = spawnSync('xmllint', ['--version']).status === 0;

describe.skipIf(!xmllint)('XLIFF and TMX read by xmllint (libxml2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locflow-formats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string) => {
    const file = join(dir, path.replace(/\//g, '_'));
    writeFileSync(file, get(path));
    return file;
  };
  const xpath = (file: string, expr: string) => execFileSync('xmllint', ['--nonet', '--xpath', expr, file], { encoding: 'utf8' }).trim();

  it('finds every file well-formed and the structure complete', () => {
    for (const target of input.targets) {
      const file = write(`xliff/fr-${target.lang}.xlf`);
      execFileSync('xmllint', ['--nonet', '--noout', file]);
      expect(xpath(file, "count(//*[local-name()='trans-unit'])")).toBe(String(ids.length));
      expect(xpath(file, "string(//*[local-name()='trans-unit'][3]/@id)")).toBe('p2.s2');
      expect(xpath(file, "count(//*[local-name()='trans-unit'][not(*[local-name()='source']) or not(*[local-name()='target'])])")).toBe('0');
    }
    const tmx = write('bundle.tmx');
    execFileSync('xmllint', ['--nonet', '--noout', tmx]);
    expect(xpath(tmx, 'count(//tu)')).toBe(String(ids.length));
    // Every <tu> holds all three languages.
    expect(xpath(tmx, "count(//tu[tuv[@xml:lang='fr'] and tuv[@xml:lang='en'] and tuv[@xml:lang='es']])")).toBe(String(ids.length));
    expect(xpath(tmx, "string(//tu[@tuid='p2.s2']/tuv[@xml:lang='en']/seg)")).toBe('Its training cost only 5.5 million dollars < 6 & “"less"” 🚀.');
  });
});
if (!xmllint) console.warn('xmllint not found (apt-get install libxml2-utils): skipping the libxml2 checks');

describe('i18next resources', () => {
  it('load into i18next with default options and answer t("p2.s1")', async () => {
    const resources: Record<string, { article: object }> = {};
    for (const lang of ['fr', 'en', 'es']) resources[lang] = { article: JSON.parse(get(`locales/${lang}/article.json`)) };
    const i18n = i18next.createInstance();
    await i18n.init({ resources, lng: 'en', ns: ['article'], defaultNS: 'article', interpolation: { escapeValue: false } });
    expect(i18n.t('p2.s1')).toBe(input.targets[0]!.segments[1]!.plain);
    expect(i18n.t('p2.s2', { lng: 'es' })).toBe(input.targets[1]!.segments[2]!.plain);
    // The code span R1 is part of the sentence a reader sees, not markup to strip.
    expect(i18n.t('p4.s1', { lng: 'fr' })).toBe('"We were on the wrong side of history," Altman said about R1 الذكاء الاصطناعي.');
    const aligned = JSON.parse(get('aligned.json')) as { segments: { text: Record<string, string> }[] };
    for (const [i, id] of ids.entries()) expect(i18n.t(id)).toBe(aligned.segments[i]!.text.en);
  });
  it('give text that looks like i18next syntax back verbatim with skipInterpolation', async () => {
    const custom = fixture();
    const text = 'Use {{name}} and $t(p2.s1) literally';
    custom.targets[0]!.segments[0] = { ...custom.targets[0]!.segments[0]!, text, plain: text };
    const resources = JSON.parse(writeBundle(custom, { renderer: plainRenderer }).get('locales/en/article.json') as string);
    const i18n = i18next.createInstance();
    await i18n.init({ resources: { en: { article: resources } }, lng: 'en', ns: ['article'], defaultNS: 'article' });
    expect(i18n.t('p1.s1', { skipInterpolation: true })).toBe(text);
  });
});

describe('CSV', () => {
  it('parses back into the aligned table, BOM first', () => {
    const csv = get('aligned.csv');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['id', 'paragraph', 'fr', 'en', 'es']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(ids);
    const aligned = JSON.parse(get('aligned.json')) as { segments: { text: Record<string, string> }[] };
    rows.slice(1).forEach((r, i) => {
      const { text } = aligned.segments[i]!;
      expect(r).toEqual([ids[i], String(input.analysis.segments[i]!.paragraph), text.fr, text.en, text.es]);
    });
  });

  it('quotes fields per RFC 4180', () => {
    const line = get('aligned.csv').split('\r\n').find((l) => l.startsWith('p2.s2'))!;
    expect(line).toContain('"Sa formation n’a coûté que 5,5 millions de dollars < 6 & « ""moins"" » 🚀\u0007."');
  });
});

describe('aligned.jsonl', () => {
  it('holds one aligned segment per line, the same as aligned.json', () => {
    const lines = get('aligned.jsonl').trimEnd().split('\n').map((l) => JSON.parse(l) as El);
    expect(lines).toEqual(JSON.parse(get('aligned.json')).segments);
  });
});
