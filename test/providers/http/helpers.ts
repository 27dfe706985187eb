import { expect } from 'vitest';
import { ProviderError } from '../../../pipeline/errors.js';
import type { Term, TranslatorRequest } from '../../../pipeline/model.js';
import type { TranslationProvider } from '../../../providers/contract.js';
import { createTranslator, type RetryOptions } from '../../../providers/index.js';

/** Awaits a promise that must reject with a ProviderError and returns that error. */
export async function catchProviderError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError, but the call succeeded');
}

export function term(t: Partial<Term> & Pick<Term, 'id' | 'term' | 'kind'>): Term {
  return { lang: 'fr', translations: {}, variants: [], caseSensitive: false, status: 'approved', ...t };
}

/**
 * An adapter behind the router, as locflow uses it: batches are cut to the
 * adapter's limits and a `too-large` answer is halved there, not in the adapter.
 */
export function routed(provider: TranslationProvider, retry: RetryOptions = { attempts: 1 }) {
  const translator = createTranslator({ provider: provider.id, providers: [provider], config: { env: { PATH: '/nonexistent' }, routes: {}, pivots: [], retry } });
  return (req: Omit<TranslatorRequest, 'terms'> & { terms?: Term[] }) => translator.translate({ ...req, terms: req.terms ?? [] });
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * Conformance-kit fault hooks that script a fake with the engine's documented
 * answers for a rate limit (with Retry-After: 3), a spent quota and a rejected
 * key, so the kit sees the adapter's typed errors.
 */
export function faultsFor(fake: { script(answer: Answer, options?: { path?: string }): void }, answers: Partial<Record<'rate-limit' | 'quota' | 'auth', Answer>>) {
  return Object.fromEntries(Object.entries(answers).map(([kind, answer]) => [kind, () => fake.script(answer!)]));
}
