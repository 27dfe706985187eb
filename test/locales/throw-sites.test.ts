/**
 * Real failures, raised by the real code, rendered through the message
 * resources. In English the sentence must come out exactly as the error's
 * own message (so a throw site that forgot a param, or a template that drifted
 * from the code, shows up here), and in French and Vietnamese it must be
 * complete and actually translated.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getI18n, renderError } from '../../locales/i18n.js';
import { LocflowError } from '../../pipeline/errors.js';
import { ingest } from '../../pipeline/ingest.js';
import { requireLang } from '../../pipeline/languages.js';
import { parseCandidates } from '../../pipeline/detect/languages.js';
import { parseGlossaryYaml } from '../../pipeline/glossary/yaml.js';
import { parseProviderRef } from '../../providers/registry.js';
import { loadProvidersConfig } from '../../providers/config.js';
import { parseGlossaryFile, requireFormat } from '../../glossary/io/index.js';
import { assertSafeXml } from '../../glossary/io/tbx.js';
import { assertReviewer, nextStatus } from '../../glossary/workflow.js';
import { toTerm } from '../../glossary/schema.js';
import { checkWebhookUrl } from '../../workers/webhooks.js';
import { providersByTarget } from '../../workers/submit.js';
import { parseProviderOption } from '../../cli/provider-option.js';
import { queueConfig } from '../../workers/config.js';
import { parseTokens } from '../../server/auth.js';
import type { Term } from '../../pipeline/model.js';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { selectDownload } from '../../pipeline/formats/download.js';
import { applyXliff } from '../../pipeline/postedit.js';
import { fixture, plainRenderer } from '../formats/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'locflow-throw-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const term = { id: 't_1', term: 'GPU', lang: 'fr', kind: 'keep', translations: {}, variants: [], caseSensitive: true, status: 'approved' } as unknown as Term;

/** Name, the failing call, and the English sentence when it deliberately differs from the error's own message. */
const CASES: [string, () => unknown, string?][] = [
  ['empty input', () => ingest('   \n', { filename: 'a.txt' })],
  ['only markup', () => ingest('<p><img src="x.png"></p>', { filename: 'a.html' })],
  ['binary input', () => ingest(new Uint8Array([0x41, 0, 0x42, 0, 0, 0, 0x43, 0x44, 1, 2, 3, 0, 0, 0]), { filename: 'a.bin' })],
  ['UTF-32', () => ingest(new Uint8Array([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]), { filename: 'a.txt' })],
  ['Latin-1 bytes', () => ingest(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]), { filename: 'a.txt' })],
  ['too large', () => ingest('x'.repeat(2000), { filename: 'big.txt', maxBytes: 1000 })],
  ['unknown format', () => ingest('hello', { format: 'docx' as never })],
  ['unknown language', () => requireLang('zz!!', '--to')],
  // pipeline/detect gives other examples in its own sentence; one shared sentence serves both.
  ['unknown --only language', () => parseCandidates(['qq-!!']), '--only: "qq-!!" is not a known language code (use BCP-47, e.g. en, vi, es, pt-BR)'],
  ['unknown provider', () => parseProviderRef('nosuch')],
  ['empty model', () => parseProviderRef('openai:')],
  ['model on a provider without models', () => parseProviderRef('deepl:big')],
  ['glossary YAML syntax', () => parseGlossaryYaml('lang: fr\nterms: [\n', 'g.yaml')],
  ['glossary format', () => requireFormat('docx')],
  ['TBX with a DOCTYPE', () => assertSafeXml('<?xml version="1.0"?><!DOCTYPE martif><martif/>')],
  ['TBX with entities', () => assertSafeXml('<?xml version="1.0"?><!ENTITY x "y"><martif/>')],
  ['empty glossary CSV', () => parseGlossaryFile('', 'csv')],
  ['bad transition', () => nextStatus(term, 'reject')],
  ['reviewer needed', () => assertReviewer({ role: 'submitter', name: 'submitter#1' }, 'approve')],
  ['translate term without translations', () => toTerm({ term: 'open source', lang: 'fr', kind: 'translate' }, 'term 1: ')],
  ['config unreadable', () => loadProvidersConfig({ LOCFLOW_CONFIG: join(dir, 'missing.yaml') })],
  ['config syntax', () => loadProvidersConfig({ LOCFLOW_CONFIG: file('bad.json', '{"routes": ') })],
  ['config unknown setting', () => loadProvidersConfig({ LOCFLOW_CONFIG: file('unknown.yaml', 'colour: blue\n') })],
  ['webhook not a URL', () => checkWebhookUrl('not a url', true)],
  ['webhook scheme', () => checkWebhookUrl('ftp://example.org/hook', true)],
  ['webhook credentials', () => checkWebhookUrl('https://u:p@example.org/hook', true)],
  ['webhook to a private address', () => checkWebhookUrl('http://127.0.0.1:9/hook', false)],
  ['bad queue setting', () => queueConfig({ LOCFLOW_ATTEMPTS: 'many' })],
  ['bad retention', () => queueConfig({ LOCFLOW_RETENTION_DAYS: '-1' })],
  ['bad tokens', () => parseTokens('abc:superuser')],
  ['unknown bundle format', () => selectDownload(writeBundle(fixture(), { renderer: plainRenderer }), 'docx')],
  ['unknown bundle language', () => selectDownload(writeBundle(fixture(), { renderer: plainRenderer }), 'json', 'de')],
  ['target needed', () => selectDownload(writeBundle(fixture(), { renderer: plainRenderer }), 'xliff')],
  ['empty XLIFF', () => applyXliff(fixture(), '')],
  ['XLIFF with a DOCTYPE', () => applyXliff(fixture(), '<?xml version="1.0"?><!DOCTYPE x><xliff version="1.2"/>')],
  ['malformed XLIFF', () => applyXliff(fixture(), '<xliff version="1.2"><file>')],
  ['XLIFF with a misnested tag', () => applyXliff(fixture(), '<xliff version="1.2"><file></body></file></xliff>')],
  ['providers for a language that is not a target', () => providersByTarget(['en', 'es'], undefined, { vi: 'pseudo' })],
  ['two default providers', () => parseProviderOption('deepl,google')],
  ['a per-target provider without its id', () => parseProviderOption('en=deepl,vi=')],
  ['not XLIFF', () => applyXliff(fixture(), '<?xml version="1.0"?><html/>')],
  ['XLIFF 2.0', () => applyXliff(fixture(), '<?xml version="1.0"?><xliff version="2.0"><file/></xliff>')],
  [
    'XLIFF with unknown segments',
    () =>
      applyXliff(
        fixture(),
        '<?xml version="1.0"?><xliff version="1.2"><file source-language="fr" target-language="en" datatype="plaintext" original="a"><body><trans-unit id="p9.s9"><source>x</source><target>y</target></trans-unit><trans-unit id="p9.s8"><source>x</source><target>y</target></trans-unit></body></file></xliff>',
      ),
  ],
];

