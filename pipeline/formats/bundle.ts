/**
 * Stage 7: the bundle. Pure: returns the files as a map; writing them to a
 * directory or sending the zip is the caller's I/O. Same input → same bytes.
 */
import { promisify } from 'node:util';
import { crc32, deflateRaw, deflateRawSync } from 'node:zlib';
import { strToU8, unzipSync, Zip, type ZipInputFile } from 'fflate';
import { InputError } from '../errors.js';
import type { BundleFiles, BundleInput, InlineXml, Lang, Segment, SourceDocument } from '../model.js';
import { extensionFor, renderDocument as realRenderDocument } from '../ingest.js';
import { joinBlocks as realJoinBlocks } from '../segment.js';
import { alignedJson, alignedJsonl, targetSegments, toAligned } from './aligned.js';
import { alignedCsv } from './csv.js';
import { i18nextJson } from './i18next.js';
import { buildManifest, qaJson } from './manifest.js';
import { TMX_PATH, writeTmx } from './tmx.js';
import { writeXliff, xliffPath } from './xliff.js';

export { toAligned } from './aligned.js';

/** The two stage functions documents are rebuilt with; replaceable in tests of this module. */
export interface DocumentRenderer {
  renderDocument(doc: SourceDocument, blocks: Map<number, InlineXml>, lang?: Lang): string;
  joinBlocks(segments: Segment[], texts: Map<string, InlineXml>, lang: Lang): Map<number, InlineXml>;
}

export interface BundleOptions {
  renderer?: DocumentRenderer;
}

// Language tags become file names; anything but a BCP-47-shaped tag could escape the bundle directory.
const LANG_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

function checkLanguages(input: BundleInput): void {
  const seen = new Set<string>();
  for (const lang of [input.analysis.sourceLang, ...input.targets.map((t) => t.lang)]) {
    if (!LANG_TAG.test(lang)) throw new InputError('bad-language', `"${lang}" is not a language tag`, { details: { lang } });
    if (seen.has(lang.toLowerCase())) throw new InputError('duplicate-language', `language ${lang} appears twice in the job`, { details: { lang } });
    seen.add(lang.toLowerCase());
  }
}

/** `documents/<lang>.<ext>` for the source and every target. */
export function writeDocuments(input: BundleInput, renderer: DocumentRenderer): Map<string, string> {
  const { analysis } = input;
  const ext = extensionFor(analysis.doc.format);
  const out = new Map<string, string>();
  // An empty map renders every block from the source itself.
  out.set(`documents/${analysis.sourceLang}.${ext}`, renderer.renderDocument(analysis.doc, new Map()));
  for (const [lang, byId] of targetSegments(input)) {
    const texts = new Map<string, InlineXml>();
    for (const [id, seg] of byId) texts.set(id, seg.text);
    out.set(`documents/${lang}.${ext}`, renderer.renderDocument(analysis.doc, renderer.joinBlocks(analysis.segments, texts, lang), lang));
  }
  return out;
}

