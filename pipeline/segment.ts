/**
 * Stage 2: segmentation. Blocks split into sentences with Intl.Segmenter (ICU's
 * sentence rules), then corrected where ICU is known to be wrong for news
 * text: abbreviations and initials, quotes that continue the sentence,
 * boundaries inside inline markup. Ids and hashes depend only on the input.
 */
import { createHash } from 'node:crypto';
import { plainText, unescapeXml } from './inline.js';
import type { Block, InlineXml, Lang, Segment, SourceDocument } from './model.js';

/** Languages written without spaces between sentences. */
const NO_SPACE = new Set(['zh', 'ja', 'th', 'lo', 'km', 'my', 'bo']);

/**
 * Abbreviations after which a full stop never ends a sentence (titles before
 * names, references). Case-sensitive: `Dr.` and `No.` are abbreviations,
 * `dr.` and `no.` end sentences.
 */
const NEVER_SPLIT_AFTER: Record<string, string[]> = {
  fr: ['M', 'MM', 'Mme', 'Mmes', 'Mlle', 'Mlles', 'Dr', 'Drs', 'Pr', 'Me', 'Mgr', 'St', 'Ste', 'Sts', 'cf', 'Cf', 'av', 'apr', 'env', 'chap', 'fig', 'éd', 'vol', 'p', 'pp', 'al', 'hab', 'art', 'Art', 'réf', 'tél', 'Tél'],
  en: ['Mr', 'Mrs', 'Ms', 'Mx', 'Dr', 'Drs', 'Prof', 'Sr', 'Jr', 'St', 'Mt', 'Gen', 'Gov', 'Sen', 'Rep', 'Rev', 'Hon', 'Capt', 'Col', 'Lt', 'Sgt', 'Fr', 'vs', 'approx', 'No', 'Nos', 'Fig', 'fig', 'Jan', 'Feb', 'Apr', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec', 'al', 'ca', 'cf', 'pp', 'Vol', 'vol', 'Ave', 'Blvd'],
  vi: ['Tp', 'TP', 'TS', 'ThS', 'PGS', 'GS', 'BS', 'KS', 'NXB', 'TT', 'Th', 'Q', 'P', 'ông', 'bà'],
};
const ALL_ABBREVIATIONS = new Set(Object.values(NEVER_SPLIT_AFTER).flat());

const LEADING_PUNCT = /^[\p{Ps}\p{Pi}«"'‘“]+/u;

function primary(lang: Lang): string {
  return lang.toLowerCase().split(/[-_]/)[0] ?? lang;
}

/** Whether the text before a candidate boundary ends with an abbreviation rather than a sentence. */
function endsWithAbbreviation(before: string, after: string, lang: Lang): boolean {
  const m = /(?:(\S+)\s+)?(\S+)$/.exec(before);
  if (!m) return false;
  const token = m[2]!.replace(LEADING_PUNCT, '');
  if (!token.endsWith('.')) return false;
  const core = token.slice(0, -1);
  if (core === '') return false;
  const own = NEVER_SPLIT_AFTER[primary(lang)];
  if (own ? own.includes(core) : ALL_ABBREVIATIONS.has(core)) return true;
  // Initials (`J.`, `J.-C.`) come before a name, after a first name, a title or another initial;
  // `sur X. Il…` (the network X) still ends a sentence.
  if (/^\p{Lu}$/u.test(core) || /^\p{Lu}\.-\p{Lu}$/u.test(core)) {
    const next = /^\S+/.exec(after.trimStart())?.[0] ?? '';
    const prev = (m[1] ?? '').replace(LEADING_PUNCT, '');
    if (/^\p{Lu}\.$/u.test(next)) return true;
    if (/^\p{Lu}/u.test(next) && (prev === '' || /^\p{Lu}/u.test(prev))) return true;
  }
  if (/^(?:\p{L}\.)+\p{L}$/u.test(core)) return true;
  return false;
}

/** The next sentence would start with an all-lowercase word: ICU stopped at an ellipsis, a quote or an abbreviation it did not know. */
function continuesLowercase(after: string): boolean {
  const word = /^\S+/.exec(after.trimStart().replace(LEADING_PUNCT, ''))?.[0] ?? '';
  return /^\p{Ll}/u.test(word) && !/\p{Lu}/u.test(word);
}

const QUOTE_PAIRS: [string, string][] = [
  ['«', '»'],
  ['“', '”'],
  ['„', '“'],
];

/** A quotation kept in one segment stays within a few sentences; beyond that, a mark was probably left unclosed. */
const MAX_QUOTE = 600;

/** After a closing quote, a comma, a dash or a lowercase word means the sentence goes on. */
const CONTINUES = /^\s*(?:[,;:)\]–—-]|\p{Ll})/u;

