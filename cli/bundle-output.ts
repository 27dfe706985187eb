/** Writing a bundle where the user asked: a directory, or a zip when the path ends in `.zip`. */
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BundleFiles } from '../pipeline/model.js';
import { zipBundle } from '../pipeline/formats/bundle.js';
import { InputError } from '../pipeline/errors.js';

type Blocked = 'below-file' | 'no-permission' | 'dir-in-the-way';
const BLOCKED: Record<Blocked, (blocker: string) => string> = {
  'below-file': (b) => `${b} is a file, not a directory`,
  'no-permission': (b) => `no permission to write in ${b}`,
  'dir-in-the-way': (b) => `${b} is a directory where a file must be written`,
};

/** `context` names what is in the way so each language can say it; otherwise the system's error code is the detail. */
function cannotWrite(path: string, detail: string | { context: Blocked; blocker: string }, cause?: unknown): InputError {
  const text = typeof detail === 'string' ? detail : BLOCKED[detail.context](detail.blocker);
  const params = typeof detail === 'string' ? { path, detail } : { path, ...detail };
  return new InputError('out-unwritable', `cannot write ${path}: ${text}; choose another --out`, { cause, params });
}

async function kindOf(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a component of the path is a file; the ancestor walk names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw cannotWrite(path, code ?? (err as Error).message, err);
  }
}

/**
 * Refuses an `--out` that cannot take a bundle, before any translation work is
 * spent: an existing file where a directory is meant, a directory where a zip
 * is meant, a path below a file, a directory the user may not write in.
 */
export async function checkOutPath(out: string): Promise<void> {
  const target = resolve(out);
  const zip = target.endsWith('.zip');
  const kind = await kindOf(target);
  if (zip && kind === 'dir') {
    throw new InputError('out-not-zip', `--out ${out} is a directory; give a new .zip path, or the directory without .zip`, { params: { path: out } });
  }
  if (!zip && kind === 'file') {
    throw new InputError('out-not-directory', `--out ${out} is an existing file; give a directory, or a path ending in .zip`, { params: { path: out } });
  }
  // The nearest existing ancestor decides whether the missing directories can be made.
  let dir = zip || kind === undefined ? dirname(target) : target;
  for (;;) {
    const k = await kindOf(dir);
    if (k === 'file') throw cannotWrite(out, { context: 'below-file', blocker: dir });
    if (k === 'dir') break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw cannotWrite(out, { context: 'no-permission', blocker: dir }, err);
  }
}

/**
 * Stages the whole bundle next to its destination and moves it into place at
 * the end, so a failure (disk full, a file in the way) leaves no half bundle.
 */
export async function writeBundleTo(out: string, files: BundleFiles): Promise<string> {
  await checkOutPath(out);
  const target = resolve(out);
  const staging = `${target}.part-${process.pid}`;
  try {
    await mkdir(dirname(target), { recursive: true });
    if (target.endsWith('.zip')) {
      await writeFile(staging, zipBundle(files));
      await rename(staging, target);
      return target;
    }
    for (const [path, content] of files) {
      const file = join(staging, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    if ((await kindOf(target)) === undefined) {
      await rename(staging, target);
      return target;
    }
    // An existing directory (an earlier bundle, other files): check every
    // destination first, then replace file by file.
    for (const path of files.keys()) {
      for (let d = dirname(join(target, path)); d.length > target.length; d = dirname(d)) {
        if ((await kindOf(d)) === 'file') throw cannotWrite(out, { context: 'below-file', blocker: d });
      }
      if ((await kindOf(join(target, path))) === 'dir') throw cannotWrite(out, { context: 'dir-in-the-way', blocker: join(target, path) });
    }
    for (const path of files.keys()) {
      await mkdir(dirname(join(target, path)), { recursive: true });
      await rename(join(staging, path), join(target, path));
    }
    return target;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw cannotWrite(out, e.code ?? e.message, err);
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
  }
}

/** One file (an export, a download): written beside its destination and renamed, so a failure leaves the old file or none. */
export async function writeFileAtomic(out: string, content: string | Uint8Array): Promise<void> {
  const target = resolve(out);
  const kind = await kindOf(target);
  if (kind === 'dir') throw cannotWrite(out, { context: 'dir-in-the-way', blocker: target });
  for (let dir = dirname(target); ; dir = dirname(dir)) {
    const k = await kindOf(dir);
    if (k === 'file') throw cannotWrite(out, { context: 'below-file', blocker: dir });
    if (k === 'dir' || dirname(dir) === dir) break;
  }
  const staging = `${target}.part-${process.pid}`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(staging, content);
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { force: true }).catch(() => {});
    const e = err as NodeJS.ErrnoException;
    throw cannotWrite(out, e.code ?? e.message, err);
  }
}
