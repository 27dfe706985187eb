/**
 * Provider configuration: the environment variables of PRODUCT.md, optionally
 * completed by a config file named by `LOCFLOW_CONFIG` (YAML or JSON). The file
 * takes the same settings, spelled as the variable (`DEEPL_AUTH_KEY`) or in
 * lower camel case (`deeplAuthKey`), plus what only a file can express: routes
 * per language pair, preferred pivot languages and the retry policy.
 *
 * The environment wins over the file, so an operator can override one key
 * without editing the file. Values are never logged.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { InputError } from '../pipeline/errors.js';
import type { RetryOptions } from './policy.js';

/** Every variable the file may set (PRODUCT.md, plus the few extras adapters read). */
export const CONFIG_VARIABLES = [
  'REDIS_URL',
  'LOCFLOW_PREFIX',
  'LOCFLOW_TOKENS',
  'LOCFLOW_SERVER',
  'LOCFLOW_TOKEN',
  'DEEPL_AUTH_KEY',
  'DEEPL_BASE_URL',
  'GOOGLE_API_KEY',
  'GOOGLE_BASE_URL',
  'GOOGLE_PROJECT_ID',
  'GOOGLE_ACCESS_TOKEN',
  'GOOGLE_LOCATION',
  'GOOGLE_GLOSSARY_ID',
  'AZURE_TRANSLATOR_KEY',
  'AZURE_TRANSLATOR_REGION',
  'AZURE_TRANSLATOR_ENDPOINT',
  'LIBRETRANSLATE_URL',
  'LIBRETRANSLATE_API_KEY',
  'LIBRETRANSLATE_MAX_CHARS',
  'LIBRETRANSLATE_MAX_TEXTS',
  'APERTIUM_APY_URL',
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'OPENAI_MODEL',
  'OPENAI_RESPONSE_FORMAT',
  'OPENAI_MAX_TEXTS',
  'OPENAI_MAX_CHARS',
] as const;

export interface ProvidersConfig {
  /**
   * The effective variables: the process environment over the file's values.
   * Passed to provider factories as their `env`.
   */
  env: NodeJS.ProcessEnv;
  /**
   * Provider chains by pair pattern, most specific first: `fr-en`, `fr-*`, `*-vi`, `*`.
   * An entry is a provider id, optionally with a model (`openai:gpt-4o-mini`).
   */
  routes: Record<string, string[]>;
  /** Pivot languages to try, in order of preference (default `en`, `es`, `fr`, then any). */
  pivots: string[];
  retry: RetryOptions;
  /**
   * Per-provider settings from the file's `providers:` section, by provider
   * id. A `module` makes the id a plugin (`providers/plugins.ts` loads it).
   */
  providers?: Record<string, ProviderSettings>;
  /** The config file that was read, if any (for `locflow providers`). */
  file?: string;
}

const KNOWN = new Set<string>(CONFIG_VARIABLES);

