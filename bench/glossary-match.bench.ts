/**
 * `npm run bench -- glossary-match`: the Aho-Corasick matcher against the
 * usual approach, one RegExp per term form, on the same glossary and text in
 * the same run. Both must return identical matches or the benchmark throws.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileGlossary, parseGlossaryYaml } from '../pipeline/glossary/index.js';
import { boundaryOk, edgeNeeds, foldPunct } from '../pipeline/glossary/fold.js';
import { sourceForms } from '../pipeline/glossary/terms.js';
import type { Lang, Term, TermMatch } from '../pipeline/model.js';
import type { Benchmark, Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface BaselinePattern {
  re: RegExp;
  termId: string;
  caseSensitive: boolean;
  need: ReturnType<typeof edgeNeeds>;
}

/**
 * The baseline's preparation: a RegExp per form of every approved term, run
 * once on a short string so that V8 has compiled it (it compiles lazily).
 * The pattern is the bare literal, which lets the RegExp engine skip ahead
 * to candidate positions; word boundaries are checked on each hit with the
 * matcher's own rule. Putting Unicode boundaries into the RegExp as
 * lookbehinds makes it many times slower, which would flatter the matcher.
 */
export function compileRegExps(all: Term[], lang: Lang): BaselinePattern[] {
  const terms = all.filter((t) => t.status === 'approved' && (t.kind === 'keep' || t.kind === 'translate'));
  const out: BaselinePattern[] = [];
  for (const term of terms) {
    const seen = new Set<string>();
    for (const form of sourceForms(term, lang)) {
      const f = foldPunct(form.normalize('NFC'));
      const key = term.caseSensitive ? f : f.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      // A lower-case form of a case-sensitive term may start a sentence (see sameCase).
      const source =
        term.caseSensitive && f === f.toLowerCase() && f[0]!.toUpperCase() !== f[0]
          ? `[${escapeRe(f[0]!.toUpperCase())}${escapeRe(f[0]!)}]${escapeRe(f.slice(1))}`
          : escapeRe(f);
      const re = new RegExp(source, term.caseSensitive ? 'gu' : 'giu');
      re.test('x');
      re.lastIndex = 0;
      out.push({ re, termId: term.id, caseSensitive: term.caseSensitive, need: edgeNeeds(f.toLowerCase()) });
    }
  }
  return out;
}

/**
 * The baseline: every RegExp run over the whole text, then the same "longest
 * match wins" resolution as the matcher. Same semantics, different algorithm.
 */
export function findWithRegExps(patterns: BaselinePattern[] | Term[], plain: string, lang: Lang): TermMatch[] {
  const compiled = patterns.length > 0 && 're' in patterns[0]! ? (patterns as BaselinePattern[]) : compileRegExps(patterns as Term[], lang);
  const text = foldPunct(plain.normalize('NFC'));
  const candidates: { start: number; end: number; cs: boolean; order: number; termId: string }[] = [];
  compiled.forEach((p, order) => {
    for (const m of text.matchAll(p.re)) {
      const end = m.index + m[0].length;
      if (boundaryOk(text, m.index, end, p.need)) candidates.push({ start: m.index, end, cs: p.caseSensitive, order, termId: p.termId });
    }
  });
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start || Number(b.cs) - Number(a.cs) || a.order - b.order);
  const taken = new Uint8Array(text.length);
  const out: TermMatch[] = [];
  for (const c of candidates) {
    if (taken.subarray(c.start, c.end).includes(1)) continue;
    taken.fill(1, c.start, c.end);
    out.push({ termId: c.termId, text: plain.slice(c.start, c.end), start: c.start, end: c.end });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Small deterministic PRNG so that every run measures the same glossary and text. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADS = ['modèle', 'réseau', 'puce', 'cadre', 'moteur', 'plateforme', 'agent', 'serveur', 'noyau', 'protocole', 'système', 'jeu de données', 'bibliothèque', 'architecture', 'interface'];
const MODS = ['neuronal', 'distribué', 'quantique', 'multimodal', 'génératif', 'embarqué', 'ouvert', 'hybride', 'souverain', 'autonome', 'parallèle', 'vectoriel', 'conversationnel', 'prédictif', 'fédéré', 'adaptatif'];
const SYL = ['ka', 'zo', 'lin', 'tra', 'vex', 'nor', 'qui', 'mar', 'del', 'ryo', 'sen', 'tu', 'pha', 'gri', 'om', 'bel', 'xan', 'dru'];
const VI = ['mô hình', 'mạng', 'hệ thống', 'nền tảng', 'dữ liệu', 'máy chủ', 'giao diện', 'thư viện', 'lõi', 'tác tử'];

/**
 * Terms of the shapes a tech-news glossary holds: French multi-word phrases
 * with forced translations, brand names, acronyms and model names with digits.
 */
export function generateTerms(n: number, seed = 7): Term[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const name = () => {
    const k = 2 + Math.floor(r() * 2);
    let s = '';
    for (let i = 0; i < k; i++) s += pick(SYL);
    return s[0]!.toUpperCase() + s.slice(1);
  };
  const terms: Term[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (terms.length < n) {
    i++;
    const shape = r();
    let term: Term;
    if (shape < 0.4) {
      const t = `${pick(HEADS)} ${pick(MODS)} ${name().toLowerCase()}`;
      term = base(t, 'translate', false, { en: `${t.split(' ').pop()} ${i} model`, vi: `${pick(VI)} ${i}`, es: `modelo ${t.split(' ').pop()}` });
      if (r() < 0.3) term.variants = [t.replace(/ /g, '-')];
    } else if (shape < 0.7) {
      const t = r() < 0.5 ? `${name()}${name()}` : `${name()} ${name()}`;
      term = base(t, 'keep', true, {});
    } else if (shape < 0.85) {
      let t = '';
      for (let k = 0; k < 3 + Math.floor(r() * 2); k++) t += String.fromCharCode(65 + Math.floor(r() * 26));
      term = base(t, 'keep', true, {});
    } else {
      const t = `${name()}-${1 + Math.floor(r() * 400)}${pick(['B', 'X', '', 'o'])}`;
      term = base(t, 'keep', true, {});
    }
    const key = term.term.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    term.id = `g${i}`;
    terms.push(term);
  }
  return terms;
}

function base(term: string, kind: Term['kind'], caseSensitive: boolean, translations: Record<string, string>): Term {
  return { id: '', term, lang: 'fr', kind, translations, variants: [], caseSensitive, status: 'approved' };
}

/** The sample article repeated to `bytes`, with a sentence naming a few glossary terms after each paragraph. */
export function buildText(article: string, terms: Term[], bytes: number, seed = 11): string {
  const r = rng(seed);
  const paragraphs = article.split('\n').filter(Boolean);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p = paragraphs[i % paragraphs.length]!;
    const t = () => terms[Math.floor(r() * terms.length)]!;
    const extra = `Selon l'équipe, ${t().term} et ${t().term} complètent ${t().term}, d'après ${t().variants[0] ?? t().term}.`;
    parts.push(p, extra);
    size += Buffer.byteLength(p) + Buffer.byteLength(extra) + 2;
  }
  return parts.join('\n');
}

/** Best of `runs`: on a shared machine the minimum is the least disturbed measurement. */
function time<T>(fn: () => T, runs = 1): { ms: number; value: T } {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, value };
}

