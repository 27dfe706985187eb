/**
 * The segment editor on the job page, for reviewers. It upgrades the
 * side-by-side table in place: every target cell becomes a one-line textbox
 * (named "<segment id> <language>") whose inline placeholders are chips that
 * cannot be broken; Ctrl+Enter saves and moves on, Esc cancels, Alt+↓/↑ moves
 * between segments. Each save is `PUT …/segments/:id` with the revision the
 * cell was loaded from; a change someone else made to the same segment
 * meanwhile is shown with both versions instead of being overwritten. Other
 * reviewers' revisions arrive over `/v1/jobs/:id/review/events`.
 */
import { api, ApiError, get } from '../api.js';
import { h, highlight, replace, type Needle } from '../dom.js';
import { errorText } from '../feedback.js';
import { currentLanguage, languageName, t } from '../i18n.js';
import type { QaFinding } from '../types.js';

export interface TargetReview {
  state: 'in-review' | 'approved';
  by: string;
  at: string;
}

interface EditorTarget {
  text: string;
  state: 'machine' | 'edited' | 'reviewed';
  human: boolean;
  by?: string;
  qa: QaFinding[];
  memory?: { text: string; at: string };
}

interface EditorSegment {
  id: string;
  translatable: boolean;
  source: string;
  spans: Record<string, { label: string; kind: 'pair' | 'standalone'; text?: string }>;
  /** `term` is the words as the source writes them, `id` the glossary term's (absent from servers before it). */
  terms: { id?: string; term: string; kind: string; forms: Record<string, string> }[];
  targets: Record<string, EditorTarget>;
}

export interface EditorView {
  id: string;
  revision: number;
  sourceLang: string;
  targets: Record<string, { review: TargetReview | null }>;
  segments: EditorSegment[];
}

interface SaveResult {
  revision: number;
  changed: boolean;
  segment: { id: string; text: string; state: EditorTarget['state']; by?: string };
  findings: QaFinding[];
  review?: TargetReview;
}

interface StaleError {
  code: string;
  message: string;
  revision: number;
  segment?: { id: string; text: string; state: EditorTarget['state']; by?: string };
}

// ------------------------------------------------------------ inline XML

type Token = { type: 'text'; text: string } | { type: 'open' | 'close' | 'x'; id: string };

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** locflow's inline XML (`<g id>…</g>`, `<x id/>`, escaped text) as tokens; a closing tag takes its opener's id. */
export function tokens(inline: string): Token[] {
  const out: Token[] = [];
  const stack: string[] = [];
  let pos = 0;
  for (const m of inline.matchAll(/<g\s+id="([^"]*)"\s*>|<\/g\s*>|<x\s+id="([^"]*)"\s*\/>/g)) {
    if (m.index! > pos) out.push({ type: 'text', text: unescape(inline.slice(pos, m.index)) });
    pos = m.index! + m[0].length;
    if (m[0].startsWith('</')) out.push({ type: 'close', id: stack.pop() ?? '' });
    else if (m[1] !== undefined) {
      stack.push(unescape(m[1]));
      out.push({ type: 'open', id: unescape(m[1]) });
    } else out.push({ type: 'x', id: unescape(m[2]!) });
  }
  if (pos < inline.length) out.push({ type: 'text', text: unescape(inline.slice(pos)) });
  return out;
}

/** Plain text of inline XML with placeholders as the reader sees them (for the conflict view and hints). */
export function readable(inline: string, spans: EditorSegment['spans']): string {
  return tokens(inline)
    .map((tk) => (tk.type === 'text' ? tk.text : tk.type === 'x' ? (spans[tk.id]?.text ?? `[${spans[tk.id]?.label ?? tk.id}]`) : ''))
    .join('');
}

