/**
 * `/jobs/:id`: progress while the job runs; once done, every language side by
 * side per segment, glossary terms highlighted, QA findings marked, and a
 * download link for every format of the bundle.
 */
import i18next from 'i18next';
import { del, get, upload } from '../api.js';
import { can, type Page } from '../context.js';
import { h, highlight, markRanges, replace, replaceKeepingFocus, type Needle } from '../dom.js';
import { errorBox, errorText, jobFailure, statusBadge, targetStatus } from '../feedback.js';
import { currentLanguage, formatDate, formatPercent, languageName, t } from '../i18n.js';
import { follow } from '../live.js';
import { href } from '../router.js';
import { TERMINAL, type AlignedDocument, type JobView, type QaFinding, type Term } from '../types.js';
import { progressBar } from './jobs.js';
import { startEditor } from './editor.js';

function bundleUrl(id: string, format?: string, target?: string): string {
  const q = new URLSearchParams();
  if (format) q.set('format', format);
  if (target) q.set('target', target);
  const s = q.toString();
  return `/v1/jobs/${encodeURIComponent(id)}/bundle${s ? `?${s}` : ''}`;
}

function downloads(view: JobView): HTMLElement {
  const targets = Object.keys(view.targets);
  const link = (label: string, format?: string, target?: string) =>
    h('li', {}, h('a', { href: bundleUrl(view.id, format, target), download: '', 'data-format': format ?? 'zip', 'data-target': target }, label));
  return h(
    'section',
    { class: 'downloads', 'aria-labelledby': 'dl-title' },
    h('h2', { id: 'dl-title' }, t('job.downloads')),
    h(
      'ul',
      {},
      link(t('job.formats.zip'), undefined),
      link(t('job.formats.json'), 'json'),
      link(t('job.formats.csv'), 'csv'),
      link(t('job.formats.tmx'), 'tmx'),
      targets.map((l) => link(t('job.formats.xliff', { language: languageName(l) }), 'xliff', l)),
      [view.sourceLang, ...targets].map((l) => link(t('job.formats.i18next', { language: languageName(l) }), 'i18next', l)),
    ),
  );
}

/**
 * What to highlight in one language's text: the glossary's target form of
 * each term the segment used (the term itself for keep terms, or when the
 * glossary has changed since), with the term's case rule.
 */
function termForms(surfaces: string[], lang: string, source: boolean, glossary: Map<string, Term>): Needle[] {
  return surfaces.flatMap((s) => {
    const term = glossary.get(s.toLocaleLowerCase());
    const caseSensitive = term?.caseSensitive ?? false;
    const form = !source && term?.kind === 'translate' ? term.translations[lang] : undefined;
    if (form) return [{ text: form, caseSensitive }];
    // The bundle names the term; the text may hold one of its variants (`startup` for `start-up`).
    return [s, ...(term ? [term.term, ...term.variants] : [])].map((text) => ({ text, caseSensitive }));
  });
}

/**
 * A QA finding in the page's language, from its code (`qa:<code>`) and params;
 * language codes among the params are named in that language. Findings made
 * before codes existed, or with a code this page does not know, keep the
 * bundle's English sentence — and say so with `lang="en"`.
 */
export function findingText(f: QaFinding): { text: string; lang: string } {
  const lng = currentLanguage();
  if (lng === 'en' || !f.code || !i18next.exists(`qa:${f.code}`, { lng, ...(f.params ?? {}) })) return { text: f.message, lang: 'en' };
  const values: Record<string, unknown> = { ...f.params };
  for (const name of ['to', 'from', 'reads']) {
    const code = values[name];
    if (typeof code !== 'string') continue;
    const named = languageName(code);
    // Vietnamese names a language in lower case inside a sentence ("tiếng Việt").
    values[name] = lng === 'vi' ? named.charAt(0).toLowerCase() + named.slice(1) : named;
  }
  if (typeof values.confidence === 'number') values.confidence = formatPercent(values.confidence);
  return { text: i18next.t(`qa:${f.code}`, { ...values, lng, defaultValue: f.message }) as string, lang: lng };
}

/**
 * One finding as a list item. A finding about a person's text (origin
 * `human`) is a reviewer's warning: it says what the reviewer's sentence
 * breaks, and never blames an engine.
 */
