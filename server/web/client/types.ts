/** The API's JSON as the page reads it (see PRODUCT.md and docs/web.md). */
export type JobStatus = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';
export const TERMINAL: JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface TargetState {
  status: JobStatus;
  done: number;
  total: number;
  provider?: string;
  route?: string;
  /** In the page's language (the server renders it from `errorCode` and `errorParams`). */
  error?: string;
  errorCode?: string;
  warnings?: string[];
}

export interface JobView {
  id: string;
  status: JobStatus;
  progress: number;
  sourceLang: string;
  confidence: number;
  detection?: 'auto' | 'forced';
  targets: Record<string, TargetState>;
  provider?: string;
  segments: number;
  submittedAt: string;
  finishedAt?: string;
  revision?: number;
  title?: string;
  /** The article's opening words, when it has no title (job list only). */
  excerpt?: string;
  /** `message` is in the page's language; `params` are its variable parts (`provider`, `detail`…). */
  error?: { code: string; message: string; params?: Record<string, unknown>; target?: string };
}

export interface QaFinding {
  segment: string;
  lang: string;
  check: string;
  severity: 'error' | 'warning' | 'info';
  /** The sentence in `locales/<lng>/qa.json`; bundles made before findings had codes lack it. */
  code?: string;
  params?: Record<string, string | number>;
  /** English, as the bundle keeps it. */
  message: string;
  /** Who wrote the text: an engine, the memory, or a person (a reviewer's warning). */
  origin?: 'machine' | 'tm' | 'human';
}

export interface AlignedDocument {
  sourceLang: string;
  languages: string[];
  segments: {
    id: string;
    paragraph: number;
    lang?: string;
    text: Record<string, string>;
    meta: Record<
      string,
      {
        provider: string;
        tm: boolean;
        human: boolean;
        state?: 'machine' | 'edited' | 'reviewed';
        terms: string[];
        /** Glossary terms in the source (offsets into the source text) and this target's rendering; absent in bundles made before it existed. */
        matches?: { id: string; source: string; start: number; end: number; target?: string }[];
        qa: QaFinding[];
        skipped?: string;
      }
    >;
  }[];
}

// The glossary term is the pipeline's own JSON shape; pipeline/model.ts holds
// types only, so the browser build takes nothing else from the server side.
export type { Term, TermEvent } from '../../../pipeline/model.js';

export interface ProviderInfo {
  id: string;
  configured: boolean;
  test?: boolean;
}
