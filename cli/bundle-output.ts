/** Writing a bundle where the user asked: a directory, or a zip when the path ends in `.zip`. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BundleFiles } from '../pipeline/model.js';
import { zipBundle } from '../pipeline/formats/bundle.js';

export async function writeBundleTo(out: string, files: BundleFiles): Promise<string> {
  const target = resolve(out);
  if (target.endsWith('.zip')) {
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.part-${process.pid}`;
    await writeFile(tmp, zipBundle(files));
    await rename(tmp, target);
    return target;
  }
  for (const [path, content] of files) {
    const file = join(target, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return target;
}
