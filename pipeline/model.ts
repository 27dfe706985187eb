/**
 * The data that flows through locflow's stages. Every stage is a function over
 * these shapes; every shape is plain JSON so that it can travel in BullMQ job
 * data and be written into bundles unchanged.
 */

/** BCP-47 language tag: `fr`, `vi`, `en`, `es`, `pt-BR`, `zh-Hans`. */
export type Lang = string;

export type DocFormat = 'text' | 'markdown' | 'html';

/**
 * Inline text as an XML fragment, the one representation every stage and every
 * provider sees. Literal text is XML-escaped (`&amp;`, `&lt;`, `&gt;`). Inline
 * markup of the source becomes `<g id="N">…</g>` (paired: emphasis, links) or
 * `<x id="N"/>` (standalone: code spans, images, line breaks). Masked glossary
 * terms are `<x id="tN"/>`. Ids are unique within a segment.
 */
export type InlineXml = string;

/** How to turn one inline placeholder back into the source format. */
export interface InlineSpan {
  id: string;
  kind: 'pair' | 'standalone';
  /** Short name for translators and CAT tools: `strong`, `em`, `link`, `code`, `br`, `img`. */
  label: string;
  /** Source-format text for the opening (or only) part, e.g. `**` or `<a href="…">`. */
  open: string;
  /** Source-format text for the closing part of a pair. */
  close?: string;
  /** For standalone spans whose content must not be translated (code): the original text. */
  text?: string;
}

export type BlockKind = 'title' | 'heading' | 'paragraph' | 'list-item' | 'quote' | 'code' | 'table-cell' | 'other';

/** A paragraph-level unit of the document. Segment ids are `p{index}.s{n}`. */
export interface Block {
  /** 1-based, in document order; stable for the same input. */
  index: number;
  kind: BlockKind;
  /** Heading level or list depth. */
  level?: number;
  inline: InlineXml;
  spans: Record<string, InlineSpan>;
  /** False for code blocks and other content passed through untouched. */
  translatable: boolean;
}

export interface SourceDocument {
  format: DocFormat;
  title?: string;
  blocks: Block[];
  /**
   * Whatever the renderer of this format needs to rebuild the document around
   * the blocks. Opaque to other stages; JSON-serialisable.
   */
  skeleton: unknown;
}

export interface LangGuess {
  lang: Lang | 'und';
  /** 0..1, calibrated: the share of guesses at this confidence that are right. */
  confidence: number;
}

export interface Segment {
  /** `p3.s2`: paragraph 3, sentence 2. */
  id: string;
  paragraph: number;
  /** 1-based sentence number in the paragraph. */
  sentence: number;
  source: InlineXml;
  /** The same text with markup removed and entities decoded: for detection, glossary matching, QA. */
  plain: string;
  /** sha256 (hex, first 16 chars) of the NFC source inline text. */
  hash: string;
  translatable: boolean;
  /** Per-segment language, when detection ran on segments. */
  lang?: LangGuess;
}

export type TermKind = 'keep' | 'translate' | 'forbidden';
export type TermStatus = 'proposed' | 'approved' | 'rejected' | 'deprecated';

export interface TermEvent {
  at: string;
  by: string;
  action: string;
  /** Field → [before, after] for edits. */
  changes?: Record<string, [unknown, unknown]>;
}

/** A glossary term, exactly the JSON shape of PRODUCT.md. */
export interface Term {
  id: string;
  term: string;
  lang: Lang;
  kind: TermKind;
  /**
   * `translate`: the forced form per target language. `keep`: usually empty (the
   * term is written as is). `forbidden`: per language, forms that must not appear.
   */
  translations: Record<Lang, string>;
  /**
   * Gender and number of a language's form (the term itself for its own
   * language, a translation for the others), where known: agreement repair
   * fixes the articles and adjectives around an imposed term from it.
   */
  grammar?: Record<Lang, TermGrammar>;
  variants: string[];
  caseSensitive: boolean;
  status: TermStatus;
  note?: string;
  history?: TermEvent[];
  /** Suggestion statistics, for proposed terms found in articles. */
  frequency?: number;
  example?: string;
}

export type Gender = 'm' | 'f' | 'n';
export type GrammaticalNumber = 'sg' | 'pl';

/** What a language's form of a term needs its neighbours to agree with. */
export interface TermGrammar {
  gender?: Gender;
  number?: GrammaticalNumber;
}

/** One occurrence of a glossary term in a segment's plain text. */
export interface TermMatch {
  termId: string;
  /** The matched surface text. */
  text: string;
  start: number;
  end: number;
}

export type QaCheck =
  | 'placeholders'
  | 'numbers'
  | 'glossary'
  | 'forbidden'
  | 'untranslated'
  | 'wrong-language'
  | 'glossary-side-effect'
  | 'length'
  | 'empty';

/** What a QA sentence interpolates; `context` picks a variant, `count` a plural form. */
export type QaParams = Record<string, string | number>;

