/**
 * TBX-Basic (TermBase eXchange, ISO 30042) import and export.
 *
 * Written as TBX-Basic v2 (`<martif type="TBX-Basic">`, `termEntry` /
 * `langSet` / `tig` / `term`), which CAT tools (Trados MultiTerm, memoQ,
 * Phrase, OmegaT) read. Read: that and the 2019 dialect (`<tbx>`,
 * `conceptEntry` / `langSec` / `termSec`).
 *
 * How a locflow term maps onto one entry:
 * - the term's own language set comes first; its first `tig` is the term,
 *   further `tig`s are the variants (`administrativeStatus` admittedTerm);
 * - each translation is a language set with one `tig`;
 * - `kind`, `status`, `caseSensitive`, the source language and suggestion
 *   frequency are `<admin type="x-locflow-…">` on the entry, so other tools
 *   keep them as opaque data; the standard `administrativeStatus` is filled
 *   in too (preferred / admitted / deprecated) for tools that only read that;
 * - `note` is the entry's `<note>`, the example sentence its `<descrip type="context">`.
 *
 * Files from other tools without locflow's admin data: the first language set
 * (or the one matching `<martif xml:lang>`) is the source, a source term
 * marked deprecatedTerm is `forbidden`, an entry with other languages is
 * `translate`, otherwise `keep`.
 *
 * Safety: any DOCTYPE or ENTITY declaration is refused before parsing (no
 * external entities, no entity expansion, no billion laughs), and files over
 * MAX_TBX_BYTES are refused unread.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { GlossaryError } from '../../pipeline/errors.js';
import { findBadReference } from '../../pipeline/formats/xml.js';
import { unescapeXml } from '../../pipeline/inline.js';
import { escapeXml } from '../../pipeline/inline.js';
import type { Lang, Term, TermGrammar, TermStatus } from '../../pipeline/model.js';
import { defaultCaseSensitive, toTerm } from '../schema.js';

export const MAX_TBX_BYTES = 5 * 1024 * 1024;

const STATUS_ADMIN: Record<TermStatus, string> = {
  approved: 'preferredTerm-admn-sts',
  proposed: 'admittedTerm-admn-sts',
  rejected: 'deprecatedTerm-admn-sts',
  deprecated: 'deprecatedTerm-admn-sts',
};

function bad(message: string, code = 'glossary-bad-file', params: Record<string, unknown> = {}): GlossaryError {
  return new GlossaryError(code, message, { status: 422, params: { detail: message, ...params } });
}

export function formatTbx(terms: Term[], options: { sourceLang?: Lang } = {}): string {
  return tbxHeader(options.sourceLang ?? mostCommonLang(terms)) + tbxEntries(terms) + TBX_FOOTER;
}

/** The document up to the first entry; `main` is the file's language (the most common source language). */
export function tbxHeader(main: Lang): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<martif type="TBX-Basic" xml:lang="${escapeXml(main)}">`,
    '  <martifHeader>',
    '    <fileDesc><sourceDesc><p>locflow glossary export</p></sourceDesc></fileDesc>',
    '    <encodingDesc><p type="XCSURI">TBXBasicXCSV02.xcs</p></encodingDesc>',
    '  </martifHeader>',
    '  <text>',
    '    <body>',
    '',
  ].join('\n');
}

export const TBX_FOOTER = ['    </body>', '  </text>', '</martif>', ''].join('\n');

/** One termEntry per term, each line ending with a line break, so chunks concatenate. */
export function tbxEntries(terms: Term[]): string {
  const out: string[] = [];
  for (const t of terms) {
    out.push(`      <termEntry id="${escapeXml(t.id)}">`);
    const admin = (type: string, value: string) => out.push(`        <admin type="x-locflow-${type}">${escapeXml(value)}</admin>`);
    admin('lang', t.lang);
    admin('kind', t.kind);
    admin('status', t.status);
    admin('caseSensitive', String(t.caseSensitive));
    if (t.frequency !== undefined) admin('frequency', String(t.frequency));
    if (t.example !== undefined) out.push(`        <descrip type="context">${escapeXml(t.example)}</descrip>`);
    if (t.note !== undefined) out.push(`        <note>${escapeXml(t.note)}</note>`);
    const sourceStatus = t.kind === 'forbidden' ? 'deprecatedTerm-admn-sts' : STATUS_ADMIN[t.status];
    out.push(`        <langSet xml:lang="${escapeXml(t.lang)}">`);
    out.push(tig(t.term, sourceStatus, t.grammar?.[t.lang]));
    for (const v of t.variants) out.push(tig(v, t.kind === 'forbidden' ? 'deprecatedTerm-admn-sts' : 'admittedTerm-admn-sts'));
    out.push('        </langSet>');
    for (const [lang, form] of Object.entries(t.translations)) {
      out.push(`        <langSet xml:lang="${escapeXml(lang)}">`);
      out.push(tig(form, t.kind === 'forbidden' ? 'deprecatedTerm-admn-sts' : sourceStatus, t.grammar?.[lang]));
      out.push('        </langSet>');
    }
    out.push('      </termEntry>');
  }
  return out.map((l) => `${l}\n`).join('');
}

/** TBX's own data categories for gender and number, which CAT tools show. */
const TBX_GENDER: Record<string, string> = { m: 'masculine', f: 'feminine', n: 'neuter' };
const TBX_NUMBER: Record<string, string> = { sg: 'singular', pl: 'plural' };
const fromTbx = (table: Record<string, string>, value: string | undefined) => Object.entries(table).find(([, v]) => v === value)?.[0];

function tig(term: string, status: string, grammar?: TermGrammar): string {
  const notes = [
    grammar?.gender ? `<termNote type="grammaticalGender">${TBX_GENDER[grammar.gender]}</termNote>` : '',
    grammar?.number ? `<termNote type="grammaticalNumber">${TBX_NUMBER[grammar.number]}</termNote>` : '',
  ].join('');
  return `          <tig><term>${escapeXml(term)}</term><termNote type="administrativeStatus">${status}</termNote>${notes}</tig>`;
}

function mostCommonLang(terms: Term[]): Lang {
  const counts = new Map<string, number>();
  for (const t of terms) counts.set(t.lang, (counts.get(t.lang) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'en';
}

/** Refuses anything that could make the parser fetch, expand or balloon, before it runs. */
export function assertSafeXml(text: string, limit = MAX_TBX_BYTES): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limit) throw new GlossaryError('glossary-too-large', `the TBX file is ${(bytes / 1048576).toFixed(1)} MiB; the limit is ${(limit / 1048576).toFixed(0)} MiB`, { status: 413, params: { sizeText: `${(bytes / 1048576).toFixed(1)} MiB`, limitText: `${(limit / 1048576).toFixed(0)} MiB` } });
  if (/<!DOCTYPE/i.test(text)) throw bad('the TBX file has a DOCTYPE declaration; locflow does not read DTDs or entity declarations (remove the <!DOCTYPE …> line)', 'glossary-unsafe-xml');
  if (/<!ENTITY/i.test(text)) throw bad('the TBX file declares entities (<!ENTITY …>); entity declarations are refused', 'glossary-unsafe-xml', { context: 'entity' });
}

type Node = Record<string, unknown>;
const LISTS = new Set(['termEntry', 'conceptEntry', 'langSet', 'langSec', 'tig', 'ntig', 'termSec', 'admin', 'descrip', 'termNote', 'note', 'transacGrp']);

export function parseTbx(text: string, options: { status?: TermStatus } = {}): Term[] {
  text = text.replace(/^\uFEFF/, '');
  assertSafeXml(text);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw bad(`the TBX file is not well-formed XML: line ${valid.err.line}: ${valid.err.msg}`);
  const ref = findBadReference(text, true);
  if (ref) throw bad(`the TBX file is not well-formed XML: line ${ref.line}: ${ref.ref} is not a character or entity XML allows without a DTD`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => LISTS.has(name),
    processEntities: true,
    // The parser's own decoder leaves numeric references (`&#233;`, which many tools write for é) as they are.
    entityDecoder: { decode: unescapeXml, reset() {}, setExternalEntities() {}, addInputEntities() {}, setXmlVersion() {} },
  });
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (err) {
    throw bad(`the TBX file cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = (doc.martif ?? doc.tbx) as Node | undefined;
  if (!root || typeof root !== 'object') throw bad('not a TBX file: the root element must be <martif> (TBX-Basic) or <tbx>');
  const body = ((root.text as Node | undefined)?.body ?? undefined) as Node | undefined;
  const entries = ((body?.termEntry ?? body?.conceptEntry) as Node[] | undefined) ?? [];
  const rootLang = str(root['@lang']);
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const term = entryToTerm(entry, i, rootLang, options);
    if (seen.has(term.id)) throw bad(`entry ${i + 1}: duplicate id "${term.id}"`);
    seen.add(term.id);
    return term;
  });
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // An element with attributes or markup comes as an object: its own text is what counts (terms with markup are refused before).
  if (v && typeof v === 'object' && '#text' in v) return str((v as Node)['#text']);
  return undefined;
}

function typed(list: unknown, type: string): string | undefined {
  for (const n of (list as Node[] | undefined) ?? []) if (n && typeof n === 'object' && n['@type'] === type) return str(n);
  return undefined;
}

interface LangTerms {
  lang: string;
  forms: { term: string; status?: string; grammar?: Record<string, string> }[];
}

function entryToTerm(entry: Node, i: number, rootLang: string | undefined, options: { status?: TermStatus }): Term {
  const where = `entry ${i + 1}${entry['@id'] ? ` (${String(entry['@id'])})` : ''}: `;
  const sets: LangTerms[] = (((entry.langSet ?? entry.langSec) as Node[] | undefined) ?? []).map((ls) => {
    const lang = str(ls['@lang']);
    if (!lang) throw bad(`${where}a language set has no xml:lang`);
    const tigs = ((ls.tig ?? ls.ntig ?? ls.termSec) as Node[] | undefined) ?? [];
    const forms = tigs.map((g) => {
      // ntig keeps the term one level down, in termGrp.
      const holder = (g.termGrp as Node | undefined) ?? g;
      // Without preserveOrder the parser keeps an element's text apart from its children's, so `a<hi>b</hi>` would read as `a`.
      const markup = holder.term && typeof holder.term === 'object' ? Object.keys(holder.term).find((k) => k !== '#text' && !k.startsWith('@')) : undefined;
      if (markup) throw bad(`${where}the term in ${lang} has <${markup}> markup inside; write it as plain text`);
      const term = str(holder.term);
      if (!term) throw bad(`${where}a term in ${lang} is empty`);
      const notes = holder.termNote ?? g.termNote;
      const gender = fromTbx(TBX_GENDER, typed(notes, 'grammaticalGender'));
      const number = fromTbx(TBX_NUMBER, typed(notes, 'grammaticalNumber'));
      return { term, status: typed(notes, 'administrativeStatus'), ...(gender || number ? { grammar: { ...(gender ? { gender } : {}), ...(number ? { number } : {}) } } : {}) };
    });
    return { lang, forms };
  });
  if (sets.length === 0 || sets.every((s) => s.forms.length === 0)) throw bad(`${where}no terms (each termEntry needs a langSet with a tig/term)`);

  const admin = entry.admin;
  const srcLang = typed(admin, 'x-locflow-lang') ?? (rootLang && sets.some((s) => s.lang === rootLang) ? rootLang : sets[0]!.lang);
  const sourceSets = sets.filter((s) => s.lang === srcLang);
  const source = sourceSets.flatMap((s) => s.forms);
  if (source.length === 0) throw bad(`${where}no term in the source language ${srcLang}`);
  const others = sets.filter((s) => s.lang !== srcLang && s.forms.length > 0);

  const kindAdmin = typed(admin, 'x-locflow-kind');
  const deprecatedSource = source[0]!.status?.startsWith('deprecatedTerm') || source[0]!.status?.startsWith('supersededTerm');
  const kind = kindAdmin ?? (deprecatedSource ? 'forbidden' : others.length ? 'translate' : 'keep');
  const translations: Record<string, string> = {};
  // hasOwn, not `in`: a langSec for "constructor" must reach the language check, not look taken.
  for (const s of others) if (!Object.hasOwn(translations, s.lang)) translations[s.lang] = s.forms[0]!.term;

  const raw: Record<string, unknown> = {
    term: source[0]!.term,
    lang: srcLang,
    kind,
    translations,
    variants: source.slice(1).map((f) => f.term),
  };
  const grammar: Record<string, Record<string, string>> = {};
  if (source[0]!.grammar) grammar[srcLang] = source[0]!.grammar;
  for (const s of others) if (s.forms[0]!.grammar && !Object.hasOwn(grammar, s.lang)) grammar[s.lang] = s.forms[0]!.grammar;
  if (Object.keys(grammar).length) raw.grammar = grammar;
  if (typeof entry['@id'] === 'string') raw.id = entry['@id'];
  const status = typed(admin, 'x-locflow-status') ?? options.status;
  if (status !== undefined) raw.status = status;
  const cs = typed(admin, 'x-locflow-caseSensitive');
  if (cs !== undefined) {
    if (cs !== 'true' && cs !== 'false') throw bad(`${where}x-locflow-caseSensitive must be true or false`);
    raw.caseSensitive = cs === 'true';
  } else {
    raw.caseSensitive = defaultCaseSensitive(String(raw.term));
  }
  const freq = typed(admin, 'x-locflow-frequency');
  if (freq !== undefined) {
    if (!/^\d+$/.test(freq)) throw bad(`${where}x-locflow-frequency must be a whole number`);
    raw.frequency = Number(freq);
  }
  const note = ((entry.note as unknown[] | undefined) ?? []).map(str).filter((s): s is string => !!s);
  if (note.length) raw.note = note.join('\n');
  const example = typed(entry.descrip, 'context');
  if (example !== undefined) raw.example = example;
  return toTerm(raw, where, { status: options.status });
}
