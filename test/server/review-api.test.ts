/**
 * Reviewing over the API against the real server, the real Redis and the
 * pseudo provider: a segment edit makes a revision, is checked as a person's
 * text (findings with origin "human", never an engine's fault), reaches the
 * translation memory so that a later job with the same sentence uses it, a
 * stale edit is refused, approval is recorded in the manifest and undone by
 * a later edit, and XLIFF imports go through the same path.
 */
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookReceiverForTests, stackForTests, testConfig, waitFor } from '../queue/helpers.js';

const config = testConfig({ webhookAllowPrivate: true });
const SUB = 'Bearer rv-sub';
const REV = 'Bearer rv-rev';
const stack = stackForTests({ config, tokens: 'rv-sub:submitter,rv-rev:reviewer', listen: true, workers: 4 });
const receiver = hookReceiverForTests();
const hooks = receiver.hooks;

const until = (fn: () => Promise<boolean>, what: string) => waitFor(async () => ((await fn()) ? true : undefined), what);

interface Finding {
  segment: string;
  check: string;
  code?: string;
  origin?: string;
  message: string;
}

async function submit(text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await stack.app.inject({ method: 'POST', url: '/v1/jobs', headers: { authorization: SUB }, payload: { text, targets: ['es'], provider: 'pseudo', sourceLang: 'fr', ...extra } });
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json<{ id: string }>().id;
  await until(async () => (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: SUB } })).json<{ status: string }>().status === 'completed', `job ${id} completed`);
  return id;
}

function put(id: string, segment: string, text: string, ifMatch?: string, auth = REV) {
  return stack.app.inject({
    method: 'PUT',
    url: `/v1/jobs/${id}/targets/es/segments/${segment}`,
    headers: { authorization: auth, ...(ifMatch !== undefined ? { 'if-match': ifMatch } : {}) },
    payload: { text },
  });
}