function same(a: TermMatch[], b: TermMatch[]): string | undefined {
  if (a.length !== b.length) return `${a.length} matches vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.start !== y.start || x.end !== y.end || x.termId !== y.termId) return `match ${i}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  }
  return undefined;
}

const bench: Benchmark = {
  name: 'glossary-match',
  description: 'Aho-Corasick glossary matching vs one RegExp per term (same glossary, same text, identical results required)',
  async run(): Promise<Figure[]> {
    const article = readFileSync(join(ROOT, '..', 'shared', 'samples', 'deepseek.fr.txt'), 'utf8');
    const seed = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml');
    const figures: Figure[] = [];
    const MB = 1024 * 1024;
    // Warm the JIT on a different, smaller glossary (the usual benchmark warm-up: the figures
    // should time the algorithm, not V8 optimising it). The RegExp side needs none: each
    // RegExp is compiled and run once before it is timed.
    const warmTerms = [...seed, ...generateTerms(2000, 3)];
    const warm = compileGlossary(warmTerms);
    const warmText = buildText(article, warmTerms, 256 * 1024, 4);
    for (let i = 0; i < 4; i++) warm.find(warmText, 'fr');
    // The 10 000 terms over 1 MB are issue 5's yardstick; the RegExp baseline takes about a
    // minute for it, so the 20 000-term case runs on a shorter text.
    for (const [count, bytes] of [
      [10_000, MB],
      [20_000, MB / 16],
    ] as const) {
      const terms = [...seed, ...generateTerms(count)];
      const text = buildText(article, terms, bytes);
      const compiled = time(() => {
        const m = compileGlossary(terms);
        m.find('x', 'fr'); // the per-language automaton is built on first use
        return m;
      });
      // Compiling is timed once, cold, on both sides (V8 caches RegExp code, so a second
      // round would flatter the baseline); matching is the best of three on both sides.
      const baseCompiled = time(() => compileRegExps(terms, 'fr'));
      const firstOurs = time(() => compiled.value.find(text, 'fr'));
      const firstBase = time(() => findWithRegExps(baseCompiled.value, text, 'fr'));
      const ours = time(() => compiled.value.find(text, 'fr'), 2);
      const base = time(() => findWithRegExps(baseCompiled.value, text, 'fr'), 2);
      ours.ms = Math.min(ours.ms, firstOurs.ms);
      base.ms = Math.min(base.ms, firstBase.ms);
      const diff = same(ours.value, base.value);
      if (diff) throw new Error(`glossary-match: matcher and RegExp baseline disagree (${count} terms): ${diff}`);
      const label = `${count / 1000}k terms × ${bytes >= MB ? `${bytes / MB} MB` : `${bytes / 1024} KB`}`;
      process.stderr.write(
        `glossary-match ${label}: ${ours.value.length} matches, identical; compile ${compiled.ms.toFixed(0)} ms (RegExps: ${baseCompiled.ms.toFixed(0)} ms)\n`,
      );
      // Both sides compiled beforehand: the cost of matching one text with a ready glossary.
      figures.push({ name: `find ${label}`, ours: ours.ms, baseline: base.ms, baselineName: 'RegExp per term', unit: 'ms', better: 'lower' });
      // Compiling is paid once per glossary version (and language); this is a cold start.
      figures.push({
        name: `compile+find ${label}`,
        ours: compiled.ms + firstOurs.ms,
        baseline: baseCompiled.ms + firstBase.ms,
        baselineName: 'RegExp per term',
        unit: 'ms',
        better: 'lower',
      });
    }
    return figures;
  },
};

export default bench;
