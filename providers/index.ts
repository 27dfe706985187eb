/**
 * What the rest of locflow uses from `providers/`: a Translator with routing,
 * fallbacks, pivots and shared policies (`createTranslator`), the provider list
 * for `locflow providers` and `GET /v1/providers` (`listProviders`), the
 * configuration (`loadProvidersConfig`) and translation memories.
 */
import { InputError } from '../pipeline/errors.js';
import type { LanguagePair, ProviderLimits, TranslationProvider } from './contract.js';
import { configuredChain, loadProvidersConfig, type ProvidersConfig } from './config.js';
import { loadedPlugins } from './plugins.js';
import { Gate, processGate, type RetryOptions } from './policy.js';
import { BUILTIN_IDS, DEFAULT_ORDER, REQUIREMENTS, createBuiltin, parseProviderRef, type ProviderRef } from './registry.js';
import type { CheckCache, CheckResult } from './check-cache.js';
import { createRouter, type LocflowTranslator, type ProviderHandle } from './router.js';

export type { LocflowTranslator, ProviderUsage, Route, Leg } from './router.js';
export type { ProvidersConfig } from './config.js';
export type { RetryOptions } from './policy.js';
export { loadProvidersConfig } from './config.js';
export { loadPlugin, loadPlugins } from './plugins.js';
export { createMemoryTm, createRedisTm } from './tm.js';
export { CheckCache } from './check-cache.js';
export { parseProviderRef, BUILTIN_IDS, DEFAULT_ORDER } from './registry.js';
export { createPseudo, pseudoLocalize } from './pseudo/index.js';
export { createApertium } from './apertium/index.js';

export interface CreateTranslatorOptions {
  /** Provider to try first: an id (`apertium`) or id with model (`openai:gpt-4o-mini`). */
  provider?: string;
  /** Environment to read (default `process.env`); ignored when `config` is given. */
  env?: NodeJS.ProcessEnv;
  config?: ProvidersConfig;
  /**
   * Provider instances to use instead of the built-ins with the same id (tests,
   * embedding). Ids that are not built in become available too.
   */
  providers?: TranslationProvider[];
  /**
   * Use `pseudo` when no real route exists for a pair and no provider was
   * chosen (the plan then says `pseudo: true`). Only the one-shot CLI demo
   * does; the service refuses such a pair instead.
   */
  allowPseudo?: boolean;
  /** Overrides the config file's retry policy. */
  retry?: RetryOptions;
  /**
   * Wraps each provider before the router uses it: the queue workers put the
   * deployment-wide limits (Redis semaphore, token bucket, shared pause)
   * around `translate()` here, so one call through the wrapper is one engine request.
   */
  wrapProvider?: (provider: TranslationProvider) => TranslationProvider;
}

/**
 * A translator over the configured providers. Synchronous so callers can build
 * it anywhere; provider pair lists load in the background (`ready()`).
 * Throws InputError for an unknown or unconfigured `provider` and for a config
 * route that names an unknown provider.
 */
export function createTranslator(options: CreateTranslatorOptions = {}): LocflowTranslator {
  const config = options.config ?? loadProvidersConfig(options.env ?? process.env);
  // Plugins from the config file, then providers handed in by the caller (which win on the same id).
  const injected = new Map([...loadedPlugins(config), ...(options.providers ?? [])].map((p) => [p.id, p]));
  const extraIds = [...injected.keys()];
  const forced = options.provider ? parseProviderRef(options.provider, extraIds) : undefined;

  // Every reference that can appear in a route: built-ins, injected ones, models named in routes or --provider.
  const refs = new Map<string, ProviderRef>();
  for (const id of [...BUILTIN_IDS, ...extraIds]) refs.set(id, { ref: id, id });
  for (const [pattern, chain] of Object.entries(config.routes)) {
    for (const entry of chain) {
      let ref: ProviderRef;
      try {
        ref = parseProviderRef(entry, extraIds);
      } catch (err) {
        throw new InputError('config-invalid', `routes "${pattern}": ${(err as Error).message}`, { cause: err, params: { pattern, detail: (err as Error).message, context: 'route' } });
      }
      refs.set(ref.ref, ref);
    }
  }
  if (forced) refs.set(forced.ref, forced);

  const handles: ProviderHandle[] = [];
  for (const ref of refs.values()) {
    const built = ref.model === undefined && injected.has(ref.id) ? injected.get(ref.id)! : createBuiltin(ref, config.env);
    const provider = options.wrapProvider ? options.wrapProvider(built) : built;
    // The configured maxInFlight also caps this process: it never needs more local slots than the whole deployment has.
    const limit = Math.max(1, Math.min(provider.limits.concurrency ?? 4, config.providers?.[ref.id]?.maxInFlight ?? Infinity));
    handles.push({ ref: ref.ref, provider, pairs: undefined, gate: injected.has(ref.id) ? new Gate(limit) : processGate(ref.ref, limit) });
  }

  if (forced) {
    const handle = handles.find((h) => h.ref === forced.ref)!;
    if (!handle.provider.configured) {
      throw new InputError('provider-not-configured', `provider ${forced.ref} is not configured: it needs ${REQUIREMENTS[forced.id] ?? 'its settings'}`, {
        details: { provider: forced.ref, requires: REQUIREMENTS[forced.id] ?? 'its settings' },
      });
    }
  }

  const load = async (h: ProviderHandle) => {
    try {
      h.pairs = await h.provider.pairs();
      delete h.pairsError;
    } catch (err) {
      // An engine that cannot list its pairs serves none for now; the router retries the listing later.
      h.pairs = [];
      h.pairsError = (err as Error).message;
    }
  };
  const ready = Promise.all(handles.filter((h) => h.provider.configured).map(load)).then(() => undefined);

  return createRouter({
    handles,
    ...(forced ? { forced: forced.ref } : {}),
    chainFor: (from, to) => configuredChain(config.routes, from, to),
    defaultOrder: [...DEFAULT_ORDER],
    pivots: config.pivots,
    allowPseudo: options.allowPseudo ?? false,
    retry: { ...config.retry, ...options.retry },
    ready,
    reloadPairs: async () => {
      await Promise.all(handles.filter((h) => h.pairsError !== undefined).map(load));
    },
  });
}

