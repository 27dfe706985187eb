/**
 * An Azure AI Translator v3 fake: `Ocp-Apim-Subscription-Key` (and, when the
 * fake is regional, `Ocp-Apim-Subscription-Region`), `api-version=3.0`, at
 * most 1000 elements and 50 000 characters × targets per request, dynamic
 * dictionary markup honoured, and Azure's `{error:{code,message}}` envelope
 * with six-digit codes.
 */
import { fakeTranslate, startFake, withGlossarySwitch, type FakeAnswer, type FakeServer, type GlossarySwitch, type RecordedRequest } from './common.js';

export const AZURE_FAKE_KEY = 'fake-azure-key-abcdef0123456789';

const LANGS = ['en', 'fr', 'vi', 'es', 'de', 'it', 'pt', 'pt-pt', 'ja', 'ko', 'zh-Hans', 'zh-Hant', 'fr-ca'];

export function azureError(status: number, code: number, message: string, headers?: Record<string, string>): FakeAnswer {
  return { status, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}

export interface AzureFakeOptions {
  /** When set, requests must name this region. */
  region?: string;
}

const DICT = /<mstrans:dictionary translation="([^"]*)">([\s\S]*?)<\/mstrans:dictionary>/g;

export async function startAzureFake(options: AzureFakeOptions = {}): Promise<FakeServer & GlossarySwitch> {
  const state: GlossarySwitch = { ignoreGlossary: false };
  function translate(req: RecordedRequest): FakeAnswer {
    if (req.headers['ocp-apim-subscription-key'] !== AZURE_FAKE_KEY) return azureError(401, 401000, 'The request is not authorized because credentials are missing or invalid.');
    if (options.region && req.headers['ocp-apim-subscription-region'] !== options.region) return azureError(401, 401000, 'The request is not authorized because credentials are missing or invalid.');
    if (req.query.get('api-version') !== '3.0') return azureError(400, 400021, 'The API version parameter is missing or invalid.');
    const targets = req.query.getAll('to');
    if (targets.length === 0 || targets.some((t) => !LANGS.includes(t))) return azureError(400, 400036, 'The target language ("To" field) is missing or invalid.');
    const from = req.query.get('from');
    if (from !== null && !LANGS.includes(from)) return azureError(400, 400035, 'The source language ("From" field) is not valid.');
    const textType = req.query.get('textType') ?? 'plain';
    if (textType !== 'plain' && textType !== 'html') return azureError(400, 400064, 'The translation text type is not valid.');
    const body = req.body;
    if (!Array.isArray(body) || body.some((e) => typeof e?.Text !== 'string')) return azureError(400, 400074, 'The body of the request is not valid JSON.');
    if (body.length > 1000) return azureError(400, 400077, 'The maximum request size has been exceeded.');
    const chars = body.reduce((n: number, e: { Text: string }) => n + e.Text.length, 0) * targets.length;
    if (chars > 50_000) return azureError(400, 400077, 'The maximum request size has been exceeded.');
    return {
      status: 200,
      body: body.map((e: { Text: string }) => ({
        translations: targets.map((to) => {
          // Forced translations pass through untouched; everything else gets the fake treatment.
          const forced: string[] = [];
          // Ignoring the dictionary, the marked words are translated like the rest (the markup itself never reaches the output).
          const masked = e.Text.replace(DICT, (_m, translation: string, inner: string) => (state.ignoreGlossary ? inner : `\u0001${forced.push(translation) - 1}\u0001`));
          const text = fakeTranslate(masked, to, textType === 'html' ? { htmlApostrophe: true } : {}).replace(/\u0001(\d+)\u0001/g, (_m, i: string) => forced[Number(i)]!);
          return { text, to };
        }),
      })),
    };
  }

  const fake = await startFake((req) => {
    if (req.method === 'POST' && req.path === '/translate') return translate(req);
    if (req.method === 'GET' && req.path === '/languages') {
      return { status: 200, body: { translation: Object.fromEntries(LANGS.map((l) => [l, { name: l, nativeName: l, dir: 'ltr' }])) } };
    }
    return azureError(404, 404001, 'The requested resource was not found.');
  });
  return withGlossarySwitch(fake, state);
}
