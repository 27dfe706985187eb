/**
 * The conformance kit: the behaviour every provider owes locflow, checked on
 * a live provider. `locflow provider-test MODULE` runs it on a plugin, and the
 * test suite runs it on every built-in adapter (`test/providers/conformance.ts`),
 * so there is one definition of "a working provider".
 *
 * Each check calls the provider directly, the way the router does: batches
 * within `limits`, one call each. It needs no test framework and returns a
 * report; nothing here throws for a failing provider.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROVIDER_FAILURES, ProviderError } from '../pipeline/errors.js';
import { comparePlaceholders, plainText } from '../pipeline/inline.js';
import { noticesOf } from '../pipeline/notices.js';
import type { LanguagePair, ProviderSegment, TranslateRequest, TranslateResponse, TranslationProvider } from './contract.js';
import { asProviderError, providerProblem } from './plugins.js';
import { planBatches } from './policy.js';

export type FaultKind = 'rate-limit' | 'quota' | 'auth';

export interface ConformanceOptions {
  pair: LanguagePair;
  /**
   * Arranges for the provider's next translate call to fail in this way (a
   * test scripts its fake engine). Without it the kit answers the provider's
   * next `fetch()` itself: 429 with `Retry-After: 3`, 402, and 401. A provider
   * that makes no fetch call has those checks skipped.
   */
  faults?: Partial<Record<FaultKind, () => void | Promise<void>>>;
  /**
   * The instance the error checks call after a fault hook (default: the
   * provider under test): a second instance of the same plugin whose engine
   * address is a fault engine (`startFaultEngine`), so that the checks apply to
   * a plugin whatever HTTP client it uses.
   */
  faultProvider?: TranslationProvider;
  /** Longest a single check may take (default 15 s). */
  timeoutMs?: number;
  /** Number of calls the engine has received, when the caller can see it (checks that an empty batch costs none). */
  requests?: () => number;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  title: string;
  status: CheckStatus;
  /** Why it failed or was skipped, in English. */
  reason?: string;
  /**
   * The same reason as a key of `kit.reason` in `locales/<lng>/providers.json`
   * and the values its sentences name, so a reader gets it in their language
   * (`locflow provider-test` does).
   */
  reasonKey?: ReasonKey;
  reasonParams?: Record<string, string | number>;
  ms: number;
}

export interface ConformanceReport {
  provider: string;
  pair: LanguagePair;
  ok: boolean;
  checks: CheckResult[];
}

/** Sentences in the source language with placeholders of every kind, one distinct id set each. */
const SAMPLES: Record<string, string[]> = {
  fr: [
    'La société <g id="1">DeepSeek</g> a publié un nouveau modèle.',
    'Les chercheurs ont comparé <x id="2"/> avec les modèles américains.',
    'Le code est disponible sur <g id="3">GitHub</g> depuis lundi &amp; mardi.',
    'Selon <x id="t1"/>, les coûts ont baissé de 90 %.',
    'Les actions de <g id="5">Nvidia</g> ont chuté <x id="6"/> après l’annonce.',
  ],
  en: [
    'The company <g id="1">DeepSeek</g> released a new model.',
    'Researchers compared <x id="2"/> with American models.',
    'The code has been on <g id="3">GitHub</g> since Monday &amp; Tuesday.',
    'According to <x id="t1"/>, costs fell by 90 percent.',
    'Shares of <g id="5">Nvidia</g> fell <x id="6"/> after the announcement.',
  ],
  es: [
    'La empresa <g id="1">DeepSeek</g> publicó un nuevo modelo.',
    'Los investigadores compararon <x id="2"/> con los modelos americanos.',
    'El código está en <g id="3">GitHub</g> desde el lunes &amp; martes.',
    'Según <x id="t1"/>, los costes bajaron un 90 por ciento.',
    'Las acciones de <g id="5">Nvidia</g> cayeron <x id="6"/> tras el anuncio.',
  ],
  vi: [
    'Công ty <g id="1">DeepSeek</g> đã công bố một mô hình mới.',
    'Các nhà nghiên cứu đã so sánh <x id="2"/> với các mô hình của Mỹ.',
    'Mã nguồn có trên <g id="3">GitHub</g> từ thứ Hai &amp; thứ Ba.',
    'Theo <x id="t1"/>, chi phí đã giảm 90 phần trăm.',
    'Cổ phiếu của <g id="5">Nvidia</g> đã giảm <x id="6"/> sau thông báo.',
  ],
};

