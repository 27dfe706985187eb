/** The glossary a local command applies: the given YAML files, or the seed files shipped in `glossary/`. */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_TBX_BYTES } from '../glossary/io/tbx.js';
import { GlossaryError, InputError } from '../pipeline/errors.js';
import { parseGlossaryYaml } from '../pipeline/glossary/index.js';
import { decodeBytes } from '../pipeline/ingest/decode.js';
import type { Term } from '../pipeline/model.js';
import { readLimited } from './input.js';

/** The same limit as a glossary import through the API. */
const MAX_GLOSSARY_BYTES = MAX_TBX_BYTES;

export const SEED_GLOSSARY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'glossary');

export async function loadGlossaryFiles(files: string[]): Promise<Term[]> {
  const paths = files.length > 0 ? files : await seedFiles();
  const terms: Term[] = [];
  for (const path of paths) {
    terms.push(...parseGlossaryYaml(await readGlossaryText(path), displayPath(path)));
  }
  return terms;
}

/**
 * A glossary file as text, decoded from its bytes: UTF-8 (BOM or not), UTF-16
 * with a BOM; anything else is refused rather than read with U+FFFD in place
 * of letters, which would make terms silently never match.
 */
export async function readGlossaryText(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    // Read with a limit: `--glossary /dev/zero` (or an endless pipe) must not fill memory.
    bytes = await readLimited(createReadStream(path), MAX_GLOSSARY_BYTES, displayPath(path));
  } catch (err) {
    if (err instanceof InputError) throw err;
    const detail = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new GlossaryError('glossary-unreadable', `cannot read glossary ${path}: ${detail}`, { params: { file: path, detail } });
  }
  return decodeBytes(bytes, displayPath(path));
}

async function seedFiles(): Promise<string[]> {
  const names = (await readdir(SEED_GLOSSARY_DIR)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return names.map((n) => join(SEED_GLOSSARY_DIR, n));
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
