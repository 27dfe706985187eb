/**
 * The detector: Unicode script first, then decisive letters, then locflow's
 * naive Bayes model for the languages it was trained on, franc for the rest,
 * and a calibrated confidence with `und` when the evidence is too thin.
 */
import type { Lang, LangGuess } from '../model.js';
import { tallyFamily, type FamilyEvidence, type FamilyTally, type NaiveBayes } from './model.js';
import { extractFamilies, extractShape, junctionFeatures, letterCount, prepare, spaceFeature, type FeatureFamilies } from './features.js';
import { naiveBayesScore, ONE_WORD, stackedScores, textTraits } from './stacker.js';
import { francRank, francScripts, SINGLE_LANGUAGE_SCRIPTS } from './franc.js';
import { parseCandidates, primary } from './languages.js';
import { dominantScript, hasVietnameseLetters, isLatinFast, type ScriptCount } from './script.js';

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
  /**
   * Scores already computed for this article (see ScoreCache): a text met
   * again with the same candidates and mask is not scored again. Results are
   * the same with or without it.
   */
  cache?: ScoreCache;
}

/**
 * What a text says before any prior or threshold is applied: the part of a
 * detection worth keeping when the same sentence is asked about twice (once
 * in the document vote, once as a segment).
 */
type Evidence = (
  | { kind: 'final'; detection: Detection }
  | { kind: 'franc'; lang: Lang; confidence: number }
  | { kind: 'model'; allowed: number[]; z: Float64Array; temperature: number; coverage: number; letters: number }
) & { facts?: Facts };

interface ModelScores {
  /** Raw score per allowed language (other entries -Infinity). */
  z: Float64Array;
  /** Divisor that turns z into calibrated logits. */
  temperature: number;
  /** Share of the text's features the model has seen. */
  coverage: number;
}

/** A text after masking, as far as a longer text made of it needs to know. */
interface Facts {
  prepared: string;
  script: ScriptCount | undefined;
  /** Character and word evidence (word shape does not add up over parts); computed when first needed. */
  families?: Pick<FamilyEvidence, 'chars' | 'words'>;
}

/**
 * Per-article memory of prior-independent evidence, keyed by mask list
 * (by identity), candidate list and text. Create one per article and pass it
 * to every detect call about that article; drop it afterwards.
 */
export class ScoreCache {
  private readonly byMask = new Map<readonly string[] | undefined, Map<string, Evidence>>();
  /** Texts scored once and answered from memory since. */
  hits = 0;
  /** Long texts scored in full because their parts' scores could not be reused. */
  fullRescores = 0;

  /** @internal */
  get(mask: readonly string[] | undefined, key: string): Evidence | undefined {
    const e = this.byMask.get(mask)?.get(key);
    if (e) this.hits++;
    return e;
  }

  /** @internal */
  set(mask: readonly string[] | undefined, key: string, evidence: Evidence): void {
    let m = this.byMask.get(mask);
    if (!m) this.byMask.set(mask, (m = new Map()));
    m.set(key, evidence);
  }
}

export type DetectionSource = 'model' | 'script' | 'letters' | 'franc' | 'none';

