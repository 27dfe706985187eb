/**
 * Synthetic glossaries in the layout before the sorted-set indexes (layout 2),
 * shared by the scale tests and `bench/glossary-scale.bench.ts` so that the
 * test and the benchmark measure the same data shape: mostly suggestions,
 * one approved term in 400, one in 50 in Vietnamese, one in 7 translated.
 */
import type { Redis } from 'ioredis';
import { deriveTermId } from '../../pipeline/glossary/index.js';
import type { Term } from '../../pipeline/model.js';

export interface LegacyTermShape {
  /** How many terms the glossary has: the history dates count back from the newest (`n - 1`). */
  n: number;
  /** The made-up word each term starts with; its lower case prefixes the English translation. */
  word: string;
  /** Also put one term in 97 in Brazilian Portuguese (after the Vietnamese ones). */
  ptBR?: boolean;
  /** Record approved terms as approved by `reviewer#1` (the bench keeps the suggestion entry, as it always did). */
  reviewerApproves?: boolean;
}

/** Term `i` of a synthetic glossary; the same `i` and shape always give the same id and text. */
export function legacyTerm(i: number, shape: LegacyTermShape): Term {
  const lang = i % 50 === 0 ? 'vi' : shape.ptBR && i % 97 === 0 ? 'pt-BR' : 'fr';
  const approved = i % 400 === 0;
  const byReviewer = approved && shape.reviewerApproves === true;
  const word = `${shape.word}${i.toString(36)}`;
  return {
    id: deriveTermId(lang, word),
    term: word,
    lang,
    kind: i % 7 === 0 ? 'translate' : 'keep',
    translations: i % 7 === 0 ? { en: `${shape.word.toLowerCase()} ${i}` } : {},
    variants: [],
    caseSensitive: true,
    status: approved ? 'approved' : 'proposed',
    history: [{ at: new Date(Date.now() - (shape.n - i) * 1000).toISOString(), by: byReviewer ? 'reviewer#1' : `job-${i}`, action: byReviewer ? 'approve' : 'suggest' }],
  };
}

/**
 * Writes the glossary with pipelined HSETs the way layout 2 kept it (terms,
 * approved copies without history, frequency in its own hash), `batch` terms
 * a round trip, and returns the terms written.
 */
export async function writeLegacyGlossary(redis: Redis, prefix: string, shape: LegacyTermShape, batch = 2000): Promise<Term[]> {
  const p = `${prefix}:glossary`;
  const all: Term[] = [];
  for (let from = 0; from < shape.n; from += batch) {
    const terms: string[] = [];
    const approved: string[] = [];
    const freq: string[] = [];
    for (let i = from; i < Math.min(shape.n, from + batch); i++) {
      const t = legacyTerm(i, shape);
      all.push(t);
      terms.push(t.id, JSON.stringify(t));
      if (t.status === 'approved') approved.push(t.id, JSON.stringify({ ...t, history: undefined }));
      else freq.push(t.id, String(1 + (i % 13)));
    }
    const pipe = redis.pipeline().hset(`${p}:terms`, ...terms).hset(`${p}:freq`, ...freq);
    if (approved.length) pipe.hset(`${p}:approved`, ...approved);
    await pipe.exec();
  }
  await redis.mset(`${p}:layout`, '2', `${p}:rev`, '1', `${p}:seeded`, '1');
  return all;
}