export function findingItem(f: QaFinding): HTMLElement {
  const said = findingText(f);
  const human = f.origin === 'human';
  return h(
    'li',
    { class: `finding sev-${f.severity}${human ? ' origin-human' : ''}`, 'data-code': f.code, 'data-origin': f.origin ?? 'machine' },
    human ? h('span', { class: 'origin' }, `${t('editor.reviewerWarning')} · `) : null,
    h('span', { class: 'sev' }, `${t(`job.severity.${f.severity}`)} · ${f.check}: `),
    h('span', { class: 'finding-text', lang: said.lang }, said.text),
  );
}

function findingsOf(meta: AlignedDocument['segments'][number]['meta'][string] | undefined): QaFinding[] {
  return meta?.qa ?? [];
}

type Segment = AlignedDocument['segments'][number];

/**
 * One language's text with its glossary terms marked. The bundle says where
 * each term stands in the source (in the source's own words, whatever its
 * language) and what each target must read, so the source is marked at those
 * places and each target where its rendering occurs; each mark carries the
 * term id, so one term can be followed across the row. Bundles made before
 * that are marked from the glossary names they list.
 */
function markedText(seg: Segment, lang: string, isSource: boolean, byId: Map<string, Term>, byName: Map<string, Term>): Node[] {
  const text = seg.text[lang] ?? '';
  const attrs = { class: 'term', title: t('job.termMark') };
  const metas = Object.values(seg.meta);
  if (metas.some((m) => m.matches)) {
    const term = (id: string) => ({ 'data-term': id });
    if (isSource) {
      const found = metas.find((m) => m.matches)?.matches ?? [];
      return markRanges(text, found.map((m) => ({ start: m.start, end: m.end, attrs: term(m.id) })), attrs);
    }
    const needles = (seg.meta[lang]?.matches ?? [])
      .filter((m) => m.target)
      .map((m) => ({ text: m.target!, caseSensitive: byId.get(m.id)?.caseSensitive ?? false, attrs: term(m.id) }));
    return highlight(text, needles, attrs);
  }
  const names = isSource ? [...new Set(metas.flatMap((m) => m.terms))] : (seg.meta[lang]?.terms ?? []);
  return highlight(text, termForms(names, lang, isSource, byName), attrs);
}

/**
 * On a phone (style.css shows it below 40rem) every segment stacks all its
 * languages; with several targets a reader may keep the source and one of
 * them. Cells of the other targets get `lang-off`, which only the phone
 * layout hides, so a wider window still shows every column.
 */
function languagePicker(doc: AlignedDocument): HTMLElement | null {
  const targets = doc.languages.filter((l) => l !== doc.sourceLang);
  if (targets.length < 2) return null;
  const select = h(
    'select',
    {
      id: 'show-lang',
      onchange: (e: Event) => {
        const chosen = (e.target as HTMLSelectElement).value;
        const table = (e.target as HTMLElement).closest('.aligned-section')?.querySelector('table.aligned');
        for (const cell of Array.from(table?.querySelectorAll<HTMLElement>('th[data-lang], td[data-lang]') ?? [])) {
          const lang = cell.dataset.lang!;
          cell.classList.toggle('lang-off', chosen !== '' && lang !== doc.sourceLang && lang !== chosen);
        }
      },
    },
    h('option', { value: '' }, t('job.allLanguages')),
    targets.map((l) => h('option', { value: l }, `${languageName(l)} (${l})`)),
  );
  return h('div', { class: 'field lang-pick' }, h('label', { for: 'show-lang' }, t('job.showLanguages')), select);
}