export interface Detection extends LangGuess {
  /** Which signal decided. */
  via: DetectionSource;
  /** The best guess even when `lang` is `und` for lack of confidence. */
  best?: Lang;
  /** Model path only: score per candidate (stacker logit or naive Bayes log-likelihood, over the temperature) and the share of features the model knew. */
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
  private readonly families: FeatureFamilies = { chars: [], words: [], shape: [] };

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
    const all = text.slice(0, MAX_CHARS).split(SENTENCE_BREAK);
    const pieces = all.filter((p) => p.length >= 20);
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
    const whole = this.wholeText(text, all, options);
    // Agreement with the whole-text answer keeps its calibrated confidence; otherwise
    // the share of the text that voted for the winner is the honest figure.
    const confidence = whole.lang === lang ? whole.confidence : w / total;
    const result = this.finish(lang, confidence, whole.lang === lang ? whole.via : 'model', options);
    return result;
  }

  private detectOne(text: string, options: DetectOptions): Detection {
    return this.decide(this.cachedEvidence(text, options), options);
  }

  private cachedEvidence(text: string, options: DetectOptions): Evidence {
    const { cache } = options;
    if (!cache) return this.evidence(text, options);
    const key = `${options.only ? options.only.join(',') : '*'}\u0001${text}`;
    let evidence = cache.get(options.mask, key);
    if (!evidence) cache.set(options.mask, key, (evidence = this.evidence(text, options)));
    return evidence;
  }

  /**
   * The whole text's own answer, needed for the document confidence. With a
   * cache, the sentences were just scored: the whole text's features are
   * theirs plus the few character n-grams that straddle the joins and the
   * word-shape n-grams, so the text is not scored a second time. Falls back
   * to a full scoring whenever that identity might not hold.
   */
  private wholeText(text: string, pieces: readonly string[], options: DetectOptions): Detection {
    const { cache } = options;
    if (!cache || options.explain) return this.detectOne(text, options);
    const evidence = this.joinedEvidence(text, pieces, options);
    if (evidence) return this.decide(evidence, options);
    cache.fullRescores++;
    return this.detectOne(text, options);
  }

  private joinedEvidence(text: string, pieces: readonly string[], options: DetectOptions): Evidence | undefined {
    // A masked term that spans a sentence break would be masked in the whole text but not in its parts.
    if (options.mask?.some((t) => /[.!?…。]\s|\n/u.test(t))) return undefined;
    // franc must read the whole text when a Latin candidate is outside the model.
    if ((this.plan(options.only).byScript.get('Latin') ?? []).some((l) => !this.modelIndex.has(l))) return undefined;
    const facts: Facts[] = [];
    let letters = 0;
    for (const piece of pieces) {
      const f = this.cachedEvidence(piece, options).facts;
      if (!f) return undefined;
      if (f.prepared.length === 0) continue;
      // Masks and script counts add up over space-joined parts only when every letter is Latin.
      if (!(f.script ? f.script.pureLatin : isLatinFast(f.prepared))) return undefined;
      letters += f.script?.letters ?? 0;
      facts.push(f);
    }
    const prepared = facts.map((f) => f.prepared).join(' ');
    const script: ScriptCount | undefined = letters > 0 ? { script: 'Latin', letters, pureLatin: true } : undefined;
    return this.judge({ prepared, script }, options, (allowed) => this.modelScores(text, prepared, this.joinedFamilies(facts, prepared), allowed), false);
  }

  /** Family evidence of the space-joined parts, from each part's character and word evidence. */
  private joinedFamilies(parts: Facts[], prepared: string): FamilyEvidence {
    const { model } = this;
    const config = model.header.features;
    const K = model.header.langs.length;
    const chars: FamilyTally = { n: 0, known: 0, gains: new Float64Array(K) };
    const words: FamilyTally = { n: 0, known: 0, gains: new Float64Array(K), hits: new Float64Array(K) };
    const add = (into: FamilyTally, from: FamilyTally, times = 1) => {
      into.n += times * from.n;
      into.known += times * from.known;
      for (let k = 0; k < K; k++) into.gains[k] = into.gains[k]! + times * from.gains[k]!;
      if (into.hits && from.hits) for (let k = 0; k < K; k++) into.hits[k] = into.hits[k]! + times * from.hits[k]!;
    };
    for (const part of parts) {
      part.families ??= this.tallyCharsAndWords(extractFamilies(part.prepared, config, this.families));
      add(chars, part.families.chars);
      add(words, part.families.words);
    }
    // Each join turns two padding spaces into one: one space unigram less per join…
    add(chars, tallyFamily(model, [spaceFeature(config)], false), -(parts.length - 1));
    // …and adds the character n-grams that straddle it.
    const straddling: number[] = [];
    junctionFeatures(
      parts.map((p) => p.prepared.toLowerCase()),
      config,
      straddling,
    );
    add(chars, tallyFamily(model, straddling, false));
    const shape: number[] = [];
    extractShape(prepared, config, shape);
    return { chars, words, shape: tallyFamily(model, shape, false) };
  }

  private tallyCharsAndWords(f: FeatureFamilies): Pick<FamilyEvidence, 'chars' | 'words'> {
    return { chars: tallyFamily(this.model, f.chars, false), words: tallyFamily(this.model, f.words, true) };
  }

  /** Prior-independent score per allowed language: the stacker's logit, or plain naive Bayes. */
  private modelScores(text: string, prepared: string, ev: FamilyEvidence, allowed: number[]): ModelScores {
    const { model } = this;
    const z = new Float64Array(model.header.langs.length).fill(-Infinity);
    const { stacker, calibration, nbTemperature } = model.header;
    const traits = stacker ? textTraits(text, prepared) : undefined;
    const n = ev.chars.n + ev.words.n + ev.shape.n;
    const coverage = n === 0 ? 0 : (ev.chars.known + ev.words.known + ev.shape.known) / n;
    // The dev set has no one-word rows: the stacker was never fitted nor
    // measured on a lone word, where its per-language traits (capitalised,
    // one word…) would outweigh the little evidence there is.
    if (stacker && traits && !traits[ONE_WORD]) {
      stackedScores(model, stacker, ev, traits, allowed, z);
      return { z, temperature: calibration.temperature, coverage };
    }
    for (const k of allowed) z[k] = naiveBayesScore(model, ev, k);
    return { z, temperature: stacker ? (nbTemperature ?? calibration.temperature) : calibration.temperature, coverage };
  }

  /**
   * The model's inputs for a text that the model would decide (not the
   * script, the decisive letters or franc): family evidence, traits and the
   * allowed languages. For fitting the stacker.
   */
  stackInputs(text: string, only: Lang[]): { ev: FamilyEvidence; traits: Uint8Array; allowed: number[] } | undefined {
    const prepared = prepare(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text);
    let out: { ev: FamilyEvidence; traits: Uint8Array; allowed: number[] } | undefined;
    this.judge(
      { prepared, script: dominantScript(prepared) },
      { only },
      (allowed) => {
        const f = extractFamilies(prepared, this.model.header.features, this.families);
        const ev = { ...this.tallyCharsAndWords(f), shape: tallyFamily(this.model, f.shape, false) };
        out = { ev, traits: textTraits(text, prepared), allowed };
        return { z: new Float64Array(0), temperature: 1, coverage: 0 };
      },
      true,
    );
    return out;
  }

  /** Everything about a text that does not depend on the prior or the threshold. */
  private evidence(text: string, options: DetectOptions): Evidence {
    const prepared = prepare(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text, { terms: options.mask });
    const facts: Facts = { prepared, script: dominantScript(prepared) };
    const evidence = this.judge(
      facts,
      options,
      (allowed) => {
        const f = extractFamilies(prepared, this.model.header.features, this.families);
        facts.families = this.tallyCharsAndWords(f);
        const ev = { ...facts.families, shape: tallyFamily(this.model, f.shape, false) };
        return this.modelScores(text, prepared, ev, allowed);
      },
      true,
    )!;
    evidence.facts = facts;
    return evidence;
  }

  /**
   * The decisions that need no prior: script, decisive letters, franc for
   * candidates outside the model, and the model's raw scores. Undefined when
   * franc would be needed but `francAllowed` is false.
   */
  private judge(
    facts: Facts,
    options: DetectOptions,
    score: (allowed: number[]) => ModelScores,
    francAllowed: boolean,
  ): Evidence | undefined {
    const final = (detection: Detection): Evidence => ({ kind: 'final', detection });
    const { prepared, script } = facts;
    const plan = this.plan(options.only);
    if (!script || script.letters < 2) return final({ lang: 'und', confidence: 0, via: 'none' });
    const cands = plan.byScript.get(script.script) ?? [];
    if (cands.length === 0) return final({ lang: 'und', confidence: 0, via: 'script' });
    if (script.script in SINGLE_LANGUAGE_SCRIPTS || cands.length === 1) {
      return final({ lang: cands[0]!, confidence: SCRIPT_CONFIDENCE, via: 'script', best: cands[0]! });
    }
    if (script.script === 'Latin' && cands.includes('vi') && hasVietnameseLetters(prepared)) {
      const confidence = this.model.header.lettersAccuracy ?? SCRIPT_CONFIDENCE;
      return final({ lang: 'vi', confidence, via: 'letters', best: 'vi' });
    }

    const modelCands = cands.filter((l) => this.modelIndex.has(l));
    if (modelCands.length < cands.length) {
      if (!francAllowed) return undefined;
      // Some candidates are outside the model: franc ranks all of them, and the
      // model refines only when franc's choice is a language it knows.
      const ranked = francRank(prepared, cands);
      const top = ranked[0];
      if (!top) return final({ lang: 'und', confidence: 0, via: 'franc' });
      if (!this.modelIndex.has(top.lang)) {
        const gap = top.score - (ranked[1]?.score ?? 0);
        return { kind: 'franc', lang: top.lang, confidence: Math.min(0.95, 0.5 + gap * 4) };
      }
    }
    if (modelCands.length === 1) return final({ lang: modelCands[0]!, confidence: SCRIPT_CONFIDENCE, via: 'script', best: modelCands[0]! });
    const allowed = modelCands.map((l) => this.modelIndex.get(l)!);
    const { z, temperature, coverage } = score(allowed);
    return { kind: 'model', allowed, z, temperature, coverage, letters: letterCount(prepared) };
  }

  private decide(evidence: Evidence, options: DetectOptions): Detection {
    switch (evidence.kind) {
      case 'final':
        return { ...evidence.detection };
      case 'franc':
        return this.finish(evidence.lang, evidence.confidence, 'franc', options);
      case 'model':
        return this.byModel(evidence, options);
    }
  }

  private byModel(evidence: Extract<Evidence, { kind: 'model' }>, options: DetectOptions): Detection {
    const { model } = this;
    const { allowed, coverage } = evidence;
    let scores: Record<Lang, number> | undefined;
    if (options.explain) {
      scores = {};
      for (const k of allowed) scores[model.header.langs[k]!] = evidence.z[k]! / evidence.temperature;
    }
    if (coverage < model.header.minCoverage || evidence.letters < 3) {
      return { lang: 'und', confidence: 0, via: 'model', ...(scores ? { scores } : {}), coverage };
    }
    // Temperature-scaled softmax: naive Bayes treats overlapping n-grams as
    // independent and is far too sure of itself without it.
    const { temperature } = evidence;
    const prior = options.prior ? primary(options.prior) : undefined;
    const priorIndex = prior !== undefined ? this.modelIndex.get(prior) : undefined;
    const usePrior = priorIndex !== undefined && allowed.includes(priorIndex);
    const w = options.priorWeight ?? DEFAULT_PRIOR_WEIGHT;
    const logPrior = Math.log(w);
    const logOther = Math.log((1 - w) / Math.max(1, allowed.length - 1));
    const z = this.scratch;
    let max = -Infinity;
    let bestK = allowed[0]!;
    for (const k of allowed) {
      let v = evidence.z[k]! / temperature;
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
    const ownScript = only && only.length > 0 ? undefined : scriptsIdentifying();
    for (const lang of langs) {
      // A default candidate outside the model is there because its own script
      // names it: Javanese competes in Javanese script, not in every Latin text
      // (where franc's jav profile won 2.7 % of the dev rows, all wrongly).
      const scripts = new Set(this.modelIndex.has(lang) || !ownScript ? francScripts(lang) : (ownScript.get(lang) ?? []));
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

/** Per language, the scripts that identify it on their own (`jv` → Javanese script). */
function scriptsIdentifying(): Map<Lang, string[]> {
  const out = new Map<Lang, string[]>();
  for (const [script, lang] of Object.entries(SINGLE_LANGUAGE_SCRIPTS)) out.set(lang, [...(out.get(lang) ?? []), script]);
  return out;
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
