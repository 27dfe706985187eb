/**
 * A DeepL API fake built from the published reference: header auth only,
 * JSON bodies of at most 50 texts and 128 KiB, upper-case language codes,
 * `tag_handling=xml`, `billed_characters` on request, multilingual glossaries
 * under /v3/glossaries, usage and languages endpoints.
 */
import { randomUUID } from 'node:crypto';
import { fakeTranslate, startFake, withGlossarySwitch, type FakeAnswer, type FakeServer, type RecordedRequest } from './common.js';

export const DEEPL_FAKE_KEY = 'fake-deepl-key-0123456789:fx';

const SOURCES = ['BG', 'CS', 'DA', 'DE', 'EL', 'EN', 'ES', 'ET', 'FI', 'FR', 'HU', 'ID', 'IT', 'JA', 'KO', 'LT', 'LV', 'NB', 'NL', 'PL', 'PT', 'RO', 'RU', 'SK', 'SL', 'SV', 'TR', 'UK', 'VI', 'ZH'];
const TARGETS = [...SOURCES.filter((c) => c !== 'PT' && c !== 'ZH'), 'EN-GB', 'EN-US', 'PT-BR', 'PT-PT', 'ZH-HANS', 'ZH-HANT'];

export interface FakeGlossary {
  glossary_id: string;
  name: string;
  source_lang: string;
  target_lang: string;
  entries: Record<string, string>;
}

export interface DeeplFake extends FakeServer {
  glossaries: Map<string, FakeGlossary>;
  /**
   * When true, `glossary_id` is still checked (404, pair mismatch) but its
   * entries are not applied: an engine whose output misses glossary terms,
   * for proving the pipeline's compliance check and fallback.
   */
  ignoreGlossary: boolean;
  /** Characters counted against the fake account. */
  usage: { count: number; limit: number };
}

const err = (status: number, message: string): FakeAnswer => ({ status, body: { message } });

export interface DeeplFakeOptions {
  /**
   * Languages the fake makes glossaries between (DeepL lists its pairs at
   * `GET /v2/glossary-language-pairs` and refuses others with 400). Default:
   * every source language.
   */
  glossaryLanguages?: string[];
}

