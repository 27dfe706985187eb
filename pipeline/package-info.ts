/**
 * locflow's own package.json. The sources sit one folder below it and the
 * compiled package (`dist/…`) two, so a fixed `../package.json` is wrong in one
 * of them: walk up from this file to the first package.json named locflow.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'locflow' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`locflow's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The version of this locflow (package.json `version`). */
export function locflowVersion(): string {
  cached ??= find();
  return cached.version;
}
