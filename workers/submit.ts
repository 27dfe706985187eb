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
import { checkWellFormed } from '../pipeline/ingest/decode.js';
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
  /** Provider for every target that `providers` does not name (default: the configured route). */
  provider?: string;
  /** Provider per target language: `{"vi": "pseudo", "en": "deepl"}`. */
  providers?: Record<string, string>;
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
  /** What to configure so that a pair gets a route (e.g. `deepl (needs DEEPL_AUTH_KEY), …`), for the refusal. */
  configureHint?: () => Promise<string | undefined>;
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
/**
 * The provider each target asked for: `providers[lang]`, else `provider`, else
 * none (the configured route). A key that is not one of the targets is refused
 * rather than ignored: it is most likely a typo for one of them.
 */
export function providersByTarget(targets: Lang[], provider: string | undefined, providers: Record<string, string> | undefined): Record<Lang, string | undefined> {
  const out: Record<Lang, string | undefined> = Object.fromEntries(targets.map((t) => [t, provider?.trim() || undefined]));
  for (const [key, ref] of Object.entries(providers ?? {})) {
    const lang = requireLang(key, 'providers');
    const target = targets.find((t) => t.toLowerCase() === lang.toLowerCase());
    if (!target) {
      throw new InputError('provider-target-unknown', `"providers" names ${lang}, which is not one of the targets (${targets.join(', ')})`, { params: { lang, targets: targets.join(', ') } });
    }
    if (typeof ref !== 'string' || !ref.trim()) continue;
    out[target] = ref.trim();
  }
  return out;
}

/** The per-target choice as stored and hashed: only targets that name a provider, in target order. */
function chosen(byTarget: Record<Lang, string | undefined>): Record<Lang, string> {
  return Object.fromEntries(Object.entries(byTarget).filter((e): e is [Lang, string] => e[1] !== undefined));
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
  const byTarget = providersByTarget(targets, sub.provider, sub.providers);
  const mixed = sub.providers !== undefined && Object.keys(sub.providers).length > 0;
  // One translator per distinct provider; each fails with the list of known ids when its provider is unknown or not configured.
  const translators = new Map<string | undefined, ReturnType<SubmitContext['translatorFor']>>();
  for (const ref of new Set(Object.values(byTarget))) translators.set(ref, ctx.translatorFor(ref));
  if (sub.webhookUrl) await checkWebhookUrl(sub.webhookUrl, ctx.allowPrivateWebhooks);

  const glossary = await ctx.glossary();
  // The title is metadata: it names the job and goes into the manifest, never into the article's text.
  // A lone surrogate would be written out as U+FFFD in the manifest and the page: refused like one in the text.
  if (sub.title) checkWellFormed(sub.title);
  const title = sub.title?.replace(/\s+/g, ' ').trim() || undefined;
  const text = sub.text;
  // Same article + same options = same id. Per-target providers take the single provider's place in the hash only when
  // given, so that ids of submissions without them do not change.
  const providerKey = mixed ? JSON.stringify(Object.entries(chosen(byTarget)).sort(([a], [b]) => (a < b ? -1 : 1))) : (sub.provider ?? '');
  const id = articleId(text, { from: forced ?? 'auto', targets, format: sub.format }, [providerKey, glossary.version, sub.webhookUrl ?? '', title ?? '', ...(owner ? [owner] : [])]);
  const flowProviders = mixed ? chosen(byTarget) : sub.provider;

  // An identical live submission: answer at once without analysing again.
  const existing = await ctx.queues.store.status(id);
  if (existing && existing !== 'failed' && existing !== 'cancelled') {
    await repairFlow(ctx, id, existing, targets, flowProviders);
    return { id, status: existing, created: false };
  }

  await Promise.all([...translators.values()].map((tr) => tr.ready?.()));
  await analysisTurn();
  const analysis = analyse(text, { format: sub.format, from: forced ?? 'auto', terms: glossary.terms, matcher: glossary.matcher });
  for (const to of targets) {
    if (sameLanguage(to, analysis.sourceLang)) {
      throw new InputError('target-is-source', `the article is already in ${analysis.sourceLang}; remove ${to} from the targets`, { status: 422, params: { from: analysis.sourceLang, target: to } });
    }
    const ref = byTarget[to];
    const translator = translators.get(ref)!;
    if (!translator.plan(analysis.sourceLang, to)) {
      // An engine that could not even list its pairs may be the one that serves this pair: an outage, not a user mistake.
      const why = translator.explainNoRoute?.(analysis.sourceLang, to);
      if (why instanceof ProviderError) throw why;
      throw await unservedTarget(ctx, analysis.sourceLang, to, ref);
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
    ...(mixed ? { providers: chosen(byTarget) } : {}),
    ...(title ? { title } : {}),
    ...(sub.webhookUrl ? { webhookUrl: sub.webhookUrl } : {}),
    ...(owner ? { owner } : {}),
  };
  const outcome = await ctx.queues.store.create(meta, analysis);
  if (outcome === 'created' || outcome === 'replaced') {
    if (outcome === 'replaced') await ctx.queues.removeFlow(id, targets);
    await ctx.queues.addFlow(id, targets, flowProviders);
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
async function repairFlow(ctx: SubmitContext, id: string, status: JobStatus, targets: Lang[], provider: string | Record<Lang, string> | undefined): Promise<void> {
  if (status !== 'queued') return;
  const parent = await ctx.queues.assemble.getJob(id);
  if (!parent) await ctx.queues.addFlow(id, targets, provider);
}

/**
 * A target no route serves, refused with what would fix it: another provider
 * for that target when one was chosen, else what to configure (or `pseudo`
 * for test output).
 */
async function unservedTarget(ctx: SubmitContext, from: Lang, to: Lang, provider: string | undefined): Promise<InputError> {
  if (provider) {
    return new InputError('unsupported-pair', `${provider} does not translate ${from}→${to}, directly or through a pivot language; choose another provider for ${to}`, {
      status: 422,
      params: { from, to, provider, context: 'provider' },
    });
  }
  const configure = await ctx.configureHint?.().catch(() => undefined);
  if (!configure) {
    return new InputError('unsupported-pair', `no configured provider translates ${from}→${to}, directly or through a pivot language`, { status: 422, params: { from, to } });
  }
  return new InputError('unsupported-pair', `no configured provider translates ${from}→${to}, directly or through a pivot language; configure one that does (${configure}), or choose pseudo for ${to} to get test output`, {
    status: 422,
    params: { from, to, configure, context: 'configure' },
  });
}
