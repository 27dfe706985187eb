/**
 * The detector: Unicode script first, then decisive letters, then locflow's
 * naive Bayes model for the languages it was trained on, franc for the rest,
 * and a calibrated confidence with `und` when the evidence is too thin.
 */
import type { Lang, LangGuess } from '../model.js';
import { letterCount, prepare, extractFeatures } from './features.js';
import { francRank, francScripts, SINGLE_LANGUAGE_SCRIPTS } from './franc.js';
import { parseCandidates, primary } from './languages.js';
import { scoreFeatures, type NaiveBayes } from './model.js';
import { dominantScript, hasVietnameseLetters } from './script.js';

export interface DetectOptions {
  /** Candidate languages (BCP-47). Default: every language the detector can recognise. */
  only?: Lang[];
  /** Document language, used as a prior: it decides short or ambiguous segments. */
  prior?: Lang;
  /** Prior probability given to `prior` (default 0.75); the rest is shared by the other candidates. */
  priorWeight?: number;
  /** Below this calibrated confidence the answer is `und` (default DEFAULT_MIN_CONFIDENCE). */
  minConfidence?: number;
  /** Extra strings to ignore while scoring: glossary terms, product and person names. */
  mask?: readonly string[];
  /** Return the model's raw scores and coverage (for training and debugging). */
  explain?: boolean;
}

export type DetectionSource = 'model' | 'script' | 'letters' | 'franc' | 'none';

export interface Detection extends LangGuess {
  /** Which signal decided. */
  via: DetectionSource;
  /** The best guess even when `lang` is `und` for lack of confidence. */
  best?: Lang;
  /** Model path only: raw log-likelihood per candidate and the share of features the model knew. */
  scores?: Record<Lang, number>;
  coverage?: number;
}

/** Answers below this calibrated confidence are reported as `und`. */
export const DEFAULT_MIN_CONFIDENCE = 0.2;
const DEFAULT_PRIOR_WEIGHT = 0.75;
/** Confidence for a language that its script alone identifies; not measured, hence not 1. */
const SCRIPT_CONFIDENCE = 0.99;
/** From this length on, a text is decided by a vote of its sentences. */
const DOCUMENT_CHARS = 200;
const SENTENCE_BREAK = /\n+|(?<=[.!?…。])\s+/u;
/** Longer inputs are cut: the first few thousand characters settle any document. */
const MAX_CHARS = 8000;

interface CandidatePlan {
  langs: Lang[];
  /** Per script: candidates written in it. */
  byScript: Map<string, Lang[]>;
}

export class Detector {
  readonly model: NaiveBayes;
  private readonly modelIndex: Map<Lang, number>;
  private readonly plans = new Map<string, CandidatePlan>();
  private readonly scratch: Float64Array;
  private readonly features: number[] = [];

  constructor(model: NaiveBayes) {
    this.model = model;
    this.modelIndex = new Map(model.header.langs.map((l, i) => [l, i]));
    this.scratch = new Float64Array(model.header.langs.length);
  }

  /**
   * The default candidates: the model's languages plus those a script alone
   * identifies. franc's other profiles are reachable by naming them in `only`;
   * letting ~180 profiles compete on every short segment costs more accuracy
   * than it buys.
   */
  languages(): Lang[] {
    const all = new Set<Lang>(this.model.header.langs);
    for (const lang of Object.values(SINGLE_LANGUAGE_SCRIPTS)) all.add(lang);
    return [...all];
  }

  /** True when the detector can ever answer `lang`. */
  knows(lang: Lang): boolean {
    const p = primary(lang);
    return this.modelIndex.has(p) || francScripts(p).size > 0;
  }

  detect(text: string, options: DetectOptions = {}): Detection {
    if (text.length >= DOCUMENT_CHARS) {
      const voted = this.byVote(text, options);
      if (voted) return voted;
    }
    return this.detectOne(text, options);
  }

