/**
 * locflow's own user-facing messages (CLI, API errors, web page) come from the
 * JSON resources beside this file: `locales/<lng>/<namespace>.json`. Each area
 * owns one namespace file, so adding messages never touches another area's file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource } from 'i18next';

export const UI_LANGUAGES = ['en', 'fr', 'vi'] as const;
const here = dirname(fileURLToPath(import.meta.url));

/** Reads every `locales/<lng>/<ns>.json`. */
export function loadResources(root = here): Resource {
  const resources: Resource = {};
  for (const lng of readdirSync(root, { withFileTypes: true })) {
    if (!lng.isDirectory()) continue;
    const bundle: Record<string, unknown> = {};
    for (const file of readdirSync(join(root, lng.name))) {
      if (!file.endsWith('.json')) continue;
      bundle[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(root, lng.name, file), 'utf8'));
    }
    resources[lng.name] = bundle as Resource[string];
  }
  return resources;
}

let shared: Promise<i18n> | undefined;

/** One initialised i18next instance per process. */
export function getI18n(): Promise<i18n> {
  shared ??= (async () => {
    const resources = loadResources();
    const instance = i18next.createInstance();
    await instance.init({
      resources,
      lng: processLanguage(),
      fallbackLng: 'en',
      ns: Object.keys(resources.en ?? {}),
      defaultNS: 'cli',
      interpolation: { escapeValue: false },
      returnNull: false,
    } as Parameters<typeof instance.init>[0]);
    addFormatters(instance);
    return instance;
  })();
  return shared;
}

/** `{{from, language}}` names a language code in the reader's language: `fr` → « français », "tiếng Pháp". */
export function addFormatters(instance: i18n): void {
  instance.services.formatter?.add('language', (value: unknown, lng: string | undefined) => {
    try {
      const name = new Intl.DisplayNames([lng ?? 'en'], { type: 'language' }).of(String(value)) ?? String(value);
      // Vietnamese writes language names in lower case inside a sentence ("tiếng Pháp").
      return lng === 'vi' ? name.charAt(0).toLowerCase() + name.slice(1) : name;
    } catch {
      return String(value);
    }
  });
}

/** This process's UI language: `LOCFLOW_LANG`, else the POSIX locale variables, else English. */
export function processLanguage(env: NodeJS.ProcessEnv = process.env): string {
  return pickLanguage(env.LOCFLOW_LANG || env.LC_ALL || env.LC_MESSAGES || env.LANG);
}

/** `fr_FR.UTF-8` → `fr`; anything not shipped → `en`. */
export function pickLanguage(locale: string | undefined): string {
  const code = (locale ?? '').toLowerCase().split(/[_.@-]/)[0] ?? '';
  return (UI_LANGUAGES as readonly string[]).includes(code) ? code : 'en';
}

/** What the renderer needs from a `LocflowError` (structural, so this file imports nothing from the pipeline). */
export interface RenderableError {
  code: string;
  message: string;
  params?: Record<string, unknown>;
}

/** i18next plural key suffixes (`key_one`, `key_other`). */
export const PLURAL_SUFFIXES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;

/** Names interpolated by an i18next template: `{{file}}`, `{{limit, number}}`. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(/\{\{\s*-?\s*([^,}\s]+)/g)].map((m) => m[1]!);
}

function lookup(i18n: i18n, lng: string, key: string): string | undefined {
  for (const l of [lng, 'en']) {
    const direct = i18n.getResource(l, 'errors', key) as unknown;
    if (typeof direct === 'string') return direct;
    // A plural key exists only with suffixes; `_other` carries every variable.
    const other = i18n.getResource(l, 'errors', `${key}_other`) as unknown;
    if (typeof other === 'string') return other;
  }
  return undefined;
}

/**
 * An error's message in `lng`: `errors:<code>` (or its `_<context>` variant)
 * filled from `params`. The English `message` stands in when locflow has no
 * sentence for the code or the throw site did not supply every variable, so a
 * half-filled sentence never reaches the user.
 */
export function renderError(i18n: i18n, lng: string, err: RenderableError): string {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(err.params ?? {})) {
    if (value === undefined || value === null) continue;
    params[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const { context, ...values } = params;
  let key = err.code;
  if (typeof context === 'string' && lookup(i18n, lng, `${err.code}_${context}`) !== undefined) key = `${err.code}_${context}`;
  const template = lookup(i18n, lng, key);
  if (template === undefined) return err.message;
  const variables = templateVariables(template);
  if (variables.some((name) => !(name in values))) return err.message;
  // lng last: a parameter that happens to be named lng must not pick the sentence's language.
  const text = i18n.t(`errors:${key}`, { ...values, lng, defaultValue: err.message });
  const file = values.file;
  return typeof file === 'string' && file !== '' && !variables.includes('file') ? `${file}: ${text}` : text;
}

/** `Accept-Language: vi-VN,fr;q=0.8` → the first shipped language by preference, else undefined. */
export function negotiateLanguage(header: string | undefined): string | undefined {
  const ranked = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { code: tag.trim().toLowerCase().split(/[-_]/)[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((c) => c.q > 0 && (UI_LANGUAGES as readonly string[]).includes(c.code))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.code;
}
