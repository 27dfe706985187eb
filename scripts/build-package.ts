/**
 * Builds what the npm package ships (run on `prepack`): the runtime code
 * compiled to JavaScript with .d.ts files in dist/, and beside it the files
 * that code reads at run time by its own location — locales, the seed
 * glossary, the language-detection model, the web page's stylesheet and its
 * prebuilt bundle. dist/ mirrors the source tree so those relative paths hold.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeClientBundle } from '../server/web/bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

function copy(from: string, keep: (name: string) => boolean): void {
  for (const entry of readdirSync(join(root, from), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue;
    const rel = join(entry.parentPath.slice(root.length + 1), entry.name);
    mkdirSync(dirname(join(dist, rel)), { recursive: true });
    cpSync(join(root, rel), join(dist, rel));
  }
}
copy('locales', (n) => n.endsWith('.json'));
copy('glossary', (n) => n.endsWith('.yaml'));
copy('pipeline/detect', (n) => n === 'model.bin');
copy('server/web/client', (n) => n === 'style.css');
const bundle = await writeClientBundle(join(dist, 'server', 'web', 'dist'));
process.stdout.write(`built ${dist} (web client ${bundle.slice(root.length + 1)})\n`);
