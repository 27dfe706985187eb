/**
 * An OpenAI-compatible chat-completions fake: Bearer auth, request validation
 * (model, messages, `response_format` json_schema with `strict`), answers in
 * the `choices[0].message.content` / `usage` shape, `/v1/models`, and OpenAI's
 * error envelope `{error:{message,type,code}}`. It "translates" the segments it
 * finds in the last JSON user message, so the adapter's id protocol is tested.
 */
import { fakeTranslate, startFake, withGlossarySwitch, type FakeAnswer, type FakeServer, type GlossarySwitch, type RecordedRequest } from './common.js';

export const OPENAI_FAKE_KEY = 'sk-fake-openai-key-0123456789abcdef';
export const OPENAI_FAKE_MODEL = 'fake-gpt';

export function openaiError(status: number, message: string, type: string, code: string | null, headers?: Record<string, string>): FakeAnswer {
  return { status, body: { error: { message, type, param: null, code } }, ...(headers ? { headers } : {}) };
}

/** A well-formed completion whose message content is `content`. */
export function chatAnswer(content: string | null, extra: { refusal?: string; finish?: string } = {}): FakeAnswer {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 0,
      model: OPENAI_FAKE_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: extra.refusal ?? null }, finish_reason: extra.finish ?? 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
    },
  };
}

export interface UserPayload {
  source_language: string;
  target_language: string;
  segments: { id: string; text: string }[];
}

/** The segments the adapter sent, read from the first user message. */
export function payloadOf(req: RecordedRequest): UserPayload {
  const messages = (req.body as { messages: { role: string; content: string }[] }).messages;
  return JSON.parse(messages.find((m) => m.role === 'user')!.content) as UserPayload;
}

/**
 * The required renderings a system prompt lists (`- "a" / "b": always
 * translate as "X"`, `- "a": keep exactly as written`), as source → target.
 * A model follows them, so the fake does too unless told to ignore them.
 */
export function promptGlossary(req: RecordedRequest): Record<string, string> {
  const messages = (req.body as { messages: { role: string; content: string }[] }).messages;
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const out: Record<string, string> = {};
  for (const line of system.split('\n')) {
    const m = /^- ((?:"[^"]*"(?: \/ )?)+): (?:always translate as "([^"]*)"|(keep exactly as written))/.exec(line);
    if (!m) continue;
    for (const [, form] of m[1]!.matchAll(/"([^"]*)"/g)) if (form) out[form] = m[2] ?? form;
  }
  return out;
}

/** What the fake would answer for this request, as message content, optionally altered by `edit`. */
export function fakeContent(req: RecordedRequest, edit?: (t: { id: string; text: string }[]) => { id: string; text: string }[], options: { ignoreGlossary?: boolean } = {}): string {
  const p = payloadOf(req);
  const glossary = options.ignoreGlossary ? {} : promptGlossary(req);
  const list = p.segments.map((s) => ({ id: s.id, text: fakeTranslate(s.text, p.target_language, Object.keys(glossary).length ? { glossary } : {}) }));
  return JSON.stringify({ translations: edit ? edit(list) : list });
}

export async function startOpenAIFake(options: { key?: string | null; models?: string[] } = {}): Promise<FakeServer & GlossarySwitch> {
  const key = options.key === undefined ? OPENAI_FAKE_KEY : options.key;
  const state: GlossarySwitch = { ignoreGlossary: false };
  const fake = await startFake((req) => {
    if (key !== null && req.headers.authorization !== `Bearer ${key}`) {
      return openaiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (req.method === 'GET' && req.path === '/v1/models') {
      return { status: 200, body: { object: 'list', data: (options.models ?? [OPENAI_FAKE_MODEL]).map((id) => ({ id, object: 'model', owned_by: 'fake' })) } };
    }
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions') return openaiError(404, 'Unknown path', 'invalid_request_error', null);
    const b = req.body as Record<string, unknown> | undefined;
    if (!b) return openaiError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    if (typeof b.model !== 'string') return openaiError(400, "you must provide a model parameter", 'invalid_request_error', null);
    if (!(options.models ?? [OPENAI_FAKE_MODEL]).includes(b.model)) return openaiError(404, `The model '${b.model}' does not exist`, 'invalid_request_error', 'model_not_found');
    const messages = b.messages;
    if (!Array.isArray(messages) || messages.length === 0 || messages.some((m) => typeof m?.role !== 'string' || typeof m?.content !== 'string')) {
      return openaiError(400, "Invalid 'messages'", 'invalid_request_error', null);
    }
    const rf = b.response_format as { type?: string; json_schema?: { name?: string; strict?: boolean; schema?: unknown } } | undefined;
    if (rf?.type === 'json_schema' && (!rf.json_schema?.name || typeof rf.json_schema.schema !== 'object')) {
      return openaiError(400, "Missing required parameter: 'response_format.json_schema'", 'invalid_request_error', 'missing_required_parameter');
    }
    try {
      return chatAnswer(fakeContent(req, undefined, state));
    } catch {
      return chatAnswer('I could not find any segments.');
    }
  });
  return withGlossarySwitch(fake, state);
}
