/**
 * Reviewing a target in place: the editor's view of a job, one segment edited
 * or confirmed (`PUT …/segments/:segmentId`), a target approved, and a stream
 * of the revisions other reviewers make. Every change a person makes — here
 * or through a post-edited XLIFF file — is stored by commitRevision: a new
 * bundle revision written only over the one it was based on, the human
 * sentences fed to the translation memory, one `revised` webhook.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../pipeline/errors.js';
import { escapeXml } from '../../pipeline/inline.js';
import { maskSegment, targetForm, unmaskSegment } from '../../pipeline/glossary/index.js';
import { writeBundle, zipBundleAsync } from '../../pipeline/formats/bundle.js';
import type { BundleInput, InlineSpan, Lang, TmEntry, TmKey, TranslationMemory } from '../../pipeline/model.js';
import { approveTarget, checkEdit, findTarget, reviseTarget, segmentState } from '../../pipeline/revise.js';
import { getI18n, renderError } from '../../locales/i18n.js';
import type { Queues } from '../../workers/queues.js';
import type { RevisionEvent, SaveRevisionOutcome } from '../../workers/store.js';
import { deliver, type WebhookEvent, type WebhookJobData } from '../../workers/webhooks.js';
import type { Queue } from 'bullmq';
import { requireRole, type AuthConfig } from '../auth.js';
import { requestLang } from '../http-errors.js';
import { AUTH_ERRORS, errorResponses, eventStream } from '../schemas.js';

export interface ReviewRoutesOptions {
  queues: Queues;
  auth: AuthConfig;
  tm: TranslationMemory;
  /** How often the review stream looks for new revisions. */
  pollMs?: number;
}

export interface RevisionContext {
  queues: Queues;
  tm: TranslationMemory;
}

/**
 * TM entries for segments a person wrote or confirmed. Entries hold masked
 * text (glossary terms as `<x id="tN"/>`), the form translateTarget looks up
 * and unmasks, so the target forms of masked terms are put back into
 * placeholders here. A term the person wrote differently stays as they wrote
 * it: QA then reports the required form missing, as the person's finding.
 */
export function humanEntries(input: BundleInput, lang: string, edited: string[]): { key: TmKey; entry: TmEntry }[] {
  const { analysis } = input;
  const target = input.targets.find((t) => t.lang === lang);
  if (!target) return [];
  const at = new Date().toISOString();
  const out: { key: TmKey; entry: TmEntry }[] = [];
  for (const id of edited) {
    const seg = analysis.segments.find((s) => s.id === id);
    const done = target.segments.find((s) => s.id === id);
    if (!seg || !done) continue;
    const { text: masked, masks } = maskSegment(seg.source, analysis.matches[id] ?? [], analysis.terms, lang);
    let text = done.text;
    for (const [mid, mask] of Object.entries(masks)) {
      const form = escapeXml(mask.target);
      const i = form ? text.indexOf(form) : -1;
      if (i >= 0) text = `${text.slice(0, i)}<x id="${mid}"/>${text.slice(i + form.length)}`;
    }
    out.push({
      // The route id does not take part in human keys: a reviewer's sentence wins whatever engine would run.
      key: { source: masked.normalize('NFC').replace(/\s+/g, ' ').trim(), from: analysis.sourceLang, to: lang, glossaryVersion: analysis.glossaryVersion, routeId: 'human' },
      entry: { text, provider: 'human', human: true, at },
    });
  }
  return out;
}

/**
 * Stores `next` (made from `base` by a person) if `base` is still the latest
 * revision; then feeds the memory with `humanSegments` and queues the
 * webhooks. Nothing is fed or sent for a stale revision.
 */
