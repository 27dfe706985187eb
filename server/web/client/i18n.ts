/**
 * Interface text comes from `locales/<lng>/web.json` through i18next. The
 * language is `?lng=` when the address has it (the i18next convention, so a
 * link can carry it), else the last one chosen here, else the browser's.
 */
import i18next from 'i18next';

export const LANGUAGES = ['en', 'fr', 'vi'] as const;
export type UiLanguage = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'locflow.lng';

function supported(code: string | null | undefined): UiLanguage | undefined {
  const base = (code ?? '').toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as UiLanguage) : undefined;
}

export function pickLanguage(): UiLanguage {
  const fromUrl = supported(new URLSearchParams(location.search).get('lng'));
  if (fromUrl) return fromUrl;
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be off (private modes, policies): the browser's language still applies.
  }
  const fromStore = supported(stored);
  if (fromStore) return fromStore;
  for (const l of navigator.languages ?? [navigator.language]) {
    const s = supported(l);
    if (s) return s;
  }
  return 'en';
}

/** `web`: the page's own words; `qa`: the sentences of QA findings, which the job page renders from their codes. */
const NAMESPACES = ['web', 'qa'] as const;

async function loadBundle(lng: UiLanguage): Promise<void> {
  await Promise.all(
    NAMESPACES.map(async (ns) => {
      if (i18next.hasResourceBundle(lng, ns)) return;
      const res = await fetch(`/locales/${lng}/${ns}.json`, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`locales/${lng}/${ns}.json: HTTP ${res.status}`);
      i18next.addResourceBundle(lng, ns, await res.json());
    }),
  );
}

export async function initI18n(): Promise<void> {
  const lng = pickLanguage();
  await i18next.init({ lng, fallbackLng: 'en', ns: [...NAMESPACES], defaultNS: 'web', resources: {}, interpolation: { escapeValue: false }, returnNull: false });
  await Promise.all([loadBundle('en'), loadBundle(lng)]);
  await i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
}

/** Switches language, keeps it in the address (so a reload keeps it) and remembers it. */
export async function switchLanguage(lng: UiLanguage): Promise<void> {
  await loadBundle(lng);
  await i18next.changeLanguage(lng);
  document.documentElement.lang = lng;
  const url = new URL(location.href);
  url.searchParams.set('lng', lng);
  history.replaceState(history.state, '', url);
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // Not remembered; the address still carries it.
  }
}

export function currentLanguage(): UiLanguage {
  return supported(i18next.language) ?? 'en';
}

// The escape hatch for interpolation is off because nothing here is HTML: every string lands in textContent.
export const t = (key: string, options?: Record<string, unknown>): string => i18next.t(key, options ?? {}) as string;

/** A language's name in the interface language (`fr` → "French", « français », "Tiếng Pháp"). */
export function languageName(code: string, inLang: string = currentLanguage()): string {
  try {
    return new Intl.DisplayNames([inLang], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatPercent(value: number): string {
  return new Intl.NumberFormat(currentLanguage(), { style: 'percent', maximumFractionDigits: 0 }).format(value);
}