async function bundle(id: string): Promise<Record<string, string>> {
  const res = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle`, headers: { authorization: SUB } });
  expect(res.statusCode).toBe(200);
  const files = unzipSync(new Uint8Array(res.rawPayload));
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strFromU8(v)]));
}

// "open source" must be "código abierto" in Spanish (glossary/tech.yaml); the reviewer writes it otherwise.
const SENTENCE = 'Le modèle open source coûte 20 dollars.';
const HUMAN = 'El modelo de fuente abierta cuesta 20 dólares.';

describe('segment edits over the API', { timeout: 120_000 }, () => {
  it('makes a revision, checks the human text, is refused when stale, and feeds the memory', async () => {
    const id = await submit(`${SENTENCE}\n\nLa deuxième phrase parle d'autre chose.`, { webhookUrl: receiver.url });
    const before = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: SUB } })).json<{ revision: number }>();
    expect(before.revision).toBe(1);

    // Reviewers only; and a change must say which revision it is based on.
    expect((await put(id, 'p1.s1', HUMAN, '"1"', SUB)).statusCode).toBe(403);
    const bare = await put(id, 'p1.s1', HUMAN);
    expect(bare.statusCode).toBe(428);
    expect(bare.json<{ error: { code: string } }>().error.code).toBe('revision-required');
    expect((await put(id, 'p9.s9', HUMAN, '"1"')).json<{ error: { code: string } }>().error.code).toBe('segment-not-found');
    expect((await put(id, 'p1.s1', '   ', '"1"')).statusCode).toBe(422);

    const edited = await put(id, 'p1.s1', HUMAN, '"1"');
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.headers.etag).toBe('"2"');
    const body = edited.json<{ revision: number; segment: { text: string; state: string; by: string }; findings: Finding[]; review: { state: string } }>();
    expect(body.revision).toBe(2);
    expect(body.segment).toMatchObject({ text: HUMAN, state: 'edited', by: 'reviewer#2' });
    expect(body.review.state).toBe('in-review');
    // The broken term is reported as the person's, not as an engine losing a placeholder.
    expect(body.findings.map((f) => [f.code, f.origin])).toContainEqual(['glossary-form-missing', 'human']);
    expect(body.findings.every((f) => f.origin === 'human')).toBe(true);
    expect(body.findings.some((f) => f.code === 'glossary-mask-lost' || /engine/.test(f.message))).toBe(false);

    // Another reviewer still on revision 1 is refused, and told what is there now.
    const stale = await put(id, 'p1.s1', 'El modelo de código abierto cuesta 20 dólares.', '"1"');
    expect(stale.statusCode).toBe(412);
    const err = stale.json<{ error: { code: string; revision: number; segment: { text: string; state: string } } }>().error;
    expect(err).toMatchObject({ code: 'revision-stale', revision: 2, segment: { text: HUMAN, state: 'edited' } });

    // The bundle: the new text everywhere, the person's findings, the provenance.
    const files = await bundle(id);
    const manifest = JSON.parse(files['manifest.json']!) as { revision: number; targets: { lang: string; humanEdited: string[]; review: { state: string; by: string } }[] };
    expect(manifest.revision).toBe(2);
    expect(manifest.targets[0]!.humanEdited).toEqual(['p1.s1']);
    expect(manifest.targets[0]!.review).toMatchObject({ state: 'in-review', by: 'reviewer#2' });
    const aligned = JSON.parse(files['aligned.json']!) as { segments: { id: string; text: Record<string, string>; meta: Record<string, { human: boolean; state: string; qa: Finding[] }> }[] };
    expect(aligned.segments[0]!.text.es).toBe(HUMAN);
    expect(aligned.segments[0]!.meta.es).toMatchObject({ human: true, state: 'edited' });
    expect(aligned.segments[1]!.meta.es!.state).toBe('machine');
    const qa = JSON.parse(files['qa.json']!) as { findings: Finding[] };
    expect(qa.findings.filter((f) => f.segment === 'p1.s1').every((f) => f.origin === 'human')).toBe(true);
    expect(qa.findings.filter((f) => f.segment === 'p2.s1').every((f) => f.origin === 'machine')).toBe(true);
    expect(files['bundle.tmx']).toMatch(/<prop type="x-origin">human<\/prop>\s*<prop type="x-provider">human<\/prop>\s*<seg>El modelo de fuente abierta/);
    expect(files['xliff/fr-es.xlf']).toMatch(/<trans-unit id="p1\.s1"[\s\S]*?<target state="final">El modelo de fuente abierta/);

    // Confirming a machine segment unchanged makes it "reviewed".
    const p2 = aligned.segments[1]!;
    const current = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/review`, headers: { authorization: REV } })).json<{ segments: { targets: { es: { text: string } } }[] }>();
    const confirm = await put(id, p2.id, current.segments[1]!.targets.es.text, '"2"');
    expect(confirm.json<{ segment: { state: string }; revision: number }>()).toMatchObject({ segment: { state: 'reviewed' }, revision: 3 });

    // One revised webhook per revision.
    await until(async () => hooks.filter((h) => h.headers['x-locflow-event'] === 'job.revised' && h.body.includes(id)).length >= 2, 'two revised webhooks');

    // A later job with the same sentence takes the reviewer's text from memory, and its findings stay the person's.
    const later = await submit(`${SENTENCE}\n\nUne autre phrase pour que l'article soit différent.`);
    const laterFiles = await bundle(later);
    const laterAligned = JSON.parse(laterFiles['aligned.json']!) as typeof aligned;
    const reused = laterAligned.segments[0]!;
    expect(reused.text.es).toBe(HUMAN);
    expect(reused.meta.es).toMatchObject({ human: true });
    expect(reused.meta.es!.qa.map((f) => [f.code, f.origin])).toContainEqual(['glossary-form-missing', 'human']);
    expect(reused.meta.es!.qa.some((f) => f.code === 'glossary-mask-lost' || /engine/.test(f.message))).toBe(false);
  });

  it('approves a target, exports it signed off, and a later edit moves it back to in-review', async () => {
    const id = await submit('Les puces coûtent 30 euros.\n\nLe modèle est ouvert.', { webhookUrl: receiver.url });
    const approved = await stack.app.inject({ method: 'POST', url: `/v1/jobs/${id}/targets/es/approve`, headers: { authorization: REV } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ revision: 2, review: { state: 'approved', by: 'reviewer#2' } });
    let files = await bundle(id);
    expect((JSON.parse(files['manifest.json']!) as { targets: { review: { state: string } }[] }).targets[0]!.review.state).toBe('approved');
    const states = [...files['xliff/fr-es.xlf']!.matchAll(/<target state="([^"]+)"/g)].map((m) => m[1]);
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(['signed-off']));
    await until(async () => hooks.some((h) => h.headers['x-locflow-event'] === 'job.approved' && h.body.includes(id)), 'an approved webhook');

    // Re-importing the signed-off export confirms nothing new and leaves the approval alone.
    const again = await stack.app.inject({ method: 'POST', url: `/v1/jobs/${id}/xliff`, headers: { authorization: REV, 'content-type': 'application/xml' }, payload: files['xliff/fr-es.xlf'] });
    expect(again.json()).toMatchObject({ revision: 2, edited: [] });

    const edit = await put(id, 'p1.s1', 'Los chips cuestan 30 euros.', '"2"');
    expect(edit.json()).toMatchObject({ revision: 3, review: { state: 'in-review' } });
    files = await bundle(id);
    expect((JSON.parse(files['manifest.json']!) as { targets: { review: { state: string } }[] }).targets[0]!.review.state).toBe('in-review');
    expect(files['xliff/fr-es.xlf']).not.toContain('signed-off');
  });

  it('an XLIFF import goes through the same path: accepted with the broken term flagged as the person\'s', async () => {
    const id = await submit(`${SENTENCE.replace('20', '25')}\n\nEncore une phrase.`);
    const xliff = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=xliff&target=es`, headers: { authorization: SUB } })).body;
    const edited = xliff.replace(/(<trans-unit id="p1\.s1"[\s\S]*?<target[^>]*>)[\s\S]*?(<\/target>)/, '$1El modelo de fuente abierta cuesta 25 dólares.$2');
    const res = await stack.app.inject({ method: 'POST', url: `/v1/jobs/${id}/xliff`, headers: { authorization: REV, 'content-type': 'application/xml' }, payload: edited });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ revision: number; edited: string[]; findings: Finding[] }>();
    expect(body).toMatchObject({ revision: 2, edited: ['p1.s1'] });
    expect(body.findings.map((f) => [f.code, f.origin])).toContainEqual(['glossary-form-missing', 'human']);
    // The page edit and the import share revisions: an edit based on revision 1 is now stale.
    expect((await put(id, 'p2.s1', 'Otra frase más.', '"1"')).statusCode).toBe(412);
    const review = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/review`, headers: { authorization: REV } })).json<{ segments: { targets: { es: { state: string; by: string } } }[] }>();
    expect(review.segments[0]!.targets.es).toMatchObject({ state: 'edited', by: 'reviewer#2' });
  });
});