export interface QaFinding {
  segment: string;
  lang: Lang;
  check: QaCheck;
  severity: 'error' | 'warning' | 'info';
  /** Stable id of the sentence (`qa:<code>` in `locales/<lng>/qa.json`); absent from bundles made before findings had codes. */
  code?: string;
  params?: QaParams;
  /** The finding in English, as bundles and review tools read it. */
  message: string;
  /**
   * Who wrote the text the finding is about: an engine (`machine`), the
   * translation memory reusing an engine's sentence (`tm`), or a person
   * (`human`, including a reviewer's sentence reused from memory). Absent in
   * bundles made before findings carried it, which were all machine output.
   */
  origin?: QaOrigin;
}

export type QaOrigin = 'machine' | 'tm' | 'human';

/**
 * A target segment's review state: `machine` (engine or memory output nobody
 * has looked at), `edited` (a person changed it), `reviewed` (a person
 * confirmed it, changed or not).
 */
export type SegmentState = 'machine' | 'edited' | 'reviewed';

/** A target's review state as the manifest keeps it (`targets[].review`). */
export interface TargetReview {
  /** `in-review` once anyone has edited or confirmed a segment; `approved` when a reviewer signed the target off. */
  state: 'in-review' | 'approved';
  /** Who made the last change of state (the token's label). */
  by: string;
  at: string;
}

/** Result of stages 1–4 for one article: what every target translation starts from. */
export interface Analysis {
  doc: SourceDocument;
  segments: Segment[];
  sourceLang: Lang;
  confidence: number;
  /** `forced` when the caller gave the source language. */
  detection: 'auto' | 'forced';
  /** Approved glossary terms found, by segment id. */
  matches: Record<string, TermMatch[]>;
  /** The approved terms that occur in the article (so later stages need not reload the glossary). */
  terms: Term[];
  glossaryVersion: string;
}

export interface TranslatedSegment {
  id: string;
  /** The translation as inline XML (markup restored to `<g>`/`<x>`, glossary terms restored). */
  text: InlineXml;
  plain: string;
  provider: string;
  /** Languages the text went through, e.g. `['fr','es','en']` for a pivot. */
  route: Lang[];
  tm: boolean;
  human: boolean;
  /** Review state; absent means `edited` when `human`, else `machine` (see segmentState). */
  state?: SegmentState;
  /** Who last edited or confirmed the segment, when a person did. */
  by?: string;
  /** Why the segment was not sent to a provider, when it was not. */
  skipped?: 'not-translatable' | 'same-language';
  /** Glossary terms (source surface forms) enforced in this segment. */
  terms: string[];
  qa: QaFinding[];
}

export interface TargetResult {
  lang: Lang;
  /** Provider ids that produced this target, in route order (`apertium` twice for a pivot is written once). */
  providers: string[];
  /** Human-readable route, e.g. `apertium:fr→es → apertium:es→en`. */
  route: string;
  segments: TranslatedSegment[];
  billedChars: number;
  tmHits: number;
  /** Provider and route notes in English, as bundles and logs keep them. */
  warnings: string[];
  /**
   * How glossary terms were imposed on this target: the method, and how many
   * term occurrences each way reached the output (a segment the substitution
   * could not place falls back to masking; TM hits are counted apart).
   */
  imposition?: ImpositionRecord;
  /**
   * The same notes as `warnings`, same order, as codes a reader's language can
   * say. `translateTarget` always sets it; a result built elsewhere may leave
   * it out, and each warning then reads as `note-other`.
   */
  notices?: Notice[];
  ms: number;
  /** Absent until a person edits, confirms or approves the target. */
  review?: TargetReview;
}

export interface ImpositionRecord {
  /**
   * `native`: the route's engine got the terms through its own glossary
   * feature; `substitute`/`mask`: see Imposition. Whatever the method, each
   * occurrence is counted by how it actually reached the output.
   */
  method: 'native' | 'mask' | 'substitute';
  /** Term occurrences the engine itself wrote in the glossary form, given its native glossary. */
  native: number;
  /** Term occurrences replaced in the engine's own translation. */
  substituted: number;
  /** Term occurrences hidden behind placeholders (the method, or the fallback). */
  masked: number;
  /** Term occurrences in segments served from translation memory. */
  fromMemory: number;
  /**
   * The same counts per term (its source form as the glossary writes it):
   * which method put each term in this target. Only methods that occurred.
   */
  byTerm?: Record<string, TermMethods>;
  /**
   * Characters sent to translate terms alone (substitution's probe), included
   * in the target's billedChars; 0 when every rendering came from memory.
   */
  probedChars?: number;
}

export interface TermMethods {
  native?: number;
  substituted?: number;
  masked?: number;
  fromMemory?: number;
}

/** Everything a bundle is written from. */
export interface BundleInput {
  jobId: string;
  /** The job's title as its submitter gave it: metadata for the manifest, never a segment. */
  title?: string;
  analysis: Analysis;
  targets: TargetResult[];
  toolVersion: string;
  createdAt: string;
  /** Bundle revision: 1 for machine output, +1 for each change a person makes (XLIFF import, segment edit, approval). */
  revision: number;
  timings: Record<string, number>;
}