/** createTranslator, then waits until every provider's pairs are known, so `plan()` is final. */
export async function openTranslator(options: CreateTranslatorOptions = {}): Promise<LocflowTranslator> {
  const translator = createTranslator(options);
  await translator.ready();
  return translator;
}

/**
 * One translator per forced provider (or none), built on first use and kept:
 * a long-lived process reuses its providers' connections and pair lists
 * instead of building a router per job.
 */
export function translatorsByProvider(env: NodeJS.ProcessEnv | undefined, options: Pick<CreateTranslatorOptions, 'wrapProvider'> = {}): (provider: string | undefined) => LocflowTranslator {
  const translators = new Map<string, LocflowTranslator>();
  return (provider) => {
    const key = provider ?? '';
    let translator = translators.get(key);
    if (!translator) {
      translator = createTranslator({ provider, env, ...options });
      translators.set(key, translator);
    }
    return translator;
  };
}

export interface ProviderInfo {
  id: string;
  configured: boolean;
  /** What is missing when not configured (names of variables, never values). */
  requires?: string;
  /** `fr-es`, … (`*-*` for pseudo: any known language pair). */
  pairs: string[];
  glossary: 'native' | 'mask';
  limits: ProviderLimits;
  /** Only checked for configured providers; undefined when `health: false` was asked. `checkedAt` (ISO time) says how old a cached check is. */
  health?: { ok: boolean; message: string; checkedAt?: string };
  /** True for the pseudo-localisation provider: output is not a translation. */
  test: boolean;
  /** For a plugin: the module named in the config file. */
  module?: string;
}

export interface ListProvidersOptions {
  env?: NodeJS.ProcessEnv;
  config?: ProvidersConfig;
  /** Run each configured provider's health check (default true). */
  health?: boolean;
  /** Per check (default 10 s). */
  timeoutMs?: number;
  providers?: TranslationProvider[];
  /**
   * Reuse pair listings and health checks younger than the cache's TTL, and
   * share a check in flight (the API's `GET /v1/providers`); without it every
   * call asks the engines again (the one-shot CLI).
   */
  cache?: CheckCache;
  /** Applied to every engine message before it is returned (credentials blanked). */
  scrub?: (text: string) => string;
}

/** Every known provider, configured or not, with pairs and (optionally) a health check. */
export async function listProviders(options: ListProvidersOptions = {}): Promise<ProviderInfo[]> {
  const config = options.config ?? loadProvidersConfig(options.env ?? process.env);
  const injected = new Map([...loadedPlugins(config), ...(options.providers ?? [])].map((p) => [p.id, p]));
  const ids = [...new Set([...BUILTIN_IDS, ...injected.keys()])];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const scrub = options.scrub ?? ((text: string) => text);
  const cached = <T>(key: string, run: () => Promise<T>): Promise<CheckResult<T>> => (options.cache ? options.cache.get(key, run) : run().then((value) => ({ value, checkedAt: Date.now() })));
  return Promise.all(
    ids.map(async (id): Promise<ProviderInfo> => {
      const provider = injected.get(id) ?? createBuiltin({ ref: id, id }, config.env);
      const info: ProviderInfo = {
        id,
        configured: provider.configured,
        pairs: [],
        glossary: provider.glossary,
        limits: { ...provider.limits },
        test: id === 'pseudo',
        ...(config.providers?.[id]?.module ? { module: config.providers[id]!.module } : {}),
      };
      if (!provider.configured) {
        info.requires = REQUIREMENTS[id] ?? 'its settings';
        return info;
      }
      const listed = await cached(`${id}\0pairs`, async (): Promise<{ pairs: string[] } | { error: string }> => {
        try {
          const pairs: LanguagePair[] = await withTimeout(provider.pairs(), timeoutMs, `${id}: listing pairs`);
          // A wildcard provider lists common pairs for lookups; for people, "any pair" says it all.
          return { pairs: pairs.some((p) => p.from === '*' && p.to === '*') ? ['*-*'] : pairs.map((p) => `${p.from}-${p.to}`) };
        } catch (err) {
          return { error: scrub((err as Error).message) };
        }
      });
      if ('pairs' in listed.value) info.pairs = listed.value.pairs;
      else info.health = { ok: false, message: listed.value.error, checkedAt: new Date(listed.checkedAt).toISOString() };
      if (options.health !== false && !info.health) {
        const checked = await cached(`${id}\0health`, async () => {
          try {
            const h = await withTimeout(provider.health(), timeoutMs, `${id}: health check`);
            return { ok: h.ok, message: scrub(h.message) };
          } catch (err) {
            return { ok: false, message: scrub((err as Error).message) };
          }
        });
        info.health = { ...checked.value, checkedAt: new Date(checked.checkedAt).toISOString() };
      }
      return info;
    }),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
