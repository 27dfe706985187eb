/**
 * The last line of defence for credentials, and the one scrubber every
 * process uses: workers (job errors, BullMQ failure reasons, logs), the API
 * (every log line, every JSON answer, event streams) and the CLI (error
 * lines, `doctor`, `providers`, `provider-test`). Any configured secret in a
 * text becomes `***`. Adapters already redact their own key; this catches
 * what they cannot know about (a proxy page that echoes a header, a plugin
 * that puts its key in a message) and runs before anything is cut short, so
 * a key is never half-removed. Secrets come from the environment and from the
 * LOCFLOW_CONFIG file (its variables and the plugins' options).
 */
import { loadProvidersConfig } from './config.js';
import { redact } from './http.js';

/** Environment variables whose values are credentials. */
const SECRET_NAME = /(^|_)(KEY|API_KEY|AUTH_KEY|SECRET|PASSWORD|TOKEN|ACCESS_TOKEN)$/;
/**
 * Values that are switches or numbers, not credentials (`SOME_TOKEN=true`): the API scrubs whole JSON answers, where
 * blanking every `true` or `1000` would corrupt them.
 */
const NOT_A_SECRET = /^(true|false|null|yes|no|on|off|\d+)$/i;
/** Plugin option names whose values are credentials (`apiKey`, `auth_token`, `clientSecret`, `password`). */
const SECRET_OPTION = /(key|secret|password|token)$/i;

/** String values of secret-looking names in a plugin's options (nested objects included). */
export function secretsInOptions(options: unknown, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 4 || options === null || typeof options !== 'object') return out;
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    if (typeof value === 'string' && value.length >= 4 && !NOT_A_SECRET.test(value) && SECRET_OPTION.test(name)) out.add(value);
    else if (value && typeof value === 'object') secretsInOptions(value, out, depth + 1);
  }
  return out;
}

/** Credential values found in `env`: provider keys, webhook secret, Redis password, API tokens. */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 4 || NOT_A_SECRET.test(value)) continue;
    if (SECRET_NAME.test(name)) out.add(value);
  }
  for (const item of (env.LOCFLOW_TOKENS ?? '').split(',')) {
    const at = item.lastIndexOf(':');
    const token = at > 0 ? item.slice(0, at).trim() : '';
    if (token.length >= 4) out.add(token);
  }
  for (const name of ['REDIS_URL']) {
    try {
      const password = decodeURIComponent(new URL(env[name] ?? '').password);
      if (password.length >= 4) out.add(password);
    } catch {
      // Not a URL: nothing to take from it.
    }
  }
  // Longest first, so that a secret containing another is removed whole.
  return [...out].sort((a, b) => b.length - a.length);
}

export type Scrub = (text: string) => string;

/**
 * Every credential of the deployment: the environment's, and the config
 * file's (variables and plugin options). A config file that cannot be read
 * adds nothing here; its error is reported where it is loaded.
 */
export function deploymentSecrets(env: NodeJS.ProcessEnv): string[] {
  const out = new Set(secretsOf(env));
  if (env.LOCFLOW_CONFIG?.trim()) {
    try {
      const config = loadProvidersConfig(env);
      for (const s of secretsOf(config.env)) out.add(s);
      for (const settings of Object.values(config.providers ?? {})) secretsInOptions(settings, out);
    } catch {
      // Unreadable or invalid: whoever loads it says so.
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** The scrubber for a process: `deploymentSecrets(env)` and any `extra` ones (a plugin's --options). */
export function scrubberFor(env: NodeJS.ProcessEnv, extra: readonly string[] = []): Scrub {
  const secrets = [...new Set([...deploymentSecrets(env), ...extra])].sort((a, b) => b.length - a.length);
  return (text) => (secrets.length === 0 ? text : redact(text, secrets));
}

/** Redacts an error's message and stack in place (BullMQ stores both) and returns it. */
export function scrubError<E>(err: E, scrub: Scrub): E {
  if (err instanceof Error) {
    err.message = scrub(err.message);
    if (err.stack) err.stack = scrub(err.stack);
  }
  return err;
}
