/**
 * The web page's entry: interface language, who is signed in, the frame
 * (navigation, language switcher, sign-out) and the router.
 */
import { ApiError, del, get, post, SIGNED_OUT } from './api.js';
import { can, type Me, type Page } from './context.js';
import { h, replace } from './dom.js';
import { errorBox } from './feedback.js';
import { initI18n, LANGUAGES, languageName, currentLanguage, switchLanguage, t, type UiLanguage } from './i18n.js';
import { href, match, route } from './router.js';
import { submitPage } from './pages/submit.js';
import { jobsPage } from './pages/jobs.js';
import { jobPage } from './pages/job.js';
import { glossaryPage } from './pages/glossary.js';

const routes = [route('submit', '/'), route('jobs', '/jobs'), route('job', '/jobs/:id'), route('glossary', '/glossary')];
const pages: Record<string, Page> = { submit: submitPage, jobs: jobsPage, job: jobPage, glossary: glossaryPage };

let me: Me | undefined;
let leave: (() => void) | undefined;
const root = document.getElementById('app')!;

async function whoAmI(): Promise<Me | undefined> {
  try {
    return await get<Me>('/v1/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

function navigate(path: string, replaceState = false): void {
  const target = href(path);
  if (replaceState) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  render();
  focusHeading();
}

/** Moves the reading position to the new page's heading, as a full load would; focus left on a removed element falls to <body>. */
function focusHeading(): void {
  (document.querySelector('main h1') as HTMLElement | null)?.focus();
}

function navLink(path: string, label: string, name: string, current: string | undefined): HTMLElement {
  const here = current === name;
  return h('li', {}, h('a', { href: href(path), 'data-link': true, 'aria-current': here ? 'page' : undefined }, label));
}

function languageSwitcher(): HTMLElement {
  const select = h(
    'select',
    {
      id: 'ui-language',
      onchange: async (e: Event) => {
        await switchLanguage((e.target as HTMLSelectElement).value as UiLanguage);
        render();
        document.getElementById('ui-language')?.focus();
      },
    },
    LANGUAGES.map((l) => h('option', { value: l, selected: l === currentLanguage() }, languageName(l, l))),
  );
  return h('div', { class: 'lang-switch' }, h('label', { for: 'ui-language' }, t('nav.language')), select);
}

function header(current: string | undefined): HTMLElement {
  const links = me
    ? [
        navLink('/', t('nav.submit'), 'submit', current),
        navLink('/jobs', t('nav.jobs'), 'jobs', current),
        navLink('/glossary', t('nav.glossary'), 'glossary', current),
        // The dashboard is bull-board's own page: a plain link, outside the router. The session cookie lets an admin in.
        can(me, 'admin') ? h('li', {}, h('a', { href: '/admin/queues', class: 'admin-link' }, t('nav.queues'))) : null,
      ]
    : [];
  const who = me
    ? h(
        'div',
        { class: 'who' },
        h('span', { class: 'role', 'data-role': me.role }, me.open ? t('auth.openMode') : t('auth.signedInAs', { role: t(`roles.${me.role}`) })),
        me.open ? null : h('button', { type: 'button', class: 'link-button', onclick: signOut }, t('auth.signOut')),
      )
    : null;
  return h(
    'header',
    { class: 'top' },
    // Moves focus without touching the address: a #main fragment would count as navigation and redraw the page, losing what was typed.
    h('a', { href: '#main', class: 'skip', onclick: skipToMain }, t('nav.skip')),
    h('a', { href: href('/'), 'data-link': true, class: 'brand' }, 'locflow'),
    h('nav', { 'aria-label': t('nav.label') }, h('ul', {}, links)),
    languageSwitcher(),
    who,
  );
}

function skipToMain(e: MouseEvent): void {
  e.preventDefault();
  document.getElementById('main')?.focus();
}

async function signOut(): Promise<void> {
  await del('/v1/session').catch(() => undefined);
  me = undefined;
  render();
}

function signInPage(main: HTMLElement): void {
  const status = h('div', { 'aria-live': 'polite' });
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        replace(status);
        try {
          me = await post<Me>('/v1/session', { token: input.value });
          render();
          focusHeading();
        } catch (err) {
          replace(status, errorBox(err));
          input.select();
        }
      },
    },
    h('h1', { tabindex: -1 }, t('auth.title')),
    h('p', {}, t('auth.explain')),
    h('div', { class: 'field' }, h('label', { for: 'token' }, t('auth.token')), input),
    h('button', { type: 'submit', class: 'primary' }, t('auth.signIn')),
    status,
  );
  replace(main, form);
  input.focus();
}

function notFound(main: HTMLElement): void {
  replace(main, h('section', {}, h('h1', { tabindex: -1 }, t('notFound.title')), h('p', {}, h('a', { href: href('/'), 'data-link': true }, t('notFound.home')))));
}

/** The address last drawn: a change of fragment alone (#main) is not a new page. */
let drawn = '';

function render(): void {
  drawn = location.pathname + location.search;
  leave?.();
  leave = undefined;
  document.title = 'locflow';
  const found = match(routes, location.pathname);
  const main = h('main', { id: 'main', tabindex: -1 });
  replace(root, header(found?.name), main);
  if (!me) return signInPage(main);
  if (!found) return notFound(main);
  const page = pages[found.name]!;
  const stop = page(main, { me, params: found.params, query: new URLSearchParams(location.search), navigate: (p) => navigate(p) });
  if (typeof stop === 'function') leave = stop;
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL((a as HTMLAnchorElement).href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  history.pushState(null, '', url.pathname + url.search);
  render();
  focusHeading();
});
window.addEventListener('popstate', () => {
  if (location.pathname + location.search !== drawn) render();
});
window.addEventListener(SIGNED_OUT, () => {
  if (!me || me.open) return;
  me = undefined;
  render();
});

async function start(): Promise<void> {
  await initI18n();
  try {
    me = await whoAmI();
    render();
  } catch (err) {
    replace(root, h('main', { id: 'main' }, errorBox(err)));
  }
}

void start();
