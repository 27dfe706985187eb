/**
 * The post-editing round trip, pure part: a translator's XLIFF 1.2 file for
 * one target comes back, is checked against the job, and its changed targets
 * replace the machine output. Storing the new revision and writing the human
 * translations into the TM are the caller's job.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InputError } from './errors.js';
import { comparePlaceholders, plainText, unescapeXml } from './inline.js';
import type { BundleInput, InlineXml, Lang, QaFinding, Segment } from './model.js';
import { canonicalInline, escapeText, reviseTarget } from './revise.js';
import { findBadReference } from './formats/xml.js';

/** A post-edited file for one news article is small; anything far larger is a mistake or an attack. */
export const MAX_XLIFF_BYTES = 10 * 1024 * 1024;
const MAX_PROBLEMS_LISTED = 5;
/** xliff › file › body › trans-unit › target › g… : real files stay far below this. */
const MAX_XLIFF_DEPTH = 100;

export interface ApplyXliffOptions {
  maxBytes?: number;
  /** Timestamp of the new revision (ISO 8601); the bundle keeps its `createdAt` when left out. */
  at?: string;
  /** Who imported the file (a token's label); recorded on the segments and the target's review. */
  by?: string;
}

export interface ApplyXliffResult {
  /** A new BundleInput (the argument is never modified); `revision` is bumped when anything changed. */
  input: BundleInput;
  /** Segment ids whose target now comes from a person, in document order. */
  edited: string[];
  /** The target language the file was for. */
  lang: Lang;
  /** QA of the edited segments (origin `human`): a broken glossary term is accepted and reported here. */
  findings: QaFinding[];
}

type XmlNode = Record<string, unknown>;
interface Unit {
  id: string;
  source: InlineXml;
  target: InlineXml | undefined;
  state: string | undefined;
  approved: boolean;
}

const semantic = (code: string, message: string, details: Record<string, unknown> = {}) => new InputError(code, message, { status: 422, details });

function decode(xliff: string | Uint8Array, maxBytes: number): string {
  const size = typeof xliff === 'string' ? new TextEncoder().encode(xliff).byteLength : xliff.byteLength;
  if (size > maxBytes) throw new InputError('xliff-too-large', `the XLIFF file is ${size} bytes; the limit is ${maxBytes}`, { status: 413, details: { size, limit: maxBytes } });
  if (size === 0) throw new InputError('xliff-empty', 'the XLIFF file is empty', { status: 400 });
  if (typeof xliff === 'string') return xliff.replace(/^\uFEFF/, '');
  // CAT tools write UTF-8, sometimes UTF-16 with a byte-order mark.
  const encoding = xliff[0] === 0xff && xliff[1] === 0xfe ? 'utf-16le' : xliff[0] === 0xfe && xliff[1] === 0xff ? 'utf-16be' : 'utf-8';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(xliff);
  } catch (cause) {
    throw new InputError('xliff-encoding', `the XLIFF file is not valid ${encoding.toUpperCase()}`, { status: 400, cause, params: { encoding: encoding.toUpperCase() } });
  }
}

/**
 * Well-formed XML without any document type declaration. A DTD is refused
 * outright rather than ignored: XLIFF needs none, and internal or external
 * entities are the usual way to make a parser read files or exhaust memory.
 */
