/** `/jobs`: recent jobs with live progress for the ones still running. */
import { get } from '../api.js';
import type { Page } from '../context.js';
import { h, replace, swapKeepingFocus } from '../dom.js';
import { errorBox, jobFailureText, statusBadge, targetStatus } from '../feedback.js';
import { formatDate, languageName, t } from '../i18n.js';
import { follow } from '../live.js';
import { href } from '../router.js';
import { TERMINAL, type JobView } from '../types.js';

/** Browsers allow six connections per host over HTTP/1.1: streams must leave room for everything else. */
const MAX_STREAMS = 4;
const PAGE = 50;

export function targetSummary(view: JobView): HTMLElement {
  return h(
    'ul',
    { class: 'targets' },
    // The reason for a failure is said once, in the status column.
    Object.entries(view.targets).map(([lang, s]) => h('li', { 'data-lang': lang }, languageName(lang), ' ', statusBadge(targetStatus(view, s.status)))),
  );
}

export function progressBar(view: JobView): HTMLElement {
  return h('progress', { max: 100, value: view.progress, 'aria-label': t('jobs.progressOf', { id: view.id }) }, `${view.progress}%`);
}

export const jobsPage: Page = (main) => {
  document.title = `${t('jobs.title')} · locflow`;
  const stops: (() => void)[] = [];
  let stopped = false;
  const body = h('tbody');
  const status = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading' }, t('jobs.loading')));

  const row = (view: JobView): HTMLTableRowElement =>
    h(
      'tr',
      { 'data-job': view.id, 'data-status': view.status },
      h(
        'td',
        { class: 'article' },
        h(
          'a',
          { href: href(`/jobs/${encodeURIComponent(view.id)}`), 'data-link': true, id: `job-link-${view.id}`, lang: !view.title && view.excerpt ? view.sourceLang : undefined },
          view.title || view.excerpt || view.id,
        ),
        view.title || view.excerpt ? h('span', { class: 'job-id' }, view.id) : null,
      ),
      // data-label: on a phone the table is a list of cards, and each cell says which column it was (style.css).
      h('td', { 'data-label': t('jobs.columns.source') }, languageName(view.sourceLang)),
      h('td', { 'data-label': t('jobs.columns.targets') }, targetSummary(view)),
      h('td', { 'data-label': t('jobs.columns.status') }, statusBadge(view.status), ' ', progressBar(view), view.error ? h('p', { class: 'error-text', title: view.error.message }, jobFailureText(view)) : null),
      h('td', { 'data-label': t('jobs.columns.submitted') }, formatDate(view.submittedAt)),
    );

  let shown = 0;
  let total = 0;
  const showCount = () => {
    replace(status, shown === 0 ? h('p', {}, t('jobs.empty'), ' ', h('a', { href: href('/'), 'data-link': true }, t('jobs.submitOne'))) : t('jobs.count', { count: shown, total }));
    more.hidden = shown >= total;
  };
  // Older jobs come a page at a time; keyboard focus moves to the first one added.
  const loadMore = async () => {
    more.disabled = true;
    try {
      const page = await get<{ jobs: JobView[]; total: number }>(`/v1/jobs?limit=${PAGE}&offset=${shown}`);
      if (stopped) return;
      // New submissions shift the list: a job already shown is not added twice.
      const fresh = page.jobs.filter((j) => !body.querySelector(`tr[data-job="${CSS.escape(j.id)}"]`));
      body.append(...fresh.map(row));
      shown += page.jobs.length;
      total = page.total;
      showCount();
      if (fresh[0]) document.getElementById(`job-link-${fresh[0].id}`)?.focus();
    } catch (err) {
      replace(status, errorBox(err));
    } finally {
      more.disabled = false;
    }
  };
  const more: HTMLButtonElement = h('button', { type: 'button', class: 'more', hidden: true, onclick: () => void loadMore() }, t('jobs.more'));

  const load = async () => {
    try {
      const first = await get<{ jobs: JobView[]; total: number }>(`/v1/jobs?limit=${PAGE}`);
      const jobs = first.jobs;
      if (stopped) return;
      for (const s of stops.splice(0)) s();
      replace(body, jobs.map(row));
      shown = jobs.length;
      total = first.total;
      showCount();
      for (const job of jobs.filter((j) => !TERMINAL.includes(j.status)).slice(0, MAX_STREAMS)) {
        stops.push(
          follow(job.id, (view) => {
            const old = body.querySelector(`tr[data-job="${CSS.escape(view.id)}"]`);
            if (old) swapKeepingFocus(old, row({ ...view, title: job.title, excerpt: job.excerpt }));
            // A finished job frees a stream for the next running one.
            if (TERMINAL.includes(view.status) && jobs.filter((j) => !TERMINAL.includes(j.status)).length > MAX_STREAMS) void load();
          }),
        );
      }
    } catch (err) {
      replace(status, errorBox(err));
    }
  };

  replace(
    main,
    h('h1', { tabindex: -1 }, t('jobs.title')),
    h('p', { class: 'lead' }, t('jobs.lead')),
    status,
    h(
      'table',
      { class: 'jobs stack' },
      h('caption', { class: 'visually-hidden' }, t('jobs.title')),
      h('thead', {}, h('tr', {}, ['article', 'source', 'targets', 'status', 'submitted'].map((c) => h('th', { scope: 'col' }, t(`jobs.columns.${c}`))))),
      body,
    ),
    more,
  );
  void load();
  return () => {
    stopped = true;
    for (const s of stops) s();
  };
};
