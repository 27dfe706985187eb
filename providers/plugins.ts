/**
 * Provider plugins: modules named in the config file's `providers:` section
 * (`providers.<id>.module`) whose default export is
 * `createProvider(options, {env})`. They are loaded once per process, at start
 * (`translate`, `serve`, `worker`, `providers`, `provider-test`), so that a
 * module that is missing, throws, declares another contract version or returns
 * something that is not a provider stops the start with exit 2 and one line
 * naming the module — never a worker in the middle of a job.
 *
 * Routers are built synchronously (`createTranslator`), so loaded plugins are
 * kept here by config file and read back with `loadedPlugins`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { InputError, PROVIDER_FAILURES, ProviderError, type ProviderFailure } from '../pipeline/errors.js';
import { PROVIDER_CONTRACT_VERSION, type TranslateResponse, type TranslationProvider } from './contract.js';
import type { ProvidersConfig } from './config.js';

const fn = z.custom<(...args: unknown[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });
const positiveInt = z.number().int().positive();

/** The shape every provider must have, checked on what a plugin's factory returns (and by `provider-test`). */
export const ProviderShape = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  contractVersion: z.literal(PROVIDER_CONTRACT_VERSION),
  configured: z.boolean(),
  glossary: z.enum(['mask', 'native']),
  limits: z.object({ maxTexts: positiveInt, maxChars: positiveInt, maxBodyBytes: positiveInt.optional(), concurrency: positiveInt.optional() }),
  pairs: fn,
  translate: fn,
  health: fn,
  measure: fn.optional(),
});

const ResponseShape = z.object({
  texts: z.array(z.string()),
  billedChars: z.number().finite().nonnegative(),
  warnings: z.array(z.string()).optional(),
  notices: z.array(z.object({ code: z.string(), message: z.string(), params: z.record(z.string(), z.unknown()).optional() })).optional(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).optional(),
  glossaryApplied: z.boolean().optional(),
});

/** What is wrong with a would-be provider, in one phrase, or undefined when it is one. */
export function providerProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return `returned ${value === null ? 'null' : typeof value}, not a provider object`;
  const version = (value as { contractVersion?: unknown }).contractVersion;
  if (version !== PROVIDER_CONTRACT_VERSION) {
    if (version === undefined) return `declares no contractVersion (this locflow implements contract version ${PROVIDER_CONTRACT_VERSION})`;
    const hint = version === 2 ? ': version-2 providers split batches themselves; send one request per translate() call and declare contractVersion: 3 (docs/providers.md)' : '';
    return `declares contractVersion ${JSON.stringify(version)}, but this locflow implements contract version ${PROVIDER_CONTRACT_VERSION}${hint}`;
  }
  const parsed = ProviderShape.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `is not a valid provider: ${issue.path.join('.') || '(object)'} ${issue.message}`;
}

/**
 * A ProviderError from another copy of locflow (a plugin that bundles its own)
 * fails `instanceof`; it is recognised by name and reason and rebuilt.
 */
