/**
 * `npm run bench -- terms`: how glossary terms are imposed on an engine
 * without a glossary of its own, measured by what else they change.
 *
 * Each set of French sentences is translated by the local Apertium (fr→es
 * directly, fr→en through the es pivot) three times: without the glossary
 * (plain), with plain masking (`<x/>` placeholders: the baseline), and with
 * the approach locflow chooses for the engine. Two figures per set and
 * language pair: term compliance (every required rendering present) and
 * collateral changes (word differences from the plain translation that are
 * not at a term; see terms/score.ts). The changed sentences go to stderr.
 *
 * Sets: bench/terms/sentences.fr.txt (48 sentences written for this: terms as
 * subject, object, adjective, inside negations and `ne … que`, gender
 * mismatches, plurals, sentence starts) and the sample article.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGlossaryYaml, targetForm } from '../pipeline/glossary/index.js';
import { escapeXml, plainText } from '../pipeline/inline.js';
import type { Analysis, Lang, TargetResult, Term, Translator } from '../pipeline/model.js';
import { analyse, translateTarget, type Imposition } from '../pipeline/run.js';
import { createTranslator } from '../providers/index.js';
import type { Benchmark, Figure } from './figure.js';
import { scoreSentence, type Change, type TermUse } from './terms/score.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const TARGETS: Lang[] = ['es', 'en'];
/** The approach `translateTarget` uses by default for a masking engine, compared with plain masking. */
const CHOSEN: Imposition = 'substitute';

export function benchGlossary(): Term[] {
  return [
    ...parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'glossary/tech.yaml'),
    ...parseGlossaryYaml(readFileSync(join(here, 'terms', 'glossary.yaml'), 'utf8'), 'bench/terms/glossary.yaml'),
  ];
}

function sets(): { name: string; text: string }[] {
  const shared = join(ROOT, '..', 'shared', 'samples', 'deepseek.fr.txt');
  let sample: string;
  try {
    sample = readFileSync(shared, 'utf8');
  } catch {
    sample = readFileSync(join(ROOT, 'samples', 'deepseek.fr.txt'), 'utf8');
  }
  return [
    { name: 'own', text: readFileSync(join(here, 'terms', 'sentences.fr.txt'), 'utf8') },
    { name: 'sample', text: sample },
  ];
}

export interface ApproachScore {
  required: number;
  present: number;
  changes: number;
  sentences: { id: string; plain: string; with: string; changes: Change[]; missing: number }[];
}

/** Compares one with-glossary target with the plain one, segment by segment. */
export function scoreTarget(analysis: Analysis, plain: TargetResult, withGlossary: TargetResult, renderings: Map<string, string>): ApproachScore {
  const termById = new Map(analysis.terms.map((t) => [t.id, t]));
  const out: ApproachScore = { required: 0, present: 0, changes: 0, sentences: [] };
  withGlossary.segments.forEach((seg, i) => {
    const uses: TermUse[] = [];
    for (const m of analysis.matches[seg.id] ?? []) {
      const term = termById.get(m.termId);
      const target = term && targetForm(term, withGlossary.lang, m.text);
      if (target !== undefined) uses.push({ target, source: m.text, rendering: renderings.get(m.text.toLowerCase()) });
    }
    const p = plain.segments[i]!.plain;
    const s = scoreSentence(p, seg.plain, uses, withGlossary.lang);
    out.required += s.required;
    out.present += s.present;
    out.changes += s.collateral.length;
    if (s.collateral.length || s.present < s.required) out.sentences.push({ id: seg.id, plain: p, with: seg.plain, changes: s.collateral, missing: s.required - s.present });
  });
  return out;
}

