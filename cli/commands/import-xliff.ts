/**
 * `locflow import-xliff JOB FILE`: sends a post-edited XLIFF 1.2 file to the
 * server (`POST /v1/jobs/:id/xliff`), which checks it against the job and
 * makes a new bundle revision. The file is only read here; all validation is
 * the server's, so the CLI and the HTTP API refuse exactly the same files.
 */
import { requireApiAnswer, serverTarget } from '../server-target.js';
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { getI18n, processLanguage } from '../../locales/i18n.js';
import { InputError, LocflowError } from '../../pipeline/errors.js';
import { MAX_XLIFF_BYTES } from '../../pipeline/postedit.js';
import { action } from '../run-command.js';

const TIMEOUT_MS = 60_000;

interface ImportOptions {
  server?: string;
  token?: string;
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
  const target = serverTarget(opts);
  const server = new URL(target.base);
  const token = target.token;
  const body = await readXliff(file);
  const result = await postXliff({ server, token, job, body });
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

/** Posts the file and returns the server's answer; a 4xx becomes an InputError carrying the server's code and message. */
export async function postXliff(req: { server: URL; token?: string; job: string; body: Uint8Array; fetchImpl?: typeof fetch }): Promise<ImportResult> {
  const url = new URL(`v1/jobs/${encodeURIComponent(req.job)}/xliff`, req.server.href.endsWith('/') ? req.server : `${req.server.href}/`);
  // The server answers errors in the CLI's language.
  const headers: Record<string, string> = { 'content-type': 'application/x-xliff+xml', accept: 'application/json', 'accept-language': processLanguage() };
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  let res: Response;
  try {
    res = await (req.fetchImpl ?? fetch)(url, { method: 'POST', headers, body: req.body as unknown as BodyInit, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as Error).cause;
    const detail = cause ? String((cause as Error).message ?? cause) : (err as Error).message;
    throw new LocflowError('server-unreachable', `cannot reach the locflow server at ${req.server.origin}: ${detail}`, {
      cause: err,
      details: { server: req.server.origin, url: req.server.origin, detail },
    });
  }
  requireApiAnswer(req.server.origin, res);
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (res.status >= 400 && res.status < 500) {
    const e = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new InputError(e?.code ?? `http-${res.status}`, e?.message ?? `the server refused the file (HTTP ${res.status})`, { status: res.status });
  }
  const ok = data as Partial<ImportResult> | undefined;
  if (!res.ok || !ok || typeof ok.revision !== 'number') {
    throw new LocflowError('server-error', `the locflow server failed (HTTP ${res.status})${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`, { details: { status: res.status, ...(text ? { detail: text.slice(0, 200).replace(/\s+/g, ' '), context: 'detail' } : {}) } });
  }
  return { id: ok.id ?? req.job, revision: ok.revision, lang: ok.lang, edited: Array.isArray(ok.edited) ? ok.edited : [] };
}
