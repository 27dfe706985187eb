/**
 * The term as the API and the import formats accept it. One schema for every
 * entry point, so a term that the API refuses cannot sneak in through a CSV.
 */
import { z } from 'zod';
import { GlossaryError } from '../pipeline/errors.js';
import { canonicalLang } from '../pipeline/languages.js';
import { deriveTermId, GENDERS, NUMBERS, TERM_KINDS, TERM_STATUSES } from '../pipeline/glossary/index.js';
import { ID_SHAPE, isMatchableForm, isVisiblyEmpty, LANG_TAG, unmatchableMessage } from '../pipeline/glossary/rules.js';
import type { Term, TermGrammar, TermKind, TermStatus } from '../pipeline/model.js';

export { LANG_TAG } from '../pipeline/glossary/rules.js';
/** Long enough for any real term or note; short enough that one request cannot bloat the store. */
const MAX_TEXT = 200;
const MAX_NOTE = 2000;

/**
 * A lone UTF-16 surrogate (a JSON or YAML `\ud800` escape, a TBX `&#xD800;`)
 * is not a character: UTF-8 cannot hold it and Redis's JSON decoder refuses
 * the whole write. In `u` mode a valid pair is one code point and does not match.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const wellFormed = (field: string) => [(s: string) => !LONE_SURROGATE.test(s), { error: `${field} contains a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape), which is not text` }] as const;

const text = (field: string, max = MAX_TEXT) =>
  z
    .string({ error: `${field} must be text` })
    .refine(...wellFormed(field))
    .transform((s) => s.normalize('NFC').trim())
    .refine((s) => !isVisiblyEmpty(s), { error: `${field} must not be empty` })
    .refine((s) => s.length <= max, { error: `${field} is longer than ${max} characters` });

/** A form the matcher looks for in articles: the term itself and its variants. */
const form = (field: string) => text(field).refine(isMatchableForm, { error: (issue) => unmatchableMessage(field, String(issue.input)) });

const lang = (field: string) =>
  z
    .string({ error: `${field} must be a language code such as fr, en, vi or pt-BR` })
    .regex(LANG_TAG, { error: `${field} must be a language code such as fr, en, vi or pt-BR` })
    // Well-formed is not enough: a term for "xx" would never match an article.
    .refine((v) => canonicalLang(v) !== undefined, { error: (issue) => `"${String(issue.input)}" is not a known language code (e.g. fr, en, vi, pt-BR)` })
    // Stored in one spelling (pt-br → pt-BR, zh-hant → zh-Hant), so a term cannot hold the same language twice.
    .transform((v) => canonicalLang(v)!);

const kind = z.enum(TERM_KINDS as [TermKind, ...TermKind[]], { error: 'kind must be keep, translate or forbidden' });
export const statusSchema = z.enum(TERM_STATUSES as [TermStatus, ...TermStatus[]], { error: 'status must be proposed, approved, rejected or deprecated' });

const translations = z
  .record(z.string(), z.unknown(), { error: 'translations must be an object of language: form, e.g. {"en": "open source"}' })
  .transform((raw, ctx) => {
    const out: Record<string, string> = {};
    const spelled = new Map<string, string>();
    for (const [key, value] of Object.entries(raw)) {
      const k = lang('a translation key').safeParse(key);
      const v = text('a translation').safeParse(value);
      if (!k.success || !v.success) {
        for (const issue of (k.error ?? v.error)!.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [key] });
        return z.NEVER;
      }
      const before = spelled.get(k.data);
      if (before !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${before}" and "${key}" are the same language (${k.data})`, path: [key] });
        return z.NEVER;
      }
      spelled.set(k.data, key);
      out[k.data] = v.data;
    }
    return out;
  });
/**
 * Gender and number per language of a translation (or of the term in its own
 * language): `{"es": {"gender": "m", "number": "sg"}}`. Agreement repair uses
 * them to fix the articles and adjectives next to an imposed term.
 */
const grammar = z
  .record(z.string(), z.unknown(), { error: 'grammar must be an object of language: {gender, number}, e.g. {"es": {"gender": "m"}}' })
  .transform((raw, ctx) => {
    const out: Record<string, TermGrammar> = {};
    const entry = z.strictObject(
      {
        gender: z.enum(GENDERS, { error: 'gender must be m, f or n' }).optional(),
        number: z.enum(NUMBERS, { error: 'number must be sg or pl' }).optional(),
      },
      { error: 'a grammar entry is {"gender": "m"|"f"|"n", "number": "sg"|"pl"}' },
    );
    for (const [key, value] of Object.entries(raw)) {
      const k = lang('a grammar key').safeParse(key);
      const v = entry.safeParse(value);
      if (!k.success || !v.success) {
        for (const issue of (k.error ?? v.error)!.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [key] });
        return z.NEVER;
      }
      if (v.data.gender !== undefined || v.data.number !== undefined) out[k.data] = v.data;
    }
    return out;
  });
