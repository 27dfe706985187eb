/**
 * Routing: which providers translate a language pair, in which order, and
 * through which pivot language when none serves it directly. A route is a list
 * of legs (`apertium fr→es`, `apertium es→en`); a pair has an ordered list of
 * routes and translation falls back along it when a provider cannot serve
 * (quota, auth, unsupported pair, retries exhausted).
 */
import { InputError, ProviderError, shouldFallBack } from '../pipeline/errors.js';
import { normalizeInline } from '../pipeline/inline.js';
import { canonicalLang } from '../pipeline/languages.js';
import type { Lang, Notice, RoutePlan, Term, Translator, TranslatorRequest, TranslatorResult } from '../pipeline/model.js';
import { noticesOf } from '../pipeline/notices.js';
import { withNotices, type LanguagePair, type TranslationProvider } from './contract.js';
import { langMatches } from './langs.js';
import { Gate, planBatches, withRetry, type RetryOptions } from './policy.js';

export interface Leg {
  /** Provider reference (`apertium`, `openai:gpt-4o-mini`). */
  provider: string;
  from: Lang;
  to: Lang;
}

export interface Route {
  legs: Leg[];
  plan: RoutePlan;
}

export interface ProviderUsage {
  /** Calls made (retries included). */
  calls: number;
  /** Characters sent (inline XML, every attempt that reached the provider counted once per batch). */
  chars: number;
  /** Characters the provider says it bills. */
  billedChars: number;
}

/** A provider as the router holds it: its reference, its pairs once loaded, its concurrency gate. */
export interface ProviderHandle {
  ref: string;
  provider: TranslationProvider;
  pairs: LanguagePair[] | undefined;
  pairsError?: string;
  gate: Gate;
}

export interface RouterOptions {
  handles: ProviderHandle[];
  /** Provider forced first (`--provider`). */
  forced?: string;
  /** Chain for a pair from the config file, if any. */
  chainFor: (from: Lang, to: Lang) => string[] | undefined;
  /** Real providers tried when no chain is configured, in order. */
  defaultOrder: string[];
  pivots: string[];
  allowPseudo: boolean;
  retry: RetryOptions;
  ready: Promise<void>;
  /** Lists the pairs again for providers whose listing failed (an APy server that was still starting). */
  reloadPairs?: () => Promise<void>;
}

export interface LocflowTranslator extends Translator {
  /**
   * Resolves once every provider's language pairs are known. `translate` waits
   * for it itself; call it before `plan` when providers list pairs over the
   * network (APy, DeepL…), otherwise `plan` only sees those already loaded.
   */
  ready(): Promise<void>;
  /** Every route for a pair, in the order translation tries them (the first is `plan`). */
  routes(from: Lang, to: Lang): RoutePlan[];
  /** Calls and characters per provider reference since this translator was created. */
  usage(): Record<string, ProviderUsage>;
  /** The provider references this translator may use. */
  providerIds(): string[];
  /** Why no route serves a pair: an engine that could not list its pairs (down), or none configured for it. */
  explainNoRoute(from: Lang, to: Lang): InputError | ProviderError;
}

const ARROW = '→';
/** How long a provider that answered quota/auth goes to the back of the queue. */
const TRIP_MS = 5 * 60_000;

function legLabel(leg: Leg): string {
  return `${leg.provider}:${leg.from}${ARROW}${leg.to}`;
}

/** `apertium:fr>es>en` when one provider does every leg, else `deepl:fr>es|apertium:es>en`. */
export function routeId(legs: Leg[]): string {
  const providers = new Set(legs.map((l) => l.provider));
  if (providers.size === 1) return `${legs[0]!.provider}:${[legs[0]!.from, ...legs.map((l) => l.to)].join('>')}`;
  return legs.map((l) => `${l.provider}:${l.from}>${l.to}`).join('|');
}

export function makeRoute(legs: Leg[]): Route {
  const providers = [...new Set(legs.map((l) => l.provider))];
  return {
    legs,
    plan: {
      id: routeId(legs),
      label: legs.map(legLabel).join(' → '),
      providers,
      pseudo: providers.some((p) => p === 'pseudo'),
    },
  };
}

