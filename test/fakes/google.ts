/**
 * A Google Cloud Translation fake: v2 (`/language/translate/v2?key=`, `q[]` ≤
 * 128) and v3 (`/v3/projects/P/locations/L:translateText`, Bearer token,
 * `contents[]` ≤ 1024, `glossaryConfig`), with Google's error envelope
 * `{error:{code,message,status,errors?}}`. HTML answers encode apostrophes as
 * `&#39;` and may expand empty tags, as the real service does.
 */
import { fakeTranslate, startFake, withGlossarySwitch, type FakeAnswer, type FakeServer, type GlossarySwitch, type RecordedRequest } from './common.js';

export const GOOGLE_FAKE_KEY = 'AIzaFakeGoogleKey0123456789';
export const GOOGLE_FAKE_TOKEN = 'ya29.fake-google-access-token';
export const GOOGLE_FAKE_PROJECT = 'locflow-test';

const LANGS = ['en', 'fr', 'vi', 'es', 'de', 'it', 'pt', 'pt-PT', 'ja', 'ko', 'zh-CN', 'zh-TW', 'iw'];

export interface GoogleFake extends FakeServer, GlossarySwitch {
  /** Glossaries known to v3: id → source → target. */
  glossaries: Map<string, Record<string, string>>;
}

export function googleError(code: number, status: string, message: string, reason?: string): FakeAnswer {
  return { status: code, body: { error: { code, message, status, ...(reason ? { errors: [{ message, domain: 'global', reason }] } : {}) } } };
}

export async function startGoogleFake(): Promise<GoogleFake> {
  const glossaries = new Map<string, Record<string, string>>();
  const state: GlossarySwitch = { ignoreGlossary: false };

  function translate(texts: unknown, source: unknown, target: unknown, format: unknown, max: number, glossary?: Record<string, string>): string[] | FakeAnswer {
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) return googleError(400, 'INVALID_ARGUMENT', 'Required Text');
    if (texts.length > max) return googleError(400, 'INVALID_ARGUMENT', `Too many text segments (max ${max})`);
    if (typeof target !== 'string' || !LANGS.includes(target)) return googleError(400, 'INVALID_ARGUMENT', 'Target language is invalid or not supported.');
    if (source !== undefined && (typeof source !== 'string' || !LANGS.includes(source))) return googleError(400, 'INVALID_ARGUMENT', 'Source language is invalid or not supported.');
    const html = format === 'html' || format === 'text/html';
    return (texts as string[]).map((t) => fakeTranslate(t, target, { htmlApostrophe: html, expandEmptyTags: html, ...(glossary ? { glossary } : {}) }));
  }

  function v2(req: RecordedRequest): FakeAnswer {
    if (req.query.get('key') !== GOOGLE_FAKE_KEY) return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', 'badRequest');
    if (req.path === '/language/translate/v2/languages') return { status: 200, body: { data: { languages: LANGS.map((language) => ({ language })) } } };
    const b = (req.body ?? {}) as Record<string, unknown>;
    const out = translate(b.q, b.source, b.target, b.format, 128);
    if (!Array.isArray(out)) return out;
    return { status: 200, body: { data: { translations: out.map((translatedText) => ({ translatedText })) } } };
  }

  function v3(req: RecordedRequest): FakeAnswer {
    if (req.headers.authorization !== `Bearer ${GOOGLE_FAKE_TOKEN}`) return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    const m = /^\/v3\/projects\/([^/]+)\/locations\/([^/:]+)(:translateText|\/supportedLanguages)$/.exec(req.path);
    if (!m) return googleError(404, 'NOT_FOUND', 'Not found');
    if (m[1] !== GOOGLE_FAKE_PROJECT) return googleError(403, 'PERMISSION_DENIED', `Permission denied on project ${m[1]}`);
    if (m[3] === '/supportedLanguages') return { status: 200, body: { languages: LANGS.map((languageCode) => ({ languageCode, supportSource: true, supportTarget: true })) } };
    const b = (req.body ?? {}) as Record<string, unknown>;
    let glossary: Record<string, string> | undefined;
    const gc = b.glossaryConfig as { glossary?: string } | undefined;
    if (gc) {
      if (m[2] === 'global') return googleError(400, 'INVALID_ARGUMENT', 'Glossaries are not supported in location global');
      const id = /\/glossaries\/([^/]+)$/.exec(gc.glossary ?? '')?.[1];
      glossary = id ? glossaries.get(id) : undefined;
      if (!glossary) return googleError(404, 'NOT_FOUND', `Glossary not found: ${gc.glossary}`);
    }
    const plain = translate(b.contents, b.sourceLanguageCode, b.targetLanguageCode, b.mimeType, 1024);
    if (!Array.isArray(plain)) return plain;
    const body: Record<string, unknown> = { translations: plain.map((translatedText) => ({ translatedText })) };
    if (glossary) {
      const withGlossary = translate(b.contents, b.sourceLanguageCode, b.targetLanguageCode, b.mimeType, 1024, state.ignoreGlossary ? undefined : glossary) as string[];
      body.glossaryTranslations = withGlossary.map((translatedText) => ({ translatedText, glossaryConfig: gc }));
    }
    return { status: 200, body };
  }

  const fake = await startFake((req) => {
    if (req.path.startsWith('/language/translate/v2')) return v2(req);
    if (req.path.startsWith('/v3/')) return v3(req);
    return googleError(404, 'NOT_FOUND', 'Not found');
  });
  return withGlossarySwitch(Object.assign(fake, { glossaries }), state);
}
