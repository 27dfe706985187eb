/**
 * The one way a person changes a target: a segment edited on the page, a
 * segment confirmed as it is, or a whole post-edited XLIFF file all end here
 * as a list of segment edits, which make the next bundle revision. Pure: the
 * caller stores the revision (checking it was based on the latest one) and
 * feeds the human sentences to the translation memory.
 */
import { InputError } from './errors.js';
import { comparePlaceholders, plainText } from './inline.js';
import { tokenize } from './formats/inline-codes.js';
import type { BundleInput, InlineXml, Lang, QaFinding, SegmentState, TargetResult, TranslatedSegment } from './model.js';
import { checkSegment } from './qa.js';

/** A segment's review state; bundles made before states existed say it with `human` alone. */
export function segmentState(seg: TranslatedSegment): SegmentState {
  return seg.state ?? (seg.human ? 'edited' : 'machine');
}

export interface SegmentEdit {
  id: string;
  /** Inline XML as checkEdit returns it. */
  text: InlineXml;
}

export interface ReviseOptions {
  /** Who made the change (a token's label); recorded on the segments and in `targets[].review`. */
  by: string;
  /** ISO 8601 time of the change; becomes the bundle's `createdAt`. */
  at: string;
}

export interface ReviseResult {
  /** A new BundleInput (the argument is never modified); unchanged when `edited` is empty. */
  input: BundleInput;
  /** Segment ids whose text or state changed, in document order. */
  edited: string[];
  /** The QA findings of the edited segments (origin `human`). */
  findings: QaFinding[];
}

export function escapeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One spelling for the same inline XML, so that "changed?" is a string comparison. */
export function canonicalInline(inline: InlineXml): InlineXml {
  let out = '';
  for (const t of tokenize(inline)) {
    if (t.type === 'text') out += escapeText(t.text);
    else if (t.type === 'open' || t.type === 'lone-open') out += `<g id="${escapeText(t.id)}">`;
    else if (t.type === 'close' || t.type === 'lone-close') out += '</g>';
    else out += `<x id="${escapeText(t.id)}"/>`;
  }
  return out.normalize('NFC');
}

/** Runs of whitespace are a reflow, not an edit. */
const squash = (inline: InlineXml) => inline.replace(/\s+/g, ' ').trim();

export function sameInline(a: InlineXml, b: InlineXml): boolean {
  return squash(canonicalInline(a)) === squash(canonicalInline(b));
}

export function findTarget(input: BundleInput, lang: string): TargetResult {
  const target = input.targets.find((t) => t.lang.toLowerCase() === lang.toLowerCase());
  if (!target) {
    const targets = input.targets.map((t) => t.lang).join(', ');
    throw new InputError('target-not-found', `job ${input.jobId} has no ${lang} target (its targets: ${targets})`, { status: 404, params: { job: input.jobId, lang, targets } });
  }
  return target;
}

/**
 * Why a person's text cannot replace a segment, as an InputError (404 unknown
 * segment, 422 untranslatable segment, empty text or broken markup), or the
 * text in canonical form. The XLIFF import runs the same rules per unit.
 */
export function checkEdit(input: BundleInput, lang: Lang, id: string, text: InlineXml): InlineXml {
  const seg = input.analysis.segments.find((s) => s.id === id);
  if (!seg) throw new InputError('segment-not-found', `job ${input.jobId} has no segment ${id}`, { status: 404, params: { job: input.jobId, segment: id } });
  if (!seg.translatable) throw new InputError('segment-not-translatable', `segment ${id} is marked translate="no" and cannot be changed`, { status: 422, params: { segment: id } });
  const canonical = canonicalInline(text).trim();
  if (plainText(canonical).trim() === '' && seg.plain.trim() !== '') throw new InputError('edit-empty', `the new ${lang} text of segment ${id} is empty`, { status: 422, params: { segment: id, lang } });
  const check = comparePlaceholders(seg.source, canonical);
  if (!check.ok) {
    const parts = [check.missing.length ? `missing ${check.missing.join(', ')}` : '', check.extra.length ? `unexpected ${check.extra.join(', ')}` : '', check.unbalanced ? 'tags unbalanced' : '']
      .filter(Boolean)
      .join('; ');
    throw new InputError('edit-placeholders', `segment ${id}: the inline tags do not match the source (${parts})`, { status: 422, params: { segment: id, detail: parts } });
  }
  return canonical;
}

/**
 * Applies a person's edits to one target. A text that differs from the
 * current one makes the segment `edited` (written by a person); the same text
 * makes it `reviewed` (a person vouches for it). A reviewed segment sent
 * again unchanged is not a change. Any change moves the target's review back
 * to `in-review` and bumps the revision.
 */
export function reviseTarget(input: BundleInput, lang: Lang, edits: SegmentEdit[], options: ReviseOptions): ReviseResult {
  const { analysis } = input;
  const target = findTarget(input, lang);
  const byId = new Map(edits.map((e) => [e.id, e.text]));
  const segments = new Map(analysis.segments.map((s) => [s.id, s]));
  const termById = new Map(analysis.terms.map((t) => [t.id, t]));
  const edited: string[] = [];
  const findings: QaFinding[] = [];
  let tmLost = 0;
  let wrote = false;
  const nextSegments = target.segments.map((old): TranslatedSegment => {
    const text = byId.get(old.id);
    const seg = segments.get(old.id);
    if (text === undefined || !seg) return old;
    const changed = !sameInline(text, old.text);
    if (!changed && segmentState(old) === 'reviewed') return old;
    edited.push(old.id);
    const qa = checkSegment({
      segment: seg,
      target: changed ? text : old.text,
      from: analysis.sourceLang,
      to: target.lang,
      terms: analysis.terms,
      termById,
      matches: analysis.matches[seg.id] ?? [],
      lostMasks: [],
      translated: false,
      origin: 'human',
    });
    findings.push(...qa);
    // A sentence a person vouches for is theirs from now on, in the memory too: it no longer counts as a memory hit.
    if (old.tm) tmLost++;
    if (!changed) return { ...old, tm: false, human: true, state: 'reviewed', by: options.by, qa };
    wrote = true;
    return { id: old.id, text, plain: plainText(text), provider: 'human', route: [analysis.sourceLang, target.lang], tm: false, human: true, state: 'edited', by: options.by, terms: old.terms, qa };
  });
  if (edited.length === 0) return { input: structuredClone(input), edited, findings };
  const next = structuredClone(input);
  const nextTarget = findTarget(next, target.lang);
  nextTarget.segments = nextSegments;
  nextTarget.tmHits = Math.max(0, nextTarget.tmHits - tmLost);
  if (wrote && !nextTarget.providers.includes('human')) nextTarget.providers = [...nextTarget.providers, 'human'];
  nextTarget.review = { state: 'in-review', by: options.by, at: options.at };
  next.revision = input.revision + 1;
  next.createdAt = options.at;
  const order = new Map(analysis.segments.map((s, i) => [s.id, i]));
  edited.sort((a, b) => order.get(a)! - order.get(b)!);
  return { input: next, edited, findings };
}

/** The target signed off: `targets[].review` becomes approved (a new revision), unless it already is. */
export function approveTarget(input: BundleInput, lang: Lang, options: ReviseOptions): { input: BundleInput; changed: boolean } {
  const target = findTarget(input, lang);
  if (target.review?.state === 'approved') return { input: structuredClone(input), changed: false };
  const next = structuredClone(input);
  findTarget(next, lang).review = { state: 'approved', by: options.by, at: options.at };
  next.revision = input.revision + 1;
  next.createdAt = options.at;
  return { input: next, changed: true };
}
