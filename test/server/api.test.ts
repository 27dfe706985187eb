/**
 * The HTTP API against the real Redis, with in-process workers and the pseudo
 * provider: the submit → follow → download loop, idempotency, load, cancel,
 * webhooks, and every kind of bad request.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app.js';
import { parseTokens } from '../../server/auth.js';
import { signWebhook } from '../../workers/webhooks.js';
import { SAMPLE_FR } from '../helpers.js';
import { checkBundle, cleanPrefix, hookReceiverForTests, stackForTests, testConfig, waitFor } from '../queue/helpers.js';
import { assertValidExports } from '../formats/schemas.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');
const SECRET = 'test-webhook-secret';
const config = testConfig({ webhookSecret: SECRET, webhookAllowPrivate: true });
const stack = stackForTests({ config, listen: true, workers: 8 });
const receiver = hookReceiverForTests();
const hooks = receiver.hooks;

async function post(payload: unknown) {
  return stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: payload as object });
}

/** Reads the SSE stream to its end and returns the events. */
async function followEvents(id: string): Promise<{ event: string; data: { status: string; progress: number } }[]> {
  const res = await fetch(`${stack.base}/v1/jobs/${id}/events`, { headers: { accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.includes('data:'))
    .map((b) => ({
      event: /^event: (.*)$/m.exec(b)?.[1] ?? 'message',
      data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) as { status: string; progress: number },
    }));
}

describe('submit, follow, download', () => {
  let id: string;

  it('accepts the sample article for en, vi, es and follows it to completion over SSE', async () => {
    const res = await post({ text: sample, targets: ['en', 'vi', 'es'], provider: 'pseudo', webhookUrl: receiver.url });
    expect(res.statusCode).toBe(202);
    id = res.json().id;
    expect(res.json().status).toBe('queued');
    expect(res.headers.location).toBe(`/v1/jobs/${id}`);

    const events = await followEvents(id);
    const last = events.at(-1)!;
    expect(last.event).toBe('completed');
    expect(last.data.status).toBe('completed');
    expect(last.data.progress).toBe(100);
    expect(events.some((e) => e.event === 'progress')).toBe(true);

    const job = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    expect(job).toMatchObject({ id, status: 'completed', sourceLang: 'fr', progress: 100 });
    expect(job.confidence).toBeGreaterThan(0);
    expect(Object.keys(job.targets).sort()).toEqual(['en', 'es', 'vi']);
    for (const t of Object.values(job.targets) as { status: string; done: number; total: number }[]) {
      expect(t.status).toBe('completed');
      expect(t.done).toBe(t.total);
    }
  });

  it('serves the bundle as a zip whose languages share the same segment ids', async () => {
    const res = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(String(res.headers['content-disposition'])).toContain(`${id}.zip`);
    const { aligned, manifest, files } = checkBundle(res.rawPayload, ['fr', 'en', 'vi', 'es']);
    expect(aligned.sourceLang).toBe('fr');
    expect(aligned.languages.sort()).toEqual(['en', 'es', 'fr', 'vi']);
    expect(manifest.jobId).toBe(id);
    expect(files['xliff/fr-vi.xlf']).toBeDefined();
    // Pseudo-localised text is bracketed: the target really went through the provider.
    expect(aligned.segments.some((s) => s.text.en!.startsWith('[') && s.text.en !== s.text.fr)).toBe(true);
  });

  it('serves single formats and refuses an unknown one', async () => {
    const x = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=xliff&target=vi` });
    expect(x.statusCode).toBe(200);
    expect(x.body).toContain('target-language="vi"');
    const bad = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=docx` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('unknown-format');
  });

  it('resumes a download: one byte range, If-Range against the ETag, 416 past the end', async () => {
    const whole = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` });
    const bytes = whole.rawPayload;
    const etag = String(whole.headers.etag);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const ask = (range: string, extra: Record<string, string> = {}, url = `/v1/jobs/${id}/bundle`) => stack.app.inject({ method: 'GET', url, headers: { range, ...extra } });

    const tail = await ask(`bytes=1000-`);
    expect(tail.statusCode).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 1000-${bytes.length - 1}/${bytes.length}`);
    expect(Buffer.compare(Buffer.concat([bytes.subarray(0, 1000), tail.rawPayload]), bytes)).toBe(0);
    const last = await ask('bytes=-10', { 'if-range': etag });
    expect(last.statusCode).toBe(206);
    expect(Buffer.compare(last.rawPayload, bytes.subarray(bytes.length - 10))).toBe(0);
    const xliffUrl = `/v1/jobs/${id}/bundle?format=xliff&target=vi`;
    const xliff = (await stack.app.inject({ method: 'GET', url: xliffUrl })).rawPayload;
    const middle = await ask('bytes=5-9', {}, xliffUrl);
    expect(middle.statusCode).toBe(206);
    expect(middle.headers['content-range']).toBe(`bytes 5-9/${xliff.length}`);
    expect(Buffer.compare(middle.rawPayload, xliff.subarray(5, 10))).toBe(0);

    // A part of another copy: start again with the whole file.
    const stale = await ask('bytes=1000-', { 'if-range': '"another-revision"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.length).toBe(bytes.length);
    // Several ranges, or a unit we do not serve: the whole file, as the RFC allows.
    for (const range of ['bytes=0-1,10-20', 'items=0-5', 'bytes=x-y']) expect((await ask(range)).statusCode).toBe(200);

    const past = await ask(`bytes=${bytes.length}-`, { 'accept-language': 'fr' });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(past.json().error).toEqual({ code: 'range-not-satisfiable', message: expect.stringContaining(`${bytes.length} octets`) });
  });

  it('returns the same job for the same article and options, without a second flow', async () => {
    const before = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    const again = await post({ text: sample, targets: ['es', 'en', 'vi'], provider: 'pseudo', webhookUrl: receiver.url });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ id, status: 'completed' });
    const after = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    expect(after.json().finishedAt).toBe(before.json().finishedAt);
    // Other options make another job.
    const other = await post({ text: sample, targets: ['en'], provider: 'pseudo' });
    expect(other.json().id).not.toBe(id);
  });

  it('called the webhook once, signed with the secret over timestamp and body', async () => {
    const hook = await waitFor(async () => hooks.find((h) => h.body.includes(id)), 'webhook delivery', 20_000);
    const ts = String(hook.headers['x-locflow-timestamp']);
    expect(hook.headers['x-locflow-event']).toBe('job.completed');
    expect(hook.headers['x-locflow-signature']).toBe(signWebhook(SECRET, ts, hook.body));
    expect(hook.headers['x-locflow-signature']).not.toBe(signWebhook('other-secret', ts, hook.body));
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'job.completed', job: { id, status: 'completed' } });
    expect(hooks.filter((h) => h.body.includes(id))).toHaveLength(1);
  });
});

