/** Plain text: one block per paragraph, bare URLs protected. */
import type { Block } from '../model.js';
import { InlineBuilder } from './inline.js';
import type { Slot } from './skeleton.js';

interface Line {
  text: string;
  start: number;
}

const BULLET = /^(?:[-*•–]|\d{1,3}[.)])\s+/;
const FINAL_PUNCT = /[.!?…:;,»"”)]$/u;

/**
 * Paragraphs are lines, unless the text is hard-wrapped (blank lines between
 * paragraphs and short lines throughout), in which case the lines between two
 * blank lines are one paragraph. The sample articles put one paragraph per
 * line with no blank line at all; mail-style text wraps at ~72 columns.
 */
export function readText(source: string): { blocks: Block[]; slots: Slot[] } {
  const lines: Line[] = [];
  let offset = 0;
  for (const text of source.split('\n')) {
    lines.push({ text, start: offset });
    offset += text.length + 1;
  }
  const nonBlank = lines.filter((l) => l.text.trim() !== '');
  const hasBlankSeparators = nonBlank.length > 0 && lines.slice(lines.indexOf(nonBlank[0]!), lines.indexOf(nonBlank.at(-1)!)).some((l) => l.text.trim() === '');
  const longLines = nonBlank.filter((l) => l.text.length > 120).length;
  const wrapped = hasBlankSeparators && longLines <= nonBlank.length * 0.1;

  // Groups of lines that form one paragraph.
  const groups: Line[][] = [];
  let current: Line[] = [];
  for (const line of lines) {
    if (line.text.trim() === '') {
      if (current.length) groups.push(current);
      current = [];
    } else if (!wrapped || BULLET.test(line.text.trimStart())) {
      if (current.length) groups.push(current);
      current = [line];
      if (!wrapped) {
        groups.push(current);
        current = [];
      }
    } else current.push(line);
  }
  if (current.length) groups.push(current);

  const blocks: Block[] = [];
  const slots: Slot[] = [];
  for (const group of groups) {
    const first = group[0]!;
    const last = group.at(-1)!;
    const lead = first.text.length - first.text.trimStart().length;
    const bullet = BULLET.exec(first.text.slice(lead));
    const start = first.start + lead + (bullet ? bullet[0].length : 0);
    const end = last.start + last.text.trimEnd().length;
    const b = new InlineBuilder();
    b.text(source.slice(start, end));
    const inline = b.result();
    const index = blocks.length + 1;
    blocks.push({ index, kind: bullet ? 'list-item' : 'paragraph', ...(bullet ? { level: 1 } : {}), inline, spans: b.spans, translatable: inline !== '' });
    slots.push({ block: index, start, end });
  }

  // A short first line without closing punctuation is the headline.
  const head = blocks[0];
  const headText = groups[0]?.map((l) => l.text.trim()).join(' ') ?? '';
  if (head && blocks.length > 1 && groups[0]!.length === 1 && head.kind === 'paragraph' && headText.length <= 150 && !FINAL_PUNCT.test(headText) && Object.keys(head.spans).length === 0) {
    head.kind = 'title';
  }
  return { blocks, slots };
}