/**
 * Tracks, while walking forward through a paragraph, whether the walk is inside
 * a quotation that carries on the same sentence once closed (`« … », a-t-il
 * dit`, `“…” and`): a full stop there ends a sentence of the quote, not of the
 * text. Incremental so that a long paragraph costs linear time.
 */
class QuoteTracker {
  private pos = 0;
  private readonly depth = QUOTE_PAIRS.map(() => 0);
  private straight = 0;
  private readonly nextClose = QUOTE_PAIRS.map(() => -2);
  private nextStraight = -2;

  constructor(private readonly text: string) {}

  private advance(to: number): void {
    for (; this.pos < to; this.pos++) {
      const ch = this.text[this.pos]!;
      // Quotes of one kind do not nest in news copy (« “ ” » does): a second opening
      // mark means the first was never closed, so depth is 0 or 1.
      QUOTE_PAIRS.forEach(([open, close], i) => {
        if (ch === open) this.depth[i] = 1;
        else if (ch === close) this.depth[i] = 0;
      });
      if (ch === '"') this.straight++;
    }
  }

  private find(cached: number, ch: string, from: number): number {
    return cached === -1 || (cached >= from && cached !== -2) ? cached : this.text.indexOf(ch, from);
  }

  insideContinuing(index: number): boolean {
    this.advance(index);
    for (let i = 0; i < QUOTE_PAIRS.length; i++) {
      if (this.depth[i] === 0) continue;
      const end = (this.nextClose[i] = this.find(this.nextClose[i]!, QUOTE_PAIRS[i]![1], index));
      if (end !== -1 && end - index < MAX_QUOTE && CONTINUES.test(this.text.slice(end + 1, end + 8))) return true;
    }
    // Straight double quotes have no direction: an odd count so far means we are inside one.
    if (this.straight % 2 === 1) {
      const end = (this.nextStraight = this.find(this.nextStraight, '"', index));
      if (end !== -1 && end - index < MAX_QUOTE && CONTINUES.test(this.text.slice(end + 1, end + 8))) return true;
    }
    return false;
  }
}