  /**
   * Long texts are decided by their sentences, each weighted by its letters
   * and confidence. One sum over the whole text lets a single strongly typed
   * passage (an English quote, a code-heavy paragraph) outvote a larger body
   * of text in the article's language.
   */
  private byVote(text: string, options: DetectOptions): Detection | undefined {
    const pieces = text
      .slice(0, MAX_CHARS)
      .split(SENTENCE_BREAK)
      .filter((p) => p.length >= 20);
    if (pieces.length < 2) return undefined;
    const weight = new Map<Lang, number>();
    let total = 0;
    for (const piece of pieces) {
      const d = this.detectOne(piece, { ...options, minConfidence: 0 });
      if (d.lang === 'und') continue;
      const w = letterCount(piece) * d.confidence;
      weight.set(d.lang, (weight.get(d.lang) ?? 0) + w);
      total += w;
    }
    if (total === 0) return undefined;
    const [lang, w] = [...weight.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const whole = this.detectOne(text, options);
    // Agreement with the whole-text answer keeps its calibrated confidence; otherwise
    // the share of the text that voted for the winner is the honest figure.
    const confidence = whole.lang === lang ? whole.confidence : w / total;
    const result = this.finish(lang, confidence, whole.lang === lang ? whole.via : 'model', options);
    return result;
  }

  private detectOne(text: string, options: DetectOptions): Detection {
    const plan = this.plan(options.only);
    const prepared = prepare(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text, { terms: options.mask });
    const script = dominantScript(prepared);
    if (!script || script.letters < 2) return { lang: 'und', confidence: 0, via: 'none' };
    const cands = plan.byScript.get(script.script) ?? [];
    if (cands.length === 0) return { lang: 'und', confidence: 0, via: 'script' };
    if (script.script in SINGLE_LANGUAGE_SCRIPTS || cands.length === 1) {
      return { lang: cands[0]!, confidence: SCRIPT_CONFIDENCE, via: 'script', best: cands[0]! };
    }
    if (script.script === 'Latin' && cands.includes('vi') && hasVietnameseLetters(prepared)) {
      const confidence = this.model.header.lettersAccuracy ?? SCRIPT_CONFIDENCE;
      return { lang: 'vi', confidence, via: 'letters', best: 'vi' };
    }

    let modelCands = cands.filter((l) => this.modelIndex.has(l));
    if (modelCands.length < cands.length) {
      // Some candidates are outside the model: franc ranks all of them, and the
      // model refines only when franc's choice is a language it knows.
      const ranked = francRank(prepared, cands);
      const top = ranked[0];
      if (!top) return { lang: 'und', confidence: 0, via: 'franc' };
      if (!this.modelIndex.has(top.lang)) {
        const gap = top.score - (ranked[1]?.score ?? 0);
        const confidence = Math.min(0.95, 0.5 + gap * 4);
        return this.finish(top.lang, confidence, 'franc', options);
      }
    }
    if (modelCands.length === 1) return { lang: modelCands[0]!, confidence: SCRIPT_CONFIDENCE, via: 'script', best: modelCands[0]! };
    return this.byModel(prepared, modelCands, options);
  }

  private byModel(prepared: string, cands: Lang[], options: DetectOptions): Detection {
    const { model } = this;
    const allowed = cands.map((l) => this.modelIndex.get(l)!);
    const features = extractFeatures(prepared, model.header.features, this.features);
    const z = this.scratch;
    const coverage = scoreFeatures(model, features, allowed, z);
    let scores: Record<Lang, number> | undefined;
    if (options.explain) {
      scores = {};
      for (const k of allowed) scores[model.header.langs[k]!] = z[k]!;
    }
    if (coverage < model.header.minCoverage || letterCount(prepared) < 3) {
      return { lang: 'und', confidence: 0, via: 'model', ...(scores ? { scores } : {}), coverage };
    }
    // Temperature-scaled softmax: naive Bayes treats overlapping n-grams as
    // independent and is far too sure of itself without it.
    const { temperature } = model.header.calibration;
    const prior = options.prior ? primary(options.prior) : undefined;
    const priorIndex = prior !== undefined ? this.modelIndex.get(prior) : undefined;
    const usePrior = priorIndex !== undefined && allowed.includes(priorIndex);
    const w = options.priorWeight ?? DEFAULT_PRIOR_WEIGHT;
    const logPrior = Math.log(w);
    const logOther = Math.log((1 - w) / Math.max(1, allowed.length - 1));
    let max = -Infinity;
    let bestK = allowed[0]!;
    for (const k of allowed) {
      let v = z[k]! / temperature;
      if (usePrior) v += k === priorIndex ? logPrior : logOther;
      z[k] = v;
      if (v > max) (max = v), (bestK = k);
    }
    let sum = 0;
    for (const k of allowed) sum += Math.exp(z[k]! - max);
    const top = 1 / sum;
    const confidence = calibrate(model, top);
    const lang = model.header.langs[bestK]!;
    const result = this.finish(lang, confidence, 'model', options);
    result.coverage = coverage;
    if (scores) result.scores = scores;
    return result;
  }

  private finish(lang: Lang, confidence: number, via: DetectionSource, options: DetectOptions): Detection {
    const min = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
    if (confidence < min) return { lang: 'und', confidence: round(confidence), via, best: lang };
    return { lang, confidence: round(confidence), via, best: lang };
  }

  /** Validated, script-grouped candidates, cached per distinct `only` list. */
  private plan(only: Lang[] | undefined): CandidatePlan {
    const key = only ? only.join(',') : '*';
    let plan = this.plans.get(key);
    if (plan) return plan;
    const langs = (only && only.length > 0 ? parseCandidates(only) : this.languages()).filter((l) => this.knows(l));
    const byScript = new Map<string, Lang[]>();
    for (const lang of langs) {
      const scripts = new Set(francScripts(lang));
      // The model's languages are all written in Latin or Cyrillic; franc knows them all too,
      // but do not rely on that for a language only the model knows.
      if (this.modelIndex.has(lang) && scripts.size === 0) scripts.add('Latin');
      for (const s of scripts) {
        const list = byScript.get(s) ?? [];
        list.push(lang);
        byScript.set(s, list);
      }
    }
    plan = { langs, byScript };
    if (this.plans.size > 64) this.plans.clear();
    this.plans.set(key, plan);
    return plan;
  }
}

/** Maps a temperature-scaled top probability to the share of correct answers seen at that level. */
export function calibrate(model: NaiveBayes, p: number): number {
  const { knots, accuracy } = model.header.calibration;
  if (knots.length === 0) return p;
  if (p <= knots[0]!) return accuracy[0]!;
  for (let i = 1; i < knots.length; i++) {
    if (p <= knots[i]!) {
      const t = (p - knots[i - 1]!) / (knots[i]! - knots[i - 1]! || 1);
      return accuracy[i - 1]! + t * (accuracy[i]! - accuracy[i - 1]!);
    }
  }
  return accuracy[accuracy.length - 1]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
