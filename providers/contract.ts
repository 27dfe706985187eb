/**
 * The translation-provider contract, version 2.
 *
 * A provider is one engine (DeepL, Apertium, an OpenAI-compatible model, …).
 * It translates batches of segments for one language pair and knows nothing
 * about routing, fallbacks, translation memory or the glossary workflow: the
 * router (`providers/router.ts`) and the pipeline do those.
 *
 * Changing a field here is a breaking change: bump PROVIDER_CONTRACT_VERSION.
 *
 * Version 2 added `TranslateResponse.notices`, the warnings as codes a reader's
 * language can say. It is optional, so a version-1 provider (English
 * `warnings` only) still works: each of its warnings is shown as `note-other`.
 */
import type { InlineXml, Lang, Notice, Term } from '../pipeline/model.js';

// Defined with the pipeline types (the router's results carry it too); part of this contract.
export type { Notice };

export const PROVIDER_CONTRACT_VERSION = 2;

export interface LanguagePair {
  from: Lang;
  to: Lang;
}

export interface ProviderLimits {
  /** Most segments in one call. */
  maxTexts: number;
  /** Most characters (sum over segments) in one call. */
  maxChars: number;
  /** Most bytes in one request body, where the API sets such a limit (DeepL: 128 KiB). */
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
   */
  warnings: string[];
  /**
   * The same things as `warnings`, each with a `note-*` code and the variables
   * its sentence needs (see `locales/en/errors.json`). Since version 2; when
   * absent, every warning is read as `note-other`.
   */
  notices?: Notice[];
  /** Tokens used, for providers that bill by token (LLMs); absent elsewhere. */
  usage?: { inputTokens: number; outputTokens: number };
}

export interface ProviderHealth {
  ok: boolean;
  message: string;
}

export interface TranslationProvider {
  /** Registry id: `deepl`, `apertium`, `openai`. */
  readonly id: string;
  /** True when credentials/endpoint are present (a provider may exist but be unconfigured). */
  readonly configured: boolean;
  /** Language pairs served directly. */
  pairs(): Promise<LanguagePair[]>;
  readonly limits: ProviderLimits;
  /** `native` when the engine has its own glossary feature that this adapter uses; `mask` otherwise. */
  readonly glossary: 'native' | 'mask';
  /** Translates one batch that already fits `limits`. Throws ProviderError on failure. */
  translate(req: TranslateRequest): Promise<TranslateResponse>;
  /** A cheap reachability/credentials check. */
  health(): Promise<ProviderHealth>;
}

/** Factory signature every provider module exports (e.g. `createDeepl`). */
export type ProviderFactory<Options> = (options?: Options) => TranslationProvider;

/**
 * A response's `warnings` and `notices` from its notices, so that the two
 * cannot disagree.
 */
export function withNotices(notices: Notice[]): Pick<TranslateResponse, 'warnings' | 'notices'> {
  return { warnings: notices.map((n) => n.message), notices };
}
