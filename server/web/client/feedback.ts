/** Errors in plain words, and small status pieces shared by pages. */
import { ApiError } from './api.js';
import { h } from './dom.js';
import { currentLanguage, t } from './i18n.js';
import { TERMINAL, type JobStatus, type JobView } from './types.js';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network') return t('errors.network');
    if (err.status === 401) return t('errors.unauthorized');
    if (err.status === 403) return t('errors.forbidden');
    // Redis away: the server's own sentence says it plainly and says to retry.
    if (err.status === 503 && err.code === 'unavailable') return err.message || t('errors.generic');
    if (err.status >= 500) return t('errors.server', { message: err.message });
    return err.message || t('errors.generic');
  }
  return t('errors.generic');
}

export function errorBox(err: unknown): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, errorText(err));
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}` }, t(`status.${status}`, { defaultValue: status }));
}

/**
 * A target still queued or running inside a job that has ended will never
 * move again (a sibling failed, or the job was cancelled): it is shown as
 * stopped rather than as running.
 */
export function targetStatus(job: JobView, status: JobStatus): string {
  return TERMINAL.includes(job.status) && !TERMINAL.includes(status) ? 'stopped' : status;
}

const JOB_ERRORS = new Set([
  'provider-unavailable',
  'provider-timeout',
  'provider-auth',
  'provider-quota',
  'provider-rate-limit',
  'provider-unsupported-pair',
  'provider-bad-response',
  'provider-bad-request',
  'provider-not-configured',
  'unavailable',
]);

/** The engine a job's error names: its `provider` param, else read from an English `[target: ]provider: detail`. */
function providerOf(job: JobView): string {
  const named = job.error?.params?.provider;
  if (typeof named === 'string' && named) return named;
  let message = job.error?.message ?? '';
  const lead = /^([A-Za-z0-9-]+): /.exec(message);
  if (lead && lead[1]! in job.targets) message = message.slice(lead[0].length);
  return /^([a-z][\w.-]*(?::[\w.-]+)?): /.exec(message)?.[1] ?? job.provider ?? t('jobError.someProvider');
}

/**
 * Why a job failed, as a sentence for the person who submitted it (what
 * happened, what to do), from the error code. The server's own message stays
 * available as the technical detail under it.
 */
export function jobFailureText(job: JobView): string | undefined {
  if (!job.error) return undefined;
  const code = JOB_ERRORS.has(job.error.code) ? job.error.code : 'other';
  return t(`jobError.${code}`, { provider: providerOf(job) });
}

export function jobFailure(job: JobView): HTMLElement | null {
  if (!job.error) return null;
  return h(
    'div',
    { class: 'error job-error' },
    h('p', { class: 'plain' }, jobFailureText(job)),
    h('details', {}, h('summary', {}, t('jobError.details')), h('p', { class: 'detail', lang: currentLanguage() }, job.error.message)),
  );
}