export async function commitRevision(
  ctx: RevisionContext,
  base: BundleInput,
  next: BundleInput,
  event: Omit<RevisionEvent, 'revision'>,
  humanSegments: string[],
): Promise<SaveRevisionOutcome> {
  const zip = await zipBundleAsync(writeBundle(next));
  const outcome = await ctx.queues.store.saveRevision(next, zip, base.revision, event);
  if (!outcome.ok) return outcome;
  await ctx.tm.store(humanEntries(next, event.lang, humanSegments));
  // One `revised` for every revision a person makes, whichever path made it; an approval is also `approved`.
  const extra = { revision: outcome.revision, change: { kind: event.kind, lang: event.lang, segments: event.segments, by: event.by, at: event.at } };
  await notify(ctx.queues, next.jobId, 'job.revised', extra);
  if (event.kind === 'approve') await notify(ctx.queues, next.jobId, 'job.approved', { ...extra, review: findTarget(next, event.lang).review });
  return outcome;
}

/** One delivery per event and revision, through the webhook queue's one entry point. */
async function notify(queues: Queues, id: string, event: WebhookEvent, extra: Record<string, unknown>): Promise<void> {
  const rec = await queues.store.get(id);
  if (rec) await deliver(queues.webhooks as Queue<WebhookJobData>, queues.config, event, rec, extra);
}

/** `If-Match: "3"` (also `W/"3"` and a bare `3`): the revision a change is based on; `*` means any. */
export function parseIfMatch(header: string | string[] | undefined): number | '*' | undefined | null {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header[0]! : header).trim();
  if (raw === '*') return '*';
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(raw);
  return m ? Number(m[1]) : null;
}

const idParams = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    lang: { type: 'string', pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' },
    segmentId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,32}$' },
  },
  required: ['id'],
};

export const findingSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    segment: { type: 'string' },
    lang: { type: 'string' },
    check: { type: 'string' },
    severity: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
    origin: { type: 'string', enum: ['machine', 'tm', 'human'] },
  },
};
const reviewSchema = { type: 'object', properties: { state: { type: 'string', enum: ['in-review', 'approved'] }, by: { type: 'string' }, at: { type: 'string' } } };
const ETAG = { etag: { type: 'string', description: 'The bundle revision now, e.g. "4": send it as If-Match with the next change' } };
const NOT_COMPLETED = { 404: 'job-not-found, bundle-expired', 409: 'not-ready: the job is not completed' };
const STALE = 'revision-stale: the target changed since the If-Match revision; `error` also carries `revision`, and `segment` and `lastChange` when known';

/** The editor's view (GET …/review): open in its details, so that new fields reach the page. */
const editorViewSchema = {
  type: 'object',
  additionalProperties: true,
  description: 'The segment editor’s view: segments with inline source, placeholders, glossary renderings, each target’s text, state, QA and memory',
  headers: ETAG,
  properties: {
    id: { type: 'string' },
    revision: { type: 'integer' },
    sourceLang: { type: 'string' },
    targets: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: true, properties: { review: { anyOf: [reviewSchema, { type: 'null' }] }, pseudo: { type: 'boolean' } } },
    },
    segments: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          id: { type: 'string' },
          paragraph: { type: 'integer' },
          translatable: { type: 'boolean' },
          source: { type: 'string' },
          spans: { type: 'object', additionalProperties: true },
          terms: { type: 'array', items: { type: 'object', additionalProperties: true } },
          targets: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
        },
      },
    },
  },
};

