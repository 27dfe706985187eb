/**
 * The stages put together. `analyse` (pure) and `translateTarget` (calls the
 * injected Translator and TM) are the two halves that queue workers run as
 * separate jobs; `translateArticle` runs everything in-process for the CLI.
 */
import type { Analysis, Lang, SourceDocument, TargetResult, Term, TranslationMemory, Translator } from './model.js';

export interface AnalyseOptions {
  format?: SourceDocument['format'];
  filename?: string;
  /** Source language; `auto` or undefined detects it. */
  from?: Lang | 'auto';
  /** The glossary (all terms; only approved ones are applied). */
  terms: Term[];
  /** Candidate languages for detection. */
  only?: Lang[];
}

export function analyse(_input: string | Uint8Array, _options: AnalyseOptions): Analysis {
  throw new Error('not implemented');
}

export interface TranslateTargetOptions {
  translator: Translator;
  tm?: TranslationMemory;
  /** Called after each batch with segments done / total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Segments already in the target language are copied, not translated (default true). */
  skipSameLanguage?: boolean;
}

export async function translateTarget(_analysis: Analysis, _to: Lang, _options: TranslateTargetOptions): Promise<TargetResult> {
  throw new Error('not implemented');
}
