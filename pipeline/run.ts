/**
 * The stages put together. `analyse` (pure) and `translateTarget` (calls the
 * injected Translator and TM) are the two halves that queue workers run as
 * separate jobs; `translateArticle` runs everything in-process for the CLI.
 */
import { createHash } from 'node:crypto';
import { detectLanguage, detectSegments, ScoreCache } from './detect.js';
import { InputError, ProviderError } from './errors.js';
import { compileGlossary, glossaryVersion, maskSegment, termsForArticle, unmaskSegment, type GlossaryMatcher, type Mask } from './glossary/index.js';
import { escapeXml, normalizeInline, plainText } from './inline.js';
import { renderingKey, substituteTerms } from './glossary/substitute.js';
import { noticesOf } from './notices.js';
import { ingest } from './ingest.js';
import { canonicalLang, languageName, requireLang, sameLanguage } from './languages.js';
import type {
  Analysis,
  BundleInput,
  ImpositionRecord,
  Lang,
  Notice,
  RoutePlan,
  Segment,
  SourceDocument,
  TargetResult,
  Term,
  TermMatch,
  TermMethods,
  TmEntry,
  TmKey,
  TranslatedSegment,
  TranslationMemory,
  Translator,
} from './model.js';
import { checkSegment, sideEffectFindings } from './qa.js';
import { segmentDocument } from './segment.js';

export interface AnalyseOptions {
  format?: SourceDocument['format'];
  filename?: string;
  /** Source language; `auto` or undefined detects it. */
  from?: Lang | 'auto';
  /** The glossary (all terms; only approved ones are applied). */
  terms: Term[];
  /** A matcher already compiled for these terms (workers cache one per glossary version). */
  matcher?: GlossaryMatcher;
  /** Candidate languages for detection. */
  only?: Lang[];
}

export function analyse(input: string | Uint8Array, options: AnalyseOptions): Analysis {
  const doc = ingest(input, { format: options.format, filename: options.filename });
  const forced = options.from && options.from !== 'auto' ? requireLang(options.from, '--from') : undefined;

  const approved = options.terms.filter((t) => t.status === 'approved');
  // Brand names and acronyms say nothing about the language around them.
  const mask = approved.filter((t) => t.kind === 'keep').flatMap((t) => [t.term, ...t.variants]);

  // The article vote and the per-segment pass score the same sentences: each is scored once.
  const cache = new ScoreCache();
  let sourceLang: Lang;
  let confidence: number;
  if (forced) {
    sourceLang = forced;
    confidence = 1;
  } else {
    const text = doc.blocks
      .filter((b) => b.translatable)
      .map((b) => plainText(b.inline))
      .join('\n');
    const guess = detectLanguage(text, { only: options.only, mask, cache });
    if (guess.lang === 'und') {
      throw new InputError('undetected-language', 'could not tell which language the article is in; give it with --from (API: sourceLang)', {
        status: 422,
      });
    }
    sourceLang = guess.lang;
    confidence = guess.confidence;
  }

  const segments = segmentDocument(doc, sourceLang);
  const guesses = detectSegments(segments, sourceLang, { only: options.only, prior: sourceLang, mask, cache });
  segments.forEach((s, i) => {
    const g = guesses[i];
    if (g) s.lang = g;
  });

  const matcher = options.matcher ?? compileGlossary(approved);
  const matches: Record<string, TermMatch[]> = {};
  for (const s of segments) {
    if (!s.translatable) continue;
    const found = matcher.find(s.plain, sourceLang);
    if (found.length > 0) matches[s.id] = found;
  }

  return {
    doc,
    segments,
    sourceLang,
    confidence,
    detection: forced ? 'forced' : 'auto',
    matches,
    // Matched terms, plus every forbidden one: QA looks for those in the output, not the source.
    terms: termsForArticle(approved, matches),
    glossaryVersion: glossaryVersion(approved),
  };
}