export async function startDeeplFake(key = DEEPL_FAKE_KEY, options: DeeplFakeOptions = {}): Promise<DeeplFake> {
  const glossaries = new Map<string, FakeGlossary>();
  const usage = { count: 0, limit: 500_000 };
  const glossaryLanguages = options.glossaryLanguages ?? SOURCES;
  const state = { ignoreGlossary: false };

  function authorised(req: RecordedRequest): boolean {
    return req.headers.authorization === `DeepL-Auth-Key ${key}`;
  }

  function translate(req: RecordedRequest): FakeAnswer {
    if (req.raw.length > 128 * 1024) return err(413, 'Request Entity Too Large');
    const b = req.body as Record<string, unknown> | undefined;
    if (!b || typeof b !== 'object') return err(400, 'Bad request. Reason: body must be JSON');
    const text = b.text;
    if (!Array.isArray(text) || text.length === 0 || text.some((t) => typeof t !== 'string')) return err(400, "Bad request. Reason: Parameter 'text' not specified.");
    if (text.length > 50) return err(413, 'Too many texts in one request');
    const target = String(b.target_lang ?? '');
    if (!target) return err(400, "Bad request. Reason: Parameter 'target_lang' not specified.");
    if (!TARGETS.includes(target) && target !== 'EN' && target !== 'PT') return err(400, "Value for 'target_lang' not supported.");
    const source = b.source_lang === undefined ? undefined : String(b.source_lang);
    if (source !== undefined && !SOURCES.includes(source)) return err(400, "Value for 'source_lang' not supported.");
    if (b.tag_handling !== undefined && b.tag_handling !== 'xml' && b.tag_handling !== 'html') return err(400, "Value for 'tag_handling' not supported.");
    let glossary: FakeGlossary | undefined;
    if (b.glossary_id !== undefined) {
      if (!source) return err(400, "Use of a glossary requires the 'source_lang' parameter to be specified.");
      glossary = glossaries.get(String(b.glossary_id));
      if (!glossary) return err(404, 'Glossary not found');
      if (glossary.source_lang !== source || glossary.target_lang !== target.split('-')[0]) return err(400, 'Glossary language pair does not match the request');
    }
    const chars = (text as string[]).reduce((n, t) => n + t.length, 0);
    if (usage.count + chars > usage.limit) return err(456, 'Quota exceeded. The character limit has been reached.');
    usage.count += chars;
    const lang = target.split('-')[0]!.toLowerCase();
    return {
      status: 200,
      body: {
        translations: (text as string[]).map((t) => ({
          detected_source_language: source ?? 'EN',
          text: fakeTranslate(t, lang, glossary && !state.ignoreGlossary ? { glossary: glossary.entries } : {}),
          ...(b.show_billed_characters ? { billed_characters: t.length } : {}),
        })),
      },
    };
  }

  function createGlossary(req: RecordedRequest): FakeAnswer {
    const b = req.body as { name?: unknown; dictionaries?: unknown } | undefined;
    if (!b || typeof b.name !== 'string' || !b.name) return err(400, "Parameter 'name' not specified.");
    if (!Array.isArray(b.dictionaries) || b.dictionaries.length === 0) return err(400, "Parameter 'dictionaries' not specified.");
    const d = b.dictionaries[0] as Record<string, unknown>;
    if (d.entries_format !== 'tsv' && d.entries_format !== 'csv') return err(400, "Value for 'entries_format' not supported.");
    const source = String(d.source_lang ?? '');
    const target = String(d.target_lang ?? '');
    if (!glossaryLanguages.includes(source) || !glossaryLanguages.includes(target) || source === target) return err(400, 'Unsupported glossary language pair');
    const entries: Record<string, string> = {};
    for (const line of String(d.entries ?? '').split('\n')) {
      if (!line) continue;
      const cols = line.split(d.entries_format === 'tsv' ? '\t' : ',');
      if (cols.length !== 2 || !cols[0] || !cols[1] || cols[0] !== cols[0].trim()) return err(400, `Invalid glossary entry: ${line}`);
      if (entries[cols[0]] !== undefined) return err(400, `Duplicate source entry: ${cols[0]}`);
      entries[cols[0]] = cols[1];
    }
    const g: FakeGlossary = { glossary_id: randomUUID(), name: b.name, source_lang: source, target_lang: target, entries };
    glossaries.set(g.glossary_id, g);
    return { status: 201, body: describe(g) };
  }

  const describe = (g: FakeGlossary) => ({
    glossary_id: g.glossary_id,
    name: g.name,
    dictionaries: [{ source_lang: g.source_lang.toLowerCase(), target_lang: g.target_lang.toLowerCase(), entry_count: Object.keys(g.entries).length }],
    creation_time: '2026-01-01T00:00:00Z',
  });

  const fake = await startFake((req) => {
    if (!authorised(req)) return err(403, 'Authorization failure, check auth_key');
    if (req.method === 'POST' && req.path === '/v2/translate') return translate(req);
    if (req.method === 'GET' && req.path === '/v2/usage') return { status: 200, body: { character_count: usage.count, character_limit: usage.limit } };
    if (req.method === 'GET' && req.path === '/v2/languages') {
      const list = req.query.get('type') === 'target' ? TARGETS : SOURCES;
      return { status: 200, body: list.map((language) => ({ language, name: language })) };
    }
    if (req.method === 'GET' && req.path === '/v2/glossary-language-pairs') {
      const pairs = glossaryLanguages.flatMap((a) => glossaryLanguages.filter((b) => b !== a).map((b) => ({ source_lang: a.toLowerCase(), target_lang: b.toLowerCase() })));
      return { status: 200, body: { supported_languages: pairs } };
    }
    if (req.method === 'GET' && req.path === '/v3/glossaries') return { status: 200, body: { glossaries: [...glossaries.values()].map(describe) } };
    if (req.method === 'POST' && req.path === '/v3/glossaries') return createGlossary(req);
    const m = /^\/v3\/glossaries\/([^/]+)$/.exec(req.path);
    if (m && req.method === 'DELETE') {
      if (!glossaries.delete(decodeURIComponent(m[1]!))) return err(404, 'Glossary not found');
      return { status: 204 };
    }
    return err(404, 'Not found');
  });
  return withGlossarySwitch(Object.assign(fake, { glossaries, usage }), state);
}