/** The engine's translation of each matched term alone, for the collateral measure (see TermUse.rendering). */
async function renderTermsAlone(translator: Translator, analysis: Analysis, to: Lang): Promise<Map<string, string>> {
  const surfaces = [...new Set(Object.values(analysis.matches).flatMap((list) => list.map((m) => m.text.toLowerCase())))];
  const res = await translator.translate({ segments: surfaces.map((s, i) => ({ id: `t${i}`, text: escapeXml(s) })), from: analysis.sourceLang, to, terms: [] });
  return new Map(surfaces.map((s, i) => [s, plainText(res.texts[i] ?? '')]));
}

const percent = (s: ApproachScore) => (s.required === 0 ? 100 : (100 * s.present) / s.required);

const bench: Benchmark = {
  name: 'terms',
  description: `glossary terms imposed on Apertium (fr→es, fr→es→en): "${CHOSEN}" against plain <x/> masking, on 48 written sentences and the sample article`,
  async run(): Promise<Figure[]> {
    const translator = createTranslator({ provider: 'apertium' });
    await translator.ready();
    const terms = benchGlossary();
    const figures: Figure[] = [];
    for (const set of sets()) {
      const analysis = analyse(set.text, { terms, from: 'fr', format: 'text' });
      const bare: Analysis = { ...analysis, matches: {}, terms: [] };
      let total = { mask: { required: 0, present: 0, changes: 0 }, chosen: { required: 0, present: 0, changes: 0 } };
      for (const to of TARGETS) {
        const plain = await translateTarget(bare, to, { translator, skipSameLanguage: false });
        const renderings = await renderTermsAlone(translator, analysis, to);
        const masked = scoreTarget(analysis, plain, await translateTarget(analysis, to, { translator, skipSameLanguage: false, imposition: 'mask' }), renderings);
        const chosenResult = await translateTarget(analysis, to, { translator, skipSameLanguage: false, imposition: CHOSEN });
        const chosen = scoreTarget(analysis, plain, chosenResult, renderings);
        report(`${set.name} fr→${to}`, masked, chosen, chosenResult);
        for (const [k, s] of [['mask', masked], ['chosen', chosen]] as const) {
          total[k].required += s.required;
          total[k].present += s.present;
          total[k].changes += s.changes;
        }
        figures.push(
          { name: `terms-${set.name}-${to}-collateral`, ours: chosen.changes, baseline: masked.changes, baselineName: 'plain masking', unit: 'changes', better: 'lower' },
          { name: `terms-${set.name}-${to}-compliance`, ours: percent(chosen), baseline: percent(masked), baselineName: 'plain masking', unit: '%', better: 'higher' },
        );
      }
      figures.push(
        { name: `terms-${set.name}-collateral`, ours: total.chosen.changes, baseline: total.mask.changes, baselineName: 'plain masking', unit: 'changes', better: 'lower' },
        { name: `terms-${set.name}-compliance`, ours: percent(total.chosen as ApproachScore), baseline: percent(total.mask as ApproachScore), baselineName: 'plain masking', unit: '%', better: 'higher' },
      );
      total = { mask: { required: 0, present: 0, changes: 0 }, chosen: { required: 0, present: 0, changes: 0 } };
    }
    return figures;
  },
};

function report(label: string, masked: ApproachScore, chosen: ApproachScore, chosenResult: TargetResult): void {
  const w = (s: string) => process.stderr.write(`${s}\n`);
  w(`\n## ${label}: plain masking ${masked.changes} collateral changes, ${masked.present}/${masked.required} terms; ${CHOSEN} ${chosen.changes} changes, ${chosen.present}/${chosen.required} terms`);
  if (chosenResult.imposition) w(`   imposed: ${JSON.stringify(chosenResult.imposition)}`);
  for (const [name, s] of [['plain masking', masked], [CHOSEN, chosen]] as const) {
    for (const x of s.sentences) {
      w(`   [${name}] ${x.id}: ${x.missing ? `${x.missing} term(s) missing; ` : ''}${x.changes.map((c) => `${c.removed.join(' ') || '∅'} → ${c.added.join(' ') || '∅'}`).join('; ')}`);
      w(`       plain: ${x.plain}`);
      w(`       with : ${x.with}`);
    }
  }
}

export default bench;