/** Segments aligned across languages: the `aligned.json` of the bundle. */
export interface AlignedDocument {
  sourceLang: Lang;
  languages: Lang[];
  segments: AlignedSegment[];
}

export interface AlignedSegment {
  id: string;
  paragraph: number;
  text: Record<Lang, string>;
  /** Per-segment detected language when it differs from the document's. */
  lang?: Lang;
  meta: Record<Lang, AlignedMeta>;
}

/** What aligned.json says about one target of a segment. */
export interface AlignedMeta {
  provider: string;
  tm: boolean;
  human: boolean;
  state: SegmentState;
  /** The glossary terms enforced, by their glossary name (the term as the glossary writes it, in the glossary's language). */
  terms: string[];
  /** Each occurrence of a glossary term in this segment's source, whatever the source language. */
  matches: AlignedTermMatch[];
  qa: QaFinding[];
  skipped?: string;
}

/**
 * One glossary term found in a segment's source: the words as the source
 * writes them (NFC), where they stand in the source text of aligned.json
 * (UTF-16 offsets into `text[sourceLang]`), and the rendering the glossary
 * requires in this target, when it says one.
 */
export interface AlignedTermMatch {
  /** The glossary term's id. */
  id: string;
  source: string;
  start: number;
  end: number;
  target?: string;
}

/** A bundle as files: relative path → content. Writing them (directory or zip) is the caller's I/O. */
export type BundleFiles = Map<string, string | Uint8Array>;

/**
 * What the pipeline needs from a translation engine. `providers/` implements it
 * (routing, fallbacks, pivots); the pipeline only calls it.
 */
export interface Translator {
  /**
   * Resolves once the translator knows every provider's language pairs (some
   * list them over the network). Await it before `plan` when present.
   */
  ready?(): Promise<void>;
  /** The route this translator would take for a pair, or undefined if none serves it. */
  plan(from: Lang, to: Lang): RoutePlan | undefined;
  /**
   * Why `plan` found nothing: a ProviderError when an engine that might serve
   * the pair is unreachable (an outage), otherwise an error naming the pair.
   */
  explainNoRoute?(from: Lang, to: Lang): Error;
  translate(req: TranslatorRequest): Promise<TranslatorResult>;
}

export interface RoutePlan {
  /** Stable id used in translation-memory keys, e.g. `apertium:fr>es>en`. */
  id: string;
  /** Human-readable, e.g. `apertium:fr→es → apertium:es→en`. */
  label: string;
  providers: string[];
  /** True for the offline pseudo-localisation route. */
  pseudo: boolean;
  /**
   * True when the route is one engine with a glossary feature of its own
   * (provider `glossary: 'native'`): terms reach it as a glossary, and the
   * pipeline only substitutes or masks where its output misses one.
   */
  nativeGlossary?: boolean;
}

export interface TranslatorRequest {
  segments: { id: string; text: InlineXml }[];
  from: Lang;
  to: Lang;
  /** Approved terms occurring in these segments, for providers with a native glossary. */
  terms: Term[];
  signal?: AbortSignal;
}

export interface TranslatorResult {
  /** Same order as the request. */
  texts: InlineXml[];
  /** The route actually taken (may differ from the plan after a fallback). */
  plan: RoutePlan;
  billedChars: number;
  /** Notes in English. */
  warnings: string[];
  /** The same notes as codes, same order; a translator that leaves it out has its warnings read as `note-other`. */
  notices?: Notice[];
  /** True when the request's terms went to the engine's own glossary feature on every batch (see RoutePlan.nativeGlossary). */
  glossaryApplied?: boolean;
}

/**
 * Something a provider or a route wants the reader to know that did not stop
 * the translation (a glossary the engine refused, a fallback). Carried as a
 * code so that it can be said in the reader's language.
 */
export interface Notice {
  /**
   * A message key in `locales/<lng>/errors.json`, one of the `note-*` codes
   * (`note-fallback`, `note-glossary-unused`, …). `note-other` is the catch-all:
   * its one variable, `detail`, is shown as it is.
   */
  code: string;
  /** The English sentence, complete; what logs, the bundle manifest and `warnings` show. */
  message: string;
  /** The variables the code's sentence fills in (`provider`, `detail`, …); every one it names must be here. */
  params?: Record<string, string | number>;
}

/** Translation memory, looked up before any provider is called. */
export interface TranslationMemory {
  /** Entries for the keys, `undefined` where there is none. Human entries outrank machine ones. */
  lookup(keys: TmKey[]): Promise<(TmEntry | undefined)[]>;
  store(entries: { key: TmKey; entry: TmEntry }[]): Promise<void>;
}

export interface TmKey {
  /** Normalised masked source text. */
  source: string;
  from: Lang;
  to: Lang;
  glossaryVersion: string;
  routeId: string;
}

export interface TmEntry {
  text: InlineXml;
  provider: string;
  human: boolean;
  at: string;
}
