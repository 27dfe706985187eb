/**
 * One form of a bundle for download (`GET /v1/jobs/:id/bundle?format=…`,
 * `locflow download --format …`): which file, under what name and type.
 */
import { InputError, LocflowError } from '../errors.js';
import type { BundleFiles, Lang } from '../model.js';
import { zipBundle } from './bundle.js';
import { readEntry, zipDirectory, type ZipEntry } from './zip-entry.js';

export const DOWNLOAD_FORMATS = ['zip', 'json', 'xliff', 'tmx', 'i18next', 'csv', 'document'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

/** The translated article keeps the form it was submitted in: its type follows the extension writeBundle gave it. */
const DOCUMENT_TYPES: Record<string, string> = { txt: 'text/plain', md: 'text/markdown', html: 'text/html' };

export interface Download {
  filename: string;
  contentType: string;
  body: Uint8Array | string;
}

interface ManifestView {
  jobId: string;
  revision?: number;
  source: { lang: Lang };
  targets: { lang: Lang }[];
}

function manifestOf(files: BundleFiles): ManifestView {
  const raw = files.get('manifest.json');
  try {
    const m = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)) as ManifestView;
    if (typeof m.jobId === 'string' && typeof m.source?.lang === 'string' && Array.isArray(m.targets)) return m;
  } catch {
    // Reported below: a bundle without a readable manifest was not written by writeBundle.
  }
  throw new LocflowError('bundle-corrupt', 'the bundle has no readable manifest.json');
}

/** File names travel in Content-Disposition and land on disks: keep them to a portable alphabet. */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'bundle';
}

function fileOf(files: BundleFiles, path: string): string | Uint8Array {
  const body = files.get(path);
  if (body === undefined) throw new LocflowError('bundle-corrupt', `the bundle lacks ${path}`, { params: { path, context: 'missing' } });
  return body;
}

export function isDownloadFormat(value: string): value is DownloadFormat {
  return (DOWNLOAD_FORMATS as readonly string[]).includes(value);
}

/**
 * Picks the file for a format. `target` chooses the language for `xliff`
 * (a target language) and `i18next` (any language of the job); with a single
 * target it may be left out. Unknown format → 400, language not in the job → 404.
 */
export function selectDownload(files: BundleFiles, format: string, target?: Lang): Download {
  if (!isDownloadFormat(format)) {
    throw new InputError('unknown-format', `unknown bundle format "${format}"; use one of ${DOWNLOAD_FORMATS.join(', ')}`, {
      status: 400,
      details: { format, formats: DOWNLOAD_FORMATS.join(', '), context: 'bundle' },
    });
  }
  const m = manifestOf(files);
  const base = safeName(m.revision && m.revision > 1 ? `${m.jobId}-r${m.revision}` : m.jobId);
  const targets = m.targets.map((t) => t.lang);
  const all = [m.source.lang, ...targets];
  const find = (list: Lang[], lang: Lang) => list.find((l) => l.toLowerCase() === lang.toLowerCase());
  if (target !== undefined && target !== '' && !find(all, target)) {
    throw new InputError('unknown-target', `job ${m.jobId} has no language "${target}"; it has ${all.join(', ')}`, {
      status: 404,
      details: { target, job: m.jobId, languages: all.join(', ') },
    });
  }
  const pick = (list: Lang[], what: string): Lang => {
    if (target) {
      const found = find(list, target);
      if (found) return found;
      throw new InputError('unknown-target', `${what} exists for ${list.join(', ')}, not for "${target}"`, { status: 404, details: { target, what, languages: list.join(', '), context: 'file' } });
    }
    if (list.length === 1) return list[0]!;
    throw new InputError('target-required', `format ${format} needs a target language: one of ${list.join(', ')}`, { status: 400, details: { format, languages: list.join(', ') } });
  };
  switch (format) {
    case 'zip':
      return { filename: `${base}.zip`, contentType: 'application/zip', body: zipBundle(files) };
    case 'json':
      return { filename: `${base}.aligned.json`, contentType: 'application/json', body: fileOf(files, 'aligned.json') };
    case 'csv':
      return { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: fileOf(files, 'aligned.csv') };
    case 'tmx':
      return { filename: `${base}.tmx`, contentType: 'application/x-tmx+xml', body: fileOf(files, 'bundle.tmx') };
    case 'xliff': {
      const lang = pick(targets, 'XLIFF');
      return { filename: `${base}.${safeName(`${m.source.lang}-${lang}`)}.xlf`, contentType: 'application/x-xliff+xml', body: fileOf(files, `xliff/${m.source.lang}-${lang}.xlf`) };
    }
    case 'i18next': {
      const lang = pick(all, 'i18next resources');
      return { filename: `${base}.${safeName(lang)}.json`, contentType: 'application/json', body: fileOf(files, `locales/${lang}/article.json`) };
    }
    case 'document': {
      const lang = pick(all, 'the article');
      // A stored zip's file map is read lazily (it cannot list its names): ask for each extension the bundle may use.
      for (const [ext, type] of Object.entries(DOCUMENT_TYPES)) {
        const body = files.get(`documents/${lang}.${ext}`);
        if (body !== undefined) return { filename: `${base}.${safeName(lang)}.${ext}`, contentType: `${type}; charset=utf-8`, body };
      }
      throw new LocflowError('bundle-corrupt', `the bundle lacks documents/${lang}.*`, { params: { path: `documents/${lang}.*`, context: 'missing' } });
    }
  }
}

/** `Content-Disposition` value for a download, with the RFC 6266 / 5987 UTF-8 form alongside. */
export function contentDisposition(filename: string): string {
  const ascii = safeName(filename);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * The same Download as `selectDownload(filesOfZip(zip), format, target)` for
 * a single-file format, without inflating on the event loop: the zip's
 * directory says which files exist, selectDownload picks one (reading only
 * the manifest), and that one entry is inflated on the thread pool.
 * Not for `zip`, which is the stored zip itself.
 */
export async function downloadFromZip(zip: Uint8Array, format: string, target?: Lang): Promise<Download> {
  const dir = zipDirectory(zip);
  const manifestEntry = dir.get('manifest.json');
  const manifest = manifestEntry ? await readEntry(zip, manifestEntry) : undefined;
  // Stand-ins for the files selectDownload may pick: it only passes a body on, never reads it.
  const standIns = new Map<Uint8Array, ZipEntry>();
  const files: BundleFiles = new Map();
  files.get = (path: string) => {
    if (path === 'manifest.json') return manifest;
    const entry = dir.get(path);
    if (!entry) return undefined;
    const standIn = new Uint8Array(0);
    standIns.set(standIn, entry);
    return standIn;
  };
  const dl = selectDownload(files, format, target);
  // The whole bundle is the stored zip itself (selectDownload zipped no files: the stand-in map lists none).
  if (format === 'zip') return { ...dl, body: zip };
  const entry = typeof dl.body === 'string' ? undefined : standIns.get(dl.body);
  return entry ? { ...dl, body: await readEntry(zip, entry) } : dl;
}
