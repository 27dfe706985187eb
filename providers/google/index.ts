// Placeholder so the registry can import the factory name; the real adapter replaces it shortly.
import type { AxiosInstance } from 'axios';
import type { TranslationProvider } from '../contract.js';
import { ProviderError } from '../../pipeline/errors.js';

export interface GoogleOptions {
  apiKey?: string;
  baseURL?: string;
  env?: NodeJS.ProcessEnv;
  http?: AxiosInstance;
  model?: string;
}

export function createGoogle(options: GoogleOptions = {}): TranslationProvider {
  const env = options.env ?? process.env;
  const configured = Boolean(options.apiKey ?? env.GOOGLE_API_KEY);
  return {
    id: 'google',
    configured,
    limits: { maxTexts: 50, maxChars: 5000 },
    glossary: 'mask',
    pairs: async () => [],
    translate: async () => {
      throw new ProviderError('google', 'unavailable', 'adapter not implemented yet');
    },
    health: async () => ({ ok: false, message: 'adapter not implemented yet' }),
  };
}
