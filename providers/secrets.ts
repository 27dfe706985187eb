/**
 * The last line of defence for credentials: every text a worker stores or
 * hands to BullMQ (job errors, failure reasons, log lines) passes through
 * here, and any configured secret in it becomes `***`. Adapters already
 * redact their own key; this catches what they cannot know about (a proxy
 * page that echoes a header, a plugin that puts its key in a message) and
 * runs before anything is cut short, so a key is never half-removed.
 */
import { redact } from './http.js';

/** Environment variables whose values are credentials. */
const SECRET_NAME = /(^|_)(KEY|API_KEY|AUTH_KEY|SECRET|PASSWORD|TOKEN|ACCESS_TOKEN)$/;

/** Credential values found in `env`: provider keys, webhook secret, Redis password, API tokens. */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 4) continue;
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

export function scrubberFor(env: NodeJS.ProcessEnv, extra: readonly string[] = []): Scrub {
  const secrets = [...secretsOf(env), ...extra];
  return (text) => redact(text, secrets);
}

/** Redacts an error's message and stack in place (BullMQ stores both) and returns it. */
export function scrubError<E>(err: E, scrub: Scrub): E {
  if (err instanceof Error) {
    err.message = scrub(err.message);
    if (err.stack) err.stack = scrub(err.stack);
  }
  return err;
}
