/**
 * `locflow provider-test MODULE [--options JSON] [--pair fr-en] [--json]`: the
 * conformance kit on a provider plugin, the same checks the built-in adapters
 * pass in the test suite. Exit 0 when every check passes, 1 when one fails,
 * 2 when the module cannot be loaded or the options are not JSON.
 */
import type { Command } from 'commander';
import { InputError } from '../../pipeline/errors.js';
import { requireLang } from '../../pipeline/languages.js';
import { loadProvidersConfig } from '../../providers/config.js';
import { runConformance, type CheckResult } from '../../providers/conformance.js';
import { loadPlugin } from '../../providers/plugins.js';
import { action, EXIT_JOB_FAILED } from '../run-command.js';

interface ProviderTestOptions {
  options?: string;
  pair?: string;
  json?: boolean;
}

export function registerProviderTest(program: Command): void {
  program
    .command('provider-test')
    .description('check a provider plugin module against the provider contract (exit 0 when every check passes)')
    .argument('<module>', 'the plugin: a file path (relative to this directory) or a package name')
    .option('--options <json>', 'options passed to the module\'s createProvider(options, {env}), as JSON', '{}')
    .option('--pair <from-to>', 'language pair to test (default fr-en, else the first pair the provider lists)')
    .option('--json', 'print the report as JSON on stdout')
    .action(action(async (module: string, opts: ProviderTestOptions) => providerTest(module, opts)));
}

function parseOptions(text: string | undefined): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '{}');
  } catch (err) {
    throw new InputError('bad-option', `--options is not JSON: ${(err as Error).message}`, { params: { option: '--options', detail: (err as Error).message, context: 'json' } });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('bad-option', '--options must be a JSON object, e.g. {"url":"http://127.0.0.1:8080"}', { params: { option: '--options', detail: 'not a JSON object', context: 'json' } });
  }
  return value as Record<string, unknown>;
}

function parsePair(text: string): { from: string; to: string } {
  const m = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*?)-([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)$/.exec(text.trim());
  if (!m) throw new InputError('bad-option', `--pair must look like fr-en, not "${text}"`, { params: { option: '--pair', detail: text, context: 'pair' } });
  return { from: requireLang(m[1]!, '--pair'), to: requireLang(m[2]!, '--pair') };
}

const MARK: Record<CheckResult['status'], string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' };

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
  const report = await runConformance(provider, { pair: chosen });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`provider ${report.provider} from ${module}, pair ${chosen.from}-${chosen.to}\n`);
    for (const c of report.checks) process.stdout.write(`  ${MARK[c.status]}  ${c.name}: ${c.title}${c.reason ? `\n        ${c.status === 'failed' ? 'why' : 'note'}: ${c.reason}` : ''}\n`);
    const count = (s: CheckResult['status']) => report.checks.filter((c) => c.status === s).length;
    process.stdout.write(`${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped\n`);
  }
  if (!report.ok) process.exitCode = EXIT_JOB_FAILED;
}
