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
      lng: pickLanguage(process.env.LOCFLOW_LANG ?? process.env.LC_ALL ?? process.env.LC_MESSAGES ?? process.env.LANG),
      fallbackLng: 'en',
      ns: Object.keys(resources.en ?? {}),
      defaultNS: 'cli',
      interpolation: { escapeValue: false },
      returnNull: false,
    } as Parameters<typeof instance.init>[0]);
    return instance;
  })();
  return shared;
}

/** `fr_FR.UTF-8` → `fr`; anything not shipped → `en`. */
export function pickLanguage(locale: string | undefined): string {
  const code = (locale ?? '').toLowerCase().split(/[_.@-]/)[0] ?? '';
  return (UI_LANGUAGES as readonly string[]).includes(code) ? code : 'en';
}