function chip(tk: Exclude<Token, { type: 'text' }>, spans: EditorSegment['spans']): HTMLElement {
  const span = spans[tk.id];
  const label = span?.label ?? tk.id;
  const shown = tk.type === 'open' ? `⟨${label}` : tk.type === 'close' ? `${label}⟩` : span?.text ? `⟨${span.text}⟩` : `⟨${label}⟩`;
  const data = tk.type === 'open' ? { 'data-open': tk.id } : tk.type === 'close' ? { 'data-close': tk.id } : { 'data-x': tk.id };
  return h('span', { class: `chip chip-${tk.type}`, contenteditable: 'false', ...data, title: t('editor.chip', { label }) }, shown);
}

/** Draws inline XML into a textbox: chips for placeholders, the glossary renderings it must hold marked as on the rest of the page. */
function fill(box: HTMLElement, inline: string, spans: EditorSegment['spans'], terms: Needle[] = []): void {
  replace(box, tokens(inline).map((tk) => (tk.type === 'text' ? highlight(tk.text, terms, { class: 'term', title: t('job.termMark') }) : chip(tk, spans))));
}

/** The textbox's content back to inline XML; whatever the browser added (a `<br>`, a `<div>`) counts as its text. */
export function serialize(box: HTMLElement): string {
  let out = '';
  const walk = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) out += escape((child.textContent ?? '').replace(/\u00a0/g, ' '));
      else if (child instanceof HTMLElement) {
        if (child.dataset.open !== undefined) out += `<g id="${escape(child.dataset.open)}">`;
        else if (child.dataset.close !== undefined) out += '</g>';
        else if (child.dataset.x !== undefined) out += `<x id="${escape(child.dataset.x)}"/>`;
        else if (child.tagName === 'BR') out += ' ';
        else walk(child);
      }
    }
  };
  walk(box);
  return out.replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------ the editor

interface Cell {
  seg: EditorSegment;
  lang: string;
  td: HTMLTableCellElement;
  box: HTMLElement;
  /** The text as last loaded or saved: what Esc goes back to and what "changed by someone else" is measured against. */
  original: string;
  findings: HTMLElement;
  status: HTMLElement;
  hints: HTMLElement;
  conflict: HTMLElement;
  saving: boolean;
  /**
   * The revision `original` was read from: each save is based on it, so a
   * text someone else saved later is never overwritten unseen, even after
   * the table has heard of newer revisions.
   */
  base: number;
}

/** The renderings this cell must hold, each marked with its term id like the source's marks. */
const formsOf = (c: Cell): Needle[] =>
  c.seg.terms.flatMap((tm) => (tm.forms[c.lang] ? [{ text: tm.forms[c.lang]!, caseSensitive: false, attrs: { 'data-term': tm.id } }] : []));
const dirty = (c: Cell) => serialize(c.box) !== serialize(fillCopy(c));
function fillCopy(c: Cell): HTMLElement {
  const tmp = document.createElement('div');
  fill(tmp, c.original, c.seg.spans);
  return tmp;
}

export interface EditorOptions {
  jobId: string;
  /** The table alignedTable drew: rows `tr[data-segment]`, target cells `td[data-lang]`, header cells `th[data-lang]`. */
  table: HTMLTableElement;
  /** Where the filters go (before the table's scrolling box). */
  toolbar: HTMLElement;
  /** Says what happened to screen readers (a polite live region). */
  announce: (text: string) => void;
  /** Draws one finding as the job page does. */
  findingItem: (f: QaFinding) => HTMLElement;
}

