/**
 * TMX 1.4b writer: one `<tu tuid>` per segment, one `<tuv xml:lang>` per
 * language (source first). Inline markup becomes `<bpt>`/`<ept>`/`<ph>` holding
 * the source format's native codes, so TM tools match on text and keep tags.
 */
import type { BundleInput, DocFormat, TranslatedSegment } from '../model.js';
import { languagesOf, targetSegments } from './aligned.js';
import { toTmxInline } from './inline-codes.js';
import { XML_DECLARATION, attrs, element, text } from './xml.js';

export const TMX_PATH = 'bundle.tmx';

/** TMX dates are `YYYYMMDDThhmmssZ` in UTC. */
export function tmxDate(iso: string): string | undefined {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function tmxDatatype(format: DocFormat): string {
  return format === 'html' ? 'html' : format === 'markdown' ? 'x-markdown' : 'plaintext';
}

function origin(t: TranslatedSegment): string {
  return t.human ? 'human' : t.tm ? 'tm' : t.skipped ? 'copy' : 'mt';
}

export function writeTmx(input: BundleInput): string {
  const { analysis } = input;
  const targets = targetSegments(input);
  const spansOf = new Map(analysis.doc.blocks.map((b) => [b.index, b.spans]));
  const out: string[] = [XML_DECLARATION, '<tmx version="1.4">'];
  out.push(
    `  <header${attrs({
      creationtool: 'locflow',
      creationtoolversion: input.toolVersion,
      datatype: tmxDatatype(analysis.doc.format),
      segtype: 'sentence',
      adminlang: 'en',
      srclang: analysis.sourceLang,
      'o-tmf': 'locflow',
      creationdate: tmxDate(input.createdAt),
    })}>`,
    `    ${element('prop', { type: 'x-job' }, text(input.jobId))}`,
    `    ${element('prop', { type: 'x-revision' }, String(input.revision))}`,
    `    ${element('prop', { type: 'x-languages' }, text(languagesOf(input).join(',')))}`,
    '  </header>',
    '  <body>',
  );
  for (const seg of analysis.segments) {
    const spans = spansOf.get(seg.paragraph) ?? {};
    const numbers = new Map<string, number>();
    out.push(`    <tu${attrs({ tuid: seg.id })}>`);
    out.push(`      ${element('prop', { type: 'x-paragraph' }, String(seg.paragraph))}`);
    if (!seg.translatable) out.push(`      ${element('prop', { type: 'x-translate' }, 'no')}`);
    out.push(`      <tuv${attrs({ 'xml:lang': analysis.sourceLang })}>`, `        <seg>${toTmxInline(seg.source, spans, numbers)}</seg>`, '      </tuv>');
    for (const [lang, byId] of targets) {
      const t = byId.get(seg.id)!;
      out.push(`      <tuv${attrs({ 'xml:lang': lang })}>`);
      out.push(`        ${element('prop', { type: 'x-origin' }, origin(t))}`);
      out.push(`        ${element('prop', { type: 'x-provider' }, text(t.provider))}`);
      out.push(`        <seg>${toTmxInline(t.text, spans, numbers)}</seg>`, '      </tuv>');
    }
    out.push('    </tu>');
  }
  out.push('  </body>', '</tmx>');
  return out.join('\n') + '\n';
}