function alignedTable(doc: AlignedDocument, byName: Map<string, Term>, byId: Map<string, Term>): HTMLElement {
  const worst = (qa: QaFinding[]) => (qa.some((f) => f.severity === 'error') ? 'error' : qa.some((f) => f.severity === 'warning') ? 'warning' : qa.length ? 'info' : '');
  // Column heads; on a phone, where the languages of a segment are stacked, each cell shows its own (style.css).
  const heads = new Map(doc.languages.map((l) => [l, `${languageName(l)} (${l})${l === doc.sourceLang ? ` · ${t('job.source')}` : ''}`]));
  const rows = doc.segments.map((seg) => {
    const cells = doc.languages.map((lang) => {
      const meta = seg.meta[lang];
      const isSource = lang === doc.sourceLang;
      const qa = findingsOf(meta);
      const level = worst(qa);
      const classes = [isSource ? 'source' : '', level ? `qa qa-${level}` : '', meta?.human ? 'human' : ''].filter(Boolean).join(' ');
      return h(
        'td',
        { lang: isSource && seg.lang ? seg.lang : lang, 'data-lang': lang, 'data-label': heads.get(lang), class: classes || undefined },
        h('div', { class: 'seg-text' }, markedText(seg, lang, isSource, byId, byName)),
        meta?.human ? h('p', { class: 'human-mark', lang: currentLanguage() }, t('job.postEdited')) : null,
        qa.length
          ? h(
              'ul',
              { class: 'findings', 'aria-label': t('job.findings') },
              qa.map(findingItem),
            )
          : null,
      );
    });
    return h('tr', { id: `seg-${seg.id}`, 'data-segment': seg.id }, h('th', { scope: 'row', class: 'seg-id' }, seg.id), cells);
  });
  // Equal columns whatever the text lengths; past a laptop's width the view scrolls sideways while the
  // segment ids and the source stay pinned on the left (see style.css).
  const n = Math.min(doc.languages.length, 8);
  return h(
    'section',
    { class: 'aligned-section', 'aria-labelledby': 'aligned-title' },
    h('h2', { id: 'aligned-title' }, t('job.aligned', { count: doc.segments.length })),
    languagePicker(doc),
    h(
      'div',
      { class: 'aligned-wrap', tabindex: 0, role: 'region', 'aria-label': t('job.alignedRegion') },
      h(
        'table',
        { class: `aligned langs-${n}` },
        h('colgroup', {}, h('col', { class: 'col-id' }), doc.languages.map((l) => h('col', { class: l === doc.sourceLang ? 'col-source' : 'col-lang' }))),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', class: 'seg-id' }, t('job.segment')),
            doc.languages.map((l) => h('th', { scope: 'col', 'data-lang': l, class: l === doc.sourceLang ? 'source' : undefined }, heads.get(l))),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
}

interface PostEditResult {
  revision: number;
  lang: string;
  edited: string[];
  /** QA of the imported segments (origin `human`): accepted, and said here as the reviewer's warnings. */
  findings?: QaFinding[];
}

/** The target languages an XLIFF file declares (`<file target-language>`), when its text can be read. */
export function xliffTargets(text: string): string[] {
  return [...text.matchAll(/<file\b[^>]*?\btarget-language\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]!);
}

const sameBase = (a: string, b: string) => a.toLowerCase() === b.toLowerCase() || a.toLowerCase().split('-')[0] === b.toLowerCase().split('-')[0];

/**
 * A reviewer sends back a post-edited XLIFF file for one target
 * (`POST /v1/jobs/:id/xliff`); the changed segments become a new revision.
 * A file made for another target is caught here before anything is sent.
 */
function postEditForm(id: string, targets: string[], onDone: () => Promise<void>): HTMLElement {
  const target = h('select', { id: 'pe-target' }, targets.map((l) => h('option', { value: l }, `${languageName(l)} (${l})`)));
  const file = h('input', { id: 'pe-file', type: 'file', accept: '.xlf,.xliff,.xml,application/xml,application/x-xliff+xml', 'aria-describedby': 'pe-help' });
  const button = h('button', { type: 'submit' }, t('job.postEdit.send'));
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const fail = (message: string) => replace(status, h('p', { class: 'error', role: 'alert' }, message));
  const form = h(
    'form',
    {
      class: 'post-edit card',
      'aria-labelledby': 'pe-title',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const f = file.files?.[0];
        if (!f) {
          fail(t('job.postEdit.needFile'));
          file.focus();
          return;
        }
        const lang = target.value;
        const declared = xliffTargets(await f.text());
        if (declared.length > 0 && !declared.some((d) => sameBase(d, lang))) {
          fail(t('job.postEdit.otherTarget', { file: f.name, declared: declared.map((d) => `${languageName(d)} (${d})`).join(', '), chosen: `${languageName(lang)} (${lang})` }));
          return;
        }
        button.disabled = true;
        replace(status, h('p', {}, t('job.postEdit.sending')));
        try {
          const res = await upload<PostEditResult>(`/v1/jobs/${encodeURIComponent(id)}/xliff`, f, 'application/xml');
          const language = languageName(res.lang);
          const findings = res.findings ?? [];
          replace(
            status,
            h('p', { class: 'ok' }, res.edited.length === 0 ? t('job.postEdit.unchanged', { language }) : t('job.postEdit.done', { count: res.edited.length, language, revision: res.revision })),
            findings.length
              ? h(
                  'div',
                  { class: 'import-findings', role: 'status' },
                  h('p', {}, t('job.postEdit.findings', { count: findings.length })),
                  h(
                    'ul',
                    { class: 'findings' },
                    findings.map((f) => {
                      const li = findingItem(f);
                      li.prepend(h('span', { class: 'seg-id' }, `${f.segment} `));
                      return li;
                    }),
                  ),
                )
              : null,
          );
          file.value = '';
          await onDone();
        } catch (err) {
          fail(t('job.postEdit.refused', { message: errorText(err) }));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h2', { id: 'pe-title' }, t('job.postEdit.title')),
    h('p', { id: 'pe-help', class: 'help' }, t('job.postEdit.help')),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'pe-target' }, t('job.postEdit.target')), target),
      h('div', { class: 'field' }, h('label', { for: 'pe-file' }, t('job.postEdit.file')), file),
    ),
    button,
    status,
  );
  return form;
}

export const jobPage: Page = (main, ctx) => {
  const id = ctx.params.id!;
  document.title = `${t('job.title', { id })} · locflow`;
  main.classList.add('wide');
  let stopStream: (() => void) | undefined;
  let stopEditor: (() => void) | undefined;
  let left = false;
  // The summary is redrawn on every progress event, so it is not a live region (it would be read out again and
  // again); the announcer below says only when the job or a language changes state.
  const summary = h('section', { class: 'card summary', 'aria-labelledby': 'job-heading' });
  const announcer = h('p', { id: 'job-announce', class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const cancelStatus = h('div', { class: 'form-status' });
  let seen: Map<string, string> | undefined;
  const result = h('div');
  // Made once and put back on each redraw, so its message and choices survive the reload after an upload.
  let postEdit: HTMLElement | undefined;

  const announce = (view: JobView) => {
    const now = new Map<string, string>([['', view.status], ...Object.entries(view.targets).map(([l, s]) => [l, targetStatus(view, s.status)] as [string, string])]);
    const before = seen;
    seen = now;
    // What was on the page when it opened is read with the page; only later changes are announced.
    if (!before) return;
    const parts: string[] = [];
    for (const [lang, status] of now) {
      if (lang && before.get(lang) !== status && (status === 'completed' || status === 'failed')) {
        parts.push(t('job.announce.target', { language: languageName(lang), status: t(`status.${status}`) }));
      }
    }
    if (before.get('') !== view.status) parts.push(t(`job.announce.${view.status}`));
    if (parts.length) announcer.textContent = parts.join(' ');
  };

  const showSummary = (view: JobView) => {
    const running = !TERMINAL.includes(view.status);
    announce(view);
    replaceKeepingFocus(
      summary,
      h('p', {}, statusBadge(view.status), ' ', progressBar(view), ' ', h('span', { class: 'progress-text' }, `${view.progress}%`)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('job.sourceLang')),
        h('dd', {}, `${languageName(view.sourceLang)} (${view.sourceLang}) · ${view.detection === 'forced' ? t('job.forced') : t('job.detectedWith', { confidence: formatPercent(view.confidence) })}`),
        h('dt', {}, t('job.segments')),
        h('dd', {}, String(view.segments)),
        h('dt', {}, t('job.submitted')),
        h('dd', {}, formatDate(view.submittedAt)),
        view.finishedAt ? [h('dt', {}, t('job.finished')), h('dd', {}, formatDate(view.finishedAt))] : null,
        view.revision && view.revision > 1 ? [h('dt', {}, t('job.revision')), h('dd', { class: 'revision' }, String(view.revision))] : null,
      ),
      h(
        'table',
        { class: 'target-status stack' },
        h('caption', {}, t('job.perTarget')),
        h('thead', {}, h('tr', {}, ['language', 'status', 'progress', 'route'].map((c) => h('th', { scope: 'col' }, t(`job.columns.${c}`))))),
        h(
          'tbody',
          {},
          Object.entries(view.targets).map(([lang, s]) =>
            h(
              'tr',
              { 'data-lang': lang },
              h('th', { scope: 'row' }, `${languageName(lang)} (${lang})`),
              h('td', { 'data-label': t('job.columns.status') }, statusBadge(targetStatus(view, s.status)), s.error ? h('details', { class: 'target-error' }, h('summary', {}, t('jobError.details')), h('p', { class: 'detail', lang: currentLanguage() }, s.error)) : null),
              h('td', { 'data-label': t('job.columns.progress') }, `${s.done} / ${s.total}`),
              h('td', { 'data-label': t('job.columns.route') }, s.route ?? s.provider ?? '', s.warnings?.length ? h('ul', { class: 'warnings' }, s.warnings.map((w) => h('li', {}, w))) : null),
            ),
          ),
        ),
      ),
      jobFailure(view),
      running
        ? h(
            'button',
            {
              type: 'button',
              id: 'cancel-job',
              class: 'danger',
              onclick: async () => {
                replace(cancelStatus);
                try {
                  await del(`/v1/jobs/${encodeURIComponent(id)}`);
                } catch (err) {
                  replace(cancelStatus, errorBox(err));
                }
              },
            },
            t('job.cancel'),
          )
        : null,
      cancelStatus,
    );
  };

  const showResult = async (view: JobView) => {
    if (view.status !== 'completed') return;
    replace(result, h('p', {}, t('job.loadingAligned')));
    try {
      const [doc, glossary] = await Promise.all([
        get<AlignedDocument>(bundleUrl(id, 'json')),
        get<{ terms: Term[] }>('/v1/glossary/terms?status=approved&limit=1000').catch(() => ({ terms: [] as Term[] })),
      ]);
      if (left) return;
      const bySurface = new Map<string, Term>();
      for (const term of glossary.terms) for (const s of [term.term, ...term.variants]) bySurface.set(s.toLocaleLowerCase(), term);
      const byId = new Map(glossary.terms.map((term) => [term.id, term]));
      const done = Object.entries(view.targets).filter(([, s]) => s.status === 'completed').map(([l]) => l);
      if (can(ctx.me, 'reviewer') && done.length > 0) postEdit ??= postEditForm(id, done, reload);
      replace(result, downloads(view), postEdit, alignedTable(doc, bySurface, byId));
      stopEditor?.();
      stopEditor = undefined;
      const table = result.querySelector<HTMLTableElement>('table.aligned');
      if (can(ctx.me, 'reviewer') && table) {
        // The segment editor upgrades the table in place (pages/editor.ts).
        const toolbar = h('div', { class: 'editor-toolbar' });
        table.closest('.aligned-wrap')?.before(toolbar);
        const stop = await startEditor({ jobId: id, table, toolbar, findingItem, announce: (text) => (announcer.textContent = text) });
        if (left) stop();
        else stopEditor = stop;
      }
    } catch (err) {
      replace(result, errorBox(err));
    }
  };

  // The submitter's title names the job, with its id under it; an untitled job is named by its id.
  const heading = h('h1', { tabindex: -1, id: 'job-heading' }, t('job.title', { id }));
  const idLine = h('p', { class: 'job-id', hidden: true }, id);
  const showTitle = (view: JobView) => {
    if (!view.title || heading.textContent === view.title) return;
    heading.textContent = view.title;
    idLine.hidden = false;
    document.title = `${view.title} · locflow`;
  };

  const update = (view: JobView) => {
    if (left) return;
    showTitle(view);
    showSummary(view);
    if (TERMINAL.includes(view.status)) void showResult(view);
  };

  async function reload(): Promise<void> {
    const view = await get<JobView>(`/v1/jobs/${encodeURIComponent(id)}`);
    if (left) return;
    showTitle(view);
    showSummary(view);
    await showResult(view);
  }

  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: href('/jobs'), 'data-link': true }, t('job.back'))),
    heading,
    idLine,
    announcer,
    summary,
    result,
  );
  replace(summary, h('p', { class: 'loading' }, t('job.loading')));

  get<JobView>(`/v1/jobs/${encodeURIComponent(id)}`)
    .then((view) => {
      if (left) return;
      update(view);
      if (!TERMINAL.includes(view.status)) stopStream = follow(id, update);
    })
    .catch((err) => replace(summary, errorBox(err)));

  return () => {
    left = true;
    stopStream?.();
    stopEditor?.();
  };
};
