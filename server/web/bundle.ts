/**
 * The browser code is TypeScript under `client/`. esbuild bundles it with
 * i18next into one ES module: in memory when the server starts (about a
 * tenth of a second, so a fresh clone needs no build step), or from
 * `dist/` when `npm run build` wrote it and NODE_ENV is production. The
 * installed npm package ships that bundle and not the client's sources, so
 * there `dist/` is the only choice.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CLIENT_ENTRY = join(here, 'client', 'main.ts');
export const CLIENT_CSS = join(here, 'client', 'style.css');
export const DIST_DIR = join(here, 'dist');
const DIST_JS = join(DIST_DIR, 'app.js');

export interface ClientAssets {
  js: string;
  css: string;
  /** Short content hash: asset addresses change when the code does, so browsers may cache them for good. */
  version: string;
}

export async function bundleClient(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export async function loadClientAssets(env: NodeJS.ProcessEnv = process.env): Promise<ClientAssets> {
  const prebuilt = existsSync(DIST_JS) && (env.NODE_ENV === 'production' || !existsSync(CLIENT_ENTRY));
  const js = prebuilt ? readFileSync(DIST_JS, 'utf8') : await bundleClient();
  const css = readFileSync(CLIENT_CSS, 'utf8');
  const version = createHash('sha256').update(js).update(css).digest('hex').slice(0, 12);
  return { js, css, version };
}

/** `npm run build`: writes the bundle beside the sources for production start-ups (the package build: into its own `dist/`). */
export async function writeClientBundle(dir: string = DIST_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'app.js');
  await writeFile(file, await bundleClient());
  return file;
}
