/**
 * Shared plumbing for every command: one clear line on stderr for a user's
 * mistake (exit 2), for a failed job (exit 1), and a stack trace only for bugs.
 */
import type { i18n } from 'i18next';
import { InputError, LocflowError, ProviderError } from '../pipeline/errors.js';
import { getI18n, renderError } from '../locales/i18n.js';
import { scrubberFor, type Scrub } from '../providers/secrets.js';

let scrubber: Scrub | undefined;
/**
 * What the CLI prints about engines, Redis and errors passes the deployment's
 * scrubber (the same as the API's and the workers'): a credential from the
 * environment or the LOCFLOW_CONFIG file is printed as `***`.
 */
export function scrubText(text: string): string {
  scrubber ??= scrubberFor(process.env);
  return scrubber(text);
}

export const EXIT_OK = 0;
export const EXIT_JOB_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** A failure that has already been reported and only needs an exit code. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message = '') {
    super(message);
  }
}

/** The error message in the CLI's language (`LOCFLOW_LANG`, else the POSIX locale variables), English when locflow has none. */
export function localizedMessage(i18n: i18n, err: LocflowError): string {
  return renderError(i18n, i18n.language, err);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof InputError) return EXIT_BAD_INPUT;
  if (err instanceof LocflowError || err instanceof ProviderError) return EXIT_JOB_FAILED;
  return EXIT_JOB_FAILED;
}

/** Wraps a command action: runs it, reports failure, sets the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.exitCode = await report(err);
    }
  };
}

export async function report(err: unknown): Promise<number> {
  const code = exitCodeFor(err);
  if (err instanceof ExitError) {
    if (err.message) process.stderr.write(`locflow: ${scrubText(err.message)}\n`);
    return code;
  }
  if (err instanceof LocflowError) {
    process.stderr.write(`locflow: ${scrubText(localizedMessage(await getI18n(), err))}\n`);
    if (process.env.LOCFLOW_DEBUG && err.cause) process.stderr.write(`${scrubText(String((err.cause as Error).stack ?? err.cause))}\n`);
    return code;
  }
  const { t } = await getI18n();
  process.stderr.write(`locflow: ${scrubText(t('cli:internalError', { detail: (err as Error)?.stack ?? String(err) }))}\n`);
  return code;
}

/** `en,vi , es` → `['en','vi','es']`. */
export function parseList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Commander argument parser for a comma-separated list option given more than
 * once: `--to en --to es` means both, where commander alone keeps only the last.
 */
export function joinList(value: string, previous: string | undefined): string {
  return previous === undefined ? value : `${previous},${value}`;
}
