/**
 * `/`: paste or upload an article, see its language before sending it, pick
 * the targets and the provider, submit.
 */
import { get, post } from '../api.js';
import type { Page } from '../context.js';
import { h, replace } from '../dom.js';
import { errorBox } from '../feedback.js';
import { formatPercent, languageName, t } from '../i18n.js';
import type { ProviderInfo } from '../types.js';

/** Targets offered as checkboxes; any other BCP-47 code can be typed in. */
export const COMMON_TARGETS = ['en', 'fr', 'vi', 'es', 'de', 'pt-BR', 'zh-Hans', 'ja'];
const FORMATS = ['auto', 'text', 'markdown', 'html'];
const EXTENSIONS: Record<string, string> = { md: 'markdown', markdown: 'markdown', html: 'html', htm: 'html', txt: 'text' };
const DETECT_DELAY_MS = 400;

/** How much of a file is looked at to tell text from binary data. */
const SNIFF_BYTES = 8192;

/**
 * A file's text, or why it cannot be used (as a key of submit.file*). UTF-8
 * is the encoding of the web and of every tool a newsroom exports from;
 * UTF-16 is read when its byte-order mark says so, and an HTML page in the
 * encoding its `<meta charset>` names. Anything else is refused
 * with a clear reason rather than pasted in with garbled letters.
 */
export function decodeArticle(bytes: Uint8Array, html = false): { text: string } | { problem: 'fileEmpty' | 'fileBinary' | 'fileEncoding' } {
  if (bytes.length === 0) return { problem: 'fileEmpty' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes) };
  const head = bytes.subarray(0, SNIFF_BYTES);
  let control = 0;
  for (const b of head) {
    if (b === 0) return { problem: 'fileBinary' };
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (control > head.length * 0.05) return { problem: 'fileBinary' };
  // An HTML page says its own encoding (CMS exports are often windows-1252): that is how a browser would read it.
  const declared = html ? /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(new TextDecoder('latin1').decode(bytes.subarray(0, 2048)))?.[1] : undefined;
  if (declared && !/^utf-?8$/i.test(declared)) {
    try {
      return { text: new TextDecoder(declared, { fatal: true }).decode(bytes) };
    } catch {
      // An unknown label, or bytes that do not fit it: fall through to UTF-8 and its message.
    }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: 'fileEncoding' };
  }
}

interface RouteInfo {
  route: string | null;
  choices: { provider: string; route: string; test: boolean }[];
  configure?: string;
}

interface Detected {
  lang: string;
  confidence: number;
  best?: string;
  format: string;
}