export const reviewRoutes: FastifyPluginAsync<ReviewRoutesOptions> = async (app, opts) => {
  const { queues, auth, tm } = opts;
  const store = queues.store;
  const reviewer = requireRole(auth, 'reviewer');
  const messages = await getI18n();
  const ctx: RevisionContext = { queues, tm };

  /** The latest revision of a completed job, or the InputError a caller should see. */
  const completed = async (id: string): Promise<BundleInput> => {
    const view = await store.view(id);
    if (!view) throw new InputError('job-not-found', `no job ${id} (it may have expired after the retention period)`, { status: 404, params: { id } });
    if (view.status !== 'completed') throw new InputError('not-ready', `job ${id} is ${view.status}; the bundle exists once it is completed`, { status: 409, params: { id, status: view.status } });
    const input = await store.bundleInput(id);
    if (!input) throw new InputError('bundle-expired', `no job ${id} (it may have expired after the retention period)`, { status: 404, params: { id } });
    return input;
  };

  /** 412 with what is there now, so that a page can show both versions side by side. */
  const stale = async (request: FastifyRequest, reply: FastifyReply, id: string, lang: Lang, expected: number, segmentId?: string) => {
    const now = await store.bundleInput(id);
    const revision = now?.revision ?? expected;
    const target = now?.targets.find((t) => t.lang === lang);
    const seg = segmentId ? target?.segments.find((s) => s.id === segmentId) : undefined;
    const change = await store.lastChange(id);
    const params = { lang, expected, revision };
    const message = renderError(messages, requestLang(request), { code: 'revision-stale', message: `the ${lang} target changed since revision ${expected} (now revision ${revision}); reload it and make the change again`, params });
    return reply
      .code(412)
      .header('etag', `"${revision}"`)
      .send({
        error: {
          code: 'revision-stale',
          message,
          revision,
          ...(seg ? { segment: { id: seg.id, text: seg.text, state: segmentState(seg), ...(seg.by ? { by: seg.by } : {}) } } : {}),
          ...(change ? { lastChange: change } : {}),
        },
      });
  };

  /** The revision the caller's change is based on: If-Match is required, so that no change overwrites one its author never saw. */
  const basedOn = (request: FastifyRequest, id: string, input: BundleInput): number | undefined => {
    const match = parseIfMatch(request.headers['if-match']);
    if (match === undefined) {
      throw new InputError('revision-required', `send If-Match: "${input.revision}" with the revision your change is based on (GET /v1/jobs/${id} gives it)`, {
        status: 428,
        params: { revision: input.revision, id },
      });
    }
    if (match === '*') return input.revision;
    return match === null ? -1 : match;
  };

  app.get<{ Params: { id: string } }>(
    '/:id/review',
    {
      preHandler: reviewer,
      schema: {
        summary: 'Everything the segment editor needs: inline texts, placeholders, states, glossary renderings, translation-memory matches',
        params: idParams,
        response: { 200: editorViewSchema, ...errorResponses({ ...AUTH_ERRORS, 400: true, ...NOT_COMPLETED }) },
      },
    },
    async (request, reply) => {
      const input = await completed(request.params.id);
      reply.header('etag', `"${input.revision}"`);
      return editorView(input, tm);
    },
  );

  app.put<{ Params: { id: string; lang: string; segmentId: string }; Body: { text: string } }>(
    '/:id/targets/:lang/segments/:segmentId',
    {
      preHandler: reviewer,
      schema: {
        summary: 'Edit or confirm one target segment (If-Match: "<revision>"); answers with the QA findings of the new text',
        params: idParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'The bundle revision the edit is based on, e.g. "3" (required: 428 without, 412 when stale)' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: { text: { type: 'string', maxLength: 20_000, description: 'The segment as inline XML: text escaped, placeholders as in the source (<g id="1">…</g>, <x id="2"/>)' } },
        },
        response: {
          200: {
            type: 'object',
            description: 'Stored (or unchanged): the revision now and the QA findings of the segment',
            headers: ETAG,
            properties: {
              id: { type: 'string' },
              revision: { type: 'integer' },
              lang: { type: 'string' },
              changed: { type: 'boolean' },
              segment: { type: 'object', properties: { id: { type: 'string' }, text: { type: 'string' }, state: { type: 'string' }, by: { type: 'string' } } },
              findings: { type: 'array', items: findingSchema },
              review: reviewSchema,
            },
          },
          ...errorResponses({
            ...AUTH_ERRORS,
            400: true,
            404: 'job-not-found, bundle-expired, target-not-found, segment-not-found',
            409: 'not-ready: the job is not completed',
            412: STALE,
            415: true,
            422: 'edit-placeholders, edit-empty, segment-not-translatable',
            428: 'revision-required: send If-Match with the revision the edit is based on',
          }),
        },
      },
    },
    async (request, reply) => {
      const { id, segmentId } = request.params;
      const input = await completed(id);
      const target = findTarget(input, request.params.lang);
      const lang = target.lang;
      const expected = basedOn(request, id, input);
      if (expected !== input.revision) return stale(request, reply, id, lang, expected ?? -1, segmentId);
      const text = checkEdit(input, lang, segmentId, request.body.text);
      const by = request.principal?.name ?? 'local';
      const at = new Date().toISOString();
      const result = reviseTarget(input, lang, [{ id: segmentId, text }], { by, at });
      let revision = input.revision;
      if (result.edited.length > 0) {
        const outcome = await commitRevision(ctx, input, result.input, { kind: 'edit', lang, segments: result.edited, by, at }, result.edited);
        if (!outcome.ok) return stale(request, reply, id, lang, input.revision, segmentId);
        revision = outcome.revision;
        request.log.info({ job: id, lang, segment: segmentId, revision }, 'segment edited');
      }
      const now = findTarget(result.input, lang);
      const seg = now.segments.find((s) => s.id === segmentId)!;
      reply.header('etag', `"${revision}"`);
      return {
        id,
        revision,
        lang,
        changed: result.edited.length > 0,
        segment: { id: seg.id, text: seg.text, state: segmentState(seg), ...(seg.by ? { by: seg.by } : {}) },
        findings: seg.qa,
        ...(now.review ? { review: now.review } : {}),
      };
    },
  );

  app.post<{ Params: { id: string; lang: string } }>(
    '/:id/targets/:lang/approve',
    {
      preHandler: reviewer,
      schema: {
        summary: "Approve a target: its review state becomes approved (manifest targets[].review); If-Match is optional here",
        params: idParams,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'Optional: the revision the approval is based on (412 when stale)' } } },
        response: {
          200: { type: 'object', description: 'Approved', headers: ETAG, properties: { id: { type: 'string' }, revision: { type: 'integer' }, lang: { type: 'string' }, review: reviewSchema } },
          ...errorResponses({ ...AUTH_ERRORS, 400: true, 404: 'job-not-found, bundle-expired, target-not-found', 409: 'not-ready: the job is not completed', 412: STALE }),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const input = await completed(id);
      const lang = findTarget(input, request.params.lang).lang;
      // Approving signs off what the reviewer saw: with If-Match a newer revision is refused, without it the latest is approved.
      const match = parseIfMatch(request.headers['if-match']);
      if (match !== undefined && match !== '*' && match !== input.revision) return stale(request, reply, id, lang, match ?? -1);
      const by = request.principal?.name ?? 'local';
      const at = new Date().toISOString();
      const result = approveTarget(input, lang, { by, at });
      let revision = input.revision;
      if (result.changed) {
        const outcome = await commitRevision(ctx, input, result.input, { kind: 'approve', lang, segments: [], by, at }, []);
        if (!outcome.ok) return stale(request, reply, id, lang, input.revision);
        revision = outcome.revision;
      }
      reply.header('etag', `"${revision}"`);
      return { id, revision, lang, review: findTarget(result.input, lang).review };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/:id/review/events',
    {
      preHandler: reviewer,
      schema: {
        summary: 'Server-sent events: one `revised` event for each revision a person makes (edit, XLIFF import, approval)',
        params: idParams,
        response: { 200: eventStream('One `revised` event per new revision, with what changed'), ...errorResponses({ ...AUTH_ERRORS, 400: true, ...NOT_COMPLETED }) },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      await completed(id);
      let last = (await store.lastChange(id))?.revision ?? 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': review stream\n\n');
      let closed = false;
      request.raw.on('close', () => (closed = true));
      let lastWrite = Date.now();
      const poll = opts.pollMs ?? 250;
      while (!closed) {
        await new Promise((r) => setTimeout(r, poll));
        try {
          const change = await store.lastChange(id);
          if (!change && !(await store.status(id))) break;
          if (change && change.revision !== last) {
            last = change.revision;
            res.write(`id: ${change.revision}\nevent: revised\ndata: ${JSON.stringify(change)}\n\n`);
            lastWrite = Date.now();
          } else if (Date.now() - lastWrite > 15_000) {
            res.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
        } catch {
          // Redis away for a moment: keep the stream open and look again.
        }
      }
      res.end();
    },
  );
};