/** Every file of the bundle (manifest, aligned, documents, locales, xliff, tmx, qa, csv, jsonl), paths sorted. */
export function writeBundle(input: BundleInput, options: BundleOptions = {}): BundleFiles {
  checkLanguages(input);
  const renderer = options.renderer ?? { renderDocument: realRenderDocument, joinBlocks: realJoinBlocks };
  const aligned = toAligned(input);
  const files = new Map<string, string | Uint8Array>();
  files.set('aligned.json', alignedJson(aligned));
  files.set('aligned.jsonl', alignedJsonl(aligned));
  files.set('aligned.csv', alignedCsv(aligned));
  for (const [path, body] of writeDocuments(input, renderer)) files.set(path, body);
  for (const lang of aligned.languages) files.set(`locales/${lang}/article.json`, i18nextJson(aligned, lang));
  for (const target of input.targets) files.set(xliffPath(input, target.lang), writeXliff(input, target));
  files.set(TMX_PATH, writeTmx(input));
  files.set('qa.json', qaJson(input));
  const paths = [...files.keys()].sort();
  files.set('manifest.json', `${JSON.stringify(buildManifest(input, paths), null, 2)}\n`);
  return new Map([...files.entries()].sort(([a], [b]) => (a === 'manifest.json' ? -1 : b === 'manifest.json' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Deflate level of the zip. A download bundle is opened once and is mostly
 * JSON and XML, which level 1 already shrinks about 4.5×; higher levels gain
 * a few percent for several times the CPU (docs/queue.md).
 */
const ZIP_LEVEL = 1;

/**
 * A zip of the files. Deterministic: entries in path order, manifest first,
 * and every entry stamped with the manifest's `createdAt` (falling back to
 * 1980-01-01, the earliest DOS date) instead of the current time. fflate
 * writes the container; the entries are deflated by Node's zlib, which does
 * the same work several times faster than a JavaScript deflate.
 */
export function zipBundle(files: BundleFiles): Uint8Array {
  const entries = zipEntries(files);
  return zipContainer(
    entries,
    entries.map((e) => deflateRawSync(e.data, { level: ZIP_LEVEL })),
    zipTime(files),
  );
}

const deflateRawAsync = promisify(deflateRaw);

/**
 * Bytes of a bundle deflated on the event loop, smallest entries first; the
 * rest go to the thread pool. A trip through the pool costs a worker process
 * about 0.7 ms of CPU per entry (a zlib stream, its callbacks, waking a pool
 * thread), more than deflating a 100 KB entry at level 1; and 512 KiB
 * deflate in 2–3 ms, about what translating one target holds the loop for.
 * So a typical bundle (~400 KB) is zipped inline and a large one holds the
 * loop no longer than that (docs/queue.md).
 */
export const ZIP_INLINE_BUDGET = 512 * 1024;

/**
 * The same bytes as zipBundle. Beyond ZIP_INLINE_BUDGET the entries are
 * deflated on libuv's thread pool: a worker that assembles a large bundle
 * keeps its event loop (and the jobs waiting on it) free meanwhile.
 */
export async function zipBundleAsync(files: BundleFiles): Promise<Uint8Array> {
  const entries = zipEntries(files);
  const inline = new Set<number>();
  let budget = ZIP_INLINE_BUDGET;
  for (const i of entries.map((_, i) => i).sort((a, b) => entries[a]!.data.length - entries[b]!.data.length)) {
    const size = entries[i]!.data.length;
    if (size > budget) break;
    budget -= size;
    inline.add(i);
  }
  const compressed = await Promise.all(entries.map((e, i) => (inline.has(i) ? deflateRawSync(e.data, { level: ZIP_LEVEL }) : deflateRawAsync(e.data, { level: ZIP_LEVEL }))));
  return zipContainer(entries, compressed, zipTime(files));
}

function zipEntries(files: BundleFiles): { path: string; data: Uint8Array }[] {
  const paths = [...files.keys()].sort((a, b) => (a === 'manifest.json' ? -1 : b === 'manifest.json' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return paths.map((path) => {
    const body = files.get(path)!;
    return { path, data: typeof body === 'string' ? strToU8(body) : body };
  });
}

function zipContainer(entries: { path: string; data: Uint8Array }[], compressed: Uint8Array[], stamp: Date): Uint8Array {
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else chunks.push(chunk);
  });
  entries.forEach(({ path, data }, i) => {
    const entry: ZipInputFile = { filename: path, mtime: stamp, size: data.length, crc: crc32(data), compression: 8 };
    zip.add(entry);
    // The whole entry at once: fflate hands it on when the entries before it are done, which they are.
    // zlib's output is a plain (never shared) buffer.
    entry.ondata!(null, compressed[i]! as Uint8Array<ArrayBuffer>, true);
  });
  zip.end();
  if (failure) throw failure;
  return Buffer.concat(chunks);
}

function zipTime(files: BundleFiles): Date {
  let iso: string | undefined;
  const manifest = files.get('manifest.json');
  if (typeof manifest === 'string') {
    try {
      iso = (JSON.parse(manifest) as { createdAt?: string }).createdAt;
    } catch {
      iso = undefined;
    }
  }
  const d = iso ? new Date(iso) : undefined;
  // fflate writes DOS times from local-time fields; building the Date from the
  // UTC fields makes the bytes the same in every time zone.
  if (!d || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1980 || d.getUTCFullYear() > 2107) return new Date(1980, 0, 1);
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

/**
 * The files of a stored bundle zip, inflated one at a time as they are asked
 * for: serving one file of a 48 000-segment bundle inflates that file only,
 * instead of rebuilding every format from the bundle input.
 */
export function filesOfZip(zip: Uint8Array): BundleFiles {
  const files: BundleFiles = new Map();
  const cached = files.get.bind(files);
  files.get = (path: string) => {
    const hit = cached(path);
    if (hit !== undefined) return hit;
    const one = unzipSync(zip, { filter: (f) => f.name === path })[path];
    if (one) files.set(path, one);
    return one;
  };
  return files;
}
