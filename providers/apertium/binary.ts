/**
 * Apertium through the local `apertium` command. The installed pairs are the
 * mode files in the modes directory (`fr-es.mode`, `spa-eng.mode`, …); one
 * process translates a whole batch: each segment goes in as its own `<p>` so
 * that Apertium's HTML deformatter keeps the segments apart and leaves our
 * `<g>`/`<x>` placeholders alone.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ProviderError } from '../../pipeline/errors.js';
import type { Lang } from '../../pipeline/model.js';
import type { LanguagePair } from '../contract.js';
import { engineCodeToLang, langMatches } from '../langs.js';

export const DEFAULT_MODES_DIR = '/usr/share/apertium/modes';

export interface ModePair extends LanguagePair {
  /** The mode to pass to `apertium`, e.g. `spa-eng`. */
  mode: string;
}

/** Finds an executable on PATH without running it. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pairs from mode file names. `eco-*` modes are debug/alternative pipelines and
 * are skipped; a variant mode (`spa-eng_US`) becomes a pair of its own
 * (`es`→`en-US`) only when it names a real region, and the plain mode is
 * preferred for the plain language.
 */
export function modesToPairs(modeNames: string[]): ModePair[] {
  const pairs: ModePair[] = [];
  const seen = new Set<string>();
  for (const mode of [...modeNames].sort((a, b) => a.length - b.length || a.localeCompare(b))) {
    if (mode.startsWith('eco-')) continue;
    const m = /^([a-z]{2,3}(?:_[A-Za-z0-9]+)?)-([a-z]{2,3}(?:_[A-Za-z0-9]+)?)$/.exec(mode);
    if (!m) continue;
    const from = engineCodeToLang(m[1]!);
    const to = engineCodeToLang(m[2]!);
    if (!from || !to || from === to) continue;
    const key = `${from}>${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ from, to, mode });
  }
  return pairs;
}

export function readModes(modesDir: string): ModePair[] {
  let files: string[];
  try {
    files = readdirSync(modesDir);
  } catch {
    return [];
  }
  return modesToPairs(files.filter((f) => f.endsWith('.mode')).map((f) => f.slice(0, -'.mode'.length)));
}

export function findMode(pairs: ModePair[], from: Lang, to: Lang): ModePair | undefined {
  return (
    pairs.find((p) => p.from === from && p.to === to) ??
    pairs.find((p) => langMatches(p.from, from) && langMatches(p.to, to))
  );
}

export interface RunOptions {
  binary: string;
  modesDir: string;
  mode: string;
  input: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Runs one `apertium -u -f html MODE FILE` process and returns its stdout. The
 * input goes through a temporary file, not stdin: Node gives a child a socket
 * rather than a pipe, and Apertium's Transfuse deformatter cannot read a socket
 * ("Could not detect input stream format").
 */
export async function runApertium(options: RunOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'locflow-apertium-'));
  try {
    const file = join(dir, 'in.html');
    await writeFile(file, options.input, 'utf8');
    return await spawnApertium(options, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnApertium(options: RunOptions, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['-u', '-f', 'html'];
    if (options.modesDir !== DEFAULT_MODES_DIR) args.push('-d', options.modesDir);
    args.push(options.mode, file);
    const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, timeout: options.timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new ProviderError('apertium', 'unavailable', `could not run ${options.binary}: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const detail = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' ');
      // The apertium script can exit 0 after a stage of its pipeline aborted: empty output is a failure too.
      if (code === 0 && (stdout.trim() !== '' || options.input.trim() === '')) return resolve(stdout);
      if (code === 0) return reject(new ProviderError('apertium', 'bad-response', `apertium ${options.mode} produced no output: ${detail || 'no message'}`));
      if (sig) {
        return reject(new ProviderError('apertium', 'timeout', `apertium ${options.mode} was stopped (${sig}) after ${options.timeoutMs} ms or on cancel`));
      }
      reject(new ProviderError('apertium', 'unavailable', `apertium ${options.mode} exited with ${code}: ${detail || 'no message'}`));
    });
  });
}

/** `<p>seg</p>` per segment, one per line. */
export function joinForApertium(texts: string[]): string {
  return texts.map((t) => `<p>${t}</p>`).join('\n');
}

/** The inverse of joinForApertium; undefined when the output does not have exactly `n` blocks. */
export function splitFromApertium(output: string, n: number): string[] | undefined {
  const parts = [...output.matchAll(/<p>([\s\S]*?)<\/p>/gi)].map((m) => m[1]!.trim());
  return parts.length === n ? parts : undefined;
}
