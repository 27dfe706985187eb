import { expect } from 'vitest';
import { ProviderError } from '../../../pipeline/errors.js';
import type { Term } from '../../../pipeline/model.js';

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
