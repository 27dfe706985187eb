/**
 * XLIFF 1.2 writer: one `<file>` per target language, one `<trans-unit>` per
 * segment (id and resname = segment id). Inline markup is written as XLIFF's
 * own `<g>`/`<x/>`, glossary terms and QA findings as `<note>`s, and `state`
 * tells the translator what needs looking at.
 */
import type { BundleInput, DocFormat, TargetResult, TranslatedSegment } from '../model.js';
import { extensionFor } from '../ingest.js';
import { segmentState } from '../revise.js';
import { targetSegments } from './aligned.js';
import { glossaryNote, qaNote, termsInSegment } from './notes.js';
import { toXliffInline } from './inline-codes.js';
import { XML_DECLARATION, attrs, element, text } from './xml.js';

export const XLIFF_NS = 'urn:oasis:names:tc:xliff:document:1.2';

export function xliffPath(input: BundleInput, target: string): string {
  return `xliff/${input.analysis.sourceLang}-${target}.xlf`;
}

export function xliffDatatype(format: DocFormat): string {
  return format === 'html' ? 'html' : format === 'markdown' ? 'x-markdown' : 'plaintext';
}

/**
 * `state` and `state-qualifier` for a translated segment: machine output is
 * `translated` (or `needs-review-translation` with errors), a person's edit or
 * confirmation `final`, and every unit of an approved target `signed-off`.
 */
export function unitState(seg: TranslatedSegment, approved = false): { state: string; qualifier?: string } {
  if (approved) return { state: 'signed-off' };
  if (seg.human) return { state: 'final' };
  if (seg.skipped === 'not-translatable') return { state: 'final' };
  if (seg.qa.some((f) => f.severity === 'error')) return { state: 'needs-review-translation', qualifier: seg.tm ? 'leveraged-tm' : seg.skipped ? undefined : 'mt-suggestion' };
  if (seg.skipped) return { state: 'translated' };
  return { state: 'translated', qualifier: seg.tm ? 'leveraged-tm' : 'mt-suggestion' };
}

export function writeXliff(input: BundleInput, target: TargetResult): string {
  const { analysis } = input;
  const byId = targetSegments(input).get(target.lang)!;
  const spansOf = new Map(analysis.doc.blocks.map((b) => [b.index, b.spans]));
  const pseudo = target.providers.includes('pseudo');
  const out: string[] = [XML_DECLARATION, `<xliff${attrs({ version: '1.2', xmlns: XLIFF_NS })}>`];
  out.push(
    `  <file${attrs({
      original: `documents/${analysis.sourceLang}.${extensionFor(analysis.doc.format)}`,
      'source-language': analysis.sourceLang,
      'target-language': target.lang,
      datatype: xliffDatatype(analysis.doc.format),
      date: input.createdAt,
      'tool-id': 'locflow',
      'product-name': 'locflow',
      'product-version': input.toolVersion,
    })}>`,
    '    <header>',
    `      ${element('tool', { 'tool-id': 'locflow', 'tool-name': 'locflow', 'tool-version': input.toolVersion })}`,
    `      ${element('note', { from: 'locflow' }, text(`job ${input.jobId}, revision ${input.revision}, glossary ${analysis.glossaryVersion}, route ${target.route}`))}`,
  );
  if (pseudo) out.push(`      ${element('note', { from: 'locflow', priority: 1 }, 'Pseudo-localised text for testing, not a translation.')}`);
  out.push('    </header>', '    <body>');
  for (const seg of analysis.segments) {
    const t = byId.get(seg.id)!;
    const spans = spansOf.get(seg.paragraph) ?? {};
    const { state, qualifier } = unitState(t, target.review?.state === 'approved');
    out.push(`      <trans-unit${attrs({ id: seg.id, resname: seg.id, translate: seg.translatable ? undefined : 'no', 'xml:space': 'preserve' })}>`);
    out.push(`        <source>${toXliffInline(seg.source, spans)}</source>`);
    out.push(`        <target${attrs({ state, 'state-qualifier': qualifier })}>${toXliffInline(t.text, spans)}</target>`);
    for (const term of termsInSegment(analysis, seg.id)) out.push(`        ${element('note', { from: 'glossary', annotates: 'source' }, text(glossaryNote(term, target.lang)))}`);
    for (const f of t.qa) out.push(`        ${element('note', { from: 'qa', annotates: 'target', priority: f.severity === 'error' ? 1 : f.severity === 'warning' ? 3 : 5 }, text(qaNote(f)))}`);
    if (t.human) out.push(`        ${element('note', { from: 'locflow' }, text(segmentState(t) === 'reviewed' ? `Confirmed by ${t.by ?? 'a person'}.` : `Edited by ${t.by ?? 'a person'}.`))}`);
    else if (t.skipped === 'same-language') out.push(`        ${element('note', { from: 'locflow' }, text(`Copied: the segment is already in ${target.lang}.`))}`);
    out.push('      </trans-unit>');
  }
  out.push('    </body>', '  </file>', '</xliff>');
  return out.join('\n') + '\n';
}