export function serves(handle: ProviderHandle, from: Lang, to: Lang): boolean {
  if (!handle.pairs) return false;
  return handle.pairs.some((p) => {
    if (p.from === '*' || p.to === '*') {
      if (from === to) return false;
      // A wildcard provider (pseudo) still only knows real languages.
      if (!canonicalLang(from) || !canonicalLang(to)) return false;
    }
    return langMatches(p.from, from) && langMatches(p.to, to);
  });
}

/**
 * The routes for a pair, in order. For each provider in the chain: a direct
 * leg if it serves the pair, else its best two-leg pivot. A pivot is scored by
 * how few providers it uses, how early they come in the chain, then the
 * configured pivot preference, so `apertium` alone goes fr→es→en.
 */
export function routesFor(options: Pick<RouterOptions, 'handles' | 'forced' | 'chainFor' | 'defaultOrder' | 'pivots' | 'allowPseudo'>, from: Lang, to: Lang): Route[] {
  const byRef = new Map(options.handles.map((h) => [h.ref, h]));
  const usable = (ref: string) => {
    const h = byRef.get(ref);
    return h && h.provider.configured ? h : undefined;
  };
  const configured = options.chainFor(from, to);
  let chain: string[];
  if (options.forced) chain = [options.forced, ...(configured ?? []).filter((r) => r !== options.forced)];
  else chain = configured ?? options.defaultOrder;
  // Pseudo is never a silent choice: only as the forced provider or written in a configured chain.
  const explicitPseudo = options.forced === 'pseudo' || (configured ?? []).includes('pseudo');
  const candidates = [...new Set(chain)].filter((ref) => usable(ref) && (ref !== 'pseudo' || explicitPseudo));

  const routes: Route[] = [];
  const seen = new Set<string>();
  const add = (legs: Leg[]) => {
    const route = makeRoute(legs);
    // A glossary imposes target forms only when its leg ends in the target: a pivot's second engine would translate them again.
    if (legs.length === 1 && byRef.get(legs[0]!.provider)?.provider.glossary === 'native') route.plan.nativeGlossary = true;
    if (!seen.has(route.plan.id)) {
      seen.add(route.plan.id);
      routes.push(route);
    }
  };
  for (const ref of candidates) {
    const handle = usable(ref)!;
    if (serves(handle, from, to)) add([{ provider: ref, from, to }]);
    else if (ref !== 'pseudo') {
      const pivot = bestPivot(ref, candidates.filter((c) => c !== 'pseudo'), byRef, from, to, options.pivots);
      if (pivot) add(pivot);
    }
  }
  // A provider the caller chose is never replaced by test output.
  if (routes.length === 0 && options.allowPseudo && !options.forced) {
    const pseudo = byRef.get('pseudo');
    if (pseudo && serves(pseudo, from, to)) add([{ provider: 'pseudo', from, to }]);
  }
  return routes;
}

