/**
 * `npm run bench -- glossary-store`: what one article submission costs the
 * glossary store in the API, with 5 000 proposed terms in Redis: reading the
 * approved glossary (cached per version) and recording the article's
 * suggestions. Ours records them with one script call on per-form indexes;
 * the baseline is the previous approach, run in the same process on the same
 * Redis: read every term back (MULTI GET rev + HGETALL), merge in JavaScript,
 * write the changed terms with a compare-and-set script. Both see the same
 * approved terms, the same proposals and the same candidates (those
 * `suggestTerms` finds in the sample article), and both must count the same
 * frequencies or the benchmark throws.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { toTerm } from '../glossary/schema.js';
import { createGlossaryStore, type SuggestionInput } from '../glossary/store.js';
import { deriveTermId, parseGlossaryYaml } from '../pipeline/glossary/index.js';
import type { Lang, Term } from '../pipeline/model.js';
import { suggestTerms } from '../pipeline/suggest.js';
import { withMatcher } from '../server/terms.js';
import type { Benchmark, Figure } from './figure.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROPOSALS = 5000;
const ROUNDS = 200;

function readSample(): string {
  try {
    return readFileSync(join(ROOT, '..', 'shared', 'samples', 'deepseek.fr.txt'), 'utf8');
  } catch {
    return readFileSync(join(ROOT, 'samples', 'open-models.fr.txt'), 'utf8');
  }
}

/** The previous store's write script: refuses when the revision moved. KEYS: terms, approved, rev. */
const OLD_APPLY = `
local rev = redis.call('GET', KEYS[3]) or '0'
if rev ~= ARGV[1] then return 0 end
for _, p in ipairs(cjson.decode(ARGV[2])) do
  redis.call('HSET', KEYS[1], p[1], p[2])
  if p[3] == '' then redis.call('HDEL', KEYS[2], p[1]) else redis.call('HSET', KEYS[2], p[1], p[3]) end
end
redis.call('INCR', KEYS[3])
return 1
`;

/** The previous `recordSuggestions`: a snapshot of every term, the merge in JavaScript, a compare-and-set write. */
export async function snapshotRecord(redis: Redis, prefix: string, candidates: SuggestionInput[], lang: Lang, source: string): Promise<void> {
  const keys = { terms: `${prefix}:glossary:terms`, approved: `${prefix}:glossary:approved`, rev: `${prefix}:glossary:rev` };
  for (;;) {
    const res = (await redis.multi().get(keys.rev).hgetall(keys.terms).exec())!;
    const rev = (res[0]![1] as string | null) ?? '0';
    const terms = Object.values(res[1]![1] as Record<string, string>).map((j) => JSON.parse(j) as Term);
    const formKey = (l: Lang, form: string) => `${l.toLowerCase()}\n${form.toLowerCase()}`;
    const byForm = new Map<string, Term>();
    const keepForms = new Map<string, Term>();
    for (const t of terms) {
      for (const f of [t.term, ...t.variants]) {
        byForm.set(formKey(t.lang, f), t);
        if (t.kind === 'keep') keepForms.set(f.toLowerCase(), t);
      }
    }
    const put = new Map<string, Term>();
    for (const c of candidates) {
      const l = c.lang ?? lang;
      const found = byForm.get(formKey(l, c.term)) ?? keepForms.get(c.term.toLowerCase());
      const existing = found && (put.get(found.id) ?? found);
      if (existing && existing.status !== 'proposed') continue;
      let t: Term;
      if (existing) {
        t = { ...existing, frequency: (existing.frequency ?? 0) + c.frequency };
        if (t.example === undefined && c.example) t.example = c.example;
      } else {
        t = toTerm({ term: c.term, lang: l, kind: c.kind ?? 'keep', status: 'proposed', frequency: c.frequency, ...(c.example ? { example: c.example.slice(0, 2000) } : {}) });
        t.history = [{ at: new Date().toISOString(), by: source, action: 'suggest' }];
      }
      put.set(t.id, t);
      byForm.set(formKey(l, c.term), t);
    }
    const ops = [...put.values()].map((t) => [t.id, JSON.stringify(t), '']);
    if ((await redis.eval(OLD_APPLY, 3, keys.terms, keys.approved, keys.rev, rev, JSON.stringify(ops))) === 1) return;
  }
}

