/** `locflow providers [--json] [--no-health]`: every provider, configured or not, its pairs and health. */
import type { Command } from 'commander';
import { getI18n } from '../../locales/i18n.js';
import { listProviders, loadPlugins, loadProvidersConfig, openTranslator, type ProviderInfo } from '../../providers/index.js';
import { action, scrubText } from '../run-command.js';

const ROUTE_LANGS = ['fr', 'en', 'vi', 'es'];

interface ProvidersOptions {
  json?: boolean;
  health: boolean;
}

export function registerProviders(program: Command): void {
  program
    .command('providers')
    .description('list translation providers: configured or not (and what they need), language pairs, glossary mode, health')
    .option('--json', 'print the list as JSON on stdout')
    .option('--no-health', 'skip the health checks (no call to any engine)')
    .action(action(async (opts: ProvidersOptions) => providers(opts)));
}

async function providers(opts: ProvidersOptions): Promise<void> {
  const config = loadProvidersConfig(process.env);
  await loadPlugins(config);
  const [list, translator] = await Promise.all([listProviders({ config, health: opts.health, scrub: scrubText }), openTranslator({ config })]);
  // The route each pair of the first-class languages would take right now: what users most want to know.
  const routes = ROUTE_LANGS.flatMap((from) => ROUTE_LANGS.filter((to) => to !== from).map((to) => ({ from, to, plan: translator.plan(from, to) })));
  if (opts.json) {
    const json = routes.map(({ from, to, plan }) => ({ from, to, route: plan?.label ?? null, ...(plan ? { id: plan.id } : {}) }));
    process.stdout.write(scrubText(`${JSON.stringify({ providers: list, routes: json, configuredRoutes: config.routes, ...(config.file ? { configFile: config.file } : {}) }, null, 2)}\n`));
    return;
  }
  const { t } = await getI18n();
  const rows = list.map((p) => row(p, t));
  const header = ['id', 'status', 'glossary', 'limits', 'health', 'pairs'].map((k) => t(`providers:list.header.${k}`));
  process.stdout.write(scrubText(table([header, ...rows])));
  process.stdout.write(`\n${t('providers:list.routesTitle')}\n`);
  process.stdout.write(table(routes.map(({ from, to, plan }) => [`  ${from}→${to}`, plan?.label ?? t('providers:list.noRoute')])));
  // Counts the rows of the table above, pseudo included: a summary that disagrees with the table it sums up misleads.
  process.stdout.write(`\n${t('providers:list.summary', { configured: list.filter((p) => p.configured).length, total: list.length })}\n`);
  if (config.file) process.stdout.write(`${t('providers:list.configFile', { file: config.file })}\n`);
  process.stdout.write(`${t('providers:list.pseudoNote')}\n`);
}

type T = Awaited<ReturnType<typeof getI18n>>['t'];

function row(p: ProviderInfo, t: T): string[] {
  const status = p.configured ? t('providers:list.configured') : `${t('providers:list.notConfigured')}: ${t('providers:list.needs', { requires: p.requires })}`;
  const limits = t('providers:list.limits', { texts: p.limits.maxTexts, chars: p.limits.maxChars });
  const health = !p.configured || !p.health ? t('providers:list.healthSkipped') : p.health.ok ? t('providers:list.healthOk', { message: p.health.message }) : t('providers:list.healthBad', { message: p.health.message });
  return [p.id, status, p.glossary, limits, health, pairsText(p, t)];
}

function pairsText(p: ProviderInfo, t: T): string {
  if (!p.configured) return '';
  if (p.pairs.includes('*-*')) return t('providers:list.anyPair');
  if (p.pairs.length === 0) return t('providers:list.noPairs');
  const max = 12;
  const shown = p.pairs.slice(0, max).join(' ');
  return p.pairs.length > max ? t('providers:list.morePairs', { shown, more: p.pairs.length - max }) : shown;
}

/** Left-aligned columns; the last column is not padded so long pair lists can wrap naturally. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n') + '\n';
}
