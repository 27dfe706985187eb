/**
 * `locflow provider-test MODULE [--options JSON] [--fault-options JSON] [--pair fr-en] [--json]`:
 * the conformance kit on a provider plugin, the same checks the built-in
 * adapters pass in the test suite, said in the reader's language. Exit 0 when
 * every check passes, 1 when one fails, 2 when the module cannot be loaded or
 * the options are not JSON.
 */
import type { Command } from 'commander';
import { InputError } from '../../pipeline/errors.js';
import { requireLang } from '../../pipeline/languages.js';
import { loadProvidersConfig } from '../../providers/config.js';
import { runConformance, startFaultEngine, type CheckResult, type ConformanceOptions, type FaultEngine, type FaultKind } from '../../providers/conformance.js';
import { getI18n } from '../../locales/i18n.js';
import { loadPlugin } from '../../providers/plugins.js';
import { scrubberFor, secretsInOptions } from '../../providers/secrets.js';
import { action, EXIT_JOB_FAILED } from '../run-command.js';

interface ProviderTestOptions {
  options?: string;
  faultOptions?: string;
  pair?: string;
  json?: boolean;
}

export function registerProviderTest(program: Command): void {
  program
    .command('provider-test')
    .description('check a provider plugin module against the provider contract (exit 0 when every check passes)')
    .argument('<module>', 'the plugin: a file path (relative to this directory) or a package name')
    .option('--options <json>', 'options passed to the module\'s createProvider(options, {env}), as JSON', '{}')
    .option('--fault-options <json>', 'options for a second instance whose engine is the kit\'s fault server, which answers 429, 402 and 401 for the error checks; {{kit}} in the JSON becomes its address (for plugins that do not use fetch())')
    .option('--pair <from-to>', 'language pair to test (default fr-en, else the first pair the provider lists)')
    .option('--json', 'print the report as JSON on stdout')
    .action(action(async (module: string, opts: ProviderTestOptions) => providerTest(module, opts)));
}

function parseOptions(text: string | undefined, option = '--options'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '{}');
  } catch (err) {
    throw new InputError('bad-option', `${option} is not JSON: ${(err as Error).message}`, { params: { option, detail: (err as Error).message, context: 'json' } });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('bad-option', `${option} must be a JSON object, e.g. {"url":"http://127.0.0.1:8080"}`, { params: { option, detail: 'not a JSON object', context: 'json' } });
  }
  return value as Record<string, unknown>;
}

function parsePair(text: string): { from: string; to: string } {
  const m = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*?)-([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)$/.exec(text.trim());
  if (!m) throw new InputError('bad-option', `--pair must look like fr-en, not "${text}"`, { params: { option: '--pair', detail: text, context: 'pair' } });
  return { from: requireLang(m[1]!, '--pair'), to: requireLang(m[2]!, '--pair') };
}

async function providerTest(module: string, opts: ProviderTestOptions): Promise<void> {
  const options = parseOptions(opts.options);
  const pair = opts.pair ? parsePair(opts.pair) : undefined;
  const { env } = loadProvidersConfig(process.env);
  const provider = await loadPlugin(module, { options, env, baseDir: process.cwd() });
  let chosen = pair ?? { from: 'fr', to: 'en' };
  if (!pair) {
    const pairs = await provider.pairs().catch(() => []);
    const listed = pairs.filter((p) => p.from !== '*' && p.to !== '*');
    if (listed.length && !pairs.some((p) => (p.from === 'fr' && p.to === 'en') || (p.from === '*' && p.to === '*'))) chosen = listed[0]!;
  }
  const kit: Partial<ConformanceOptions> = {};
  let engine: FaultEngine | undefined;
  if (opts.faultOptions !== undefined) {
    // Parsed once before the server starts, so a typo is exit 2 without a stray listener.
    parseOptions(opts.faultOptions.replaceAll('{{kit}}', 'http://127.0.0.1:1'), '--fault-options');
    engine = await startFaultEngine();
    const faultOptions = parseOptions(opts.faultOptions.replaceAll('{{kit}}', engine.url), '--fault-options');
    try {
      kit.faultProvider = await loadPlugin(module, { options: faultOptions, env, baseDir: process.cwd() });
    } catch (err) {
      await engine.close();
      throw err;
    }
    const arm = (kind: FaultKind) => () => engine!.arm(kind);
    kit.faults = { 'rate-limit': arm('rate-limit'), quota: arm('quota'), auth: arm('auth') };
  }
  let report;
  try {
    report = await runConformance(provider, { pair: chosen, ...kit });
  } finally {
    await engine?.close();
  }
  // A check's reason quotes the plugin's own errors, which may carry the key it was given: in --options, --fault-options or the environment.
  const scrub = scrubberFor(process.env, [...secretsInOptions(options), ...(opts.faultOptions !== undefined ? secretsInOptions(parseOptions(opts.faultOptions, '--fault-options')) : [])]);
  const out = (text: string) => process.stdout.write(scrub(text));
  if (opts.json) {
    out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const { t } = await getI18n();
    const marks = { passed: t('providers:kit.mark.passed'), failed: t('providers:kit.mark.failed'), skipped: t('providers:kit.mark.skipped') };
    const width = Math.max(...Object.values(marks).map((m) => m.length));
    out(`${t('providers:kit.header', { id: report.provider, module, pair: `${chosen.from}-${chosen.to}` })}\n`);
    for (const c of report.checks) {
      const title = t(`providers:kit.title.${c.name}`, { defaultValue: c.title });
      // The English reason stays the fallback: a key this locflow has no sentence for still says something.
      const reason = c.reasonKey ? t(`providers:kit.reason.${c.reasonKey}`, { ...c.reasonParams, defaultValue: c.reason }) : c.reason;
      const label = c.status === 'failed' ? t('providers:kit.why') : t('providers:kit.note');
      out(`  ${marks[c.status].padEnd(width)}  ${c.name}: ${title}${reason ? `\n        ${label}: ${reason}` : ''}\n`);
    }
    const count = (s: CheckResult['status']) => report.checks.filter((c) => c.status === s).length;
    out(`${t('providers:kit.summary', { passed: count('passed'), failed: count('failed'), skipped: count('skipped') })}\n`);
  }
  if (!report.ok) process.exitCode = EXIT_JOB_FAILED;
}
