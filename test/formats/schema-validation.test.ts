/**
 * Every XLIFF and TMX file locflow writes must pass the published schemas
 * (OASIS XLIFF 1.2 strict XSD, LISA TMX 1.4 DTD): strict CAT tools refuse
 * anything else. Bundles are made from every sample article in every format,
 * from articles full of inline markup (Markdown autolinks, code, images,
 * breaks; HTML links, images, kbd), from the golden fixture and from a
 * post-edited revision; each of their XLIFF and TMX files is validated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { applyXliff } from '../../pipeline/postedit.js';
import { translateArticle } from '../../pipeline/run.js';
import type { DocFormat } from '../../pipeline/model.js';
import { openTranslator } from '../../providers/index.js';
import { ROOT } from '../helpers.js';
import { fixture, plainRenderer } from './fixture.js';
import { assertValidExports, assertValidTmx, assertValidXliff } from './schemas.js';

const MARKDOWN = [
  '# Les modèles ouverts',
  '',
  'Voir <https://example.com/rapport> et <contact@example.com> pour le rapport.',
  '',
  'Tapez `npm ci` puis lisez **le guide** et *la note* sur [le site](https://example.com "Site").  ',
  'Une ligne après un saut.',
  '',
  '![Des cartes graphiques](gpu.png) Les GPU coûtent cher.',
  '',
].join('\n');
const HTML = [
  '<!DOCTYPE html><html lang="fr"><head><title>Les modèles ouverts</title></head><body>',
  '<h1>Les modèles ouverts</h1>',
  '<p>Voir <a href="https://example.com">le rapport</a>, appuyez sur <kbd>Ctrl</kbd>+<kbd>C</kbd>.<br>Puis <img src="x.png" alt="un schéma"> et <b>gras</b> <u>souligné</u>.</p>',
  '</body></html>',
].join('\n');

async function bundleOf(text: string, format: DocFormat | undefined, targets = ['en', 'vi']) {
  const translator = await openTranslator({ provider: 'pseudo', env: {} });
  return translateArticle(text, { format, from: 'fr', targets, terms: [], translator, toolVersion: 'test' });
}

describe('XLIFF and TMX exports against the published schemas', { timeout: 60_000 }, () => {
  it('the validator refuses what strict CAT tools refuse (a link placeholder as <x ctype="link"/>)', () => {
    const bad = readFileSync(join(ROOT, 'test/formats/golden/xliff/fr-en.xlf'), 'utf8').replace(/<source>/, '<source><x id="99" ctype="link"/>');
    expect(() => assertValidXliff(bad)).toThrow(/ctype/);
    expect(() => assertValidTmx('<tmx version="1.4"><header/><body/></tmx>')).toThrow(/creationtool/);
  });

  it('the golden fixture', () => {
    expect(assertValidExports(writeBundle(fixture(), { renderer: plainRenderer }))).toBe(3);
  });

  const samples = readdirSync(join(ROOT, 'samples')).filter((f) => f.includes('.fr.'));
  for (const name of samples) {
    it(`samples/${name}`, async () => {
      const input = await bundleOf(readFileSync(join(ROOT, 'samples', name), 'utf8'), undefined);
      expect(assertValidExports(writeBundle(input))).toBe(3);
    });
  }

  it('Markdown with autolinks, code, emphasis, links, hard breaks and images', async () => {
    const files = writeBundle(await bundleOf(MARKDOWN, 'markdown'));
    const xliff = String(files.get('xliff/fr-en.xlf'));
    // The autolink stays one placeholder, with a ctype the strict schema allows on <x>.
    expect(xliff).toMatch(/<x id="\d+" ctype="x-link" equiv-text="https:\/\/example\.com\/rapport"\/>/);
    expect(xliff).not.toMatch(/<x [^>]*ctype="link"/);
    expect(assertValidExports(files)).toBe(3);
  });

  it('HTML with links, kbd, line breaks and images', async () => {
    expect(assertValidExports(writeBundle(await bundleOf(HTML, 'html')))).toBe(3);
  });

  it('a post-edited revision', async () => {
    const input = await bundleOf(MARKDOWN, 'markdown', ['en']);
    const xliff = String(writeBundle(input).get('xliff/fr-en.xlf'));
    const edited = xliff.replace(/(<target[^>]*>)([^<]*)/, '$1Edited by a reviewer');
    const result = applyXliff(input, edited, { at: '2026-01-01T00:00:00Z' });
    expect(result.edited.length).toBe(1);
    expect(assertValidExports(writeBundle(result.input))).toBe(2);
  });
});