export function asProviderError(err: unknown, provider: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { name?: unknown; reason?: unknown; message?: unknown; status?: unknown; retryable?: unknown; retryAfterMs?: unknown } | undefined;
  if (e?.name === 'ProviderError' && PROVIDER_FAILURES.includes(e.reason as ProviderFailure)) {
    const message = String(e.message ?? '').replace(/^[^:]*: /, '');
    return new ProviderError(provider, e.reason as ProviderFailure, message, {
      cause: err,
      ...(typeof e.status === 'number' ? { status: e.status } : {}),
      ...(typeof e.retryable === 'boolean' ? { retryable: e.retryable } : {}),
      ...(typeof e.retryAfterMs === 'number' ? { retryAfterMs: e.retryAfterMs } : {}),
    });
  }
  if ((err as Error)?.name === 'AbortError') return new ProviderError(provider, 'timeout', 'cancelled', { retryable: false, cause: err });
  // A plugin bug (TypeError…) fails this call like a bad answer: retried, then the next route.
  return new ProviderError(provider, 'bad-response', `the plugin threw ${(err as Error)?.name ?? 'a value'}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * The plugin as locflow runs it: under the id it is configured as, with its
 * answers checked and its errors made ProviderErrors, so that a buggy plugin
 * fails a call (retry, fallback) instead of the process.
 */
function guard(id: string, inner: TranslationProvider): TranslationProvider {
  return {
    id,
    contractVersion: PROVIDER_CONTRACT_VERSION,
    get configured() {
      return inner.configured;
    },
    glossary: inner.glossary,
    limits: inner.limits,
    ...(inner.measure ? { measure: (segments) => inner.measure!(segments) } : {}),
    pairs: () => inner.pairs(),
    async translate(req) {
      let res: TranslateResponse;
      try {
        res = await inner.translate(req);
      } catch (err) {
        throw asProviderError(err, id);
      }
      const parsed = ResponseShape.safeParse(res);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ProviderError(id, 'bad-response', `the plugin answered something that is not a translation result: ${issue.path.join('.') || '(object)'} ${issue.message}`);
      }
      return res;
    },
    async health() {
      try {
        return await inner.health();
      } catch (err) {
        return { ok: false, message: (err as Error)?.message ?? String(err) };
      }
    },
  };
}

/** Where a module name points: a path relative to the config file, else a package resolved from there. */
export function resolveModule(spec: string, baseDir: string): string {
  // `plugins/mymt.mjs` typed without `./` is a file when there is one.
  if (spec.startsWith('.') || isAbsolute(spec) || existsSync(resolve(baseDir, spec))) return pathToFileURL(resolve(baseDir, spec)).href;
  try {
    return pathToFileURL(createRequire(resolve(baseDir, 'locflow.config')).resolve(spec)).href;
  } catch {
    // An ESM-only package without a `require` condition: let import() resolve it from locflow's own location.
    return spec;
  }
}

function pluginError(id: string, spec: string, where: string, detail: string): InputError {
  return new InputError('plugin-invalid', `provider plugin ${id} (${spec}${where !== spec ? ` → ${where}` : ''}): ${detail}`, {
    params: { id, module: where, detail },
  });
}

export interface LoadPluginOptions {
  /** Passed to the factory. */
  options?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Relative module paths start here (the config file's folder). */
  baseDir?: string;
  /** The id it is configured as; default: the provider's own id. */
  id?: string;
}

/** Imports one plugin module, calls its factory and checks the result. Every failure is an InputError naming the module. */
export async function loadPlugin(spec: string, opts: LoadPluginOptions = {}): Promise<TranslationProvider> {
  const where = resolveModule(spec, opts.baseDir ?? process.cwd());
  const shown = where.startsWith('file:') ? new URL(where).pathname : where;
  const label = opts.id ?? spec;
  let mod: { default?: unknown; createProvider?: unknown };
  try {
    mod = (await import(where)) as typeof mod;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const firstLine = String(e?.message ?? err).split('\n')[0]!;
    // Not found itself, or found but one of its own imports is missing: the two need different fixes.
    const itself = (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (firstLine.includes(shown) || firstLine.includes(`'${spec}'`));
    const detail = itself ? 'module not found' : `throws on load: ${firstLine}`;
    throw pluginError(label, spec, shown, detail);
  }
  const factory = typeof mod.default === 'function' ? mod.default : mod.createProvider;
  if (typeof factory !== 'function') throw pluginError(label, spec, shown, 'has no default export createProvider(options, {env})');
  let provider: unknown;
  try {
    provider = await (factory as (o: unknown, c: unknown) => unknown)(opts.options ?? {}, { env: opts.env ?? process.env });
  } catch (err) {
    throw pluginError(label, spec, shown, `createProvider threw: ${(err as Error)?.message ?? String(err)}`);
  }
  const problem = providerProblem(provider);
  if (problem) throw pluginError(label, spec, shown, `createProvider(options, {env}) ${problem}`);
  const p = provider as TranslationProvider;
  return guard(opts.id ?? p.id, p);
}

/** Loaded plugins by config file (`''` without one) and id. */
const loaded = new Map<string, Map<string, TranslationProvider>>();

/** The ids the config file declares as plugins. */
export function pluginIds(config: ProvidersConfig): string[] {
  return Object.entries(config.providers ?? {})
    .filter(([, s]) => s.module !== undefined)
    .map(([id]) => id);
}

/**
 * Loads every plugin the config declares (once per process and config file)
 * and returns them. Call it at start-up, before building translators.
 */
export async function loadPlugins(config: ProvidersConfig): Promise<TranslationProvider[]> {
  const key = config.file ?? '';
  const have = loaded.get(key) ?? new Map<string, TranslationProvider>();
  const baseDir = config.file ? dirname(resolve(config.file)) : process.cwd();
  for (const id of pluginIds(config)) {
    if (have.has(id)) continue;
    const settings = config.providers![id]!;
    have.set(id, await loadPlugin(settings.module!, { id, baseDir, env: config.env, ...(settings.options ? { options: settings.options } : {}) }));
  }
  loaded.set(key, have);
  return [...have.values()];
}

/**
 * The plugins `loadPlugins` loaded for this config. A declared plugin that was
 * not loaded is a start-up mistake of the calling command, said plainly.
 */
export function loadedPlugins(config: ProvidersConfig): TranslationProvider[] {
  const ids = pluginIds(config);
  if (ids.length === 0) return [];
  const have = loaded.get(config.file ?? '');
  const missing = ids.filter((id) => !have?.has(id));
  if (missing.length) {
    throw new InputError('plugin-invalid', `provider plugin ${missing.join(', ')} was not loaded before use (call loadPlugins at start-up)`, {
      params: { id: missing.join(', '), module: config.file ?? '', detail: 'not loaded before use' },
    });
  }
  return ids.map((id) => have!.get(id)!);
}
