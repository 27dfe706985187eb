/**
 * Conflicts between approved terms: the cases where a reviewer's intent is
 * ambiguous once both terms are applied.
 *
 * - `duplicate`: the same form (term or variant, case folded) in the same
 *   language belongs to two terms that agree — harmless but redundant;
 * - `contradiction`: the same form, but the terms disagree (different kind,
 *   or different forced translations for one target language);
 * - `overlap`: one term's form contains the other's as whole words
 *   (`Google` inside `Google Brain`). The matcher takes the longest match, so
 *   the shorter term stops applying inside the longer one; the reviewer
 *   should know.
 *
 * Runs in O(forms × words²): each form's contiguous word runs are looked up
 * in an index, so a 10 000-term glossary takes milliseconds, not a pairwise scan.
 */
import type { Term } from '../pipeline/model.js';

export type ConflictType = 'duplicate' | 'contradiction' | 'overlap';

export interface Conflict {
  type: ConflictType;
  lang: string;
  /** The two term ids; for an overlap, the containing term first. */
  terms: [string, string];
  /** The forms involved, in the same order. */
  forms: [string, string];
  message: string;
}

const fold = (s: string) => s.normalize('NFC').toLowerCase().replace(/[’‘]/g, "'").trim();
const words = (s: string) => fold(s).split(/[\s\u00A0]+/).filter(Boolean);

function formsOf(t: Term): string[] {
  return [...new Set([t.term, ...t.variants])];
}

function disagreement(a: Term, b: Term): string | undefined {
  if (a.kind !== b.kind) return `one is ${a.kind}, the other ${b.kind}`;
  if (a.kind !== 'translate') return undefined;
  for (const [lang, form] of Object.entries(a.translations)) {
    const other = b.translations[lang];
    if (other !== undefined && fold(other) !== fold(form)) return `${lang}: "${form}" vs "${other}"`;
  }
  return undefined;
}

/**
 * Conflicts among the approved terms given (others are ignored). With
 * `involving`, only conflicts that involve one of those ids — what an approval
 * or an import needs, without paying for the whole glossary's pairs.
 */
export function findConflicts(all: Term[], involving?: ReadonlySet<string>): Conflict[] {
  const terms = all.filter((t) => t.status === 'approved');
  const byForm = new Map<string, { term: Term; form: string }[]>();
  for (const t of terms) {
    for (const form of formsOf(t)) {
      const key = `${t.lang.toLowerCase()}\n${words(form).join(' ')}`;
      const list = byForm.get(key) ?? [];
      if (!list.some((e) => e.term.id === t.id)) list.push({ term: t, form });
      byForm.set(key, list);
    }
  }
  const out: Conflict[] = [];
  const seen = new Set<string>();
  const add = (c: Conflict) => {
    const key = `${c.type}\n${c.terms.join('\n')}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  const wanted = (id: string) => !involving || involving.has(id);
  for (const list of byForm.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (!wanted(a.term.id) && !wanted(b.term.id)) continue;
        const why = disagreement(a.term, b.term);
        add({
          type: why ? 'contradiction' : 'duplicate',
          lang: a.term.lang,
          terms: [a.term.id, b.term.id],
          forms: [a.form, b.form],
          message: why ? `"${a.form}" is defined twice and the definitions disagree (${why})` : `"${a.form}" is defined twice (terms ${a.term.id} and ${b.term.id})`,
        });
      }
    }
  }
  for (const t of terms) {
    for (const form of formsOf(t)) {
      const w = words(form);
      if (w.length < 2) continue;
      for (let len = w.length - 1; len >= 1; len--) {
        for (let s = 0; s + len <= w.length; s++) {
          const inner = byForm.get(`${t.lang.toLowerCase()}\n${w.slice(s, s + len).join(' ')}`);
          for (const e of inner ?? []) {
            if (e.term.id === t.id || (!wanted(t.id) && !wanted(e.term.id))) continue;
            add({
              type: 'overlap',
              lang: t.lang,
              terms: [t.id, e.term.id],
              forms: [form, e.form],
              message: `"${form}" contains "${e.form}": inside "${form}" only the longer term applies`,
            });
          }
        }
      }
    }
  }
  return out;
}

/** Conflicts that involve a given term. */
export function conflictsOf(id: string, all: Term[]): Conflict[] {
  return findConflicts(all, new Set([id]));
}