export function conformanceSamples(from: string): string[] {
  return SAMPLES[from.split('-')[0]!] ?? SAMPLES.en!;
}

/** Well-formed inline XML: only `<g id>`, `</g>`, `<x id/>` tags and known entities. */
export function wellFormedInline(text: string): boolean {
  const noTags = text.replace(/<g id="[^"]*">|<\/g>|<x id="[^"]*"\/>/g, '');
  if (/[<>]/.test(noTags)) return false;
  return !/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(noTags);
}

/** A request cut to the provider's limits as the router cuts it, one call per batch. */
async function callWithin(provider: TranslationProvider, req: TranslateRequest): Promise<TranslateResponse> {
  const out = { texts: [] as string[], billedChars: 0, notices: [] as NonNullable<TranslateResponse['notices']> };
  for (const segments of planBatches(req.segments, provider.limits, provider.measure?.bind(provider))) {
    const res = await provider.translate({ ...req, segments });
    if (!Array.isArray(res?.texts)) throw new Failure('noTextsArray', { answer: String(JSON.stringify(res)).slice(0, 80) });
    if (res.texts.length !== segments.length) throw new Failure('countInCall', { sent: segments.length, got: res.texts.length });
    out.texts.push(...res.texts);
    out.billedChars += res.billedChars;
    out.notices.push(...noticesOf(res));
  }
  return { ...out, warnings: out.notices.map((n) => n.message) };
}

/**
 * Every reason a check gives, in English with i18next placeholders. The same
 * sentences are `kit.reason.<key>` in `locales/en/providers.json` (a test holds
 * the two equal), translated in the other locales.
 */
export const CONFORMANCE_REASONS = {
  notProvider: 'the provider {{problem}}',
  notConfigured: 'says it is not configured (configured: false): give it the options or environment it needs',
  pairsNotArray: 'pairs() did not return an array',
  pairNotListed: '{{pair}} is not among its {{total}} pairs ({{listed}})',
  noTextsArray: 'translate() answered without a texts array ({{answer}})',
  countInCall: 'sent {{sent}} segments in one call, got {{got}} texts back',
  count: 'sent {{sent}} segments, got {{got}} texts back',
  segmentEmpty: 'segment {{n}} came back empty',
  order: 'the texts come back in another order than the segments',
  billedZero: 'billedChars is 0 for a non-empty batch',
  placeholderLost: 'segment {{n}} lost or changed its placeholders ({{sent}} → {{got}})',
  notWellFormed: 'segment {{n}} is not well-formed inline XML: {{text}}',
  emptyBatchTexts: 'an empty batch returned {{texts}}',
  emptyBatchBilled: 'an empty batch billed {{chars}} characters',
  emptyBatchCalled: 'an empty batch still called the engine',
  emptySegmentCount: 'a batch with an empty segment returned {{got}} texts for 2',
  emptySegmentText: 'the empty segment came back as "{{text}}"',
  longCount: 'got {{got}} texts for one long segment',
  longShort: 'a {{length}}-character segment came back as {{got}} characters',
  replacementChars: 'segment {{n}} came back with U+FFFD replacement characters: {{text}}',
  brokenSurrogate: 'segment {{n}} came back with a broken surrogate pair',
  emojiLost: 'emoji were lost: {{text}}',
  emojiPlaceholder: 'the placeholder next to the emoji was lost: {{text}}',
  abortResolved: 'translate() with an already-aborted signal still translated; it must reject',
  abortHung: 'translate() with an aborted signal did not settle within 2 s',
  abortSlow: 'took over 2 s to give up',
  measureOne: 'measure() of one segment gave {{value}}',
  measureAll: 'measure() of {{total}} segments ({{all}}) is less than of one ({{one}})',
  fullBatchCount: 'a full batch of {{total}} segments returned {{got}} texts',
  faultSucceeded: 'the engine was set to answer {{kind}}, but translate() succeeded',
  noFetch: 'the provider made no fetch() call, so the kit could not answer HTTP {{status}}; point a second instance at the kit with provider-test --fault-options (or pass fault hooks to runConformance) to check it',
  httpSucceeded: 'the engine answered HTTP {{status}}, but translate() succeeded',
  notProviderError: 'threw {{name}} ({{message}}), not a ProviderError',
  wrongReason: 'threw a ProviderError with reason "{{reason}}", expected "{{expected}}"',
  retryAfter: 'rate-limit error has retryAfterMs {{got}}, expected {{expected}} (from Retry-After: {{seconds}})',
  healthShape: 'health() returned {{value}}',
  healthNotOk: 'health() says not ok: {{message}}',
  noShape: 'the provider does not have the contract shape',
  timeout: 'did not finish within {{ms}} ms',
  threw: 'threw {{name}}: {{message}}',
} as const;

