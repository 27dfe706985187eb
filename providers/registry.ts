/**
 * The built-in providers by id, and references to them as users write them:
 * `deepl`, `apertium`, `openai:gpt-4o-mini` (a model after the colon).
 */
import { InputError } from '../pipeline/errors.js';
import type { TranslationProvider } from './contract.js';
import { createApertium } from './apertium/index.js';
import { createAzure } from './azure/index.js';
import { createDeepl } from './deepl/index.js';
import { createGoogle } from './google/index.js';
import { createLibreTranslate } from './libretranslate/index.js';
import { createOpenAI } from './openai/index.js';
import { createPseudo } from './pseudo/index.js';

export interface FactoryOptions {
  env: NodeJS.ProcessEnv;
  model?: string;
}

type Factory = (options: FactoryOptions) => TranslationProvider;

const FACTORIES: Record<string, Factory> = {
  pseudo: () => createPseudo(),
  apertium: ({ env }) => createApertium({ env }),
  deepl: ({ env }) => createDeepl({ env }),
  google: ({ env }) => createGoogle({ env }),
  azure: ({ env }) => createAzure({ env }),
  openai: ({ env, model }) => createOpenAI({ env: model ? { ...env, OPENAI_MODEL: model } : env, ...(model ? { model } : {}) }),
  libretranslate: ({ env }) => createLibreTranslate({ env }),
};

/** Every built-in id, in the order `locflow providers` lists them. */
export const BUILTIN_IDS = ['deepl', 'google', 'azure', 'openai', 'libretranslate', 'apertium', 'pseudo'] as const;

/** Real engines in the order routes try them when no route is configured: paid quality first, offline last. */
export const DEFAULT_ORDER = ['deepl', 'google', 'azure', 'openai', 'libretranslate', 'apertium'] as const;

/** Providers that accept a model after the colon. */
const TAKES_MODEL = new Set(['openai']);

/** What a provider needs to be configured, for `locflow providers`. */
export const REQUIREMENTS: Record<string, string> = {
  deepl: 'DEEPL_AUTH_KEY',
  google: 'GOOGLE_API_KEY (v2) or GOOGLE_PROJECT_ID with GOOGLE_ACCESS_TOKEN (v3)',
  azure: 'AZURE_TRANSLATOR_KEY (and AZURE_TRANSLATOR_REGION for a regional resource)',
  openai: 'OPENAI_API_KEY, or OPENAI_BASE_URL for a local server (Ollama, vLLM, LM Studio)',
  libretranslate: 'LIBRETRANSLATE_URL',
  apertium: 'the apertium command with language pairs (apt-get install apertium apertium-fr-es apertium-eng-spa), or APERTIUM_APY_URL',
  pseudo: 'nothing (built in)',
};

export interface ProviderRef {
  /** As written: `openai:gpt-4o-mini`. */
  ref: string;
  id: string;
  model?: string;
}

export function knownIds(extra: readonly string[] = []): string[] {
  return [...new Set([...BUILTIN_IDS, ...extra])];
}

/** Parses and checks a provider reference; unknown ids are an InputError listing the known ones. */
export function parseProviderRef(ref: string, extraIds: readonly string[] = []): ProviderRef {
  const text = ref.trim();
  const colon = text.indexOf(':');
  const id = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const model = colon < 0 ? undefined : text.slice(colon + 1).trim();
  const ids = knownIds(extraIds);
  if (!ids.includes(id)) {
    throw new InputError('unknown-provider', `unknown provider "${text}"; available: ${ids.join(', ')}`, { details: { provider: text, available: ids.join(', ') } });
  }
  if (model !== undefined) {
    if (!model) throw new InputError('unknown-provider', `provider "${text}": the model after ":" is empty`, { details: { provider: text, context: 'empty-model' } });
    if (!TAKES_MODEL.has(id) && !extraIds.includes(id)) {
      throw new InputError('unknown-provider', `provider "${id}" does not take a model ("${text}"); only ${[...TAKES_MODEL].join(', ')} does`, { details: { provider: text, id, takesModel: [...TAKES_MODEL].join(', '), context: 'no-model' } });
    }
  }
  return { ref: model ? `${id}:${model}` : id, id, ...(model ? { model } : {}) };
}

export function createBuiltin(ref: ProviderRef, env: NodeJS.ProcessEnv): TranslationProvider {
  const factory = FACTORIES[ref.id];
  if (!factory) throw new InputError('unknown-provider', `unknown provider "${ref.ref}"; available: ${knownIds().join(', ')}`, { params: { provider: ref.ref, available: knownIds().join(', ') } });
  return factory({ env, ...(ref.model ? { model: ref.model } : {}) });
}