export const submitPage: Page = (main, ctx) => {
  document.title = `${t('submit.title')} · locflow`;
  let detectTimer: number | undefined;
  let detectSeq = 0;
  let detected: string | undefined;
  let filename: string | undefined;

  const article = h('textarea', { id: 'article', name: 'text', rows: 12, required: true, spellcheck: 'false', 'aria-describedby': 'detected' });
  const file = h('input', { id: 'file', type: 'file', accept: '.txt,.md,.markdown,.html,.htm,text/plain,text/markdown,text/html', 'aria-describedby': 'file-status' });
  const fileStatus = h('div', { id: 'file-status', class: 'file-status', 'aria-live': 'polite' });
  const title = h('input', { id: 'title', name: 'title', type: 'text', maxlength: 1000 });
  const format = h('select', { id: 'format', name: 'format' }, FORMATS.map((f) => h('option', { value: f }, t(`submit.formats.${f}`))));
  // Redrawn at every pause in typing, so not a live region itself: the announcer below speaks only when the language found changes.
  const detectedOut = h('p', { id: 'detected', class: 'detected' }, t('submit.detectHint'));
  const detectAnnounce = h('p', { id: 'detect-announce', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  let announced: string | undefined;
  const announceDetected = (key: string, text: string) => {
    if (key === announced) return;
    announced = key;
    detectAnnounce.textContent = text;
  };
  const sourceSel = h(
    'select',
    { id: 'source-lang', name: 'sourceLang', 'aria-describedby': 'source-help' },
    h('option', { value: 'auto' }, t('submit.sourceAuto')),
    COMMON_TARGETS.map((code) => h('option', { value: code }, `${languageName(code)} (${code})`)),
  );
  const provider = h('select', { id: 'provider', name: 'provider', onchange: () => showRoutes() }, h('option', { value: '' }, t('submit.providerAuto')));
  const other = h('input', { id: 'other-targets', type: 'text', placeholder: 'it, pt-BR, zh-Hans', 'aria-describedby': 'other-help' });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('submit.send'));

  // English and Vietnamese are offered first; once the article's language is known, only those a route serves stay checked.
  let touched = false;
  const boxes = COMMON_TARGETS.map((code) =>
    h('input', { type: 'checkbox', name: 'targets', value: code, id: `target-${code}`, checked: code === 'en' || code === 'vi', 'aria-describedby': `route-${code}`, onchange: () => (touched = true) }),
  );
  const routeOut = new Map(COMMON_TARGETS.map((code) => [code, h('span', { id: `route-${code}`, class: 'route help' }, t('submit.routeUnknown'))]));
  const perTarget = new Map(
    COMMON_TARGETS.map((code) => [
      code,
      h('select', { id: `provider-${code}`, class: 'target-provider', 'aria-label': t('submit.targetProvider', { language: languageName(code) }), onchange: () => showRoutes() }, h('option', { value: '' }, t('submit.providerAuto'))),
    ]),
  );
  const targetList = h(
    'ul',
    { class: 'checks targets-routes' },
    boxes.map((box) => h('li', { 'data-lang': box.value }, box, h('label', { for: box.id }, `${languageName(box.value)} (${box.value})`), ' ', perTarget.get(box.value)!, routeOut.get(box.value)!)),
  );

  // The route that would serve each target from the article's language, and the providers that could (GET /v1/providers?from=).
  let routes: Record<string, RouteInfo> | undefined;
  let routesFor: string | undefined;
  const showRoutes = () => {
    for (const code of COMMON_TARGETS) {
      const out = routeOut.get(code)!;
      const info = routes?.[code];
      if (!routes) {
        out.textContent = t('submit.routeUnknown');
        continue;
      }
      if (!info) {
        out.textContent = '';
        continue;
      }
      const chosen = perTarget.get(code)!.value || provider.value;
      const via = chosen ? info.choices.find((c) => c.provider === chosen)?.route : info.route;
      out.textContent = via ? t('submit.routeVia', { route: via }) : t('submit.routeNone', { configure: info.configure ?? '—' });
      out.classList.toggle('unserved', !via);
      delete out.dataset.route;
      if (via) out.dataset.route = via;
    }
  };
  const servable = (code: string) => {
    const info = routes?.[code];
    const chosen = perTarget.get(code)?.value || provider.value;
    return !!info && !!(chosen ? info.choices.some((c) => c.provider === chosen) : info.route);
  };
  const loadRoutes = async (source: string | undefined) => {
    if (!source || source === routesFor) return;
    routesFor = source;
    try {
      const q = new URLSearchParams({ health: 'false', from: source, to: COMMON_TARGETS.join(',') });
      const res = await get<{ routes?: { targets: Record<string, RouteInfo> } }>(`/v1/providers?${q}`);
      if (routesFor !== source) return;
      routes = res.routes?.targets ?? {};
      for (const code of COMMON_TARGETS) {
        const select = perTarget.get(code)!;
        const keep = select.value;
        replace(select, h('option', { value: '' }, t('submit.providerAuto')), (routes[code]?.choices ?? []).map((c) => h('option', { value: c.provider }, c.test ? t('submit.providerTest', { id: c.provider }) : c.provider)));
        select.value = [...select.options].some((o) => o.value === keep) ? keep : '';
      }
      if (!touched) {
        // Pre-checked: English and Vietnamese where a route serves them, else the first language one serves.
        const preferred = ['en', 'vi'].filter((c) => servable(c) && !boxes.find((b) => b.value === c)!.disabled);
        const chosen = preferred.length ? preferred : boxes.filter((b) => !b.disabled && servable(b.value)).slice(0, 1).map((b) => b.value);
        for (const box of boxes) box.checked = chosen.includes(box.value);
      }
      showRoutes();
    } catch {
      routesFor = undefined;
    }
  };

  // The source language cannot be a target: its box is switched off while it is the detected (or chosen) language.
  const syncSourceBox = () => {
    const source = sourceSel.value !== 'auto' ? sourceSel.value : detected;
    for (const box of boxes) {
      const isSource = !!source && box.value.split('-')[0] === source.split('-')[0];
      box.disabled = isSource;
      if (isSource) box.checked = false;
    }
    void loadRoutes(source);
  };

  const runDetect = async () => {
    const text = article.value;
    const seq = ++detectSeq;
    if (!text.trim()) {
      detected = undefined;
      delete detectedOut.dataset.lang;
      replace(detectedOut, t('submit.detectHint'));
      announced = undefined;
      syncSourceBox();
      return;
    }
    detectedOut.classList.add('busy');
    replace(detectedOut, t('submit.detecting'));
    try {
      const fmt = format.value === 'auto' ? undefined : format.value;
      const d = await post<Detected>('/v1/detect', { text, ...(fmt ? { format: fmt } : {}), ...(filename ? { filename } : {}) });
      if (seq !== detectSeq) return;
      detected = d.lang === 'und' ? undefined : d.lang;
      const said =
        d.lang === 'und'
          ? t('submit.undetected', { best: d.best ? languageName(d.best) : '?' })
          : t('submit.detected', { language: languageName(d.lang), code: d.lang, confidence: formatPercent(d.confidence) });
      replace(detectedOut, said);
      detectedOut.dataset.lang = d.lang;
      announceDetected(d.lang, said);
    } catch (err) {
      if (seq !== detectSeq) return;
      detected = undefined;
      delete detectedOut.dataset.lang;
      replace(detectedOut, errorBox(err));
      announced = undefined;
    }
    detectedOut.classList.remove('busy');
    syncSourceBox();
  };
  const scheduleDetect = () => {
    window.clearTimeout(detectTimer);
    detectTimer = window.setTimeout(() => void runDetect(), DETECT_DELAY_MS);
  };
  article.addEventListener('input', scheduleDetect);
  format.addEventListener('change', scheduleDetect);
  sourceSel.addEventListener('change', syncSourceBox);

  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    replace(fileStatus);
    if (!f) return;
    const ext = /\.([a-z0-9]+)$/i.exec(f.name)?.[1]?.toLowerCase();
    // What is already in the text box stays as it is when the file cannot be used.
    const refuse = (key: string) => replace(fileStatus, h('p', { class: 'error', role: 'alert' }, t(`submit.${key}`, { name: f.name })));
    if (!ext || !EXTENSIONS[ext]) return refuse('fileType');
    const decoded = decodeArticle(new Uint8Array(await f.arrayBuffer()), EXTENSIONS[ext] === 'html');
    if ('problem' in decoded) return refuse(decoded.problem);
    filename = f.name;
    article.value = decoded.text.replace(/^\uFEFF/, '');
    format.value = EXTENSIONS[ext]!;
    void runDetect();
  });

  get<{ providers: ProviderInfo[] }>('/v1/providers?health=false')
    .then(({ providers }) => {
      for (const p of providers.filter((p) => p.configured)) {
        provider.append(h('option', { value: p.id }, p.test ? t('submit.providerTest', { id: p.id }) : p.id));
      }
    })
    .catch((err) => status.append(errorBox(err)));

  const form = h(
    'form',
    {
      class: 'card',
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        replace(status);
        const targets = [...boxes.filter((b) => b.checked && !b.disabled).map((b) => b.value), ...other.value.split(/[\s,]+/).filter(Boolean)];
        if (!article.value.trim()) {
          replace(status, h('p', { class: 'error', role: 'alert' }, t('submit.needText')));
          article.focus();
          return;
        }
        if (targets.length === 0) {
          replace(status, h('p', { class: 'error', role: 'alert' }, t('submit.needTarget')));
          boxes.find((b) => !b.disabled)?.focus();
          return;
        }
        button.disabled = true;
        replace(status, t('submit.sending'));
        try {
          const body = {
            text: article.value,
            targets,
            ...(title.value.trim() ? { title: title.value.trim() } : {}),
            ...(format.value !== 'auto' ? { format: format.value } : {}),
            ...(sourceSel.value !== 'auto' ? { sourceLang: sourceSel.value } : {}),
            ...(provider.value ? { provider: provider.value } : {}),
          };
          const providers = Object.fromEntries(targets.filter((l) => perTarget.get(l)?.value).map((l) => [l, perTarget.get(l)!.value]));
          if (Object.keys(providers).length) Object.assign(body, { providers });
          const res = await post<{ id: string; status: string }>('/v1/jobs', body);
          ctx.navigate(`/jobs/${encodeURIComponent(res.id)}`);
        } catch (err) {
          replace(status, errorBox(err));
          button.disabled = false;
        }
      },
    },
    h('h1', { tabindex: -1 }, t('submit.title')),
    h('p', { class: 'lead' }, t('submit.lead')),
    h('div', { class: 'field' }, h('label', { for: 'article' }, t('submit.article')), article, detectedOut, detectAnnounce),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'file' }, t('submit.upload')), file, fileStatus),
      h('div', { class: 'field' }, h('label', { for: 'format' }, t('submit.format')), format),
      h('div', { class: 'field' }, h('label', { for: 'source-lang' }, t('submit.sourceLang')), sourceSel, h('p', { id: 'source-help', class: 'help' }, t('submit.sourceHelp'))),
    ),
    h('div', { class: 'field' }, h('label', { for: 'title' }, t('submit.titleField')), title),
    h('fieldset', {}, h('legend', {}, t('submit.targets')), targetList,
      h('div', { class: 'field narrow-field' }, h('label', { for: 'other-targets' }, t('submit.otherTargets')), other, h('p', { id: 'other-help', class: 'help' }, t('submit.otherHelp')))),
    h('div', { class: 'field' }, h('label', { for: 'provider' }, t('submit.provider')), provider),
    button,
    status,
  );
  replace(main, form);
  return () => window.clearTimeout(detectTimer);
};
