/**
 * locflow as a library: `import { translate } from 'locflow'` runs the whole
 * pipeline in-process (like `locflow translate`, no Redis) and hands back the
 * bundle in memory. Plugins named in the config file are loaded first.
 */
import { loadGlossaryFiles } from '../cli/glossary-files.js';
import { InputError } from '../pipeline/errors.js';
import { writeBundle, zipBundleAsync } from '../pipeline/formats/bundle.js';
import { requireLang } from '../pipeline/languages.js';
import { translateArticle } from '../pipeline/run.js';
import { loadPlugins, loadProvidersConfig, openTranslator } from '../providers/index.js';
import { locflowVersion } from '../pipeline/package-info.js';

const version = locflowVersion();

export interface TranslateOptions {
  /** Target languages, BCP-47 (`['en', 'vi']`). */
  to: string[];
  /** Source language; detected when absent. */
  from?: string;
  format?: 'text' | 'markdown' | 'html';
  /** Provider to try first (`deepl`, `openai:gpt-4o-mini`, a plugin id, `pseudo`). */
  provider?: string;
  /** Glossary YAML files (default: the seed files shipped with locflow). */
  glossary?: string[];
  /** A LOCFLOW_CONFIG file (routes, provider settings, plugins); default: the LOCFLOW_CONFIG variable. */
  config?: string;
}

export interface Bundle {
  /** `manifest.json`, parsed. */
  manifest: Record<string, unknown>;
  /** `aligned.json`, parsed. */
  aligned: { sourceLang: string; languages: string[]; segments: { id: string; paragraph: number; text: Record<string, string>; meta: Record<string, unknown> }[] };
  /** Every file of the bundle by its path (`documents/en.md`, `xliff/fr-en.xlf`, …). */
  files: Record<string, Uint8Array>;
  /** The bundle as one zip. */
  toZip(): Promise<Uint8Array>;
}

export async function translate(text: string, options: TranslateOptions): Promise<Bundle> {
  if (typeof text !== 'string') throw new InputError('bad-input', 'translate(text, options): text must be a string');
  const targets = (options?.to ?? []).map((l) => requireLang(l, 'to'));
  if (targets.length === 0) throw new InputError('missing-targets', 'options.to needs at least one target language, e.g. ["en"]');
  const env = options.config ? { ...process.env, LOCFLOW_CONFIG: options.config } : process.env;
  const config = loadProvidersConfig(env);
  await loadPlugins(config);
  const translator = await openTranslator({ config, ...(options.provider ? { provider: options.provider } : {}), allowPseudo: true });
  const input = await translateArticle(text, {
    ...(options.format ? { format: options.format } : {}),
    ...(options.from && options.from !== 'auto' ? { from: options.from } : {}),
    terms: await loadGlossaryFiles(options.glossary ?? []),
    targets,
    translator,
    toolVersion: version,
  });
  const written = writeBundle(input);
  const files: Record<string, Uint8Array> = {};
  for (const [path, content] of written) files[path] = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const json = (path: string) => JSON.parse(new TextDecoder().decode(files[path])) as unknown;
  return {
    manifest: json('manifest.json') as Bundle['manifest'],
    aligned: json('aligned.json') as Bundle['aligned'],
    files,
    toZip: () => zipBundleAsync(written),
  };
}