/** The code each case must raise, so a case cannot drift onto another failure. */
const EXPECTED_CODES: Record<string, string> = {
  'empty input': 'empty-input',
  'only markup': 'empty-input',
  'binary input': 'binary-input',
  'UTF-32': 'invalid-encoding',
  'Latin-1 bytes': 'invalid-encoding',
  'too large': 'input-too-large',
  'unknown format': 'unknown-format',
  'unknown language': 'unknown-language',
  'unknown --only language': 'unknown-language',
  'unknown provider': 'unknown-provider',
  'empty model': 'unknown-provider',
  'model on a provider without models': 'unknown-provider',
  'glossary YAML syntax': 'glossary-syntax',
  'glossary format': 'glossary-bad-format',
  'TBX with a DOCTYPE': 'glossary-unsafe-xml',
  'TBX with entities': 'glossary-unsafe-xml',
  'empty glossary CSV': 'glossary-bad-file',
  'bad transition': 'glossary-bad-transition',
  'reviewer needed': 'forbidden',
  'translate term without translations': 'glossary-invalid-term',
  'config unreadable': 'config-unreadable',
  'config syntax': 'config-syntax',
  'config unknown setting': 'config-invalid',
  'webhook not a URL': 'bad-webhook-url',
  'webhook scheme': 'bad-webhook-url',
  'webhook credentials': 'bad-webhook-url',
  'webhook to a private address': 'webhook-refused',
  'bad queue setting': 'bad-config',
  'bad retention': 'bad-config',
  'bad tokens': 'bad-tokens',
  'unknown bundle format': 'unknown-format',
  'unknown bundle language': 'unknown-target',
  'target needed': 'target-required',
  'empty XLIFF': 'xliff-empty',
  'XLIFF with a DOCTYPE': 'xliff-doctype',
  'malformed XLIFF': 'xliff-malformed',
  'XLIFF with a misnested tag': 'xliff-malformed',
  'providers for a language that is not a target': 'provider-target-unknown',
  'two default providers': 'bad-option',
  'a per-target provider without its id': 'bad-option',
  'not XLIFF': 'xliff-not-xliff',
  'XLIFF 2.0': 'xliff-version',
  'XLIFF with unknown segments': 'xliff-unknown-segment',
};

async function caught(fn: () => unknown): Promise<LocflowError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof LocflowError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('messages of real throw sites', async () => {
  const i18n = await getI18n();
  it.each(CASES)('%s', async (name, fn, english) => {
    const err = await caught(fn);
    expect(err.code).toBe(EXPECTED_CODES[name]);
    expect(renderError(i18n, 'en', err)).toBe(english ?? err.message);
    for (const lng of ['fr', 'vi']) {
      const text = renderError(i18n, lng, err);
      expect(text, `${lng} ${err.code}`).not.toBe(err.message);
      expect(text).not.toMatch(/\{\{|\}\}/);
    }
  });
});