describe('load', () => {
  it('completes 100 concurrent submissions of distinct articles with valid bundles', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `${sample}\n\nNote de la rédaction numéro ${i + 1} : cet article a été mis à jour le ${i + 1} novembre.`);
    const answers = await Promise.all(texts.map((text) => post({ text, targets: ['en', 'vi', 'es'], provider: 'pseudo' })));
    for (const a of answers) expect(a.statusCode).toBe(202);
    const ids = answers.map((a) => a.json().id as string);
    expect(new Set(ids).size).toBe(100);
    await waitFor(
      async () => {
        const states = await Promise.all(ids.map(async (i) => (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${i}` })).json().status as string));
        if (states.some((s) => s === 'failed' || s === 'cancelled')) throw new Error(`a job ended ${states.find((s) => s !== 'completed')}`);
        return states.every((s) => s === 'completed') ? true : undefined;
      },
      '100 jobs',
      150_000,
      500,
    );
    const bundles: Record<string, Uint8Array>[] = [];
    for (const i of ids) {
      const res = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${i}/bundle` });
      expect(res.statusCode).toBe(200);
      const { manifest, aligned, files } = checkBundle(res.rawPayload, ['fr', 'en', 'vi', 'es'], { validate: false });
      expect(manifest.jobId).toBe(i);
      expect(aligned.segments.at(-1)!.text.fr).toMatch(/numéro \d+/);
      bundles.push(files);
    }
    // Every XLIFF and TMX file of the hundred bundles against the published schemas, in two xmllint runs.
    expect(assertValidExports(bundles)).toBe(400);
  }, 200_000);
});