/** Upgrades the table for editing; returns what to stop when the page is left. */
export async function startEditor(options: EditorOptions): Promise<() => void> {
  const { jobId, table } = options;
  let view = await get<EditorView>(`/v1/jobs/${encodeURIComponent(jobId)}/review`);
  let revision = view.revision;
  const cells = new Map<string, Cell>();
  const key = (seg: string, lang: string) => `${seg}\u0000${lang}`;
  const targetLangs = Object.keys(view.targets);

  const rows = () => Array.from(table.querySelectorAll<HTMLTableRowElement>('tbody tr[data-segment]')).filter((r) => !r.hidden);
  const cellIn = (row: HTMLTableRowElement, lang: string) => cells.get(key(row.dataset.segment ?? '', lang));

  const move = (from: Cell, step: 1 | -1): boolean => {
    const list = rows();
    let i = list.findIndex((r) => r.dataset.segment === from.seg.id);
    for (i += step; i >= 0 && i < list.length; i += step) {
      const next = cellIn(list[i]!, from.lang);
      if (next) {
        next.box.focus();
        placeCaretAtEnd(next.box);
        return true;
      }
    }
    return false;
  };

  const stateLabel = (c: Cell, tgt: EditorTarget) =>
    replace(c.status, h('span', { class: `seg-state state-${tgt.state}` }, t(`editor.state.${tgt.state}`)), tgt.by && tgt.state !== 'machine' ? ` · ${tgt.by}` : '');

  const showFindings = (c: Cell, qa: QaFinding[]) => {
    c.td.classList.remove('qa', 'qa-error', 'qa-warning', 'qa-info');
    const level = qa.some((f) => f.severity === 'error') ? 'error' : qa.some((f) => f.severity === 'warning') ? 'warning' : qa.length ? 'info' : '';
    if (level) c.td.classList.add('qa', `qa-${level}`);
    c.td.dataset.findings = String(qa.length);
    replace(c.findings, qa.length ? h('ul', { class: 'findings', 'aria-label': t('job.findings') }, qa.map(options.findingItem)) : null);
  };

  // Where the caret was when the reviewer left the cell for a hint button: the insertion goes there.
  const carets = new WeakMap<Cell, Range>();
  const keepCaret = (c: Cell) => {
    const sel = getSelection();
    if (sel && sel.rangeCount > 0 && c.box.contains(sel.getRangeAt(0).startContainer)) carets.set(c, sel.getRangeAt(0).cloneRange());
  };
  const insertAtCaret = (c: Cell, text: string) => {
    c.box.focus();
    const kept = carets.get(c);
    const sel = getSelection();
    if (kept && c.box.contains(kept.startContainer) && sel) {
      sel.removeAllRanges();
      sel.addRange(kept);
    } else placeCaretAtEnd(c.box);
    document.execCommand('insertText', false, text);
  };

  const drawHints = (c: Cell) => {
    const tgt = c.seg.targets[c.lang]!;
    const terms = c.seg.terms.filter((tm) => tm.forms[c.lang]);
    const parts: HTMLElement[] = [];
    if (terms.length) {
      parts.push(
        h(
          'div',
          { class: 'hint-terms' },
          h('span', { class: 'hint-title' }, t('editor.terms')),
          ' ',
          terms.map((tm) =>
            h(
              'button',
              { type: 'button', class: 'hint-term', 'aria-label': t('editor.insert', { form: tm.forms[c.lang] }), onmousedown: (e: MouseEvent) => e.preventDefault(), onclick: () => insertAtCaret(c, tm.forms[c.lang]!) },
              `${tm.term} → ${tm.forms[c.lang]}`,
            ),
          ),
        ),
      );
    }
    if (tgt.memory) {
      const mem = tgt.memory;
      parts.push(
        h(
          'div',
          { class: 'hint-memory' },
          h('span', { class: 'hint-title' }, t('editor.memory')),
          ' ',
          h('q', { lang: c.lang }, readable(mem.text, c.seg.spans)),
          ' ',
          h('button', { type: 'button', class: 'hint-use', onmousedown: (e: MouseEvent) => e.preventDefault(), onclick: () => (fill(c.box, mem.text, c.seg.spans, formsOf(c)), c.box.focus()) }, t('editor.useMemory')),
        ),
      );
    }
    replace(c.hints, parts.length ? parts : null);
  };

  const save = async (c: Cell, base: number = c.base): Promise<boolean> => {
    if (c.saving) return false;
    c.saving = true;
    const text = serialize(c.box);
    c.box.setAttribute('aria-busy', 'true');
    try {
      const res = await api<SaveResult>('PUT', `/v1/jobs/${encodeURIComponent(jobId)}/targets/${encodeURIComponent(c.lang)}/segments/${encodeURIComponent(c.seg.id)}`, { text }, { 'if-match': `"${base}"` });
      revision = Math.max(revision, res.revision);
      // Nothing else changed between `base` and this revision (the save would have been refused): cells read at `base` are current.
      if (res.changed) for (const other of cells.values()) if (other.base === base) other.base = res.revision;
      c.base = res.revision;
      const tgt = c.seg.targets[c.lang]!;
      Object.assign(tgt, { text: res.segment.text, state: res.segment.state, by: res.segment.by, qa: res.findings, human: true });
      c.original = res.segment.text;
      fill(c.box, res.segment.text, c.seg.spans, formsOf(c));
      replace(c.conflict);
      stateLabel(c, tgt);
      showFindings(c, res.findings);
      c.td.classList.add('human');
      c.td.closest('tr')!.dataset.machine = String(isMachineRow(c.seg));
      if (res.review) showReview(c.lang, res.review);
      options.announce(t('editor.saved', { segment: c.seg.id, count: res.findings.length }));
      return true;
    } catch (err) {
      const stale = err instanceof ApiError && err.status === 412 ? (err.body as { error?: StaleError } | undefined)?.error : undefined;
      if (stale) {
        const theirs = stale.segment?.text ?? c.original;
        // Someone else changed another segment: this one is as the reviewer saw it, so the save goes over the newer revision.
        if (theirs === c.original && stale.revision > base) {
          c.saving = false;
          return save(c, stale.revision);
        }
        revision = Math.max(revision, stale.revision);
        showConflict(c, stale, text);
        return false;
      }
      replace(c.conflict, h('p', { class: 'error', role: 'alert' }, t('editor.refused', { message: errorText(err) })));
      return false;
    } finally {
      c.saving = false;
      c.box.removeAttribute('aria-busy');
    }
  };

  const showConflict = (c: Cell, stale: StaleError, mine: string) => {
    const theirs = stale.segment?.text ?? c.original;
    const who = stale.segment?.by ?? '';
    replace(
      c.conflict,
      h(
        'div',
        { class: 'conflict', role: 'alert' },
        h('p', {}, t('editor.conflict', { who, revision: stale.revision })),
        h(
          'dl',
          {},
          h('dt', {}, t('editor.theirs')),
          h('dd', { class: 'theirs', lang: c.lang }, readable(theirs, c.seg.spans)),
          h('dt', {}, t('editor.mine')),
          h('dd', { class: 'mine', lang: c.lang }, readable(mine, c.seg.spans)),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'keep-theirs',
            onclick: () => {
              c.original = theirs;
              c.base = stale.revision;
              fill(c.box, theirs, c.seg.spans, formsOf(c));
              replace(c.conflict);
              c.box.focus();
            },
          },
          t('editor.keepTheirs'),
        ),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'keep-mine',
            onclick: async () => {
              c.original = theirs;
              c.base = stale.revision;
              fill(c.box, mine, c.seg.spans, formsOf(c));
              if (await save(c, stale.revision)) c.box.focus();
            },
          },
          t('editor.keepMine'),
        ),
      ),
    );
  };

  const keydown = (c: Cell) => async (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (await save(c)) move(c, 1);
    } else if (e.key === 'Enter') {
      // A segment is one line: Enter alone would split it.
      e.preventDefault();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      fill(c.box, c.original, c.seg.spans, formsOf(c));
      replace(c.conflict);
      placeCaretAtEnd(c.box);
      options.announce(t('editor.cancelled', { segment: c.seg.id }));
    } else if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      move(c, e.key === 'ArrowDown' ? 1 : -1);
    }
  };

  /** Deleting or typing over a selection that holds a chip would break the markup: refused. */
  const guardChips = (c: Cell) => (e: InputEvent) => {
    if (e.inputType === 'insertParagraph' || e.inputType === 'insertLineBreak') {
      e.preventDefault();
      return;
    }
    const chips = Array.from(c.box.querySelectorAll('.chip'));
    if (chips.length === 0) return;
    for (const sr of e.getTargetRanges()) {
      if (sr.collapsed && !e.inputType.startsWith('delete')) continue;
      const r = document.createRange();
      r.setStart(sr.startContainer, sr.startOffset);
      r.setEnd(sr.endContainer, sr.endOffset);
      const covers = (ch: Element) => {
        const cr = rangeOf(ch);
        return r.compareBoundaryPoints(Range.START_TO_START, cr) <= 0 && r.compareBoundaryPoints(Range.END_TO_END, cr) >= 0;
      };
      if (chips.some(covers)) {
        e.preventDefault();
        options.announce(t('editor.chipKept'));
        return;
      }
    }
  };

  const paste = (e: ClipboardEvent) => {
    e.preventDefault();
    const text = (e.clipboardData?.getData('text/plain') ?? '').replace(/\s+/g, ' ');
    document.execCommand('insertText', false, text);
  };

  const isMachineRow = (seg: EditorSegment) => targetLangs.some((l) => seg.targets[l]?.state === 'machine' && seg.translatable);

  // ---- the table
  for (const seg of view.segments) {
    const row = table.querySelector<HTMLTableRowElement>(`tbody tr[data-segment="${CSS.escape(seg.id)}"]`);
    if (!row) continue;
    row.dataset.machine = String(isMachineRow(seg));
    if (!seg.translatable) continue;
    for (const lang of targetLangs) {
      const td = row.querySelector<HTMLTableCellElement>(`td[data-lang="${CSS.escape(lang)}"]`);
      const tgt = seg.targets[lang];
      if (!td || !tgt) continue;
      const box = h('div', {
        class: 'seg-text seg-edit',
        role: 'textbox',
        contenteditable: 'true',
        spellcheck: 'true',
        'aria-multiline': 'false',
        'aria-label': `${seg.id} ${lang}`,
        'aria-describedby': `editor-keys`,
        'data-segment': seg.id,
        'data-lang': lang,
        lang,
      });
      const c: Cell = {
        seg,
        lang,
        td,
        box,
        original: tgt.text,
        findings: h('div', { class: 'cell-findings' }),
        status: h('p', { class: 'seg-status' }),
        hints: h('div', { class: 'hints', role: 'group', 'aria-label': t('editor.hints') }),
        conflict: h('div', { class: 'conflict-box' }),
        saving: false,
        base: view.revision,
      };
      fill(box, tgt.text, seg.spans, formsOf(c));
      const onKey = keydown(c);
      box.addEventListener('keydown', (e) => void onKey(e));
      box.addEventListener('beforeinput', guardChips(c));
      box.addEventListener('paste', paste);
      for (const ev of ['keyup', 'mouseup', 'input', 'blur'] as const) box.addEventListener(ev, () => keepCaret(c));
      box.addEventListener('focus', () => {
        td.classList.add('editing');
        drawHints(c);
      });
      td.addEventListener('focusout', (e) => {
        if (!td.contains(e.relatedTarget as Node | null)) {
          td.classList.remove('editing');
          replace(c.hints);
        }
      });
      // The read-only rendering (text, human mark, findings) gives way to the editor's own.
      replace(td, box, c.status, c.conflict, c.findings, c.hints);
      td.classList.add('editable');
      stateLabel(c, tgt);
      showFindings(c, tgt.qa);
      cells.set(key(seg.id, lang), c);
    }
  }

  // ---- approval, at the top of each target column
  const reviewBoxes = new Map<string, HTMLElement>();
  const showReview = (lang: string, review: TargetReview | null) => {
    const box = reviewBoxes.get(lang);
    if (!box) return;
    replace(box, review?.state === 'approved' ? h('span', { class: 'badge status-approved' }, t('editor.approvedBy', { by: review.by })) : review ? h('span', { class: 'badge' }, t('editor.inReview')) : null);
  };
  for (const lang of targetLangs) {
    const th = table.querySelector<HTMLTableCellElement>(`thead th[data-lang="${CSS.escape(lang)}"]`);
    if (!th) continue;
    const status = h('span', { class: 'review-state', 'aria-live': 'polite' });
    reviewBoxes.set(lang, status);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'approve',
        'data-lang': lang,
        onclick: async () => {
          button.disabled = true;
          try {
            const res = await api<{ revision: number; review: TargetReview }>('POST', `/v1/jobs/${encodeURIComponent(jobId)}/targets/${encodeURIComponent(lang)}/approve`, {}, { 'if-match': `"${revision}"` });
            revision = Math.max(revision, res.revision);
            showReview(lang, res.review);
            options.announce(t('editor.approvedBy', { by: res.review.by }));
          } catch (err) {
            options.announce(t('editor.refused', { message: errorText(err) }));
            if (err instanceof ApiError && err.status === 412) await refresh();
          } finally {
            button.disabled = false;
            button.focus();
          }
        },
      },
      t('editor.approve', { language: languageName(lang) }),
    );
    th.append(h('div', { class: 'review-head' }, button, ' ', status));
    showReview(lang, view.targets[lang]?.review ?? null);
  }

  // ---- filters and the key help
  const onlyFindings = h('input', { type: 'checkbox', id: 'filter-findings' });
  const onlyMachine = h('input', { type: 'checkbox', id: 'filter-machine' });
  const applyFilters = () => {
    for (const row of Array.from(table.querySelectorAll<HTMLTableRowElement>('tbody tr[data-segment]'))) {
      const hasFindings = Array.from(row.querySelectorAll<HTMLElement>('td[data-findings]')).some((td) => Number(td.dataset.findings) > 0) || row.querySelector('ul.findings') !== null;
      row.hidden = (onlyFindings.checked && !hasFindings) || (onlyMachine.checked && row.dataset.machine !== 'true');
    }
  };
  onlyFindings.addEventListener('change', applyFilters);
  onlyMachine.addEventListener('change', applyFilters);
  options.toolbar.append(
    h(
      'div',
      { class: 'editor-bar' },
      h('p', { id: 'editor-keys', class: 'help' }, t('editor.keys')),
      h('div', { class: 'checks' }, h('span', {}, onlyFindings, h('label', { for: 'filter-findings' }, t('editor.onlyFindings'))), h('span', {}, onlyMachine, h('label', { for: 'filter-machine' }, t('editor.onlyMachine')))),
    ),
  );

  // ---- other reviewers' revisions
  const refresh = async () => {
    view = await get<EditorView>(`/v1/jobs/${encodeURIComponent(jobId)}/review`);
    for (const seg of view.segments) {
      for (const lang of targetLangs) {
        const c = cells.get(key(seg.id, lang));
        const tgt = seg.targets[lang];
        if (!c || !tgt) continue;
        c.seg.targets[lang] = tgt;
        c.seg.terms = seg.terms;
        // A cell being changed here keeps the reviewer's text; saving it will show the conflict if there is one.
        if (!dirty(c)) {
          if (tgt.text !== c.original) fill(c.box, tgt.text, c.seg.spans, formsOf(c));
          c.original = tgt.text;
          c.base = view.revision;
        }
        stateLabel(c, tgt);
        showFindings(c, tgt.qa);
      }
    }
    for (const lang of targetLangs) showReview(lang, view.targets[lang]?.review ?? null);
    applyFilters();
  };
  const source = new EventSource(`/v1/jobs/${encodeURIComponent(jobId)}/review/events?lng=${currentLanguage()}`, { withCredentials: true });
  source.addEventListener('revised', ((e: MessageEvent<string>) => {
    const change = JSON.parse(e.data) as { revision: number; by: string; segments: string[] };
    if (change.revision <= revision) return;
    void refresh().then(() => {
      revision = Math.max(revision, change.revision);
      options.announce(t('editor.revisedBy', { by: change.by, revision: change.revision }));
    });
  }) as EventListener);
  return () => source.close();
}

function rangeOf(node: Node): Range {
  const r = document.createRange();
  r.selectNode(node);
  return r;
}

function placeCaretAtEnd(el: HTMLElement): void {
  const r = document.createRange();
  r.selectNodeContents(el);
  r.collapse(false);
  const sel = getSelection();
  sel?.removeAllRanges();
  sel?.addRange(r);
}
