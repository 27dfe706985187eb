/** A scripted provider for routing tests: serves the given pairs, records calls, fails as told. */
import { ProviderError } from '../../pipeline/errors.js';
import type { LanguagePair, ProviderLimits, TranslationProvider, TranslateRequest } from '../../providers/contract.js';

export interface FakeCall {
  from: string;
  to: string;
  texts: string[];
}

export interface Fake extends TranslationProvider {
  calls: FakeCall[];
  /** Errors thrown by the next calls, in order (undefined = succeed). */
  failures: (ProviderError | Error | undefined)[];
}

export function fakeProvider(
  id: string,
  pairs: [string, string][],
  options: { configured?: boolean; limits?: Partial<ProviderLimits>; tag?: string; billPerChar?: number } = {},
): Fake {
  const fake: Fake = {
    id,
    contractVersion: 3,
    configured: options.configured ?? true,
    glossary: 'mask',
    limits: { maxTexts: 100, maxChars: 100_000, ...options.limits },
    calls: [],
    failures: [],
    async pairs(): Promise<LanguagePair[]> {
      return pairs.map(([from, to]) => ({ from, to }));
    },
    async translate(req: TranslateRequest) {
      fake.calls.push({ from: req.from, to: req.to, texts: req.segments.map((s) => s.text) });
      const failure = fake.failures.shift();
      if (failure) throw failure;
      const texts = req.segments.map((s) => `${options.tag ?? id}[${req.from}>${req.to}](${s.text})`);
      return { texts, billedChars: req.segments.reduce((n, s) => n + s.text.length, 0) * (options.billPerChar ?? 1), warnings: [] };
    },
    async health() {
      return { ok: true, message: 'fake' };
    },
  };
  return fake;
}

export const quota = (provider: string) => new ProviderError(provider, 'quota', 'Quota exceeded', { status: 456 });
export const rateLimited = (provider: string, retryAfterMs?: number) =>
  new ProviderError(provider, 'rate-limit', 'Too many requests', { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
export const badRequest = (provider: string) => new ProviderError(provider, 'bad-request', 'Bad request', { status: 400 });

/** An environment in which no real provider is configured (and no apertium binary is found). */
export const EMPTY_ENV: NodeJS.ProcessEnv = { PATH: '/nonexistent' };
