/**
 * `GET /v1/providers`: every provider (configured or not, with what it
 * needs), and — given a source language — the route that would serve each
 * target and every provider that could, so that a submit form can show them
 * before anything is sent.
 */
import type { FastifyPluginAsync } from 'fastify';
import { canonicalLang } from '../../pipeline/languages.js';
import type { Lang } from '../../pipeline/model.js';
import { listProviders, type CheckCache, type LocflowTranslator, type ProviderInfo } from '../../providers/index.js';
import { requireRole, type AuthConfig } from '../auth.js';
import { AUTH_ERRORS, errorResponses } from '../schemas.js';

export interface ProviderRoutesOptions {
  auth: AuthConfig;
  env: NodeJS.ProcessEnv;
  translatorFor: (provider: string | undefined) => LocflowTranslator;
  /** Engine checks shared by every request of this process for a short TTL (the web page asks on every load). */
  checks: CheckCache;
  /** Blanks credentials in engine messages. */
  scrub: (text: string) => string;
}

/** Targets listed when `from` is given without `to`: the first-class languages. */
const FIRST_CLASS = ['fr', 'en', 'vi', 'es'];
/** How long one provider may take to list its pairs before its routes are left out. */
const READY_MS = 5000;

export interface TargetRoutes {
  /** The route the configured order would take (no provider chosen), or null. */
  route: string | null;
  /** Every provider that serves the pair, first the one `route` uses; `pseudo` last (test output). */
  choices: { provider: string; route: string; test: boolean }[];
  /** When no real provider serves the pair: what to configure (variable names, never values). */
  configure?: string;
}

/** `deepl (needs DEEPL_AUTH_KEY); google (needs …)`: what would add real engines here, for refusals and the page. */
export function configureText(list: ProviderInfo[]): string {
  return list
    .filter((p) => !p.configured && !p.test)
    .map((p) => `${p.id} (needs ${p.requires ?? 'its settings'})`)
    .join('; ');
}

async function readyWithin(translator: LocflowTranslator, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([translator.ready().then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The routes of every target from `from`, with the configured providers that could serve each. */
export async function targetRoutes(from: Lang, targets: Lang[], list: ProviderInfo[], translatorFor: ProviderRoutesOptions['translatorFor']): Promise<Record<Lang, TargetRoutes>> {
  const auto = translatorFor(undefined);
  const forced = new Map<string, LocflowTranslator>();
  for (const p of list.filter((p) => p.configured)) {
    try {
      forced.set(p.id, translatorFor(p.id));
    } catch {
      // Configured but refused as a choice (a broken setting): it simply offers no route.
    }
  }
  await Promise.all([auto, ...forced.values()].map((t) => readyWithin(t, READY_MS)));
  const configure = configureText(list);
  const out: Record<Lang, TargetRoutes> = {};
  for (const to of targets) {
    const plan = auto.plan(from, to);
    const choices: TargetRoutes['choices'] = [];
    for (const [provider, translator] of forced) {
      const p = translator.plan(from, to);
      if (p) choices.push({ provider, route: p.label, test: p.pseudo });
    }
    // The provider the automatic route starts with comes first; test output last.
    const first = plan?.providers[0];
    choices.sort((a, b) => Number(a.test) - Number(b.test) || Number(b.provider === first) - Number(a.provider === first));
    out[to] = { route: plan?.label ?? null, choices, ...(!plan && configure ? { configure } : {}) };
  }
  return out;
}

const providerSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    configured: { type: 'boolean' },
    requires: { type: 'string', description: 'What an unconfigured provider needs (names of settings, never values)' },
    pairs: { type: 'array', items: { type: 'string' } },
    glossary: { type: 'string', enum: ['native', 'mask'] },
    limits: { type: 'object', additionalProperties: true },
    module: { type: 'string', description: 'For a plugin: the module named in the config file' },
    health: { type: 'object', additionalProperties: true, properties: { ok: { type: 'boolean' }, message: { type: 'string' }, checkedAt: { type: 'string', description: 'When the engine was last asked (checks are reused for a short while)' } } },
    test: { type: 'boolean', description: 'pseudo-localisation: output is not a translation' },
  },
};

const routesSchema = {
  type: 'object',
  properties: {
    from: { type: 'string' },
    targets: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          route: { type: ['string', 'null'] },
          choices: { type: 'array', items: { type: 'object', properties: { provider: { type: 'string' }, route: { type: 'string' }, test: { type: 'boolean' } } } },
          configure: { type: 'string' },
        },
      },
    },
  },
};

export const providerRoutes: FastifyPluginAsync<ProviderRoutesOptions> = async (app, { auth, env, translatorFor, checks, scrub }) => {
  app.get<{ Querystring: { health?: string; from?: string; to?: string } }>(
    '/',
    {
      preHandler: requireRole(auth, 'submitter'),
      schema: {
        summary: 'Providers, their pairs and health; with ?from=, the route that would serve each target',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            health: { type: 'string', enum: ['true', 'false'], description: 'false skips the health checks' },
            from: { type: 'string', maxLength: 35, description: 'Source language: adds `routes` for the targets in `to`' },
            to: { type: 'string', maxLength: 1000, description: 'Comma-separated targets (default fr,en,vi,es)' },
            token: { type: 'string' },
            lng: { type: 'string', maxLength: 35 },
          },
        },
        response: {
          200: { type: 'object', description: 'Every provider; with ?from=, the route of each target', properties: { providers: { type: 'array', items: providerSchema }, routes: routesSchema }, required: ['providers'] },
          ...errorResponses({ ...AUTH_ERRORS, 400: true }),
        },
      },
    },
    async (request) => {
      const { health, from, to } = request.query;
      const list = await listProviders({ env, health: health !== 'false', timeoutMs: 5000, cache: checks, scrub });
      if (!from) return { providers: list };
      const source = canonicalLang(from);
      if (!source) return { providers: list };
      const targets = (to ? to.split(',') : FIRST_CLASS)
        .map((l) => canonicalLang(l.trim()))
        .filter((l): l is Lang => !!l && l.toLowerCase() !== source.toLowerCase())
        .slice(0, 50);
      return { providers: list, routes: { from: source, targets: await targetRoutes(source, targets, list, translatorFor) } };
    },
  );
};
