/** Stage 7: the bundle. (stub: owned by the formats work) */
import type { AlignedDocument, BundleFiles, BundleInput } from '../model.js';

export function toAligned(_input: BundleInput): AlignedDocument {
  throw new Error('not implemented');
}

/** Every file of the bundle (manifest, aligned, documents, locales, xliff, tmx, qa, csv, jsonl). */
export function writeBundle(_input: BundleInput): BundleFiles {
  throw new Error('not implemented');
}

/** A zip of the files (deterministic: fixed order and timestamps). */
export function zipBundle(_files: BundleFiles): Uint8Array {
  throw new Error('not implemented');
}