function bestPivot(seed: string, candidates: string[], byRef: Map<string, ProviderHandle>, from: Lang, to: Lang, pivots: string[]): Leg[] | undefined {
  const order = [seed, ...candidates.filter((c) => c !== seed)];
  const langs = new Set<string>();
  for (const ref of order) for (const p of byRef.get(ref)?.pairs ?? []) for (const l of [p.from, p.to]) if (l !== '*') langs.add(l);
  let best: { legs: Leg[]; score: number[] } | undefined;
  for (const via of [...langs].sort()) {
    if (langMatches(via, from) || langMatches(via, to)) continue;
    const first = order.find((r) => serves(byRef.get(r)!, from, via));
    const second = order.find((r) => serves(byRef.get(r)!, via, to));
    if (!first || !second || (first !== seed && second !== seed)) continue;
    const pref = pivots.indexOf(via);
    const score = [new Set([first, second]).size, order.indexOf(first) + order.indexOf(second), pref < 0 ? pivots.length : pref];
    if (!best || compare(score, best.score) < 0) {
      best = { legs: [{ provider: first, from, to: via }, { provider: second, from: via, to }], score };
    }
  }
  return best?.legs;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function createRouter(options: RouterOptions): LocflowTranslator {
  const byRef = new Map(options.handles.map((h) => [h.ref, h]));
  const usage: Record<string, ProviderUsage> = {};

  /** Providers that answered quota/auth recently, with when to try them first again. */
  const tripped = new Map<string, number>();
  const isTripped = (ref: string) => (tripped.get(ref) ?? 0) > Date.now();
  // Stable: healthy routes keep their order, tripped ones keep theirs at the end (still tried as a last resort).
  const preferHealthy = (routes: Route[]) => [
    ...routes.filter((r) => !r.legs.some((l) => isTripped(l.provider))),
    ...routes.filter((r) => r.legs.some((l) => isTripped(l.provider))),
  ];

  const count = (ref: string, chars: number, billed: number) => {
    const u = (usage[ref] ??= { calls: 0, chars: 0, billedChars: 0 });
    u.calls++;
    u.chars += chars;
    u.billedChars += billed;
  };

  async function runLeg(leg: Leg, segments: { id: string; text: string }[], terms: Term[] | undefined, signal?: AbortSignal): Promise<{ texts: string[]; billed: number; notices: Notice[]; glossaryApplied: boolean }> {
    const handle = byRef.get(leg.provider)!;
    const { provider } = handle;
    const notices: Notice[] = [];
    let billed = 0;
    // True until one batch that carried terms went without the engine's glossary.
    let glossaryApplied = Boolean(terms?.length) && provider.glossary === 'native';
    // When one batch fails for good the leg has failed: stop its sibling batches instead of paying for them.
    const leg$ = new AbortController();
    const stop = () => leg$.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });

    // A batch the engine called too large is halved, unless it is one segment: that failure is final for this leg.
    const splittable = (err: unknown, batch: unknown[]) => err instanceof ProviderError && err.reason === 'too-large' && batch.length > 1;

    const sendBatch = (batch: { id: string; text: string }[]) =>
      withRetry(
        () =>
          handle.gate.run(async () => {
            leg$.signal.throwIfAborted();
            count(leg.provider, batch.reduce((n, s) => n + s.text.length, 0), 0);
            let res: Awaited<ReturnType<TranslationProvider['translate']>>;
            try {
              res = await provider.translate({ segments: batch, from: leg.from, to: leg.to, ...(terms ? { terms } : {}), signal: leg$.signal });
            } catch (err) {
              // Which route entry failed travels with the error: fallback and circuit-breaking read it, never the message.
              if (err instanceof ProviderError) err.ref ??= leg.provider;
              // Aborted here, before the gate passes its slot on, so the next batch does not start a doomed call.
              if (!(err instanceof ProviderError && err.retryable) && !splittable(err, batch)) leg$.abort(err);
              throw err;
            }
            if (!Array.isArray(res.texts) || res.texts.length !== batch.length) {
              throw new ProviderError(provider.id, 'bad-response', `returned ${res.texts?.length ?? 0} translations for ${batch.length} segments`, { ref: leg.provider });
            }
            usage[leg.provider]!.billedChars += res.billedChars;
            billed += res.billedChars;
            notices.push(...noticesOf(res));
            if (res.glossaryApplied === false) glossaryApplied = false;
            return res.texts.map((t) => normalizeInline(t));
          }, leg$.signal),
        {
          ...options.retry,
          onRetry: (info) => {
            // The engine asked everyone to wait, not just this batch.
            if (info.error.retryAfterMs) handle.gate.pause(info.error.retryAfterMs);
            options.retry.onRetry?.(info);
          },
        },
        leg$.signal,
      );

    const runBatch = async (batch: { id: string; text: string }[]): Promise<string[]> => {
      try {
        return await sendBatch(batch);
      } catch (err) {
        if (!splittable(err, batch) || leg$.signal.aborted) throw err;
        const half = Math.ceil(batch.length / 2);
        const [left, right] = await Promise.all([runBatch(batch.slice(0, half)), runBatch(batch.slice(half))]);
        return [...left, ...right];
      }
    };

    try {
      const measure = provider.measure?.bind(provider);
      const results = await Promise.all(planBatches(segments, provider.limits, measure).map(runBatch));
      return { texts: results.flat(), billed, notices, glossaryApplied };
    } catch (err) {
      leg$.abort(err);
      throw err;
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  type LegOutput = Awaited<ReturnType<typeof runLeg>>;

  /**
   * `done` holds leg results of this request by route prefix, so that when a
   * pivot fails on its second leg, a fallback route through the same first
   * leg reuses it instead of paying for it again.
   */
  async function runRoute(route: Route, req: TranslatorRequest, done: Map<string, LegOutput>): Promise<TranslatorResult> {
    let segments = req.segments.map((s) => ({ id: s.id, text: normalizeInline(s.text) }));
    let billedChars = 0;
    const notices: Notice[] = [];
    let glossaryApplied = false;
    for (const [i, leg] of route.legs.entries()) {
      // Terms describe the source language; a pivot's second leg starts from another language.
      const terms = leg.from === req.from && req.terms.length ? req.terms : undefined;
      const prefix = routeId(route.legs.slice(0, i + 1));
      let out = done.get(prefix);
      if (!out) {
        out = await runLeg(leg, segments, terms, req.signal);
        done.set(prefix, out);
      }
      billedChars += out.billed;
      notices.push(...out.notices);
      glossaryApplied = route.legs.length === 1 && out.glossaryApplied;
      segments = segments.map((s, i) => ({ id: s.id, text: out.texts[i]! }));
    }
    return { texts: segments.map((s) => s.text), plan: route.plan, billedChars, ...withNotices(notices), ...(glossaryApplied ? { glossaryApplied } : {}) };
  }

  const translator: LocflowTranslator = {
    ready: () => options.ready,
    plan(from, to) {
      return routesFor(options, from, to)[0]?.plan;
    },
    routes(from, to) {
      return routesFor(options, from, to).map((r) => r.plan);
    },
    async translate(req) {
      await options.ready;
      let routes = preferHealthy(routesFor(options, req.from, req.to));
      if (routes.length === 0 && options.handles.some((h) => h.pairsError !== undefined)) {
        await options.reloadPairs?.();
        routes = preferHealthy(routesFor(options, req.from, req.to));
      }
      if (routes.length === 0) throw noRoute(options, req.from, req.to);
      if (req.segments.length === 0) return { texts: [], plan: routes[0]!.plan, billedChars: 0, warnings: [] };
      const notices: Notice[] = [];
      const done = new Map<string, LegOutput>();
      let lastError: unknown;
      for (const [i, route] of routes.entries()) {
        try {
          const result = await runRoute(route, req, done);
          return { ...result, ...withNotices([...notices, ...noticesOf(result)]) };
        } catch (err) {
          lastError = err;
          if (err instanceof ProviderError && (err.reason === 'quota' || err.reason === 'auth')) {
            // A spent quota or a rejected key will not recover within this job: later batches skip ahead.
            const culprit = err.ref ?? (route.legs.length === 1 ? route.legs[0]!.provider : undefined);
            if (culprit) tripped.set(culprit, Date.now() + TRIP_MS);
          }
          const next = routes[i + 1];
          if (!next || !shouldFallBack(err) || req.signal?.aborted) throw err;
          const detail = (err as Error).message;
          notices.push({
            code: 'note-fallback',
            message: `${route.plan.label} failed (${detail}); falling back to ${next.plan.label}`,
            params: { route: route.plan.label, detail, next: next.plan.label },
          });
        }
      }
      throw lastError;
    },
    usage: () => structuredClone(usage),
    providerIds: () => options.handles.filter((h) => h.provider.configured).map((h) => h.ref),
    explainNoRoute: (from, to) => noRoute(options, from, to),
  };
  return translator;
}

function noRoute(options: RouterOptions, from: Lang, to: Lang): InputError | ProviderError {
  // An engine that could not even list its pairs may be the one that serves this pair: that is an outage, not a user mistake.
  const unreachable = options.handles.find((h) => h.pairsError !== undefined && (!options.forced || h.ref === options.forced || options.chainFor(from, to)?.includes(h.ref)));
  if (unreachable) {
    return new ProviderError(unreachable.provider.id, 'unavailable', `cannot list its language pairs, so no route from ${from} to ${to} is known (${unreachable.pairsError})`, { ref: unreachable.ref });
  }
  const configured = options.handles.filter((h) => h.provider.configured && h.ref !== 'pseudo').map((h) => h.ref);
  const who = options.forced ? `provider ${options.forced}` : configured.length ? `the configured providers (${configured.join(', ')})` : 'no configured provider';
  const hint = options.forced === 'pseudo' || (options.allowPseudo && !options.forced) ? '' : '; configure a provider for it (see `locflow providers`) or use --provider pseudo for a demo';
  return new InputError('no-route', `no translation route from ${from} to ${to}: ${who} cannot translate it directly or through a pivot${hint}`, {
    status: 422,
    details: {
      from,
      to,
      provider: options.forced,
      providers: configured.join(', '),
      context: `${options.forced ? 'forced' : configured.length ? 'configured' : 'none'}${hint ? '-hint' : ''}`,
    },
  });
}
