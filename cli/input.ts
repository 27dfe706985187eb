/** Reading the article a command works on: a file or stdin (`-`), never more than the input limit. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../pipeline/errors.js';
import { MAX_INPUT_BYTES } from '../pipeline/ingest.js';

export interface ArticleInput {
  bytes: Uint8Array;
  /** File name for format detection and messages; undefined for stdin. */
  filename?: string;
}

export async function readArticle(path: string, maxBytes = MAX_INPUT_BYTES): Promise<ArticleInput> {
  if (path === '-') return { bytes: await readLimited(process.stdin, maxBytes, 'stdin') };
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputError('not-a-file', `${path} is a directory, not an article file`, { params: { file: path } });
    size = info.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError('file-not-found', `cannot read ${path}: ${missing ? 'no such file' : (err as Error).message}`, {
      params: { file: path, detail: (err as Error).message, context: missing ? 'missing' : undefined },
    });
  }
  // Refuse oversized files before reading them: a 50 MB mistake should cost nothing.
  if (size > maxBytes) throw tooLarge(path, size, maxBytes);
  return { bytes: await readLimited(createReadStream(path), maxBytes, path), filename: basename(path) };
}

/** Reads a stream, giving up as soon as it passes `maxBytes`: a device or a pipe may never end. */
export async function readLimited(stream: NodeJS.ReadableStream, maxBytes: number, what: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > maxBytes) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw tooLarge(what, total, maxBytes);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function tooLarge(what: string, size: number, limit: number): InputError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new InputError('input-too-large', `${what} is larger than the ${mb(limit)} limit (${size >= limit ? `at least ${mb(size)}` : mb(size)})`, {
    status: 413,
    params: { what, sizeText: mb(size), limitText: mb(limit), context: size >= limit ? 'read-partial' : 'read' },
  });
}