describe('bad requests', () => {
  const cases: [string, () => Promise<{ statusCode: number; json(): { error: { code: string; message: string } } }>, number, string?][] = [
    ['missing targets', () => post({ text: sample }), 400, 'invalid-request'],
    ['empty targets', () => post({ text: sample, targets: [] }), 400, 'invalid-request'],
    ['unknown language', () => post({ text: sample, targets: ['xx-nope'] }), 400, 'unknown-language'],
    ['unknown source language', () => post({ text: sample, targets: ['en'], sourceLang: 'qqq' }), 400, 'unknown-language'],
    ['target equal to the source', () => post({ text: sample, targets: ['fr'], provider: 'pseudo' }), 422, 'target-is-source'],
    ['empty text', () => post({ text: '', targets: ['en'] }), 400, 'empty-input'],
    ['blank text', () => post({ text: '   \n ', targets: ['en'], provider: 'pseudo' }), 400],
    ['unknown field', () => post({ text: sample, targets: ['en'], colour: 'red' }), 400, 'invalid-request'],
    ['unknown provider', () => post({ text: sample, targets: ['en'], provider: 'babelfish' }), 400],
    // The chosen provider has no fr→vi; pseudo output must not stand in for it.
    ['a pair the chosen provider cannot serve', () => post({ text: sample, targets: ['vi'], provider: 'apertium' }), 422, 'unsupported-pair'],
    ['private webhook', async () => {
      const strict = await buildServer({ config: { ...config, webhookAllowPrivate: false }, logger: false, auth: parseTokens('') });
      try {
        return await strict.inject({ method: 'POST', url: '/v1/jobs', payload: { text: sample, targets: ['en'], provider: 'pseudo', webhookUrl: 'http://169.254.169.254/latest' } });
      } finally {
        await strict.close();
      }
    }, 422, 'webhook-refused'],
    ['malformed JSON', () => stack.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' }, payload: '{"text": "abc", targets: [' }), 400, 'bad-json'],
    ['oversize body', () => stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: { text: 'a'.repeat(3 * 1024 * 1024), targets: ['en'] } }), 413, 'body-too-large'],
    ['wrong content type', () => stack.app.inject({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'text/csv' }, payload: 'a,b' }), 415],
    ['unknown job', () => stack.app.inject({ method: 'GET', url: '/v1/jobs/j_doesnotexist' }), 404, 'job-not-found'],
    ['bad job id', () => stack.app.inject({ method: 'GET', url: '/v1/jobs/..%2F..%2Fetc' }), 400],
    ['unknown route', () => stack.app.inject({ method: 'GET', url: '/v1/nothing-here' }), 404, 'not-found'],
  ];
  for (const [name, call, status, code] of cases) {
    it(`${name} → ${status}`, async () => {
      const res = await call();
      expect(res.statusCode).toBe(status);
      const body = res.json();
      expect(typeof body.error.code).toBe('string');
      expect(body.error.message.length).toBeGreaterThan(5);
      if (code) expect(body.error.code).toBe(code);
    });
  }
});

describe('access control', () => {
  let secured: FastifyInstance;
  beforeAll(async () => {
    secured = await buildServer({ config, logger: false, auth: parseTokens('sub-token:submitter,rev-token:reviewer,adm-token:admin') });
  });
  afterAll(async () => secured?.close());

  it('needs a token, checks it, and checks the role', async () => {
    const none = await secured.inject({ method: 'GET', url: '/v1/jobs/j_x' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthorized');
    const wrong = await secured.inject({ method: 'GET', url: '/v1/jobs/j_x', headers: { authorization: 'Bearer not-a-token' } });
    expect(wrong.statusCode).toBe(401);
    const ok = await secured.inject({ method: 'GET', url: '/v1/jobs/j_x', headers: { authorization: 'Bearer sub-token' } });
    expect(ok.statusCode).toBe(404);
    const board = await secured.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: 'Bearer rev-token' } });
    expect(board.statusCode).toBe(403);
    expect(board.json().error.code).toBe('forbidden');
    const boardAdmin = await secured.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: 'Bearer adm-token' } });
    expect(boardAdmin.statusCode).toBe(200);
    const metrics = await secured.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer sub-token' } });
    expect(metrics.statusCode).toBe(403);
    const xliff = await secured.inject({ method: 'POST', url: '/v1/jobs/j_x/xliff', headers: { authorization: 'Bearer sub-token', 'content-type': 'application/xml' }, payload: '<xliff/>' });
    expect(xliff.statusCode).toBe(403);
  });

  it('health, docs and metrics answer', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok', redis: 'ok' });
    const docs = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toContain('/v1/jobs/{id}/bundle');
    // The list and the submission are /v1/jobs, as the README writes them, not /v1/jobs/.
    const paths = docs.json().paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths).filter((p) => p.length > 1 && p.endsWith('/'))).toEqual([]);
    expect(Object.keys(paths['/v1/jobs'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/v1/detect'] ?? {})).toEqual(['post']);
    const m = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.headers['content-type']).toContain('text/plain');
    expect(m.body).toMatch(/locflow_queue_jobs\{queue="translate",state="completed"\} \d+/);
    expect(m.body).toMatch(/locflow_articles_total\{outcome="completed"\} [1-9]/);
    expect(m.body).toMatch(/locflow_provider_calls_total\{provider="pseudo"\} [1-9]/);
  });
});

describe('cancel', () => {
  it('cancels a queued job and refuses to cancel it twice', async () => {
    // No workers on this prefix: the job stays queued.
    const idle = testConfig();
    const api = await buildServer({ config: idle, logger: false, auth: parseTokens('') });
    try {
      const res = await api.inject({ method: 'POST', url: '/v1/jobs', payload: { text: sample, targets: ['en', 'vi'], provider: 'pseudo' } });
      const id = res.json().id as string;
      const del = await api.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
      expect(del.statusCode).toBe(200);
      expect(del.json()).toEqual({ id, status: 'cancelled' });
      expect((await api.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json().status).toBe('cancelled');
      const again = await api.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
      expect(again.statusCode).toBe(409);
      const bundle = await api.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` });
      expect(bundle.statusCode).toBe(409);
    } finally {
      await api.close();
      await cleanPrefix(idle.prefix);
    }
  });
});
