/**
 * Masking: glossary terms found in a segment's plain text are replaced in its
 * inline XML by `<x id="tN"/>` so that no engine can translate or damage them,
 * and the glossary's target form is put back afterwards.
 */
import { escapeXml, normalizeInline, tagsOf, unescapeXml } from '../inline.js';
import type { InlineXml, Lang, Term, TermMatch } from '../model.js';
import { matchCapital, targetForm } from './terms.js';

export interface Mask {
  termId: string;
  /** Surface text in the source. */
  source: string;
  /** What goes back in the target: the forced translation, or the source for `keep`. */
  target: string;
}

export interface MaskedSegment {
  text: InlineXml;
  /** Placeholder id (`t1`, `t2`, …) → what it stands for. */
  masks: Record<string, Mask>;
}

/** Plain text of an inline string, with where each plain code unit sits in the XML. */
interface PlainMap {
  plain: string;
  /** Plain unit i is XML unit i and no tag comes before any: the arrays below are left empty. */
  identity: boolean;
  /** XML offset where plain unit i starts / ends. */
  xmlStart: number[];
  xmlEnd: number[];
  /** Number of tags before plain unit i: a term whose units disagree crosses a tag. */
  tagsBefore: number[];
}

// Must agree with plainText() in inline.ts, which Segment.plain is made with.
const TAG_AT = /<\/?[gx](?:\s[^>]*)?\/?>/y;
const ENTITY_AT = /&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/y;

function mapPlain(inline: InlineXml): PlainMap {
  // Most segments have neither `<` nor `&`: the plain text is the XML itself, and the maps need not be built.
  if (!inline.includes('<') && !inline.includes('&')) return { plain: inline, identity: true, xmlStart: [], xmlEnd: [], tagsBefore: [] };
  const map: PlainMap = { plain: '', identity: false, xmlStart: [], xmlEnd: [], tagsBefore: [] };
  let tags = 0;
  let i = 0;
  let plain = '';
  while (i < inline.length) {
    const c = inline[i];
    if (c === '<') {
      TAG_AT.lastIndex = i;
      const m = TAG_AT.exec(inline);
      if (m) {
        tags++;
        i += m[0].length;
        continue;
      }
    } else if (c === '&') {
      ENTITY_AT.lastIndex = i;
      const m = ENTITY_AT.exec(inline);
      if (m) {
        const decoded = unescapeXml(m[0]);
        for (let k = 0; k < decoded.length; k++) {
          map.xmlStart.push(i);
          map.xmlEnd.push(i + m[0].length);
          map.tagsBefore.push(tags);
        }
        plain += decoded;
        i += m[0].length;
        continue;
      }
    }
    map.xmlStart.push(i);
    map.xmlEnd.push(i + 1);
    map.tagsBefore.push(tags);
    plain += c;
    i++;
  }
  map.plain = plain;
  return map;
}

/**
 * Replaces term occurrences inside the inline text with `<x id="tN"/>`
 * placeholders. Matches are plain-text offsets (from GlossaryMatcher.find on
 * the segment's plain text). Left as text, so the engine translates them:
 * a translate term without a form for `to`, and a match that crosses a tag
 * (`<g id="1">open</g> source`), which cannot be replaced without breaking
 * the markup.
 */
export function maskSegment(source: InlineXml, matches: TermMatch[], terms: Term[], to: Lang): MaskedSegment {
  if (matches.length === 0) return { text: source, masks: {} };
  const byId = new Map(terms.map((t) => [t.id, t]));
  const map = mapPlain(source);
  const used = new Set(tagsOf(source).map((t) => t.id));
  let counter = 0;
  const nextId = () => {
    let id: string;
    do id = `t${++counter}`;
    while (used.has(id));
    used.add(id);
    return id;
  };

  const replacements: { xs: number; xe: number; id: string }[] = [];
  const masks: Record<string, Mask> = {};
  let floor = 0;
  for (const match of [...matches].sort((a, b) => a.start - b.start)) {
    const term = byId.get(match.termId);
    if (!term) continue;
    const span = locate(map.plain, match, floor);
    if (!span) continue;
    const [s, e] = span;
    if (!map.identity && map.tagsBefore[s] !== map.tagsBefore[e - 1]) continue;
    const form = targetForm(term, to, match.text);
    if (form === undefined) continue;
    const id = nextId();
    masks[id] = { termId: term.id, source: match.text, target: matchCapital(form, match.text, term.caseSensitive) };
    replacements.push(map.identity ? { xs: s, xe: e, id } : { xs: map.xmlStart[s]!, xe: map.xmlEnd[e - 1]!, id });
    floor = e;
  }

  let text = '';
  let at = 0;
  for (const r of replacements) {
    text += `${source.slice(at, r.xs)}<x id="${r.id}"/>`;
    at = r.xe;
  }
  text += source.slice(at);
  return { text, masks };
}

/**
 * Where a match lies in this plain text. Normally exactly at its offsets; if
 * the caller's plain text differed slightly (whitespace trimmed by a segmenter),
 * the nearest occurrence of the same surface text after the previous match.
 */
function locate(plain: string, match: TermMatch, floor: number): [number, number] | undefined {
  const len = match.text.length;
  if (len === 0) return undefined;
  if (match.start >= floor && plain.slice(match.start, match.end) === match.text) return [match.start, match.end];
  let best: number | undefined;
  for (let i = plain.indexOf(match.text, floor); i !== -1; i = plain.indexOf(match.text, i + 1)) {
    if (best === undefined || Math.abs(i - match.start) < Math.abs(best - match.start)) best = i;
    if (i > match.start) break;
  }
  return best === undefined ? undefined : [best, best + len];
}

/** Puts the target forms back (XML-escaped); reports placeholders the engine lost. */
export function unmaskSegment(text: InlineXml, masks: Record<string, Mask>): { text: InlineXml; missing: string[] } {
  const ids = Object.keys(masks);
  if (ids.length === 0) return { text, missing: [] };
  const found = new Set<string>();
  const restored = normalizeInline(text).replace(/<x id="([^"]*)"\/>/g, (whole, id: string) => {
    const mask = masks[id];
    if (!mask) return whole;
    found.add(id);
    return escapeXml(mask.target);
  });
  return { text: restored, missing: ids.filter((id) => !found.has(id)) };
}