const variants = z.array(form('a variant'), { error: 'variants must be a list of forms' }).max(50, { error: 'at most 50 variants' });

/** POST /terms and every imported term. */
export const termInputSchema = z.strictObject({
  id: z.string({ error: 'id must be text' }).regex(ID_SHAPE, { error: 'id may only use letters, digits and _ . : - (at most 64)' }).optional(),
  term: form('term'),
  lang: lang('lang'),
  kind,
  translations: translations.optional(),
  grammar: grammar.optional(),
  variants: variants.optional(),
  caseSensitive: z.boolean({ error: 'caseSensitive must be true or false' }).optional(),
  status: statusSchema.optional(),
  note: z.string({ error: 'note must be text' }).refine(...wellFormed('note')).max(MAX_NOTE, { error: `note is longer than ${MAX_NOTE} characters` }).optional(),
  frequency: z.number({ error: 'frequency must be a number' }).int().nonnegative().optional(),
  example: z.string({ error: 'example must be text' }).refine(...wellFormed('example')).max(MAX_NOTE).optional(),
});
export type TermInput = z.input<typeof termInputSchema>;

/** PATCH /terms/:id: the fields a person edits. Status moves only through approve/reject/deprecate. */
export const termPatchSchema = z.strictObject({
  term: form('term').optional(),
  lang: lang('lang').optional(),
  kind: kind.optional(),
  translations: translations.optional(),
  grammar: grammar.nullable().optional(),
  variants: variants.optional(),
  caseSensitive: z.boolean({ error: 'caseSensitive must be true or false' }).optional(),
  note: z.string({ error: 'note must be text' }).refine(...wellFormed('note')).max(MAX_NOTE).nullable().optional(),
});
export type TermPatch = z.output<typeof termPatchSchema>;

/** Capitalised terms (GPU, DeepSeek) are case-sensitive unless said otherwise; the same default as the YAML files. */
export function defaultCaseSensitive(term: string): boolean {
  return term !== term.toLowerCase();
}

/** zod's first problem as one sentence with the field it is about. */
export function describeZod(error: z.ZodError, where = ''): string {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0]!;
  const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
  // A bad key in a record (translations.xx) carries the key's own problem inside; the record's message would say "must be an object".
  const message = issue.code === 'unrecognized_keys' ? `unknown field "${issue.keys[0]}"` : issue.code === 'invalid_key' && issue.issues[0] ? issue.issues[0].message : issue.message;
  return `${where}${path}${message}`;
}

/** Validates one term from any source and fills in the defaults. `where` prefixes error messages ("row 3: "). */
export function toTerm(raw: unknown, where = '', defaults: { status?: TermStatus } = {}): Term {
  const parsed = termInputSchema.safeParse(raw);
  if (!parsed.success) throw new GlossaryError('glossary-invalid-term', describeZod(parsed.error, where), { status: 422, params: { detail: describeZod(parsed.error, where) } });
  const t = parsed.data;
  const term: Term = {
    id: t.id ?? deriveTermId(t.lang, t.term),
    term: t.term,
    lang: t.lang,
    kind: t.kind,
    translations: t.translations ?? {},
    variants: [...new Set((t.variants ?? []).filter((v) => v !== t.term))],
    caseSensitive: t.caseSensitive ?? defaultCaseSensitive(t.term),
    status: t.status ?? defaults.status ?? 'proposed',
  };
  if (t.grammar !== undefined && Object.keys(t.grammar).length > 0) term.grammar = t.grammar;
  if (t.note !== undefined && t.note !== '') term.note = t.note;
  if (t.frequency !== undefined) term.frequency = t.frequency;
  if (t.example !== undefined && t.example !== '') term.example = t.example;
  checkTerm(term, where);
  return term;
}

/** Rules across fields that a schema cannot express. */
export function checkTerm(term: Term, where = ''): void {
  if (term.kind === 'translate' && Object.keys(term.translations).length === 0) {
    throw new GlossaryError('glossary-invalid-term', `${where}kind translate needs at least one translation, e.g. {"en": "…"}; use kind keep for a term that stays as it is`, { status: 422, params: { where, context: 'no-translation' } });
  }
}

/** The content of a term without its review trail: what "the same glossary" compares. */
export function termContent(t: Term): Omit<Term, 'history'> {
  const { history: _history, ...rest } = t;
  return rest;
}
