/**
 * The only way the page builds DOM. Children that are strings become text
 * nodes, attributes are set one by one, and nothing ever goes through
 * innerHTML: a glossary term such as `<img onerror=…>` stays text.
 */
export type Child = Node | string | number | null | undefined | false;
/** Children may come in nested lists (a map inside a list): they are flattened in order. */
export type Children = Child | Children[];
// `never` lets a handler declare the precise event it expects (KeyboardEvent, SubmitEvent…).
type Handler = (event: never) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Children[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, '').toLowerCase(), value as EventListener);
    } else if (name === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (name === 'checked' && el instanceof HTMLInputElement) {
      el.checked = value === true;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Children[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, ...child);
    else if (child === null || child === undefined || child === false) continue;
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function replace(parent: Node, ...children: Children[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** A selector for the focused element inside `container` (its id or `data-focus` key), if any. */
function focusKey(container: Element): string | undefined {
  const active = document.activeElement;
  if (!active || !container.contains(active)) return undefined;
  if (active.id) return `#${CSS.escape(active.id)}`;
  const key = active.getAttribute('data-focus');
  return key ? `[data-focus="${CSS.escape(key)}"]` : undefined;
}

/**
 * Replaces `parent`'s content and, when focus was inside it on an element
 * with an id (or a `data-focus` key), puts focus back on its counterpart in
 * the new content. Live updates redraw parts of a page many times a minute;
 * without this a keyboard user on a link or button there is thrown back to
 * the top of the page.
 */
export function replaceKeepingFocus(parent: Element, ...children: Children[]): void {
  const key = focusKey(parent);
  replace(parent, ...children);
  if (key) (parent.querySelector(key) as HTMLElement | null)?.focus({ preventScroll: true });
}

/** Replaces one element by another, keeping focus as replaceKeepingFocus does. */
export function swapKeepingFocus(old: Element, next: Element): void {
  const key = focusKey(old);
  old.replaceWith(next);
  if (key) (next.querySelector(key) as HTMLElement | null)?.focus({ preventScroll: true });
}

/** A string to highlight; plain strings match without regard to case. `attrs` go on its marks (e.g. the term id). */
export type Needle = string | { text: string; caseSensitive: boolean; attrs?: Attrs };

/** A stretch of text to mark, by UTF-16 offsets. */
export interface MarkRange {
  start: number;
  end: number;
  attrs?: Attrs;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * `text` as nodes with the given ranges wrapped in `<mark>` (overlapping or
 * out-of-bounds ranges are dropped): for places the server has already
 * found, such as a glossary term in a segment's source.
 */
export function markRanges(text: string, ranges: MarkRange[], markAttrs: Attrs = {}): Node[] {
  const kept: MarkRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start < 0 || r.end > text.length || r.end <= r.start) continue;
    if (kept.some((k) => r.start < k.end && r.end > k.start)) continue;
    kept.push(r);
  }
  const out: Node[] = [];
  let pos = 0;
  for (const r of kept) {
    if (r.start > pos) out.push(document.createTextNode(text.slice(pos, r.start)));
    out.push(h('mark', { ...markAttrs, ...r.attrs }, text.slice(r.start, r.end)));
    pos = r.end;
  }
  if (pos < text.length || out.length === 0) out.push(document.createTextNode(text.slice(pos)));
  return out;
}

/**
 * `text` as nodes with every occurrence of `needles` wrapped in `<mark>`.
 * Only whole words match (`IA` is not found inside `mondiale`), longest
 * needles win where they overlap, and case counts only where the needle says.
 */
export function highlight(text: string, needles: Needle[], markAttrs: Attrs = {}): Node[] {
  const list = needles
    .map((n) => (typeof n === 'string' ? { text: n, caseSensitive: false } : n))
    .filter((n) => n.text.trim().length > 0)
    .sort((a, b) => b.text.length - a.text.length);
  if (list.length === 0) return [document.createTextNode(text)];
  const lower = text.toLocaleLowerCase();
  const spans: MarkRange[] = [];
  for (const needle of list) {
    const hay = needle.caseSensitive ? text : lower;
    const n = needle.caseSensitive ? needle.text : needle.text.toLocaleLowerCase();
    for (let at = hay.indexOf(n); at >= 0; at = hay.indexOf(n, at + 1)) {
      const end = at + n.length;
      const wordBefore = at > 0 && WORD_CHAR.test(text[at - 1]!) && WORD_CHAR.test(n[0]!);
      const wordAfter = end < text.length && WORD_CHAR.test(text[end]!) && WORD_CHAR.test(n[n.length - 1]!);
      if (wordBefore || wordAfter) continue;
      if (!spans.some((s) => at < s.end && end > s.start)) spans.push({ start: at, end, attrs: 'attrs' in needle ? needle.attrs : undefined });
    }
  }
  return markRanges(text, spans, markAttrs);
}
