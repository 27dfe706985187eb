/** Errors in plain words, and small status pieces shared by pages. */
import { ApiError } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network') return t('errors.network');
    if (err.status === 401) return t('errors.unauthorized');
    if (err.status === 403) return t('errors.forbidden');
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
