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

/**
 * Inside a quotation that, once closed, carries on the same sentence
 * (`« … », a-t-il dit`, `“…” and`), a full stop ends a sentence of the quote,
 * not of the text: keep the quote in one segment.
 */
function insideContinuingQuote(before: string, after: string): boolean {
  for (const [open, close] of QUOTE_PAIRS) {
    let depth = 0;
    for (const ch of before) {
      if (ch === open) depth++;
      else if (ch === close && depth > 0) depth--;
    }
    if (depth === 0) continue;
    const end = after.indexOf(close);
    if (end === -1) continue;
    const rest = after.slice(end + 1);
    if (/^\s*(?:[,;:)\]–—-]|\p{Ll})/u.test(rest)) return true;
  }
  // Straight double quotes have no direction: an odd count means we are inside one.
  if ((before.match(/"/g)?.length ?? 0) % 2 === 1) {
    const end = after.indexOf('"');
    if (end !== -1 && /^\s*(?:[,;:)\]–—-]|\p{Ll})/u.test(after.slice(end + 1))) return true;
  }
  return false;
}

const TAG_OR_ENTITY = /<g\s[^>]*>|<\/g>|<x\s[^>]*\/>|&(?:#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g;

interface PlainMap {
  plain: string;
  /** Inline offset of each plain UTF-16 unit. */
  at: number[];
}

function mapPlain(inline: InlineXml): PlainMap {
  let plain = '';
  const at: number[] = [];
  let last = 0;
  const addText = (from: number, to: number) => {
    for (let i = from; i < to; i++) at.push(i);
    plain += inline.slice(from, to);
  };
  for (const m of inline.matchAll(TAG_OR_ENTITY)) {
    addText(last, m.index);
    if (m[0].startsWith('&')) {
      const decoded = unescapeXml(m[0]);
      for (let k = 0; k < decoded.length; k++) at.push(m.index);
      plain += decoded;
    }
    last = m.index + m[0].length;
  }
  addText(last, inline.length);
  return { plain, at };
}

function gDepth(inline: string): number {
  let depth = 0;
  for (const m of inline.matchAll(/<g\s[^>]*>|<\/g>/g)) depth += m[0] === '</g>' ? -1 : 1;
  return depth;
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

/** Splits one block's inline XML into sentence strings (trimmed, never empty). */
export function splitSentences(inline: InlineXml, lang: Lang): InlineXml[] {
  const { plain, at } = mapPlain(inline);
  const cuts: number[] = [];
  const candidates = new Set<number>();
  for (const { index } of segmenterFor(lang).segment(plain)) candidates.add(index);
  // ICU never ends a sentence at U+2026; news text does when a capital follows.
  for (const m of plain.matchAll(/…[»”"’)]*\s+(?=[«“"]?\p{Lu})/gu)) candidates.add(m.index + m[0].length);
  for (const index of [...candidates].sort((a, b) => a - b)) {
    if (index === 0) continue;
    const before = plain.slice(0, index);
    const after = plain.slice(index);
    if (after.trim() === '' || before.trim() === '') continue;
    if (endsWithAbbreviation(before.trimEnd(), after, lang)) continue;
    if (continuesLowercase(after)) continue;
    if (insideContinuingQuote(before, after)) continue;
    // Move the cut back over spaces and opening tags so that markup opening the next sentence goes with it.
    let pos = at[index] ?? inline.length;
    for (;;) {
      const head = inline.slice(0, pos);
      const m = /(?:\s+|<g\s[^>]*>)$/.exec(head);
      if (!m || m[0].length === 0) break;
      pos -= m[0].length;
    }
    if (gDepth(inline.slice(0, pos)) > 0) continue;
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
