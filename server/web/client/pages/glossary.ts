/**
 * `/glossary`: review terms. Proposed terms come first by how often articles
 * use them, with an example sentence; reviewers approve, reject or deprecate
 * them and edit their translations per language; everyone can propose one.
 * Filters live in the address, so a filtered view can be shared or reloaded.
 *
 * Keys (outside text fields): `/` search, `j`/`k` or arrows move, `a` approve,
 * `r` reject, `e` edit, `h` history, `n` propose a term, `?` list of keys.
 * No row is selected until the reviewer moves to one, so a stray key never
 * decides on a term. Reviewers tick several rows and approve or reject them
 * in one confirmed step.
 */
import { get, patch, post } from '../api.js';
import { can, type Page } from '../context.js';
import { h, replace } from '../dom.js';
import { errorBox, statusBadge } from '../feedback.js';
import { formatDate, languageName, t } from '../i18n.js';
import type { Term } from '../types.js';

/** Gender.number pairs a reviewer can give a form; `` leaves it unknown (no agreement repair). */
const GRAMMAR_CHOICES = ['', 'm.sg', 'f.sg', 'm.pl', 'f.pl', 'n.sg', 'n.pl'];

const STATUSES = ['proposed', 'approved', 'rejected', 'deprecated', 'all'];
const KINDS = ['keep', 'translate', 'forbidden'];
/** Translation columns always shown; a term's other languages are added to its editor. */
const EDIT_LANGS = ['en', 'fr', 'vi', 'es'];
const LIMIT = 200;

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export const glossaryPage: Page = (main, ctx) => {
  document.title = `${t('glossary.title')} · locflow`;
  const reviewer = can(ctx.me, 'reviewer');
  const query = ctx.query;
  let terms: Term[] = [];
  /** The row shortcuts act on; -1 until the reviewer moves to one. */
  let selected = -1;
  let left = false;
  /** Ids ticked for a bulk action. */
  const chosen = new Set<string>();
  const cols = reviewer ? 8 : 7;

  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const search = h('input', { id: 'g-search', type: 'search', value: query.get('q') ?? '', 'aria-keyshortcuts': '/' });
  const statusSel = h('select', { id: 'g-status' }, STATUSES.map((s) => h('option', { value: s, selected: (query.get('status') ?? 'proposed') === s }, t(`glossary.statuses.${s}`))));
  const kindSel = h('select', { id: 'g-kind' }, h('option', { value: '' }, t('glossary.anyKind')), KINDS.map((k) => h('option', { value: k, selected: query.get('kind') === k }, t(`glossary.kinds.${k}`))));
  const langSel = h('input', { id: 'g-lang', type: 'text', size: 6, value: query.get('lang') ?? '', placeholder: 'fr' });
  const body = h('tbody');
  const count = h('p', { class: 'count' }, h('span', { class: 'loading' }, t('glossary.loading')));

  const setQuery = () => {
    const url = new URL(location.href);
    for (const [k, el, dflt] of [['q', search, ''], ['status', statusSel, 'proposed'], ['kind', kindSel, ''], ['lang', langSel, '']] as const) {
      const v = el.value.trim();
      if (v && v !== dflt) url.searchParams.set(k, v);
      else url.searchParams.delete(k);
    }
    history.replaceState(history.state, '', url);
  };

  const announce = (text: string) => replace(status, h('p', {}, text));

  const rows = () => [...body.querySelectorAll<HTMLTableRowElement>('tr[data-term]')];
  const select = (i: number, focus = true) => {
    const list = rows();
    if (list.length === 0) return;
    selected = i < 0 ? -1 : Math.min(i, list.length - 1);
    list.forEach((r, j) => {
      r.classList.toggle('selected', j === selected);
      // Without a selection the first row is still reachable by Tab (and focusing it selects it).
      r.tabIndex = j === Math.max(selected, 0) ? 0 : -1;
      r.setAttribute('aria-selected', String(j === selected));
    });
    if (focus && selected >= 0) list[selected]!.focus();
  };

  // Bulk actions: tick rows, then one button and a confirmation.
  const bulkCount = h('span', { class: 'bulk-count', 'aria-live': 'polite' });
  const bulkApprove = h('button', { type: 'button', id: 'bulk-approve', disabled: true, onclick: () => confirmBulk('approve') }, t('glossary.bulk.approve'));
  const bulkReject = h('button', { type: 'button', id: 'bulk-reject', disabled: true, onclick: () => confirmBulk('reject') }, t('glossary.bulk.reject'));
  const selectAll = h('input', { type: 'checkbox', id: 'g-select-all', 'aria-label': t('glossary.bulk.selectAll') });
  const confirmText = h('p', { id: 'bulk-confirm-text' });
  const confirmOk = h('button', { type: 'submit', value: 'ok', class: 'primary', id: 'bulk-confirm-ok' }, '');
  const confirmDialog = h(
    'dialog',
    { id: 'bulk-confirm', 'aria-labelledby': 'bulk-confirm-text' },
    confirmText,
    h('form', { method: 'dialog' }, h('button', { type: 'submit', value: 'cancel', id: 'bulk-confirm-cancel' }, t('glossary.cancel')), ' ', confirmOk),
  );
  const refreshBulk = () => {
    for (const box of body.querySelectorAll<HTMLInputElement>('input.pick')) box.checked = chosen.has(box.value);
    const n = chosen.size;
    bulkApprove.disabled = n === 0;
    bulkReject.disabled = n === 0;
    replace(bulkCount, n ? t('glossary.bulk.count', { count: n }) : '');
    const boxes = body.querySelectorAll('input.pick').length;
    selectAll.checked = boxes > 0 && n === boxes;
    selectAll.indeterminate = n > 0 && n < boxes;
  };
  selectAll.addEventListener('change', () => {
    chosen.clear();
    if (selectAll.checked) for (const box of body.querySelectorAll<HTMLInputElement>('input.pick')) chosen.add(box.value);
    refreshBulk();
  });
  const confirmBulk = (action: 'approve' | 'reject') => {
    const ids = [...chosen];
    if (ids.length === 0) return;
    replace(confirmText, t(`glossary.bulk.confirm.${action}`, { count: ids.length }));
    replace(confirmOk, t(`glossary.bulk.${action}`));
    confirmDialog.returnValue = '';
    confirmDialog.onclose = async () => {
      if (confirmDialog.returnValue !== 'ok') return;
      try {
        await post(`/v1/glossary/bulk-${action}`, { ids });
        announce(t(`glossary.bulk.done.${action}`, { count: ids.length }));
        chosen.clear();
        await load(false);
      } catch (err) {
        replace(status, errorBox(err));
      }
    };
    confirmDialog.showModal();
  };

  const review = async (term: Term, action: 'approve' | 'reject' | 'deprecate') => {
    try {
      await post(`/v1/glossary/terms/${encodeURIComponent(term.id)}/${action}`, {});
      announce(t(`glossary.done.${action}`, { term: term.term }));
      await load(false);
      select(selected);
    } catch (err) {
      replace(status, errorBox(err));
    }
  };

  const historyRow = async (row: HTMLTableRowElement, term: Term) => {
    const next = row.nextElementSibling;
    if (next?.classList.contains('history-row')) {
      next.remove();
      return;
    }
    try {
      const full = await get<Term>(`/v1/glossary/terms/${encodeURIComponent(term.id)}`);
      const events = full.history ?? [];
      row.after(
        h(
          'tr',
          { class: 'history-row' },
          h(
            'td',
            { colspan: cols },
            h('h3', {}, t('glossary.historyOf', { term: term.term })),
            events.length === 0
              ? h('p', {}, t('glossary.noHistory'))
              : h(
                  'ol',
                  { class: 'history' },
                  events.map((e) =>
                    h(
                      'li',
                      {},
                      h('time', { datetime: e.at }, formatDate(e.at)),
                      ` · ${e.by} · ${t(`glossary.actions.${e.action}`, { defaultValue: e.action })}`,
                      e.changes
                        ? h('ul', {}, Object.entries(e.changes).map(([field, [before, after]]) => h('li', {}, `${field}: ${JSON.stringify(before) ?? '—'} → ${JSON.stringify(after) ?? '—'}`)))
                        : null,
                    ),
                  ),
                ),
          ),
        ),
      );
    } catch (err) {
      replace(status, errorBox(err));
    }
  };

  const editRow = (row: HTMLTableRowElement, term: Term) => {
    const next = row.nextElementSibling;
    if (next?.classList.contains('edit-row')) {
      (next.querySelector('input') as HTMLInputElement | null)?.focus();
      return;
    }
    const langs = [...new Set([...EDIT_LANGS, ...Object.keys(term.translations)])].filter((l) => l !== term.lang);
    const inputs = langs.map((l) => h('input', { id: `tr-${term.id}-${l}`, type: 'text', value: term.translations[l] ?? '', lang: l, 'data-lang': l }));
    // Gender and number of each form: agreement repair fixes the articles next to an imposed term from them.
    const grammarLangs = [term.lang, ...langs];
    const grammarOf = (l: string) => {
      const g = term.grammar?.[l];
      return g?.gender ? `${g.gender}.${g.number ?? 'sg'}` : g?.number ? `.${g.number}` : '';
    };
    const grammarSelects = grammarLangs.map((l) =>
      h(
        'select',
        { id: `gr-${term.id}-${l}`, 'data-lang': l },
        GRAMMAR_CHOICES.map((v) => h('option', { value: v, ...(v === grammarOf(l) ? { selected: true } : {}) }, t(`glossary.grammarChoice.${v.replace('.', '_') || 'none'}`))),
      ),
    );
    const note = h('input', { id: `note-${term.id}`, type: 'text', value: term.note ?? '' });
    const cancel = () => {
      form.closest('tr')?.remove();
      row.focus();
    };
    const form = h(
      'form',
      {
        class: 'edit-form',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const translations: Record<string, string> = {};
          for (const input of inputs) if (input.value.trim()) translations[input.dataset.lang!] = input.value.trim();
          const grammar: Record<string, { gender?: string; number?: string }> = {};
          for (const select of grammarSelects) {
            const [gender, number] = select.value.split('.');
            if (select.value) grammar[select.dataset.lang!] = { ...(gender ? { gender } : {}), ...(number ? { number } : {}) };
          }
          try {
            await patch(`/v1/glossary/terms/${encodeURIComponent(term.id)}`, { translations, grammar, ...(note.value.trim() ? { note: note.value.trim() } : {}) });
            announce(t('glossary.done.edit', { term: term.term }));
            await load(false);
            select(selected);
          } catch (err) {
            form.append(errorBox(err));
          }
        },
        onkeydown: (e: KeyboardEvent) => {
          if (e.key === 'Escape') cancel();
        },
      },
      h('h3', {}, t('glossary.editing', { term: term.term })),
      h('div', { class: 'grid' }, langs.map((l, i) => h('div', { class: 'field' }, h('label', { for: inputs[i]!.id }, `${languageName(l)} (${l})`), inputs[i]!))),
      h(
        'fieldset',
        {},
        h('legend', {}, t('glossary.grammar')),
        h('div', { class: 'grid' }, grammarLangs.map((l, i) => h('div', { class: 'field' }, h('label', { for: grammarSelects[i]!.id }, `${languageName(l)} (${l})`), grammarSelects[i]!))),
      ),
      h('div', { class: 'field' }, h('label', { for: note.id }, t('glossary.note')), note),
      h('button', { type: 'submit', class: 'primary' }, t('glossary.save')),
      ' ',
      h('button', { type: 'button', onclick: cancel }, t('glossary.cancel')),
    );
    row.after(h('tr', { class: 'edit-row' }, h('td', { colspan: cols }, form)));
    inputs[0]?.focus();
  };

  const termRow = (term: Term, index: number): HTMLTableRowElement => {
    const mayEdit = reviewer || term.status === 'proposed';
    const row: HTMLTableRowElement = h(
      'tr',
      {
        'data-term': term.id,
        'data-status': term.status,
        tabindex: -1,
        // Shortcuts act on the selected row, so a row reached by Tab or a click becomes the selected one.
        onfocus: () => {
          if (selected !== index) select(index, false);
        },
        onclick: (e: Event) => {
          if (!(e.target as HTMLElement).closest('button, a, input, label')) select(index);
        },
      },
      reviewer
        ? h(
            'td',
            { class: 'pick-cell' },
            h('input', {
              type: 'checkbox',
              class: 'pick',
              value: term.id,
              'aria-label': t('glossary.bulk.pick', { term: term.term }),
              onchange: (e: Event) => {
                if ((e.target as HTMLInputElement).checked) chosen.add(term.id);
                else chosen.delete(term.id);
                refreshBulk();
              },
            }),
          )
        : null,
      h('th', { scope: 'row', class: 'term-cell' }, h('span', { class: 'term-text', lang: term.lang }, term.term), term.variants.length ? h('span', { class: 'variants' }, ` (${term.variants.join(', ')})`) : null),
      // data-label: on a phone the table is a list of cards, and each cell says which column it was (style.css).
      h('td', { 'data-label': t('glossary.columns.kind') }, `${languageName(term.lang)} · ${t(`glossary.kinds.${term.kind}`)}`, h('br'), statusBadge(term.status)),
      h('td', { class: 'num', 'data-label': t('glossary.columns.frequency') }, term.frequency === undefined ? '—' : String(term.frequency)),
      h('td', { class: 'example', lang: term.lang, 'data-label': t('glossary.columns.example') }, term.example ?? ''),
      h('td', { 'data-label': t('glossary.columns.translations') }, Object.keys(term.translations).length ? h('ul', { class: 'translations' }, Object.entries(term.translations).map(([l, v]) => h('li', {}, h('abbr', { title: languageName(l) }, l), ' ', h('span', { lang: l }, v)))) : '—'),
      h('td', { class: 'note', 'data-label': t('glossary.columns.note') }, term.note ?? ''),
      h(
        'td',
        { class: 'actions' },
        reviewer && term.status !== 'approved' ? h('button', { type: 'button', class: 'approve', 'aria-keyshortcuts': 'a', onclick: () => review(term, 'approve') }, t('glossary.approve')) : null,
        reviewer && term.status === 'proposed' ? h('button', { type: 'button', class: 'reject', 'aria-keyshortcuts': 'r', onclick: () => review(term, 'reject') }, t('glossary.reject')) : null,
        reviewer && term.status === 'approved' ? h('button', { type: 'button', class: 'deprecate', onclick: () => review(term, 'deprecate') }, t('glossary.deprecate')) : null,
        mayEdit ? h('button', { type: 'button', class: 'edit', 'aria-keyshortcuts': 'e', onclick: () => editRow(row, term) }, t('glossary.edit')) : null,
        h('button', { type: 'button', class: 'history-button', 'aria-keyshortcuts': 'h', onclick: () => historyRow(row, term) }, t('glossary.history')),
      ),
    );
    return row;
  };

  async function load(resetSelection = true): Promise<void> {
    const q = new URLSearchParams();
    if (search.value.trim()) q.set('q', search.value.trim());
    if (statusSel.value !== 'all') q.set('status', statusSel.value);
    if (kindSel.value) q.set('kind', kindSel.value);
    if (langSel.value.trim()) q.set('lang', langSel.value.trim());
    // What articles use most is reviewed first; other lists show the latest changes first.
    if (statusSel.value === 'proposed') q.set('sort', 'frequency');
    q.set('limit', String(LIMIT));
    try {
      const res = await get<{ terms: Term[]; total: number }>(`/v1/glossary/terms?${q}`);
      if (left) return;
      terms = res.terms;
      // Ticks survive a reload only for terms still listed.
      for (const id of [...chosen]) if (!terms.some((x) => x.id === id)) chosen.delete(id);
      replace(
        body,
        terms.length ? terms.map(termRow) : h('tr', { class: 'empty-row' }, h('td', { colspan: cols, class: 'empty' }, t(search.value.trim() || kindSel.value || langSel.value.trim() ? 'glossary.emptyFiltered' : 'glossary.empty', { status: t(`glossary.statuses.${statusSel.value}`) }))),
      );
      replace(count, t('glossary.count', { count: terms.length, total: res.total }));
      // Never a preselected row: a stray key must not approve the first term.
      if (resetSelection) selected = -1;
      select(selected, false);
      refreshBulk();
    } catch (err) {
      replace(status, errorBox(err));
    }
  }

  // Proposing a term.
  const pTerm = h('input', { id: 'p-term', type: 'text', required: true, maxlength: 200 });
  const pLang = h('input', { id: 'p-lang', type: 'text', required: true, size: 6, value: 'fr' });
  const pKind = h('select', { id: 'p-kind' }, KINDS.map((k) => h('option', { value: k }, t(`glossary.kinds.${k}`))));
  const pTr = EDIT_LANGS.map((l) => h('input', { id: `p-tr-${l}`, type: 'text', lang: l, 'data-lang': l }));
  const pNote = h('input', { id: 'p-note', type: 'text' });
  const proposeStatus = h('div', { 'aria-live': 'polite' });
  const propose = h(
    'details',
    { class: 'card propose' },
    h('summary', { 'aria-keyshortcuts': 'n' }, t('glossary.propose')),
    h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const translations: Record<string, string> = {};
          for (const input of pTr) if (input.value.trim() && input.dataset.lang !== pLang.value.trim()) translations[input.dataset.lang!] = input.value.trim();
          try {
            const term = await post<Term>('/v1/glossary/terms', {
              term: pTerm.value.trim(),
              lang: pLang.value.trim(),
              kind: pKind.value,
              translations,
              ...(pNote.value.trim() ? { note: pNote.value.trim() } : {}),
            });
            replace(proposeStatus, h('p', {}, t('glossary.done.propose', { term: term.term })));
            pTerm.value = '';
            for (const i of pTr) i.value = '';
            pNote.value = '';
            await load();
          } catch (err) {
            replace(proposeStatus, errorBox(err));
          }
        },
      },
      h('div', { class: 'grid' },
        h('div', { class: 'field' }, h('label', { for: 'p-term' }, t('glossary.term')), pTerm),
        h('div', { class: 'field' }, h('label', { for: 'p-lang' }, t('glossary.lang')), pLang),
        h('div', { class: 'field' }, h('label', { for: 'p-kind' }, t('glossary.kind')), pKind),
      ),
      h('fieldset', {}, h('legend', {}, t('glossary.translations')), h('div', { class: 'grid' }, EDIT_LANGS.map((l, i) => h('div', { class: 'field' }, h('label', { for: pTr[i]!.id }, `${languageName(l)} (${l})`), pTr[i]!)))),
      h('div', { class: 'field' }, h('label', { for: 'p-note' }, t('glossary.note')), pNote),
      h('button', { type: 'submit', class: 'primary' }, t('glossary.send')),
      proposeStatus,
    ),
  );

  const shortcuts = h(
    'dialog',
    { id: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, t('glossary.keys.title')),
    h('dl', { class: 'keys' }, ['/', 'j', 'k', 'a', 'r', 'e', 'h', 'n', '?'].map((k) => [h('dt', {}, h('kbd', {}, k)), h('dd', {}, t(`glossary.keys.${k === '/' ? 'search' : k === '?' ? 'help' : k}`))])),
    h('form', { method: 'dialog' }, h('button', { type: 'submit' }, t('glossary.close'))),
  );

  let filterTimer: number | undefined;
  const refilter = () => {
    window.clearTimeout(filterTimer);
    filterTimer = window.setTimeout(() => {
      setQuery();
      void load();
    }, 250);
  };
  search.addEventListener('input', refilter);
  langSel.addEventListener('input', refilter);
  statusSel.addEventListener('change', refilter);
  kindSel.addEventListener('change', refilter);

  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) {
      if (e.key === 'Escape' && e.target === search) (rows()[selected] ?? search).focus();
      return;
    }
    if (shortcuts.open) return;
    const term = terms[selected];
    const row = rows()[selected];
    const act: Record<string, () => void> = {
      '/': () => search.focus(),
      j: () => select(selected + 1),
      ArrowDown: () => select(selected + 1),
      k: () => select(selected - 1),
      ArrowUp: () => select(selected - 1),
      '?': () => shortcuts.showModal(),
      n: () => {
        propose.open = true;
        pTerm.focus();
      },
    };
    if (term && row) {
      act.h = () => void historyRow(row, term);
      if (reviewer || term.status === 'proposed') act.e = () => editRow(row, term);
      if (reviewer && term.status !== 'approved') act.a = () => void review(term, 'approve');
      if (reviewer && term.status === 'proposed') act.r = () => void review(term, 'reject');
    }
    const fn = act[e.key];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };
  document.addEventListener('keydown', onKey);

  replace(
    main,
    h('h1', { tabindex: -1 }, t('glossary.title')),
    h('p', { class: 'lead' }, reviewer ? t('glossary.leadReviewer') : t('glossary.leadSubmitter'), ' ', h('button', { type: 'button', class: 'link-button', onclick: () => shortcuts.showModal() }, t('glossary.keys.show'))),
    propose,
    h(
      'div',
      { class: 'filters', role: 'search' },
      h('div', { class: 'field' }, h('label', { for: 'g-search' }, t('glossary.search')), search),
      h('div', { class: 'field' }, h('label', { for: 'g-status' }, t('glossary.status')), statusSel),
      h('div', { class: 'field' }, h('label', { for: 'g-kind' }, t('glossary.kind')), kindSel),
      h('div', { class: 'field' }, h('label', { for: 'g-lang' }, t('glossary.lang')), langSel),
    ),
    status,
    count,
    reviewer ? h('div', { class: 'bulk-bar', role: 'group', 'aria-label': t('glossary.bulk.label') }, bulkApprove, ' ', bulkReject, ' ', bulkCount) : null,
    h(
      'table',
      { class: 'terms stack' },
      h('caption', { class: 'visually-hidden' }, t('glossary.title')),
      h('thead', {}, h('tr', {}, reviewer ? h('th', { scope: 'col', class: 'pick-cell' }, selectAll) : null, ['term', 'kind', 'frequency', 'example', 'translations', 'note', 'actions'].map((c) => h('th', { scope: 'col' }, t(`glossary.columns.${c}`))))),
      body,
    ),
    shortcuts,
    confirmDialog,
  );
  void load();
  return () => {
    left = true;
    window.clearTimeout(filterTimer);
    document.removeEventListener('keydown', onKey);
  };
};