const TAG_OR_ENTITY = /<g\s[^>]*>|<\/g>|<x\s[^>]*\/>|&(?:#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g;
const OPEN_G = /^<g\s[^>]*>$/;

interface PlainMap {
  plain: string;
  /** Inline offset of each plain UTF-16 unit (and of the end). */
  at: Int32Array;
  /** `<g>` nesting depth after each tag: offsets where it changes, and the depth from there on. */
  depthAt: number[];
  depthValue: number[];
}

function mapPlain(inline: InlineXml): PlainMap {
  const parts: string[] = [];
  const at = new Int32Array(inline.length + 1);
  const depthAt: number[] = [];
  const depthValue: number[] = [];
  let n = 0;
  let depth = 0;
  let last = 0;
  const addText = (from: number, to: number) => {
    for (let i = from; i < to; i++) at[n++] = i;
    parts.push(inline.slice(from, to));
  };
  for (const m of inline.matchAll(TAG_OR_ENTITY)) {
    addText(last, m.index);
    const tag = m[0];
    if (tag.startsWith('&')) {
      const decoded = unescapeXml(tag);
      for (let k = 0; k < decoded.length; k++) at[n++] = m.index;
      parts.push(decoded);
    } else if (tag === '</g>' || OPEN_G.test(tag)) {
      depth += tag === '</g>' ? -1 : 1;
      depthAt.push(m.index + tag.length);
      depthValue.push(depth);
    }
    last = m.index + tag.length;
  }
  addText(last, inline.length);
  at[n] = inline.length;
  return { plain: parts.join(''), at: at.subarray(0, n + 1), depthAt, depthValue };
}

/** `<g>` depth at an inline offset (binary search over the tag positions). */
function depthBefore(map: PlainMap, pos: number): number {
  let lo = 0;
  let hi = map.depthAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (map.depthAt[mid]! <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : map.depthValue[lo - 1]!;
}

/** Moves a cut back over spaces and opening tags, so that markup opening the next sentence goes with it. */
function backOverOpenings(inline: InlineXml, pos: number): number {
  while (pos > 0) {
    const ch = inline[pos - 1]!;
    if (/\s/.test(ch)) pos--;
    else if (ch === '>') {
      const lt = inline.lastIndexOf('<', pos - 1);
      if (lt === -1 || !OPEN_G.test(inline.slice(lt, pos))) break;
      pos = lt;
    } else break;
  }
  return pos;
}

const segmenters = new Map<string, Intl.Segmenter>();
function segmenterFor(lang: Lang): Intl.Segmenter {
  let s = segmenters.get(lang);
  if (!s) {
    let locale = 'und';
    try {
      locale = Intl.Segmenter.supportedLocalesOf([lang])[0] ?? 'und';
    } catch {
      // An invalid tag falls back to the root rules rather than failing the job.
    }
    s = new Intl.Segmenter(locale, { granularity: 'sentence' });
    segmenters.set(lang, s);
  }
  return s;
}

/**
 * ICU boundaries of a text. V8's sentence segmenter slows down quadratically
 * on long strings (a 300 kB paragraph takes seconds), so long paragraphs are
 * fed to it in pieces of a few kilobytes cut after sentence-final punctuation;
 * each cut is itself a candidate, judged by the same corrections as ICU's.
 */
function icuBoundaries(plain: string, segmenter: Intl.Segmenter): Set<number> {
  const out = new Set<number>();
  const CHUNK = 2000;
  const terminal = /[.!?…]["»”’)\]]*\s+/g;
  let start = 0;
  while (start < plain.length) {
    let end = plain.length;
    if (plain.length - start > CHUNK * 2) {
      terminal.lastIndex = start + CHUNK;
      const m = terminal.exec(plain);
      if (m) end = m.index + m[0].length;
    }
    for (const { index } of segmenter.segment(plain.slice(start, end))) out.add(start + index);
    out.add(end);
    start = end;
  }
  return out;
}

/** Splits one block's inline XML into sentence strings (trimmed, never empty). */
export function splitSentences(inline: InlineXml, lang: Lang): InlineXml[] {
  const map = mapPlain(inline);
  const { plain, at } = map;
  const firstText = plain.search(/\S/);
  const lastText = plain.trimEnd().length;
  if (firstText === -1) return inline.trim() ? [inline.trim()] : [];
  const candidates = icuBoundaries(plain, segmenterFor(lang));
  // ICU never ends a sentence at U+2026; news text does when a capital follows.
  for (const m of plain.matchAll(/…[»”"’)]*\s+(?=[«“"]?\p{Lu})/gu)) candidates.add(m.index + m[0].length);
  const quotes = new QuoteTracker(plain);
  const cuts: number[] = [];
  for (const index of [...candidates].sort((a, b) => a - b)) {
    if (index <= firstText || index >= lastText) continue;
    // Windows, not whole prefixes: a long paragraph must not cost quadratic time.
    const before = plain.slice(Math.max(0, index - 80), index).trimEnd();
    const after = plain.slice(index, index + 80);
    if (endsWithAbbreviation(before, after, lang)) continue;
    if (continuesLowercase(after)) continue;
    if (quotes.insideContinuing(index)) continue;
    const pos = backOverOpenings(inline, at[index] ?? inline.length);
    if (depthBefore(map, pos) > 0) continue;
    if (cuts.length && cuts.at(-1)! >= pos) continue;
    cuts.push(pos);
  }
  const out: InlineXml[] = [];
  let from = 0;
  for (const cut of [...cuts, inline.length]) {
    const piece = inline.slice(from, cut).trim();
    if (piece) out.push(piece);
    from = cut;
  }
  return out.length ? out : [inline.trim()];
}

export function segmentHash(source: InlineXml): string {
  return createHash('sha256').update(source.normalize('NFC'), 'utf8').digest('hex').slice(0, 16);
}

function makeSegment(block: Block, n: number, source: InlineXml, translatable: boolean): Segment {
  return { id: `p${block.index}.s${n}`, paragraph: block.index, sentence: n, source, plain: plainText(source), hash: segmentHash(source), translatable };
}

/** Splits every block into sentences with stable ids `p{block}.s{n}` and content hashes. */
export function segmentDocument(doc: SourceDocument, lang: Lang): Segment[] {
  const segments: Segment[] = [];
  for (const block of doc.blocks) {
    if (!block.translatable) {
      segments.push(makeSegment(block, 1, block.inline, false));
      continue;
    }
    splitSentences(block.inline, lang).forEach((s, i) => segments.push(makeSegment(block, i + 1, s, true)));
  }
  return segments;
}

/** Joins translated sentences back into one inline text per block, the way `lang` writes (space, or none for zh/ja/th). */
export function joinBlocks(segments: Segment[], texts: Map<string, InlineXml>, lang: Lang): Map<number, InlineXml> {
  const sep = NO_SPACE.has(primary(lang)) ? '' : ' ';
  const parts = new Map<number, InlineXml[]>();
  for (const seg of segments) {
    const list = parts.get(seg.paragraph) ?? [];
    list.push((texts.get(seg.id) ?? seg.source).trim());
    parts.set(seg.paragraph, list);
  }
  const out = new Map<number, InlineXml>();
  for (const [block, list] of parts) out.set(block, list.filter((t) => t !== '').join(sep));
  return out;
}