/** Records every command's reply so that the bytes read can be summed. */
function meter(redis: Redis): { reset(): void; bytes(): Promise<number>; commands(): number } {
  let replies: Promise<unknown>[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { promise: Promise<unknown> }, ...rest: unknown[]) => {
    replies.push(command.promise.catch(() => undefined));
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  const sizeOf = (v: unknown): number =>
    typeof v === 'string' ? Buffer.byteLength(v)
    : typeof v === 'number' ? String(v).length
    : Array.isArray(v) ? v.reduce((n: number, x) => n + sizeOf(x), 0)
    : v && typeof v === 'object' ? Object.entries(v).reduce((n, [k, x]) => n + Buffer.byteLength(k) + sizeOf(x), 0)
    : 0;
  return {
    reset: () => (replies = []),
    bytes: async () => (await Promise.all(replies)).reduce((n: number, r) => n + sizeOf(r), 0),
    commands: () => replies.length,
  };
}

async function run(): Promise<Figure[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const tag = randomBytes(5).toString('hex');
  const ours = `{lfbench-gs-${tag}}`;
  const base = `{lfbench-gs0-${tag}}`;
  try {
    await redis.ping();
    const seed = parseGlossaryYaml(readFileSync(join(ROOT, 'glossary', 'tech.yaml'), 'utf8'), 'tech.yaml');
    const approved = seed.filter((t) => t.status === 'approved');
    // Found without the approved terms (the API passes them and would get one candidate from this well-covered sample), so that
    // one submission also meets approved terms to skip; every store lookup path runs.
    const candidates = suggestTerms(readSample(), 'fr', []).map(({ term, lang, frequency, example, kind }) => ({ term, lang, frequency, example, kind }));
    // Proposals from earlier articles, among them every candidate of this one, so that a submission merges as it would in steady use.
    const earlier: SuggestionInput[] = [
      ...candidates,
      ...Array.from({ length: PROPOSALS - candidates.length }, (_, i) => ({ term: `Zorgon${i}`, lang: 'fr', frequency: 1 + (i % 5), example: `Le modèle Zorgon${i} a été présenté lundi par la start-up.` })),
    ];
    const actor = { role: 'admin' as const, name: 'bench' };

    const store = createGlossaryStore({ redis, prefix: ours, suggestions: { perArticle: 0 } });
    await store.importTerms(seed, actor);
    await store.recordSuggestions(earlier, { source: 'earlier' });
    // The baseline store holds the same terms in the previous layout (frequency and example inside each term's JSON).
    const baseStore = createGlossaryStore({ redis, prefix: base });
    await baseStore.importTerms(seed, actor);
    const terms = await store.all();
    await redis.hset(`${base}:glossary:terms`, Object.fromEntries(terms.map((t) => [t.id, JSON.stringify(t)])));
    if ((await redis.hlen(`${base}:glossary:terms`)) !== terms.length || terms.length < PROPOSALS) throw new Error('glossary-store bench: the stores were not filled');

    const ourGlossary = withMatcher(() => store.approvedTerms());
    const baseGlossary = withMatcher(() => baseStore.approvedTerms());
    const ourSubmission = async (i: number) => {
      const g = await ourGlossary();
      if (g.terms.length !== approved.length) throw new Error('glossary-store bench: wrong approved terms');
      await store.recordSuggestions(candidates, { lang: 'fr', source: `job-${i}` });
    };
    const baseSubmission = async (i: number) => {
      await baseGlossary();
      await snapshotRecord(redis, base, candidates, 'fr', `job-${i}`);
    };
    // Warm-up: scripts loaded, matchers compiled, JIT settled on both paths.
    for (let i = 0; i < 5; i++) {
      await ourSubmission(i);
      await baseSubmission(i);
    }

    const m = meter(redis);
    const measure = async (submit: (i: number) => Promise<void>, rounds: number) => {
      m.reset();
      const t0 = performance.now();
      for (let i = 0; i < rounds; i++) await submit(i);
      const ms = (performance.now() - t0) / rounds;
      return { ms, bytes: (await m.bytes()) / rounds, commands: m.commands() / rounds };
    };
    const baseRounds = Math.max(20, ROUNDS / 4);
    const ids = [...new Set(candidates.map((c) => deriveTermId('fr', c.term)))];
    const counts = async () => {
      const mine = new Map((await store.all()).map((t) => [t.id, t.frequency ?? 0]));
      const theirs = new Map((await redis.hvals(`${base}:glossary:terms`)).map((j) => JSON.parse(j) as Term).map((t) => [t.id, t.frequency ?? 0]));
      return ids.map((id) => [mine.get(id) ?? 0, theirs.get(id) ?? 0] as const);
    };
    const before = await counts();
    const o = await measure(ourSubmission, ROUNDS);
    const b = await measure(baseSubmission, baseRounds);
    // Same work: each candidate's term gained the same amount per submission in both stores.
    const after = await counts();
    let grown = 0;
    for (const [i, [mine, theirs]] of after.entries()) {
      const ourGain = (mine - before[i]![0]) / ROUNDS;
      const baseGain = (theirs - before[i]![1]) / baseRounds;
      if (ourGain !== baseGain) throw new Error(`glossary-store bench: ${ids[i]} gained ${ourGain} per submission here and ${baseGain} in the baseline`);
      if (ourGain > 0) grown++;
    }
    if (grown === 0) throw new Error('glossary-store bench: no candidate was counted');

    const label = `full snapshot (${terms.length} terms, ${candidates.length} candidates)`;
    return [
      { name: 'glossary-store-ms-per-submission', ours: o.ms, baseline: b.ms, baselineName: label, unit: 'ms', better: 'lower' },
      { name: 'glossary-store-bytes-read-per-sub', ours: o.bytes, baseline: b.bytes, baselineName: 'full snapshot', unit: 'bytes', better: 'lower' },
      { name: 'glossary-store-commands-per-sub', ours: o.commands, baseline: b.commands, baselineName: 'full snapshot', unit: 'commands', better: 'lower' },
    ];
  } finally {
    for (const p of [ours, base]) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  }
}

const bench: Benchmark = {
  name: 'glossary-store',
  description: `glossary store cost of one article submission in the API (cached approved glossary + recording its suggestions) with ${PROPOSALS} proposals, against reading the whole glossary back per submission`,
  run,
};
export default bench;
