/**
 * `locflow import-xliff JOB FILE`: sends a post-edited XLIFF 1.2 file to the
 * server (`POST /v1/jobs/:id/xliff`), which checks it against the job and
 * makes a new bundle revision. The file is only read here; all validation is
 * the server's, so the CLI and the HTTP API refuse exactly the same files.
 */
import { ApiClient, ApiRefusal, type ClientOptions } from '../api-client.js';
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { getI18n } from '../../locales/i18n.js';
import { InputError, LocflowError } from '../../pipeline/errors.js';
import { MAX_XLIFF_BYTES } from '../../pipeline/postedit.js';
import { action } from '../run-command.js';

interface ImportOptions extends ClientOptions {
  json?: boolean;
}

export interface ImportResult {
  id: string;
  revision: number;
  lang?: string;
  edited: string[];
}

export function registerImportXliff(program: Command): void {
  program
    .command('import-xliff')
    .description('send a post-edited XLIFF 1.2 file for one target of a job; the server makes a new bundle revision')
    .argument('<job>', 'job id')
    .argument('<file>', 'XLIFF 1.2 file exported from the job and edited in a CAT tool')
    .option('--server <url>', 'locflow server (default: $LOCFLOW_SERVER or http://127.0.0.1:3000)')
    .option('--token <token>', 'API token with the reviewer or admin role (default: $LOCFLOW_TOKEN)')
    .option('--json', 'print the server answer as JSON on stdout')
    .action(action(async (job: string, file: string, opts: ImportOptions) => importXliff(job, file, opts)));
}

async function importXliff(job: string, file: string, opts: ImportOptions): Promise<void> {
  const { t } = await getI18n();
  const client = new ApiClient(opts, t);
  const body = await readXliff(file);
  const result = await postXliff(client, job, body);
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else if (result.edited.length === 0) process.stderr.write(`${t('formats:importXliff.unchanged', { job: result.id, revision: result.revision })}\n`);
  else process.stderr.write(`${t('formats:importXliff.done', { job: result.id, lang: result.lang ?? '?', count: result.edited.length, revision: result.revision })}\n`);
}

async function readXliff(file: string): Promise<Uint8Array> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InputError('file-unreadable', `${file} is not a file`, { details: { file, context: 'not-file' } });
    if (info.size > MAX_XLIFF_BYTES) {
      throw new InputError('xliff-too-large', `${file} is ${info.size} bytes; the limit is ${MAX_XLIFF_BYTES}`, { details: { file, size: info.size, limit: MAX_XLIFF_BYTES, context: 'file' } });
    }
    return new Uint8Array(await readFile(file));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('file-unreadable', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err, details: { file, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message } });
  }
}

/**
 * Posts the file and returns the server's answer. A refused file reads as the
 * server's own sentence under the server's code, as the API would give it:
 * the reason is about the file, not about talking to the server.
 */
async function postXliff(client: ApiClient, job: string, body: Uint8Array): Promise<ImportResult> {
  let ok: Partial<ImportResult>;
  try {
    ok = await client.json<Partial<ImportResult>>('POST', `/v1/jobs/${encodeURIComponent(job)}/xliff`, { raw: body, type: 'application/x-xliff+xml' });
  } catch (err) {
    if (!(err instanceof ApiRefusal)) throw err;
    const e = err.error;
    if (err.status < 500) throw new InputError(e?.code ?? `http-${err.status}`, e?.message ?? `the server refused the file (HTTP ${err.status})`, { status: err.status });
    throw serverError(err.status, e?.message);
  }
  // The route answers 200; JSON without a revision is a server this CLI does not understand.
  if (typeof ok?.revision !== 'number') throw serverError(200, JSON.stringify(ok));
  return { id: ok.id ?? job, revision: ok.revision, lang: ok.lang, edited: Array.isArray(ok.edited) ? ok.edited : [] };
}

function serverError(status: number, text: string | undefined): LocflowError {
  const detail = text?.slice(0, 200).replace(/\s+/g, ' ');
  return new LocflowError('server-error', `the locflow server failed (HTTP ${status})${detail ? `: ${detail}` : ''}`, { details: { status, ...(detail ? { detail, context: 'detail' } : {}) } });
}
