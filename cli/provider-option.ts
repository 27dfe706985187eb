/** `--provider` as `submit` takes it: one default provider, providers per target, or both. */
import { InputError } from '../pipeline/errors.js';
import { requireLang } from '../pipeline/languages.js';
import { parseList } from './run-command.js';

/**
 * `--provider deepl`, `--provider vi=pseudo,en=deepl` or both (`deepl,vi=pseudo`):
 * the default provider and the providers per target, as the API takes them.
 */
export function parseProviderOption(raw: string | undefined): { provider?: string; providers?: Record<string, string> } {
  let provider: string | undefined;
  const providers: Record<string, string> = {};
  for (const entry of parseList(raw)) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      if (provider !== undefined && provider !== entry) {
        throw new InputError('bad-option', `--provider takes one default provider, not both ${entry} and another; name the others per target (vi=pseudo)`, { params: { value: entry, context: 'provider' } });
      }
      provider = entry;
      continue;
    }
    const lang = requireLang(entry.slice(0, eq).trim(), '--provider');
    const ref = entry.slice(eq + 1).trim();
    if (!ref) throw new InputError('bad-option', `--provider ${entry}: give the provider after "=" (e.g. vi=pseudo)`, { params: { value: entry, context: 'provider-empty' } });
    providers[lang] = ref;
  }
  return { ...(provider ? { provider } : {}), ...(Object.keys(providers).length ? { providers } : {}) };
}