/** `deeplAuthKey` → `DEEPL_AUTH_KEY`, `openaiBaseURL` → `OPENAI_BASE_URL`. */
export function camelToEnv(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * One provider's entry under `providers:` — the one schema for that section.
 * `module`/`options` make the id a plugin (`providers/plugins.ts`). The limits hold for the whole
 * deployment: every worker process shares them through Redis
 * (`workers/provider-limits.ts`); a process without Redis (the one-shot CLI)
 * keeps only `maxInFlight`, as its local cap.
 */
export const ProviderSettingsSchema = z
  .object({
    /** Calls to this engine in flight at once, across every process. */
    maxInFlight: z.number().int().min(1).max(10_000).optional(),
    /** Calls started per minute, across every process (a token bucket refilled evenly: at most one second's worth at once). */
    requestsPerMinute: z.number().positive().optional(),
    /** Characters sent per minute, for engines that bill and throttle by characters. */
    charsPerMinute: z.number().positive().optional(),
    /** A plugin module: a file path relative to the config file, or a package name. */
    module: z.string().min(1).optional(),
    /** Passed as is to the plugin's `createProvider(options, {env})`. */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;

const routeEntry = z.string().regex(/^[a-z][a-z0-9-]*(:.+)?$/, 'a provider id such as "deepl" or "openai:gpt-4o-mini"');
const FileSchema = z
  .object({
    routes: z.record(z.string().regex(/^(\*|[A-Za-z]{2,3}(-[A-Za-z0-9]+)*)-(\*|[A-Za-z]{2,3}(-[A-Za-z0-9]+)*)$|^\*$/, 'a pair such as "fr-en", "*-vi" or "*"'), z.array(routeEntry).min(1)).optional(),
    pivots: z.array(z.string().min(2)).optional(),
    providers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a provider id: lower-case letters, digits and dashes'), ProviderSettingsSchema.nullable()).optional(),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20).optional(),
        baseMs: z.number().min(0).optional(),
        maxMs: z.number().min(0).optional(),
        budgetMs: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  // Settings are flat; a nested section (`deepl: {authKey: …}`) or an empty value gets a sentence that says so, not zod's "Invalid input".
  .catchall(z.union([z.string(), z.number(), z.boolean()], { error: 'must be one value (text, number or true/false): settings are flat, e.g. deeplAuthKey: … or DEEPL_AUTH_KEY: …, not a nested section or an empty value' }));

/** Reads the environment and, when `LOCFLOW_CONFIG` names one, the config file. Bad files are InputErrors. */
export function loadProvidersConfig(env: NodeJS.ProcessEnv = process.env): ProvidersConfig {
  const file = env.LOCFLOW_CONFIG?.trim() || undefined;
  const fromFile = file ? readConfigFile(file) : { vars: {}, routes: {}, pivots: undefined, retry: {}, providers: {} };
  const merged: NodeJS.ProcessEnv = { ...fromFile.vars };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return {
    env: merged,
    routes: fromFile.routes,
    pivots: fromFile.pivots ?? ['en', 'es', 'fr'],
    retry: fromFile.retry,
    providers: fromFile.providers,
    ...(file ? { file } : {}),
  };
}

/** Provider settings and routes fit in a few KiB. */
const MAX_CONFIG_BYTES = 1024 * 1024;

function readConfigFile(file: string): { vars: Record<string, string>; routes: Record<string, string[]>; pivots: string[] | undefined; retry: RetryOptions; providers: Record<string, ProviderSettings> } {
  const unreadable = (detail: string) => new InputError('config-unreadable', `LOCFLOW_CONFIG: cannot read ${file} (${detail})`, { details: { file, detail } });
  let text: string;
  try {
    // A FIFO would block the start and /dev/zero would be read until memory runs out.
    const info = statSync(file);
    if (info.isFile() && info.size > MAX_CONFIG_BYTES) throw unreadable(`larger than ${MAX_CONFIG_BYTES / 1024} KiB`);
    if (!info.isFile() && !info.isDirectory()) throw unreadable('not a regular file');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw unreadable((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new InputError('config-syntax', `LOCFLOW_CONFIG: ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${syntaxWhere(err as Error, text)}`, {
      details: { file, syntax: extname(file) === '.json' ? 'JSON' : 'YAML', detail: syntaxWhere(err as Error, text) },
    });
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError('config-invalid', `LOCFLOW_CONFIG: ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, { details: { file, path: issue.path.join('.') || '(top level)', detail: issue.message } });
  }
  const { routes, pivots, retry, providers, ...rest } = parsed.data;
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(rest)) {
    const name = KNOWN.has(key) ? key : camelToEnv(key);
    if (!KNOWN.has(name)) {
      throw new InputError('config-invalid', `LOCFLOW_CONFIG: ${file}: unknown setting "${key}" (known: routes, pivots, retry, providers, ${CONFIG_VARIABLES.join(', ')})`, {
        details: { file, key, known: ['routes', 'pivots', 'retry', 'providers', ...CONFIG_VARIABLES].join(', '), context: 'unknown-setting' },
      });
    }
    vars[name] = String(value);
  }
  const cleanRetry: RetryOptions = {};
  for (const [k, v] of Object.entries(retry ?? {})) if (v !== undefined) (cleanRetry as Record<string, number>)[k] = v;
  const cleanProviders: Record<string, ProviderSettings> = {};
  // `deepl:` with nothing under it is harmless: an empty entry.
  for (const [id, entry] of Object.entries(providers ?? {})) cleanProviders[id] = Object.fromEntries(Object.entries(entry ?? {}).filter(([, v]) => v !== undefined));
  return { vars, routes: routes ?? {}, pivots, retry: cleanRetry, providers: cleanProviders };
}

/**
 * Where a parse error is, without the parser's excerpt of the file: the file
 * holds credentials, and V8's JSON errors quote the text around the mistake.
 */
function syntaxWhere(err: Error, text: string): string {
  const firstLine = err.message.split('\n')[0] ?? '';
  const yamlAt = /^(.*? at line \d+, column \d+)/.exec(firstLine);
  if (yamlAt) return yamlAt[1]!;
  const pos = /at position (\d+)/.exec(firstLine);
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    return `syntax error at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  return 'syntax error';
}

/** The chain configured for a pair: exact pair, then `from-*`, `*-to`, `*`. */
export function configuredChain(routes: Record<string, string[]>, from: string, to: string): string[] | undefined {
  const lower = Object.fromEntries(Object.entries(routes).map(([k, v]) => [k.toLowerCase(), v]));
  const f = from.toLowerCase();
  const t = to.toLowerCase();
  const fb = f.split('-')[0]!;
  const tb = t.split('-')[0]!;
  for (const key of [`${f}-${t}`, `${fb}-${tb}`, `${f}-*`, `${fb}-*`, `*-${t}`, `*-${tb}`, '*-*', '*']) {
    if (lower[key]) return lower[key];
  }
  return undefined;
}
