/** `aligned.json` and `aligned.jsonl`: every language side by side, one entry per segment. */
import { LocflowError } from '../errors.js';
import { readableText } from '../inline.js';
import { segmentState } from '../revise.js';
import type { AlignedDocument, AlignedSegment, BundleInput, Lang, TranslatedSegment } from '../model.js';

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

export function toAligned(input: BundleInput): AlignedDocument {
  const { analysis } = input;
  const targets = targetSegments(input);
  const spansOf = new Map(analysis.doc.blocks.map((b) => [b.index, b.spans]));
  const segments: AlignedSegment[] = analysis.segments.map((seg) => {
    const spans = spansOf.get(seg.paragraph) ?? {};
    // Not seg.plain / t.plain: those leave out code and URLs (right for detection and QA, wrong for a reader).
    const text: Record<Lang, string> = { [analysis.sourceLang]: readableText(seg.source, spans) };
    const meta: AlignedSegment['meta'] = {};
    for (const [lang, byId] of targets) {
      const t = byId.get(seg.id)!;
      text[lang] = readableText(t.text, spans);
      meta[lang] = { provider: t.provider, tm: t.tm, human: t.human, state: segmentState(t), terms: [...t.terms], qa: t.qa.map((f) => ({ ...f, origin: f.origin ?? 'machine' })) };
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