export interface TranslateTargetOptions {
  translator: Translator;
  tm?: TranslationMemory;
  /** Called after each batch with segments done / total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Segments already in the target language are copied, not translated (default true). */
  skipSameLanguage?: boolean;
  /**
   * Segments per checkpoint: progress is reported and TM entries written after
   * each, so that a retried job reuses what it already paid for. Not a
   * provider batch: the router cuts each checkpoint to the provider's limits.
   */
  batchSize?: number;
  /** How glossary terms are imposed on the engine (see Imposition); default: the approach chosen by measurement. */
  imposition?: Imposition;
  /**
   * Translate masked segments a second time without the glossary, so that QA
   * can report what masking did to the sentence (`glossary-side-effect`).
   * Default: only on routes whose engines bill nothing (FREE_ENGINES); paid
   * engines when the operator sets `LOCFLOW_TERM_CHECK=1`. Substituted
   * segments need no second call: the engine's plain translation is their start.
   */
  termCheck?: boolean;
}

/** Engines that bill nothing: a second, plain translation of a masked segment costs only time. */
export const FREE_ENGINES = new Set(['apertium', 'pseudo']);

/**
 * How glossary terms reach a translation:
 * - `mask`: each term is a `<x id="tN"/>` placeholder the engine never sees;
 *   the glossary form is put back afterwards.
 * - `substitute`: the engine translates the sentence as written; its rendering
 *   of each term is found in the output and replaced by the glossary form,
 *   with the words next to it made to agree. Segments where a rendering cannot
 *   be found fall back to masking.
 */
export type Imposition = 'mask' | 'substitute';

/** A per-segment language guess must be at least this sure before we skip translating the segment. */
const SAME_LANGUAGE_CONFIDENCE = 0.9;

interface Pending {
  segment: Segment;
  masked: string;
  masks: Record<string, Mask>;
  key: TmKey;
  /** `substitute`: the engine gets the source as written and terms are replaced in its output. */
  mode: Imposition;
}

/** TM entries of substituted segments hold the final text, so they live apart from masked ones. */
const SUBSTITUTED_ROUTE = '#substituted';
/** TM entries of a term translated alone (substitution's probe of how the engine renders it). */
const PROBE_ROUTE = '#probe';

/** As the TM normalises a source (NFC, one space, trimmed). */
function normaliseText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

