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
import { queueConfig } from '../../workers/config.js';
import { parseTokens } from '../../server/auth.js';
import type { Term } from '../../pipeline/model.js';

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
];

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
  it.each(CASES)('%s', async (_name, fn, english) => {
    const err = await caught(fn);
    expect(renderError(i18n, 'en', err)).toBe(english ?? err.message);
    for (const lng of ['fr', 'vi']) {
      const text = renderError(i18n, lng, err);
      expect(text, `${lng} ${err.code}`).not.toBe(err.message);
      expect(text).not.toMatch(/\{\{|\}\}/);
    }
  });
});
