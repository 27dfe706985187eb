/**
 * Validation of exported files against their published schemas, with Debian's
 * xmllint (libxml2-utils): XLIFF 1.2 against the OASIS strict XSD, TMX 1.4
 * against the LISA DTD. The schemas are the published files, kept in
 * test/schemas/ (the XML namespace schema the XSD imports by URL is resolved
 * there through an XML catalog), so validation never reaches the network.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROOT } from '../helpers.js';

const SCHEMAS = join(ROOT, 'test', 'schemas');
export const XLIFF_XSD = join(SCHEMAS, 'xliff-core-1.2-strict.xsd');
export const TMX_DTD = join(SCHEMAS, 'tmx14.dtd');

/** xmllint's complaints about the files (one call for all of them), or undefined when they all validate. */
function xmllint(files: { name: string; body: string | Uint8Array }[], args: string[]): string | undefined {
  if (files.length === 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'locflow-xmllint-'));
  try {
    const paths = files.map((f, i) => {
      const path = join(dir, `${i}-${basename(f.name)}`);
      writeFileSync(path, f.body);
      return path;
    });
    execFileSync('xmllint', ['--noout', '--nonet', ...args, ...paths], {
      env: { ...process.env, XML_CATALOG_FILES: join(SCHEMAS, 'catalog.xml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return undefined;
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer; message: string };
    if (e.code === 'ENOENT') throw new Error('xmllint is missing: install libxml2-utils (npm run setup does, as root)');
    // Name the files as the bundle does, not by their temporary paths.
    let text = e.stderr?.toString() || e.message;
    files.forEach((f, i) => (text = text.replaceAll(join(dir, `${i}-${basename(f.name)}`), f.name)));
    return text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Throws with xmllint's messages when `xml` is not valid XLIFF 1.2 (strict). */
export function assertValidXliff(xml: string | Uint8Array, name = 'file.xlf'): void {
  const problems = xmllint([{ name, body: xml }], ['--schema', XLIFF_XSD]);
  if (problems) throw new Error(`${name} fails xliff-core-1.2-strict.xsd:\n${problems}`);
}

/** Throws with xmllint's messages when `xml` is not valid TMX 1.4. */
export function assertValidTmx(xml: string | Uint8Array, name = 'file.tmx'): void {
  const problems = xmllint([{ name, body: xml }], ['--dtdvalid', TMX_DTD]);
  if (problems) throw new Error(`${name} fails the TMX 1.4 DTD:\n${problems}`);
}

type Files = Record<string, string | Uint8Array> | Map<string, string | Uint8Array>;

/** Every XLIFF and TMX file of one bundle or several (paths as in the zip), validated; returns how many there were. */
export function assertValidExports(bundles: Files | Files[]): number {
  const xliff: { name: string; body: string | Uint8Array }[] = [];
  const tmx: { name: string; body: string | Uint8Array }[] = [];
  for (const files of Array.isArray(bundles) ? bundles : [bundles]) {
    for (const [name, body] of files instanceof Map ? [...files] : Object.entries(files)) {
      if (name.endsWith('.xlf')) xliff.push({ name, body });
      else if (name.endsWith('.tmx')) tmx.push({ name, body });
    }
  }
  const problems = [xmllint(xliff, ['--schema', XLIFF_XSD]), xmllint(tmx, ['--dtdvalid', TMX_DTD])].filter(Boolean);
  if (problems.length) throw new Error(`exports fail their published schemas:\n${problems.join('\n')}`);
  return xliff.length + tmx.length;
}