export async function translateTarget(analysis: Analysis, to: Lang, options: TranslateTargetOptions): Promise<TargetResult> {
  const started = Date.now();
  const from = analysis.sourceLang;
  const target = requireLang(to, 'target language');
  if (sameLanguage(target, from)) {
    throw new InputError('target-is-source', `the article is already in ${languageName(from)} (${from}); remove ${target} from the targets`, { status: 422, params: { from, target } });
  }
  // Engines that list their pairs over the network are unknown to plan() until then.
  await options.translator.ready?.();
  const plan = options.translator.plan(from, target);
  if (!plan) {
    // An engine that is down could not list its pairs; say so rather than blame the configuration.
    const why = (options.translator as { explainNoRoute?: (from: Lang, to: Lang) => Error }).explainNoRoute?.(from, target);
    if (why instanceof ProviderError) throw why;
    throw new InputError('unsupported-pair', `no configured provider translates ${from}→${target}, directly or through a pivot language`, {
      status: 422,
      details: { from, to: target },
    });
  }

  const skipSame = options.skipSameLanguage ?? true;
  const imposition = options.imposition ?? DEFAULT_IMPOSITION;
  const record: ImpositionRecord = { method: imposition, native: 0, substituted: 0, masked: 0, fromMemory: 0, byTerm: {} };
  /** Counts term occurrences by the way they reached the output, in total and per term. */
  const tally = (termId: string, how: keyof TermMethods) => {
    record[how]++;
    const name = termById.get(termId)?.term ?? termId;
    const per = (record.byTerm![name] ??= {});
    per[how] = (per[how] ?? 0) + 1;
  };
  const count = (matches: TermMatch[], how: (m: TermMatch) => keyof TermMethods) => matches.forEach((m) => tally(m.termId, how(m)));
  const countMasks = (masks: Record<string, Mask>, how: keyof TermMethods = 'masked') => Object.values(masks).forEach((m) => tally(m.termId, how));
  /** Characters sent to learn how the engine renders terms alone (billed like any others on a paying engine). */
  let probedChars = 0;
  const done = new Map<string, TranslatedSegment>();
  const pending: Pending[] = [];
  const termById = new Map(analysis.terms.map((t) => [t.id, t]));

  for (const segment of analysis.segments) {
    if (!segment.translatable) {
      done.set(segment.id, copySegment(segment, 'not-translatable'));
    } else if (skipSame && segment.lang && segment.lang.lang !== 'und' && sameLanguage(segment.lang.lang, target) && segment.lang.confidence >= SAME_LANGUAGE_CONFIDENCE) {
      done.set(segment.id, copySegment(segment, 'same-language'));
    } else {
      const { text, masks } = maskSegment(segment.source, analysis.matches[segment.id] ?? [], analysis.terms, target);
      const mode: Imposition = imposition === 'substitute' && Object.keys(masks).length > 0 ? 'substitute' : 'mask';
      pending.push({
        segment,
        masked: text,
        masks,
        mode,
        // Keyed by the masked source either way, so that a reviewer's entry (human keys ignore the route) still applies.
        key: { source: normaliseText(text), from, to: target, glossaryVersion: analysis.glossaryVersion, routeId: routeKey(plan.id, mode) },
      });
    }
  }

  const total = analysis.segments.length;
  const report = () => options.onProgress?.(done.size, total);
  report();

  let tmHits = 0;
  let billedChars = 0;
  // Keyed by the English sentence: the same note from every batch is said once.
  const notices = new Map<string, Notice>();
  const usedPlans = new Map<string, RoutePlan>();

  /** `raw` is the engine's text with placeholders, or final text when `final` (a substituted segment). */
  const finish = (p: Pending, raw: string, how: { provider: string; route: Lang[]; tm: boolean; human: boolean; final?: boolean; plain?: string; lost?: string[] }) => {
    const { text, missing } = how.final ? { text: normalizeInline(raw), missing: how.lost ?? [] } : unmaskSegment(normalizeInline(raw), p.masks);
    const matches = analysis.matches[p.segment.id] ?? [];
    const qa = checkSegment({
      segment: p.segment,
      target: text,
      from,
      to: target,
      terms: analysis.terms,
      termById,
      matches,
      lostMasks: missing,
      translated: true,
      // A reviewer's sentence from memory is still a person's: its findings are theirs, not an engine's.
      origin: how.human ? 'human' : how.tm ? 'tm' : 'machine',
    });
    if (how.plain !== undefined) qa.push(...sideEffectFindings(p.segment.id, target, how.plain, text));
    done.set(p.segment.id, {
      id: p.segment.id,
      text,
      plain: plainText(text),
      provider: how.provider,
      route: how.route,
      tm: how.tm,
      human: how.human,
      ...(how.human ? { state: 'edited' as const } : {}),
      terms: unique(matches.map((m) => termById.get(m.termId)?.term ?? m.text)),
      qa,
    });
  };

  // Translation memory first: a hit costs nothing and is never sent to a provider.
  let misses = pending;
  if (options.tm && pending.length > 0) {
    const entries = await options.tm.lookup(pending.map((p) => p.key));
    misses = [];
    pending.forEach((p, i) => {
      const entry = entries[i];
      if (entry) {
        tmHits++;
        countMasks(p.masks, 'fromMemory');
        // A reviewer's entry holds placeholders; a substituted machine entry holds the final text.
        finish(p, entry.text, { provider: entry.human ? 'human' : entry.provider, route: [from, target], tm: true, human: entry.human, final: p.mode === 'substitute' && !entry.human });
      } else misses.push(p);
    });
    report();
  }

  const termCheck = options.termCheck ?? plan.providers.every((p) => FREE_ENGINES.has(p.split(':')[0]!));
  /** The plain translation of segments that were masked, compared with the masked one (costs one call per batch). */
  const checkMasked = async (list: Pending[], provider: string) => {
    if (list.length === 0) return;
    const plain = await options.translator.translate({ segments: list.map((p) => ({ id: p.segment.id, text: p.segment.source })), from, to: target, terms: [], signal: options.signal });
    billedChars += plain.billedChars;
    list.forEach((p, j) => {
      const seg = done.get(p.segment.id);
      if (seg && seg.provider === provider) seg.qa.push(...sideEffectFindings(p.segment.id, target, plain.texts[j] ?? '', seg.text));
    });
  };

  // How the engine renders each term alone: where to look for it in the sentence's translation.
  const renderings = new Map<string, string>();
  const probeText = new Map<string, string>();
  for (const p of misses) {
    if (p.mode !== 'substitute') continue;
    for (const m of analysis.matches[p.segment.id] ?? []) {
      const term = termById.get(m.termId);
      if (term) probeText.set(renderingKey(m, term), escapeXml(renderingKey(m, term)));
    }
  }
  /**
   * Translates terms alone (the probe), once per (term, pair, glossary, route): kept in the TM like sentences, so a
   * job retried after a crash (or the next article with the same terms) reads them instead of paying the engine again.
   */
  const probe = async (wanted: string[]) => {
    let keys = wanted.filter((k) => !renderings.has(k) && probeText.has(k));
    if (keys.length === 0) return;
    const probeKey = (k: string): TmKey => ({ source: normaliseText(probeText.get(k)!), from, to: target, glossaryVersion: analysis.glossaryVersion, routeId: `${plan.id}${PROBE_ROUTE}` });
    if (options.tm) {
      const known = await options.tm.lookup(keys.map(probeKey));
      // Only the engine's own rendering locates the term in its sentence: a reviewer's entry for the same words does not.
      keys.forEach((k, i) => {
        const entry = known[i];
        if (entry && !entry.human) renderings.set(k, plainText(entry.text));
      });
      keys = keys.filter((k) => !renderings.has(k));
    }
    if (keys.length === 0) return;
    options.signal?.throwIfAborted();
    // No terms: the engine's own rendering is wanted, not its glossary's.
    const res = await options.translator.translate({ segments: keys.map((k, i) => ({ id: `term${i + 1}`, text: probeText.get(k)! })), from, to: target, terms: [], signal: options.signal });
    billedChars += res.billedChars;
    probedChars += keys.reduce((n, k) => n + probeText.get(k)!.length, 0);
    for (const n of noticesOf(res)) if (!notices.has(n.message)) notices.set(n.message, n);
    keys.forEach((k, i) => renderings.set(k, plainText(res.texts[i] ?? '')));
    if (options.tm) {
      const provider = res.plan.providers.join('+');
      const at = new Date().toISOString();
      await options.tm.store(keys.map((k, i) => ({ key: { ...probeKey(k), routeId: `${res.plan.id}${PROBE_ROUTE}` }, entry: { text: res.texts[i] ?? '', provider, human: false, at } })));
    }
  };
  // An engine with a glossary of its own is probed only for the terms its output misses (usually none); others up front, in one call.
  if (!plan.nativeGlossary) await probe([...probeText.keys()]);

  const batchSize = options.batchSize ?? 25;
  for (let i = 0; i < misses.length; i += batchSize) {
    options.signal?.throwIfAborted();
    const batch = misses.slice(i, i + batchSize);
    const relevant = unique(batch.flatMap((p) => (analysis.matches[p.segment.id] ?? []).map((m) => m.termId)))
      .map((id) => termById.get(id))
      .filter((t): t is Term => !!t);
    const result = await options.translator.translate({
      segments: batch.map((p) => ({ id: p.segment.id, text: p.mode === 'substitute' ? p.segment.source : p.masked })),
      from,
      to: target,
      terms: relevant,
      signal: options.signal,
    });
    if (result.texts.length !== batch.length) {
      throw new Error(`translator returned ${result.texts.length} texts for ${batch.length} segments (${result.plan.label})`);
    }
    billedChars += result.billedChars;
    for (const n of noticesOf(result)) if (!notices.has(n.message)) notices.set(n.message, n);
    usedPlans.set(result.plan.id, result.plan);
    const route = routeLanguages(result.plan, from, target);
    const at = new Date().toISOString();
    const stored: { key: TmKey; entry: TmEntry }[] = [];
    const provider = result.plan.providers.join('+');
    const maskedNow: Pending[] = [];
    const fallback: { p: Pending; plain: string; unplaced: TermMatch[] }[] = [];
    const native = result.glossaryApplied === true;
    if (native) record.method = 'native';
    const substitute = (p: Pending, output: string, matches: TermMatch[]) => substituteTerms({ output: normalizeInline(output), source: p.segment.plain, matches, termById, to: target, renderings });
    // The compliance check: terms the engine did not write in the glossary form need its rendering of them alone.
    const missed = batch.flatMap((p, j) => {
      if (p.mode !== 'substitute') return [];
      const sub = substitute(p, result.texts[j]!, analysis.matches[p.segment.id] ?? []);
      return (analysis.matches[p.segment.id] ?? []).flatMap((m) => {
        const term = termById.get(m.termId);
        return term && !sub.already.includes(m) ? [renderingKey(m, term)] : [];
      });
    });
    await probe(missed);
    batch.forEach((p, j) => {
      const text = result.texts[j]!;
      if (p.mode === 'substitute') {
        const matches = analysis.matches[p.segment.id] ?? [];
        const sub = substitute(p, text, matches);
        if (sub.unplaced.length > 0) return fallback.push({ p, plain: text, unplaced: sub.unplaced });
        count(sub.placed, (m) => (native && sub.already.includes(m) ? 'native' : 'substituted'));
        finish(p, sub.text, { provider, route, tm: false, human: false, final: true, plain: text });
        stored.push({ key: { ...p.key, routeId: routeKey(result.plan.id, p.mode) }, entry: { text: sub.text, provider, human: false, at } });
        return;
      }
      countMasks(p.masks);
      finish(p, text, { provider, route, tm: false, human: false });
      if (Object.keys(p.masks).length > 0) maskedNow.push(p);
      stored.push({ key: { ...p.key, routeId: result.plan.id }, entry: { text, provider, human: false, at } });
    });
    if (fallback.length > 0) {
      // Renderings not found: those terms are masked and the sentence translated again; the others are still substituted.
      const partial = fallback.map((f) => ({ f, ...maskSegment(f.p.segment.source, f.unplaced, analysis.terms, target) }));
      const again = await options.translator.translate({ segments: partial.map((x) => ({ id: x.f.p.segment.id, text: x.text })), from, to: target, terms: relevant, signal: options.signal });
      billedChars += again.billedChars;
      for (const n of noticesOf(again)) if (!notices.has(n.message)) notices.set(n.message, n);
      partial.forEach((x, j) => {
        const { f } = x;
        const unmasked = unmaskSegment(normalizeInline(again.texts[j] ?? ''), x.masks);
        const rest = (analysis.matches[f.p.segment.id] ?? []).filter((m) => !f.unplaced.includes(m));
        const sub = substituteTerms({ output: unmasked.text, source: f.p.segment.plain, matches: rest, termById, to: target, renderings });
        // A term still not found is left as the engine wrote it: the glossary check reports it.
        count(sub.placed, (m) => (again.glossaryApplied && sub.already.includes(m) ? 'native' : 'substituted'));
        count(f.unplaced, () => 'masked');
        const text = sub.text;
        finish(f.p, text, { provider, route, tm: false, human: false, final: true, plain: f.plain, lost: unmasked.missing });
        stored.push({ key: { ...f.p.key, routeId: routeKey(result.plan.id, f.p.mode) }, entry: { text, provider, human: false, at } });
      });
    }
    // Written per batch so that a retried job reuses what it already paid for.
    if (options.tm) await options.tm.store(stored);
    if (termCheck) await checkMasked(maskedNow, provider);
    report();
  }

  const plans = usedPlans.size > 0 ? [...usedPlans.values()] : [plan];
  if (plans.some((p) => p.pseudo)) {
    const message = 'pseudo-localisation: this target is test output, not a translation';
    notices.set(message, { code: 'note-pseudo', message });
  }
  return {
    lang: target,
    providers: unique(plans.flatMap((p) => p.providers)),
    route: plans.map((p) => p.label).join(' | '),
    segments: analysis.segments.map((s) => done.get(s.id)!),
    billedChars,
    tmHits,
    warnings: [...notices.keys()],
    notices: [...notices.values()],
    ms: Date.now() - started,
    ...(analysis.terms.length > 0 ? { imposition: { ...record, probedChars } } : {}),
  };
}

