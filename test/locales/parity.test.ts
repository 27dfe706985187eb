import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UI_LANGUAGES } from '../../locales/i18n.js';
import { checkLocales, readLocales, type Resources } from './check-locales.js';
import { providerReasons, scanErrorCodes } from './error-codes.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const resources = readLocales(join(repo, 'locales'));
const scan = scanErrorCodes(repo);

/**
 * Codes the parser cannot read from the source, each with the reason it is
 * fine. A new computed code fails the test until it is listed here with a
 * reason, and an entry that no longer matches anything fails too.
 */
const COMPUTED_CODES: { file: string; text: string; why: string; codes?: string[] }[] = [
  { file: 'pipeline/postedit.ts', text: 'problems[0]!.code', why: 'the codes of the problem objects, found as `{ code: …, text: … }` literals' },
  { file: 'server/http-errors.ts', text: 'error.code', why: 'sendLocalized passes on an error whose own code is scanned where it is made' },
  { file: 'server/http-errors.ts', text: 'code', why: "Fastify's body errors, mapped in FASTIFY_CODES", codes: ['body-too-large', 'unsupported-media-type', 'bad-content-length', 'bad-json'] },
  { file: 'server/http-errors.ts', text: "(err.code ?? 'bad-request')", why: "any other Fastify 4xx keeps Fastify's own code and English message" },
  { file: 'cli/commands/import-xliff.ts', text: 'e?.code ??', why: "the server's own code, passed on to the CLI user" },
];

const allCodes = () => [...scan.codes.map((c) => c.code), ...providerReasons(repo).map((r) => `provider-${r}`), ...COMPUTED_CODES.flatMap((c) => c.codes ?? [])];

describe('locales', () => {
  it('every UI language has every namespace with the same keys, plural forms and variables', () => {
    expect(Object.keys(resources)).toEqual(expect.arrayContaining([...UI_LANGUAGES]));
    expect(Object.keys(resources.en!)).toEqual(expect.arrayContaining(['cli', 'errors', 'server']));
    expect(checkLocales(resources, UI_LANGUAGES, [])).toEqual([]);
  });

  it('finds the error codes raised in the source, through helpers and across lines', () => {
    const found = new Set(scan.codes.map((c) => c.code));
    expect(found.size).toBeGreaterThan(60);
    // One of each kind of site: a literal, a helper's second argument, a helper's default, a problem object, sendError, a reply object.
    for (const code of ['unknown-language', 'glossary-unsafe-xml', 'glossary-bad-file', 'xliff-empty-target', 'not-ready', 'unauthorized', 'glossary-syntax']) {
      expect(found, code).toContain(code);
    }
    expect(providerReasons(repo)).toEqual(expect.arrayContaining(['quota', 'auth', 'rate-limit']));
  });

  it('every computed code is accounted for, and every exception still matches', () => {
    const unexplained = scan.unresolved.filter((u) => !COMPUTED_CODES.some((c) => c.file === u.file && u.text.startsWith(c.text)));
    expect(unexplained).toEqual([]);
    const stale = COMPUTED_CODES.filter((c) => !scan.unresolved.some((u) => c.file === u.file && u.text.startsWith(c.text)));
    expect(stale).toEqual([]);
  });

  it('every error code locflow raises has a message', () => {
    expect(checkLocales(resources, UI_LANGUAGES, allCodes())).toEqual([]);
  });

  it('docs/errors.md lists every code', () => {
    const doc = readFileSync(join(repo, 'docs/errors.md'), 'utf8');
    const missing = [...new Set(allCodes())].filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  describe('the check itself fails when it should', () => {
    const copy = (): Resources => structuredClone(resources);

    it('on a key missing from one language', () => {
      const r = copy();
      delete r.vi!.errors!['unknown-language'];
      expect(checkLocales(r, UI_LANGUAGES, allCodes())).toContain('vi: errors:unknown-language is missing (present in en, fr)');
    });

    it('on a nested key missing from one language', () => {
      const r = copy();
      delete (r.fr!.providers!.list as Record<string, Record<string, unknown>>).header!.pairs;
      expect(checkLocales(r, UI_LANGUAGES)).toContain('fr: providers:list.header.pairs is missing (present in en, vi)');
    });

    it('on a raised code with no message in any language', () => {
      const r = copy();
      for (const lng of UI_LANGUAGES) delete r[lng]!.errors!['missing-targets'];
      expect(checkLocales(r, UI_LANGUAGES, allCodes())).toContain('errors:missing-targets is raised in the source but has no message in locales/en/errors.json');
    });

    it('on a variable that differs between languages', () => {
      const r = copy();
      r.fr!.errors!['job-not-found'] = 'aucune tâche {{job}}';
      expect(checkLocales(r, UI_LANGUAGES).join('\n')).toContain('fr: errors:job-not-found interpolates {job} but en interpolates {id}');
    });

    it('on a missing plural form, but not on forms a language does not have', () => {
      const r = copy();
      delete r.fr!.errors!['xliff-empty-target_one'];
      expect(checkLocales(r, UI_LANGUAGES)).toContain('fr: errors:xliff-empty-target lacks the plural form _one');
      // Vietnamese has no singular: `_other` alone is complete.
      expect(Object.keys(resources.vi!.errors!).filter((k) => k.startsWith('xliff-empty-target'))).toEqual(['xliff-empty-target_other']);
    });

    it('on a namespace file one language lacks', () => {
      const r = copy();
      r.en!.newarea = { title: 'locflow' };
      r.fr!.newarea = { title: 'locflow' };
      expect(checkLocales(r, UI_LANGUAGES)).toContain('vi: locales/vi/newarea.json is missing');
    });

    it('on an empty translation', () => {
      const r = copy();
      r.vi!.errors!['xliff-empty'] = ' ';
      expect(checkLocales(r, UI_LANGUAGES)).toContain('vi: errors:xliff-empty is empty');
    });
  });
});
