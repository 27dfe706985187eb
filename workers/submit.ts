/**
 * Submitting an article: validate and analyse it right away (so bad input is
 * a 4xx, not a failed job), give it a content-hash id, store the Analysis
 * once, and add its flow. The same article with the same options maps to the
 * same id, so submitting it twice returns the existing job.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { InputError, ProviderError } from '../pipeline/errors.js';
import type { GlossaryMatcher } from '../pipeline/glossary/index.js';
import { requireLang, sameLanguage } from '../pipeline/languages.js';
import type { Analysis, DocFormat, Lang, Term, Translator } from '../pipeline/model.js';
import { analyse, articleId } from '../pipeline/run.js';
import type { Queues } from './queues.js';
import type { JobMeta, JobStatus } from './store.js';
import { checkWebhookUrl } from './webhooks.js';

export interface Submission {
  text: string;
  format?: DocFormat;
  title?: string;
  sourceLang?: string;
  targets: string[];
  provider?: string;
  webhookUrl?: string;
}

export interface GlossarySnapshot {
  terms: Term[];
  version: string;
  /** Compiled once per version by the caller and reused. */
  matcher?: GlossaryMatcher;
}

export interface SubmitContext {
  queues: Queues;
  glossary: () => Promise<GlossarySnapshot>;
  /** Translator used only to check that a route exists for every target (no calls are made). */
  translatorFor: (provider: string | undefined) => Translator & { ready?: () => Promise<void> };
  allowPrivateWebhooks: boolean;
  /** Called once per newly queued article (e.g. to collect glossary suggestions); its failure never fails the submission. */
  onAnalysed?: (analysis: Analysis, id: string, glossary: GlossarySnapshot) => Promise<void>;
}

export interface SubmitResult {
  id: string;
  status: JobStatus;
  /** False when an identical submission already existed. */
  created: boolean;
}

export function normaliseTargets(raw: string[], source?: Lang): Lang[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new InputError('missing-targets', 'give at least one target language in "targets", e.g. ["en","vi"]', { params: { context: 'api' } });
  const out: Lang[] = [];
  for (const t of raw) {
    const lang = requireLang(String(t), 'targets');
    if (!out.some((l) => l.toLowerCase() === lang.toLowerCase())) out.push(lang);
  }
  if (source) {
    const same = out.find((l) => sameLanguage(l, source));
    if (same) throw new InputError('target-is-source', `the article is already in ${source}; remove ${same} from the targets`, { status: 422, params: { from: source, target: same } });
  }
  return out;
}

/**
 * Many submissions whose Redis answers arrive together would analyse back to
 * back in one run of the microtask queue (or one check phase), holding the
 * event loop — and any worker in the same process — for all of them. Each
 * analysis gets its own turn of the loop instead.
 */
let lastTurn: Promise<void> = Promise.resolve();
function analysisTurn(): Promise<void> {
  const turn = lastTurn.then(() => yieldToEventLoop()).then(() => undefined);
  lastTurn = turn;
  return turn;
}

/**
 * `owner` is the submitting token's owner id (undefined in open mode). It is
 * part of the job id, so two desks sending the same article get two jobs,
 * each visible to its own desk only.
 */
export async function submitArticle(ctx: SubmitContext, sub: Submission, owner?: string): Promise<SubmitResult> {
  if (typeof sub.text !== 'string' || sub.text.trim() === '') throw new InputError('empty-input', 'the article text is empty', { params: { context: 'text' } });
  const forced = sub.sourceLang && sub.sourceLang !== 'auto' ? requireLang(sub.sourceLang, 'sourceLang') : undefined;
  const targets = normaliseTargets(sub.targets, forced);
  // Fails with the list of known ids when the provider is unknown or not configured.
  const translator = ctx.translatorFor(sub.provider);
  if (sub.webhookUrl) await checkWebhookUrl(sub.webhookUrl, ctx.allowPrivateWebhooks);

  const glossary = await ctx.glossary();
  // The title is metadata: it names the job and goes into the manifest, never into the article's text.
  const title = sub.title?.replace(/\s+/g, ' ').trim() || undefined;
  const text = sub.text;
  const id = articleId(text, { from: forced ?? 'auto', targets, format: sub.format }, [sub.provider ?? '', glossary.version, sub.webhookUrl ?? '', title ?? '', ...(owner ? [owner] : [])]);

  // An identical live submission: answer at once without analysing again.
  const existing = await ctx.queues.store.status(id);
  if (existing && existing !== 'failed' && existing !== 'cancelled') {
    await repairFlow(ctx, id, existing, targets, sub.provider);
    return { id, status: existing, created: false };
  }

  await translator.ready?.();
  await analysisTurn();
  const analysis = analyse(text, { format: sub.format, from: forced ?? 'auto', terms: glossary.terms, matcher: glossary.matcher });
  for (const to of targets) {
    if (sameLanguage(to, analysis.sourceLang)) {
      throw new InputError('target-is-source', `the article is already in ${analysis.sourceLang}; remove ${to} from the targets`, { status: 422, params: { from: analysis.sourceLang, target: to } });
    }
    if (!translator.plan(analysis.sourceLang, to)) {
      // An engine that could not even list its pairs may be the one that serves this pair: an outage, not a user mistake.
      const why = translator.explainNoRoute?.(analysis.sourceLang, to);
      if (why instanceof ProviderError) throw why;
      throw new InputError('unsupported-pair', `no configured provider translates ${analysis.sourceLang}→${to}, directly or through a pivot language`, {
        status: 422,
        params: { from: analysis.sourceLang, to },
      });
    }
  }

  const meta: JobMeta = {
    id,
    submittedAt: new Date().toISOString(),
    sourceLang: analysis.sourceLang,
    confidence: analysis.confidence,
    detection: analysis.detection,
    targets,
    format: analysis.doc.format,
    glossaryVersion: analysis.glossaryVersion,
    segments: analysis.segments.length,
    ...(sub.provider ? { provider: sub.provider } : {}),
    ...(title ? { title } : {}),
    ...(sub.webhookUrl ? { webhookUrl: sub.webhookUrl } : {}),
    ...(owner ? { owner } : {}),
  };
  const outcome = await ctx.queues.store.create(meta, analysis);
  if (outcome === 'created' || outcome === 'replaced') {
    if (outcome === 'replaced') await ctx.queues.removeFlow(id, targets);
    await ctx.queues.addFlow(id, targets, sub.provider);
    // Acknowledged means held by a replica too (when there is one): see docs/queue.md "Scaling out".
    await ctx.queues.waitForReplicas();
    await ctx.onAnalysed?.(analysis, id, glossary).catch(() => undefined);
    return { id, status: 'queued', created: true };
  }
  // Someone else created it between our check and our write.
  return { id, status: outcome, created: false };
}

/**
 * A record without a flow (the API died between the two writes) would wait
 * forever; adding the flow again is harmless because job ids are fixed.
 */
async function repairFlow(ctx: SubmitContext, id: string, status: JobStatus, targets: Lang[], provider: string | undefined): Promise<void> {
  if (status !== 'queued') return;
  const parent = await ctx.queues.assemble.getJob(id);
  if (!parent) await ctx.queues.addFlow(id, targets, provider);
}