/** The approach chosen by `npm run bench -- terms` for engines without a glossary of their own. */
export const DEFAULT_IMPOSITION: Imposition = 'substitute';

function routeKey(routeId: string, mode: Imposition): string {
  return mode === 'substitute' ? `${routeId}${SUBSTITUTED_ROUTE}` : routeId;
}

function copySegment(segment: Segment, why: TranslatedSegment['skipped']): TranslatedSegment {
  return {
    id: segment.id,
    text: segment.source,
    plain: segment.plain,
    provider: 'source',
    route: [],
    tm: false,
    human: false,
    skipped: why,
    terms: [],
    qa: [],
  };
}

/**
 * Languages a route went through, read from its id: `apertium:fr>es>en` and
 * `deepl:fr>es|apertium:es>en` both give `['fr','es','en']`.
 */
export function routeLanguages(plan: RoutePlan, from: Lang, to: Lang): Lang[] {
  const langs: Lang[] = [];
  for (const leg of plan.id.split('|')) {
    for (const l of leg.slice(leg.indexOf(':') + 1).split('>')) {
      if (canonicalLang(l) && langs[langs.length - 1] !== l) langs.push(l);
    }
  }
  return langs.length >= 2 ? langs : [from, to];
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

export interface TranslateArticleOptions extends AnalyseOptions {
  targets: Lang[];
  translator: Translator;
  tm?: TranslationMemory;
  toolVersion: string;
  /** Called once the source language is known, before any provider is called. */
  onAnalysed?: (analysis: Analysis) => void;
  onProgress?: (target: Lang, done: number, total: number) => void;
  signal?: AbortSignal;
  /** See TranslateTargetOptions. */
  imposition?: Imposition;
  termCheck?: boolean;
}

/** Everything in-process: what `locflow translate` runs. Returns the bundle input; writing it is the caller's. */
export async function translateArticle(input: string | Uint8Array, options: TranslateArticleOptions): Promise<BundleInput> {
  const t0 = Date.now();
  const analysis = analyse(input, options);
  options.onAnalysed?.(analysis);
  const t1 = Date.now();
  const targets = await Promise.all(
    options.targets.map((to) =>
      translateTarget(analysis, to, {
        translator: options.translator,
        tm: options.tm,
        signal: options.signal,
        onProgress: (d, n) => options.onProgress?.(to, d, n),
        ...(options.imposition ? { imposition: options.imposition } : {}),
        ...(options.termCheck !== undefined ? { termCheck: options.termCheck } : {}),
      }),
    ),
  );
  const t2 = Date.now();
  return {
    jobId: articleId(input, options),
    analysis,
    targets,
    toolVersion: options.toolVersion,
    createdAt: new Date().toISOString(),
    revision: 1,
    timings: { analyseMs: t1 - t0, translateMs: t2 - t1 },
  };
}

/** A stable id for an article and its options: the same submission gets the same id. */
export function articleId(input: string | Uint8Array, options: { from?: string; targets: Lang[]; format?: string }, extra: unknown[] = []): string {
  const h = createHash('sha256');
  h.update(typeof input === 'string' ? input : Buffer.from(input));
  h.update(JSON.stringify([options.from ?? 'auto', [...options.targets].sort(), options.format ?? '', ...extra]));
  return `j_${h.digest('hex').slice(0, 20)}`;
}