export type ReasonKey = keyof typeof CONFORMANCE_REASONS;
type Params = Record<string, string | number>;

/** The English sentence of a reason. */
export function conformanceReason(key: ReasonKey, params: Params = {}): string {
  return CONFORMANCE_REASONS[key].replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(params[name] ?? ''));
}

/** A check's verdict: a reason key and its values, with the English sentence as the message. */
class Verdict extends Error {
  constructor(
    readonly key: ReasonKey,
    readonly params: Params = {},
  ) {
    super(conformanceReason(key, params));
  }
}
class Failure extends Verdict {}
class Skip extends Verdict {}

function must(condition: unknown, key: ReasonKey, params: Params = {}): asserts condition {
  if (!condition) throw new Failure(key, params);
}

const short = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Fails on the first output whose placeholders were lost or changed, or that is not well-formed. */
function mustKeepPlaceholders(sent: string[], got: string[]): void {
  got.forEach((out, i) => {
    must(comparePlaceholders(sent[i]!, out).ok, 'placeholderLost', { n: i + 1, sent: short(sent[i]!), got: short(out) });
    must(wellFormedInline(out), 'notWellFormed', { n: i + 1, text: short(out) });
  });
}

interface Check {
  name: string;
  title: string;
  run(provider: TranslationProvider, options: ConformanceOptions): Promise<void>;
}

const segs = (texts: string[], prefix = 'p1') => texts.map((text, i): ProviderSegment => ({ id: `${prefix}.s${i + 1}`, text }));

/** Answers the next fetch() calls with one canned HTTP error, and says whether the provider made any. */
async function withFetchAnswer<T>(status: number, headers: Record<string, string>, fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; fetched: number }> {
  const real = globalThis.fetch;
  let fetched = 0;
  globalThis.fetch = (async () => {
    fetched++;
    return new Response(JSON.stringify({ error: { message: `conformance kit: HTTP ${status}` } }), { status, headers: { 'content-type': 'application/json', ...headers } });
  }) as typeof fetch;
  try {
    return { result: await fn(), error: undefined, fetched };
  } catch (error) {
    return { result: undefined, error, fetched };
  } finally {
    globalThis.fetch = real;
  }
}

/** What a fault engine answers for each kind of fault: the statuses the fetch() answers use too. */
const FAULT_ANSWERS: Record<FaultKind, { status: number; headers: Record<string, string> }> = {
  'rate-limit': { status: 429, headers: { 'retry-after': '3' } },
  quota: { status: 402, headers: {} },
  auth: { status: 401, headers: {} },
};

