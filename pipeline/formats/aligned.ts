/** `aligned.json` and `aligned.jsonl`: every language side by side, one entry per segment. */
import { LocflowError } from '../errors.js';
import { targetForm } from '../glossary/terms.js';
import { plainToReadable, readableText } from '../inline.js';
import { segmentState } from '../revise.js';
import type { AlignedDocument, AlignedSegment, AlignedTermMatch, Analysis, BundleInput, InlineSpan, Lang, Segment, TranslatedSegment } from '../model.js';

/**
 * Target segments by id, checked against the source segmentation: the bundle
 * promises every language the same ids in the same order, so a target that
 * lacks or adds a segment is a pipeline bug and stops the bundle.
 */
export function targetSegments(input: BundleInput): Map<Lang, Map<string, TranslatedSegment>> {
  const ids = new Set(input.analysis.segments.map((s) => s.id));
  const out = new Map<Lang, Map<string, TranslatedSegment>>();
  for (const target of input.targets) {
    const byId = new Map<string, TranslatedSegment>();
    for (const seg of target.segments) {
      if (!ids.has(seg.id)) throw new LocflowError('bundle-misaligned', `target ${target.lang} has segment ${seg.id}, which the source does not have`, { params: { lang: target.lang, segment: seg.id } });
      byId.set(seg.id, seg);
    }
    for (const id of ids) if (!byId.has(id)) throw new LocflowError('bundle-misaligned', `target ${target.lang} lacks segment ${id}`, { params: { lang: target.lang, segment: id, context: 'missing' } });
    out.set(target.lang, byId);
  }
  return out;
}

export function languagesOf(input: BundleInput): Lang[] {
  return [input.analysis.sourceLang, ...input.targets.map((t) => t.lang)];
}

/**
 * The glossary terms found in a segment's source, placed in the text a reader
 * sees. Matching ran on the segment's plain text in the source language, so
 * an English or Vietnamese article lists its own words here, not the
 * glossary's (often French) name for the term.
 */
function sourceMatches(analysis: Analysis, seg: Segment, spans: Record<string, InlineSpan>, readable: string): Omit<AlignedTermMatch, 'target'>[] {
  const found = analysis.matches[seg.id] ?? [];
  if (found.length === 0) return [];
  const at = plainToReadable(seg.source, spans);
  let from = 0;
  return found.map((m) => {
    const source = m.text.normalize('NFC');
    let start = at(m.start, 'start');
    let end = at(m.end, 'end');
    // The offsets must point at the words they name; if the two texts ever disagree, find the words instead.
    if (readable.slice(start, end).normalize('NFC') !== source) {
      const i = readable.indexOf(source, from);
      if (i >= 0) [start, end] = [i, i + source.length];
    }
    from = end;
    return { id: m.termId, source, start, end };
  });
}

export function toAligned(input: BundleInput): AlignedDocument {
  const { analysis } = input;
  const targets = targetSegments(input);
  const termById = new Map(analysis.terms.map((t) => [t.id, t]));
  const spansOf = new Map(analysis.doc.blocks.map((b) => [b.index, b.spans]));
  const segments: AlignedSegment[] = analysis.segments.map((seg) => {
    const spans = spansOf.get(seg.paragraph) ?? {};
    // Not seg.plain / t.plain: those leave out code and URLs (right for detection and QA, wrong for a reader).
    const text: Record<Lang, string> = { [analysis.sourceLang]: readableText(seg.source, spans) };
    const found = seg.translatable ? sourceMatches(analysis, seg, spans, text[analysis.sourceLang]!) : [];
    const meta: AlignedSegment['meta'] = {};
    for (const [lang, byId] of targets) {
      const t = byId.get(seg.id)!;
      text[lang] = readableText(t.text, spans);
      const matches = found.map((m) => {
        const term = termById.get(m.id);
        const form = term ? targetForm(term, lang, m.source) : undefined;
        return form !== undefined ? { ...m, target: form } : { ...m };
      });
      meta[lang] = { provider: t.provider, tm: t.tm, human: t.human, state: segmentState(t), terms: [...t.terms], matches, qa: t.qa.map((f) => ({ ...f, origin: f.origin ?? 'machine' })) };
      if (t.skipped) meta[lang].skipped = t.skipped;
    }
    const detected = seg.lang?.lang;
    // Key order follows PRODUCT.md's example: id, paragraph, (lang), text, meta.
    return detected && detected !== 'und' && detected !== analysis.sourceLang
      ? { id: seg.id, paragraph: seg.paragraph, lang: detected, text, meta }
      : { id: seg.id, paragraph: seg.paragraph, text, meta };
  });
  return { sourceLang: analysis.sourceLang, languages: languagesOf(input), segments };
}

export function alignedJson(doc: AlignedDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** One segment per line, for streaming tools and line-oriented diffing. */
export function alignedJsonl(doc: AlignedDocument): string {
  return doc.segments.map((s) => JSON.stringify(s)).join('\n') + (doc.segments.length ? '\n' : '');
}