export interface EditorSegment {
  id: string;
  paragraph: number;
  translatable: boolean;
  /** Inline XML. */
  source: string;
  /** The placeholders of the segment, by id: what a chip shows. */
  spans: Record<string, { label: string; kind: InlineSpan['kind']; text?: string }>;
  /** Glossary terms of the segment with the rendering each target requires. */
  /** `term` is the words as the source writes them (whatever its language); `id` the glossary term's. */
  terms: { id: string; term: string; kind: string; forms: Record<Lang, string> }[];
  targets: Record<Lang, { text: string; state: string; human: boolean; by?: string; provider: string; tm: boolean; qa: unknown[]; memory?: { text: string; at: string } }>;
}

/** What the page's editor works from (GET /v1/jobs/:id/review). */
export async function editorView(input: BundleInput, tm: TranslationMemory) {
  const { analysis } = input;
  const spansOf = new Map(analysis.doc.blocks.map((b) => [b.index, b.spans]));
  const termById = new Map(analysis.terms.map((t) => [t.id, t]));
  // Exact memory matches: a reviewer's sentence for the same source (human entries only; one MGET for the article).
  const lookups: { seg: string; lang: Lang; key: TmKey; masks: ReturnType<typeof maskSegment>['masks'] }[] = [];
  for (const target of input.targets) {
    for (const seg of analysis.segments) {
      if (!seg.translatable) continue;
      const { text, masks } = maskSegment(seg.source, analysis.matches[seg.id] ?? [], analysis.terms, target.lang);
      lookups.push({ seg: seg.id, lang: target.lang, masks, key: { source: text.normalize('NFC').replace(/\s+/g, ' ').trim(), from: analysis.sourceLang, to: target.lang, glossaryVersion: analysis.glossaryVersion, routeId: 'human' } });
    }
  }
  const found = lookups.length ? await tm.lookup(lookups.map((l) => l.key)) : [];
  const memory = new Map<string, { text: string; at: string }>();
  lookups.forEach((l, i) => {
    const entry = found[i];
    if (entry?.human) memory.set(`${l.lang}\u0000${l.seg}`, { text: unmaskSegment(entry.text, l.masks).text, at: entry.at });
  });
  const segments: EditorSegment[] = analysis.segments.map((seg) => {
    const spans = spansOf.get(seg.paragraph) ?? {};
    const used: EditorSegment['spans'] = {};
    for (const m of seg.source.matchAll(/<[gx]\s+id="([^"]+)"/g)) {
      const span = spans[m[1]!];
      if (span) used[m[1]!] = { label: span.label, kind: span.kind, ...(span.text !== undefined ? { text: span.text } : {}) };
    }
    const terms: EditorSegment['terms'] = [];
    const seen = new Set<string>();
    for (const m of analysis.matches[seg.id] ?? []) {
      const term = termById.get(m.termId);
      if (!term || seen.has(term.id)) continue;
      seen.add(term.id);
      const forms: Record<Lang, string> = {};
      for (const t of input.targets) {
        const form = targetForm(term, t.lang, m.text);
        if (form) forms[t.lang] = form;
      }
      terms.push({ id: term.id, term: m.text, kind: term.kind, forms });
    }
    const targets: EditorSegment['targets'] = {};
    for (const t of input.targets) {
      const s = t.segments.find((x) => x.id === seg.id)!;
      const mem = memory.get(`${t.lang}\u0000${seg.id}`);
      targets[t.lang] = {
        text: s.text,
        state: segmentState(s),
        human: s.human,
        ...(s.by ? { by: s.by } : {}),
        provider: s.provider,
        tm: s.tm,
        qa: s.qa,
        ...(mem && mem.text !== s.text ? { memory: mem } : {}),
      };
    }
    return { id: seg.id, paragraph: seg.paragraph, translatable: seg.translatable, source: seg.source, spans: used, terms, targets };
  });
  return {
    id: input.jobId,
    revision: input.revision,
    sourceLang: analysis.sourceLang,
    targets: Object.fromEntries(input.targets.map((t) => [t.lang, { review: t.review ?? null, pseudo: t.providers.includes('pseudo') }])),
    segments,
  };
}
