/**
 * The rules every `locales/<lng>/<ns>.json` must keep, as a function that
 * returns the problems found (so the test can also prove it catches them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLURAL_SUFFIXES, templateVariables } from '../../locales/i18n.js';

export type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** `locales/<lng>/<ns>.json` for every language directory. */
export function readLocales(root: string): Resources {
  const out: Resources = {};
  for (const lng of readdirSync(root, { withFileTypes: true })) {
    if (!lng.isDirectory()) continue;
    out[lng.name] = {};
    for (const file of readdirSync(join(root, lng.name))) {
      if (file.endsWith('.json')) out[lng.name]![file.slice(0, -5)] = JSON.parse(readFileSync(join(root, lng.name, file), 'utf8'));
    }
  }
  return out;
}

/** Nested objects become dotted keys: `{list:{header:{id}}}` → `list.header.id`. */
export function flatten(tree: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of flatten(value as Record<string, unknown>, path)) out.set(k, v);
    } else out.set(path, value);
  }
  return out;
}

const PLURAL = new RegExp(`^(.*)_(${PLURAL_SUFFIXES.join('|')})$`);

interface Entry {
  /** Plural suffixes present (`one`, `other`), empty for a plain key. */
  forms: string[];
  variables: Set<string>;
}

/**
 * Keys as a translator thinks of them: `items_one` and `items_other` are one
 * key `items` with two forms. A suffix counts as plural only when the
 * `_other` form exists, so a key that merely ends in `_one` stays itself.
 */
export function logicalKeys(flat: Map<string, unknown>): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const [key, value] of flat) {
    const m = PLURAL.exec(key);
    const plural = m && flat.has(`${m[1]}_other`);
    const base = plural ? m[1]! : key;
    const entry = out.get(base) ?? { forms: [], variables: new Set<string>() };
    if (plural) entry.forms.push(m[2]!);
    if (typeof value === 'string') for (const v of templateVariables(value)) entry.variables.add(v);
    out.set(base, entry);
  }
  return out;
}

/** Plural forms a language needs (the ones i18next asks for); `many`, `zero`… fall back to `other` in practice, so only `one` and `other` are required. */
function requiredForms(lng: string): string[] {
  const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories as string[];
  return ['one', 'other'].filter((c) => categories.includes(c));
}

export function checkLocales(resources: Resources, requiredLanguages: readonly string[], errorCodes: Iterable<string> = []): string[] {
  const problems: string[] = [];
  const languages = Object.keys(resources).sort();
  for (const lng of requiredLanguages) if (!languages.includes(lng)) problems.push(`language ${lng} has no locales/${lng}/ directory`);
  const namespaces = [...new Set(languages.flatMap((l) => Object.keys(resources[l]!)))].sort();

  for (const ns of namespaces) {
    const perLang = new Map<string, Map<string, Entry>>();
    for (const lng of languages) {
      const tree = resources[lng]![ns];
      if (!tree) {
        problems.push(`${lng}: locales/${lng}/${ns}.json is missing`);
        continue;
      }
      const flat = flatten(tree);
      for (const [key, value] of flat) {
        if (typeof value !== 'string') problems.push(`${lng}: ${ns}:${key} is not a string`);
        else if (value.trim() === '') problems.push(`${lng}: ${ns}:${key} is empty`);
      }
      const keys = logicalKeys(flat);
      for (const [key, entry] of keys) {
        if (entry.forms.length === 0) continue;
        for (const form of requiredForms(lng)) if (!entry.forms.includes(form)) problems.push(`${lng}: ${ns}:${key} lacks the plural form _${form}`);
      }
      perLang.set(lng, keys);
    }
    const all = new Set([...perLang.values()].flatMap((keys) => [...keys.keys()]));
    for (const key of [...all].sort()) {
      const present = [...perLang].filter(([, keys]) => keys.has(key));
      for (const [lng, keys] of perLang) {
        if (!keys.has(key)) problems.push(`${lng}: ${ns}:${key} is missing (present in ${present.map(([l]) => l).join(', ')})`);
      }
      const reference = present.find(([l]) => l === 'en') ?? present[0];
      if (!reference) continue;
      const expected = [...reference[1].get(key)!.variables].sort().join(', ');
      for (const [lng, keys] of present) {
        const got = [...keys.get(key)!.variables].sort().join(', ');
        if (got !== expected) problems.push(`${lng}: ${ns}:${key} interpolates {${got}} but ${reference[0]} interpolates {${expected}}`);
      }
    }
  }

  const errors = resources.en?.errors ? logicalKeys(flatten(resources.en.errors)) : new Map<string, Entry>();
  for (const code of new Set(errorCodes)) {
    if (!errors.has(code)) problems.push(`errors:${code} is raised in the source but has no message in locales/en/errors.json`);
  }
  return problems;
}

export function localesRoot(repo: string): string {
  const root = join(repo, 'locales');
  if (!existsSync(root)) throw new Error(`no ${root}`);
  return root;
}
