/**
 * The approved glossary the API analyses submissions with. The glossary store
 * (Redis, reviewed terms) is the source when the server has one; otherwise
 * the YAML seed files in `glossary/`. The compiled matcher is cached per
 * glossary version: compiling it per request would dominate the cost of a
 * submission.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileGlossary, glossaryVersion, parseGlossaryYaml } from '../pipeline/glossary/index.js';
import type { Term } from '../pipeline/model.js';
import type { GlossarySnapshot } from '../workers/submit.js';

export const SEED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'glossary');

type Source = () => Promise<{ terms: Term[]; version: string }>;

/** Wraps a term source with a per-version matcher cache. */
export function withMatcher(source: Source): () => Promise<GlossarySnapshot> {
  let cached: GlossarySnapshot | undefined;
  return async () => {
    const { terms, version } = await source();
    // Per submission this is a version comparison: filtering and compiling grow with the glossary, so they happen once per version.
    if (cached?.version !== version) {
      const approved = terms.filter((t) => t.status === 'approved');
      cached = { terms: approved, version, matcher: compileGlossary(approved) };
    }
    return cached;
  };
}

/** Approved terms from `glossary/*.yaml`, re-read only when a file changes. */
export function yamlTerms(dir = SEED_DIR): Source {
  let cache: { stamp: string; terms: Term[]; version: string } | undefined;
  return async () => {
    let names: string[] = [];
    try {
      names = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
    } catch {
      names = [];
    }
    const stamps = await Promise.all(names.map(async (n) => `${n}:${(await stat(join(dir, n))).mtimeMs}`));
    const stamp = stamps.join('|');
    if (cache?.stamp === stamp) return cache;
    const terms: Term[] = [];
    for (const n of names) terms.push(...parseGlossaryYaml(await readFile(join(dir, n), 'utf8'), `glossary/${n}`));
    const approved = terms.filter((t) => t.status === 'approved');
    cache = { stamp, terms: approved, version: glossaryVersion(approved) };
    return cache;
  };
}
