/** `locflow translate`: the whole pipeline in-process, no Redis, no server. */
import type { Command } from 'commander';
import { getI18n } from '../../locales/i18n.js';
import { InputError } from '../../pipeline/errors.js';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { requireLang } from '../../pipeline/languages.js';
import { translateArticle } from '../../pipeline/run.js';
import { loadPlugins, loadProvidersConfig, openTranslator } from '../../providers/index.js';
import { checkOutPath, writeBundleTo } from '../bundle-output.js';
import { loadGlossaryFiles } from '../glossary-files.js';
import { readArticle } from '../input.js';
import { action, joinList, parseList } from '../run-command.js';
import { locflowVersion } from '../../pipeline/package-info.js';

const version = locflowVersion();

interface TranslateOptions {
  to: string;
  from?: string;
  provider?: string;
  glossary: string[];
  format?: string;
  out?: string;
  json?: boolean;
}

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('translate one article into an aligned multilingual bundle (in-process, no server needed)')
    .argument('<file>', 'article file (text, Markdown or HTML), or - for stdin')
    .requiredOption('--to <langs>', 'target languages, comma-separated BCP-47 codes (en,vi,es); repeatable', joinList)
    .option('--from <lang>', 'source language, or auto to detect it', 'auto')
    .option('--provider <id>', 'translation provider to use first (apertium, deepl, openai:MODEL, pseudo, …)')
    .option('--glossary <file>', 'glossary YAML file (repeatable; default: the seed files in glossary/)', collect, [])
    .option('--format <format>', 'input format: text, markdown or html (default: from the file name or content)')
    .option('--out <path>', 'output directory, or a path ending in .zip')
    .option('--json', 'print the manifest as JSON on stdout')
    .action(action(async (file: string, opts: TranslateOptions) => translate(file, opts)));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function translate(file: string, opts: TranslateOptions): Promise<void> {
  const { t } = await getI18n();
  // Validate every option before reading or writing anything.
  if (!opts.out) throw new InputError('missing-out', '--out is required: a directory, or a path ending in .zip');
  const targets = parseList(opts.to).map((l) => requireLang(l, '--to'));
  if (targets.length === 0) throw new InputError('missing-targets', '--to needs at least one target language, e.g. --to en,es,vi');
  // A repeated target (es,es or es,ES) would otherwise be translated twice before the bundle refuses it.
  const twice = targets.find((l, i) => targets.indexOf(l) !== i);
  if (twice) throw new InputError('duplicate-language', `language ${twice} appears twice in the job`, { params: { lang: twice } });
  const format = parseFormat(opts.format);
  if (opts.from && opts.from !== 'auto') requireLang(opts.from, '--from');
  await checkOutPath(opts.out);

  const terms = await loadGlossaryFiles(opts.glossary);
  const config = loadProvidersConfig(process.env);
  await loadPlugins(config);
  const translator = await openTranslator({ config, provider: opts.provider, allowPseudo: true });
  const article = await readArticle(file);

  const bundle = await translateArticle(article.bytes, {
    filename: article.filename,
    format,
    from: opts.from,
    terms,
    targets,
    translator,
    toolVersion: version,
    ...(process.env.LOCFLOW_TERM_CHECK === '1' || process.env.LOCFLOW_TERM_CHECK === 'true' ? { termCheck: true } : {}),
    onAnalysed: (analysis) => {
      const how = analysis.detection === 'forced' ? t('translate.sourceForced') : t('translate.sourceDetected', { confidence: analysis.confidence.toFixed(2) });
      process.stderr.write(`${t('translate.source', { lang: analysis.sourceLang, how, segments: analysis.segments.length, terms: analysis.terms.length })}\n`);
      for (const to of targets) {
        const plan = translator.plan(analysis.sourceLang, to);
        if (plan?.pseudo) process.stderr.write(`${t('translate.pseudoRoute', { to, from: analysis.sourceLang })}\n`);
        else if (plan) process.stderr.write(`${t('translate.route', { to, route: plan.label })}\n`);
      }
    },
    onProgress: (to, done, total) => {
      if (done === total) process.stderr.write(`${t('translate.targetDone', { to, total })}\n`);
    },
  });

  const files = writeBundle(bundle);
  const where = await writeBundleTo(opts.out, files);
  const manifest = JSON.parse(String(files.get('manifest.json') ?? '{}')) as unknown;
  process.stderr.write(`${t('translate.wrote', { path: where, files: files.size })}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
}

function parseFormat(format: string | undefined): 'text' | 'markdown' | 'html' | undefined {
  if (format === undefined) return undefined;
  const f = format.toLowerCase();
  if (f === 'md') return 'markdown';
  if (f === 'txt') return 'text';
  if (f === 'text' || f === 'markdown' || f === 'html') return f;
  throw new InputError('unknown-format', `--format must be text, markdown or html, not "${format}"`, { params: { format, context: 'option' } });
}