export interface FaultEngine {
  /** `http://127.0.0.1:<port>`: point a provider instance's engine address here. */
  url: string;
  /** From now on every request, whatever its path or method, gets this fault's answer. */
  arm(kind: FaultKind): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server that answers every request with the armed fault (429
 * with `Retry-After: 3`, 402 or 401; 503 before any is armed). It checks the
 * error handling of providers that do not call the global fetch() (node:http,
 * axios, undici…): `locflow provider-test --fault-options` points a second
 * instance of the plugin at it.
 */
export async function startFaultEngine(): Promise<FaultEngine> {
  let armed: FaultKind | undefined;
  const server = createServer((req, res) => {
    req.resume();
    const answer = armed ? FAULT_ANSWERS[armed] : { status: 503, headers: {} };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify({ error: { message: `conformance kit: HTTP ${answer.status}` } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm(kind) {
      armed = kind;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function errorCheck(kind: FaultKind, status: number, headers: Record<string, string>, expectRetryAfter?: number): Check['run'] {
  return async (provider, options) => {
    const req = { segments: segs([conformanceSamples(options.pair.from)[0]!]), from: options.pair.from, to: options.pair.to };
    let error: unknown;
    const hook = options.faults?.[kind];
    if (hook) {
      await hook();
      error = await (options.faultProvider ?? provider).translate(req).then(() => undefined, (e: unknown) => e);
      must(error !== undefined, 'faultSucceeded', { kind });
    } else {
      const answer = await withFetchAnswer(status, headers, () => provider.translate(req));
      if (answer.fetched === 0) throw new Skip('noFetch', { status });
      must(answer.error !== undefined, 'httpSucceeded', { status });
      error = answer.error;
    }
    const typed = error instanceof ProviderError || ((error as { name?: unknown })?.name === 'ProviderError' && PROVIDER_FAILURES.includes((error as ProviderError).reason));
    must(typed, 'notProviderError', { name: (error as Error)?.name ?? typeof error, message: short(String((error as Error)?.message ?? error)) });
    const e = asProviderError(error, provider.id);
    must(e.reason === kind, 'wrongReason', { reason: e.reason, expected: kind });
    if (expectRetryAfter !== undefined) must(e.retryAfterMs === expectRetryAfter, 'retryAfter', { got: String(e.retryAfterMs), expected: expectRetryAfter, seconds: expectRetryAfter / 1000 });
  };
}

const CHECKS: Check[] = [
  {
    name: 'contract',
    title: 'declares contract version 3, an id, a glossary mode and usable limits',
    async run(provider) {
      const problem = providerProblem(provider);
      must(!problem, 'notProvider', { problem: problem ?? '' });
      must(provider.configured, 'notConfigured');
    },
  },
  {
    name: 'pairs',
    title: 'lists the pair under test',
    async run(provider, { pair }) {
      const pairs = await provider.pairs();
      must(Array.isArray(pairs), 'pairsNotArray');
      const any = pairs.some((p) => p.from === '*' && p.to === '*');
      must(any || pairs.some((p) => p.from === pair.from && p.to === pair.to), 'pairNotListed', {
        pair: `${pair.from}-${pair.to}`,
        total: pairs.length,
        listed: `${pairs.slice(0, 6).map((p) => `${p.from}-${p.to}`).join(', ')}${pairs.length > 6 ? ', …' : ''}`,
      });
    },
  },
  {
    name: 'one-text-per-text',
    title: 'returns one text per segment, in order, and bills something',
    async run(provider, { pair }) {
      const texts = conformanceSamples(pair.from);
      const res = await callWithin(provider, { segments: segs(texts), from: pair.from, to: pair.to });
      must(res.texts.length === texts.length, 'count', { sent: texts.length, got: res.texts.length });
      const empty = res.texts.findIndex((t) => typeof t !== 'string' || plainText(t).trim() === '');
      must(empty < 0, 'segmentEmpty', { n: empty + 1 });
      const firstIds = res.texts.map((t) => /id="([^"]+)"/.exec(t)?.[1]);
      must(JSON.stringify(firstIds) === JSON.stringify(texts.map((t) => /id="([^"]+)"/.exec(t)?.[1])), 'order');
      must(res.billedChars > 0, 'billedZero');
    },
  },
  {
    name: 'placeholders',
    title: 'keeps inline <x/> and <g> placeholders intact and well-formed',
    async run(provider, { pair }) {
      const texts = conformanceSamples(pair.from);
      const res = await callWithin(provider, { segments: segs(texts), from: pair.from, to: pair.to });
      mustKeepPlaceholders(texts, res.texts);
    },
  },
  {
    name: 'empty',
    title: 'answers an empty batch with nothing and an empty segment with one text',
    async run(provider, { pair, requests }) {
      const before = requests?.();
      const none = await provider.translate({ segments: [], from: pair.from, to: pair.to });
      must(Array.isArray(none?.texts) && none.texts.length === 0, 'emptyBatchTexts', { texts: String(JSON.stringify(none?.texts)) });
      must(none.billedChars === 0, 'emptyBatchBilled', { chars: none.billedChars });
      if (before !== undefined) must(requests!() === before, 'emptyBatchCalled');
      const texts = [conformanceSamples(pair.from)[0]!, ''];
      const res = await callWithin(provider, { segments: segs(texts, 'p9'), from: pair.from, to: pair.to });
      must(res.texts.length === 2, 'emptySegmentCount', { got: res.texts.length });
      must(plainText(res.texts[1]!).trim() === '', 'emptySegmentText', { text: short(res.texts[1]!) });
    },
  },
  {
    name: 'long-segment',
    title: 'translates a very long segment (up to its maxChars)',
    async run(provider, { pair }) {
      const base = plainText(conformanceSamples(pair.from)[0]!);
      const max = Math.min(provider.limits.maxChars, 4000);
      let text = '';
      while (text.length + base.length + 1 <= max) text += (text ? ' ' : '') + base;
      if (!text) text = base.slice(0, max);
      const res = await callWithin(provider, { segments: segs([text], 'p8'), from: pair.from, to: pair.to });
      must(res.texts.length === 1, 'longCount', { got: res.texts.length });
      must(plainText(res.texts[0]!).trim().length >= Math.min(text.length / 4, 100), 'longShort', { length: text.length, got: res.texts[0]!.length });
    },
  },
  {
    name: 'unicode',
    title: 'keeps Unicode intact: Vietnamese combining marks, emoji',
    async run(provider, { pair }) {
      // "Tiếng Việt" with its tone marks as combining characters (as franc's profile stores them), and emoji outside the BMP.
      const texts = ['Tiếng Việt'.normalize('NFD') + ' 🚀 <x id="e1"/> 👩‍💻.', `${plainText(conformanceSamples(pair.from)[1]!)} 🎉`];
      const res = await callWithin(provider, { segments: segs(texts, 'p7'), from: pair.from, to: pair.to });
      res.texts.forEach((t, i) => {
        must(!t.includes('\uFFFD'), 'replacementChars', { n: i + 1, text: short(t) });
        must(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t), 'brokenSurrogate', { n: i + 1 });
      });
      must(res.texts[0]!.includes('🚀') && res.texts[0]!.includes('👩‍💻') && res.texts[1]!.includes('🎉'), 'emojiLost', { text: short(res.texts.join(' | ')) });
      must(comparePlaceholders(texts[0]!, res.texts[0]!).ok, 'emojiPlaceholder', { text: short(res.texts[0]!) });
    },
  },
  {
    name: 'abort',
    title: 'honours an aborted signal',
    async run(provider, { pair }) {
      const controller = new AbortController();
      controller.abort(new Error('conformance kit: aborted'));
      const started = Date.now();
      const outcome = await Promise.race([
        provider.translate({ segments: segs(conformanceSamples(pair.from).slice(0, 2)), from: pair.from, to: pair.to, signal: controller.signal }).then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise<string>((r) => setTimeout(() => r('hung'), 2000).unref()),
      ]);
      must(outcome === 'rejected', outcome === 'resolved' ? 'abortResolved' : 'abortHung');
      must(Date.now() - started < 2000, 'abortSlow');
    },
  },
  {
    name: 'limits',
    title: 'accepts a batch as large as its limits, and measures request bodies sensibly',
    async run(provider, { pair }) {
      const base = conformanceSamples(pair.from);
      const count = Math.min(provider.limits.maxTexts, 30);
      const segments: ProviderSegment[] = [];
      let chars = 0;
      for (let i = 0; i < count; i++) {
        const text = base[i % base.length]!.replace(/id="([^"]+)"/g, (_m, id: string) => `id="${id}-${i}"`);
        if (segments.length && chars + text.length > provider.limits.maxChars) break;
        chars += text.length;
        segments.push({ id: `p2.s${i + 1}`, text });
      }
      if (provider.measure) {
        const one = provider.measure(segments.slice(0, 1));
        const all = provider.measure(segments);
        must(Number.isFinite(one) && one > 0, 'measureOne', { value: String(one) });
        must(all >= one, 'measureAll', { total: segments.length, all, one });
      }
      for (const batch of planBatches(segments, provider.limits, provider.measure?.bind(provider))) {
        const res = await provider.translate({ segments: batch, from: pair.from, to: pair.to });
        must(res.texts.length === batch.length, 'fullBatchCount', { total: batch.length, got: res.texts.length });
        mustKeepPlaceholders(batch.map((s) => s.text), res.texts);
      }
    },
  },
  { name: 'error-rate-limit', title: 'reports rate limiting as a rate-limit ProviderError with retryAfterMs', run: errorCheck('rate-limit', FAULT_ANSWERS['rate-limit'].status, FAULT_ANSWERS['rate-limit'].headers, 3000) },
  { name: 'error-quota', title: 'reports a spent quota as a quota ProviderError', run: errorCheck('quota', FAULT_ANSWERS.quota.status, FAULT_ANSWERS.quota.headers) },
  { name: 'error-auth', title: 'reports rejected credentials as an auth ProviderError', run: errorCheck('auth', FAULT_ANSWERS.auth.status, FAULT_ANSWERS.auth.headers) },
  {
    name: 'health',
    title: 'health() answers {ok, message} and is ok',
    async run(provider) {
      const h = await provider.health();
      must(h && typeof h.ok === 'boolean' && typeof h.message === 'string' && h.message.length > 0, 'healthShape', { value: String(JSON.stringify(h)) });
      must(h.ok, 'healthNotOk', { message: h.message });
    },
  },
];

/** Names and titles of the checks, in the order they run. */
export const CONFORMANCE_CHECKS: readonly { name: string; title: string }[] = CHECKS.map(({ name, title }) => ({ name, title }));

/**
 * Runs every check on a provider and reports each as passed, failed (with the
 * reason) or skipped. A provider that does not even have the contract's shape
 * fails the first check and the others are skipped.
 */
export async function runConformance(provider: TranslationProvider, options: ConformanceOptions): Promise<ConformanceReport> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const checks: CheckResult[] = [];
  for (const check of CHECKS) {
    const started = Date.now();
    const done = (status: CheckStatus, key?: ReasonKey, params: Params = {}) =>
      checks.push({ name: check.name, title: check.title, status, ...(key ? { reason: conformanceReason(key, params), reasonKey: key, reasonParams: params } : {}), ms: Date.now() - started });
    if (check.name !== 'contract' && checks[0]?.status === 'failed' && providerProblem(provider)) {
      done('skipped', 'noShape');
      continue;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check.run(provider, options),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Failure('timeout', { ms: timeoutMs })), timeoutMs);
        }),
      ]);
      done('passed');
    } catch (err) {
      if (err instanceof Skip) done('skipped', err.key, err.params);
      else if (err instanceof Failure) done('failed', err.key, err.params);
      else done('failed', 'threw', { name: (err as Error)?.name ?? 'Error', message: short(String((err as Error)?.message ?? err), 200) });
    } finally {
      clearTimeout(timer);
    }
  }
  return { provider: (provider as { id?: string })?.id ?? '?', pair: options.pair, ok: checks.every((c) => c.status !== 'failed'), checks };
}
