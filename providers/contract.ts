/**
 * The translation-provider contract, version 3.
 *
 * A provider is one engine (DeepL, Apertium, an OpenAI-compatible model, an
 * in-house server loaded as a plugin, …). One `translate` call is one request
 * to that engine; the provider knows nothing about batching, routing,
 * fallbacks, translation memory or the glossary workflow: the router
 * (`providers/router.ts`) and the pipeline do those.
 *
 * Changing a field here is a breaking change: bump PROVIDER_CONTRACT_VERSION.
 *
 * Version 3: providers declare `contractVersion: 3`; `translate` sends exactly
 * one request and the router alone splits segments to `limits` (measuring
 * `maxBodyBytes` with the provider's `measure` when it has one) and halves a
 * batch the engine refused as `too-large`; `warnings` became optional next to
 * `notices`. Version-2 providers split batches themselves and are refused with
 * a message saying what to change (no plugin could be written against
 * version 2, and a shim would hide double splitting instead of removing it).
 *
 * Version 2 added `TranslateResponse.notices`, the warnings as codes a reader's
 * language can say.
 */
import type { InlineXml, Lang, Notice, Term } from '../pipeline/model.js';

// Defined with the pipeline types (the router's results carry it too); part of this contract.
export type { Notice };

export const PROVIDER_CONTRACT_VERSION = 3;

export interface LanguagePair {
  from: Lang;
  to: Lang;
}

export interface ProviderLimits {
  /** Most segments in one call. */
  maxTexts: number;
  /** Most characters (sum over segments) in one call. */
  maxChars: number;
  /**
   * Most bytes in one request body, where the API sets such a limit (DeepL:
   * 128 KiB). Measured with the provider's `measure` when it has one, else as
   * the UTF-8 JSON of the texts plus room for the request envelope.
   */
  maxBodyBytes?: number;
  /** Calls this provider may have in flight at once, per process. */
  concurrency?: number;
}

export interface ProviderSegment {
  /** Segment id (`p3.s2`), for providers that answer by id. */
  id: string;
  /** Inline XML: `<g id>…</g>` and `<x id/>` must come back intact. */
  text: InlineXml;
}

export interface TranslateRequest {
  segments: ProviderSegment[];
  from: Lang;
  to: Lang;
  /**
   * Approved glossary terms that occur in this batch. Masked terms are already
   * `<x id="tN"/>` in the text; providers with a native glossary may use these
   * for forms the masking cannot reach.
   */
  terms?: Term[];
  signal?: AbortSignal;
}

export interface TranslateResponse {
  /** One translation per request segment, same order, inline XML intact. */
  texts: InlineXml[];
  /** Characters the provider bills for this call. */
  billedChars: number;
  /**
   * Things the caller should know but that did not stop the translation, as
   * English sentences. With `notices`, exactly their `message`s, in order.
   * Optional since version 3: a provider with nothing to say leaves it out.
   */
  warnings?: string[];
  /**
   * The same things as `warnings`, each with a `note-*` code and the variables
   * its sentence needs (see `locales/en/errors.json`). When absent, every
   * warning is read as `note-other`.
   */
  notices?: Notice[];
  /** Tokens used, for providers that bill by token (LLMs); absent elsewhere. */
  usage?: { inputTokens: number; outputTokens: number };
  /**
   * Whether this call imposed the request's `terms` through the engine's own
   * glossary feature (a DeepL glossary, Google's glossaryConfig, Azure's
   * dynamic dictionary, terms in an LLM prompt). `false` when the adapter had
   * to send the call without it (pair not served by the feature, glossary
   * refused). Absent: read as `glossary === 'native'` whenever terms were sent.
   * Optional and additive, so version-3 providers need not set it. The
   * pipeline still checks the output for each term and falls back to
   * substitution or masking where the engine did not write it.
   */
  glossaryApplied?: boolean;
}

export interface ProviderHealth {
  ok: boolean;
  message: string;
}

export interface TranslationProvider {
  /** Registry id: `deepl`, `apertium`, `openai`, or the plugin's id as used in routes and `--provider`. */
  readonly id: string;
  /** The contract this provider implements; locflow refuses any other version. */
  readonly contractVersion: typeof PROVIDER_CONTRACT_VERSION;
  /** True when credentials/endpoint are present (a provider may exist but be unconfigured). */
  readonly configured: boolean;
  /** Language pairs served directly. */
  pairs(): Promise<LanguagePair[]>;
  readonly limits: ProviderLimits;
  /** `native` when the engine has its own glossary feature that this adapter uses; `mask` otherwise. */
  readonly glossary: 'native' | 'mask';
  /**
   * Bytes of the request body that would carry these segments, for
   * `limits.maxBodyBytes`. Optional: without it the router estimates.
   */
  measure?(segments: ProviderSegment[]): number;
  /**
   * Translates one batch, which the router has already cut to `limits`, with
   * exactly one request to the engine (no splitting, no retry loop: the
   * router does both). Throws ProviderError on failure; `too-large` makes the
   * router halve the batch and try again.
   */
  translate(req: TranslateRequest): Promise<TranslateResponse>;
  /** A cheap reachability/credentials check. */
  health(): Promise<ProviderHealth>;
}

/** Factory signature every built-in provider module exports (e.g. `createDeepl`). */
export type ProviderFactory<Options> = (options?: Options) => TranslationProvider;

/**
 * What a plugin module's default export is: called once per process with the
 * config file's `providers.<id>.options` and the effective environment.
 */
export type PluginFactory<Options = Record<string, unknown>> = (
  options: Options,
  context: { env: NodeJS.ProcessEnv },
) => TranslationProvider | Promise<TranslationProvider>;

/**
 * A response's `warnings` and `notices` from its notices, so that the two
 * cannot disagree.
 */
export function withNotices(notices: Notice[]): { warnings: string[]; notices: Notice[] } {
  return { warnings: notices.map((n) => n.message), notices };
}