function parse(xml: string): XmlNode[] {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new InputError('xliff-doctype', 'the XLIFF file contains a DOCTYPE or ENTITY declaration, which locflow does not accept', { status: 400 });
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    const open = unclosedAtEnd(msg);
    if (open) {
      // The parser lists every element still open as a JSON array; people need the innermost one and where the file stops.
      const lines = xml.split('\n');
      const end = { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
      throw new InputError('xliff-malformed', `the XLIFF file ends (line ${end.line}, column ${end.col}) before <${open}> is closed: it may have been cut short`, {
        status: 400,
        params: { ...end, element: open, context: 'unclosed' },
      });
    }
    throw new InputError('xliff-malformed', `the XLIFF file is not well-formed XML (line ${line}, column ${col}): ${msg}`, { status: 400, details: { line, col, detail: msg } });
  }
  const ref = findBadReference(xml);
  if (ref) {
    const detail = `${ref.ref} is not a character XML allows`;
    throw new InputError('xliff-malformed', `the XLIFF file is not well-formed XML (line ${ref.line}, column ${ref.col}): ${detail}`, { status: 400, details: { line: ref.line, col: ref.col, detail } });
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    // Entities stay as written: text is kept in escaped form, which is what inline XML is.
    processEntities: false,
    htmlEntities: false,
    trimValues: false,
    parseTagValue: false,
    parseAttributeValue: false,
    cdataPropName: '#cdata',
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: MAX_XLIFF_DEPTH,
  });
  try {
    return parser.parse(xml) as XmlNode[];
  } catch (cause) {
    // The validator has passed, so the one thing left for the parser to refuse is the depth.
    throw new InputError('xliff-too-deep', `the XLIFF file nests elements more than ${MAX_XLIFF_DEPTH} levels deep; a post-edited XLIFF file needs fewer than ten`, { status: 422, cause, params: { limit: MAX_XLIFF_DEPTH } });
  }
}

/** The innermost element fast-xml-parser reports as never closed (`Invalid '["xliff","file","body"]' found.`), if that is the complaint. */
function unclosedAtEnd(msg: string): string | undefined {
  const list = /^Invalid '(\[[^]*\])' found\.?$/.exec(msg)?.[1];
  if (!list) return undefined;
  try {
    const names = JSON.parse(list) as unknown;
    return Array.isArray(names) && typeof names[names.length - 1] === 'string' ? (names[names.length - 1] as string) : undefined;
  } catch {
    return undefined;
  }
}

function nameOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@');
}
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
function childrenOf(node: XmlNode): XmlNode[] {
  const name = nameOf(node);
  const value = name === undefined ? undefined : node[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}
function attr(node: XmlNode, name: string): string | undefined {
  const value = (node[':@'] as Record<string, string> | undefined)?.[name];
  return value === undefined ? undefined : unescapeXml(value);
}
function elements(nodes: XmlNode[], local: string): XmlNode[] {
  return nodes.filter((n) => {
    const name = nameOf(n);
    return name !== undefined && !name.startsWith('#') && localName(name) === local;
  });
}

/** XLIFF inline content → locflow inline XML. Only the elements locflow writes (and `<mrk>`, which CAT tools add) are accepted. */
function toInline(nodes: XmlNode[], unitId: string, problems: string[]): InlineXml {
  let out = '';
  for (const node of nodes) {
    const name = nameOf(node);
    if (name === undefined) continue;
    if (name === '#text') out += escapeText(unescapeXml(String(node[name])));
    else if (name === '#cdata') out += escapeText(childrenOf(node).map((c) => String(c['#text'] ?? '')).join(''));
    else if (name.startsWith('#') || name.startsWith('?')) continue;
    else {
      const local = localName(name);
      const id = attr(node, 'id');
      if ((local === 'g' || local === 'x' || local === 'bx' || local === 'ex') && !id) {
        problems.push(`${unitId}: <${local}> without an id`);
        continue;
      }
      if (local === 'g') out += `<g id="${escapeText(id!)}">${toInline(childrenOf(node), unitId, problems)}</g>`;
      else if (local === 'x') out += `<x id="${escapeText(id!)}"/>`;
      else if (local === 'bx') out += `<g id="${escapeText(id!)}">`;
      else if (local === 'ex') out += '</g>';
      else if (local === 'mrk') out += toInline(childrenOf(node), unitId, problems);
      else problems.push(`${unitId}: inline element <${name}> is not one locflow wrote`);
    }
  }
  return out;
}

function sameLang(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The job language a file's language attribute stands for: exact match first,
 * then a region variant of it (CAT tools often rewrite `en` as `en-US`).
 */
function matchLang(fileLang: string, candidates: Lang[]): Lang | undefined {
  const exact = candidates.find((c) => sameLang(c, fileLang));
  if (exact) return exact;
  const primary = fileLang.toLowerCase().split('-')[0];
  const loose = candidates.filter((c) => c.toLowerCase().split('-')[0] === primary);
  return loose.length === 1 ? loose[0] : undefined;
}

function collectUnits(nodes: XmlNode[], out: XmlNode[]): void {
  for (const n of nodes) {
    const name = nameOf(n);
    if (name === undefined || name.startsWith('#')) continue;
    const local = localName(name);
    if (local === 'trans-unit') out.push(n);
    else if (local === 'group' || local === 'body') collectUnits(childrenOf(n), out);
  }
}

function fail(code: string, problems: string[]): never {
  const shown = problems.slice(0, MAX_PROBLEMS_LISTED).join('; ');
  const more = problems.length > MAX_PROBLEMS_LISTED ? ` (and ${problems.length - MAX_PROBLEMS_LISTED} more)` : '';
  const lead = problems.length === 1 ? 'the XLIFF file does not fit the job' : `the XLIFF file does not fit the job (${problems.length} problems)`;
  const hidden = problems.length - MAX_PROBLEMS_LISTED;
  throw semantic(code, `${lead}: ${shown}${more}`, { problems, count: problems.length, list: hidden > 0 ? `${shown} (+${hidden})` : shown });
}

function readFile(xml: string, input: BundleInput): { lang: Lang; units: Unit[] } {
  const doc = parse(xml);
  const root = doc.find((n) => {
    const name = nameOf(n);
    return name !== undefined && !name.startsWith('#') && !name.startsWith('?');
  });
  if (!root || localName(nameOf(root)!) !== 'xliff') throw semantic('xliff-not-xliff', 'the file is XML but not XLIFF (its root element is not <xliff>)');
  const version = attr(root, 'version');
  if (version !== '1.2') throw semantic('xliff-version', `only XLIFF 1.2 is accepted; this file says version ${version ?? '(none)'}`, { version: version ?? '(none)' });
  const files = elements(childrenOf(root), 'file');
  if (files.length === 0) throw semantic('xliff-not-xliff', 'the XLIFF file has no <file> element', { context: 'no-file' });
  const { analysis } = input;
  const targetLangs = input.targets.map((t) => t.lang);
  let lang: Lang | undefined;
  const units: Unit[] = [];
  for (const file of files) {
    const src = attr(file, 'source-language') ?? '';
    const tgt = attr(file, 'target-language') ?? '';
    if (!matchLang(src, [analysis.sourceLang])) {
      throw semantic('xliff-language', `the file's source language is "${src}" but job ${input.jobId} is in ${analysis.sourceLang}`, { lang: src, expected: analysis.sourceLang, job: input.jobId });
    }
    const matched = matchLang(tgt, targetLangs);
    if (!matched) {
      throw semantic('xliff-language', `the file's target language is "${tgt}" but job ${input.jobId} has targets ${targetLangs.join(', ')}`, {
        lang: tgt,
        expected: targetLangs.join(', '),
        job: input.jobId,
        context: 'target',
      });
    }
    if (lang !== undefined && lang !== matched) throw semantic('xliff-language', `the file mixes target languages ${lang} and ${matched}; import one target at a time`, { lang, other: matched, context: 'mixed' });
    lang = matched;
    const found: XmlNode[] = [];
    collectUnits(childrenOf(file), found);
    const problems: string[] = [];
    for (const u of found) {
      const id = attr(u, 'id') ?? '';
      const kids = childrenOf(u);
      const [sourceEl] = elements(kids, 'source');
      const [targetEl] = elements(kids, 'target');
      const source = sourceEl ? toInline(childrenOf(sourceEl), id, problems) : '';
      const target = targetEl ? toInline(childrenOf(targetEl), id, problems) : undefined;
      units.push({ id, source, target, state: targetEl ? attr(targetEl, 'state') : undefined, approved: attr(u, 'approved') === 'yes' });
    }
    if (problems.length) fail('xliff-inline', problems);
  }
  return { lang: lang!, units };
}

function squash(inline: InlineXml): string {
  return inline.replace(/\s+/g, ' ').trim();
}

/** Same text for a person: NFC, whitespace runs collapsed, characters XML cannot carry ignored. */
function sameText(a: string, b: string): boolean {
  // eslint-disable-next-line no-control-regex
  const norm = (s: string) => s.normalize('NFC').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

/**
 * Checks a post-edited XLIFF 1.2 file against the job and applies it to a copy
 * of the bundle input. A unit counts as edited when its target text differs
 * from the current one, or when the translator confirmed a machine target
 * (`state="final"`/`"signed-off"` or `approved="yes"`). Units without a
 * `<target>` are left alone. Any problem → InputError (400 unreadable,
 * 413 too large, 422 does not fit the job) and nothing is applied.
 */
export function applyXliff(input: BundleInput, xliff: string | Uint8Array, options: ApplyXliffOptions = {}): ApplyXliffResult {
  const xml = decode(xliff, options.maxBytes ?? MAX_XLIFF_BYTES);
  const { lang, units } = readFile(xml, input);
  const { analysis } = input;
  const segments = new Map<string, Segment>(analysis.segments.map((s) => [s.id, s]));
  const target = input.targets.find((t) => t.lang === lang)!;
  const current = new Map(target.segments.map((s) => [s.id, s]));

  const problems: { code: string; text: string }[] = [];
  const seen = new Set<string>();
  const changes = new Map<string, InlineXml>();
  for (const u of units) {
    const seg = segments.get(u.id);
    if (!seg) {
      problems.push({ code: 'xliff-unknown-segment', text: u.id ? `unknown segment id "${u.id}"` : 'a trans-unit without an id' });
      continue;
    }
    if (seen.has(u.id)) {
      problems.push({ code: 'xliff-duplicate-segment', text: `segment ${u.id} appears twice` });
      continue;
    }
    seen.add(u.id);
    if (!sameText(plainText(u.source), seg.plain)) {
      problems.push({ code: 'xliff-source-mismatch', text: `${u.id}: the source text differs from the job's (was the file exported from another job or revision?)` });
      continue;
    }
    if (u.target === undefined) continue;
    const now = current.get(u.id)!;
    // Outer whitespace is the joiner's business, and CAT tools reflow runs of spaces: neither is an edit.
    const text = canonicalInline(u.target).trim();
    const changed = squash(text) !== squash(canonicalInline(now.text));
    // An approved target exports every unit as signed-off: re-importing that file confirms nothing new.
    const confirmed = !now.human && target.review?.state !== 'approved' && (u.approved || u.state === 'final' || u.state === 'signed-off');
    if (!seg.translatable) {
      if (changed) problems.push({ code: 'xliff-not-translatable', text: `${u.id} is marked translate="no" and cannot be changed` });
      continue;
    }
    if (!changed && !confirmed) continue;
    if (plainText(text).trim() === '' && seg.plain.trim() !== '') {
      problems.push({ code: 'xliff-empty-target', text: `${u.id}: the target is empty` });
      continue;
    }
    const check = comparePlaceholders(seg.source, text);
    if (!check.ok) {
      const parts = [
        check.missing.length ? `missing ${check.missing.join(', ')}` : '',
        check.extra.length ? `unexpected ${check.extra.join(', ')}` : '',
        check.unbalanced ? 'tags unbalanced' : '',
      ].filter(Boolean);
      problems.push({ code: 'xliff-placeholders', text: `${u.id}: inline tags do not match the source (${parts.join('; ')})` });
      continue;
    }
    changes.set(u.id, text);
  }
  if (problems.length) fail(problems[0]!.code, problems.map((p) => p.text));

  // Nothing changed: the same bundle, no new revision.
  if (changes.size === 0) return { input: structuredClone(input), edited: [], lang, findings: [] };
  // The same path as an edit on the page: one rule for states, QA, review and revision.
  const at = options.at ?? input.createdAt;
  const revised = reviseTarget(input, lang, [...changes].map(([id, text]) => ({ id, text })), { by: options.by ?? 'xliff', at });
  if (!options.at) revised.input.createdAt = input.createdAt;
  return { input: revised.input, edited: revised.edited, lang, findings: revised.findings };
}
